// Which account a login opens: a local one (its password here), or one of the directory (LDAP, or
// the OpenID provider), created at its first login with the role its groups give and given the
// role again at every later login.
import type { Logger } from 'pino';
import { run, sql, transaction, value, type Db } from '../store/db.ts';
import type { DirectoryConfig } from './directory-config.ts';
import { ldapLogin, normaliseDn } from './ldap.ts';
import { AccountError, authenticate, checkUsername, userById, userByName, type Role, type Source, type User } from './users.ts';

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
export async function directoryAccount(db: Db, source: Exclude<Source, 'local'>, externalId: string, username: string, role: Role): Promise<User> {
  const name = checkUsername(username);
  return transaction(db, async (trx) => {
    const now = new Date().toISOString();
    const existing = await value<number>(trx, sql`SELECT id FROM users WHERE source = ${source} AND external_id = ${externalId}`);
    if (existing !== undefined) {
      await run(trx, sql`UPDATE users SET role = ${role}, last_login_at = ${now} WHERE id = ${existing}`);
      return (await userById(trx, existing))!;
    }
    const holder = await userByName(trx, name);
    if (holder) throw new AccountError(`the name ${name} is already the ${holder.source} account ${holder.username}`);
    // The same person's first login on two processes at once: one inserts, the other finds it.
    const id = await value<number>(
      trx,
      sql`INSERT INTO users (username, password_hash, role, must_change_password, created_at, last_login_at, source, external_id)
        VALUES (${name}, ${NO_PASSWORD}, ${role}, 0, ${now}, ${now}, ${source}, ${externalId}) ON CONFLICT DO NOTHING RETURNING id`,
    );
    const made = id ?? (await value<number>(trx, sql`SELECT id FROM users WHERE source = ${source} AND external_id = ${externalId}`));
    if (made === undefined) throw new AccountError(`the name ${name} is already another account's`);
    return (await userById(trx, made))!;
  });
}

/** A directory user no mapped group holds any longer: every session of theirs ends now. */
export async function endDirectorySessions(db: Db, source: Exclude<Source, 'local'>, externalId: string): Promise<void> {
  await run(db, sql`DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE source = ${source} AND external_id = ${externalId})`);
}

/** The sessions of local accounts end when local login is switched off. */
export async function endLocalSessions(db: Db): Promise<number> {
  return run(db, sql`DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE source = 'local')`);
}

/**
 * The login form's name and password: a local account when local login is on and the name is
 * one, else the LDAP directory when there is one. An empty password never succeeds.
 */
export async function passwordLogin(db: Db, config: DirectoryConfig, log: Logger, username: string, password: string): Promise<LoginOutcome> {
  if (password === '' || !username.trim()) return { ok: false, reason: 'failed' };
  const holder = await userByName(db, username);
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
      await endDirectorySessions(db, 'ldap', normaliseDn(result.dn));
      log.warn({ username, dn: result.dn }, 'directory login refused: no mapped group');
    }
    return { ok: false, reason: result.reason === 'no-group' ? 'no-group' : 'failed' };
  }
  try {
    return { ok: true, user: await directoryAccount(db, 'ldap', normaliseDn(result.dn), username, result.role) };
  } catch (error) {
    if (!(error instanceof AccountError)) throw error;
    log.warn({ username, reason: error.message }, 'directory login refused');
    return { ok: false, reason: 'conflict' };
  }
}
