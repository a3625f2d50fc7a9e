// Databases for tests, on both engines: a new SQLite database in memory, or a new database on the
// PostgreSQL server of the test run (test/postgres-server.ts, started by test/global-setup.ts).
import { testPostgres, type PostgresServer } from '../../../test/postgres-server.ts';
import { closeDatabase, openDatabase, type Db, type Engine, type OpenOptions } from './db.ts';

export const ENGINES: readonly Engine[] = ['sqlite', 'postgres'];

let server: Promise<PostgresServer> | undefined;
let migrated: Promise<string> | undefined;

/**
 * A new database on the test run's PostgreSQL server, its URL: a copy of one migrated once per
 * test process (copying a database costs a fraction of creating it and running the baseline).
 */
export async function newPostgresDatabase(name = 'test'): Promise<string> {
  server ??= testPostgres();
  const postgres = await server;
  migrated ??= postgres.createDatabase('migrated').then(async (url) => {
    await closeDatabase(await openDatabase(url));
    return url;
  });
  return postgres.createDatabase(name, await migrated);
}

/** Where a new database of `engine` is: a location openDatabase and the CLI's --db take. */
export async function newDatabaseLocation(engine: Engine, sqliteFile = ':memory:'): Promise<string> {
  return engine === 'postgres' ? newPostgresDatabase() : sqliteFile;
}

/** A new database of `engine`, migrated. Close it with closeDatabase. */
export async function testDatabase(engine: Engine, options?: OpenOptions): Promise<Db> {
  return openDatabase(await newDatabaseLocation(engine), options);
}

/** A new PostgreSQL database with nothing in it, not even the schema (tests of the migrations). */
export async function emptyPostgresDatabase(name = 'empty'): Promise<string> {
  server ??= testPostgres();
  return (await server).createDatabase(name);
}

export { closeDatabase };
