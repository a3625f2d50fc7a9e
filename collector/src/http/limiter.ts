// A bound on costly work done at once (password hashes, inflations): past it, callers wait in a
// short queue, and past that they are told to come back.

import { DomainError } from '../errors.ts';

/** Too many tasks are waiting: the answer is "try again later", not a longer queue. */
export class BusyError extends DomainError {
  constructor(message: string) {
    super('busy', message, 'busy');
    this.name = 'BusyError';
  }
}

/** At most `max` tasks at once, at most `queue` more waiting; past that, a BusyError. */
export class Limiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(
    private readonly max: number,
    private readonly queue: number,
  ) {}
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.max) {
      if (this.waiting.length >= this.queue) throw new BusyError('too many at once: try again in a moment');
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.running++;
    try {
      return await task();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}
