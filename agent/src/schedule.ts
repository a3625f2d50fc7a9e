// `tiebreak-agent run`: the daemon. It scans at start, then on the configured cron schedule with a
// random delay per run (so thousands of agents spread their load), spools each inventory, and
// retries what the collector did not acknowledge with exponential backoff and jitter.
import cron from 'node-cron';
import type { Inventory } from '@tiebreak/shared';
import type { Logger } from './log.ts';
import { backoffDelay, type Sender, type Spool } from './spool.ts';

export interface DaemonOptions {
  schedule: string;
  spool: Spool;
  log: Logger;
  scan: () => Promise<Inventory>;
  sender: Sender;
  /** Upper bound of the random delay before each scheduled run. */
  maxRandomDelayMs?: number;
  /** First retry delay; doubles at each failure up to an hour, with full jitter. */
  retryBaseMs?: number;
}

export interface Daemon {
  /** Resolves once the first scan at start has been spooled and a first delivery tried. */
  started: Promise<void>;
  /** Follow another schedule from now on (the collector may send one in its answers). */
  setSchedule(schedule: string): void;
  stop(): Promise<void>;
}

export function validateSchedule(schedule: string): boolean {
  return cron.validate(schedule);
}

export function startDaemon(options: DaemonOptions): Daemon {
  const { log, spool } = options;
  let attempt = 0;
  let retryTimer: NodeJS.Timeout | null = null;
  let stopped = false;
  let busy: Promise<void> = Promise.resolve();

  const flush = async () => {
    const result = await spool.flush(options.sender, log);
    if (result.sent) log.info(`delivered ${result.sent} inventor${result.sent === 1 ? 'y' : 'ies'}`);
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = null;
    if (result.pending > 0 && !stopped) {
      const delay = backoffDelay(attempt++, Math.random, options.retryBaseMs);
      log.warn(`${result.pending} inventor${result.pending === 1 ? 'y' : 'ies'} waiting; next attempt in ${Math.round(delay / 1000)} s`);
      retryTimer = setTimeout(() => void serial(flush), delay);
    } else if (result.pending === 0) attempt = 0;
  };
  const cycle = async () => {
    try {
      spool.add(await options.scan());
    } catch (error) {
      log.error(`scan failed: ${(error as Error).message}`);
    }
    await flush();
  };
  // One run at a time: a retry never overlaps a scheduled scan.
  const serial = (task: () => Promise<void>) => (busy = busy.then(task, task).catch((error) => log.error(String(error))));

  const started = serial(cycle);
  let current = options.schedule;
  const plan = (schedule: string) => {
    log.info(`scheduled scans: "${schedule}" plus up to ${Math.round((options.maxRandomDelayMs ?? 3_600_000) / 60_000)} min at random`);
    return cron.schedule(schedule, () => serial(cycle), { name: 'tiebreak-scan', noOverlap: true, maxRandomDelay: options.maxRandomDelayMs ?? 3_600_000 });
  };
  let task = plan(current);

  return {
    started,
    setSchedule(schedule) {
      if (stopped || schedule === current) return;
      if (!validateSchedule(schedule)) {
        log.warn(`the collector sent an invalid schedule "${schedule}": kept "${current}"`);
        return;
      }
      void task.stop();
      current = schedule;
      task = plan(schedule);
    },
    async stop() {
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      await task.stop();
      await task.destroy?.();
      await busy;
    },
  };
}
