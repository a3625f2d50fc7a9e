// API tokens: named credentials for scripts and other tools (GLPI, a BI tool, a spreadsheet) on the
// JSON API, each with a role (viewer reads, admin changes too) and an optional expiry. Shown once at
// creation and stored only as a SHA-256 hash, as enrolment tokens are.
import { formatTable, minute } from '../exports/terminal.ts';
import { randomBytes } from 'node:crypto';
import { hashToken } from '../store/tokens.ts';
import { first, rows, run, sql, value, type Db } from '../store/db.ts';
import { AccountError, ROLES, type Role } from './users.ts';

/** Every API token starts so: it is told apart from agents' credentials (tba_) and enrolment tokens (tbk). */
export const API_TOKEN_PREFIX = 'tbt_';
export const MAX_API_TOKEN_DAYS = 3650;

export interface ApiTokenRow {
  id: number;
  name: string;
  role: Role;
  created_at: string;
  created_by: string | null;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

/** The token a request presented, once checked. */
export interface ApiTokenIdentity {
  id: number;
  name: string;
  role: Role;
}

export interface ApiTokenOptions {
  name: string;
  role: Role;
  /** Days of validity from now; none: valid until revoked. */
  expiresInDays?: number | null;
  createdBy?: string | null;
}

/** The options as a user typed them, checked (AccountError with the reason otherwise). */
function checkOptions(options: ApiTokenOptions): { name: string; role: Role; days: number | null } {
  const name = options.name.trim();
  if (!name || name.length > 100 || /\p{Cc}/u.test(name)) throw new AccountError('a token name has 1 to 100 characters, no control characters', 'tokenName');
  if (!ROLES.includes(options.role)) throw new AccountError(`a token's role is admin or viewer, not ${options.role}`, 'role', { role: options.role });
  const days = options.expiresInDays ?? null;
  if (days !== null && (!Number.isInteger(days) || days < 1 || days > MAX_API_TOKEN_DAYS))
    throw new AccountError(`a token's expiry is a whole number of days from 1 to ${MAX_API_TOKEN_DAYS}, not ${days}`, 'tokenExpiry', {
      max: MAX_API_TOKEN_DAYS,
      days,
    });
  return { name, role: options.role, days };
}

export async function createApiToken(db: Db, options: ApiTokenOptions, now = new Date()): Promise<{ id: number; token: string; expires_at: string | null }> {
  const { name, role, days } = checkOptions(options);
  const token = `${API_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const expiresAt = days === null ? null : new Date(now.getTime() + days * 86_400_000).toISOString();
  const id = await value<number>(
    db,
    sql`INSERT INTO api_tokens (name, role, token_hash, created_at, created_by, expires_at)
      VALUES (${name}, ${role}, ${hashToken(token)}, ${now.toISOString()}, ${options.createdBy ?? null}, ${expiresAt}) RETURNING id`,
  );
  return { id: id!, token, expires_at: expiresAt };
}

export async function listApiTokens(db: Db): Promise<ApiTokenRow[]> {
  return rows<ApiTokenRow>(db, sql`SELECT id, name, role, created_at, created_by, expires_at, revoked_at, last_used_at FROM api_tokens ORDER BY id`);
}

export async function revokeApiToken(db: Db, id: number, now = new Date()): Promise<boolean> {
  return (await run(db, sql`UPDATE api_tokens SET revoked_at = ${now.toISOString()} WHERE id = ${id} AND revoked_at IS NULL`)) > 0;
}

export type ApiTokenCheck = { ok: true; token: ApiTokenIdentity } | { ok: false; reason: string };

/** Whether a presented token is in force now; its last use is recorded (to the minute, not on every read). */
export async function checkApiToken(db: Db, presented: string, now = new Date()): Promise<ApiTokenCheck> {
  if (!presented.startsWith(API_TOKEN_PREFIX) || presented.length > 200) return { ok: false, reason: 'unknown API token' };
  const row = await first<Pick<ApiTokenRow, 'id' | 'name' | 'role' | 'expires_at' | 'revoked_at' | 'last_used_at'>>(
    db,
    sql`SELECT id, name, role, expires_at, revoked_at, last_used_at FROM api_tokens WHERE token_hash = ${hashToken(presented)}`,
  );
  if (!row) return { ok: false, reason: 'unknown API token' };
  if (row.revoked_at) return { ok: false, reason: `API token "${row.name}" was revoked on ${row.revoked_at}` };
  const at = now.toISOString();
  if (row.expires_at && row.expires_at <= at) return { ok: false, reason: `API token "${row.name}" expired on ${row.expires_at}` };
  if (!row.last_used_at || row.last_used_at.slice(0, 16) !== at.slice(0, 16))
    await run(db, sql`UPDATE api_tokens SET last_used_at = ${at} WHERE id = ${row.id}`);
  return { ok: true, token: { id: row.id, name: row.name, role: row.role } };
}

/** The tokens as a table for a terminal: one line each, its state in words. */
export function formatApiTokens(rows: ApiTokenRow[], now = new Date()): string {
  if (!rows.length) return "no API tokens (create one with 'api-token create --name NAME --role viewer|admin')\n";
  const state = (r: ApiTokenRow) => (r.revoked_at ? 'revoked' : r.expires_at && r.expires_at <= now.toISOString() ? 'expired' : 'active');
  return formatTable(
    ['ID', 'NAME', 'ROLE', 'STATE', 'CREATED', 'EXPIRES', 'LAST USED'],
    rows.map((r) => [String(r.id), r.name, r.role, state(r), minute(r.created_at), r.expires_at ? minute(r.expires_at) : 'never', minute(r.last_used_at)]),
  );
}
