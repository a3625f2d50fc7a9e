/** @jsxImportSource hono/jsx */
// Logging in and out, one's own password, the language switch. The login form is protected by a
// double-submit cookie (login CSRF) and by the failed logins' limiter (http/auth.ts).
import { randomBytes } from 'node:crypto';
import { getCookie, setCookie } from 'hono/cookie';
import { recordAudit } from '../../accounts/audit.ts';
import { effectiveDirectory } from '../../accounts/local-login.ts';
import { passwordLogin } from '../../accounts/login.ts';
import { createSession, endSession, passwordHashOf, setPassword, verifyPassword } from '../../accounts/users.ts';
import { domainErrorOf } from '../../errors.ts';
import { clearSessionCookie, clientAddress, isSecure, LoginLimiter, SESSION_COOKIE, setSessionCookie } from '../../http/auth.ts';
import { LANG_COOKIE } from '../layout.tsx';
import { LoginPage, loginMethods, PasswordPage } from '../pages.tsx';
import { feature, type Ctx, type UiContext } from './context.ts';
import { errorText } from './forms.ts';

const LOGIN_CSRF_COOKIE = 'tb_login_csrf';
/** Signed proof that this browser logged in as an account before (see LoginLimiter). */
const DEVICE_COOKIE = 'tb_device';

/**
 * Only a path of this site: never an open redirect. Browsers drop tabs and line breaks from a URL
 * (so `/\t/evil.example` is `//evil.example`) and read a backslash as a slash; a control character
 * would also break the Location header. A path as this site writes it is printable ASCII, percent-encoded.
 */
export function safeNext(next: string | undefined): string {
  return next && /^\/(?![/\\])[!-[\]-~]*$/.test(next) ? next : '/';
}

export function authRoutes(ui: UiContext) {
  const { app, ctxOf, audit, submit } = feature(ui);
  const { db } = ui;
  const limiter = new LoginLimiter(db);

  app.get('/lang/:lang', (c) => {
    const lang = c.req.param('lang') === 'en' ? 'en' : 'fr';
    setCookie(c, LANG_COOKIE, lang, { path: '/', sameSite: 'Lax', maxAge: 365 * 86400, secure: isSecure(c) });
    return c.redirect(safeNext(c.req.query('next')), 302);
  });

  const loginPage = async (c: Ctx, status: 200 | 401 | 403 | 409 | 429 | 503, error?: string, next = c.req.query('next')) => {
    // Reuse the visitor's login token: a second tab or a background request (the browser's own
    // favicon fetch) must not invalidate the form already on screen.
    const existing = getCookie(c, LOGIN_CSRF_COOKIE);
    const csrf = existing && /^[A-Za-z0-9_-]{24}$/.test(existing) ? existing : randomBytes(18).toString('base64url');
    setCookie(c, LOGIN_CSRF_COOKIE, csrf, { httpOnly: true, sameSite: 'Strict', path: '/login', secure: isSecure(c) });
    const methods = loginMethods(await effectiveDirectory(db, ui.directory));
    return c.html(<LoginPage ctx={{ ...ctxOf(c), session: null }} next={safeNext(next ?? undefined)} csrf={csrf} error={error} methods={methods} />, status);
  };
  app.get('/login', (c) => loginPage(c, 200));
  app.post('/login', async (c) => {
    const form = await c.req.parseBody();
    const t = ctxOf(c).t;
    const cookie = getCookie(c, LOGIN_CSRF_COOKIE);
    if (!cookie || form._csrf !== cookie) return c.text(t.login.badCsrf, 403);
    const username = String(form.username ?? '').slice(0, 64);
    const password = String(form.password ?? '').slice(0, 1024);
    const next = String(form.next ?? '/');
    const ip = clientAddress(c, ui.trustProxy ?? null);
    const account = username.trim().toLowerCase();
    // A browser where this account logged in before is not held back by others' failures on it.
    const known = await limiter.knownDevice(getCookie(c, DEVICE_COOKIE), account);
    const wait = await limiter.retryAfter(ip, known ? null : account);
    if (wait) {
      c.header('Retry-After', String(wait));
      return loginPage(c, 429, t.login.tooMany.replace('{s}', String(wait)), next);
    }
    let outcome: Awaited<ReturnType<typeof passwordLogin>>;
    try {
      outcome = await passwordLogin(db, await effectiveDirectory(db, ui.directory), ui.log, username, password);
    } catch (error) {
      // Too many password hashes at once: come back in a moment, no failure counted.
      const refused = domainErrorOf(error);
      if (refused?.kind !== 'busy') throw error;
      c.header('Retry-After', '5');
      return loginPage(c, 429, errorText(ctxOf(c).lang, refused), next);
    }
    if (!outcome.ok) {
      // A directory that does not answer is not the user's failure; the rest counts against them.
      if (outcome.reason !== 'unavailable') await limiter.fail(ip, account);
      if (outcome.reason === 'failed') ui.log.warn({ username, ip }, 'failed login');
      const [status, message] = {
        failed: [401, t.login.failed],
        'no-group': [403, t.directory.noGroup],
        conflict: [409, t.directory.conflict],
        unavailable: [503, t.directory.unavailable],
      }[outcome.reason] as [401 | 403 | 409 | 503, string];
      return loginPage(c, status, message, next);
    }
    const user = outcome.user;
    await limiter.succeed(ip, account);
    const session = await createSession(db, user.id);
    await recordAudit(db, { actor: { kind: 'user', name: user.username, ip }, action: 'session.login' });
    setSessionCookie(c, session.cookie);
    setCookie(c, DEVICE_COOKIE, await limiter.deviceFor(account), {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/login',
      secure: isSecure(c),
      maxAge: 180 * 86400,
    });
    ui.log.info({ username: user.username, ip }, 'login');
    return c.redirect(user.must_change_password ? '/account/password' : safeNext(next), 302);
  });
  app.post('/logout', async (c) => {
    await endSession(db, getCookie(c, SESSION_COOKIE));
    clearSessionCookie(c);
    return c.redirect('/login', 302);
  });

  app.get('/account/password', (c) => c.html(<PasswordPage ctx={ctxOf(c)} />));
  app.post('/account/password', async (c) => {
    const form = await c.req.parseBody();
    const ctx = ctxOf(c);
    const user = ctx.session!.user;
    const refuse = (error: string, status: 400 | 403 | 404 | 409 | 503 = 400) => c.html(<PasswordPage ctx={ctx} error={error} />, status);
    if (!(await verifyPassword(String(form.current ?? ''), (await passwordHashOf(db, user.id)) ?? ''))) return refuse(ctx.t.password.wrong);
    if (form.password !== form.confirm) return refuse(ctx.t.password.mismatch);
    return submit(
      c,
      async () => {
        await audit(
          c,
          (trx) => setPassword(trx, user.username, String(form.password ?? '')),
          () => ({ action: 'user.password', object: user.username, details: 'own password' }),
        );
        // Every session ended with the change: a new one for this browser.
        setSessionCookie(c, (await createSession(db, user.id)).cookie);
        return c.redirect('/', 302);
      },
      (refusal) => refuse(refusal.message, refusal.status),
    );
  });
  return app;
}
