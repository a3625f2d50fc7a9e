// Local accounts of the web interface: scrypt password hashes, roles admin (changes) and viewer
// (read only), sessions held in an HttpOnly cookie whose hash only is stored.
import { createHash, randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
import { DomainError, type ErrorKey, type ErrorKind, type ErrorParams } from '../errors.ts';
import { BusyError, Limiter } from '../http/limiter.ts';
import { first, rows, run, sql, transaction, value, values, type Db } from '../store/db.ts';
import { lockRowsInOrder } from '../store/dialect.ts';

export { BusyError };

export const ROLES = ['admin', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export const SOURCES = ['local', 'ldap', 'oidc'] as const;
export type Source = (typeof SOURCES)[number];

export interface User {
  id: number;
  username: string;
  role: Role;
  /** Where the account logs in: its local password, the LDAP directory or the OpenID provider. */
  source: Source;
  must_change_password: number;
  created_at: string;
  last_login_at: string | null;
}

/** An account change refused: a DomainError (errors.ts), told apart where a login meets a name already taken. */
export class AccountError extends DomainError {
  constructor(message: string, key: ErrorKey | null = null, params: ErrorParams = {}, kind: ErrorKind = 'invalid') {
    super(kind, message, key, params);
    this.name = 'AccountError';
  }
}

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 } as const;
export const MIN_PASSWORD_LENGTH = 12;
export const SESSION_HOURS = 12;

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/**
 * Whether the password matches the stored hash. The scrypt runs on libuv's thread pool: a login
 * (or a flood of guesses) never stalls the event loop, and at most MAX_HASHING of them run at once.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await hashing.run(
    () =>
      new Promise<Buffer>((resolve, reject) =>
        scrypt(password, Buffer.from(salt, 'base64'), expected.length, { N: Number(n), r: Number(r), p: Number(p), maxmem: 64 * 1024 * 1024 }, (error, key) =>
          error ? reject(error) : resolve(key),
        ),
      ),
  );
  return timingSafeEqual(actual, expected);
}

/** The thread pool has 4 threads by default; the zlib streams of agents' reports need some too. */
const MAX_HASHING = 2;
const hashing = new Limiter(MAX_HASHING, 64);

/** A password for a new account: printed once, to be changed at the first login. */
export function generatePassword(): string {
  return randomBytes(12).toString('base64url');
}

function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH)
    throw new AccountError(`a password needs at least ${MIN_PASSWORD_LENGTH} characters`, 'passwordTooShort', { min: MIN_PASSWORD_LENGTH });
  if (password.length > 1024) throw new AccountError('a password has at most 1024 characters', 'passwordTooLong');
}

export function checkUsername(username: string): string {
  const name = username.trim();
  if (!/^[\p{L}\p{N}._@-]{2,64}$/u.test(name)) throw new AccountError('a user name has 2 to 64 letters, digits or . _ @ -', 'userName');
  return name;
}

export async function createUser(db: Db, username: string, role: Role, password: string, mustChange = false): Promise<number> {
  const name = checkUsername(username);
  if (!ROLES.includes(role)) throw new AccountError(`role must be admin or viewer, not ${role}`, 'role', { role });
  checkPassword(password);
  if (await first(db, sql`SELECT 1 FROM users WHERE ${sameName(name)}`))
    throw new AccountError(`user ${name} already exists`, 'userExists', { name }, 'conflict');
  // The same name added at once by another process: no row, the same answer.
  const id = await value<number>(
    db,
    sql`INSERT INTO users (username, password_hash, role, must_change_password, created_at)
      VALUES (${name}, ${hashPassword(password)}, ${role}, ${mustChange ? 1 : 0}, ${new Date().toISOString()}) ON CONFLICT DO NOTHING RETURNING id`,
  );
  if (id === undefined) throw new AccountError(`user ${name} already exists`, 'userExists', { name }, 'conflict');
  return id;
}

/**
 * A user name compared as SQLite's COLLATE NOCASE column does (ASCII case ignored), written so
 * that PostgreSQL, whose text comparison has no such collation, answers the same.
 */
const sameName = (username: string) => sql`lower(username) = lower(${username.trim()})`;

const USER_COLUMNS = sql.raw('id, username, role, source, must_change_password, created_at, last_login_at');

export async function listUsers(db: Db): Promise<User[]> {
  return rows<User>(db, sql`SELECT ${USER_COLUMNS} FROM users ORDER BY lower(username), username`);
}

export async function userCount(db: Db): Promise<number> {
  return (await value<number>(db, sql`SELECT COUNT(*) FROM users`))!;
}

/**
 * The admins other than `id`, counted once their rows are locked: two processes removing the last
 * two admins at the same instant then take turns, and the second finds no other admin left.
 */
async function adminsBesides(trx: Db, id: number): Promise<number> {
  await lockRowsInOrder(trx, 'users', await values<number>(trx, sql`SELECT id FROM users WHERE role = 'admin'`));
  return (await value<number>(trx, sql`SELECT COUNT(*) FROM users WHERE role = 'admin' AND id != ${id}`))!;
}

export async function userByName(db: Db, username: string): Promise<User | undefined> {
  return first<User>(db, sql`SELECT ${USER_COLUMNS} FROM users WHERE ${sameName(username)}`);
}

export async function userById(db: Db, id: number): Promise<User | undefined> {
  return first<User>(db, sql`SELECT ${USER_COLUMNS} FROM users WHERE id = ${id}`);
}

