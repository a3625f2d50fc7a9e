// Running the real command-line programs and a real collector process for end-to-end tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export const ROOT = new URL('..', import.meta.url).pathname;
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
export const CLI = { agent: join(ROOT, 'agent/src/cli.ts'), collector: join(ROOT, 'collector/src/cli.ts') };

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(program: keyof typeof CLI, args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [CLI[program], ...args], { cwd: ROOT, env: { ...process.env, ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

export function tempDir(prefix = 'tiebreak-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface RunningCollector {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** `tiebreak-collector serve --port 0` as a real process; resolves with its URL once it listens. */
export function startCollector(dbFile: string, extraArgs: string[] = []): Promise<RunningCollector> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [CLI.collector, 'serve', '--port', '0', '--db', dbFile, ...extraArgs], {
      cwd: ROOT,
      env: { ...process.env, TIEBREAK_LOG_LEVEL: 'warn' },
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`collector did not start: ${err}`)), 30_000);
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      out += d;
      const match = /listening on (https?:\/\/\S+?)\/?\s/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({
          url: match[1]!,
          process: child,
          stop: () =>
            new Promise((done) => {
              if (child.exitCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`collector exited with ${code}: ${err}`));
    });
  });
}

/** Every row of the tables that inventories write to, for before/after comparisons. */
export function databaseSnapshot(dbFile: string): Record<string, unknown[]> {
  const db = new Database(dbFile, { readonly: true });
  try {
    const tables = ['hosts', 'catalogue', 'installations', 'inventory_receipts', 'host_facets', 'facet_counts'];
    return Object.fromEntries(tables.map((t) => [t, db.prepare(`SELECT * FROM ${t}`).all()]));
  } finally {
    db.close();
  }
}

/** Run a pnpm script without blocking the event loop (vitest's worker must stay responsive). */
export function pnpmScript(script: string, timeoutMs = 900_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('pnpm', ['-s', script], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`pnpm ${script} failed (${code}): ${err.slice(-2000)}`));
    });
  });
}

/** POST JSON with a bearer credential to a running collector; the status and the parsed answer. */
export async function postApi(baseUrl: string, path: string, bearer: string, body: unknown): Promise<{ status: number; body: Record<string, any> }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

/** Enrol a host as an agent would: the status and answer of POST /api/v1/enrol. */
export const enrolHost = (baseUrl: string, token: string, host: { id: string; hostname: string }) =>
  postApi(baseUrl, '/api/v1/enrol', token, { host_id: host.id, hostname: host.hostname });
