// Which entity a host belongs to, decided at each ingest and when the rules change: moved by hand, it
// stays; else the first assignment rule that matches; else the entity of the enrolment token its
// agent enrolled with; else where it is (a network device reported by another host's agent, an
// imported inventory).
import { DomainError } from '../errors.ts';
import { first, rows, sql, transaction, value, type Db } from '../store/db.ts';
import { getEntity } from './entities.ts';
import { entityByRules, listRules, type AssignmentRule, type HostFacts } from './rules.ts';

/** Where an inventory came from, as the HTTP path knows it. */
export interface IngestOrigin {
  /** The enrolment token its agent enrolled with. */
  tokenId?: number | null;
  /** The address it came from, for the subnet rules: only for a host's own inventory. */
  address?: string | null;
}

/** The rules, read once per ingest transaction; `none` when there is no entity at all (nothing to decide). */
export interface Assignment {
  none: boolean;
  rules: AssignmentRule[];
}

export async function loadAssignment(db: Db): Promise<Assignment> {
  const none = (await value<number>(db, sql`SELECT 1 FROM entities LIMIT 1`)) === undefined;
  return { none, rules: none ? [] : await listRules(db) };
}

/**
 * The entity a host goes to when nothing holds it by hand: a rule's, else its token's (when the
 * token is known), else `current`.
 */
export async function automaticEntity(
  db: Db,
  assignment: Assignment,
  host: HostFacts,
  tokenId: number | null | undefined,
  current: number | null,
): Promise<number | null> {
  if (assignment.none) return current;
  const byRule = entityByRules(assignment.rules, host);
  if (byRule !== undefined) return byRule;
  if (tokenId === null || tokenId === undefined) return current;
  const token = await first<{ entity_id: number | null }>(db, sql`SELECT entity_id FROM enrolment_tokens WHERE id = ${tokenId}`);
  return token ? token.entity_id : current;
}

/**
 * Apply the rules and tokens to every host not moved by hand (after a rule or a token's entity
 * changed: agents that report "unchanged" would otherwise keep their hosts where they were).
 * Returns how many hosts moved.
 */
export async function reassignHosts(db: Db): Promise<number> {
  return transaction(db, async (trx) => {
    const assignment = await loadAssignment(trx);
    if (assignment.none) return 0;
    // A host's token: that of the latest agent enrolled for it that may send (approved, not revoked):
    // an agent held for approval, refused or revoked decides nothing.
    const hosts = await rows<HostFacts & { id: number; entity_id: number | null; token_id: number | null }>(
      trx,
      sql`SELECT h.id, h.hostname, h.domain, h.address, h.entity_id,
          (SELECT a.token_id FROM agents a WHERE a.host_key = h.host_key AND a.approval IS NULL AND a.revoked_at IS NULL ORDER BY a.id DESC LIMIT 1) AS token_id
        FROM hosts h WHERE h.entity_by_hand = 0 ORDER BY h.id`,
    );
    const tokenEntity = new Map(
      (await rows<{ id: number; entity_id: number | null }>(trx, sql`SELECT id, entity_id FROM enrolment_tokens`)).map((t) => [t.id, t.entity_id]),
    );
    let moved = 0;
    for (const host of hosts) {
      const byRule = entityByRules(assignment.rules, host);
      const next = byRule !== undefined ? byRule : host.token_id !== null && tokenEntity.has(host.token_id) ? tokenEntity.get(host.token_id)! : host.entity_id;
      if (next === host.entity_id) continue;
      await sql`UPDATE hosts SET entity_id = ${next} WHERE id = ${host.id}`.execute(trx);
      moved++;
    }
    return moved;
  });
}

export interface HostEntity {
  id: number;
  hostname: string;
  entity_id: number | null;
  by_hand: boolean;
}

async function hostEntity(db: Db, hostId: number): Promise<HostEntity> {
  const host = Number.isSafeInteger(hostId)
    ? await first<{ id: number; hostname: string; entity_id: number | null; entity_by_hand: number }>(
        db,
        sql`SELECT id, hostname, entity_id, entity_by_hand FROM hosts WHERE id = ${hostId}`,
      )
    : undefined;
  if (!host) throw new DomainError('not_found', `no host ${hostId}`, 'entityHostNotFound', { id: String(hostId) });
  return { id: host.id, hostname: host.hostname, entity_id: host.entity_id, by_hand: !!Number(host.entity_by_hand) };
}

/** An admin puts a host in an entity (null: the root): it stays there, whatever the rules say. Returns it before and after. */
export async function moveHostByHand(db: Db, hostId: number, entityId: number | null): Promise<{ before: HostEntity; after: HostEntity }> {
  return transaction(db, async (trx) => {
    const before = await hostEntity(trx, hostId);
    if (entityId !== null) await getEntity(trx, entityId);
    await sql`UPDATE hosts SET entity_id = ${entityId}, entity_by_hand = 1 WHERE id = ${hostId}`.execute(trx);
    return { before, after: { ...before, entity_id: entityId, by_hand: true } };
  });
}

/** The host goes back to the rules and its token (applied at once). */
export async function releaseHost(db: Db, hostId: number): Promise<{ before: HostEntity; after: HostEntity }> {
  return transaction(db, async (trx) => {
    const before = await hostEntity(trx, hostId);
    await sql`UPDATE hosts SET entity_by_hand = 0 WHERE id = ${hostId}`.execute(trx);
    await reassignHosts(trx);
    return { before, after: await hostEntity(trx, hostId) };
  });
}
