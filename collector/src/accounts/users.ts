// Local accounts of the web interface: scrypt password hashes, roles admin (changes) and viewer
// (read only), sessions held in an HttpOnly cookie whose hash only is stored.
import { createHash, randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
import { BusyError, Limiter } from '../http/limiter.ts';
import type { Db } from '../store/db.ts';

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

export class AccountError extends Error {}

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
  if (password.length < MIN_PASSWORD_LENGTH) throw new AccountError(`a password needs at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.length > 1024) throw new AccountError('a password has at most 1024 characters');
}

export function checkUsername(username: string): string {
  const name = username.trim();
  if (!/^[\p{L}\p{N}._@-]{2,64}$/u.test(name)) throw new AccountError('a user name has 2 to 64 letters, digits or . _ @ -');
  return name;
}

export function createUser(db: Db, username: string, role: Role, password: string, mustChange = false): number {
  const name = checkUsername(username);
  if (!ROLES.includes(role)) throw new AccountError(`role must be admin or viewer, not ${role}`);
  checkPassword(password);
  if (db.prepare('SELECT 1 FROM users WHERE username = ?').get(name)) throw new AccountError(`user ${name} already exists`);
  return Number(
    db
      .prepare('INSERT INTO users (username, password_hash, role, must_change_password, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(name, hashPassword(password), role, mustChange ? 1 : 0, new Date().toISOString()).lastInsertRowid,
  );
}

export function listUsers(db: Db): User[] {
  return db.prepare('SELECT id, username, role, source, must_change_password, created_at, last_login_at FROM users ORDER BY username').all() as User[];
}

export function userCount(db: Db): number {
  return db.prepare('SELECT COUNT(*) FROM users').pluck().get() as number;
}

function adminsBesides(db: Db, id: number): number {
  return db.prepare("SELECT COUNT(*) FROM users WHERE role = 'admin' AND id != ?").pluck().get(id) as number;
}

export function userByName(db: Db, username: string): User | undefined {
  return db.prepare('SELECT id, username, role, source, must_change_password, created_at, last_login_at FROM users WHERE username = ?').get(username.trim()) as User | undefined;
}

export function removeUser(db: Db, username: string): void {
  const user = userByName(db, username);
  if (!user) throw new AccountError(`no user ${username}`);
  if (user.role === 'admin' && adminsBesides(db, user.id) === 0) throw new AccountError('the last admin cannot be removed');
  db.prepare('DELETE FROM users WHERE id = ?').run(user.id);
}

export function setRole(db: Db, username: string, role: Role): void {
  const user = userByName(db, username);
  if (!user) throw new AccountError(`no user ${username}`);
  if (!ROLES.includes(role)) throw new AccountError(`role must be admin or viewer, not ${role}`);
  if (user.role === 'admin' && role !== 'admin' && adminsBesides(db, user.id) === 0) throw new AccountError('the last admin cannot lose that role');
  db.prepare('UPDATE users SET role = ? WHERE id = ?').run(role, user.id);
}

/** Set a password; every session of the user ends (a changed password logs out elsewhere). */
export function setPassword(db: Db, username: string, password: string, mustChange = false): void {
  const user = userByName(db, username);
  if (!user) throw new AccountError(`no user ${username}`);
  if (user.source !== 'local') throw new AccountError(`${user.username} logs in through the directory (${user.source}): it has no local password`);
  checkPassword(password);
  db.transaction(() => {
    db.prepare('UPDATE users SET password_hash = ?, must_change_password = ? WHERE id = ?').run(hashPassword(password), mustChange ? 1 : 0, user.id);
    db.prepare('DELETE FROM sessions WHERE user_id = ?').run(user.id);
  })();
}

/** The user whose name and password these are, or null (the same time is spent either way). */
export async function authenticate(db: Db, username: string, password: string): Promise<User | null> {
  // A directory's account has no local password (its hash is '!', which matches nothing).
  const row = db.prepare("SELECT password_hash FROM users WHERE username = ? AND source = 'local'").get(username.trim()) as { password_hash: string } | undefined;
  // An unknown name still costs a hash: the answer time does not tell which names exist.
  const ok = await verifyPassword(password, row?.password_hash ?? 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=');
  if (!row || !ok) return null;
  db.prepare('UPDATE users SET last_login_at = ? WHERE username = ?').run(new Date().toISOString(), username.trim());
  return userByName(db, username)!;
}

const sha = (value: string) => createHash('sha256').update(value).digest('hex');

export interface Session {
  user: User;
  csrf: string;
}

export function createSession(db: Db, userId: number): { cookie: string; csrf: string } {
  const cookie = randomBytes(32).toString('base64url');
  const csrf = randomBytes(24).toString('base64url');
  const now = new Date();
  db.prepare('DELETE FROM sessions WHERE expires_at < ?').run(now.toISOString());
  db.prepare('INSERT INTO sessions (id_hash, user_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)').run(
    sha(cookie),
    userId,
    csrf,
    now.toISOString(),
    new Date(now.getTime() + SESSION_HOURS * 3_600_000).toISOString(),
  );
  return { cookie, csrf };
}

export function sessionOf(db: Db, cookie: string | undefined): Session | null {
  if (!cookie || cookie.length > 100) return null;
  const row = db
    .prepare(`SELECT s.csrf, u.id, u.username, u.role, u.source, u.must_change_password, u.created_at, u.last_login_at FROM sessions s
      JOIN users u ON u.id = s.user_id WHERE s.id_hash = ? AND s.expires_at > ?`)
    .get(sha(cookie), new Date().toISOString()) as (User & { csrf: string }) | undefined;
  if (!row) return null;
  const { csrf, ...user } = row;
  return { user, csrf };
}

export function endSession(db: Db, cookie: string | undefined): void {
  if (cookie) db.prepare('DELETE FROM sessions WHERE id_hash = ?').run(sha(cookie));
}

/**
 * The first start of a collector with no account: an admin with a generated password, printed
 * once by the caller and to be changed at the first login.
 */
export function ensureFirstAdmin(db: Db): { username: string; password: string } | null {
  if (userCount(db) > 0) return null;
  const password = generatePassword();
  createUser(db, 'admin', 'admin', password, true);
  return { username: 'admin', password };
}
