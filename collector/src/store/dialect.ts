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
  return (
    code === 'SQLITE_FULL' || code.startsWith('SQLITE_IOERR') || (code === 'SQLITE_ERROR' && /no transaction is active/.test(error.message)) || code === '53100'
  );
}

/**
 * Locks these rows of `table` (a constant name) in id order, for an update of non-key columns that
 * follows in the same transaction: two PostgreSQL transactions adding to the same counters then
 * wait for each other in one order and never deadlock. SQLite has one writer at a time: nothing.
 */
export async function lockRowsInOrder(db: Db, table: string, ids: readonly number[]): Promise<void> {
  if (engineOf(db) !== 'postgres' || !ids.length) return;
  // NO KEY UPDATE: what the UPDATE itself takes; it does not block foreign-key checks of inserts.
  await sql`SELECT id FROM ${sql.table(table)} WHERE id IN (${sql.join(ids)}) ORDER BY id FOR NO KEY UPDATE`.execute(db);
}

/**
 * Serialises, until the transaction ends, the transactions that name one of these keys (a host's
 * stable id): two PostgreSQL transactions ingesting the same machine at once would otherwise both
 * find it unknown and create it twice. Taken in sorted order. SQLite has one writer at a time: nothing.
 */
export async function lockKeysForTransaction(db: Db, keys: readonly string[]): Promise<void> {
  if (engineOf(db) !== 'postgres' || !keys.length) return;
  const list = sql.join([...new Set(keys)].map((key) => sql`(CAST(${key} AS TEXT))`));
  // One statement: the sorted subquery hands the locks their order.
  await sql`SELECT pg_advisory_xact_lock(${LOCK_SPACE_OF_KEYS}, h)
    FROM (SELECT DISTINCT hashtext(k) AS h FROM (VALUES ${list}) AS keys (k) ORDER BY h) AS sorted`.execute(db);
}

/** The first half of the advisory lock ids that lockKeysForTransaction takes (store/db.ts's locks are single numbers). */
const LOCK_SPACE_OF_KEYS = 7_303;

/**
 * PostgreSQL gave up a transaction that ran into another (SQLSTATE 40001 serialization failure,
 * 40P01 deadlock): run again, it succeeds. SQLite waits for its lock instead (busy_timeout).
 */
export function isTransientConflict(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40001' || code === '40P01';
}

/**
 * Runs `work` (which opens its own transaction) again when PostgreSQL gave it up for a conflict
 * with a concurrent transaction, a few times, after a short random pause. Inside an outer
 * transaction nothing is retried: that one is lost, its owner decides.
 */
export async function retryOnConflict<T>(db: Db, work: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (db.isTransaction || attempt >= attempts || !isTransientConflict(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
    }
  }
}

/**
 * Runs `work` in one process only, when several collector processes share the database: on
 * PostgreSQL in a transaction that holds the advisory lock `lock` (pg_try_advisory_xact_lock),
 * and not at all (undefined) while another process holds it, doing the same job. On SQLite one
 * process serves a file: the work just runs.
 */
export async function onceAcrossProcesses<T>(db: Db, lock: number, work: (trx: Db) => Promise<T>): Promise<T | undefined> {
  if (engineOf(db) !== 'postgres') return work(db);
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_xact_lock(${lock}) AS locked`.execute(trx);
    return rows[0]?.locked ? work(trx) : undefined;
  });
}