export async function removeUser(db: Db, username: string): Promise<void> {
  await transaction(db, async (trx) => {
    const user = await userByName(trx, username);
    if (!user) throw new AccountError(`no user ${username}`, 'noUser', { name: username }, 'not_found');
    if (user.role === 'admin' && (await adminsBesides(trx, user.id)) === 0)
      throw new AccountError('the last admin cannot be removed', 'lastAdminRemoved', {}, 'conflict');
    await run(trx, sql`DELETE FROM users WHERE id = ${user.id}`);
  });
}

export async function setRole(db: Db, username: string, role: Role): Promise<void> {
  await transaction(db, async (trx) => {
    const user = await userByName(trx, username);
    if (!user) throw new AccountError(`no user ${username}`, 'noUser', { name: username }, 'not_found');
    if (!ROLES.includes(role)) throw new AccountError(`role must be admin or viewer, not ${role}`, 'role', { role });
    if (user.role === 'admin' && role !== 'admin' && (await adminsBesides(trx, user.id)) === 0)
      throw new AccountError('the last admin cannot lose that role', 'lastAdminRole', {}, 'conflict');
    await run(trx, sql`UPDATE users SET role = ${role} WHERE id = ${user.id}`);
  });
}

/** Set a password; every session of the user ends (a changed password logs out elsewhere). */
export async function setPassword(db: Db, username: string, password: string, mustChange = false): Promise<void> {
  const user = await userByName(db, username);
  if (!user) throw new AccountError(`no user ${username}`, 'noUser', { name: username }, 'not_found');
  if (user.source !== 'local')
    throw new AccountError(`${user.username} logs in through the directory (${user.source}): it has no local password`, 'directoryPassword', {
      name: user.username,
      source: user.source,
    });
  checkPassword(password);
  const hash = hashPassword(password);
  await transaction(db, async (trx) => {
    await run(trx, sql`UPDATE users SET password_hash = ${hash}, must_change_password = ${mustChange ? 1 : 0} WHERE id = ${user.id}`);
    await run(trx, sql`DELETE FROM sessions WHERE user_id = ${user.id}`);
  });
}

/** The stored password hash of an account (to check its current password before a change). */
export async function passwordHashOf(db: Db, id: number): Promise<string | undefined> {
  return value<string>(db, sql`SELECT password_hash FROM users WHERE id = ${id}`);
}

/** The user whose name and password these are, or null (the same time is spent either way). */
export async function authenticate(db: Db, username: string, password: string): Promise<User | null> {
  // A directory's account has no local password (its hash is '!', which matches nothing).
  const hash = await value<string>(db, sql`SELECT password_hash FROM users WHERE ${sameName(username)} AND source = 'local'`);
  // An unknown name still costs a hash: the answer time does not tell which names exist.
  const ok = await verifyPassword(password, hash ?? 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=');
  if (hash === undefined || !ok) return null;
  await run(db, sql`UPDATE users SET last_login_at = ${new Date().toISOString()} WHERE ${sameName(username)}`);
  return (await userByName(db, username))!;
}

const sha = (value: string) => createHash('sha256').update(value).digest('hex');

export interface Session {
  user: User;
  csrf: string;
}

/** A new session; `idToken`: the OpenID provider's ID token, for the logout at the provider. */
export async function createSession(db: Db, userId: number, idToken: string | null = null): Promise<{ cookie: string; csrf: string }> {
  const cookie = randomBytes(32).toString('base64url');
  const csrf = randomBytes(24).toString('base64url');
  const now = new Date();
  await run(db, sql`DELETE FROM sessions WHERE expires_at < ${now.toISOString()}`);
  await run(
    db,
    sql`INSERT INTO sessions (id_hash, user_id, csrf, created_at, expires_at, id_token)
      VALUES (${sha(cookie)}, ${userId}, ${csrf}, ${now.toISOString()}, ${new Date(now.getTime() + SESSION_HOURS * 3_600_000).toISOString()}, ${idToken})`,
  );
  return { cookie, csrf };
}

export async function sessionOf(db: Db, cookie: string | undefined): Promise<Session | null> {
  if (!cookie || cookie.length > 100) return null;
  const row = await first<User & { csrf: string }>(
    db,
    sql`SELECT s.csrf, u.id, u.username, u.role, u.source, u.must_change_password, u.created_at, u.last_login_at FROM sessions s
      JOIN users u ON u.id = s.user_id WHERE s.id_hash = ${sha(cookie)} AND s.expires_at > ${new Date().toISOString()}`,
  );
  if (!row) return null;
  const { csrf, ...user } = row;
  return { user, csrf };
}

/** The OpenID provider's ID token of a session opened through it, or null. */
export async function sessionIdToken(db: Db, cookie: string | undefined): Promise<string | null> {
  if (!cookie || cookie.length > 100) return null;
  return (await value<string | null>(db, sql`SELECT id_token FROM sessions WHERE id_hash = ${sha(cookie)}`)) ?? null;
}

export async function endSession(db: Db, cookie: string | undefined): Promise<void> {
  if (cookie) await run(db, sql`DELETE FROM sessions WHERE id_hash = ${sha(cookie)}`);
}

/**
 * The first start of a collector with no account: an admin with a generated password, printed
 * once by the caller and to be changed at the first login.
 */
export async function ensureFirstAdmin(db: Db): Promise<{ username: string; password: string } | null> {
  if ((await userCount(db)) > 0) return null;
  const password = generatePassword();
  await createUser(db, 'admin', 'admin', password, true);
  return { username: 'admin', password };
}
