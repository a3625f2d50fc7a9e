// Directory login against real servers: Debian's slapd (LDAP, StartTLS, LDAPS with a test CA) and an
// OpenID provider (oidc-provider), both on loopback; the collector serves real HTTP, and the OpenID
// code flow is followed redirect by redirect with real requests, cookies kept per server.
import { join } from 'node:path';
import { Attribute, Change, Client } from 'ldapts';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectoryConfigError, directoryConfigFromEnv, type DirectoryConfig, type LdapConfig } from '../collector/src/accounts/directory-config.ts';
import { ldapLogin } from '../collector/src/accounts/ldap.ts';
import { passwordLogin } from '../collector/src/accounts/login.ts';
import { createUser, userByName } from '../collector/src/accounts/users.ts';
import { createCollector, listen, type Collector } from '../collector/src/collector.ts';
import { DICTS } from '../collector/src/ui/i18n.ts';
import {
  LDAP_ADMINS,
  LDAP_ROOT,
  LDAP_SERVICE,
  LDAP_SUFFIX,
  LDAP_USERS,
  LDAP_VIEWERS,
  freePort,
  makeTestCa,
  startOidcProvider,
  startSlapd,
  type Slapd,
  type TestProvider,
} from './directory-servers.ts';
import { sql, value } from '../collector/src/store/db.ts';
import { ENGINES, newDatabaseLocation } from '../collector/src/store/test-database.ts';
import { runCli, tempDir } from './helpers.ts';

const fr = DICTS.fr;
const LOCAL = { username: 'local-admin', password: 'a local password, long enough' };
const aliceDn = `uid=alice,ou=people,${LDAP_SUFFIX}`;

let dir: string;
let slapd: Slapd;
let provider: TestProvider;
let port: number;
let base: string;
let directory: DirectoryConfig;

/** The service's LDAP settings as the environment gives them, here StartTLS on the plain port. */
const ldapEnv = () => ({
  TIEBREAK_LDAP_URL: slapd.ldapUrl.replace('127.0.0.1', 'localhost'),
  TIEBREAK_LDAP_STARTTLS: 'on',
  TIEBREAK_LDAP_CA_FILE: slapd.ca.caFile,
  TIEBREAK_LDAP_BIND_DN: LDAP_SERVICE.dn,
  TIEBREAK_LDAP_BIND_PASSWORD: LDAP_SERVICE.password,
  TIEBREAK_LDAP_BASE_DN: `ou=people,${LDAP_SUFFIX}`,
  TIEBREAK_LDAP_USER_FILTER: '(&(objectClass=inetOrgPerson)(uid={user}))',
  TIEBREAK_LDAP_ADMIN_GROUPS: LDAP_ADMINS,
  TIEBREAK_LDAP_VIEWER_GROUPS: LDAP_VIEWERS,
  TIEBREAK_LDAP_LABEL: 'Annuaire de la mairie',
});

beforeAll(async () => {
  dir = tempDir('tiebreak-directory-');
  slapd = await startSlapd(join(dir, 'ldap'));
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  provider = await startOidcProvider(
    {
      oscar: { groups: ['tiebreak-admins'] },
      olga: { groups: ['tiebreak-viewers', 'compta'] },
      otto: { groups: ['compta'] },
      alice: { groups: ['tiebreak-admins'] },
    },
    `${base}/login/oidc/callback`,
  );
  directory = directoryConfigFromEnv({
    ...ldapEnv(),
    TIEBREAK_OIDC_ISSUER: provider.issuer,
    TIEBREAK_OIDC_CLIENT_ID: provider.clientId,
    TIEBREAK_OIDC_CLIENT_SECRET: provider.clientSecret,
    TIEBREAK_PUBLIC_URL: base,
    TIEBREAK_OIDC_SCOPES: 'openid profile email groups',
    TIEBREAK_OIDC_ADMIN: 'tiebreak-admins',
    TIEBREAK_OIDC_VIEWER: 'groups=tiebreak-viewers',
    TIEBREAK_OIDC_LABEL: 'Keycloak de test',
  });
}, 120_000);

afterAll(async () => {
  await provider?.stop();
  await slapd?.stop();
});

