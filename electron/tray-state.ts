// What the tray shows: one of three icons (all running / something failed / stopped) and a tooltip
// naming what is wrong. Derived from the stack controller's phase and the status API's children.
import type { ChildStatus } from '../server-core/contract/api.js';
import type { DesktopStrings } from './desktop-strings.js';

/** The stack as the desktop app drives it (stack-controller.ts). */
export type StackPhase = 'starting' | 'running' | 'stopping' | 'stopped';

export type TrayIcon = 'running' | 'failed' | 'stopped';

export interface TrayState {
  phase: StackPhase;
  icon: TrayIcon;
  tooltip: string;
  /** The stack is up: the dashboard and the sites can be opened, "Stop" is offered. */
  up: boolean;
}

export function trayState(phase: StackPhase, children: readonly ChildStatus[], s: DesktopStrings): TrayState {
  if (phase === 'stopped') return { phase, icon: 'stopped', tooltip: s.stateStopped, up: false };
  if (phase === 'stopping') return { phase, icon: 'stopped', tooltip: s.stateStopping, up: false };
  if (phase === 'starting') return { phase, icon: 'stopped', tooltip: s.stateStarting, up: false };
  // A child waiting to be restarted counts as failing too: it is not serving now.
  const bad = children.filter((c) => c.state === 'failed' || c.state === 'backoff');
  if (bad.length > 0) return { icon: 'failed', tooltip: s.stateFailed(bad.map((c) => c.id).join(', ')), up: true, phase };
  if (children.some((c) => c.state !== 'running')) return { phase, icon: 'stopped', tooltip: s.stateStarting, up: true };
  return { phase, icon: 'running', tooltip: s.stateRunning(children.length), up: true };
}
