// The DSI's web interface in a real browser (Debian's Chromium driven by playwright-core): log in,
// read the overview of a seeded authority, filter hosts, open a product, classify an unknown item
// and see the map change, export, and make sure nothing an agent sent ever runs as script.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { unzipSync, strFromU8 } from 'fflate';
import { closeDatabase, openDatabase, rows, sql, values } from '../collector/src/store/db.ts';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostIdentity, type Inventory } from '@tiebreak/shared';
import { loadRules } from '../collector/src/collector.ts';
import type { Lang } from '../collector/src/ui/i18n.ts';
import { ROOT, TEST_ADMIN, TSX, enrolHost, postApi, runCli, startCollector, tempDir, type RunningCollector, launchChromium } from './helpers.ts';
import { untranslatedChecker } from './untranslated.ts';

const run = promisify(execFile);
const ARTIFACTS = join(ROOT, 'test-artifacts');
const VIEWER = { username: 'lecteur', password: 'lecture seule 2026' };

// What a hostile or broken agent could send: markup, script, attribute breakers and formulas.
const PAYLOADS = {
  script: '<script>window.__xss = "script"</script>Outil piégé',
  image: '<img src=x onerror="window.__xss=\'img\'">',
  attribute: '"><svg onload="window.__xss=\'svg\'">',
  formula: '=HYPERLINK("http://evil.example","cliquez")',
  plus: "+cmd|' /C calc'!A0",
  at: '@SUM(1+1)',
};

function hostileInventory(): Inventory {
  const host = hostIdentity({ smbiosUuid: 'hostile-0001', hostname: 'PC-PIEGE-001', domain: 'mairie.local' });
  return {
    schema_version: 1,
    id: crypto.randomUUID(),
    agent: { name: 'tiebreak-agent', version: '0.1.0' },
    collected_at: new Date().toISOString(),
    host,
    os: { family: 'windows', name: 'Microsoft Windows 11 Pro', version: '23H2', build: '22631', arch: 'x64' },
    hardware: { system: { manufacturer: 'Dell Inc.', model: PAYLOADS.attribute, chassis: 'Desktop' }, cpus: [], gpus: [], disks: [] },
    software: [
      { name: PAYLOADS.script, publisher: PAYLOADS.image, version: '1', source: 'registry', scope: 'machine' },
      { name: PAYLOADS.formula, publisher: PAYLOADS.plus, version: '1', source: 'registry', scope: 'machine' },
      { name: PAYLOADS.at, publisher: PAYLOADS.attribute, version: '1', source: 'registry', scope: 'machine' },
      { name: 'Gestion des cimetières', publisher: 'Éditeur Régional SARL', version: '4.2', source: 'registry', scope: 'machine' },
    ],
  };
}

