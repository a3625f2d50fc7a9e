// Delta (an unchanged machine sends a hash, not its inventory), the schedule set by the collector,
// and HTTPS with a private CA: real processes and a real TLS server on loopback.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { inventoryContentHash } from '@tiebreak/shared';
import { makeInventory } from './fixtures.ts';
import { closeDatabase, openDatabase, sql, value } from '../collector/src/store/db.ts';
import { ENGINES, newDatabaseLocation } from '../collector/src/store/test-database.ts';
import { CLI, ROOT, runCli, startCollector, tempDir } from './helpers.ts';

describe('delta', () => {
  it.each(ENGINES)('an unchanged machine reports a hash, a few hundred bytes instead of its inventory (%s)', async (engine) => {
    const dir = tempDir();
    const dbFile = await newDatabaseLocation(engine, join(dir, 'c.db'));
    const token = (await runCli('collector', ['token', 'create', '--db', dbFile])).stdout.trim();
    const collector = await startCollector(dbFile);
    try {
      const args = ['send', '--server', collector.url, '--token', token, '--state-dir', join(dir, 'agent'), '--output', join(dir, 'sent.json')];
      const first = await runCli('agent', args);
      expect(first.stdout).toMatch(/^sent \d+ software items/);
      const second = await runCli('agent', args);
      expect(second.code).toBe(0);
      expect(second.stdout).toMatch(/^nothing changed since the last inventory/);
      const db = await openDatabase(dbFile);
      try {
        expect(await value(db, sql`SELECT COUNT(*) FROM inventory_receipts`)).toBe(2);
        expect(await value(db, sql`SELECT COUNT(*) FROM hosts`)).toBe(1);
      } finally {
        await closeDatabase(db);
      }
      // The bytes on the wire of each kind of report (figures in BENCHMARKS.md).
      const inventory = JSON.parse(readFileSync(join(dir, 'sent.json'), 'utf8'));
      const full = gzipSync(JSON.stringify(inventory)).length;
      const report = { id: inventory.id, host_id: inventory.host.id, collected_at: inventory.collected_at, content_hash: inventoryContentHash(inventory) };
      const unchanged = gzipSync(JSON.stringify(report)).length;
      expect(unchanged).toBeLessThan(300);
      expect(full).toBeGreaterThan(unchanged * 10);
    } finally {
      await collector.stop();
    }
  });

  it('the content hash ignores the report id and time, and changes with the software', () => {
    const a = makeInventory();
    const b = { ...a, id: crypto.randomUUID(), collected_at: new Date(0).toISOString(), software: [...a.software].reverse() };
    expect(inventoryContentHash(b)).toBe(inventoryContentHash(a));
    expect(inventoryContentHash({ ...a, software: a.software.slice(1) })).not.toBe(inventoryContentHash(a));
  });
});

describe('schedule from the collector', () => {
  it('the daemon follows the schedule the collector sends', async () => {
    const dir = tempDir();
    const dbFile = join(dir, 'c.db');
    const token = (await runCli('collector', ['token', 'create', '--db', dbFile])).stdout.trim();
    const collector = await startCollector(dbFile, ['--agent-schedule', '15 7 * * 1-5']);
    const daemon = spawn(
      join(ROOT, 'node_modules', '.bin', 'tsx'),
      [CLI.agent, 'run', '--server', collector.url, '--token', token, '--state-dir', join(dir, 'agent'), '--schedule', '0 9 * * *'],
      { cwd: ROOT },
    );
    let log = '';
    daemon.stderr.on('data', (d) => (log += d));
    try {
      const end = Date.now() + 30_000;
      while (!log.includes('"15 7 * * 1-5"') && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
      expect(log).toContain('scheduled scans: "0 9 * * *"');
      expect(log).toContain('scheduled scans: "15 7 * * 1-5"');
    } finally {
      daemon.kill('SIGTERM');
      await new Promise((r) => daemon.on('exit', r));
      await collector.stop();
    }
  });
});

describe('TLS', () => {
  it('verifies the collector certificate, and trusts a private CA only when configured', async () => {
    const dir = tempDir();
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Mairie Test CA');
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
    const ext = join(dir, 'ext.cnf');
    writeFileSync(ext, 'subjectAltName=IP:127.0.0.1\n');
    openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', ext);
    const dbFile = join(dir, 'c.db');
    const token = (await runCli('collector', ['token', 'create', '--db', dbFile])).stdout.trim();
    const collector = await startCollector(dbFile, ['--tls-cert', join(dir, 'server.pem'), '--tls-key', join(dir, 'server.key')]);
    const url = collector.url;
    expect(url).toMatch(/^https:/);
    try {
      const untrusted = await runCli('agent', ['send', '--server', url, '--token', token, '--state-dir', join(dir, 'a1')]);
      expect(untrusted.code).toBe(1);
      expect(untrusted.stderr).toMatch(/cannot reach the collector.*(self-signed|unable to verify|local issuer)/i);
      const trusted = await runCli('agent', ['send', '--server', url, '--token', token, '--state-dir', join(dir, 'a2'), '--ca', join(dir, 'ca.pem')]);
      expect(trusted.stderr).toBe('');
      expect(trusted.code).toBe(0);
    } finally {
      await collector.stop();
    }
  });
});
