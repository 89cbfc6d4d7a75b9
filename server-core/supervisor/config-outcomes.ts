// What one child did with a pushed config version. A proxy worker answers `config-applied`, or
// `config-rejected` when it kept its previous config whole (a port it cannot bind, say:
// proxy/worker.ts). The supervisor waits for these answers so that an apply can tell the user
// whether the new version really serves, instead of storing a version no worker runs.

export type ConfigOutcome =
  | { child: string; outcome: 'applied' }
  | { child: string; outcome: 'rejected'; message: string }
  /** `gone`: the child exited (its restart starts on the newest config); `no-answer`: the wait timed out. */
  | { child: string; outcome: 'gone' | 'no-answer' };

interface Waiter {
  version: number;
  resolve: (o: ConfigOutcome) => void;
  timer: NodeJS.Timeout;
}

/** The pending waits of one child, settled by its messages or its exit. */
export class ConfigOutcomeWaiters {
  private waiters: Waiter[] = [];

  constructor(private readonly child: string) {}

  wait(version: number, timeoutMs: number): Promise<ConfigOutcome> {
    return new Promise((resolve) => {
      const waiter: Waiter = {
        version,
        resolve,
        timer: setTimeout(() => this.settle((w) => w === waiter, { child: this.child, outcome: 'no-answer' }), timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** Versions are applied in order: applying `version` answers every wait for it or an older one. */
  applied(version: number): void {
    this.settle((w) => w.version <= version, { child: this.child, outcome: 'applied' });
  }

  rejected(version: number, message: string): void {
    this.settle((w) => w.version === version, { child: this.child, outcome: 'rejected', message });
  }

  gone(): void {
    this.settle(() => true, { child: this.child, outcome: 'gone' });
  }

  private settle(match: (w: Waiter) => boolean, outcome: ConfigOutcome): void {
    const keep: Waiter[] = [];
    for (const w of this.waiters) {
      if (!match(w)) {
        keep.push(w);
        continue;
      }
      clearTimeout(w.timer);
      w.resolve(outcome);
    }
    this.waiters = keep;
  }
}
