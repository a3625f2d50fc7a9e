// Several collector processes on one PostgreSQL database (serve --workers N, or instances behind a
// proxy): a job is done by one process at a time (advisory locks), a local rule decided through one
// process is followed by the others, and every acknowledged inventory is stored once.
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { decide } from '../collector/src/classify/local-rules.ts';
import { createCollector, JOB_LOCKS } from '../collector/src/collector.ts';
import { classifyItem } from '../collector/src/ingest/ingest.ts';
import { closeDatabase, openDatabase, sql, value, values } from '../collector/src/store/db.ts';
import { onceAcrossProcesses } from '../collector/src/store/dialect.ts';
import { newDatabaseLocation, testDatabase } from '../collector/src/store/test-database.ts';
import { makeInventory } from './fixtures.ts';
import { enrolHost, postInventories, runCli, startCollector, tempDir, withDatabase } from './helpers.ts';

const quiet = pino({ level: 'silent' });

async function until(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The live child processes of a process. */
const childrenOf = (pid: number) =>
  execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
    .split('\n')
    .map((line) => Number(line.trim()))
    .filter((n) => n > 0);

describe('jobs done once across processes', () => {
  it('on PostgreSQL a job another process is doing is not done again meanwhile; on SQLite it just runs', async () => {
    const location = await newDatabaseLocation('postgres');
    const one = await openDatabase(location);
    const two = await openDatabase(location);
    try {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const ran: string[] = [];
      const first = onceAcrossProcesses(one, 4242, async () => {
        ran.push('first');
        await held;
        return 'first';
      });
      // The first holds the lock (an advisory lock's low 32 bits are its objid).
      await until(async () => (await value<number>(two, sql`SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242 AND granted`)) === 1);
      expect(await onceAcrossProcesses(two, 4242, async () => (ran.push('second'), 'second'))).toBeUndefined();
      // Another job's lock is free.
      expect(await onceAcrossProcesses(two, 4243, async () => (ran.push('other'), 'other'))).toBe('other');
      release();
      expect(await first).toBe('first');
      // Released with its transaction: the next run goes ahead.
      expect(await onceAcrossProcesses(two, 4242, async () => (ran.push('again'), 'again'))).toBe('again');
      expect(ran).toEqual(['first', 'other', 'again']);
      // A job that fails releases the lock too.
      await expect(onceAcrossProcesses(one, 4242, async () => Promise.reject(new Error('job failed')))).rejects.toThrow('job failed');
      expect(await onceAcrossProcesses(two, 4242, async () => 'after a failure')).toBe('after a failure');
    } finally {
      await closeDatabase(one);
      await closeDatabase(two);
    }
    const sqlite = await testDatabase('sqlite');
    try {
      expect(await onceAcrossProcesses(sqlite, 4242, async () => 'ran')).toBe('ran');
    } finally {
      await closeDatabase(sqlite);
    }
  });

  it('collectors starting together migrate once, take the snapshot one at a time, and follow a local rule decided through another', async () => {
    const location = await newDatabaseLocation('postgres');
    const options = { dbFile: location, log: quiet, snapshotDelayMs: 100 };
    const [a, b] = await Promise.all([createCollector(options), createCollector(options)]);
    try {
      expect(await values<number>(a.db, sql`SELECT version FROM schema_migrations GROUP BY version HAVING COUNT(*) > 1`)).toEqual([]);
      await a.ingestor.ingest(makeInventory({ machine: 'p1' }));
      // While another process takes the day's snapshot, this one does not; it tries again after.
      const snapshots = () => value<number>(a.db, sql`SELECT COUNT(*) FROM assessment_snapshots`);
      const other = await openDatabase(location, { poolSize: 1 });
      try {
        await other.connection().execute(async (connection) => {
          await sql`SELECT pg_advisory_lock(${JOB_LOCKS.snapshot})`.execute(connection);
          await a.takeSnapshot();
          expect(await snapshots()).toBe(0);
          await sql`SELECT pg_advisory_unlock(${JOB_LOCKS.snapshot})`.execute(connection);
        });
      } finally {
        await closeDatabase(other);
      }
      await until(async () => (await snapshots()) === 1);
      const item = { source: 'registry' as const, name: 'Logiciel Métier Inconnu', publisher: 'Éditeur Régional SARL' };
      await decide(
        a.db,
        a.classifier,
        item,
        {
          vendor: { name: 'Éditeur Régional', country: 'FR' },
          product: { name: 'Logiciel Métier', area: 'software', category: 'utility', licence: 'proprietary' },
        },
        'test',
      );
      await a.applyLocalRules();
      const catalogueItem = { kind: 'software' as const, role: '' as const, package: null, host_os: '', ...item };
      expect(classifyItem(b.classifier, catalogueItem).vendor_id).not.toBe('editeur-regional');
      expect(await b.followRules()).toBe(true);
      expect(b.classifier.fingerprint).toBe(a.classifier.fingerprint);
      // What b classifies from now on follows the rule decided through a.
      expect(classifyItem(b.classifier, catalogueItem).vendor_id).toBe('editeur-regional');
      expect(await b.followRules()).toBe(false);
      expect(await a.followRules()).toBe(false);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('serve --workers', () => {
  it('is refused on SQLite, with the reason', async () => {
    const refused = await runCli('collector', ['serve', '--port', '0', '--workers', '2', '--db', join(tempDir(), 'c.db')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--workers needs a PostgreSQL database/);
    const zero = await runCli('collector', ['serve', '--port', '0', '--workers', '0', '--db', join(tempDir(), 'c.db')]);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/--workers must be a positive whole number/);
  });

  it('stops with the reason when its workers cannot serve', async () => {
    const location = await newDatabaseLocation('postgres');
    const taken = createServer().listen(0, '127.0.0.1');
    await once(taken, 'listening');
    try {
      const port = (taken.address() as AddressInfo).port;
      const refused = await runCli('collector', ['serve', '--port', String(port), '--workers', '2', '--db', location]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/cannot serve on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
      expect(refused.stderr).toMatch(/a worker could not start/);
    } finally {
      taken.close();
    }
  });

  it('two workers on one PostgreSQL database: concurrent agents, a worker killed, every acknowledged inventory stored once', async () => {
    const location = await newDatabaseLocation('postgres');
    const token = (await runCli('collector', ['token', 'create', '--db', location])).stdout.trim();
    const collector = await startCollector(location, ['--workers', '2']);
    const workers = childrenOf(collector.process.pid!);
    try {
      expect(workers).toHaveLength(2);
      const hosts = Array.from({ length: 24 }, (_, i) => makeInventory({ machine: `worker-host-${i}` }).host);
      const enrolled = await Promise.all(hosts.map((host) => enrolHost(collector.url, token, host)));
      expect(enrolled.map((e) => e.status)).toEqual(hosts.map(() => 201));
      const credentials = enrolled.map((e) => e.body.credential as string);
      /** A round of inventories: one per host, each sent twice at once (an agent retrying after a lost answer). */
      const round = (n: number) => {
        const sends = hosts.map((_, i) => ({
          credential: credentials[i]!,
          inventory: makeInventory({
            machine: `worker-host-${i}`,
            software: [{ name: 'Mozilla Firefox (x64 fr)', version: `${130 + n}.0`, publisher: 'Mozilla' }],
          }),
        }));
        return [...sends, ...sends];
      };
      const acknowledged = new Set<string>();
      const unacknowledged = new Map<string, { credential: string; inventory: unknown }>();
      const send = async (sends: { credential: string; inventory: unknown }[]) => {
        const answers = await postInventories(collector.url, sends, 16);
        answers.forEach((answer, i) => {
          const id = (sends[i]!.inventory as { id: string }).id;
          if (answer.status === 200 && ['accepted', 'already-received'].includes(answer.body.status)) {
            acknowledged.add(id);
            unacknowledged.delete(id);
          } else if (!acknowledged.has(id)) unacknowledged.set(id, sends[i]!);
        });
        return answers;
      };

      const first = await send(round(1));
      expect(first.map((a) => a.status)).toEqual(first.map(() => 200));
      // Each inventory was stored by one of its two copies; the other was told it was already received.
      const statuses = first.map((a) => a.body.status as string);
      expect(statuses.filter((s) => s === 'accepted')).toHaveLength(hosts.length);
      expect(statuses.filter((s) => s === 'already-received')).toHaveLength(hosts.length);

      // One worker dies while agents send: the primary starts another; what was not acknowledged is sent again.
      const during = send(round(2));
      process.kill(workers[0]!, 'SIGKILL');
      await during;
      await until(async () => childrenOf(collector.process.pid!).filter((pid) => pid !== workers[0]).length === 2, 30_000);
      workers.push(...childrenOf(collector.process.pid!));
      await until(async () => (await fetch(`${collector.url}/healthz`).catch(() => null))?.status === 200, 30_000);
      // As the agents' spools do: what was not acknowledged is sent again, before the next scan.
      for (let attempt = 0; unacknowledged.size && attempt < 5; attempt++) await send([...unacknowledged.values()]);
      expect(unacknowledged.size).toBe(0);
      await send(round(3));
      expect(unacknowledged.size).toBe(0);

      const stored = await withDatabase(location, (db) => values<string>(db, sql`SELECT id FROM inventory_receipts`));
      expect(new Set(stored).size).toBe(stored.length);
      expect(new Set(stored)).toEqual(acknowledged);
      expect(stored).toHaveLength(hosts.length * 3);
      expect(await withDatabase(location, (db) => value<number>(db, sql`SELECT COUNT(*) FROM hosts`))).toBe(hosts.length);
      // Every host has the version of the last round.
      expect(
        await withDatabase(location, (db) =>
          value<number>(
            db,
            sql`SELECT COUNT(DISTINCT i.host_id) FROM installations i JOIN catalogue c ON c.id = i.catalogue_id WHERE c.name = 'Mozilla Firefox (x64 fr)' AND i.version = '133.0'`,
          ),
        ),
      ).toBe(hosts.length);
    } finally {
      await collector.stop();
    }
    // The workers stopped with their primary.
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    await until(async () => !workers.some(alive), 10_000);
  }, 180_000);
});
