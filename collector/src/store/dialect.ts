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
