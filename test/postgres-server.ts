// A real PostgreSQL server for the tests: one throwaway cluster per test run (Debian's postgresql
// package), started by test/global-setup.ts, its URL provided to the tests as `postgresUrl`. A test
// makes its own empty database on it: `await (await testPostgres()).createDatabase('name')`.
//
// To use an existing server instead, set TIEBREAK_TEST_POSTGRES_URL to a superuser URL of it (one
// that may create and drop databases), e.g. postgres://postgres:secret@127.0.0.1:5432/postgres:
// no cluster is started then, and each test database is dropped when its test is done.
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './free-port.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The superuser URL of the tests' PostgreSQL server, '' when it could not be had (then postgresError says why). */
    postgresUrl: string;
    postgresError: string;
  }
}

const run = promisify(execFile);

export const POSTGRES_URL_ENV = 'TIEBREAK_TEST_POSTGRES_URL';

export interface PostgresServer {
  /** A superuser URL of the server (its `postgres` database). */
  url: string;
  /**
   * Makes a new empty database (UTF-8, C collation: text sorts by bytes, as SQLite does) and gives
   * its URL; a copy of `template` (a database of this server nobody is connected to) when given.
   */
  createDatabase(name: string, template?: string): Promise<string>;
  /** The throwaway cluster: stops it and removes its files. An existing server: drops the databases made through this object. */
  stop(): Promise<void>;
  /** The throwaway cluster only: restarted, shut down cleanly (fast) or as by a crash (immediate). */
  restart?(mode: 'fast' | 'immediate'): Promise<void>;
}

/** The bin directory of the highest PostgreSQL version installed (Debian's layout). */
export function postgresBinDir(root = '/usr/lib/postgresql'): string {
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+(\.\d+)?$/.test(v) && existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!versions.length) {
    throw new Error(
      `PostgreSQL is not installed (no ${root}/<version>/bin/initdb): install Debian's postgresql package, or set ${POSTGRES_URL_ENV} to a superuser URL of an existing server`,
    );
  }
  return join(root, versions[0]!, 'bin');
}

/** The server of TIEBREAK_TEST_POSTGRES_URL if set, else a new throwaway cluster. */
export function startPostgres(): Promise<PostgresServer> {
  const existing = process.env[POSTGRES_URL_ENV];
  return existing ? Promise.resolve(postgresAt(existing)) : startCluster();
}

/**
 * A throwaway cluster in a temporary directory, listening on a free loopback port (and a socket in
 * that directory), trusting every local connection, with durability off (fsync and the like): it
 * holds test data only. About a second to make and start.
 */
export async function startCluster(): Promise<PostgresServer> {
  const bin = postgresBinDir();
  // initdb and the server refuse to run as root: as root they run as the postgres user, which then
  // owns the directory.
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? await postgresUser() : null;
  const dir = mkdtempSync(join(tmpdir(), 'tiebreak-postgres-'));
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  const pgTool = (tool: string, args: string[]) => (asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]) : run(join(bin, tool), args));
  const failed = (what: string, err: unknown): Error => {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    const serverLog = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').slice(-5).join('\n') : '';
    return new Error(`${what} failed: ${stderr || (err as Error).message}${serverLog ? `\n${serverLog}` : ''}`);
  };
  let started = false;
  try {
    if (owner) chownSync(dir, owner.uid, owner.gid);
    try {
      await pgTool('initdb', ['-D', data, '-A', 'trust', '-U', 'tb', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions']);
    } catch (err) {
      throw failed(`initdb in ${dir}`, err);
    }
    let port = 0;
    // The port found free may be taken by another process before the server binds it: try another.
    for (let attempt = 1; !started; attempt++) {
      port = await freePort();
      const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
      try {
        // -l: the server's output goes to a file, not to pg_ctl's (which would then never close).
        await pgTool('pg_ctl', ['-D', data, '-o', options, '-l', log, '-w', 'start']);
        started = true;
      } catch (err) {
        const taken = existsSync(log) && readFileSync(log, 'utf8').includes('Address already in use');
        if (!taken || attempt === 3) throw failed(`starting PostgreSQL on port ${port}`, err);
      }
    }
    const server = postgresAt(`postgres://tb@127.0.0.1:${port}/postgres`);
    return {
      url: server.url,
      createDatabase: server.createDatabase,
      async restart(mode) {
        await pgTool('pg_ctl', ['-D', data, '-m', mode, '-l', log, '-w', 'restart']).catch((err) => {
          throw failed('restarting PostgreSQL', err);
        });
      },
      async stop() {
        // Immediate: no checkpoint to write for data about to be removed.
        await pgTool('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch((err) => console.error(failed('stopping PostgreSQL', err).message));
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } finally {
    if (!started) rmSync(dir, { recursive: true, force: true });
  }
}

async function postgresUser(): Promise<{ uid: number; gid: number }> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
    return { uid: Number(uid.stdout), gid: Number(gid.stdout) };
  } catch {
    throw new Error("running as root, the test PostgreSQL cluster needs the postgres user (made by Debian's postgresql package) to run as");
  }
}

let made = 0;

/** A URL without its password, for messages. */
const safeUrl = (url: string) => url.replace(/(\/\/[^:/@]+):[^@]*@/, '$1:***@');

/** An already running server, by a superuser URL. */
export function postgresAt(url: string): PostgresServer {
  const databases: string[] = [];
  const admin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  return {
    url,
    async createDatabase(name, template) {
      // Unique across the processes of a run and across runs sharing an existing server.
      const label = name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '_')
        .replace(/^_|_$/g, '')
        .slice(0, 30);
      const database = `tiebreak_${label}_${process.pid}_${++made}_${Date.now().toString(36)}`;
      const from = template ? `TEMPLATE ${new URL(template).pathname.slice(1)}` : "TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'";
      await admin((c) => c.query(`CREATE DATABASE ${database} ${from}`)).catch((err: Error) => {
        throw new Error(`cannot create a test database on the PostgreSQL server ${safeUrl(url)}: ${err.message}`);
      });
      databases.push(database);
      const target = new URL(url);
      target.pathname = `/${database}`;
      return target.toString();
    },
    async stop() {
      const names = databases.splice(0);
      if (names.length)
        await admin(async (c) => {
          for (const database of names) await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
        });
    },
  };
}

/**
 * In a test: the run's server (see global-setup.ts). Its stop() drops the databases the test made.
 * (vitest is imported here only: global-setup.ts, which imports this file, may not import it.)
 */
export async function testPostgres(): Promise<PostgresServer> {
  const { inject } = await import('vitest');
  const url = inject('postgresUrl');
  if (!url) throw new Error(`no PostgreSQL server for this test run: ${inject('postgresError') || 'test/global-setup.ts did not start one'}`);
  return postgresAt(url);
}
