// Measuring how long the event loop goes without a turn: the tests of work moved off it.

/** The longest the event loop went without a turn while `work` ran. */
export async function longestStall(work: () => Promise<unknown>): Promise<number> {
  let longest = 0;
  let previous = performance.now();
  let running = true;
  const tick = () => {
    const now = performance.now();
    longest = Math.max(longest, now - previous);
    previous = now;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  await work();
  running = false;
  return longest;
}
