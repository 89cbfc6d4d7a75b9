// Restart policy for crashed children: exponential backoff that resets once a child has stayed up,
// and gives up (crash loop) after too many quick failures in a row, like systemd's StartLimitBurst.

export interface BackoffPolicy {
  /** First restart delay. The issue asks for a killed child to be back within 2 s. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** A run shorter than this counts as a quick failure. */
  stableAfterMs: number;
  /** Quick failures in a row before the child is marked failed. */
  maxQuickFailures: number;
}

export const defaultBackoff: BackoffPolicy = {
  initialDelayMs: 250,
  maxDelayMs: 30_000,
  stableAfterMs: 10_000,
  maxQuickFailures: 8,
};

export type RestartDecision = { restart: true; delayMs: number } | { restart: false; reason: string };

/** Tracks one child's failures. `record` is called on each unexpected exit with how long the run lasted. */
export class RestartTracker {
  private quickFailures = 0;

  constructor(private readonly policy: BackoffPolicy = defaultBackoff) {}

  record(runMs: number): RestartDecision {
    if (runMs >= this.policy.stableAfterMs) this.quickFailures = 0;
    this.quickFailures += 1;
    if (this.quickFailures > this.policy.maxQuickFailures) {
      return {
        restart: false,
        reason: `exited ${this.quickFailures} times in a row within ${Math.round(this.policy.stableAfterMs / 1000)} s of starting`,
      };
    }
    const delayMs = Math.min(this.policy.maxDelayMs, this.policy.initialDelayMs * 2 ** (this.quickFailures - 1));
    return { restart: true, delayMs };
  }

  reset(): void {
    this.quickFailures = 0;
  }
}
