// The few places where SQLite and PostgreSQL need different SQL, named so the application's
// queries stay the same on both (store/db.ts). Add a function here rather than testing the engine
// in a query module.
import { sql, type RawBuilder } from 'kysely';
import { statSync } from 'node:fs';
import { engineOf, sqliteHandle, value, type Db } from './db.ts';

/** `text LIKE pattern`, ignoring ASCII case on both (SQLite's LIKE does; PostgreSQL's ILIKE). */
export function likeIgnoringCase(db: Db, text: RawBuilder<unknown>, pattern: string): RawBuilder<unknown> {
  return engineOf(db) === 'postgres' ? sql`${text} ILIKE ${pattern}` : sql`${text} LIKE ${pattern}`;
}

/** SQLite's `INDEXED BY` hint where its planner needs it; PostgreSQL plans without. */
export function indexedBy(db: Db, index: string): RawBuilder<unknown> {
  return engineOf(db) === 'postgres' ? sql`` : sql.raw(` INDEXED BY ${index}`);
}

const snapshotConnections = new WeakSet<Db>();

/**
 * Runs the reads of `work` on one consistent state of the database without taking a write lock,
 * so that figures read by several queries agree while ingests go on: a read-only REPEATABLE READ
 * transaction on PostgreSQL; on SQLite a deferred transaction (a WAL snapshot) on its one
 * connection. Inside a transaction or another snapshot already, `work` joins it. Reads only.
 */
export async function readSnapshot<T>(db: Db, work: (db: Db) => Promise<T>): Promise<T> {
  if (db.isTransaction || snapshotConnections.has(db)) return work(db);
  if (engineOf(db) === 'postgres') return db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(work);
  return db.connection().execute(async (connection) => {
    await sql`BEGIN DEFERRED`.execute(connection);
    snapshotConnections.add(connection);
    try {
      return await work(connection);
    } finally {
      snapshotConnections.delete(connection);
      await sql`COMMIT`.execute(connection);
    }
  });
}

/** The database's size in bytes: the SQLite file with its write-ahead log (0 in memory), or PostgreSQL's database. */
export async function databaseBytes(db: Db): Promise<number> {
  const raw = sqliteHandle(db);
  if (!raw) return (await value<number>(db, sql`SELECT pg_database_size(current_database())`)) ?? 0;
  if (raw.memory) return 0;
  const size = (file: string) => {
    try {
      return statSync(file).size;
    } catch {
      return 0;
    }
  };
  return size(raw.name) + size(`${raw.name}-wal`);
}

/**
 * Whether an error is the database refusing a write for want of room (SQLite: full disk or I/O
 * error, and the rollback that follows; PostgreSQL: SQLSTATE class 53, disk_full or out of memory).
 */
export function isStorageFull(error: Error): boolean {
  const code = (error as { code?: string }).code ?? '';
  return code === 'SQLITE_FULL' || code.startsWith('SQLITE_IOERR') || (code === 'SQLITE_ERROR' && /no transaction is active/.test(error.message)) || code === '53100';
}