describe('web interface in Chromium', () => {
  let dir: string;
  let dbFile: string;
  let collector: RunningCollector;
  let browser: Browser;
  let page: Page;
  const dialogs: string[] = [];

  beforeAll(async () => {
    dir = tempDir();
    dbFile = join(dir, 'demo.db');
    await run(TSX, [join(ROOT, 'scripts/demo.ts'), '--no-serve', '--db', dbFile, '--workstations', '60', '--servers', '8'], { cwd: ROOT });
    const add = await runCli('collector', ['user', 'add', VIEWER.username, '--role', 'viewer', '--password-stdin', '--db', dbFile], { input: VIEWER.password });
    expect(add.code, add.stderr).toBe(0);
    collector = await startCollector(dbFile);
    const token = (await runCli('collector', ['token', 'create', '--db', dbFile])).stdout.trim();
    const inventory = hostileInventory();
    const enrolled = await enrolHost(collector.url, token, { id: inventory.host.id, hostname: inventory.host.hostname });
    expect((await postApi(collector.url, '/api/v1/inventories', enrolled.body.credential, inventory)).status).toBe(200);
    browser = await launchChromium();
    page = await browser.newPage({ acceptDownloads: true });
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await collector?.stop();
  });

  const untranslated = (() => {
    const rules = loadRules();
    return { fr: untranslatedChecker(rules, 'fr'), en: untranslatedChecker(rules, 'en') };
  })();

  /** The page as its reader sees it in a language: no raw id, key or placeholder in its lines and cells; its screenshot kept. */
  const keep = async (name: string, lang: Lang) => {
    await page.locator(`html[lang="${lang}"]`).waitFor({ state: 'attached' });
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text, lines and cells apart, is what the reader sees.
    const texts = (await page.locator('body').innerText())
      .split(/[\n\t]/)
      .map((s) => s.trim())
      .filter(Boolean);
    expect(untranslated[lang](texts), `${name} in ${lang}`).toEqual([]);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, `${name}.${lang}.png`), fullPage: true });
  };
  /**
   * The page checked and kept in French, then in English through its own language link, as a user
   * switches, and back to French. `shown` readies each language's page (a section opened); `english`
   * checks the English one.
   */
  const keepInBothLanguages = async (name: string, options: { shown?: () => Promise<void>; english?: () => Promise<void> } = {}) => {
    await options.shown?.();
    await keep(name, 'fr');
    await page.getByRole('link', { name: 'English' }).click();
    await page.locator('html[lang="en"]').waitFor({ state: 'attached' });
    await options.shown?.();
    await options.english?.();
    await keep(name, 'en');
    await page.getByRole('link', { name: 'Français' }).click();
    await page.locator('html[lang="fr"]').waitFor({ state: 'attached' });
  };

  const noScriptRan = async () => {
    expect(await page.evaluate(() => (globalThis as unknown as { __xss?: string }).__xss)).toBeUndefined();
    expect(dialogs).toEqual([]);
  };

  it('sends a logged-out visitor to the login form, then back where they were going', async () => {
    await page.goto(`${collector.url}/hosts?role=server`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.getByLabel('Identifiant').fill(TEST_ADMIN.username);
    await page.getByLabel('Mot de passe').fill('wrong password!!');
    await page.getByRole('button', { name: 'Se connecter' }).click();
    expect((await page.getByRole('alert').textContent())?.trim()).toBe('Identifiant ou mot de passe incorrect.');
    await page.getByLabel('Identifiant').fill(TEST_ADMIN.username);
    await page.getByLabel('Mot de passe').fill(TEST_ADMIN.password);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL(/\/hosts\?role=server$/);
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'tb_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
  });

  it('shows the overview of the seeded authority, charts with their numbers, in French then English', async () => {
    await page.goto(`${collector.url}/`);
    expect((await page.getByRole('heading', { level: 1 }).textContent())?.trim()).toBe('Carte des dépendances numériques');
    expect(await page.locator('.kpi').first().textContent()).toContain('69');
    expect(await page.getByRole('img', { name: 'Par domaine TIE Break et origine' }).isVisible()).toBe(true);
    expect(await page.getByRole('heading', { name: /Produits hors Europe les plus installés/ }).isVisible()).toBe(true);
    expect(await page.locator('#top-products ~ table, section:has(#top-products) table').first().textContent()).toContain('Microsoft');
    await keepInBothLanguages('overview', {
      english: async () => expect((await page.getByRole('heading', { level: 1 }).textContent())?.trim()).toBe('Digital dependency map'),
    });
    await noScriptRan();
  });

  it('filters the hosts on the server, and opens a product with its rule and alternatives', async () => {
    await page.goto(`${collector.url}/hosts`);
    await page.getByLabel('Rechercher').fill('PC-URBA');
    await page.getByLabel('Rôle').selectOption('workstation');
    await page.getByRole('button', { name: 'Filtrer' }).click();
    await page.waitForURL(/q=PC-URBA/);
    const names = await page.locator('tbody tr td:first-child a').allTextContents();
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(name).toContain('PC-URBA');

    await page.goto(`${collector.url}/products?q=Chrome`);
    await page.locator('tbody tr td:first-child a').first().click();
    await page.waitForURL(/\/products\/\d+$/);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('Chrome');
    expect(await page.locator('main').textContent()).toContain('google/google-chrome');
    expect(await page.getByRole('heading', { name: 'Alternatives' }).isVisible()).toBe(true);
    // Its versions and the hosts it is installed on, as the database holds them.
    const entryId = Number(new URL(page.url()).pathname.split('/').pop());
    const db = await openDatabase(dbFile);
    const hosts = await values<string>(
      db,
      sql`SELECT DISTINCT h.hostname FROM installations i JOIN hosts h ON h.id = i.host_id WHERE i.catalogue_id = ${entryId}`,
    );
    const versions = await rows<{ version: string; n: number }>(
      db,
      sql`SELECT version, COUNT(DISTINCT host_id) AS n FROM installations WHERE catalogue_id = ${entryId} GROUP BY version`,
    );
    await closeDatabase(db);
    expect(hosts.length).toBeGreaterThan(0);
    const shown = await page
      .locator('section:has(h2:text-is("Versions")) tbody tr')
      .evaluateAll((rows) => rows.map((row) => [row.querySelector('th')!.textContent, row.querySelector('td')!.textContent]));
    // The 20 most common, the most common first.
    const top = versions.sort((a, b) => b.n - a.n || (a.version < b.version ? -1 : 1)).slice(0, 20);
    expect(shown).toEqual(top.map((v) => [v.version || '–', String(v.n)]));
    const listed = await page.locator('section:has(h2:text-is("Installé sur")) tbody tr td:first-child a').allTextContents();
    expect(listed.length).toBe(Math.min(hosts.length, 50));
    for (const name of listed) expect(hosts).toContain(name);
  });

  it('classifies an unknown item as a local rule and the map changes at once; the rule exports as YAML', async () => {
    const before = (await (await collector.get('/api/v1/map')).json()) as { totals: { unknown_products: number } };
    await page.goto(`${collector.url}/unknown?q=cimeti`);
    await page.getByRole('link', { name: 'Gestion des cimetières' }).click();
    await page.getByLabel('Nom du fournisseur').fill('Éditeur Régional SARL');
    await page.getByLabel('Pays du siège (code ISO, ex. FR)').fill('FR');
    await page.getByLabel('Nom du produit').fill('Gestion des cimetières');
    await page
      .getByLabel('Catégorie')
      .selectOption({ label: 'Cimetières' })
      .catch(() => page.getByLabel('Catégorie').selectOption({ index: 0 }));
    await page.getByLabel('Licence').last().selectOption('proprietary');
    await page.locator('form:has(input[name="vendor_name"]) button[type="submit"]').click();
    expect(await page.locator('main').textContent()).toContain('editeur-regional-sarl/gestion-des-cimetieres:local');
    expect((await page.locator('main .tag').first().textContent())?.trim()).toBe('UE / EEE');
    const after = (await (await collector.get('/api/v1/map')).json()) as { totals: { unknown_products: number } };
    expect(after.totals.unknown_products).toBe(before.totals.unknown_products - 1);
    const yaml = await (await collector.get('/settings/local-rules.yaml')).text();
    expect(yaml).toContain('# rules/vendors/editeur-regional-sarl.yaml');
    expect(yaml).toContain('country: FR');
    // The exported rules are valid rules: checked on top of the shipped ones.
    const rulesDir = join(dir, 'local-rules', 'vendors');
    mkdirSync(rulesDir, { recursive: true });
    writeFileSync(
      join(rulesDir, 'editeur-regional-sarl.yaml'),
      yaml
        .split('\n')
        .filter((l) => !l.startsWith('# rules/'))
        .join('\n'),
    );
    const check = await runCli('collector', ['rules', 'check', join(dir, 'local-rules')]);
    expect(check.stderr).toBe('');
    expect(check.code).toBe(0);
  });

  it('exports lists as CSV and XLSX with formulas neutralised', async () => {
    await page.goto(`${collector.url}/products?q=SUM`);
    const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'CSV' }).click()]);
    const csv = readFileSync((await csvDownload.path())!, 'utf8');
    expect(csv.split('\r\n')[0]).toContain('Nom;');
    expect(csv).toContain("'@SUM(1+1)");
    expect(csv).not.toMatch(/(^|;)@SUM/m);
    await page.goto(`${collector.url}/products?q=HYPERLINK`);
    const [xlsxDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'XLSX' }).click()]);
    const files = unzipSync(readFileSync((await xlsxDownload.path())!));
    const sheet = strFromU8(files['xl/worksheets/sheet1.xml']!);
    expect(sheet).toContain('t="inlineStr"');
    expect(sheet).toContain('&apos;=HYPERLINK'.replace('&apos;', "'"));
    expect(sheet).toContain('+cmd');
    expect(sheet).toContain("'+cmd");
    expect(sheet).not.toContain('<f>');
  });

  it('shows every hostile string as text, in pages, attributes and charts, and runs none of it', async () => {
    for (const path of ['/unknown', '/products?q=Outil', '/hosts?q=PIEGE', '/report', '/', '/vendors', '/assessment']) {
      await page.goto(`${collector.url}${path}`);
      await noScriptRan();
    }
    await page.goto(`${collector.url}/hosts?q=PIEGE`);
    await page.getByRole('link', { name: 'PC-PIEGE-001' }).click();
    expect(await page.locator('main').textContent()).toContain('<script>window.__xss = "script"</script>Outil piégé');
    expect(await page.locator('main').textContent()).toContain(PAYLOADS.attribute);
    expect(await page.locator('main script, main img, main svg[onload]').count()).toBe(0);
    await noScriptRan();
  });

  it('lists one agent per host, each linked to its host page: its items searched, paginated, and its own dependency', async () => {
    const db = await openDatabase(dbFile);
    const [hosts] = await values<number>(db, sql`SELECT COUNT(*) FROM hosts`);
    await closeDatabase(db);
    await page.goto(`${collector.url}/agents`);
    expect(await page.getByTestId('agent-row').count()).toBe(Number(hosts));
    await page.getByTestId('agent-row').filter({ hasText: 'SRV-WIN-01' }).getByRole('link', { name: 'SRV-WIN-01' }).click();
    await page.waitForURL(/\/hosts\/\d+$/);
    expect(await page.getByTestId('host-non-eu-share').textContent()).toMatch(/\d+\u202f%/);
    // Vendors by name, never by id.
    const vendors = await page.locator('main table').last().locator('tbody td:nth-child(4)').allTextContents();
    expect(vendors).toContain('Microsoft');
    expect(vendors).not.toContain('microsoft');
    await keepInBothLanguages('host');
    await page.getByLabel('Rechercher').fill('VMware');
    await page.getByRole('button', { name: 'Filtrer' }).click();
    await page.waitForURL(/q=VMware/);
    const names = await page.locator('main table').last().locator('tbody td:first-child a').allTextContents();
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(name).toContain('VMware');
  });

  it('groups the products, the inventory lines one click away', async () => {
    await page.goto(`${collector.url}/products?q=Windows+Server`);
    const group = page.getByTestId('product-group').first();
    expect(await group.locator('summary').textContent()).toMatch(/^Microsoft Windows Server \(\d+ lignes d’inventaire\)$/);
    const open = () => group.locator('summary').click();
    await open();
    const lines = group.getByRole('link');
    expect(await lines.count()).toBeGreaterThan(1);
    await keepInBothLanguages('products', { shown: open });
    await open();
    await lines.first().click();
    await page.waitForURL(/\/products\/\d+$/);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('Windows Server');
  });

  it('shows the assessment, imports spend through the form, declares a SaaS and runs a scenario', async () => {
    await page.goto(`${collector.url}/`);
    expect(await page.getByRole('img', { name: 'Trajectoire de l’exposition' }).isVisible()).toBe(true);
    await page.getByRole('link', { name: 'Évaluation' }).first().click();
    await page.waitForURL(/\/assessment$/);
    expect((await page.getByRole('heading', { level: 1 }).textContent())?.trim()).toBe('Évaluation de la dépendance');
    const api = (await (await collector.get('/api/v1/assessment')).json()) as { overall: { exposure: number; spend: { total_eur: number } } };
    // Exposure first.
    expect(await page.locator('.kpi .v').first().textContent()).toBe(`${api.overall.exposure.toLocaleString('fr-FR', { maximumFractionDigits: 1 })} / 100`);
    // A spend file with a bad line is refused with its line number, then a good one is imported.
    const csv = join(dir, 'depenses.csv');
    writeFileSync(csv, 'Éditeur;Montant;Année\nAdobe;mille;2026\n');
    await page.getByLabel(/Importer les dépenses/).setInputFiles(csv);
    await page.getByRole('button', { name: 'Importer', exact: true }).click();
    await page.waitForURL(/\/assessment\/spend$/);
    expect(await page.getByRole('alert').textContent()).toContain('ligne 2');
    writeFileSync(csv, 'Éditeur;Montant;Année\nAdobe;12 000,00;2026\n');
    await page.getByLabel(/Importer les dépenses/).setInputFiles(csv);
    await page.getByRole('button', { name: 'Importer', exact: true }).click();
    expect(await page.getByRole('status').first().textContent()).toContain('1 ligne importée');
    const after = (await (await collector.get('/api/v1/assessment')).json()) as { overall: { spend: { total_eur: number } } };
    // The demo's 2026 lines were replaced by this file's (one year, one import).
    expect(after.overall.spend.total_eur).toBe(12_000 + 4800 + 7200);
    // A declared SaaS.
    await page.goto(`${collector.url}/assessment`);
    await page.getByLabel('Nom du service').fill('Google Workspace');
    await page.getByLabel('Fournisseur', { exact: true }).fill('Google');
    await page.getByLabel('Utilisateurs').fill('25');
    await page.locator('form[action="/assessment/assets"] button').click();
    await page.waitForURL(/\/assessment(#assets)?$/);
    expect(await page.locator('#assets ~ table, section:has(#assets) table').textContent()).toContain('Google Workspace');
    // A scenario changes nothing but shows before and after.
    const scenario = page.locator('section:has(#scenario) form');
    await scenario.locator('select[name=product]').selectOption('microsoft/microsoft-365-apps');
    await scenario.locator('select[name=alternative]').selectOption('libreoffice');
    await scenario.getByLabel('Postes et serveurs').fill('10');
    await page.getByRole('button', { name: 'Calculer' }).click();
    await page.waitForURL(/hosts=10/);
    const result = await page.locator('section:has(#scenario) [role=status]').textContent();
    expect(result).toContain('Microsoft 365 Apps / Office → LibreOffice, 10 postes et serveurs');
    await keepInBothLanguages('assessment', {
      english: async () => expect(await page.locator('section:has(#scenario) [role=status]').textContent()).toContain('LibreOffice, 10 hosts'),
    });
    // The printable report carries the diagnostic: exposure per area and the critical dependencies.
    await page.goto(`${collector.url}/report`);
    expect(await page.getByRole('heading', { name: 'Dépendances critiques' }).isVisible()).toBe(true);
    expect(await page.locator('section:has(h2:text("Dépendances critiques")) tbody tr').count()).toBeGreaterThan(0);
    await keepInBothLanguages('report', {
      english: async () => expect(await page.getByRole('heading', { name: 'Critical dependencies' }).isVisible()).toBe(true),
    });
    await noScriptRan();
  });

  it('lets a viewer read but not change anything', async () => {
    const viewer = await browser.newPage();
    await viewer.goto(`${collector.url}/login`);
    await viewer.getByLabel('Identifiant').fill(VIEWER.username);
    await viewer.getByLabel('Mot de passe').fill(VIEWER.password);
    await viewer.getByRole('button', { name: 'Se connecter' }).click();
    await viewer.waitForURL(`${collector.url}/`);
    await viewer.goto(`${collector.url}/unknown`);
    await viewer.locator('tbody tr td:first-child a').first().click();
    expect(await viewer.locator('form[action$="/assign"]').count()).toBe(0);
    await viewer.goto(`${collector.url}/agents`);
    expect(await viewer.locator('form[action="/agents/tokens"]').count()).toBe(0);
    expect(await viewer.getByRole('columnheader', { name: 'File d’attente de l’agent' }).isVisible()).toBe(true);
    // Even with its own valid CSRF token, a forged change is refused.
    const status = await viewer.evaluate(async () => {
      const doc = (globalThis as unknown as { document: { querySelector(s: string): { value: string } } }).document;
      const csrf = doc.querySelector('input[name=_csrf]').value;
      const response = await fetch('/agents/tokens', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `_csrf=${csrf}&name=forged`,
      });
      return response.status;
    });
    expect(status).toBe(403);
    await viewer.close();
  });
});
