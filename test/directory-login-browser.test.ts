// Chromium logs in to a real `tiebreak-collector serve`, configured by its environment as the
// package's collector.env would: through the LDAP directory (slapd, StartTLS) with the login form,
// then through the OpenID provider's button, its login and consent pages, and back.
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LDAP_ADMINS,
  LDAP_SERVICE,
  LDAP_SUFFIX,
  LDAP_USERS,
  LDAP_VIEWERS,
  freePort,
  startOidcProvider,
  startSlapd,
  type Slapd,
  type TestProvider,
} from './directory-servers.ts';
import { runCli, startCollector, tempDir, type RunningCollector, launchChromium } from './helpers.ts';

describe('directory login in a browser', () => {
  let dir: string;
  let slapd: Slapd;
  let provider: TestProvider;
  let collector: RunningCollector;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    dir = tempDir('tiebreak-directory-browser-');
    slapd = await startSlapd(join(dir, 'ldap'));
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    provider = await startOidcProvider({ oscar: { groups: ['tiebreak-admins'] } }, `${base}/login/oidc/callback`);
    collector = await startCollector(join(dir, 'tiebreak.db'), ['--port', String(port)], {
      TIEBREAK_LDAP_URL: slapd.ldapUrl.replace('127.0.0.1', 'localhost'),
      TIEBREAK_LDAP_STARTTLS: 'on',
      TIEBREAK_LDAP_CA_FILE: slapd.ca.caFile,
      TIEBREAK_LDAP_BIND_DN: LDAP_SERVICE.dn,
      TIEBREAK_LDAP_BIND_PASSWORD: LDAP_SERVICE.password,
      TIEBREAK_LDAP_BASE_DN: LDAP_SUFFIX,
      TIEBREAK_LDAP_ADMIN_GROUPS: LDAP_ADMINS,
      TIEBREAK_LDAP_VIEWER_GROUPS: LDAP_VIEWERS,
      TIEBREAK_LDAP_LABEL: 'Annuaire de la mairie',
      TIEBREAK_OIDC_ISSUER: provider.issuer,
      TIEBREAK_OIDC_CLIENT_ID: provider.clientId,
      TIEBREAK_OIDC_CLIENT_SECRET: provider.clientSecret,
      TIEBREAK_OIDC_SCOPES: 'openid profile email groups',
      TIEBREAK_OIDC_ADMIN: 'groups=tiebreak-admins',
      TIEBREAK_OIDC_LABEL: 'ProConnect de test',
      TIEBREAK_PUBLIC_URL: base,
    });
    expect(collector.url).toBe(base);
    browser = await launchChromium();
    page = await browser.newPage();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await collector?.stop();
    await provider?.stop();
    await slapd?.stop();
  });

  const logOut = async () => {
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.waitForURL(/\/login$/);
  };

  it('logs in with the directory account through the login form', async () => {
    await page.goto(`${collector.url}/hosts`);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(await page.getByText('Identifiant et mot de passe de votre compte Annuaire de la mairie').isVisible()).toBe(true);
    await page.getByLabel('Identifiant').fill('carol');
    await page.getByLabel('Mot de passe').fill(LDAP_USERS.carol.password);
    await page.getByRole('button', { name: 'Se connecter', exact: true }).click();
    expect(await page.getByRole('alert').textContent()).toContain('n’appartient à aucun groupe autorisé');
    await page.getByLabel('Identifiant').fill('alice');
    await page.getByLabel('Mot de passe').fill(LDAP_USERS.alice.password);
    await page.getByRole('button', { name: 'Se connecter', exact: true }).click();
    await page.waitForURL(/\/hosts$/);
    await logOut();
  });

  it('logs in through the OpenID provider with the button of the login page', async () => {
    await page.goto(`${collector.url}/login`);
    await page.getByRole('link', { name: 'Se connecter avec ProConnect de test' }).click();
    await page.waitForURL((url) => url.origin === provider.issuer);
    await page.locator('input[name="login"]').fill('oscar');
    await page.locator('input[name="password"]').fill('any password');
    await page.locator('button[type="submit"]').click();
    // The provider asks for consent the first time.
    await page.locator('button[type="submit"]').click();
    await page.waitForURL(`${collector.url}/`);
    expect((await page.getByRole('heading', { level: 1 }).textContent())?.trim()).toBe('Carte des dépendances numériques');
    const cookies = await page.context().cookies(collector.url);
    expect(cookies.find((c) => c.name === 'tb_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    // An admin: the settings page offers the admin's forms.
    await page.goto(`${collector.url}/settings`);
    expect(await page.locator('form[action="/settings/users"]').count()).toBe(1);
    expect(await page.locator('#users ~ table tr', { hasText: 'alice' }).textContent()).toContain('LDAP');
    expect(await page.locator('#users ~ table tr', { hasText: 'oscar' }).textContent()).toContain('OpenID Connect');
    // An OpenID session ends at the provider too: it asks, then sends the browser back to the login page.
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.waitForURL((url) => url.origin === provider.issuer);
    await page.locator('button[name="logout"][value="yes"]').click();
    await page.waitForURL(/\/login$/);
    // The accounts the directory created, as the CLI lists them.
    const listed = JSON.parse((await runCli('collector', ['user', 'list', '--json', '--db', join(dir, 'tiebreak.db')])).stdout) as {
      username: string;
      role: string;
      source: string;
    }[];
    expect(listed.map(({ username, role, source }) => ({ username, role, source }))).toEqual(
      expect.arrayContaining([
        { username: 'alice', role: 'admin', source: 'ldap' },
        { username: 'oscar', role: 'admin', source: 'oidc' },
      ]),
    );
  });
});
