// PostgreSQL ending a connection (a restart, an admin's pg_terminate_backend) while a transaction
// holds it between two queries: that transaction fails, the process stays up, the next ones work.
// pnpm faults --only postgres restarts a whole server under ingest (BENCHMARKS.md).
import { describe, expect, it } from 'vitest';
import { closeDatabase, openDatabase, sql, transaction, value } from './db.ts';
import { newPostgresDatabase } from './test-database.ts';

describe('a PostgreSQL connection ended by the server', () => {
  it('fails the transaction that held it, and nothing else', async () => {
    const db = await openDatabase(await newPostgresDatabase('terminated'));
    try {
      const held = transaction(db, async (trx) => {
        const pid = await value<number>(trx, sql`SELECT pg_backend_pid()`);
        await sql`SELECT pg_terminate_backend(${pid})`.execute(db);
        // The server's notice arrives while no query of this connection runs.
        await new Promise((resolve) => setTimeout(resolve, 300));
        await sql`SELECT 1`.execute(trx);
      });
      await expect(held).rejects.toThrow();
      expect(await value<number>(db, sql`SELECT 1 + 1`)).toBe(2);
      expect(await transaction(db, (trx) => value<number>(trx, sql`SELECT 2 + 2`))).toBe(4);
    } finally {
      await closeDatabase(db);
    }
  });
});
