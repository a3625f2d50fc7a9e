// The database layer itself, on both engines: transactions, numbers, migrations.
import { afterEach, describe, expect, it } from 'vitest';
import { closeDatabase, engineOf, getMeta, openDatabase, rows, run, setMeta, sql, transaction, value, values, type Db } from './db.ts';
import { MIGRATIONS } from './migrations.ts';
import { emptyPostgresDatabase, ENGINES, newDatabaseLocation, testDatabase } from './test-database.ts';

describe.each(ENGINES)('the database on %s', (engine) => {
  const opened: Db[] = [];
  const open = async (location?: string, options?: Parameters<typeof openDatabase>[1]) => {
    const db = location ? await openDatabase(location, options) : await testDatabase(engine, options);
    opened.push(db);
    return db;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map(closeDatabase));
  });

  it('runs every migration and knows its engine', async () => {
    const db = await open();
    expect(engineOf(db)).toBe(engine);
    expect(await values<number>(db, sql`SELECT version FROM schema_migrations ORDER BY version`)).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it('commits a transaction, rolls it back when its work throws, and lets an inner transaction join the outer one', async () => {
    const db = await open();
    await transaction(db, async (trx) => {
      await setMeta(trx, 'a', '1');
      await transaction(trx, async (inner) => setMeta(inner, 'b', '1'));
    });
    expect([await getMeta(db, 'a'), await getMeta(db, 'b')]).toEqual(['1', '1']);
    await expect(
      transaction(db, async (trx) => {
        await setMeta(trx, 'a', '2');
        await transaction(trx, async (inner) => setMeta(inner, 'b', '2'));
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect([await getMeta(db, 'a'), await getMeta(db, 'b')]).toEqual(['1', '1']);
  });

  it('rolls back to a savepoint without losing the rest of the transaction', async () => {
    const db = await open();
    await transaction(db, async (trx) => {
      await setMeta(trx, 'kept', 'yes');
      await sql`SAVEPOINT part`.execute(trx);
      await setMeta(trx, 'dropped', 'yes');
      await sql`ROLLBACK TO SAVEPOINT part`.execute(trx);
      await sql`RELEASE SAVEPOINT part`.execute(trx);
    });
    expect([await getMeta(db, 'kept'), await getMeta(db, 'dropped')]).toEqual(['yes', undefined]);
  });

  it('gives counts, sums and new ids as numbers, and the rows a statement changed', async () => {
    const db = await open();
    const id = await value<number>(db, sql`INSERT INTO meta (key, value) VALUES ('k', 'v') RETURNING 7 AS id`);
    expect(id).toBe(7);
    expect(await run(db, sql`UPDATE meta SET value = 'w' WHERE key = 'k'`)).toBe(1);
    expect(await run(db, sql`UPDATE meta SET value = 'w' WHERE key = 'none'`)).toBe(0);
    const [counts] = await rows<{ n: number; total: number | null; none: number | null }>(
      db,
      sql`SELECT COUNT(*) AS n, SUM(version) AS total, SUM(CASE WHEN version < 0 THEN version END) AS none FROM schema_migrations`,
    );
    expect(counts).toEqual({ n: MIGRATIONS.length, total: MIGRATIONS.reduce((s, m) => s + m.version, 0), none: null });
  });

  it('refuses a migration past the PostgreSQL baseline that has no PostgreSQL SQL, and runs one that has', async () => {
    const location = await newDatabaseLocation(engine);
    const next = Math.max(...MIGRATIONS.map((m) => m.version)) + 1;
    const withPostgres = { version: next, name: 'a test table', sql: 'CREATE TABLE t_test (x INTEGER)', postgres: 'CREATE TABLE t_test (x BIGINT)' };
    const db = await open(location, { migrations: [...MIGRATIONS, withPostgres] });
    expect(await value(db, sql`SELECT COUNT(*) FROM t_test`)).toBe(0);
    if (engine === 'postgres') {
      const without = { version: next + 1, name: 'sqlite only', sql: 'CREATE TABLE t_other (x INTEGER)' };
      await expect(openDatabase(location, { migrations: [...MIGRATIONS, withPostgres, without] })).rejects.toThrow(/has no PostgreSQL SQL/);
    }
  });

  it.runIf(engine === 'postgres')('migrates once when several collectors open a new database at the same moment', async () => {
    const location = await emptyPostgresDatabase();
    const dbs = await Promise.all([1, 2, 3].map(() => open(location)));
    expect(await value(dbs[0]!, sql`SELECT COUNT(*) FROM schema_migrations`)).toBe(MIGRATIONS.length);
  });
});