/** A client that keeps each server's cookies and follows nothing on its own. */
class Browserless {
  private readonly jars = new Map<string, Map<string, string>>();
  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const host = new URL(url).host;
    const jar = this.jars.get(host) ?? new Map<string, string>();
    this.jars.set(host, jar);
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) } });
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(';')[0]!;
      const at = pair.indexOf('=');
      const [name, value] = [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
      if (!value || /max-age=0\b/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
    return res;
  }
  cookie(url: string, name: string): string | undefined {
    return this.jars.get(new URL(url).host)?.get(name);
  }
  /** Sends a cookie of one server to another too (two collector processes behind one address). */
  share(from: string, to: string, name: string): void {
    const value = this.cookie(from, name);
    const host = new URL(to).host;
    if (value === undefined) return;
    if (!this.jars.has(host)) this.jars.set(host, new Map());
    this.jars.get(host)!.set(name, value);
  }
  /** Follow redirects until an answer that is not one, or until `stop` says the next URL is to be handled by the caller. */
  async follow(url: string, init: RequestInit = {}, stop: (next: string) => boolean = () => false): Promise<{ res: Response | null; url: string }> {
    let res = await this.fetch(url, init);
    let current = url;
    for (let hops = 0; hops < 20 && res.status >= 300 && res.status < 400; hops++) {
      current = new URL(res.headers.get('location')!, current).href;
      if (stop(current)) return { res: null, url: current };
      res = await this.fetch(current);
    }
    return { res, url: current };
  }
}

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields),
});

async function formLogin(agent: Browserless, username: string, password: string) {
  const page = await agent.fetch(`${base}/login`);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
  const res = await agent.fetch(`${base}/login`, form({ _csrf: csrf, username, password, next: '/' }));
  return { status: res.status, location: res.headers.get('location'), body: res.status === 302 ? '' : await res.text() };
}

/** Whether this client's session opens the overview. */
async function loggedIn(agent: Browserless): Promise<boolean> {
  return (await agent.fetch(`${base}/`)).status === 200;
}

/**
 * The OpenID code flow as a browser runs it: the login page's button, the provider's login and
 * consent forms, back to the collector's callback (optionally with the state changed on the way).
 */
async function oidcLogin(agent: Browserless, username: string, tamper?: (callback: URL) => void) {
  const loginPage = await (await agent.fetch(`${base}/login`)).text();
  expect(loginPage).toContain('Se connecter avec Keycloak de test');
  const href = /id="oidc-login" href="([^"]+)"/.exec(loginPage)![1]!.replaceAll('&amp;', '&');
  const start = await agent.fetch(`${base}${href}`);
  expect(start.status).toBe(302);
  const authorize = new URL(start.headers.get('location')!);
  expect(authorize.origin).toBe(provider.issuer);
  for (const p of ['state', 'nonce', 'code_challenge']) expect(authorize.searchParams.get(p)?.length).toBeGreaterThanOrEqual(32);
  expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
  const atCallback = (next: string) => next.startsWith(`${base}/login/oidc/callback`);
  let step = await agent.follow(authorize.href, {}, atCallback);
  for (let i = 0; i < 5 && step.res; i++) {
    const html = await step.res.text();
    const action = new URL(/action="([^"]+)"/.exec(html)![1]!, step.url).href;
    const prompt = /name="prompt" value="(\w+)"/.exec(html)![1]!;
    step = await agent.follow(
      action,
      form(prompt === 'login' ? { prompt, login: username, password: 'any password: the test provider takes it' } : { prompt }),
      atCallback,
    );
  }
  const callback = new URL(step.url);
  expect(callback.searchParams.get('code')).toBeTruthy();
  tamper?.(callback);
  const res = await agent.fetch(callback.href);
  const body = await res.text();
  if (res.status === 200) {
    // The page moves on by itself (Refresh), same-site, so that the Strict session cookie is sent.
    expect(res.headers.get('refresh')).toBe('0;url=/');
  }
  return { status: res.status, body };
}

