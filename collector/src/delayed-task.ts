// Work done a moment after new data arrives, once for a burst of inventories: the day's assessment
// snapshot (the trajectory keeps the last state of each day with new data).
export class DelayedTask {
  private timer: NodeJS.Timeout | null = null;
  constructor(
    private readonly run: () => void,
    private readonly delayMs: number,
  ) {}
  /** Run the task after the delay, unless it is already due. */
  schedule = (): void => {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.run();
    }, this.delayMs);
    this.timer.unref();
  };
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
  /** Run a pending task now (before closing). */
  flush(): void {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = null;
    this.run();
  }
}
