// The command line's listings: a readable table by default, the rows as JSON with --json, and
// nothing an agent sends reaches the terminal as an escape sequence.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeInventory } from './fixtures.ts';
import { runCli, tempDir } from './helpers.ts';
import { closeDatabase, openDatabase, sql, value } from '../collector/src/store/db.ts';
import { ENGINES, newDatabaseLocation } from '../collector/src/store/test-database.ts';
import { createToken, enrolAgent } from '../collector/src/store/tokens.ts';

describe.each(ENGINES)('listings on %s', (engine) => {
  let dbFile: string;
  beforeAll(async () => {
    dbFile = await newDatabaseLocation(engine, join(tempDir('tiebreak-listings-'), 'tiebreak.db'));
  });
  const cli = async (args: string[], input?: string) => {
    const result = await runCli('collector', [...args, '--db', dbFile], { input });
    expect(result.code, result.stderr).toBe(0);
    return result.stdout;
  };

  it('say when there is nothing to list', async () => {
    expect(await cli(['token', 'list'])).toMatch(/^no enrolment tokens/);
    expect(await cli(['agent', 'list'])).toBe('no agents enrolled yet\n');
    expect(JSON.parse(await cli(['agent', 'list', '--json']))).toEqual([]);
  });

  it('print tables by default and JSON with --json', async () => {
    await cli(['token', 'create', '--name', 'atelier', '--max-uses', '2']);
    await cli(['token', 'create', '--name', 'ancien']);
    await cli(['token', 'revoke', '2']);
    await cli(['user', 'add', 'marie', '--role', 'admin', '--password-stdin'], 'a long enough password');
    await cli(['user', 'add', 'paul']);
    // One agent enrolled with a hostname holding a terminal escape sequence.
    const db = await openDatabase(dbFile);
    const { id } = await createToken(db, 'direct');
    const enrolled = await enrolAgent(db, id, { id: makeInventory({ machine: 'esc' }).host.id, hostname: 'PC-\u001b[31mROUGE' }, '0.1.0');
    expect(enrolled.ok).toBe(true);
    await closeDatabase(db);

    const tokens = await cli(['token', 'list']);
    const lines = tokens.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+STATE\s+USES\s+CREATED\s+EXPIRES$/);
    expect(lines[1]).toMatch(/^1\s+atelier\s+active\s+0\/2\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+never$/);
    expect(lines[2]).toMatch(/^2\s+ancien\s+revoked\s+0\s/);
    expect(lines[3]).toMatch(/^3\s+direct\s+active\s+1\s/);
    // The columns line up: each header starts where its cells do.
    expect(lines[1]!.indexOf('active')).toBe(lines[0]!.indexOf('STATE'));
    expect(JSON.parse(await cli(['token', 'list', '--json'])).map((t: { name: string }) => t.name)).toEqual(['atelier', 'ancien', 'direct']);

    const agents = await cli(['agent', 'list']);
    expect(agents).toMatch(
      /^ID\s+HOSTNAME\s+PROTOCOL\s+VERSION\s+STATE\s+ENROLLED\s+LAST SEEN\s+SPOOL\n1\s+PC-\?\[31mROUGE\s+tiebreak\s+0\.1\.0\s+active\s+\S+ \S+\s+-\s+-\n$/,
    );
    expect(agents).not.toContain('\u001b');
    expect(JSON.parse(await cli(['agent', 'list', '--json']))[0].hostname).toBe('PC-\u001b[31mROUGE');

    const users = await cli(['user', 'list']);
    expect(users).toMatch(
      /^USER\s+ROLE\s+CREATED\s+LAST LOGIN\s+PASSWORD\nmarie\s+admin\s+\S+ \S+\s+-\s+set\npaul\s+viewer\s+\S+ \S+\s+-\s+one-time \(to change at login\)\n$/,
    );
    const json = JSON.parse(await cli(['user', 'list', '--json']));
    expect(json.map((u: { username: string; role: string }) => `${u.username}:${u.role}`)).toEqual(['marie:admin', 'paul:viewer']);
    expect(JSON.stringify(json)).not.toContain('password_hash');
    const check = await openDatabase(dbFile);
    expect(await value(check, sql`SELECT count(*) FROM users`)).toBe(2);
    await closeDatabase(check);
  });

  it('refuse an argument they do not take', async () => {
    const result = await runCli('collector', ['token', 'list', '7', '--db', dbFile]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unexpected argument: 7/);
  });
});
