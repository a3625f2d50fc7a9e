// The few places where SQLite and PostgreSQL need different SQL, named so the application's
// queries stay the same on both (store/db.ts). Add a function here rather than testing the engine
// in a query module.
import { sql, type RawBuilder } from 'kysely';
import { engineOf, type Db } from './db.ts';

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
