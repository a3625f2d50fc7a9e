// Databases for tests, on both engines: a new SQLite database in memory, or a new database on the
// PostgreSQL server of the test run (started by test/global-setup.ts, or named by
// TIEBREAK_TEST_POSTGRES_URL: a superuser URL of a server to use instead).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { closeDatabase, openDatabase, type Db, type Engine, type OpenOptions } from './db.ts';

export const ENGINES: readonly Engine[] = ['sqlite', 'postgres'];

export function postgresServerUrl(): string {
  const url = process.env.TIEBREAK_TEST_POSTGRES_URL ?? (inject as (key: string) => string | undefined)('postgresUrl');
  if (!url) throw new Error('no PostgreSQL server for the tests: test/global-setup.ts starts one (Debian package postgresql), or set TIEBREAK_TEST_POSTGRES_URL');
  return url;
}

/** A new, empty database on the test server; its URL. */
export async function newPostgresDatabase(): Promise<string> {
  const server = postgresServerUrl();
  const name = `t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: server });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`);
  } finally {
    await client.end();
  }
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Where a new database of `engine` is: a location openDatabase and the CLI's --db take. */
export async function newDatabaseLocation(engine: Engine, sqliteFile = ':memory:'): Promise<string> {
  return engine === 'postgres' ? newPostgresDatabase() : sqliteFile;
}

/** A new database of `engine`, migrated. Close it with closeDatabase. */
export async function testDatabase(engine: Engine, options?: OpenOptions): Promise<Db> {
  return openDatabase(await newDatabaseLocation(engine), options);
}

export { closeDatabase };
