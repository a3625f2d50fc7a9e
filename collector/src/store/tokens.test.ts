// Enrolment tokens and agent credentials on both engines: limits counted atomically, credentials
// bound to their host, peer agents enrolled by their first report.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from './db.ts';
import { closeDatabase, ENGINES, testDatabase } from './test-database.ts';
import {
  approveAgent,
  AWAITING_APPROVAL,
  checkEnrolmentToken,
  createToken,
  enrolAgent,
  enrolPeerAgent,
  listAgents,
  listTokens,
  revokeAgent,
  revokeToken,
  touchAgent,
  verifyAgentCredential,
} from './tokens.ts';

describe.each(ENGINES)('enrolment tokens and agents (%s)', (engine) => {
  let db: Db;
  beforeEach(async () => {
    db = await testDatabase(engine);
  });
  afterEach(async () => {
    await closeDatabase(db);
  });

  it('enrols as many agents as a token allows, however many arrive at once', async () => {
    const { id, token } = await createToken(db, { name: 'one', maxUses: 2 });
    expect(await checkEnrolmentToken(db, token)).toEqual({ ok: true, id });
    const answers = await Promise.all([1, 2, 3, 4].map((n) => enrolAgent(db, id, { id: `host-${n}`, hostname: `PC-${n}` }, '1.0')));
    expect(answers.filter((a) => a.ok)).toHaveLength(2);
    expect(answers.filter((a) => !a.ok).map((a) => !a.ok && a.reason)).toEqual([
      expect.stringMatching(/already used 2 times \(limit 2\)/),
      expect.stringMatching(/already used 2 times/),
    ]);
    expect(await checkEnrolmentToken(db, token)).toMatchObject({ ok: false, reason: expect.stringMatching(/limit 2/) });
    expect(await checkEnrolmentToken(db, token, new Date(), { ignoreUses: true })).toEqual({ ok: true, id });
    expect((await listTokens(db)).map((t) => [t.name, t.uses, t.max_uses])).toEqual([['one', 2, 2]]);
    expect(await revokeToken(db, id)).toBe(true);
    expect(await revokeToken(db, id)).toBe(false);
    expect(await checkEnrolmentToken(db, token)).toEqual({ ok: false, reason: 'unknown or revoked token' });
  });

  it("binds a credential to its host; another for a host that reported waits for an admin's approval", async () => {
    const { id } = await createToken(db, 'fleet');
    const first = await enrolAgent(db, id, { id: 'h1', hostname: 'PC-1' }, null);
    if (!first.ok) throw new Error(first.reason);
    expect(await verifyAgentCredential(db, first.credential)).toEqual({ id: first.agentId, host_key: 'h1', approval: null, token_id: id });
    await touchAgent(db, first.agentId, '1.2', { waiting: 3, rejected: 0, oldest: '2026-01-01T00:00:00Z' });
    const second = await enrolAgent(db, id, { id: 'h1', hostname: 'PC-1' }, null);
    expect(second).toMatchObject({ ok: true, pending: true });
    if (!second.ok) return;
    expect(await approveAgent(db, second.agentId)).toBe(true);
    expect(await revokeAgent(db, first.agentId)).toBe(true);
    expect(await verifyAgentCredential(db, first.credential)).toBeNull();
    const agents = await listAgents(db);
    expect(agents.map((a) => [a.id, a.agent_version, a.spool_waiting, a.approval, a.claimed_by, a.revoked_at !== null])).toEqual([
      [first.agentId, '1.2', 3, null, null, true],
      [second.agentId, null, null, null, first.agentId, false],
    ]);
  });

  it('enrols a peer agent by its first report, and holds another protocol, token or DEVICEID claiming the host', async () => {
    const { id } = await createToken(db, { name: 'glpi', maxUses: 2 });
    const glpi = await enrolPeerAgent(db, id, 'glpi-json', { id: 'srv', hostname: 'SRV' }, 'SRV-2025-01-01-10-00-00', '1.11');
    expect(glpi).toMatchObject({ ok: true });
    // Its later reports are contacts of the same agent: no further use of the token.
    expect(await enrolPeerAgent(db, id, 'glpi-json', { id: 'srv', hostname: 'SRV-RENAMED' }, 'SRV-2025-01-01-10-00-00', '1.12')).toEqual(glpi);
    const other = await createToken(db, 'ocs');
    expect(await enrolPeerAgent(db, other.id, 'ocs-xml', { id: 'srv', hostname: 'SRV' }, 'SRV-2025-01-01-10-00-00', null)).toEqual({
      ok: false,
      status: 503,
      reason: AWAITING_APPROVAL,
    });
    // The same token from another installation (anyone holding the fleet's token).
    expect(await enrolPeerAgent(db, id, 'glpi-json', { id: 'srv', hostname: 'SRV' }, 'SRV-2026-06-01-10-00-00', null)).toEqual({
      ok: false,
      status: 503,
      reason: AWAITING_APPROVAL,
    });
    expect(await enrolPeerAgent(db, id, 'glpi-json', { id: 'srv', hostname: 'SRV' }, 'SRV-2025-01-01-10-00-00', null)).toEqual(glpi);
    expect(await enrolPeerAgent(db, id, 'glpi-json', { id: 'another', hostname: 'X' }, 'X-2025', null)).toMatchObject({ ok: false, status: 401 });
  });
});
