// Peer reports are decoded in worker threads (report-worker.ts): a report that inflates to 64 MiB,
// or holds a million elements, costs its worker seconds and hundreds of MiB while the event loop
// keeps answering. At most `workers` decode at once, `queue` more wait, and past that the answer is
// 503; each report has a time and a heap budget, past which its worker is stopped and replaced.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { BodyLimits } from '../http/body.ts';
import { BusyError, Limiter } from '../http/limiter.ts';
import type { Compression, DecodedReport } from './decode.ts';

export interface DecodeTask {
  raw: Uint8Array;
  /** A GLPI JSON message is accepted (/glpi) besides XML. */
  json: boolean;
  /** The request's User-Agent: the agent's name and version when the report does not say them. */
  agent: string | null;
  limits: BodyLimits;
}

/** `inflated`: the report's size in characters once inflated (0 when refused before). */
export type DecodeResult =
  | ({ ok: true; compression: Compression; inflated: number } & DecodedReport)
  | { ok: false; status: 400 | 413 | 415 | 500 | 503; message: string; inflated?: number };

export interface DecoderOptions {
  workers: number;
  queue: number;
  timeoutMs: number;
  /**
   * The heap of each worker (V8's old generation), in MiB: a backstop only, far above what the
   * body and XML limits let a report use, as a worker reaching it may abort the whole process
   * (nodejs/node#47224) instead of failing alone.
   */
  heapMib: number;
  /** A worker idle this long is stopped (its memory returned). */
  idleMs: number;
  /**
   * A worker that has decoded a report larger than this (characters, inflated) is stopped rather
   * than kept: its heap, grown for it, is returned at once instead of lingering until collected.
   */
  recycleAbove: number;
}

export const DEFAULT_DECODERS: DecoderOptions = { workers: 2, queue: 32, timeoutMs: 20_000, heapMib: 512, idleMs: 60_000, recycleAbove: 8 * 1024 * 1024 };

/** The worker's file in the built collector, beside its bundle (scripts/build-collector.ts). */
export const REPORT_WORKER_BUNDLE = 'report-worker.cjs';

/**
 * The worker: beside the bundle once built; else the TypeScript source, loaded after tsx's hooks are
 * registered in the worker (its ESM API: an --import of tsx in a worker's execArgv is not applied
 * to the worker's own entry on Node 20).
 */
function spawnWorker(options: { resourceLimits: { maxOldGenerationSizeMb: number } }): Worker {
  if (typeof __filename === 'string' && __filename.endsWith('.cjs')) return new Worker(join(dirname(__filename), REPORT_WORKER_BUNDLE), options);
  const tsx = pathToFileURL(
    createRequire(import.meta.url)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  const entry = new URL('./report-worker.ts', import.meta.url).href;
  return new Worker(`import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`, {
    ...options,
    eval: true,
    execArgv: [],
  });
}

export class ReportDecoders {
  private readonly idle: Worker[] = [];
  private readonly idleTimers = new Map<Worker, NodeJS.Timeout>();
  private readonly limiter: Limiter;

  constructor(private readonly options: DecoderOptions = DEFAULT_DECODERS) {
    this.limiter = new Limiter(options.workers, options.queue);
  }

  /** The report decoded, or the status and reason to refuse it with. */
  async decode(task: DecodeTask): Promise<DecodeResult> {
    try {
      return await this.limiter.run(() => this.onWorker(task));
    } catch (error) {
      if (error instanceof BusyError) return { ok: false, status: 503, message: 'too many reports being decoded at once: try again later' };
      throw error;
    }
  }

  /** Workers kept for the next reports. */
  get idleWorkers(): number {
    return this.idle.length;
  }

  /** Stop the idle workers (a busy one stops when its report is done, or with the process). */
  async close(): Promise<void> {
    const workers = this.idle.splice(0);
    for (const worker of workers) clearTimeout(this.idleTimers.get(worker));
    this.idleTimers.clear();
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  /** A new worker, once its code is loaded (it says so): loading is not counted in a report's time. */
  private async start(): Promise<Worker> {
    const worker = spawnWorker({ resourceLimits: { maxOldGenerationSizeMb: this.options.heapMib } });
    await new Promise<void>((resolve, reject) => {
      const detach = () => {
        worker.off('message', onReady);
        worker.off('error', onFailure);
        worker.off('exit', onFailure);
      };
      const onReady = () => {
        detach();
        resolve();
      };
      const onFailure = (failure: Error | number) => {
        detach();
        void worker.terminate();
        reject(failure instanceof Error ? failure : new Error(`the report decoder stopped while starting (exit code ${failure})`));
      };
      worker.on('message', onReady);
      worker.on('error', onFailure);
      worker.on('exit', onFailure);
    });
    return worker;
  }

  private async onWorker(task: DecodeTask): Promise<DecodeResult> {
    const worker = this.idle.pop() ?? (await this.start());
    clearTimeout(this.idleTimers.get(worker));
    this.idleTimers.delete(worker);
    worker.ref();
    return new Promise<DecodeResult>((resolve, reject) => {
      const detach = () => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      const discard = () => {
        detach();
        void worker.terminate();
      };
      const timer = setTimeout(() => {
        discard();
        resolve({ ok: false, status: 413, message: `report not decoded within ${this.options.timeoutMs / 1000} s` });
      }, this.options.timeoutMs);
      const onMessage = (result: DecodeResult) => {
        detach();
        if ((result.inflated ?? 0) > this.options.recycleAbove) void worker.terminate();
        else this.release(worker);
        resolve(result);
      };
      const onError = (error: Error & { code?: string }) => {
        discard();
        if (error.code === 'ERR_WORKER_OUT_OF_MEMORY')
          resolve({ ok: false, status: 413, message: `report too large to decode within ${this.options.heapMib} MiB` });
        else reject(error);
      };
      const onExit = (code: number) => {
        detach();
        reject(new Error(`the report decoder stopped (exit code ${code})`));
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage(task);
    });
  }

  private release(worker: Worker): void {
    worker.unref();
    this.idle.push(worker);
    const timer = setTimeout(() => {
      this.idleTimers.delete(worker);
      const at = this.idle.indexOf(worker);
      if (at >= 0) this.idle.splice(at, 1);
      void worker.terminate();
    }, this.options.idleMs);
    timer.unref();
    this.idleTimers.set(worker, timer);
  }
}

/** The process's decoders, shared by its collectors as its cores are. */
export const reportDecoders = new ReportDecoders();
