// The spool: every inventory is written to disk (atomically) before it is sent, and removed only when
// the collector acknowledged it. An unreachable collector or a 5xx/429 leaves it for a later attempt,
// across restarts; another 4xx moves it aside with the reason, never retried in a loop. Both folders
// are bounded (a revoked agent is refused at every scan), and a writer's leftovers are removed.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { InventorySchema, type Inventory, type SpoolState } from '@tiebreak/shared';
import { removeStaleTemporaries, writePrivateFile } from './files.ts';
import type { Logger } from './log.ts';
import { SendError, type SendResult } from './send.ts';

export interface SpoolOptions {
  dir: string;
  /** The spool keeps at most this many inventories: the newest. */
  maxEntries?: number;
  /** The refused inventories kept for the operator to read: the newest; older ones are dropped and counted. */
  maxRejected?: number;
}

export interface FlushResult {
  sent: number;
  rejected: number;
  /** Left for a later attempt (collector unreachable, 5xx or 429). */
  pending: number;
  lastError: SendError | null;
  /** Refused inventories dropped by this flush to keep the rejected folder within its bound. */
  dropped: number;
}

/** Sends one inventory; `state` is what the spool holds at that moment, reported to the collector. */
export type Sender = (inventory: Inventory, state: SpoolState) => Promise<SendResult>;

const PENDING = 'pending';
const REJECTED = 'rejected';
/** How many refused inventories were dropped from rejected/ since the spool was created. */
const DROPPED_COUNT = 'rejected-dropped.count';

export class Spool {
  readonly dir: string;
  private readonly maxEntries: number;
  private readonly maxRejected: number;

  constructor(options: SpoolOptions) {
    this.dir = options.dir;
    this.maxEntries = options.maxEntries ?? 20;
    this.maxRejected = options.maxRejected ?? 20;
    mkdirSync(join(this.dir, PENDING), { recursive: true, mode: 0o700 });
    mkdirSync(join(this.dir, REJECTED), { recursive: true, mode: 0o700 });
    // At start: what a killed writer left (its own spool writes and the counter's).
    for (const dir of [this.dir, join(this.dir, PENDING), join(this.dir, REJECTED)]) removeStaleTemporaries(dir);
  }

  /** Names sort by time of collection, so the oldest is sent first. */
  private entries(folder: string = PENDING): string[] {
    return readdirSync(join(this.dir, folder))
      .filter((name) => name.endsWith('.json'))
      .sort();
  }

  /** Written atomically: a crash leaves the inventory whole or absent, never half-written. */
  add(inventory: Inventory): string {
    const name = `${inventory.collected_at.replace(/[:.]/g, '-')}_${inventory.id}.json`;
    writePrivateFile(join(this.dir, PENDING, name), JSON.stringify(inventory));
    // Bounded: the oldest go first, a newer scan of the same machine supersedes them.
    const entries = this.entries();
    for (const old of entries.slice(0, Math.max(0, entries.length - this.maxEntries))) rmSync(join(this.dir, PENDING, old), { force: true });
    return name;
  }

  pending(): number {
    return this.entries().length;
  }

  /** Refused inventories dropped so far (kept in a file: the count survives restarts). */
  dropped(): number {
    const file = join(this.dir, DROPPED_COUNT);
    if (!existsSync(file)) return 0;
    const count = Number(readFileSync(file, 'utf8').trim());
    return Number.isSafeInteger(count) && count >= 0 ? count : 0;
  }

  /** Every inventory refused: the ones kept in rejected/ and the ones dropped from it. */
  private rejectedCount(): number {
    return this.entries(REJECTED).length + this.dropped();
  }

  /** Set an inventory aside, then drop the oldest refused ones beyond the bound; how many were dropped. */
  private reject(name: string, log: Logger): number {
    renameSync(join(this.dir, PENDING, name), join(this.dir, REJECTED, name));
    const rejected = this.entries(REJECTED);
    const excess = rejected.slice(0, Math.max(0, rejected.length - this.maxRejected));
    if (!excess.length) return 0;
    for (const old of excess) rmSync(join(this.dir, REJECTED, old), { force: true });
    const total = this.dropped() + excess.length;
    writePrivateFile(join(this.dir, DROPPED_COUNT), `${total}\n`);
    log.warn(`spool: ${REJECTED}/ keeps the ${this.maxRejected} newest refused inventories; ${excess.length} older dropped (${total} in all)`);
    return excess.length;
  }

  /** Send every pending inventory, oldest first; stops at the first failure worth retrying. */
  async flush(send: Sender, log: Logger): Promise<FlushResult> {
    const result: FlushResult = { sent: 0, rejected: 0, pending: 0, lastError: null, dropped: 0 };
    const names = this.entries();
    // What the collector is told with each inventory: the ones behind it, and the ones set aside.
    const rejectedBefore = this.rejectedCount();
    for (const [index, name] of names.entries()) {
      const file = join(this.dir, PENDING, name);
      let inventory: Inventory;
      try {
        inventory = InventorySchema.parse(JSON.parse(readFileSync(file, 'utf8')));
      } catch (error) {
        // Delivered and removed meanwhile by another run of the agent on this spool.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        log.warn(`spool: ${name} is unreadable (${(error as Error).message}); moved aside`);
        result.dropped += this.reject(name, log);
        result.rejected++;
        continue;
      }
      try {
        await send(inventory, { waiting: names.length - index - 1, rejected: rejectedBefore + result.rejected, oldest: inventory.collected_at });
        // Acknowledged: only now is it removed. A replay after a crash here is recognised by its id.
        rmSync(file, { force: true });
        result.sent++;
      } catch (error) {
        if (!(error instanceof SendError)) throw error;
        result.lastError = error;
        if (error.status !== null && error.status >= 400 && error.status < 500 && error.status !== 429) {
          log.error(`spool: the collector refused ${name} (${error.message}); moved to ${REJECTED}/, not retried`);
          result.dropped += this.reject(name, log);
          result.rejected++;
          continue;
        }
        log.warn(`spool: ${error.message}; ${name} kept for a later attempt`);
        break;
      }
    }
    result.pending = this.pending();
    return result;
  }
}

/** Exponential backoff with full jitter: a random delay up to min(cap, base * 2^attempt). */
export function backoffDelay(attempt: number, random = Math.random, baseMs = 30_000, capMs = 3_600_000): number {
  return Math.round(random() * Math.min(capMs, baseMs * 2 ** Math.min(attempt, 20)));
}
