// The audit log: every change made by an account, an API token or the command line, with who, when,
// what and from where. Written in the same transaction as the change it records, so that neither
// exists without the other. Kept for a retention period (a year by default), pruned once a day.
import { userInfo } from 'node:os';
import type { BlockList } from 'node:net';
import type { Context } from 'hono';
import { clientAddress, type AuthVariables } from '../http/auth.ts';
import { getMeta, rows, run, setMeta, sql, transaction, value, type Db } from '../store/db.ts';
import type { RawBuilder } from 'kysely';
import type { Logger } from 'pino';
import { likeIgnoringCase, onceAcrossProcesses } from '../store/dialect.ts';

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
  'audit.prune',
  'entity.add',
  'entity.edit',
  'entity.move',
  'entity.remove',
  'entity.rule-add',
  'entity.rule-remove',
  'entity.rule-order',
  'entity.host',
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
export async function audited<T>(
  db: Db,
  actor: AuditActor,
  change: (trx: Db) => T | Promise<T>,
  describe: (result: T) => Omit<AuditEntry, 'actor'> | null,
): Promise<T> {
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

// ---- Retention ---------------------------------------------------------------------------------

/** A year: what an authority's DSI keeps access and change logs for; 0 keeps them forever. */
export const DEFAULT_AUDIT_RETENTION_DAYS = 365;
export const MAX_AUDIT_RETENTION_DAYS = 36_500;
/** Meta keys: the retention in force (for the page), and the last day the log was pruned. */
const RETENTION_KEY = 'audit_retention_days';
const PRUNED_ON_KEY = 'audit_pruned_on';
const HOUR_MS = 3_600_000;

/** A retention in days as written in collector.env or on the command line; a TypeError says why not. */
export function parseRetentionDays(text: string): number {
  const days = Number(text.trim());
  if (text.trim() === '' || !Number.isInteger(days) || days < 0 || days > MAX_AUDIT_RETENTION_DAYS)
    throw new TypeError(`the audit log's retention is a whole number of days from 0 (keep forever) to ${MAX_AUDIT_RETENTION_DAYS}, not "${text.slice(0, 20)}"`);
  return days;
}

/** The retention the serving collector applies (null before one has served with this code). */
export async function auditRetention(db: Db): Promise<number | null> {
  const text = await getMeta(db, RETENTION_KEY);
  return text === undefined ? null : Number(text);
}

/**
 * Delete the entries older than `days` (none with 0), and record the prune itself in the same
 * transaction. Returns how many were deleted.
 */
export async function pruneAudit(db: Db, days: number, actor: AuditActor, now = new Date()): Promise<number> {
  if (days === 0) return 0;
  const cutoff = new Date(now.getTime() - days * 86_400_000).toISOString();
  return transaction(db, async (trx) => {
    const deleted = await run(trx, sql`DELETE FROM audit_log WHERE at < ${cutoff}`);
    if (deleted > 0)
      await recordAudit(trx, { actor, action: 'audit.prune', object: cutoff.slice(0, 10), details: `${deleted} entries older than ${days} days deleted` }, now);
    return deleted;
  });
}

/**
 * The day's prune, once across the processes that share the database (under `lock`, and not again
 * the same day): how many entries were deleted, or null when it was already done today or another
 * process is doing it.
 */
export async function dailyAuditPrune(db: Db, days: number, lock: number, now = new Date()): Promise<number | null> {
  const today = now.toISOString().slice(0, 10);
  const done = await onceAcrossProcesses(db, lock, (locked) =>
    transaction(locked, async (trx) => {
      if ((await getMeta(trx, PRUNED_ON_KEY)) === today) return null;
      const deleted = await pruneAudit(trx, days, { kind: 'cli', name: 'tiebreak-collector serve (retention)', ip: null }, now);
      await setMeta(trx, PRUNED_ON_KEY, today);
      return deleted;
    }),
  );
  return done ?? null;
}

/**
 * While serving: the retention recorded for the audit page, and the daily prune tried at start and
 * every hour (it runs once a day). Returns the stop, which waits for a prune under way.
 */
export function scheduleAuditRetention(db: Db, options: { days: number; lock: number; log: Logger; everyMs?: number }): () => Promise<void> {
  let running: Promise<void> | null = null;
  const tick = () => {
    running ??= (async () => {
      try {
        await setMeta(db, RETENTION_KEY, String(options.days));
        const deleted = await dailyAuditPrune(db, options.days, options.lock);
        if (deleted) options.log.info({ deleted, retention_days: options.days }, 'audit log pruned');
      } catch (error) {
        options.log.error({ err: error }, 'audit log prune failed');
      } finally {
        running = null;
      }
    })();
  };
  tick();
  const timer = setInterval(tick, options.everyMs ?? HOUR_MS).unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
