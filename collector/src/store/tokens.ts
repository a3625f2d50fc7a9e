// Enrolment tokens and agent credentials. Both are printed or returned once and stored only as a
// SHA-256 hash. An enrolment token may be limited in uses and time, and revoked; an agent's
// credential is bound to the host id it enrolled with, and revoked on its own.
import type { SpoolState } from '@tiebreak/shared';
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from './db.ts';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface TokenOptions {
  name?: string;
  maxUses?: number | null;
  expiresAt?: Date | null;
}

export function createToken(db: Db, nameOrOptions: string | TokenOptions = {}): { id: number; token: string } {
  const options = typeof nameOrOptions === 'string' ? { name: nameOrOptions } : nameOrOptions;
  // Letters and digits only, 48 characters: the OCS agent base64-decodes the password it is given,
  // and such a token survives that decoding (the collector encodes it back; see protocols/routes.ts).
  const token = `tbk${randomBytes(23).toString('hex').slice(0, 45)}`;
  const info = db
    .prepare('INSERT INTO enrolment_tokens (name, token_hash, created_at, max_uses, expires_at) VALUES (?, ?, ?, ?, ?)')
    .run(options.name ?? 'default', hashToken(token), new Date().toISOString(), options.maxUses ?? null, options.expiresAt?.toISOString() ?? null);
  return { id: Number(info.lastInsertRowid), token };
}

export type TokenCheck = { ok: true; id: number } | { ok: false; reason: string };

/**
 * Whether an enrolment token may enrol one more agent now. With `ignoreUses`, only whether it is
 * valid (known, not revoked, not expired): for a peer agent whose host may already be enrolled.
 */
export function checkEnrolmentToken(db: Db, token: string, now = new Date(), options: { ignoreUses?: boolean } = {}): TokenCheck {
  if (!token || token.length > 200) return { ok: false, reason: 'unknown or revoked token' };
  const row = db
    .prepare('SELECT id, revoked_at, max_uses, uses, expires_at FROM enrolment_tokens WHERE token_hash = ?')
    .get(hashToken(token)) as { id: number; revoked_at: string | null; max_uses: number | null; uses: number; expires_at: string | null } | undefined;
  if (!row || row.revoked_at) return { ok: false, reason: 'unknown or revoked token' };
  if (row.expires_at && row.expires_at <= now.toISOString()) return { ok: false, reason: `enrolment token expired on ${row.expires_at}` };
  if (!options.ignoreUses && row.max_uses !== null && row.uses >= row.max_uses) return { ok: false, reason: `enrolment token already used ${row.uses} times (limit ${row.max_uses})` };
  return { ok: true, id: row.id };
}

