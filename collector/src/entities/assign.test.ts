// Hosts assigned to entities through real enrolments and inventories over HTTP on loopback, on both
// engines: the token's entity, a rule that wins over it, the subnet the inventory came from, a move
// by hand that sticks, and a collector without entities unchanged.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import type { ServerType } from '@hono/node-server';
import type { Inventory } from '@tiebreak/shared';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInventory } from '../../../test/fixtures.ts';
import { createApiToken } from '../accounts/api-tokens.ts';
import { createCollector, listen, type Collector } from '../collector.ts';
import type { DependencyMap } from '../map/map.ts';
import { decodeOcsXml } from '../protocols/ocs-xml.ts';
import { peerInventory } from '../protocols/peer-inventory.ts';
import { first, sql } from '../store/db.ts';
import { ENGINES, newDatabaseLocation } from '../store/test-database.ts';
import { approveAgent, createToken } from '../store/tokens.ts';
import { moveHostByHand, reassignHosts, releaseHost } from './assign.ts';
import { createEntity, removeEntity } from './entities.ts';
import { addRule, removeRule } from './rules.ts';

describe.each(ENGINES)('host assignment over HTTP (%s)', (engine) => {
  let collector: Collector;
  let server: ServerType;
  let base: string;

  beforeAll(async () => {
    collector = await createCollector({
      dbFile: await newDatabaseLocation(engine, join(mkdtempSync(join(tmpdir(), 'tiebreak-entities-')), 'test.db')),
      log: pino({ level: 'silent' }),
    });
    const { server: s, port } = await listen(collector, 0, '127.0.0.1');
    server = s;
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await new Promise((done) => server.close(done));
    await collector.close();
  });

  const post = async (path: string, bearer: string, body: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  /** Enrol with the token and send the inventory; the agent's credential. */
  const enrolAndSend = async (token: string, inventory: Inventory): Promise<string> => {
    const enrolled = await post('/api/v1/enrol', token, { host_id: inventory.host.id, hostname: inventory.host.hostname });
    expect(enrolled.status).toBe(201);
    const credential = enrolled.body.credential as string;
    expect((await post('/api/v1/inventories', credential, inventory)).status).toBe(200);
    return credential;
  };
  const hostOf = (inventory: Inventory) =>
    first<{ id: number; entity_id: number | null; entity_by_hand: number; address: string | null }>(
      collector.db,
      sql`SELECT id, entity_id, entity_by_hand, address FROM hosts WHERE host_key = ${inventory.host.id}`,
    );
  const again = (inventory: Inventory, change: Partial<Inventory['host']> = {}): Inventory => ({
    ...inventory,
    id: crypto.randomUUID(),
    host: { ...inventory.host, ...change },
  });

  it('without any entity, a host is at the root as before, and its address is not kept', async () => {
    const { token } = await createToken(collector.db, 'plain');
    const inventory = makeInventory({ machine: 'plain-1' });
    await enrolAndSend(token, inventory);
    expect(await hostOf(inventory)).toMatchObject({ entity_id: null, entity_by_hand: 0, address: null });
  });

  it("puts a host in its token's entity; a rule wins over the token at the next inventory; a move by hand sticks", async () => {
    const epci = await createEntity(collector.db, { name: 'Communauté', kind: 'intercommunalite' });
    const a = await createEntity(collector.db, { name: 'Commune A', kind: 'commune', parentId: epci.id });
    const b = await createEntity(collector.db, { name: 'Commune B', kind: 'commune', parentId: epci.id });
    const { token } = await createToken(collector.db, { name: 'A', entityId: a.id });
    const inventory = makeInventory({ machine: 'a-1', hostname: 'PC-A-1' });
    const credential = await enrolAndSend(token, inventory);
    const host = (await hostOf(inventory))!;
    expect(host.entity_id).toBe(a.id);

    // A rule by domain: the next inventory moves the host there.
    const byDomain = await addRule(collector.db, b.id, 'domain', 'b.mairie.local');
    const moved = again(inventory, { domain: 'B.Mairie.local' });
    expect((await post('/api/v1/inventories', credential, moved)).status).toBe(200);
    expect((await hostOf(inventory))!.entity_id).toBe(b.id);
    // The rule gone, the token's entity again.
    await removeRule(collector.db, byDomain.id);
    expect((await post('/api/v1/inventories', credential, again(moved))).status).toBe(200);
    expect((await hostOf(inventory))!.entity_id).toBe(a.id);

    // The address the inventory came from: a subnet rule, and the address kept only while one exists.
    expect((await hostOf(inventory))!.address).toBeNull();
    const bySubnet = await addRule(collector.db, epci.id, 'subnet', '127.0.0.0/8');
    expect((await post('/api/v1/inventories', credential, again(inventory))).status).toBe(200);
    expect(await hostOf(inventory)).toMatchObject({ entity_id: epci.id, address: '127.0.0.1' });

    // By hand: no rule or token moves it any more.
    await moveHostByHand(collector.db, host.id, b.id);
    expect((await post('/api/v1/inventories', credential, again(inventory))).status).toBe(200);
    expect(await hostOf(inventory)).toMatchObject({ entity_id: b.id, entity_by_hand: 1 });
    await reassignHosts(collector.db);
    expect((await hostOf(inventory))!.entity_id).toBe(b.id);
    // Released: the rules apply at once.
    expect((await releaseHost(collector.db, host.id)).after).toMatchObject({ entity_id: epci.id, by_hand: false });
    await removeRule(collector.db, bySubnet.id);
    expect((await hostOf(inventory))!.address).toBeNull();
    // A host that only says "unchanged" follows the rules when they change.
    expect(await reassignHosts(collector.db)).toBeGreaterThanOrEqual(1);
    expect((await hostOf(inventory))!.entity_id).toBe(a.id);
    // An entity holding a host is not deleted.
    await expect(removeEntity(collector.db, a.id)).rejects.toMatchObject({ key: 'entityNotEmpty' });
  });

  it('an agent held for approval decides nothing; an approved one moves its host even when it reports "unchanged"', async () => {
    const village = await createEntity(collector.db, { name: 'Village', kind: 'commune' });
    const bourg = await createEntity(collector.db, { name: 'Bourg', kind: 'commune' });
    const { token: plain } = await createToken(collector.db, 'root');
    const { token: toVillage } = await createToken(collector.db, { name: 'village', entityId: village.id });
    const { token: toBourg } = await createToken(collector.db, { name: 'bourg', entityId: bourg.id });
    const inventory = makeInventory({ machine: 'shared-1', hostname: 'PC-SHARED' });
    await enrolAndSend(plain, inventory);
    expect((await hostOf(inventory))!.entity_id).toBeNull();
    // A second agent for the same host with the Village token: held for approval (issue 20).
    const held = await post('/api/v1/enrol', toVillage, { host_id: inventory.host.id, hostname: inventory.host.hostname });
    expect(held.status).toBe(202);
    await reassignHosts(collector.db);
    expect((await hostOf(inventory))!.entity_id).toBeNull();
    // Re-enrolled with the Bourg token and approved: its first report says "unchanged".
    const enrolled = await post('/api/v1/enrol', toBourg, { host_id: inventory.host.id, hostname: inventory.host.hostname });
    expect(enrolled.status).toBe(202);
    const latest = (await first<{ id: number }>(collector.db, sql`SELECT MAX(id) AS id FROM agents WHERE host_key = ${inventory.host.id}`))!.id;
    expect(await approveAgent(collector.db, latest)).toBe(true);
    const unchanged = await post('/api/v1/inventories/unchanged', enrolled.body.credential as string, {
      id: crypto.randomUUID(),
      host_id: inventory.host.id,
      collected_at: new Date().toISOString(),
      content_hash: (await first<{ content_hash: string }>(collector.db, sql`SELECT content_hash FROM hosts WHERE host_key = ${inventory.host.id}`))!
        .content_hash,
    });
    expect(unchanged.status).toBe(200);
    expect((await hostOf(inventory))!.entity_id).toBe(bourg.id);
    await reassignHosts(collector.db);
    expect((await hostOf(inventory))!.entity_id).toBe(bourg.id);
  });

  it("a DSI with three member communes: per-commune tokens over HTTP, each commune's map and the consolidated one", async () => {
    const epci = await createEntity(collector.db, { name: 'Communauté des trois', kind: 'intercommunalite' });
    const { token: api } = await createApiToken(collector.db, { name: 'bi', role: 'viewer' });
    const map = async (query: string) => {
      const res = await fetch(`${base}/api/v1/map${query}`, { headers: { authorization: `Bearer ${api}` } });
      expect(res.status).toBe(200);
      return (await res.json()) as DependencyMap;
    };
    const communes = [];
    for (const [i, name] of ['Aube', 'Bourg', 'Chaux'].entries()) {
      const commune = await createEntity(collector.db, { name, kind: 'commune', parentId: epci.id });
      const { token } = await createToken(collector.db, { name: `jeton ${name}`, entityId: commune.id });
      // i + 1 machines each; Chrome on all, Firefox on Bourg's only.
      for (let n = 0; n <= i; n++) {
        const software = [
          { name: 'Google Chrome', version: '131.0', publisher: 'Google LLC' },
          ...(name === 'Bourg' ? [{ name: 'Mozilla Firefox (x64 fr)', version: '133.0', publisher: 'Mozilla' }] : []),
        ];
        await enrolAndSend(token, makeInventory({ machine: `trois-${name}-${n}`, software }));
      }
      communes.push(commune);
    }
    const vendorHosts = (m: DependencyMap, vendor: string) => m.by_vendor.find((v) => v.vendor_id === vendor)?.hosts ?? 0;
    for (const [i, commune] of communes.entries()) {
      const m = await map(`?entity=${commune.id}`);
      expect(m.totals.hosts, commune.name).toBe(i + 1);
      expect(vendorHosts(m, 'google'), commune.name).toBe(i + 1);
      expect(vendorHosts(m, 'mozilla'), commune.name).toBe(commune.name === 'Bourg' ? 2 : 0);
    }
    const consolidated = await map(`?entity=${epci.id}`);
    expect(consolidated.totals.hosts).toBe(6);
    expect(vendorHosts(consolidated, 'google')).toBe(6);
    expect(vendorHosts(consolidated, 'mozilla')).toBe(2);
    // The whole collector counts the earlier tests' hosts too.
    expect((await map('')).totals.hosts).toBeGreaterThan(6);
  });

  it("puts another tool's host (OCS Inventory over HTTP) in its token's entity", async () => {
    const ccas = await createEntity(collector.db, { name: 'CCAS', kind: 'ccas' });
    await addRule(collector.db, ccas.id, 'subnet', '192.0.2.0/24');
    const { token } = await createToken(collector.db, { name: 'ccas', entityId: ccas.id });
    const xml = readFileSync(new URL('../protocols/fixtures/ocsinventory-2.10-debian12.ocs', import.meta.url), 'utf8');
    const res = await fetch(`${base}/ocsinventory`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`agent:${token}`).toString('base64')}`, 'content-type': 'application/x-compress-zlib' },
      body: deflateSync(xml),
    });
    expect(res.status).toBe(200);
    const hostKey = peerInventory(decodeOcsXml(xml)).host.id;
    expect(await first(collector.db, sql`SELECT entity_id, address FROM hosts WHERE host_key = ${hostKey}`)).toEqual({
      entity_id: ccas.id,
      address: '127.0.0.1',
    });
  });
});
