// Sessions, API tokens, CSRF and login rate limiting for the web interface and the JSON API. Agents
// use their own credentials on their own endpoints; everything else needs a logged-in user (or, on
// the JSON API, an API token), and every change an admin: with the session's CSRF token, or with an
// admin API token (sent by a script, never by a browser on its own, so no CSRF token is needed).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { checkApiToken, type ApiTokenIdentity } from '../accounts/api-tokens.ts';
import { sessionOf, type Session } from '../accounts/users.ts';
import { getMeta, rows, run, sql, type Db } from '../store/db.ts';

export const SESSION_COOKIE = 'tb_session';

/** Paths served without a session: health, login, static assets, the API's description, the agents' endpoints, and the observatory's (authorities' tokens). */
const PUBLIC = [
  /^\/healthz$/,
  /^\/login$/,
  /^\/login\/oidc(\/callback)?$/,
  /^\/favicon\.ico$/,
  /^\/assets\//,
  /^\/api\/v1\/enrol$/,
  /^\/api\/v1\/openapi\.json$/,
  /^\/api\/v1\/inventories(\/unchanged)?$/,
  /^\/ocsinventory\/?$/,
  /^\/glpi\/?$/,
  /^\/api\/v1\/observatory\/documents$/,
];

/** The JSON API and the Prometheus metrics, where an API token may stand for a session. */
const TOKEN_API = /^\/(api\/v1\/|metrics$)/;

/** Who makes the request: a logged-in user (session) or an API token (apiToken), at most one of them. */
export type AuthVariables = { session: Session | null; apiToken?: ApiTokenIdentity | null };

/** The credential of an `Authorization: Bearer ...` header, or null. */
export function bearer(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1] ?? null;
}

/** Whom a change is recorded as: the user's name, or the API token's. */
export function actorOf(c: Context<{ Variables: AuthVariables }>): string {
  const token = c.get('apiToken');
  return c.get('session')?.user.username ?? (token ? `api-token:${token.name}` : 'api');
}

const changes = (method: string) => method !== 'GET' && method !== 'HEAD';

export function isSecure(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';
}

export function setSessionCookie(c: Context, value: string): void {
  setCookie(c, SESSION_COOKIE, value, { httpOnly: true, sameSite: 'Strict', secure: isSecure(c), path: '/', maxAge: 12 * 3600 });
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure: isSecure(c) });
}

