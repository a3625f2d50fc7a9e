// Sessions, CSRF and login rate limiting for the web interface and the JSON API. Agents use their
// own credentials on their own endpoints; everything else needs a logged-in user, and every change
// an admin with the session's CSRF token.
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { sessionOf, type Session } from '../accounts/users.ts';
import type { Db } from '../store/db.ts';

export const SESSION_COOKIE = 'tb_session';

/** Paths served without a session: health, login, static assets, and the agents' endpoints. */
const PUBLIC = [/^\/healthz$/, /^\/login$/, /^\/favicon\.ico$/, /^\/assets\//, /^\/api\/v1\/enrol$/, /^\/api\/v1\/inventories(\/unchanged)?$/, /^\/ocsinventory\/?$/, /^\/glpi\/?$/];

export type AuthVariables = { session: Session | null };

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
    const session = sessionOf(db, getCookie(c, SESSION_COOKIE));
    c.set('session', session);
    if (PUBLIC.some((p) => p.test(path))) return next();
    if (!session) {
      if (path.startsWith('/api/') || c.req.method !== 'GET') return c.json({ error: 'login required' }, 401);
      const back = path + (new URL(c.req.url).search || '');
      return c.redirect(`/login?next=${encodeURIComponent(back)}`, 302);
    }
    // A generated password is changed before anything else.
    if (session.user.must_change_password && path !== '/account/password' && path !== '/logout') {
      if (path.startsWith('/api/')) return c.json({ error: 'the password must be changed first (/account/password)' }, 403);
      return c.redirect('/account/password', 302);
    }
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      // The role first: a viewer's body is never read (the CSRF field would be read from it).
      const adminOnly = path !== '/logout' && path !== '/account/password';
      if (adminOnly && session.user.role !== 'admin') return c.text('Lecture seule : action réservée aux administrateurs / read only: admins only', 403, { Connection: 'close' });
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

/** Failed logins per address and per user name in a sliding window: the 11th in 15 minutes waits. */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();
  constructor(
    private readonly max = 10,
    private readonly windowMs = 15 * 60_000,
  ) {}
  private recent(key: string, now: number): number[] {
    const list = (this.failures.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (list.length) this.failures.set(key, list);
    else this.failures.delete(key);
    return list;
  }
  /** Seconds to wait before another attempt, or 0. */
  retryAfter(keys: string[], now = Date.now()): number {
    let wait = 0;
    for (const key of keys) {
      const list = this.recent(key, now);
      if (list.length >= this.max) wait = Math.max(wait, Math.ceil((list[0]! + this.windowMs - now) / 1000));
    }
    return wait;
  }
  fail(keys: string[], now = Date.now()): void {
    for (const key of keys) this.failures.set(key, [...this.recent(key, now), now]);
    if (this.failures.size > 100_000) this.failures.clear();
  }
  succeed(keys: string[]): void {
    for (const key of keys) this.failures.delete(key);
  }
}
