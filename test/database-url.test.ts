// Which database the CLI uses: --db FILE|URL, else TIEBREAK_DATABASE_URL, else the SQLite file of
// the default; a PostgreSQL URL's password is never printed or logged; backup and restore send a
// PostgreSQL database to pg_dump and pg_restore.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newDatabaseLocation } from '../collector/src/store/test-database.ts';
import { runCli, startCollector, tempDir } from './helpers.ts';

/** The URL with a password in it (the test server trusts loopback: the password is not checked). */
function withPassword(location: string, password: string): string {
  const url = new URL(location);
  url.password = password;
  return url.toString();
}

const tokenNames = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
  const listed = await runCli('collector', ['token', 'list', '--json', ...args], { env });
  expect(listed.code, listed.stderr).toBe(0);
  return (JSON.parse(listed.stdout) as { name: string }[]).map((t) => t.name);
};

describe('the database of the command line', () => {
  it('is --db, else TIEBREAK_DATABASE_URL: the flag wins', async () => {
    const postgres = await newDatabaseLocation('postgres');
    const file = join(tempDir(), 'tiebreak.db');
    const env = { TIEBREAK_DATABASE_URL: postgres };
    expect((await runCli('collector', ['token', 'create', '--name', 'in-postgres'], { env })).code).toBe(0);
    expect((await runCli('collector', ['token', 'create', '--name', 'in-sqlite', '--db', file], { env })).code).toBe(0);
    expect(await tokenNames([], env)).toEqual(['in-postgres']);
    expect(await tokenNames(['--db', postgres])).toEqual(['in-postgres']);
    expect(await tokenNames(['--db', file], env)).toEqual(['in-sqlite']);
    // An empty --db (the service's unit with TIEBREAK_DB left empty) is no --db.
    expect(await tokenNames(['--db', ''], env)).toEqual(['in-postgres']);
  });

  it('never prints a PostgreSQL password, neither when it cannot connect nor while it serves', async () => {
    const secret = 'S3cret-never-shown';
    const unreachable = await runCli('collector', ['token', 'list', '--db', `postgres://tb:${secret}@127.0.0.1:1/tiebreak`]);
    expect(unreachable.code).not.toBe(0);
    expect(unreachable.stderr).toMatch(/cannot open the database postgres:\/\/tb:\*\*\*@127\.0\.0\.1:1\/tiebreak: .*ECONNREFUSED/);
    expect(unreachable.stdout + unreachable.stderr).not.toContain(secret);

    const location = withPassword(await newDatabaseLocation('postgres'), secret);
    const collector = await startCollector(location, [], { TIEBREAK_LOG_LEVEL: 'info' });
    try {
      expect((await collector.get('/api/v1/map')).status).toBe(200);
    } finally {
      await collector.stop();
    }
    // The log names the database, its password masked.
    expect(collector.output()).toMatch(/"db":"postgres:\/\/tb:\*\*\*@127\.0\.0\.1:\d+\/[a-z0-9_]+"/);
    expect(collector.output()).not.toContain(secret);
    const bad = await runCli('collector', ['token', 'revoke', 'x', '--db', location]);
    expect(bad.code).toBe(2);
    expect(bad.stdout + bad.stderr).not.toContain(secret);
  });

  it('sends a PostgreSQL database to pg_dump and pg_restore for backups', async () => {
    const location = await newDatabaseLocation('postgres');
    const backup = await runCli('collector', ['backup', '--to', tempDir(), '--db', location]);
    expect(backup.code).toBe(2);
    expect(backup.stderr).toMatch(/pg_dump/);
    const restore = await runCli('collector', ['restore', '--from', join(tempDir(), 'x.db'), '--db', location], { env: { TIEBREAK_DATABASE_URL: location } });
    expect(restore.code).toBe(2);
    expect(restore.stderr).toMatch(/pg_restore/);
    const fromEnv = await runCli('collector', ['backup', '--to', tempDir()], { env: { TIEBREAK_DATABASE_URL: location } });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toMatch(/pg_dump/);
  });
});

describe('copy-to-postgres', () => {
  it('moves a collector from its SQLite file to PostgreSQL: the collector then serves the same hosts and accounts there', async () => {
    const file = join(tempDir(), 'tiebreak.db');
    copyFileSync(new URL('../collector/src/store/fixtures/release-2bd0c93.db', import.meta.url), file);
    const postgres = await newDatabaseLocation('postgres');
    const users = async (args: string[]) => JSON.parse((await runCli('collector', ['user', 'list', '--json', ...args])).stdout) as { username: string }[];
    const copied = await runCli('collector', ['copy-to-postgres', '--db', file, '--to', withPassword(postgres, 'S3cret-never-shown')]);
    expect(copied.code, copied.stderr).toBe(0);
    expect(copied.stdout).toMatch(/copied to postgres:\/\/tb:\*\*\*@.*: \d+ rows in \d+ tables \(\d+ hosts\)/);
    expect(copied.stdout + copied.stderr).not.toContain('S3cret-never-shown');
    expect(await users(['--db', postgres])).toEqual(await users(['--db', file]));
    const map = async (db: string) => (JSON.parse((await runCli('collector', ['map', '--db', db])).stdout) as { totals: unknown }).totals;
    expect(await map(postgres)).toEqual(await map(file));
    // A second copy into the same database is refused, with the reason; so is a bad target.
    const again = await runCli('collector', ['copy-to-postgres', '--db', file, '--to', postgres]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/already holds data/);
    const noTarget = await runCli('collector', ['copy-to-postgres', '--db', file, '--to', file]);
    expect(noTarget.code).toBe(2);
    expect(noTarget.stderr).toMatch(/needs --to postgres:\/\//);
  });
});
