// The worker thread that decodes peer reports (report-decoders.ts starts it): inflating and parsing
// a large or hostile report takes seconds and hundreds of MiB, here rather than on the event loop.
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { BodyError } from '../http/body.ts';
import { decodePeerReport, reportText } from './decode.ts';
import { PeerReportError } from './peer-inventory.ts';
import type { DecodeResult, DecodeTask } from './report-decoders.ts';

// Below the event loop's priority: on a busy machine the scheduler serves the thread that answers
// requests before the ones decoding (Linux: a thread's id, from /proc/thread-self, is a pid to
// setpriority; elsewhere the worker keeps the process's priority).
try {
  setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), Math.min(19, getPriority() + 10));
} catch {
  // not Linux, or not allowed
}

parentPort!.on('message', (task: DecodeTask) => {
  let result: DecodeResult;
  let inflated = 0;
  try {
    const { text, compression } = reportText(task.raw, task.limits);
    inflated = text.length;
    result = { ok: true, compression, inflated, ...decodePeerReport(text, { json: task.json, agent: task.agent }) };
  } catch (error) {
    if (error instanceof BodyError || error instanceof PeerReportError) result = { ok: false, status: error.status, message: error.message, inflated };
    else result = { ok: false, status: 500, message: (error as Error).stack ?? String(error), inflated };
  }
  parentPort!.postMessage(result);
});
// Loaded: reports may come (report-decoders.ts counts their time from here).
parentPort!.postMessage('ready');
