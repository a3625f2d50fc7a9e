// Which account a login opens: a local one (its password here), or one of the directory (LDAP, or
// the OpenID provider), created at its first login with the role its groups give and given the
// role again at every later login.
import type { Logger } from 'pino';
import type { Db } from '../store/db.ts';
import type { DirectoryConfig } from './directory-config.ts';
import { ldapLogin, normaliseDn } from './ldap.ts';
import { AccountError, authenticate, checkUsername, userByName, type Role, type Source, type User } from './users.ts';

export type LoginOutcome =
  | { ok: true; user: User }
  /** failed: wrong name or password; no-group: right password, no role; unavailable: the directory did not answer; conflict: the name is another account's. */
  | { ok: false; reason: 'failed' | 'no-group' | 'unavailable' | 'conflict' };

/** No password matches it: verifyPassword knows only scrypt$... hashes. */
const NO_PASSWORD = '!';

/**
 * The account of a directory user with this role: found by its external id (the DN, or issuer and
 * subject), else created. A name already held by another account (a local one, another source) is
 * not taken over: that is an AccountError.
 */
export function directoryAccount(db: Db, source: Exclude<Source, 'local'>, externalId: string, username: string, role: Role): User {
  const name = checkUsername(username);
  return db.transaction(() => {
    const now = new Date().toISOString();
    const existing = db.prepare('SELECT id FROM users WHERE source = ? AND external_id = ?').get(source, externalId) as { id: number } | undefined;
    if (existing) {
      db.prepare('UPDATE users SET role = ?, last_login_at = ? WHERE id = ?').run(role, now, existing.id);
      return db.prepare('SELECT id, username, role, source, must_change_password, created_at, last_login_at FROM users WHERE id = ?').get(existing.id) as User;
    }
    const holder = userByName(db, name);
    if (holder) throw new AccountError(`the name ${name} is already the ${holder.source} account ${holder.username}`);
    db.prepare('INSERT INTO users (username, password_hash, role, must_change_password, created_at, last_login_at, source, external_id) VALUES (?, ?, ?, 0, ?, ?, ?, ?)').run(
      name,
      NO_PASSWORD,
      role,
      now,
      now,
      source,
      externalId,
    );
    return userByName(db, name)!;
  })();
}

/** A directory user no mapped group holds any longer: every session of theirs ends now. */
export function endDirectorySessions(db: Db, source: Exclude<Source, 'local'>, externalId: string): void {
  db.prepare('DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE source = ? AND external_id = ?)').run(source, externalId);
}

/** The sessions of local accounts end when local login is switched off. */
export function endLocalSessions(db: Db): number {
  return db.prepare("DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE source = 'local')").run().changes;
}

/**
 * The login form's name and password: a local account when local login is on and the name is
 * one, else the LDAP directory when there is one. An empty password never succeeds.
 */
export async function passwordLogin(db: Db, config: DirectoryConfig, log: Logger, username: string, password: string): Promise<LoginOutcome> {
  if (password === '' || !username.trim()) return { ok: false, reason: 'failed' };
  const holder = userByName(db, username);
  if (config.localLogin && (!config.ldap || holder?.source === 'local')) {
    const user = await authenticate(db, username, password);
    return user ? { ok: true, user } : { ok: false, reason: 'failed' };
  }
  if (!config.ldap) return { ok: false, reason: 'failed' };
  // A local account's name is never opened through the directory (nor the other way round).
  if (holder && holder.source !== 'ldap') {
    log.warn({ username }, 'directory login refused: the name is a local account');
    return { ok: false, reason: 'failed' };
  }
  const result = await ldapLogin(config.ldap, username, password);
  if (!result.ok) {
    if (result.reason === 'unavailable') {
      log.error({ username, reason: result.detail }, 'LDAP directory unavailable');
      return { ok: false, reason: 'unavailable' };
    }
    if (result.reason === 'no-group' && result.dn) {
      endDirectorySessions(db, 'ldap', normaliseDn(result.dn));
      log.warn({ username, dn: result.dn }, 'directory login refused: no mapped group');
    }
    return { ok: false, reason: result.reason === 'no-group' ? 'no-group' : 'failed' };
  }
  try {
    return { ok: true, user: directoryAccount(db, 'ldap', normaliseDn(result.dn), username, result.role) };
  } catch (error) {
    if (!(error instanceof AccountError)) throw error;
    log.warn({ username, reason: error.message }, 'directory login refused');
    return { ok: false, reason: 'conflict' };
  }
}
