// Work done a moment after new data arrives, once for a burst of inventories: the day's assessment
// snapshot (the trajectory keeps the last state of each day with new data).
export class DelayedTask {
  private timer: NodeJS.Timeout | null = null;
  /** The run in progress, awaited by flush so that close never cuts it short. */
  private running: Promise<void> | null = null;
  constructor(
    private readonly run: () => Promise<void>,
    private readonly delayMs: number,
  ) {}
  /** Run the task after the delay, unless it is already due. */
  schedule = (): void => {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.start();
    }, this.delayMs);
    this.timer.unref();
  };
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
  /** Run a pending task now, and wait for any run in progress (before closing). */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
      await this.start();
    }
    await this.running;
  }
  // One run at a time: a run due while another goes on follows it. `run` reports its own failures.
  private start(): Promise<void> {
    const previous = this.running ?? Promise.resolve();
    const next = previous.then(() => this.run()).catch(() => {});
    this.running = next;
    void next.finally(() => {
      if (this.running === next) this.running = null;
    });
    return next;
  }
}
