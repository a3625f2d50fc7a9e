// Enrolment counted when the token is used, and a host bound to its first credential: another
// credential claiming it (a re-enrolment, another tool's report) waits for an admin's approval.
import { request as httpRequest } from 'node:http';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInventory } from '../../../test/fixtures.ts';
import { createSession, createUser } from '../accounts/users.ts';
import { createCollector, listen, type Collector } from '../collector.ts';
import { decodeGlpiJson } from '../protocols/glpi-json.ts';
import { decodeOcsXml } from '../protocols/ocs-xml.ts';
import { peerInventory } from '../protocols/peer-inventory.ts';
import { sql, value } from '../store/db.ts';
import { ENGINES, newDatabaseLocation } from '../store/test-database.ts';
import { AWAITING_APPROVAL, createToken } from '../store/tokens.ts';
import type { ServerType } from '@hono/node-server';

describe.each(ENGINES)('%s', (engine) => {
  let collector: Collector;
  let server: ServerType;
  let port: number;
  let admin: { cookie: string; csrf: string };

  beforeAll(async () => {
    collector = await createCollector({
      dbFile: await newDatabaseLocation(engine, join(mkdtempSync(join(tmpdir(), 'tiebreak-binding-')), 'test.db')),
      log: pino({ level: 'silent' }),
    });
    const session = await createSession(collector.db, await createUser(collector.db, 'admin-user', 'admin', 'a long enough password'));
    admin = { cookie: `tb_session=${session.cookie}`, csrf: session.csrf };
    ({ server, port } = await listen(collector, 0, '127.0.0.1'));
  });
  afterAll(async () => {
    await new Promise((done) => server.close(done));
    await collector.close();
  });

  /** An enrolment whose body arrives `delayMs` after its headers, over real HTTP. */
  function slowEnrol(token: string, host: { id: string; hostname: string }, delayMs: number): Promise<{ status: number; body: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      const body = JSON.stringify({ host_id: host.id, hostname: host.hostname });
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          path: '/api/v1/enrol',
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
        },
      );
      req.on('error', reject);
      req.flushHeaders();
      setTimeout(() => req.end(body), delayMs);
    });
  }

  const api = (path: string, bearer: string, body: unknown) =>
    collector.app.request(path, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const enrol = async (token: string, host: { id: string; hostname: string }) => {
    const res = await api('/api/v1/enrol', token, { host_id: host.id, hostname: host.hostname });
    return { status: res.status, body: (await res.json()) as { credential: string; agent_id: number; status?: string } };
  };
  const itemsOf = (hostId: string) =>
    value<number>(
      collector.db,
      sql`SELECT COUNT(i.host_id) FROM hosts h LEFT JOIN installations i ON i.host_id = h.id WHERE h.host_key = ${hostId} GROUP BY h.id`,
    );
  const adminPost = (path: string) =>
    collector.app.request(path, {
      method: 'POST',
      headers: { cookie: admin.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: admin.csrf }),
    });
  const fleet = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `Tool ${i}`, version: '1.0', publisher: 'Somebody' }));

  describe('enrolment', () => {
    it('counts a token of one use when it is used: 20 slow enrolments at once, exactly one accepted', async () => {
      const { token } = await createToken(collector.db, { name: 'once', maxUses: 1 });
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => slowEnrol(token, makeInventory({ machine: `slow-${i}` }).host, 300)));
      expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
      expect(answers.filter((a) => a.status === 401).map((a) => a.body.error)).toEqual(Array(19).fill('enrolment token already used 1 times (limit 1)'));
      expect(await value(collector.db, sql`SELECT uses FROM enrolment_tokens WHERE name = 'once'`)).toBe(1);
    });

    it("binds a host to its first credential: a re-enrolment waits for an admin's approval, nothing stored before", async () => {
      const { token } = await createToken(collector.db, 'binding');
      const machine = makeInventory({ machine: 'bound', software: fleet(300) });
      const first = await enrol(token, machine.host);
      expect(first.status).toBe(201);
      expect((await api('/api/v1/inventories', first.body.credential, machine)).status).toBe(200);
      const stored = (await itemsOf(machine.host.id))!;
      expect(stored).toBeGreaterThanOrEqual(300);

      const claim = await enrol(token, machine.host);
      expect(claim.status).toBe(202);
      expect(claim.body.status).toBe('pending-approval');
      const refused = await api('/api/v1/inventories', claim.body.credential, { ...makeInventory({ machine: 'bound', software: fleet(1) }) });
      expect(refused.status).toBe(503);
      expect(((await refused.json()) as { error: string }).error).toMatch(/an admin must approve/);
      expect(await itemsOf(machine.host.id)).toBe(stored);
      // The original agent goes on as before.
      expect((await api('/api/v1/inventories', first.body.credential, { ...machine, id: crypto.randomUUID() })).status).toBe(200);

      const page = await (await collector.app.request('/agents', { headers: { cookie: admin.cookie } })).text();
      expect(page).toContain('Agents en attente d’approbation');
      expect(page).toContain(`/agents/${claim.body.agent_id}/approve`);
      expect(page).toContain(`/agents/${claim.body.agent_id}/refuse`);

      expect((await adminPost(`/agents/${claim.body.agent_id}/approve`)).status).toBe(302);
      expect((await api('/api/v1/inventories', claim.body.credential, makeInventory({ machine: 'bound', software: fleet(2) }))).status).toBe(200);
      expect(await itemsOf(machine.host.id)).toBeLessThan(10);

      // Refused: the credential is revoked.
      const impostor = await enrol(token, machine.host);
      expect(impostor.status).toBe(202);
      expect((await adminPost(`/agents/${impostor.body.agent_id}/refuse`)).status).toBe(302);
      expect((await api('/api/v1/inventories', impostor.body.credential, machine)).status).toBe(401);
      expect(await (await collector.app.request('/agents', { headers: { cookie: admin.cookie } })).text()).toContain('Refusé');
    });

    it("holds another tool's report claiming a known host (its SMBIOS UUID) with another token until approved", async () => {
      const xml = readFileSync(new URL('../protocols/fixtures/ocsinventory-2.10-debian12.ocs', import.meta.url), 'utf8');
      const host = peerInventory(decodeOcsXml(xml)).host;
      const { token } = await createToken(collector.db, 'tiebreak-agents');
      const owner = await enrol(token, host);
      expect(owner.status).toBe(201);
      expect((await api('/api/v1/inventories', owner.body.credential, { ...makeInventory({ software: fleet(300) }), host })).status).toBe(200);
      const stored = (await itemsOf(host.id))!;
      expect(stored).toBeGreaterThanOrEqual(300);

      const other = (await createToken(collector.db, 'someone-else')).token;
      const report = await collector.app.request('/ocsinventory', {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`x:${other}`).toString('base64')}`, 'content-type': 'application/x-compress-zlib' },
        body: deflateSync(xml),
      });
      expect(report.status).toBe(503);
      expect(await itemsOf(host.id)).toBe(stored);
      const pending = (await value<number>(
        collector.db,
        sql`SELECT id FROM agents WHERE host_key = ${host.id} AND approval = 'pending' AND protocol = 'ocs-xml'`,
      ))!;
      expect(pending).toBeGreaterThan(0);
      expect((await adminPost(`/agents/${pending}/approve`)).status).toBe(302);
      const again = await collector.app.request('/ocsinventory', {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`x:${other}`).toString('base64')}`, 'content-type': 'application/x-compress-zlib' },
        body: deflateSync(xml),
      });
      expect(again.status).toBe(200);
      expect(await itemsOf(host.id)).toBeLessThan(stored);
    });

    /** A peer report of `protocol` with an enrolment token, its answer's status and message. */
    const peerReport = async (path: '/ocsinventory' | '/glpi', token: string, body: string) => {
      const res = await collector.app.request(path, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`agent:${token}`).toString('base64')}`, 'content-type': 'application/x-compress-zlib' },
        body: deflateSync(body),
      });
      const text = res.status === 200 ? '' : ((await res.json()) as { message: string }).message;
      return { status: res.status, message: text };
    };
    const hasItem = async (hostId: string, name: string) =>
      ((await value<number>(
        collector.db,
        sql`SELECT COUNT(*) FROM hosts h JOIN installations i ON i.host_id = h.id JOIN catalogue c ON c.id = i.catalogue_id WHERE h.host_key = ${hostId} AND c.name = ${name}`,
      )) ?? 0) > 0;
    const pendingClaims = (hostId: string) => value<number>(collector.db, sql`SELECT COUNT(*) FROM agents WHERE host_key = ${hostId} AND approval = 'pending'`);

    it("holds a report with the fleet's own token claiming a known host from another agent installation (another DEVICEID)", async () => {
      // An OCS agent's report, with a machine UUID of its own: the host it names is bound to that agent.
      const uuid = crypto.randomUUID().toUpperCase();
      const xml = readFileSync(new URL('../protocols/fixtures/ocsinventory-2.10-debian12.ocs', import.meta.url), 'utf8').replace(
        '<HARDWARE>',
        `<HARDWARE>\n      <UUID>${uuid}</UUID>`,
      );
      const host = peerInventory(decodeOcsXml(xml)).host;
      expect(host.id_source).toBe('smbios-uuid');
      const { token } = await createToken(collector.db, 'ocs-fleet');
      expect((await peerReport('/ocsinventory', token, xml)).status).toBe(200);
      const stored = (await itemsOf(host.id))!;
      expect(stored).toBeGreaterThan(5);

      // Anyone holding the fleet's token, claiming that machine with one item: held, nothing stored.
      const claim = xml
        .replace(/<DEVICEID>[^<]+/, '<DEVICEID>vm-2026-12-01-00-00-00')
        .replace(/<SOFTWARES>[\s\S]*<\/SOFTWARES>/, '<SOFTWARES><NAME>only</NAME></SOFTWARES>');
      expect(await peerReport('/ocsinventory', token, claim)).toEqual({ status: 503, message: AWAITING_APPROVAL });
      expect(await itemsOf(host.id)).toBe(stored);
      expect(await pendingClaims(host.id)).toBe(1);
      // The agent the host is bound to goes on, and the claim shows on the agents page.
      expect(
        (await peerReport('/ocsinventory', token, xml.replace('</CONTENT>', '<ACCESSLOG><LOGDATE>2026-12-01 10:00:00</LOGDATE></ACCESSLOG></CONTENT>'))).status,
      ).toBe(200);
      const page = await (await collector.app.request('/agents', { headers: { cookie: admin.cookie } })).text();
      const pending = (await value<number>(collector.db, sql`SELECT id FROM agents WHERE host_key = ${host.id} AND approval = 'pending'`))!;
      expect(page).toContain(`/agents/${pending}/approve`);

      // A tiebreak agent enrolling with that host's id and hostname, with the same token: held too.
      const enrolment = await enrol(token, { id: host.id, hostname: host.hostname });
      expect(enrolment.status).toBe(202);
      expect((await api('/api/v1/inventories', enrolment.body.credential, { ...makeInventory({ software: fleet(1) }), host })).status).toBe(503);
      expect(await itemsOf(host.id)).toBe(stored);

      // Approved by an admin, the claim's reports are taken.
      expect((await adminPost(`/agents/${pending}/approve`)).status).toBe(302);
      expect(await hasItem(host.id, 'only')).toBe(false);
      expect((await peerReport('/ocsinventory', token, claim)).status).toBe(200);
      expect(await hasItem(host.id, 'only')).toBe(true);
    });

    it('holds a GLPI Agent report with the same token from another DEVICEID claiming a known host', async () => {
      const json = JSON.parse(readFileSync(new URL('../protocols/fixtures/glpi-agent-windows11.json', import.meta.url), 'utf8'));
      json.content.hardware.uuid = crypto.randomUUID().toUpperCase();
      json.content.bios.ssn = `SN-${crypto.randomUUID()}`;
      const { token } = await createToken(collector.db, 'glpi-fleet');
      expect((await peerReport('/glpi', token, JSON.stringify(json))).status).toBe(200);
      const host = peerInventory(decodeGlpiJson(JSON.stringify(json))).host;
      const stored = (await itemsOf(host.id))!;
      const claim = { ...json, deviceid: 'PC-URBA-042-2026-12-01-00-00-00', content: { ...json.content, softwares: [{ name: 'only' }] } };
      expect(await peerReport('/glpi', token, JSON.stringify(claim))).toEqual({ status: 503, message: AWAITING_APPROVAL });
      expect(await itemsOf(host.id)).toBe(stored);
      expect(await pendingClaims(host.id)).toBe(1);
      expect((await peerReport('/glpi', token, JSON.stringify({ ...json, content: { ...json.content, versionclient: 'GLPI-Agent_v1.11' } }))).status).toBe(200);
    });
  });
});
