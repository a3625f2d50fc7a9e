// An SQLite database moved to PostgreSQL keeps every row of every table, and the collector goes on
// there: made from the fixture of an earlier release (hosts, installations, accounts, tokens…).
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closeDatabase, openDatabase, openSqliteFile, rows, sql, value } from './db.ts';
import { CopyError, copyToPostgres } from './copy-to-postgres.ts';
import { newPostgresDatabase } from './test-database.ts';

const fixtureCopy = () => {
  const file = join(mkdtempSync(join(tmpdir(), 'tiebreak-copy-')), 'tiebreak.db');
  copyFileSync(new URL('./fixtures/release-2bd0c93.db', import.meta.url), file);
  return file;
};

describe('copy-to-postgres', () => {
  it('copies every row of every table, and ids go on after the copied ones', async () => {
    const file = fixtureCopy();
    const url = await newPostgresDatabase('copy');
    const result = await copyToPostgres(file, url);
    const source = openSqliteFile(file);
    const target = await openDatabase(url);
    try {
      const tables = source
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations'")
        .pluck()
        .all() as string[];
      expect(Object.keys(result.tables).sort()).toEqual([...tables].sort());
      expect(result.tables.hosts).toBeGreaterThan(0);
      expect(result.tables.installations).toBeGreaterThan(0);
      expect(result.tables.users).toBeGreaterThan(0);
      for (const table of tables) {
        const columns = (source.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(table) as string[]).map((c) => `"${c}"`).join(', ');
        const order = columns;
        const expected = source.prepare(`SELECT ${columns} FROM "${table}" ORDER BY ${order}`).all();
        const actual = await rows(target, sql.raw(`SELECT ${columns} FROM "${table}" ORDER BY ${order}`));
        expect({ table, rows: actual }).toEqual({ table, rows: expected });
      }
      const maxHost = await value<number>(target, sql`SELECT MAX(id) FROM hosts`);
      const next = await value<number>(
        target,
        sql`INSERT INTO enrolment_tokens (name, token_hash, created_at) VALUES ('after', 'h-after', '2026-12-02') RETURNING id`,
      );
      const maxToken = source.prepare('SELECT MAX(id) FROM enrolment_tokens').pluck().get() as number;
      expect(next).toBe(maxToken + 1);
      expect(maxHost).toBe(source.prepare('SELECT MAX(id) FROM hosts').pluck().get());
    } finally {
      source.close();
      await closeDatabase(target);
    }
  });

  it('refuses a target that holds data, and a file that is not a tiebreak database, leaving the target as it was', async () => {
    const url = await newPostgresDatabase('copy-twice');
    await copyToPostgres(fixtureCopy(), url);
    await expect(copyToPostgres(fixtureCopy(), url)).rejects.toThrow(/already holds data \(.*hosts/);
    const notSqlite = join(mkdtempSync(join(tmpdir(), 'tiebreak-copy-')), 'notes.db');
    writeFileSync(notSqlite, 'not a database');
    const empty = await newPostgresDatabase('copy-refused');
    await expect(copyToPostgres(notSqlite, empty)).rejects.toThrow(CopyError);
    const db = await openDatabase(empty);
    try {
      expect(await value(db, sql`SELECT COUNT(*) FROM hosts`)).toBe(0);
    } finally {
      await closeDatabase(db);
    }
  });
});
