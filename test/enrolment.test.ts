// Enrolment and credentials against a real collector process: token limits, expiry, revocation of a
// token or an agent (at once), a credential bound to its host, two agents sharing a host id.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInventory } from './fixtures.ts';
import { closeDatabase, openDatabase, sql } from '../collector/src/store/db.ts';
import { ENGINES, newDatabaseLocation } from '../collector/src/store/test-database.ts';
import { enrolHost, postApi, runCli, startCollector, tempDir, type RunningCollector } from './helpers.ts';

describe.each(ENGINES)('%s', (engine) => {
  const dir = tempDir();
  let dbFile: string;
  let collector: RunningCollector;

  beforeAll(async () => {
    dbFile = await newDatabaseLocation(engine, join(dir, 'collector.db'));
    collector = await startCollector(dbFile);
  });
  afterAll(async () => {
    await collector?.stop();
  });

  const api = (path: string, bearer: string, body: unknown) => postApi(collector.url, path, bearer, body);
  const enrol = (token: string, host = makeInventory().host) => enrolHost(collector.url, token, host);
  const token = async (...flags: string[]) => (await runCli('collector', ['token', 'create', '--db', dbFile, ...flags])).stdout.trim();

  describe('enrolment', () => {
    it('gives each agent its own credential, bound to its host', async () => {
      const t = await token();
      const a = makeInventory({ machine: 'pc-a' });
      const b = makeInventory({ machine: 'pc-b' });
      const credA = (await enrol(t, a.host)).body.credential;
      expect(credA).toMatch(/^tba_/);
      expect((await api('/api/v1/inventories', credA, a)).status).toBe(200);
      const wrongHost = await api('/api/v1/inventories', credA, b);
      expect(wrongHost).toEqual({ status: 403, body: { error: 'this agent credential belongs to another host' } });
    });

    it('respects a token limited in uses and in time', async () => {
      const once = await token('--max-uses', '1');
      expect((await enrol(once)).status).toBe(201);
      const second = await enrol(once);
      expect(second.status).toBe(401);
      expect(second.body.error).toMatch(/already used 1 times \(limit 1\)/);
      const bad = await runCli('collector', ['token', 'create', '--db', dbFile, '--expires-in-days', 'soon']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/--expires-in-days must be a positive whole number/);
    });

    it('refuses an expired token with a clear reason, and the agent does not retry in a loop', async () => {
      const t = await token('--expires-in-days', '1');
      const db = await openDatabase(dbFile);
      await sql`UPDATE enrolment_tokens SET expires_at = '2020-01-01T00:00:00.000Z' WHERE token_hash = (SELECT token_hash FROM enrolment_tokens ORDER BY id DESC LIMIT 1)`.execute(
        db,
      );
      await closeDatabase(db);
      const refused = await enrol(t);
      expect(refused.status).toBe(401);
      expect(refused.body.error).toBe('enrolment token expired on 2020-01-01T00:00:00.000Z');
      const stateDir = join(dir, 'agent-expired');
      const sent = await runCli('agent', ['send', '--server', collector.url, '--token', t, '--state-dir', stateDir]);
      expect(sent.code).toBe(1);
      expect(sent.stderr).toMatch(/enrolment token expired/);
      // Set aside, not left for endless retries.
      const { readdirSync } = await import('node:fs');
      expect(readdirSync(join(stateDir, 'spool', 'pending'))).toEqual([]);
    });

    it('revoking a token stops enrolments at once; revoking an agent stops its inventories at once', async () => {
      const t = await token('--name', 'to-revoke');
      const inventory = makeInventory({ machine: 'pc-revoked' });
      const cred = (await enrol(t, inventory.host)).body.credential;
      const tokens = JSON.parse((await runCli('collector', ['token', 'list', '--json', '--db', dbFile])).stdout) as { id: number; name: string }[];
      const tokenId = tokens.find((x) => x.name === 'to-revoke')!.id;
      expect((await runCli('collector', ['token', 'revoke', String(tokenId), '--db', dbFile])).code).toBe(0);
      expect((await enrol(t)).body.error).toBe('unknown or revoked token');
      // The agent enrolled before keeps working until revoked itself.
      expect((await api('/api/v1/inventories', cred, inventory)).status).toBe(200);
      const agents = JSON.parse((await runCli('collector', ['agent', 'list', '--json', '--db', dbFile])).stdout) as {
        id: number;
        hostname: string;
        last_seen_at: string | null;
      }[];
      const agent = agents.find((a) => a.hostname === inventory.host.hostname)!;
      expect(agent.last_seen_at).not.toBeNull();
      expect((await runCli('collector', ['agent', 'revoke', String(agent.id), '--db', dbFile])).stdout).toMatch(/revoked/);
      const after = await api('/api/v1/inventories', cred, { ...inventory, id: crypto.randomUUID() });
      expect(after).toEqual({ status: 401, body: { error: 'unknown or revoked agent credential' } });
      const again = await runCli('collector', ['agent', 'revoke', String(agent.id), '--db', dbFile]);
      expect(again.code).toBe(2);
      expect(again.stderr).toMatch(/already revoked/);
    });

    it("two agents with the same host id (a clone, a reinstall) cannot overwrite each other's credential: the second waits for approval", async () => {
      const t = await token();
      const original = makeInventory({ machine: 'cloned', hostname: 'PC-1', serial: 'S1' });
      const clone = makeInventory({ machine: 'cloned', hostname: 'PC-2', serial: 'S2' });
      const first = (await enrol(t, original.host)).body.credential;
      expect((await api('/api/v1/inventories', first, original)).status).toBe(200);
      const second = await enrol(t, clone.host);
      expect(second.status).toBe(202);
      expect(first).not.toBe(second.body.credential);
      expect((await api('/api/v1/inventories', second.body.credential, clone)).status).toBe(503);
      expect((await api('/api/v1/inventories', first, { ...original, id: crypto.randomUUID() })).status).toBe(200);
    });

    it('a credential that never reported (its agent killed before keeping it) is replaced by the next enrolment, not held', async () => {
      const t = await token();
      const machine = makeInventory({ machine: 'killed-while-enrolling', hostname: 'PC-K', serial: 'SK' });
      const lost = (await enrol(t, machine.host)).body.credential;
      const again = await enrol(t, machine.host);
      expect(again.status).toBe(201);
      expect((await api('/api/v1/inventories', lost, machine)).status).toBe(401);
      expect((await api('/api/v1/inventories', again.body.credential, machine)).status).toBe(200);
    });

    it('a reinstalled machine re-enrols and, once an admin approves it, stays one host (same stable host id)', async () => {
      const t = await token();
      const machine = makeInventory({ machine: 'reinstalled', hostname: 'PC-RE', serial: 'SR' });
      const before = (await api('/api/v1/inventories', (await enrol(t, machine.host)).body.credential, machine)).body.host_id;
      // Reinstalled: the agent's state is gone, it enrols again with the same host id.
      const again = await enrol(t, machine.host);
      expect(again.status).toBe(202);
      const approved = await runCli('collector', ['agent', 'approve', String(again.body.agent_id), '--db', dbFile]);
      expect(approved.stdout).toContain(`agent ${again.body.agent_id} approved`);
      const after = (await api('/api/v1/inventories', again.body.credential, { ...machine, id: crypto.randomUUID() })).body.host_id;
      expect(after).toBe(before);
    });
  });
});
