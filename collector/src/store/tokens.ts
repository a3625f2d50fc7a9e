// Enrolment tokens and agent credentials. Both are printed or returned once and stored only as a
// SHA-256 hash. An enrolment token may be limited in uses and time, and revoked; an agent's
// credential is bound to the host id it enrolled with, and revoked on its own.
import type { SpoolState } from '@tiebreak/shared';
import { createHash, randomBytes } from 'node:crypto';
import { first, rows, run, sql, transaction, type Db } from './db.ts';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface TokenOptions {
  name?: string;
  maxUses?: number | null;
  expiresAt?: Date | null;
  /** The entity its hosts go to (entities/assign.ts); null: the collector's root. */
  entityId?: number | null;
}

export async function createToken(db: Db, nameOrOptions: string | TokenOptions = {}): Promise<{ id: number; token: string }> {
  const options = typeof nameOrOptions === 'string' ? { name: nameOrOptions } : nameOrOptions;
  // Letters and digits only, 48 characters: the OCS agent base64-decodes the password it is given,
  // and such a token survives that decoding (the collector encodes it back; see protocols/routes.ts).
  const token = `tbk${randomBytes(23).toString('hex').slice(0, 45)}`;
  const { id } = await db
    .insertInto('enrolment_tokens')
    .values({
      name: options.name ?? 'default',
      token_hash: hashToken(token),
      created_at: new Date().toISOString(),
      max_uses: options.maxUses ?? null,
      expires_at: options.expiresAt?.toISOString() ?? null,
      entity_id: options.entityId ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id, token };
}

export type TokenCheck = { ok: true; id: number } | { ok: false; reason: string };

/**
 * Whether an enrolment token may enrol one more agent now. With `ignoreUses`, only whether it is
 * valid (known, not revoked, not expired): for a peer agent whose host may already be enrolled.
 */
export async function checkEnrolmentToken(db: Db, token: string, now = new Date(), options: { ignoreUses?: boolean } = {}): Promise<TokenCheck> {
  if (!token || token.length > 200) return { ok: false, reason: 'unknown or revoked token' };
  const row = await db
    .selectFrom('enrolment_tokens')
    .select(['id', 'revoked_at', 'max_uses', 'uses', 'expires_at'])
    .where('token_hash', '=', hashToken(token))
    .executeTakeFirst();
  if (!row || row.revoked_at) return { ok: false, reason: 'unknown or revoked token' };
  if (row.expires_at && row.expires_at <= now.toISOString()) return { ok: false, reason: `enrolment token expired on ${row.expires_at}` };
  if (!options.ignoreUses && row.max_uses !== null && row.uses >= row.max_uses)
    return { ok: false, reason: `enrolment token already used ${row.uses} times (limit ${row.max_uses})` };
  return { ok: true, id: row.id };
}

export async function revokeToken(db: Db, id: number): Promise<boolean> {
  return (await run(db, sql`UPDATE enrolment_tokens SET revoked_at = ${new Date().toISOString()} WHERE id = ${id} AND revoked_at IS NULL`)) > 0;
}

export async function listTokens(db: Db) {
  return db
    .selectFrom('enrolment_tokens')
    .select(['id', 'name', 'created_at', 'max_uses', 'uses', 'expires_at', 'revoked_at', 'entity_id'])
    .orderBy('id')
    .execute();
}

/** One use of the token, counted only if it still has one (in the caller's transaction). */
async function useToken(db: Db, tokenId: number, now: string): Promise<TokenCheck> {
  const used = await run(
    db,
    sql`UPDATE enrolment_tokens SET uses = uses + 1, last_used_at = ${now}
      WHERE id = ${tokenId} AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ${now}) AND (max_uses IS NULL OR uses < max_uses)`,
  );
  if (used) return { ok: true, id: tokenId };
  const row = await first<{ max_uses: number | null; uses: number }>(db, sql`SELECT max_uses, uses FROM enrolment_tokens WHERE id = ${tokenId}`);
  if (row && row.max_uses !== null && row.uses >= row.max_uses)
    return { ok: false, reason: `enrolment token already used ${row.uses} times (limit ${row.max_uses})` };
  return { ok: false, reason: 'unknown, revoked or expired token' };
}

/** The agent in force for this host (not revoked, not awaiting approval), if any. */
async function agentInForce(db: Db, hostKey: string): Promise<{ id: number; last_seen_at: string | null } | undefined> {
  return first(
    db,
    sql<{
      id: number;
      last_seen_at: string | null;
    }>`SELECT id, last_seen_at FROM agents WHERE host_key = ${hostKey} AND revoked_at IS NULL AND approval IS NULL ORDER BY id LIMIT 1`,
  );
}

export type Enrolment = { ok: true; agentId: number; credential: string; pending: boolean } | { ok: false; reason: string };

/**
 * Enrol an agent: one use of the token, counted atomically with the new credential (a token of
 * one use enrols one agent, however many arrive at once). The credential is bound to the host id;
 * a host that already has an agent in force that has reported is bound to that one: the new
 * credential waits for an admin's approval (a reinstalled machine, a clone, or someone claiming a
 * host that is not theirs).
 */
export async function enrolAgent(db: Db, tokenId: number, host: { id: string; hostname: string }, agentVersion: string | null): Promise<Enrolment> {
  const credential = `tba_${randomBytes(32).toString('base64url')}`;
  const now = new Date().toISOString();
  return transaction(db, async (trx): Promise<Enrolment> => {
    const use = await useToken(trx, tokenId, now);
    if (!use.ok) return use;
    let bound = await agentInForce(trx, host.id);
    // A credential that never delivered anything (its agent killed before it kept it) guards no
    // data: the new one replaces it instead of waiting for an admin.
    if (bound && bound.last_seen_at === null) {
      await sql`UPDATE agents SET revoked_at = ${now} WHERE id = ${bound.id}`.execute(trx);
      bound = undefined;
    }
    const { id: agentId } = await trx
      .insertInto('agents')
      .values({
        host_key: host.id,
        hostname: host.hostname,
        credential_hash: hashToken(credential),
        token_id: tokenId,
        enrolled_at: now,
        agent_version: agentVersion,
        approval: bound ? 'pending' : null,
        claimed_by: bound?.id ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { ok: true, agentId, credential, pending: !!bound };
  });
}

/** An admin approves a credential that claimed a known host: it is in force from now on. */
export async function approveAgent(db: Db, id: number): Promise<boolean> {
  return (await run(db, sql`UPDATE agents SET approval = NULL WHERE id = ${id} AND approval = 'pending' AND revoked_at IS NULL`)) > 0;
}

/** An admin refuses it: revoked, and shown as refused. */
export async function refuseAgent(db: Db, id: number): Promise<boolean> {
  return (await run(db, sql`UPDATE agents SET approval = 'refused', revoked_at = ${new Date().toISOString()} WHERE id = ${id} AND approval = 'pending'`)) > 0;
}

export interface AgentIdentity {
  id: number;
  host_key: string;
  /** 'pending' while an admin has not approved it (see enrolAgent). */
  approval: 'pending' | null;
  /** The enrolment token it enrolled with (its entity is the host's: entities/assign.ts). */
  token_id: number;
}

/** The agent a credential belongs to, if it is not revoked. */
export async function verifyAgentCredential(db: Db, credential: string): Promise<AgentIdentity | null> {
  if (!credential.startsWith('tba_') || credential.length > 200) return null;
  return (
    (await first<AgentIdentity>(
      db,
      sql`SELECT id, host_key, approval, token_id FROM agents WHERE credential_hash = ${hashToken(credential)} AND revoked_at IS NULL`,
    )) ?? null
  );
}

/** The agent was heard from; with the state of its spool when it reported one. */
export async function touchAgent(db: Db, id: number, version: string | null, spool: SpoolState | null = null): Promise<void> {
  const spoolColumns = spool ? sql`, spool_waiting = ${spool.waiting}, spool_rejected = ${spool.rejected}, spool_oldest = ${spool.oldest}` : sql``;
  await sql`UPDATE agents SET last_seen_at = ${new Date().toISOString()}, agent_version = COALESCE(${version}, agent_version)${spoolColumns} WHERE id = ${id}`.execute(
    db,
  );
}

export async function revokeAgent(db: Db, id: number): Promise<boolean> {
  return (await run(db, sql`UPDATE agents SET revoked_at = ${new Date().toISOString()} WHERE id = ${id} AND revoked_at IS NULL`)) > 0;
}

export async function listAgents(db: Db) {
  return db
    .selectFrom('agents')
    .select([
      'id',
      'host_key',
      'hostname',
      'protocol',
      'enrolled_at',
      'last_seen_at',
      'agent_version',
      'revoked_at',
      'spool_waiting',
      'spool_rejected',
      'spool_oldest',
      'approval',
      'claimed_by',
    ])
    .orderBy('id')
    .execute();
}

/** A peer agent's DEVICEID, hashed (it names the machine and when its agent was installed). */
function peerDevice(deviceid: string): string {
  return hashToken(`deviceid:${deviceid}`).slice(0, 32);
}

/**
 * What a peer agent keeps in credential_hash: its DEVICEID's hash, and a random part that keeps the
 * column unique (and no credential can hash to); an agent's own value is kept once it has one.
 */
function peerCredentialHash(device: string, current?: string): string {
  if (current?.startsWith(`peer:${device}:`)) return current;
  return `peer:${device}:${randomBytes(8).toString('hex')}`;
}

export type PeerEnrolment = { ok: true; agentId: number } | { ok: false; status: 401 | 403 | 503; reason: string };

/** The answer to an agent whose credential claimed a host already bound to another. */
export const AWAITING_APPROVAL = 'this host is already enrolled with another credential: an admin must approve this one on the agents page';

/**
 * A report of another tool's agent (GLPI, FusionInventory, OCS), authenticated by an enrolment
 * token: the first report of a host enrols it (one use of the token), later ones are that agent's
 * contacts. Those agents only know the token they were configured with, and one token serves a
 * whole fleet, so the agent is the token with the DEVICEID it made when it was installed (its
 * hash is kept in place of a credential's): a report of a host that already has an agent in force,
 * of another protocol, another token or another DEVICEID, waits for an admin's approval (nothing
 * of it is stored before). A revoked or refused agent stays refused.
 */
export async function enrolPeerAgent(
  db: Db,
  tokenId: number,
  protocol: string,
  host: { id: string; hostname: string },
  deviceid: string,
  agentVersion: string | null,
): Promise<PeerEnrolment> {
  const device = peerDevice(deviceid);
  return transaction(db, async (trx): Promise<PeerEnrolment> => {
    const now = new Date().toISOString();
    const agents = await rows<{ id: number; revoked_at: string | null; approval: string | null; credential_hash: string }>(
      trx,
      sql`SELECT id, revoked_at, approval, credential_hash FROM agents WHERE host_key = ${host.id} AND protocol = ${protocol} AND token_id = ${tokenId} ORDER BY id DESC`,
    );
    // An agent enrolled before DEVICEIDs were kept takes the first one it reports.
    const existing = agents.find((a) => a.credential_hash.startsWith(`peer:${device}:`)) ?? agents.find((a) => !/^peer:[0-9a-f]{32}:/.test(a.credential_hash));
    if (existing?.revoked_at)
      return {
        ok: false,
        status: 403,
        reason: `the agent of this host was ${existing.approval === 'refused' ? 'refused' : 'revoked'} on ${existing.revoked_at}`,
      };
    if (existing) {
      await sql`UPDATE agents SET last_seen_at = ${now}, agent_version = COALESCE(${agentVersion}, agent_version), hostname = ${host.hostname}, credential_hash = ${peerCredentialHash(device, existing.credential_hash)} WHERE id = ${existing.id}`.execute(
        trx,
      );
      if (existing.approval === 'pending') return { ok: false, status: 503, reason: AWAITING_APPROVAL };
      return { ok: true, agentId: existing.id };
    }
    const use = await useToken(trx, tokenId, now);
    if (!use.ok) return { ok: false, status: 401, reason: `${use.reason}: this host cannot enrol with it` };
    const bound = await agentInForce(trx, host.id);
    const { id: agentId } = await trx
      .insertInto('agents')
      .values({
        host_key: host.id,
        hostname: host.hostname,
        credential_hash: peerCredentialHash(device),
        token_id: tokenId,
        enrolled_at: now,
        last_seen_at: now,
        agent_version: agentVersion,
        protocol,
        approval: bound ? 'pending' : null,
        claimed_by: bound?.id ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (bound) return { ok: false, status: 503, reason: AWAITING_APPROVAL };
    return { ok: true, agentId };
  });
}
