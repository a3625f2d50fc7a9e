// Delivery that loses nothing, with real processes on loopback: the agent's spool, retries and
// daemon against a real collector that is down, comes back, or refuses; on SQLite and PostgreSQL.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sql, values } from '../collector/src/store/db.ts';
import { ENGINES, newDatabaseLocation } from '../collector/src/store/test-database.ts';
import { ROOT, programCommand, runCli, startCollector, tempDir, withDatabase } from './helpers.ts';
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const receipts = (location: string) => withDatabase(location, (db) => values<string>(db, sql`SELECT id FROM inventory_receipts ORDER BY id`));
const count = (location: string, table: 'agents' | 'hosts') =>
  withDatabase(location, (db) => values<number>(db, sql`SELECT COUNT(*) FROM ${sql.table(table)}`)).then(([n]) => n);
const pendingIds = (stateDir: string) =>
  existsSync(join(stateDir, 'spool', 'pending'))
    ? readdirSync(join(stateDir, 'spool', 'pending'))
        .filter((f) => f.endsWith('.json'))
        .map((f) => f.replace(/^.*_/, '').replace(/\.json$/, ''))
    : [];

async function until<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.each(ENGINES)('delivery (%s)', (engine) => {
  it('collector down at scan time: the daemon spools, retries, and the inventory arrives exactly once', async () => {
    const dir = tempDir();
    const dbFile = await newDatabaseLocation(engine, join(dir, 'collector.db'));
    const token = (await runCli('collector', ['token', 'create', '--db', dbFile])).stdout.trim();
    const port = await freePort();
    const stateDir = join(dir, 'agent');
    const daemon = spawn(
      ...programCommand('agent', ['run', '--server', `http://127.0.0.1:${port}`, '--token', token, '--state-dir', stateDir, '--schedule', '0 3 1 1 *']),
      {
        cwd: ROOT,
        env: { ...process.env, TIEBREAK_RETRY_BASE_MS: '500' },
      },
    );
    let log = '';
    daemon.stderr.on('data', (d) => (log += d));
    const exited = new Promise<number | null>((resolve) => daemon.on('exit', (code) => resolve(code)));
    // The scan at start cannot be delivered: it waits in the spool.
    const [spooled] = await until(() => (log.includes('kept for a later attempt') ? pendingIds(stateDir) : undefined));
    expect(spooled).toMatch(/^[0-9a-f-]{36}$/);
    const collector = await startCollector(dbFile, ['--port', String(port)]);
    try {
      await until(async () => ((await receipts(dbFile)).length > 0 ? true : undefined));
      await until(() => (pendingIds(stateDir).length === 0 ? true : undefined));
      expect(await receipts(dbFile)).toEqual([spooled]);
      // The collector knows what the agent's spool held when it sent: nothing behind it.
      const [agent] = JSON.parse((await runCli('collector', ['agent', 'list', '--json', '--db', dbFile])).stdout) as {
        spool_waiting: number;
        spool_rejected: number;
        spool_oldest: string;
      }[];
      expect(agent).toMatchObject({ spool_waiting: 0, spool_rejected: 0 });
      expect(Date.parse(agent!.spool_oldest)).toBeLessThan(Date.now());
      daemon.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(log).toMatch(/SIGTERM received, stopping/);
      expect(await receipts(dbFile)).toEqual([spooled]);
    } finally {
      if (daemon.exitCode === null) daemon.kill('SIGKILL');
      await collector.stop();
    }
  });

  it('a refused inventory (wrong token) is moved aside and not retried in a loop', async () => {
    const dir = tempDir();
    const dbFile = await newDatabaseLocation(engine, join(dir, 'collector.db'));
    await runCli('collector', ['token', 'create', '--db', dbFile]);
    const collector = await startCollector(dbFile);
    try {
      const stateDir = join(dir, 'agent');
      const first = await runCli('agent', ['send', '--server', collector.url, '--token', 'tbk_wrong_token_value', '--state-dir', stateDir]);
      expect(first.code).toBe(1);
      expect(first.stderr).toMatch(/HTTP 401/);
      expect(pendingIds(stateDir)).toEqual([]);
      expect(readdirSync(join(stateDir, 'spool', 'rejected'))).toHaveLength(1);
      expect(await receipts(dbFile)).toEqual([]);
    } finally {
      await collector.stop();
    }
  });

  it('two runs at once on one state directory enrol once and both deliver', async () => {
    const dir = tempDir();
    const dbFile = await newDatabaseLocation(engine, join(dir, 'collector.db'));
    const token = (await runCli('collector', ['token', 'create', '--db', dbFile])).stdout.trim();
    const collector = await startCollector(dbFile);
    const stateDir = join(dir, 'agent');
    try {
      const runs = await Promise.all([0, 1].map(() => runCli('agent', ['send', '--server', collector.url, '--token', token, '--state-dir', stateDir])));
      for (const run of runs) expect(run.code, run.stderr).toBe(0);
      expect(await receipts(dbFile)).toHaveLength(2);
      expect(await count(dbFile, 'agents')).toBe(1);
      expect(existsSync(join(stateDir, 'credential.json.lock'))).toBe(false);
    } finally {
      await collector.stop();
    }
  }, 180_000);

  it('an agent killed while sending loses nothing and duplicates nothing', async () => {
    const dir = tempDir();
    const dbFile = await newDatabaseLocation(engine, join(dir, 'collector.db'));
    const token = (await runCli('collector', ['token', 'create', '--db', dbFile])).stdout.trim();
    const collector = await startCollector(dbFile);
    const stateDir = join(dir, 'agent');
    const created = new Set<string>();
    try {
      // Kill the agent at different moments of its scan and delivery.
      for (const delay of [300, 700, 1100, 1500]) {
        // The agent's own process (not tsx's launcher, whose SIGKILL would leave its child running).
        const child = spawn(...programCommand('agent', ['send', '--server', collector.url, '--token', token, '--state-dir', stateDir]), { cwd: ROOT });
        const exited = new Promise((resolve) => child.on('exit', resolve));
        await new Promise((r) => setTimeout(r, delay));
        for (const id of pendingIds(stateDir)) created.add(id);
        child.kill('SIGKILL');
        await exited;
        for (const id of pendingIds(stateDir)) created.add(id);
        for (const id of await receipts(dbFile)) created.add(id);
      }
      // A last run delivers whatever the killed ones left.
      const last = await runCli('agent', ['send', '--server', collector.url, '--token', token, '--state-dir', stateDir]);
      expect(last.code, last.stderr).toBe(0);
      const delivered = await receipts(dbFile);
      expect(pendingIds(stateDir)).toEqual([]);
      // Every inventory that reached the spool arrived, each exactly once (receipts are unique by id).
      for (const id of created) expect(delivered).toContain(id);
      expect(new Set(delivered).size).toBe(delivered.length);
      expect(await count(dbFile, 'hosts')).toBe(1);
    } finally {
      await collector.stop();
    }
  }, 180_000);
});
