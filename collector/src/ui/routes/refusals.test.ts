// Every form the domain refuses shows its reason in the page's language: driven in French, the
// reason holds no English (the English text is the API's and the command line's), and in English
// it is the English one. In process (app.request), on SQLite: the rendering does not depend on the
// engine, which routes.test.ts and i18n.test.ts cover on both.
import { mkdtempSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInventory } from '../../../../test/fixtures.ts';
import { createSession, createUser } from '../../accounts/users.ts';
import { createCollector, type Collector } from '../../collector.ts';
import { publicKeyPem } from '../../federation/keys.ts';
import { first, sql } from '../../store/db.ts';
import { createToken, enrolAgent } from '../../store/tokens.ts';
import type { Lang } from '../i18n.ts';

// English words a French sentence never holds, the reasons' vocabulary first: any of them in a
// French page's reason is English that leaked.
const ENGLISH =
  /\b(the|is|are|not|no|nor|of|and|must|cannot|needs?|does|unknown|already|bad|line|lines|nothing|imported|hosts?|area|amount|year|with|for|its|it|one|between|whole|number|name|characters|longer|missing|expected|found|column|empty|quoted|field|reach|token|given|local|rule)\b/i;

/** A refused form: how to send it, what the user typed (echoed back, in no language). */
interface Refused {
  what: string;
  send: (lang: Lang) => Response | Promise<Response>;
  typed?: string[];
}