export function revokeToken(db: Db, id: number): boolean {
  return db.prepare('UPDATE enrolment_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(new Date().toISOString(), id).changes > 0;
}

export function listTokens(db: Db) {
  return db.prepare('SELECT id, name, created_at, max_uses, uses, expires_at, revoked_at FROM enrolment_tokens ORDER BY id').all();
}

/** One use of the token, counted only if it still has one (in the caller's transaction). */
function useToken(db: Db, tokenId: number, now: string): TokenCheck {
  const used = db
    .prepare(`UPDATE enrolment_tokens SET uses = uses + 1, last_used_at = ?
      WHERE id = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?) AND (max_uses IS NULL OR uses < max_uses)`)
    .run(now, tokenId, now).changes;
  if (used) return { ok: true, id: tokenId };
  const row = db.prepare('SELECT max_uses, uses FROM enrolment_tokens WHERE id = ?').get(tokenId) as { max_uses: number | null; uses: number } | undefined;
  if (row && row.max_uses !== null && row.uses >= row.max_uses) return { ok: false, reason: `enrolment token already used ${row.uses} times (limit ${row.max_uses})` };
  return { ok: false, reason: 'unknown, revoked or expired token' };
}

/** The agent in force for this host (not revoked, not awaiting approval), if any. */
function agentInForce(db: Db, hostKey: string): { id: number; last_seen_at: string | null } | undefined {
  return db.prepare('SELECT id, last_seen_at FROM agents WHERE host_key = ? AND revoked_at IS NULL AND approval IS NULL ORDER BY id LIMIT 1').get(hostKey) as
    | { id: number; last_seen_at: string | null }
    | undefined;
}

export type Enrolment = { ok: true; agentId: number; credential: string; pending: boolean } | { ok: false; reason: string };

/**
 * Enrol an agent: one use of the token, counted atomically with the new credential (a token of
 * one use enrols one agent, however many arrive at once). The credential is bound to the host id;
 * a host that already has an agent in force that has reported is bound to that one: the new
 * credential waits for an admin's approval (a reinstalled machine, a clone, or someone claiming a
 * host that is not theirs).
 */
export function enrolAgent(db: Db, tokenId: number, host: { id: string; hostname: string }, agentVersion: string | null): Enrolment {
  const credential = `tba_${randomBytes(32).toString('base64url')}`;
  const now = new Date().toISOString();
  return db.transaction((): Enrolment => {
    const use = useToken(db, tokenId, now);
    if (!use.ok) return use;
    let bound = agentInForce(db, host.id);
    // A credential that never delivered anything (its agent killed before it kept it) guards no
    // data: the new one replaces it instead of waiting for an admin.
    if (bound && bound.last_seen_at === null) {
      db.prepare('UPDATE agents SET revoked_at = ? WHERE id = ?').run(now, bound.id);
      bound = undefined;
    }
    const agentId = Number(
      db
        .prepare('INSERT INTO agents (host_key, hostname, credential_hash, token_id, enrolled_at, agent_version, approval, claimed_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(host.id, host.hostname, hashToken(credential), tokenId, now, agentVersion, bound ? 'pending' : null, bound?.id ?? null).lastInsertRowid,
    );
    return { ok: true, agentId, credential, pending: !!bound };
  })();
}

/** An admin approves a credential that claimed a known host: it is in force from now on. */
export function approveAgent(db: Db, id: number): boolean {
  return db.prepare("UPDATE agents SET approval = NULL WHERE id = ? AND approval = 'pending' AND revoked_at IS NULL").run(id).changes > 0;
}

/** An admin refuses it: revoked, and shown as refused. */
export function refuseAgent(db: Db, id: number): boolean {
  return db.prepare("UPDATE agents SET approval = 'refused', revoked_at = ? WHERE id = ? AND approval = 'pending'").run(new Date().toISOString(), id).changes > 0;
}

export interface AgentIdentity {
  id: number;
  host_key: string;
  /** 'pending' while an admin has not approved it (see enrolAgent). */
  approval: 'pending' | null;
}

/** The agent a credential belongs to, if it is not revoked. */
export function verifyAgentCredential(db: Db, credential: string): AgentIdentity | null {
  if (!credential.startsWith('tba_') || credential.length > 200) return null;
  return (db.prepare('SELECT id, host_key, approval FROM agents WHERE credential_hash = ? AND revoked_at IS NULL').get(hashToken(credential)) as AgentIdentity | undefined) ?? null;
}

/** The agent was heard from; with the state of its spool when it reported one. */
export function touchAgent(db: Db, id: number, version: string | null, spool: SpoolState | null = null): void {
  db.prepare('UPDATE agents SET last_seen_at = ?, agent_version = COALESCE(?, agent_version) WHERE id = ?').run(new Date().toISOString(), version, id);
  if (spool) db.prepare('UPDATE agents SET spool_waiting = ?, spool_rejected = ?, spool_oldest = ? WHERE id = ?').run(spool.waiting, spool.rejected, spool.oldest, id);
}

export function revokeAgent(db: Db, id: number): boolean {
  return db.prepare('UPDATE agents SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(new Date().toISOString(), id).changes > 0;
}

export function listAgents(db: Db) {
  return db.prepare('SELECT id, host_key, hostname, protocol, enrolled_at, last_seen_at, agent_version, revoked_at, spool_waiting, spool_rejected, spool_oldest, approval, claimed_by FROM agents ORDER BY id').all();
}

export type PeerEnrolment = { ok: true; agentId: number } | { ok: false; status: 401 | 403 | 503; reason: string };

/** The answer to an agent whose credential claimed a host already bound to another. */
export const AWAITING_APPROVAL = "this host is already enrolled with another credential: an admin must approve this one on the agents page";

/**
 * A report of another tool's agent (GLPI, FusionInventory, OCS), authenticated by an enrolment
 * token: the first report of a host enrols it (one use of the token), later ones with the same
 * token are that agent's contacts. Those agents only know the token they were configured with, so
 * the token is their credential: a report of a host that already has an agent in force, of another
 * protocol or with another token, waits for an admin's approval (nothing of it is stored before).
 * A revoked or refused agent stays refused.
 */
export function enrolPeerAgent(db: Db, tokenId: number, protocol: string, host: { id: string; hostname: string }, agentVersion: string | null): PeerEnrolment {
  return db.transaction((): PeerEnrolment => {
    const now = new Date().toISOString();
    const existing = db.prepare('SELECT id, revoked_at, approval FROM agents WHERE host_key = ? AND protocol = ? AND token_id = ? ORDER BY id DESC LIMIT 1').get(host.id, protocol, tokenId) as
      | { id: number; revoked_at: string | null; approval: string | null }
      | undefined;
    if (existing?.revoked_at) return { ok: false, status: 403, reason: `the agent of this host was ${existing.approval === 'refused' ? 'refused' : 'revoked'} on ${existing.revoked_at}` };
    if (existing) {
      db.prepare('UPDATE agents SET last_seen_at = ?, agent_version = COALESCE(?, agent_version), hostname = ? WHERE id = ?').run(now, agentVersion, host.hostname, existing.id);
      if (existing.approval === 'pending') return { ok: false, status: 503, reason: AWAITING_APPROVAL };
      return { ok: true, agentId: existing.id };
    }
    const use = useToken(db, tokenId, now);
    if (!use.ok) return { ok: false, status: 401, reason: `${use.reason}: this host cannot enrol with it` };
    const bound = agentInForce(db, host.id);
    const agentId = Number(
      db
        .prepare(`INSERT INTO agents (host_key, hostname, credential_hash, token_id, enrolled_at, last_seen_at, agent_version, protocol, approval, claimed_by)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        // No credential exists; the column stays unique with a value no credential can hash to.
        .run(host.id, host.hostname, `peer:${randomBytes(16).toString('hex')}`, tokenId, now, now, agentVersion, protocol, bound ? 'pending' : null, bound?.id ?? null).lastInsertRowid,
    );
    if (bound) return { ok: false, status: 503, reason: AWAITING_APPROVAL };
    return { ok: true, agentId };
  })();
}