/** Load the session; refuse what needs one (a page goes to the login form, the API gets a 401). */
export function requireLogin(db: Db): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async (c, next) => {
    const path = c.req.path;
    const session = await sessionOf(db, getCookie(c, SESSION_COOKIE));
    c.set('session', session);
    if (PUBLIC.some((p) => p.test(path))) return next();
    const authorization = c.req.header('authorization');
    if (authorization !== undefined && TOKEN_API.test(path)) {
      // An API token stands for the request alone, whatever session cookie came with it.
      c.set('session', null);
      const refuse = (error: string) => c.json({ error }, 401, { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
      const presented = bearer(authorization);
      if (!presented) return refuse('the Authorization header must be "Bearer " followed by an API token');
      const check = await checkApiToken(db, presented);
      if (!check.ok) return refuse(check.reason);
      if (changes(c.req.method) && check.token.role !== 'admin')
        return c.json({ error: `API token "${check.token.name}" is read-only (viewer): it cannot change anything` }, 403, { Connection: 'close' });
      c.set('apiToken', check.token);
      return next();
    }
    if (!session) {
      if (path.startsWith('/api/') || path === '/metrics' || c.req.method !== 'GET') return c.json({ error: 'login required' }, 401);
      const back = path + (new URL(c.req.url).search || '');
      return c.redirect(`/login?next=${encodeURIComponent(back)}`, 302);
    }
    // A generated password is changed before anything else.
    if (session.user.must_change_password && path !== '/account/password' && path !== '/logout') {
      if (path.startsWith('/api/')) return c.json({ error: 'the password must be changed first (/account/password)' }, 403);
      return c.redirect('/account/password', 302);
    }
    if (changes(c.req.method)) {
      // The role first: a viewer's body is never read (the CSRF field would be read from it).
      const adminOnly = path !== '/logout' && path !== '/account/password';
      if (adminOnly && session.user.role !== 'admin')
        return c.text('Lecture seule : action réservée aux administrateurs / read only: admins only', 403, { Connection: 'close' });
      // Every change carries the session's CSRF token, as a form field or a header.
      const header = c.req.header('x-csrf-token');
      let token = header ?? null;
      if (!token) {
        const type = c.req.header('content-type') ?? '';
        if (type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data')) {
          const form = await c.req.parseBody();
          token = typeof form._csrf === 'string' ? form._csrf : null;
        }
      }
      if (token !== session.csrf) return c.text('Jeton CSRF invalide ou absent / invalid or missing CSRF token', 403);
    }
    return next();
  };
}

/**
 * The address a request really comes from: the socket's peer, or, when that peer is one of the
 * trusted proxies (serve --trust-proxy), the last address of X-Forwarded-For that is not one of
 * them (each proxy appends the address it received from; anything left of that is the client's say).
 */
export function clientAddress(c: Context, trusted: BlockList | null): string {
  const peer = normaliseAddress((c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket?.remoteAddress ?? 'local');
  if (!trusted || !isTrusted(trusted, peer)) return peer;
  const forwarded = (c.req.header('x-forwarded-for') ?? '')
    .split(',')
    .map((a) => normaliseAddress(a.trim()))
    .filter(Boolean);
  for (let i = forwarded.length - 1; i >= 0; i--) if (!isTrusted(trusted, forwarded[i]!)) return forwarded[i]!;
  return forwarded[0] ?? peer;
}

/** An IPv4 address as IPv4 even when it came mapped into IPv6. */
function normaliseAddress(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** Whether the address (IPv4 mapped into IPv6 or not) is one of the list's. */
export function isTrusted(list: BlockList, address: string): boolean {
  address = normaliseAddress(address);
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** The --trust-proxy list: addresses or CIDR ranges, comma separated; null when there is none. */
export function parseTrustedProxies(values: string[]): BlockList | null {
  const entries = values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  if (!entries.length) return null;
  const list = new BlockList();
  for (const entry of entries) {
    const [address, bits, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const prefix = bits === undefined ? null : Number(bits);
    if (!family || extra !== undefined || (prefix !== null && (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128))))
      throw new TypeError(`not an IP address or CIDR range: ${entry}`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefix === null) list.addAddress(address!, type);
    else list.addSubnet(address!, prefix, type);
  }
  return list;
}

/**
 * Failed logins, per address and per account: a few are free, then each further attempt waits a
 * delay that doubles with every failure, up to a cap. The address's cap is long (15 minutes: a
 * guesser behind one address gets ~100 guesses a day). The account's is short (a minute), so that
 * guessing one password from many addresses stays slow while nobody can lock a known account out:
 * at worst its owner waits a minute, and not at all from a browser where they logged in before
 * (LoginLimiter.deviceFor / knownDevice). Kept in the database (login_failures, and the device
 * cookies' key in meta): every collector process on it counts the same failures.
 */
export class LoginLimiter {
  private deviceKey: Promise<Buffer> | null = null;
  constructor(
    private readonly db: Db,
    private readonly free = 5,
    private readonly caps = { address: 15 * 60, account: 60 },
    private readonly forgetAfterMs = 24 * 3_600_000,
  ) {}

  private static keys(address: string, account: string | null): string[] {
    return account === null ? [`address:${address}`] : [`address:${address}`, `account:${account}`];
  }

  /** Seconds to wait before the next attempt of this address on this account, or 0. */
  async retryAfter(address: string, account: string | null, now = Date.now()): Promise<number> {
    const found = await rows<{ key: string; failures: number; last_failure_at: string }>(
      this.db,
      sql`SELECT key, failures, last_failure_at FROM login_failures WHERE key IN (${sql.join(LoginLimiter.keys(address, account))})`,
    );
    let wait = 0;
    for (const entry of found) {
      const last = Date.parse(entry.last_failure_at);
      if (now - last > this.forgetAfterMs || entry.failures < this.free) continue;
      const cap = entry.key.startsWith('account:') ? this.caps.account : this.caps.address;
      const delay = Math.min(cap, 2 ** (entry.failures - this.free)) * 1000;
      wait = Math.max(wait, Math.ceil((last + delay - now) / 1000));
    }
    return wait;
  }

  async fail(address: string, account: string | null, now = Date.now()): Promise<void> {
    const at = new Date(now).toISOString();
    const forgotten = new Date(now - this.forgetAfterMs).toISOString();
    // One statement per key: failures counted by two processes at once both count.
    for (const key of LoginLimiter.keys(address, account))
      await run(
        this.db,
        sql`INSERT INTO login_failures (key, failures, last_failure_at) VALUES (${key}, 1, ${at})
          ON CONFLICT (key) DO UPDATE SET failures = CASE WHEN login_failures.last_failure_at < ${forgotten} THEN 1 ELSE login_failures.failures + 1 END,
          last_failure_at = excluded.last_failure_at`,
      );
    await run(this.db, sql`DELETE FROM login_failures WHERE last_failure_at < ${forgotten}`);
  }

  async succeed(address: string, account: string): Promise<void> {
    await run(this.db, sql`DELETE FROM login_failures WHERE key IN (${sql.join(LoginLimiter.keys(address, account))})`);
  }

  /** A value for the browser's device cookie: it has logged in as this account (signed, nothing stored). */
  async deviceFor(account: string): Promise<string> {
    const nonce = randomBytes(12).toString('base64url');
    return `${Buffer.from(account).toString('base64url')}.${nonce}.${await this.sign(account, nonce)}`;
  }

  /** Whether the device cookie says this browser logged in as this account before. */
  async knownDevice(cookie: string | undefined, account: string): Promise<boolean> {
    const [name, nonce, mac] = (cookie ?? '').split('.');
    if (!name || !nonce || !mac || Buffer.from(name, 'base64url').toString() !== account) return false;
    const expected = Buffer.from(await this.sign(account, nonce));
    return expected.length === mac.length && timingSafeEqual(expected, Buffer.from(mac));
  }

  private async sign(account: string, nonce: string): Promise<string> {
    this.deviceKey ??= sharedSecret(this.db, 'login_device_key').catch((error: unknown) => {
      this.deviceKey = null;
      throw error;
    });
    return createHmac('sha256', await this.deviceKey)
      .update(`${account}\0${nonce}`)
      .digest('base64url');
  }
}

/**
 * A random key kept in meta under `name`, made by whichever process needs it first: every process
 * on the database signs and checks with the same one. It never changes once written.
 */
export async function sharedSecret(db: Db, name: string): Promise<Buffer> {
  await run(db, sql`INSERT INTO meta (key, value) VALUES (${name}, ${randomBytes(32).toString('base64')}) ON CONFLICT (key) DO NOTHING`);
  return Buffer.from((await getMeta(db, name))!, 'base64');
}