describe('refused forms', () => {
  let collector: Collector;
  let admin: string;
  let csrf: string;
  let unknownItem: number;
  const refused: Refused[] = [];

  const post = (path: string, fields: Record<string, string>, lang: Lang) =>
    collector.app.request(`${path}${path.includes('?') ? '&' : '?'}lang=${lang}`, {
      method: 'POST',
      headers: { cookie: admin, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, ...fields }),
    });
  const upload = (csv: string, lang: Lang) => {
    const body = new FormData();
    body.set('_csrf', csrf);
    body.set('file', new File([csv], 'depenses.csv', { type: 'text/csv' }));
    return collector.app.request(`/assessment/spend?lang=${lang}`, { method: 'POST', headers: { cookie: admin }, body });
  };
  const get = (path: string, lang: Lang) => collector.app.request(`${path}&lang=${lang}`, { headers: { cookie: admin } });

  async function send(inventory: ReturnType<typeof makeInventory>) {
    const token = await createToken(collector.db, `agent-${inventory.host.hostname}`);
    const enrolment = await enrolAgent(collector.db, token.id, { id: inventory.host.id, hostname: inventory.host.hostname }, '0.1.0');
    if (!enrolment.ok) throw new Error(enrolment.reason);
    const res = await collector.app.request('/api/v1/inventories', {
      method: 'POST',
      headers: { authorization: `Bearer ${enrolment.credential}`, 'content-type': 'application/json' },
      body: JSON.stringify(inventory),
    });
    expect(res.status).toBe(200);
  }

  /** The text of the page's alert: what the user reads as the reason. */
  function alertText(html: string): string {
    const at = html.indexOf('role="alert"');
    if (at < 0) return '';
    const open = html.lastIndexOf('<', at);
    const tag = /^<(\w+)/.exec(html.slice(open))![1]!;
    const end = html.indexOf(`</${tag}>`, at);
    return html
      .slice(html.indexOf('>', at) + 1, end)
      .replace(/<[^>]*>/g, ' ')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&')
      .replace(/\s+/g, ' ')
      .trim();
  }

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tiebreak-refusals-'));
    collector = await createCollector({ dbFile: join(dir, 'test.db'), log: pino({ level: 'silent' }), snapshotDelayMs: 0, observatory: true });
    const session = await createSession(collector.db, await createUser(collector.db, 'dsi', 'admin', 'a long enough password'));
    admin = `tb_session=${session.cookie}`;
    csrf = session.csrf;
    const software = [
      { name: 'Google Chrome', version: '131.0.6778.86', publisher: 'Google LLC' },
      { name: 'Mozilla Firefox (x64 fr)', version: '133.0', publisher: 'Mozilla' },
      { name: 'Gestion des cimetières', version: '4.2', publisher: 'Éditeur Régional SARL' },
      { name: 'Microsoft Visual C++ 2015-2022 Redistributable (x64) - 14.40.33810', version: '14.40.33810.0', publisher: 'Microsoft Corporation' },
    ];
    await send(makeInventory({ machine: 'poste-1', software }));
    await send(makeInventory({ machine: 'poste-2', software }));
    unknownItem = (await first<{ id: number }>(collector.db, sql`SELECT id FROM catalogue WHERE name = 'Gestion des cimetières'`))!.id;
    const products = (
      (await (await collector.app.request('/api/v1/assessment', { headers: { cookie: admin } })).json()) as {
        products: { key: string; product_key: string; platform: boolean }[];
      }
    ).products;
    const key = (productKey: string) => products.find((p) => p.product_key === productKey)?.key;
    const chrome = key('google/google-chrome');
    const firefox = key('mozilla/firefox');
    expect(chrome && firefox, 'Chrome and Firefox recognised').toBeTruthy();
    const platform = products.find((p) => p.platform)?.key;
    expect(platform, 'a runtime recognised').toBeTruthy();
    const scenario = (product: string, alternative: string, hosts: string) =>
      `/assessment?product=${encodeURIComponent(product)}&alternative=${alternative}&hosts=${hosts}`;
    const pem = await publicKeyPem(collector.db);
    // A loopback port nobody listens on: a server opened and closed.
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const closedPort = (server.address() as AddressInfo).port;
    await new Promise((done) => server.close(done));

    refused.push(
      // The assessment's inputs: a spend file's lines, its header, its quoting; a declared asset; a target.
      {
        what: 'spend lines',
        send: (lang) => upload('Éditeur;Produit;Montant;Année\nMicrosoft;Microsoft 365;beaucoup;hier\n;;1 200,00;2026\nGoogle;Workspace;;\n', lang),
        typed: ['beaucoup', 'hier'],
      },
      { what: 'spend one bad line', send: (lang) => upload('Éditeur;Montant;Année\nMicrosoft;12;1850\n', lang), typed: ['1850'] },
      { what: 'spend header', send: (lang) => upload('Éditeur;Produit\nMicrosoft;Microsoft 365\n', lang), typed: ['Éditeur, Produit'] },
      { what: 'spend no lines', send: (lang) => upload('Éditeur;Montant;Année\n', lang) },
      { what: 'spend quote', send: (lang) => upload('Éditeur;Montant;Année\n"Microsoft;12;2026\n', lang) },
      {
        what: 'asset',
        send: (lang) => post('/assessment/assets', { name: '', vendor: '', area: 'nuage', users: 'beaucoup', cost: 'cher', year: '' }, lang),
        typed: ['nuage', 'beaucoup', 'cher'],
      },
      {
        what: 'asset cost year',
        send: (lang) => post('/assessment/assets', { name: 'Messagerie', vendor: 'Microsoft', area: 'software', cost: '1200' }, lang),
      },
      { what: 'target year', send: (lang) => post('/assessment/targets', { indicator: 'exposure', year: '1900', value: '30' }, lang) },
      { what: 'target value', send: (lang) => post('/assessment/targets', { indicator: 'exposure', year: '2030', value: '500' }, lang) },
      { what: 'target indicator', send: (lang) => post('/assessment/targets', { indicator: 'bonheur', year: '2030', value: '5' }, lang), typed: ['bonheur'] },
      // The replacement scenario's refusals.
      { what: 'scenario product', send: (lang) => get(scenario('nobody/nothing', 'bareos', '1'), lang), typed: ['nobody/nothing'] },
      { what: 'scenario alternative', send: (lang) => get(scenario(chrome!, 'nothing-like-it', '1'), lang), typed: ['nothing-like-it'] },
      { what: 'scenario hosts', send: (lang) => get(scenario(chrome!, 'vivaldi', 'x'), lang) },
      { what: 'scenario too many hosts', send: (lang) => get(scenario(chrome!, 'vivaldi', '9'), lang) },
      { what: 'scenario category', send: (lang) => get(scenario(chrome!, 'atempo', '1'), lang), typed: ['Atempo Tina / Lina', 'Google Chrome'] },
      { what: 'scenario origin', send: (lang) => get(scenario(chrome!, 'firefox-esr', '1'), lang), typed: ['Mozilla Firefox ESR', 'Google Chrome'] },
      { what: 'scenario same vendor', send: (lang) => get(scenario(firefox!, 'firefox-esr', '1'), lang), typed: ['Mozilla Firefox ESR', 'Mozilla Firefox'] },
      { what: 'scenario platform', send: (lang) => get(scenario(platform!, 'vivaldi', '1'), lang) },
      // Local rules: an unknown item assigned, or a new vendor and product.
      {
        what: 'assign unknown product',
        send: (lang) => post(`/products/${unknownItem}/assign`, { target: 'nobody/nothing' }, lang),
        typed: ['nobody/nothing'],
      },
      ...(
        [
          ['new vendor without name', { vendor_name: '', product_name: 'Cimetières', area: 'software', category: 'browser', licence: 'proprietary' }],
          ['new product without name', { vendor_name: 'Éditeur Régional', product_name: '', area: 'software', category: 'browser', licence: 'proprietary' }],
          ['area', { vendor_name: 'Éditeur Régional', product_name: 'Cimetières', area: 'nuage', category: 'browser', licence: 'proprietary' }],
          ['licence', { vendor_name: 'Éditeur Régional', product_name: 'Cimetières', area: 'software', category: 'browser', licence: 'gratuit' }],
          ['category', { vendor_name: 'Éditeur Régional', product_name: 'Cimetières', area: 'software', category: 'cimetieres', licence: 'proprietary' }],
          [
            'country',
            {
              vendor_name: 'Éditeur Régional',
              vendor_country: 'ZZ',
              product_name: 'Cimetières',
              area: 'software',
              category: 'browser',
              licence: 'proprietary',
            },
          ],
          [
            'owner',
            {
              vendor_name: 'Éditeur Régional',
              vendor_owner: 'personne',
              product_name: 'Cimetières',
              area: 'software',
              category: 'browser',
              licence: 'proprietary',
            },
          ],
          [
            'new vendor without country',
            { vendor_name: 'Éditeur Régional', product_name: 'Cimetières', area: 'software', category: 'browser', licence: 'proprietary' },
          ],
          ['product exists', { vendor_name: 'Google', product_name: 'Google Chrome', area: 'software', category: 'browser', licence: 'proprietary' }],
          ['shared vendor', { vendor_name: 'Google', product_name: 'Cimetières', area: 'software', category: 'browser', licence: 'proprietary' }],
        ] as const
      ).map(([what, fields]) => ({
        what: `new rule: ${what}`,
        send: (lang: Lang) => post(`/products/${unknownItem}/assign`, fields, lang),
        typed: ['ZZ', 'cimetieres', 'personne'],
      })),
      // Federation: exclusions, proposals, the authority, the sending; the observatory's registrations.
      { what: 'exclusion ref', send: (lang) => post('/federation/exclusions', { ref: 'Pas un identifiant !' }, lang), typed: ['Pas un identifiant !'] },
      { what: 'exclusion vendor', send: (lang) => post('/federation/exclusions', { ref: 'personne' }, lang), typed: ['personne'] },
      { what: 'exclusion product', send: (lang) => post('/federation/exclusions', { ref: 'google/rien' }, lang), typed: ['google/rien'] },
      { what: 'proposal', send: (lang) => post('/federation/shared', { ref: 'google/chrome' }, lang), typed: ['google/chrome'] },
      { what: 'authority name', send: (lang) => post('/federation/authority', { name: ' ' }, lang) },
      { what: 'send without URL', send: (lang) => post('/federation/send', { url: '', token: '' }, lang) },
      { what: 'send without token', send: (lang) => post('/federation/send', { url: 'https://observatoire.example.fr', token: '' }, lang) },
      { what: 'send to a non-URL', send: (lang) => post('/federation/send', { url: 'observatoire', token: 'jeton' }, lang), typed: ['observatoire'] },
      { what: 'send to ftp', send: (lang) => post('/federation/send', { url: 'ftp://observatoire.example.fr', token: 'jeton' }, lang) },
      {
        what: 'send unreachable',
        send: (lang) => post('/federation/send', { url: `http://127.0.0.1:${closedPort}`, token: 'jeton' }, lang),
      },
      { what: 'register name', send: (lang) => post('/observatory/authorities', { name: '', public_key: pem }, lang) },
      { what: 'register SIREN', send: (lang) => post('/observatory/authorities', { name: 'Commune', siren: '12', public_key: pem }, lang) },
      { what: 'register key', send: (lang) => post('/observatory/authorities', { name: 'Commune', public_key: 'pas une clé' }, lang) },
      // Settings: accounts and tokens (keys of their own since the error model).
      { what: 'user name', send: (lang) => post('/settings/users', { username: '!', role: 'viewer' }, lang) },
      { what: 'token name', send: (lang) => post('/settings/api-tokens', { name: '', role: 'viewer' }, lang) },
      {
        what: 'criticality',
        send: (lang) => post('/settings/criticality/product', { product: 'nobody/nothing', level: '3' }, lang),
        typed: ['nobody/nothing'],
      },
    );
  });
  afterAll(() => collector?.close());

  it('refuse to switch local accounts off where no directory login is configured (a lockout)', async () => {
    const refused = await post('/settings/local-login', { local_login: 'off' }, 'fr');
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain('Les comptes locaux ne peuvent être désactivés que si une connexion par annuaire');
  });

  it('give their reason in French on a French page, in English on an English one', async () => {
    // A key registered once: the second registration is refused as a duplicate.
    const pem = await publicKeyPem(collector.db);
    expect((await post('/observatory/authorities', { name: 'Commune', public_key: pem }, 'fr')).status).toBe(201);
    refused.push({ what: 'register twice', send: (lang) => post('/observatory/authorities', { name: 'Commune', public_key: pem }, lang) });

    const problems: string[] = [];
    for (const form of refused) {
      const fr = await form.send('fr');
      const en = await form.send('en');
      if (fr.status < 400 || fr.status >= 600) problems.push(`${form.what}: not refused (${fr.status})`);
      const frText = alertText(await fr.text());
      const enText = alertText(await en.text());
      if (!frText) {
        problems.push(`${form.what}: no reason shown in French`);
        continue;
      }
      // What the user typed, and what a French sentence quotes as such (« … »: a header's names, the system's answer).
      let prose = frText.replace(/«[^»]*»/g, ' ');
      for (const typed of form.typed ?? []) prose = prose.split(typed).join(' ');
      const english = ENGLISH.exec(prose);
      if (english) problems.push(`${form.what}: English "${english[0]}" in "${frText}"`);
      if (!enText || enText === frText || !ENGLISH.test(enText)) problems.push(`${form.what}: no English reason on the English page ("${enText}")`);
    }
    expect(problems).toEqual([]);
  });
});
