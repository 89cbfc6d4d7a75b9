// One orderly way out: whatever asks to quit (window closed, menu, tray, Cmd+Q, SIGINT/SIGTERM),
// the stack stops once, then the app exits. Electron's 'before-quit' is held (preventDefault)
// until the children are gone, then `app.exit` ends without firing it again.

export interface QuitDeps {
  /** Stops the whole stack; must be safe to call while it is still starting. */
  stop(): Promise<void>;
  exit(code: number): void;
  log(line: string): void;
  /** Upper bound on waiting for stop(); the supervisor's own shutdown timeouts fit well inside. */
  timeoutMs?: number;
}

export class QuitCoordinator {
  private stopping: Promise<void> | null = null;

  constructor(private readonly deps: QuitDeps) {}

  /** True once a quit has started. */
  get quitting(): boolean {
    return this.stopping !== null;
  }

  /** Stops the stack and exits; repeated calls share the first shutdown. */
  quit(): Promise<void> {
    this.stopping ??= this.run();
    return this.stopping;
  }

  private async run(): Promise<void> {
    const timeoutMs = this.deps.timeoutMs ?? 20_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((done) => {
      timer = setTimeout(() => done('timeout'), timeoutMs);
    });
    let code = 0;
    try {
      const result = await Promise.race([this.deps.stop().then(() => 'stopped' as const), timedOut]);
      if (result === 'timeout') {
        this.deps.log(`stopping took longer than ${timeoutMs / 1000} s; exiting anyway`);
        code = 1;
      }
    } catch (err) {
      this.deps.log(`stopping failed: ${err instanceof Error ? err.message : String(err)}`);
      code = 1;
    } finally {
      clearTimeout(timer);
    }
    this.deps.exit(code);
  }
}
