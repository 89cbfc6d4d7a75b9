// Moves keyboard focus to the input of a config path (or its nearest container that has one).
import { nearestField } from './issue-paths.js';

export function focusField(path: string, root: ParentNode = document): boolean {
  const known = new Set<string>();
  for (const el of root.querySelectorAll<HTMLElement>('[data-field]')) known.add(el.dataset.field ?? '');
  const target = nearestField(path, known);
  if (target === null) return false;
  const el = root.querySelector<HTMLElement>(`[data-field="${CSS.escape(target)}"]`);
  if (!el) return false;
  el.focus();
  el.scrollIntoView({ block: 'center' });
  return true;
}
