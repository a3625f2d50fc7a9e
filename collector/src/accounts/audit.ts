// The audit log: every change made by an account, an API token or the command line, with who, when,
// what and from where. Written in the same transaction as the change it records, so that neither
// exists without the other.
import { userInfo } from 'node:os';
import type { BlockList } from 'node:net';
import type { Context } from 'hono';
import { clientAddress, type AuthVariables } from '../http/auth.ts';
import { rows, run, sql, transaction, value, type Db } from '../store/db.ts';
import type { RawBuilder } from 'kysely';
import { likeIgnoringCase } from '../store/dialect.ts';

export type ActorKind = 'user' | 'api-token' | 'cli';

export interface AuditActor {
  kind: ActorKind;
  /** The user's name, the API token's name and id, or the system account that ran the command. */
  name: string;
  /** The client's address for a request; null on the command line. */
  ip: string | null;
}

export interface AuditEntry {
  actor: AuditActor;
  /** What was done, as `object-kind.verb` (user.add, agent.revoke...). */
  action: string;
  /** What it was done to (an id, a name), when there is one. */
  object?: string | number | null;
  /** A short account of the change. */
  details?: string | null;
}

export interface AuditRow {
  id: number;
  at: string;
  actor_kind: ActorKind;
  actor: string;
  action: string;
  object: string | null;
  details: string | null;
  ip: string | null;
}

/** The actions recorded, for the filter of the page (and as a list to check against). */
export const AUDIT_ACTIONS = [
  'session.login',
  'user.add',
  'user.remove',
  'user.password',
  'api-token.create',
  'api-token.revoke',
  'enrolment-token.create',
  'enrolment-token.revoke',
  'agent.revoke',
  'agent.approve',
  'agent.refuse',
  'local-rule.assign',
  'local-rule.remove',
  'criticality.category',
  'criticality.product',
  'spend.import',
  'asset.add',
  'asset.import',
  'asset.remove',
  'target.set',
  'target.remove',
  'settings.authority',
  'settings.local-login',
  'federation.exclude',
  'federation.include',
  'federation.share',
  'federation.unshare',
  'inventories.import',
  'database.restore',
] as const;

const DETAILS_MAX = 500;

export async function recordAudit(db: Db, entry: AuditEntry, now = new Date()): Promise<void> {
  const details = entry.details ? (entry.details.length > DETAILS_MAX ? `${entry.details.slice(0, DETAILS_MAX - 1)}…` : entry.details) : null;
  const object = entry.object === undefined || entry.object === null ? null : String(entry.object);
  await run(
    db,
    sql`INSERT INTO audit_log (at, actor_kind, actor, action, object, details, ip)
      VALUES (${now.toISOString()}, ${entry.actor.kind}, ${entry.actor.name}, ${entry.action}, ${object}, ${details}, ${entry.actor.ip})`,
  );
}

/**
 * Make a change and record it in one transaction: `change` gets the transaction (its queries must
 * use it, not the outer db); `describe` says what to record from the change's result, or null when
 * nothing changed (a revocation of what was already revoked).
 */
export async function audited<T>(db: Db, actor: AuditActor, change: (trx: Db) => T | Promise<T>, describe: (result: T) => Omit<AuditEntry, 'actor'> | null): Promise<T> {
  return transaction(db, async (trx) => {
    const result = await change(trx);
    const entry = describe(result);
    if (entry) await recordAudit(trx, { ...entry, actor });
    return result;
  });
}

/** The command line's actor: the system account that runs it. */
export function cliActor(): AuditActor {
  let name = 'cli';
  try {
    name = `cli:${userInfo().username}`;
  } catch {
    // No entry for this uid (a container): the command line all the same.
  }
  return { kind: 'cli', name, ip: null };
}

/** A request's actor: its session's user or its API token, and its client's address. */
export function httpActor(c: Context<{ Variables: AuthVariables }>, trustProxy: BlockList | null): AuditActor {
  const ip = clientAddress(c, trustProxy);
  const session = c.get('session');
  if (session) return { kind: 'user', name: session.user.username, ip };
  const token = c.get('apiToken');
  if (token) return { kind: 'api-token', name: `${token.name} (#${token.id})`, ip };
  return { kind: 'user', name: 'anonymous', ip };
}

export interface AuditFilters {
  actor?: string;
  action?: string;
  /** YYYY-MM-DD, inclusive. */
  from?: string;
  to?: string;
  page?: string;
}

export const AUDIT_PAGE_SIZE = 100;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The log, newest first, filtered; `limit` rows of the page asked for (all of them for an export). */
export async function listAudit(db: Db, filters: AuditFilters, limit = AUDIT_PAGE_SIZE): Promise<{ rows: AuditRow[]; total: number; page: number }> {
  const where: RawBuilder<unknown>[] = [];
  if (filters.actor?.trim()) {
    const pattern = `%${filters.actor.trim().replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
    where.push(sql`${likeIgnoringCase(db, sql`actor`, pattern)} ESCAPE '\\'`);
  }
  if (filters.action?.trim()) {
    // An action, or all of a kind ("user" for user.add, user.remove...).
    where.push(sql`(action = ${filters.action.trim()} OR action LIKE ${`${filters.action.trim()}.%`})`);
  }
  if (filters.from && DAY.test(filters.from)) where.push(sql`at >= ${`${filters.from}T00:00:00.000Z`}`);
  if (filters.to && DAY.test(filters.to)) where.push(sql`at < ${new Date(Date.parse(`${filters.to}T00:00:00.000Z`) + 86_400_000).toISOString()}`);
  const clause = where.length ? sql`WHERE ${sql.join(where, sql` AND `)}` : sql``;
  const total = (await value<number>(db, sql`SELECT count(*) FROM audit_log ${clause}`))!;
  const page = Math.max(1, Math.min(Number(filters.page) || 1, Math.max(1, Math.ceil(total / limit))));
  const found = await rows<AuditRow>(db, sql`SELECT * FROM audit_log ${clause} ORDER BY id DESC LIMIT ${limit} OFFSET ${(page - 1) * limit}`);
  return { rows: found, total, page };
}
