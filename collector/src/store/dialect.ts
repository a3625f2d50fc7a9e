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
