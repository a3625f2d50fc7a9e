// Running the real command-line programs and a real collector process for end-to-end tests.
import { chromium, type Browser } from 'playwright-core';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeDatabase, openDatabase, sql, type Db } from '../collector/src/store/db.ts';

export const ROOT = new URL('..', import.meta.url).pathname;
export const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
export const CLI = { agent: join(ROOT, 'agent/src/cli.ts'), collector: join(ROOT, 'collector/src/cli.ts') };

/** The built programs of this test run (test/global-setup.ts), when it made them. */
const BUILT = process.env.TIEBREAK_TEST_BUILD ? (JSON.parse(process.env.TIEBREAK_TEST_BUILD) as Record<keyof typeof CLI, string>) : null;

/**
 * The command line that runs a program: its build with Node alone during a test run, else its
 * sources through tsx. Node itself, never a launcher: a signal sent to the process reaches the program.
 */
export function programCommand(program: keyof typeof CLI, args: string[]): [string, string[]] {
  return BUILT ? [process.execPath, [BUILT[program], ...args]] : [process.execPath, ['--import', 'tsx', CLI[program], ...args]];
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(program: keyof typeof CLI, args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(...programCommand(program, args), { cwd: ROOT, env: { ...process.env, ...options.env } });
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
  /** What the process wrote so far, standard output and error together. */
  output(): string;
  /** GET (or any request) as the logged-in test admin. */
  get(path: string, init?: RequestInit): Promise<Response>;
  /** The test admin's session cookie and CSRF token, for requests made by hand. */
  session: { cookie: string; csrf: string };
}

export const TEST_ADMIN = { username: 'tester', password: 'correct horse battery staple' };

/** Log in through the login form as a browser would; the session cookie and its CSRF token. */
export async function login(baseUrl: string, user = TEST_ADMIN): Promise<{ cookie: string; csrf: string }> {
  const form = await fetch(`${baseUrl}/login`);
  const loginCookie = /tb_login_csrf=([^;]+)/.exec(form.headers.get('set-cookie') ?? '')?.[1];
  const loginCsrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
  if (!loginCookie || !loginCsrf) throw new Error('no login form');
  const answer = await fetch(`${baseUrl}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `tb_login_csrf=${loginCookie}` },
    body: new URLSearchParams({ _csrf: loginCsrf, username: user.username, password: user.password, next: '/' }),
  });
  const cookie = /tb_session=([^;]+)/.exec(answer.headers.get('set-cookie') ?? '')?.[1];
  if (answer.status !== 302 || !cookie) throw new Error(`login failed: ${answer.status}`);
  const page = await (await fetch(`${baseUrl}/settings`, { headers: { cookie: `tb_session=${cookie}` } })).text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
  return { cookie: `tb_session=${cookie}`, csrf };
}

/** The test admin account, created in the database before the collector starts (once). */
export async function ensureTestAdmin(dbFile: string): Promise<void> {
  const result = await runCli('collector', ['user', 'add', TEST_ADMIN.username, '--role', 'admin', '--password-stdin', '--db', dbFile], {
    input: TEST_ADMIN.password,
  });
  if (result.code !== 0 && !/already exists/.test(result.stderr)) throw new Error(`cannot create the test admin: ${result.stderr}`);
}

/** `tiebreak-collector serve --port 0` as a real process; resolves with its URL once it listens. */
export async function startCollector(dbFile: string, extraArgs: string[] = [], env: Record<string, string> = {}): Promise<RunningCollector> {
  await ensureTestAdmin(dbFile);
  let output = '';
  const started = await new Promise<Omit<RunningCollector, 'get' | 'session'>>((resolve, reject) => {
    const child = spawn(...programCommand('collector', ['serve', '--port', '0', '--db', dbFile, ...extraArgs]), {
      cwd: ROOT,
      env: { ...process.env, TIEBREAK_LOG_LEVEL: 'warn', ...env },
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`collector did not start: ${err}`)), 30_000);
    child.stderr.on('data', (d) => ((err += d), (output += d)));
    child.stdout.on('data', (d) => {
      out += d;
      output += d;
      const match = /listening on (https?:\/\/\S+?)\/?\s/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({
          url: match[1]!,
          process: child,
          output: () => output,
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
  // A collector over HTTPS with a private CA: the tests that use one make their own requests.
  if (started.url.startsWith('https:')) return { ...started, session: { cookie: '', csrf: '' }, get: (path, init) => fetch(`${started.url}${path}`, init) };
  let session: Awaited<ReturnType<typeof login>>;
  try {
    session = await login(started.url);
  } catch (error) {
    // Not left running behind a failed test.
    await started.stop();
    throw error;
  }
  return {
    ...started,
    session,
    get: (path, init = {}) => fetch(`${started.url}${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), cookie: session.cookie } }),
  };
}

/**
 * Work on the database at `location` (an SQLite file or a PostgreSQL URL) beside a running
 * collector, as the tests check what it stored; the connection is closed after.
 */
export async function withDatabase<T>(location: string, work: (db: Db) => Promise<T>): Promise<T> {
  const db = await openDatabase(location, { poolSize: 1 });
  try {
    return await work(db);
  } finally {
    await closeDatabase(db);
  }
}

/** Every row of the tables that inventories write to, for before/after comparisons (in one order on both engines). */
export function databaseSnapshot(location: string): Promise<Record<string, unknown[]>> {
  const tables = ['hosts', 'catalogue', 'installations', 'inventory_receipts', 'host_facets', 'facet_counts'];
  return withDatabase(location, async (db) => {
    const out: Record<string, unknown[]> = {};
    for (const table of tables) {
      const rows = (await sql`SELECT * FROM ${sql.table(table)}`.execute(db)).rows;
      out[table] = rows.map((r) => JSON.stringify(r)).sort();
    }
    return out;
  });
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

/**
 * Send inventories as many agents at once would (`concurrency` requests in flight), each with its
 * host's credential; the answer to each, in order. A request that fails (a connection refused or
 * reset) gets status 0: it was not acknowledged.
 */
export async function postInventories(
  baseUrl: string,
  sends: { credential: string; inventory: unknown }[],
  concurrency = 16,
): Promise<{ status: number; body: Record<string, any> }[]> {
  const answers: { status: number; body: Record<string, any> }[] = new Array(sends.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < sends.length) {
        const index = next++;
        const { credential, inventory } = sends[index]!;
        answers[index] = await postApi(baseUrl, '/api/v1/inventories', credential, inventory).catch((error: Error) => ({
          status: 0,
          body: { error: error.message },
        }));
      }
    }),
  );
  return answers;
}

/** dpkg as root, waiting for its lock while another package test holds it (test files run in parallel). */
export function dpkg(args: string[], env: NodeJS.ProcessEnv = {}): string {
  for (let attempt = 0; ; attempt++) {
    const result = spawnSync('dpkg', args, { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive', ...env } });
    if (result.status === 0) return result.stdout;
    if (!/lock/i.test(result.stderr) || attempt > 120) throw new Error(`dpkg ${args.join(' ')} failed: ${result.stderr}`);
    execFileSync('sleep', ['1']);
  }
}

/** Debian's Chromium, headless, as the browser tests drive it (never a downloaded browser). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}
