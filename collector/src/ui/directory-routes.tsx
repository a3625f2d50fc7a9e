// Login through the OpenID Connect provider: /login/oidc sends the browser there, the provider
// sends it back to /login/oidc/callback; the logout of a session opened so ends the provider's
// session too. (The LDAP directory is checked by the login form itself.)
import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { BlockList } from 'node:net';
import type { Logger } from 'pino';
import type { DirectoryConfig } from '../accounts/directory-config.ts';
import { directoryAccount, endDirectorySessions } from '../accounts/login.ts';
import { CALLBACK_PATH, OidcError, OidcLogin } from '../accounts/oidc.ts';
import { AccountError, createSession, sessionIdToken } from '../accounts/users.ts';
import { SESSION_COOKIE, clientAddress, isSecure, setSessionCookie, type AuthVariables } from '../http/auth.ts';
import type { Db } from '../store/db.ts';
import { DICTS } from './i18n.ts';
import { Layout, langOf } from './layout.tsx';
import { LoginPage } from './pages.tsx';
import { safeNext } from './routes.tsx';

type Env = { Variables: AuthVariables };
/** Binds a started login to this browser. Lax: the provider's redirect back is a cross-site navigation. */
const OIDC_COOKIE = 'tb_oidc';

export interface DirectoryRoutesContext {
  db: Db;
  log: Logger;
  directory: DirectoryConfig;
  trustProxy?: BlockList | null;
}

export function directoryRoutes(ctx: DirectoryRoutesContext): Hono<Env> {
  const app = new Hono<Env>();
  const oidc = ctx.directory.oidc ? new OidcLogin(ctx.directory.oidc, ctx.db) : null;
  const refuse = (c: Context<Env>, status: 400 | 403 | 409 | 502, error: string) => {
    const lang = langOf(c);
    const page = (
      <LoginPage
        ctx={{ lang, t: DICTS[lang], session: null, path: '/login' }}
        next="/"
        csrf=""
        error={error}
        methods={{ form: false, oidcLabel: ctx.directory.oidc?.label }}
      />
    );
    return c.html(page, status);
  };

  app.get('/login/oidc', async (c) => {
    if (!oidc) return c.json({ error: 'no OpenID Connect provider is configured (TIEBREAK_OIDC_ISSUER)' }, 404);
    let started: Awaited<ReturnType<typeof oidc.start>>;
    try {
      started = await oidc.start(safeNext(c.req.query('next')));
    } catch (error) {
      if (!(error instanceof OidcError)) throw error;
      ctx.log.error({ reason: error.message }, 'OpenID provider unavailable');
      return refuse(c, 502, DICTS[langOf(c)].directory.unavailable);
    }
    setCookie(c, OIDC_COOKIE, started.binding, { httpOnly: true, sameSite: 'Lax', path: '/login/oidc', secure: isSecure(c), maxAge: 600 });
    return c.redirect(started.url, 302);
  });

  app.get(CALLBACK_PATH, async (c) => {
    if (!oidc) return c.json({ error: 'no OpenID Connect provider is configured (TIEBREAK_OIDC_ISSUER)' }, 404);
    const t = DICTS[langOf(c)].directory;
    const ip = clientAddress(c, ctx.trustProxy ?? null);
    const binding = getCookie(c, OIDC_COOKIE);
    deleteCookie(c, OIDC_COOKIE, { path: '/login/oidc', secure: isSecure(c) });
    let identity: Awaited<ReturnType<typeof oidc.finish>>;
    try {
      identity = await oidc.finish(new URL(c.req.url), binding);
    } catch (error) {
      if (!(error instanceof OidcError)) throw error;
      ctx.log.warn({ ip, reason: error.message }, 'OpenID login refused');
      return refuse(c, error.kind === 'state' ? 400 : 502, t[error.kind === 'no-role' ? 'noGroup' : error.kind]);
    }
    if (!identity.role) {
      await endDirectorySessions(ctx.db, 'oidc', identity.externalId);
      ctx.log.warn({ ip, username: identity.username }, 'OpenID login refused: no mapped group or claim');
      return refuse(c, 403, t.noGroup);
    }
    let user: Awaited<ReturnType<typeof directoryAccount>>;
    try {
      user = await directoryAccount(ctx.db, 'oidc', identity.externalId, identity.username, identity.role);
    } catch (error) {
      if (!(error instanceof AccountError)) throw error;
      ctx.log.warn({ ip, username: identity.username, reason: error.message }, 'OpenID login refused');
      return refuse(c, 409, t.conflict);
    }
    const session = await createSession(ctx.db, user.id, identity.idToken);
    setSessionCookie(c, session.cookie);
    ctx.log.info({ username: user.username, role: user.role, ip, via: 'oidc' }, 'login');
    // Not a redirect: after the provider's cross-site redirect, a browser withholds the SameSite=Strict
    // session cookie along the rest of that chain. A page of this site that moves on is same-site.
    const lang = langOf(c);
    c.header('Refresh', `0;url=${identity.next}`);
    return c.html(
      <Layout ctx={{ lang, t: DICTS[lang], session: null, path: '/login' }} title={DICTS[lang].login.title}>
        <meta http-equiv="refresh" content={`0;url=${identity.next}`} />
        <div class="card login">
          <p>
            <a class="button primary" id="continue" href={identity.next}>
              {t.continue}
            </a>
          </p>
        </div>
      </Layout>,
    );
  });

  // Before the interface's own /logout (which ends the session here and answers with /login): a
  // session opened through the provider is then sent to the provider's end_session_endpoint with
  // its ID token, to end the provider's session too; it comes back to /login.
  app.post('/logout', async (c, next) => {
    const idToken = oidc ? await sessionIdToken(ctx.db, getCookie(c, SESSION_COOKIE)) : null;
    await next();
    if (!idToken || !oidc || c.res.status !== 302) return;
    let url: string | null;
    try {
      url = await oidc.logoutUrl(idToken);
    } catch (error) {
      if (!(error instanceof OidcError)) throw error;
      ctx.log.warn({ reason: error.message }, 'OpenID provider unavailable: logged out here only');
      return;
    }
    // Only to the issuer's origin, the one the page's form-action allows (http/app.tsx); a browser
    // would block another, and the user would be left on a blank page instead of the login page.
    if (url && new URL(url).origin === new URL(ctx.directory.oidc!.issuer).origin) c.res.headers.set('Location', url);
    else if (url) ctx.log.warn({ endSession: new URL(url).origin }, "the provider's logout is on another origin than its issuer: logged out here only");
  });

  return app;
}
