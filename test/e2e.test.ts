// The foundation path as a user runs it: a real collector process on loopback with a temporary
// SQLite file or a new PostgreSQL database, a token from the CLI, the real agent scanning this
// machine and sending it.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, newDatabaseLocation } from '../collector/src/store/test-database.ts';
import { makeInventory } from './fixtures.ts';
import { databaseSnapshot, enrolHost, runCli, startCollector, tempDir, type RunningCollector } from './helpers.ts';

const dpkgCount = (() => {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${db:Status-Status}\n'], { encoding: 'utf8' })
      .split('\n')
      .filter((s) => s === 'installed').length;
  } catch {
    return null;
  }
})();

describe.each(ENGINES)('end to end on this machine (%s)', (engine) => {
  const dir = tempDir();
  let dbFile: string;
  let collector: RunningCollector;
  let token: string;
  /** A credential enrolled for the machine `makeInventory()` describes by default. */
  let credential: string;

  beforeAll(async () => {
    dbFile = await newDatabaseLocation(engine, join(dir, 'tiebreak.db'));
    const created = await runCli('collector', ['token', 'create', '--db', dbFile, '--name', 'e2e']);
    expect(created.code).toBe(0);
    token = created.stdout.trim();
    expect(token).toMatch(/^tbk[0-9a-f]{45}$/);
    collector = await startCollector(dbFile);
    const enrolled = await enrolHost(collector.url, token, makeInventory().host);
    expect(enrolled.status).toBe(201);
    credential = enrolled.body.credential;
  });

  afterAll(async () => {
    await collector?.stop();
  });

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const json = async (response: Response | Promise<Response>): Promise<any> => (await response).json();

  const post = (body: string | Buffer, headers: Record<string, string> = {}) =>
    fetch(`${collector.url}/api/v1/inventories`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${credential}`, ...headers },
    });

  it('is healthy', async () => {
    const response = await fetch(`${collector.url}/healthz`);
    expect(await json(response)).toEqual({ status: 'ok' });
  });

  it('the agent scans this machine and sends it; the map shows the host with its software classified', async () => {
    const sent = await runCli('agent', ['send', '--server', collector.url, '--token', token, '--state-dir', join(dir, 'agent')]);
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(/^sent \d+ software items: .*\(1 inventory delivered\)/);

    const map = await json(collector.get(`/api/v1/map`));
    expect(map.totals.hosts).toBe(1);
    if (dpkgCount !== null) {
      // Every dpkg package, plus the OS and hardware components.
      expect(map.totals.installations).toBeGreaterThan(dpkgCount);
      const debian = map.by_vendor.find((v: { vendor_id: string }) => v.vendor_id === 'debian');
      expect(debian).toMatchObject({ origin: 'community', hosts: 1 });
      expect(debian.installations).toBeGreaterThan(dpkgCount * 0.8);
    }
    // Nearly everything on this machine is recognised; what is not is listed, never guessed.
    expect(map.totals.unknown_installations / map.totals.installations).toBeLessThan(0.05);
    expect(map.unclassified.length).toBe(map.totals.unknown_products);
    const cells = map.by_area_origin.map((c: { area: string; origin: string }) => `${c.area}|${c.origin}`);
    expect(cells.length).toBeGreaterThan(0);
    for (const cell of cells) expect(cell).toMatch(/^(infrastructure|workstation|software|unknown)\|(eu|europe|non_eu|community|unknown)$/);

    const page = await collector.get(`/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Carte des dépendances numériques');
    expect(html).toContain('Debian');
  });

  it('refuses a bad token, with a clear message, and the database does not change', async () => {
    const before = await databaseSnapshot(dbFile);
    const sent = await runCli('agent', ['send', '--server', collector.url, '--token', 'tbk_not-a-real-token', '--state-dir', join(dir, 'agent-bad')]);
    expect(sent.code).toBe(1);
    expect(sent.stderr).toContain('refused the enrolment (HTTP 401)');
    expect(sent.stderr).toContain('unknown or revoked token');
    const withToken = await fetch(`${collector.url}/api/v1/inventories`, {
      method: 'POST',
      body: JSON.stringify(makeInventory()),
      headers: { authorization: `Bearer ${token}` },
    });
    expect(withToken.status).toBe(401);
    expect((await json(withToken)).error).toMatch(/enrolment token only enrols/);
    const missing = await fetch(`${collector.url}/api/v1/inventories`, { method: 'POST', body: JSON.stringify(makeInventory()) });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await databaseSnapshot(dbFile)).toEqual(before);
  });

  it('answers a malformed inventory with a 400 that names the field, and the database does not change', async () => {
    const before = await databaseSnapshot(dbFile);
    const inventory = makeInventory() as unknown as Record<string, any>;
    inventory.host.id = 'not-a-sha256';
    delete inventory.software[1].name;
    const response = await post(JSON.stringify(inventory));
    expect(response.status).toBe(400);
    const body = await json(response);
    expect(body.error).toContain('host.id');
    expect(body.issues.map((i: { path: string }) => i.path)).toEqual(expect.arrayContaining(['host.id', 'software.1.name']));

    const notJson = await post('{"schema_version": 1,');
    expect(notJson.status).toBe(400);
    expect((await json(notJson)).error).toMatch(/not valid JSON/);
    const badGzip = await post(Buffer.from('not gzip at all'), { 'content-encoding': 'gzip' });
    expect(badGzip.status).toBe(400);
    expect(await databaseSnapshot(dbFile)).toEqual(before);
  });

  it('answers 413 past the size limits, compressed and decompressed, and stores nothing', async () => {
    const before = await databaseSnapshot(dbFile);
    // 9 MB on the wire: over the compressed limit.
    const big = await post(Buffer.alloc(9 * 1024 * 1024, 0x20));
    expect(big.status).toBe(413);
    // A small gzip stream that inflates to 100 MB: over the decompressed limit.
    const bomb = gzipSync(Buffer.alloc(100 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const bombed = await post(bomb, { 'content-encoding': 'gzip' });
    expect(bombed.status).toBe(413);
    expect((await json(bombed)).error).toMatch(/decompressed body too large/);
    expect(await databaseSnapshot(dbFile)).toEqual(before);
  });

  it('accepts a replay of the same inventory once', async () => {
    const inventory = JSON.stringify(makeInventory());
    const first = await json(post(gzipSync(inventory), { 'content-encoding': 'gzip' }));
    const again = await json(post(inventory));
    expect(first.status).toBe('accepted');
    expect(again).toMatchObject({ status: 'already-received', host_id: first.host_id });
  });

  it('the map is also printed by the CLI, identical to the API but for its timestamp', async () => {
    const cli = await runCli('collector', ['map', '--db', dbFile]);
    expect(cli.code).toBe(0);
    const api = await json(collector.get(`/api/v1/map`));
    const printed = JSON.parse(cli.stdout);
    expect({ ...printed, generated_at: null }).toEqual({ ...api, generated_at: null });
  });
});