describe('LDAP login against slapd', () => {
  const config = (over: Partial<LdapConfig> = {}): LdapConfig => ({ ...directory.ldap!, ...over });

  it('gives the role of the group: admins, viewers (memberOf, over StartTLS)', async () => {
    expect(await ldapLogin(config(), 'alice', LDAP_USERS.alice.password)).toMatchObject({ ok: true, role: 'admin', dn: aliceDn });
    expect(await ldapLogin(config(), 'bob', LDAP_USERS.bob.password)).toMatchObject({ ok: true, role: 'viewer' });
  });

  it('finds the groups by a group search too', async () => {
    const search = config({ groupFilter: '(&(objectClass=groupOfNames)(member={dn}))', groupBaseDn: `ou=groups,${LDAP_SUFFIX}` });
    expect(await ldapLogin(search, 'bob', LDAP_USERS.bob.password)).toMatchObject({ ok: true, role: 'viewer', groups: [LDAP_VIEWERS] });
    expect(await ldapLogin(search, 'carol', LDAP_USERS.carol.password)).toMatchObject({ ok: false, reason: 'no-group' });
  });

  it('refuses a wrong password, an unknown user and a filter injected through the name', async () => {
    expect(await ldapLogin(config(), 'alice', 'not her password')).toEqual({ ok: false, reason: 'invalid' });
    expect(await ldapLogin(config(), 'nobody', 'whatever it is')).toEqual({ ok: false, reason: 'invalid' });
    expect(await ldapLogin(config(), '*', LDAP_USERS.alice.password)).toEqual({ ok: false, reason: 'invalid' });
    expect(await ldapLogin(config(), 'alice)(uid=*', LDAP_USERS.alice.password)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('never accepts an empty password, which the directory itself would take as an anonymous bind', async () => {
    // What the guard is for: slapd answers success to a simple bind with a DN and no password.
    const raw = new Client({ url: slapd.ldapUrl });
    await expect(raw.bind(aliceDn, '')).resolves.toBeUndefined();
    await raw.unbind();
    expect(await ldapLogin(config(), 'alice', '')).toEqual({ ok: false, reason: 'invalid' });
  });

  it('tells a user in no mapped group apart from a wrong password', async () => {
    expect(await ldapLogin(config(), 'carol', LDAP_USERS.carol.password)).toMatchObject({ ok: false, reason: 'no-group' });
    expect(await ldapLogin(config(), 'carol', 'wrong password')).toEqual({ ok: false, reason: 'invalid' });
  });

  it('speaks LDAPS with the CA file, and refuses a certificate it cannot verify', async () => {
    expect(await ldapLogin(config({ url: slapd.ldapsUrl, startTls: false }), 'alice', LDAP_USERS.alice.password)).toMatchObject({ ok: true, role: 'admin' });
    expect(await ldapLogin(config({ url: slapd.ldapsUrl, startTls: false, caFile: undefined }), 'alice', LDAP_USERS.alice.password)).toMatchObject({
      ok: false,
      reason: 'unavailable',
    });
    const other = await makeTestCa(join(dir, 'other'), 'other');
    expect(await ldapLogin(config({ caFile: other.caFile }), 'alice', LDAP_USERS.alice.password)).toMatchObject({ ok: false, reason: 'unavailable' });
  });

  it('reports a wrong service account as the directory being unavailable, not as a wrong password', async () => {
    expect(await ldapLogin(config({ bindPassword: 'not the service password' }), 'alice', LDAP_USERS.alice.password)).toMatchObject({
      ok: false,
      reason: 'unavailable',
    });
  });
});

describe('the directory settings', () => {
  it('refuses settings that would let nobody in, or anybody', () => {
    expect(() => directoryConfigFromEnv({ TIEBREAK_LOCAL_LOGIN: 'off' })).toThrow(DirectoryConfigError);
    expect(() => directoryConfigFromEnv({ ...ldapEnv(), TIEBREAK_LDAP_ADMIN_GROUPS: '', TIEBREAK_LDAP_VIEWER_GROUPS: '' })).toThrow(
      /nobody may log in without a group/,
    );
    expect(() => directoryConfigFromEnv({ ...ldapEnv(), TIEBREAK_LDAP_BIND_DN: '' })).toThrow(/no anonymous search/);
    expect(() => directoryConfigFromEnv({ ...ldapEnv(), TIEBREAK_LDAP_USER_FILTER: '(uid=alice)' })).toThrow(/must contain \{user\}/);
    expect(() =>
      directoryConfigFromEnv({
        TIEBREAK_OIDC_ISSUER: 'http://idp.example',
        TIEBREAK_PUBLIC_URL: 'https://t.example',
        TIEBREAK_OIDC_CLIENT_ID: 'x',
        TIEBREAK_OIDC_ADMIN: 'a',
      }),
    ).toThrow(/https:\/\//);
    expect(directoryConfigFromEnv({})).toEqual({ localLogin: true });
  });
});

describe.each(ENGINES)('%s', (engine) => {
  let location: string;
  let collector: Collector;
  let server: Awaited<ReturnType<typeof listen>>['server'];
  beforeAll(async () => {
    location = await newDatabaseLocation(engine, join(dir, `test-${engine}.db`));
    collector = await createCollector({ dbFile: location, log: pino({ level: 'silent' }), directory });
    await createUser(collector.db, LOCAL.username, 'admin', LOCAL.password);
    // The same port for each engine: it is the callback registered with the provider.
    server = (await listen(collector, port, '127.0.0.1')).server;
  });
  afterAll(async () => {
    if (server) await new Promise((resolve) => server.close(resolve));
    await collector?.close();
  });

  describe('the login form with a directory', () => {
    it('opens a session for a directory user with the role of their group, creating the account', async () => {
      const agent = new Browserless();
      const answer = await formLogin(agent, 'bob', LDAP_USERS.bob.password);
      expect(answer).toMatchObject({ status: 302, location: '/' });
      expect(await loggedIn(agent)).toBe(true);
      expect(await userByName(collector.db, 'bob')).toMatchObject({ role: 'viewer', source: 'ldap', must_change_password: 0 });
      // A viewer reads, never changes.
      expect((await agent.fetch(`${base}/settings/users`, form({ username: 'x', role: 'admin' }))).status).toBe(403);
    });

    it('refuses a wrong or empty password with the usual message', async () => {
      for (const password of ['wrong password', '']) {
        const answer = await formLogin(new Browserless(), 'alice', password);
        expect(answer.status).toBe(401);
        expect(answer.body).toContain(fr.login.failed);
      }
    });

    it('refuses a user in no mapped group with a clear French message', async () => {
      const answer = await formLogin(new Browserless(), 'carol', LDAP_USERS.carol.password);
      expect(answer.status).toBe(403);
      expect(answer.body).toContain('aucun groupe autorisé à utiliser tiebreak');
      expect(await userByName(collector.db, 'carol')).toBeUndefined();
    });

    it('keeps local accounts working beside the directory', async () => {
      const agent = new Browserless();
      expect((await formLogin(agent, LOCAL.username, LOCAL.password)).status).toBe(302);
      expect(await loggedIn(agent)).toBe(true);
    });

    it('takes the role away from a user removed from the group: refused at the next login, sessions ended', async () => {
      const agent = new Browserless();
      expect((await formLogin(agent, 'alice', LDAP_USERS.alice.password)).status).toBe(302);
      expect(await userByName(collector.db, 'alice')).toMatchObject({ role: 'admin', source: 'ldap' });
      const root = new Client({ url: slapd.ldapUrl });
      await root.bind(LDAP_ROOT.dn, LDAP_ROOT.password);
      // The memberof overlay updates alice's memberOf with the group.
      await root.modify(LDAP_ADMINS, new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [aliceDn] }) }));
      try {
        const again = await formLogin(new Browserless(), 'alice', LDAP_USERS.alice.password);
        expect(again.status).toBe(403);
        expect(again.body).toContain('aucun groupe autorisé');
        expect(await loggedIn(agent)).toBe(false);
        // Back in the viewers' group: a viewer at the next login.
        await root.modify(LDAP_VIEWERS, new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [aliceDn] }) }));
        expect((await formLogin(new Browserless(), 'alice', LDAP_USERS.alice.password)).status).toBe(302);
        expect(await userByName(collector.db, 'alice')).toMatchObject({ role: 'viewer', source: 'ldap' });
      } finally {
        await root
          .modify(LDAP_VIEWERS, new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [aliceDn] }) }))
          .catch(() => {});
        await root.modify(LDAP_ADMINS, new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [aliceDn] }) }));
        await root.unbind();
      }
    });

    it('with local login switched off, a local account no longer opens, the directory still does', async () => {
      const off = { ...directory, localLogin: false };
      const log = pino({ level: 'silent' });
      expect(await passwordLogin(collector.db, off, log, LOCAL.username, LOCAL.password)).toEqual({ ok: false, reason: 'failed' });
      expect(await passwordLogin(collector.db, off, log, 'bob', LDAP_USERS.bob.password)).toMatchObject({
        ok: true,
        user: { username: 'bob', source: 'ldap' },
      });
      expect(await passwordLogin(collector.db, directory, log, LOCAL.username, LOCAL.password)).toMatchObject({ ok: true });
    });
  });

  describe('OpenID Connect login against oidc-provider', () => {
    it('runs the code flow with PKCE to a session with the role of the groups claim', async () => {
      const agent = new Browserless();
      const done = await oidcLogin(agent, 'oscar');
      expect(done.status).toBe(200);
      expect(await loggedIn(agent)).toBe(true);
      expect(await userByName(collector.db, 'oscar')).toMatchObject({ role: 'admin', source: 'oidc' });
      const viewer = new Browserless();
      expect((await oidcLogin(viewer, 'olga')).status).toBe(200);
      expect(await userByName(collector.db, 'olga')).toMatchObject({ role: 'viewer', source: 'oidc' });
      // The same person later: the same account, found by issuer and subject.
      expect((await oidcLogin(new Browserless(), 'oscar')).status).toBe(200);
      expect(await value(collector.db, sql`SELECT COUNT(*) FROM users WHERE source = 'oidc' AND username = 'oscar'`)).toBe(1);
    });

    it('refuses an account with no mapped group, in French', async () => {
      const agent = new Browserless();
      const done = await oidcLogin(agent, 'otto');
      expect(done.status).toBe(403);
      expect(done.body).toContain('aucun groupe autorisé à utiliser tiebreak');
      expect(await loggedIn(agent)).toBe(false);
      expect(await userByName(collector.db, 'otto')).toBeUndefined();
    });

    it('refuses a tampered state, and a callback replayed from another browser', async () => {
      const agent = new Browserless();
      const done = await oidcLogin(agent, 'oscar', (callback) => callback.searchParams.set('state', `${callback.searchParams.get('state')}x`));
      expect(done.status).toBe(400);
      expect(done.body).toContain('pas été commencée dans ce navigateur');
      expect(await loggedIn(agent)).toBe(false);
      // The genuine callback, taken to a browser that did not start the login.
      let stolen = '';
      await oidcLogin(new Browserless(), 'oscar', (callback) => {
        stolen = callback.href;
        callback.searchParams.set('state', 'forged');
      });
      const thief = new Browserless();
      expect((await thief.fetch(stolen)).status).toBe(400);
      expect(await loggedIn(thief)).toBe(false);
    });

    it('finishes a login started on one collector process on another of the same database', async () => {
      const other = await createCollector({ dbFile: location, log: pino({ level: 'silent' }), directory });
      const listening = await listen(other, 0, '127.0.0.1');
      const otherBase = `http://127.0.0.1:${listening.port}`;
      try {
        const agent = new Browserless();
        // The provider sends the browser back to the public address; here a proxy hands it to the other process.
        let original = '';
        const done = await oidcLogin(agent, 'olga', (callback) => {
          original = callback.href;
          agent.share(base, otherBase, 'tb_oidc');
          callback.host = new URL(otherBase).host;
        });
        expect(done.status).toBe(200);
        agent.share(otherBase, base, 'tb_session');
        expect(await loggedIn(agent)).toBe(true);
        // Used once, whichever process sees it again: the first one refuses the same callback now.
        expect((await agent.fetch(original)).status).toBe(400);
      } finally {
        await new Promise((resolve) => listening.server.close(resolve));
        await other.close();
      }
    });

    it('does not take over an account of another source with the same name', async () => {
      // alice is the directory's (LDAP) account: the provider's alice is refused.
      const done = await oidcLogin(new Browserless(), 'alice');
      expect(done.status).toBe(409);
      expect(await userByName(collector.db, 'alice')).toMatchObject({ source: 'ldap' });
    });

    it('logs out at the provider too (RP-initiated logout with the ID token), back to the login page', async () => {
      const agent = new Browserless();
      expect((await oidcLogin(agent, 'oscar')).status).toBe(200);
      const csrf = /name="_csrf" value="([^"]+)"/.exec(await (await agent.fetch(`${base}/`)).text())![1]!;
      // Logged in at the provider: a new login there goes straight back to the callback, asking nothing.
      const authorize = (await agent.fetch(`${base}/login/oidc`)).headers.get('location')!;
      expect((await agent.follow(authorize, {}, (next) => next.startsWith(`${base}/login/oidc/callback`))).res).toBeNull();

      const out = await agent.fetch(`${base}/logout`, form({ _csrf: csrf }));
      expect(out.status).toBe(302);
      const end = new URL(out.headers.get('location')!);
      expect(`${end.origin}${end.pathname}`).toBe(`${provider.issuer}/session/end`);
      expect(end.searchParams.get('post_logout_redirect_uri')).toBe(`${base}/login`);
      const hint = end.searchParams.get('id_token_hint')!;
      const claims = JSON.parse(Buffer.from(hint.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
      expect(claims).toMatchObject({ iss: provider.issuer, sub: 'oscar', aud: provider.clientId });
      // Ended here first, its ID token with it.
      expect(await loggedIn(agent)).toBe(false);
      expect(await value(collector.db, sql`SELECT COUNT(*) FROM sessions WHERE id_token = ${hint}`)).toBe(0);

      // The provider asks to confirm, ends its session and sends the browser back to the login page.
      const confirm = await agent.fetch(end.href);
      expect(confirm.status).toBe(200);
      const page = await confirm.text();
      const action = new URL(/action="([^"]+)"/.exec(page)![1]!, end.href).href;
      const xsrf = /name="xsrf" value="([^"]+)"/.exec(page)![1]!;
      const back = await agent.follow(action, form({ xsrf, logout: 'yes' }), (next) => next.startsWith(`${base}/`));
      expect(back.url).toBe(`${base}/login`);
      // Logged out at the provider: a new login asks for the account again.
      const again = await agent.follow((await agent.fetch(`${base}/login/oidc`)).headers.get('location')!, {}, (next) =>
        next.startsWith(`${base}/login/oidc/callback`),
      );
      expect(again.res?.status).toBe(200);
      expect(await again.res!.text()).toMatch(/name="prompt" value="login"/);
    });

    it('logs a session of the login form out here only, to the login page', async () => {
      const agent = new Browserless();
      expect((await formLogin(agent, LOCAL.username, LOCAL.password)).status).toBe(302);
      const csrf = /name="_csrf" value="([^"]+)"/.exec(await (await agent.fetch(`${base}/`)).text())![1]!;
      const out = await agent.fetch(`${base}/logout`, form({ _csrf: csrf }));
      expect(out.status).toBe(302);
      expect(out.headers.get('location')).toBe('/login');
      expect(await loggedIn(agent)).toBe(false);
    });
  });

  describe('the CLI with directory accounts', () => {
    it('refuses to serve with settings that let nobody in, saying why', async () => {
      const result = await runCli('collector', ['serve', '--port', '0', '--db', join(dir, 'never.db')], { env: { TIEBREAK_LOCAL_LOGIN: 'off' } });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('TIEBREAK_LOCAL_LOGIN=off needs TIEBREAK_LDAP_URL or TIEBREAK_OIDC_ISSUER');
    });

    it('lists where each account logs in, and gives no local password to a directory account', async () => {
      const listed = JSON.parse((await runCli('collector', ['user', 'list', '--json', '--db', location])).stdout) as { username: string; source: string }[];
      expect(listed.find((u) => u.username === 'bob')?.source).toBe('ldap');
      expect(listed.find((u) => u.username === LOCAL.username)?.source).toBe('local');
      const passwd = await runCli('collector', ['user', 'passwd', 'bob', '--db', location]);
      expect(passwd.code).not.toBe(0);
      expect(passwd.stderr).toContain('bob logs in through the directory (ldap): it has no local password');
      // The way back in: a local account's password is still reset from the CLI.
      const reset = await runCli('collector', ['user', 'passwd', LOCAL.username, '--password-stdin', '--db', location], { input: LOCAL.password });
      expect(reset.code, reset.stderr).toBe(0);
    });
  });
});
