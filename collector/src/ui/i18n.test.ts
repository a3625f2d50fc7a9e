// The web interface says everything in the reader's language: both dictionaries have the same
// keys, every main page rendered in French shows no raw id (category, origin, area, maturity...)
// nor English word, every page in English no French word of the dictionary, and numbers, percents
// and dates follow each language's usage. In process (app.request), on a small seeded authority.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { reassignHosts } from '../entities/assign.ts';
import { createEntity } from '../entities/entities.ts';
import { addRule } from '../entities/rules.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInventory } from '../../../test/fixtures.ts';
import { untranslatedChecker } from '../../../test/untranslated.ts';
import { recordAudit } from '../accounts/audit.ts';
import { createSession, createUser } from '../accounts/users.ts';
import { createCollector, type Collector } from '../collector.ts';
import { ERROR_STATUS } from '../errors.ts';
import { first, sql, value } from '../store/db.ts';
import { ENGINES, newDatabaseLocation } from '../store/test-database.ts';
import { createToken, enrolAgent } from '../store/tokens.ts';
import { count, formatDate, formatEuro, formatNumber, formatPercent, NNBSP, typeset } from './format.ts';
import { DICTS, type Lang } from './i18n.ts';

// What the agents of a small town hall send: US, European and community software, an unknown
// business application, a Linux server with distribution packages.
const WORKSTATION_SOFTWARE = [
  { name: 'Google Chrome', version: '131.0.6778.86', publisher: 'Google LLC' },
  { name: 'Mozilla Firefox (x64 fr)', version: '133.0', publisher: 'Mozilla' },
  { name: 'Zoom Workplace (64-bit)', version: '6.2.11', publisher: 'Zoom Video Communications, Inc.' },
  { name: 'Microsoft 365 Apps for enterprise - fr-fr', version: '16.0.18129.20158', publisher: 'Microsoft Corporation' },
  { name: 'LibreOffice 24.8.3.2', version: '24.8.3.2', publisher: 'The Document Foundation' },
  { name: '7-Zip 24.08 (x64)', version: '24.08', publisher: 'Igor Pavlov' },
  { name: 'Gestion des cimetières', version: '4.2', publisher: 'Éditeur Régional SARL' },
];
const SERVER_SOFTWARE = [
  { name: 'openssh-server', version: '1:9.2p1-2', publisher: 'Debian OpenSSH Maintainers', source: 'dpkg' as const },
  { name: 'postgresql-15', version: '15.10-0+deb12u1', publisher: 'Debian PostgreSQL Maintainers', source: 'dpkg' as const },
];
const DATA_STRINGS = [...WORKSTATION_SOFTWARE, ...SERVER_SOFTWARE].flatMap((s) => [s.name, s.publisher]);

/** The collector's source files, tests left out. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [join(dir, entry.name)] : [],
  );
}

describe.each(ENGINES)('%s', (engine) => {
  let collector: Collector;
  let cookie: string;
  let productId: number;
  let vendorId: string;
  let hostId: number;
  let scopedEntity: number;

  async function send(inventory: ReturnType<typeof makeInventory>) {
    const token = await createToken(collector.db, `agent-${inventory.host.hostname}`);
    const enrolment = await enrolAgent(collector.db, token.id, { id: inventory.host.id, hostname: inventory.host.hostname }, null);
    if (!enrolment.ok) throw new Error(enrolment.reason);
    return collector.app.request('/api/v1/inventories', {
      method: 'POST',
      headers: { authorization: `Bearer ${enrolment.credential}`, 'content-type': 'application/json' },
      body: JSON.stringify(inventory),
    });
  }

  beforeAll(async () => {
    collector = await createCollector({
      dbFile: await newDatabaseLocation(engine, join(mkdtempSync(join(tmpdir(), 'tiebreak-i18n-')), 'test.db')),
      log: pino({ level: 'silent' }),
      snapshotDelayMs: 0,
    });
    const session = await createSession(collector.db, await createUser(collector.db, 'dsi', 'admin', 'a long enough password'));
    cookie = `tb_session=${session.cookie}`;
    for (let i = 1; i <= 3; i++) expect((await send(makeInventory({ machine: `poste-${i}`, software: WORKSTATION_SOFTWARE }))).status).toBe(200);
    const server = makeInventory({ machine: 'srv-1', osFamily: 'linux', osName: 'Debian GNU/Linux 12 (bookworm)', software: SERVER_SOFTWARE });
    expect((await send({ ...server, os: { ...server.os, family: 'linux', version: '12' } })).status).toBe(200);
    await collector.takeSnapshot();
    // The audit log's page with an entry, and a category's criticality set by the DSI.
    await recordAudit(
      collector.db,
      { actor: { kind: 'user', name: 'dsi', ip: '192.0.2.10' }, action: 'criticality.category', details: 'browser=3' },
      new Date('2026-12-01T09:15:30Z'),
    );
    // A product of a non-European vendor with a law note, its vendor, a host: their detail pages.
    const chrome = await first<{ id: number; vendor_id: string }>(collector.db, sql`SELECT id, vendor_id FROM catalogue WHERE name = 'Google Chrome'`);
    if (!chrome) throw new Error('Google Chrome was not recognised: the test data no longer fits the rules');
    productId = chrome.id;
    vendorId = chrome.vendor_id;
    hostId = (await value<number>(collector.db, sql`SELECT id FROM hosts ORDER BY id LIMIT 1`))!;
    // Entities: a commune under an intercommunalité, a rule that puts the first workstation in it.
    const epci = await createEntity(collector.db, { name: 'Communauté du Val', kind: 'intercommunalite' });
    const commune = await createEntity(collector.db, { name: 'Bourg', kind: 'commune', parentId: epci.id });
    await addRule(collector.db, commune.id, 'hostname', 'POSTE-1');
    await reassignHosts(collector.db);
    scopedEntity = epci.id;
  });
  afterAll(() => collector?.close());

  const PAGES = () => [
    '/',
    '/vendors',
    `/vendors/${encodeURIComponent(vendorId)}`,
    '/products',
    `/products/${productId}`,
    '/unknown',
    '/hosts',
    `/hosts/${hostId}`,
    '/assessment',
    '/agents',
    '/settings',
    '/settings/audit',
    '/settings/entities',
    `/?entity=${scopedEntity}`,
    '/report',
    '/federation',
  ];

  async function page(path: string, lang: Lang): Promise<string> {
    const res = await collector.app.request(path, { headers: { cookie: `${cookie}; tb_lang=${lang}` } });
    expect(res.status, `${path} in ${lang}`).toBe(200);
    return res.text();
  }

  /** The text a reader sees: every text node, without scripts, styles, tags and their attributes. */
  function visibleText(html: string): string[] {
    return html
      .replace(/<(script|style|pre|code)\b[^>]*>[\s\S]*?<\/\1>/gi, ' ')
      .split(/<[^>]*>/)
      .map((s) =>
        s
          .replace(/&lt;/g, '<')
          .replace(/&gt;/g, '>')
          .replace(/&quot;/g, '"')
          .replace(/&#39;/g, "'")
          .replace(/&amp;/g, '&')
          .trim(),
      )
      .filter(Boolean);
  }

  /** Every string of a dictionary, with its path. */
  function leaves(value: unknown, path = ''): [string, string][] {
    if (typeof value === 'string') return [[path, value]];
    if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => leaves(v, path ? `${path}.${k}` : k));
    return [];
  }
  /** Every key path of a dictionary (groups included), so a missing group or leaf shows. */
  function keyPaths(value: unknown, path = ''): string[] {
    if (!value || typeof value !== 'object') return [];
    return Object.entries(value).flatMap(([k, v]) => {
      const p = path ? `${path}.${k}` : k;
      return [p, ...keyPaths(v, p)];
    });
  }

  /**
   * A text with what agents sent and what the rules name (products, vendors, alternatives) put
   * aside: names, in no language. One pattern for every name, longest first so that a name is never
   * cut by a shorter one inside it.
   */
  let namesPattern: RegExp | undefined;
  function withoutNames(text: string): string {
    if (!namesPattern) {
      const rules = collector.baseRules;
      const all = [...DATA_STRINGS, ...[...rules.alternatives.values()].map((a) => a.name)];
      for (const v of rules.vendors.values()) all.push(v.name, ...v.products.map((p) => p.name));
      const names = [...new Set(all)].filter((n) => n.length > 2).sort((a, b) => b.length - a.length);
      namesPattern = new RegExp(names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
    }
    return text.replace(namesPattern, 'NAME');
  }

  // English words and notes that leaked into French pages before, and the extraterritorial laws' text.
  const ENGLISH_ONLY = /\b(default|domain|mature|usable|emerging|community|line|lines|rows|yes|no|estimate|providers|held abroad|n\/a)\b/;

  describe('dictionaries', () => {
    it('have the same keys in French and English, every leaf a non-empty string', () => {
      // Laws are keyed by the rules' English text: French translates them, English shows them as they are.
      const fr = keyPaths(DICTS.fr).filter((k) => !k.startsWith('laws.'));
      const en = keyPaths(DICTS.en).filter((k) => !k.startsWith('laws.'));
      expect(
        fr.filter((k) => !en.includes(k)),
        'keys missing in English',
      ).toEqual([]);
      expect(
        en.filter((k) => !fr.includes(k)),
        'keys missing in French',
      ).toEqual([]);
      for (const lang of ['fr', 'en'] as const) for (const [path, s] of leaves(DICTS[lang])) expect(s.trim(), `${lang}.${path}`).not.toBe('');
    });

    it('give every error the same parameters in both languages, and every error key the code names a text in both', () => {
      const params = (template: string) => [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      const mismatched = Object.entries(DICTS.fr.errors).filter(
        ([key, fr]) => JSON.stringify(params(fr)) !== JSON.stringify(params((DICTS.en.errors as Record<string, string>)[key] ?? '')),
      );
      expect(
        mismatched.map(([key]) => key),
        'errors whose French and English parameters differ',
      ).toEqual([]);
      // The keys given where the domain throws or lists its reasons (errors.ts): `new …Error(message, key…)`, `reason(message, key…)`.
      const named = new Map<string, string>();
      for (const file of sourceFiles(join(import.meta.dirname, '..')))
        for (const call of readFileSync(file, 'utf8').matchAll(/(?:new \w*Error|\breason|super)\(([^;]*?)\)(?:;|\n\s*[;}])/g))
          for (const literal of call[1]!.matchAll(/[,(]\s*'([a-z][A-Za-z]*)'\s*[,)]/g)) if (!(literal[1]! in ERROR_STATUS)) named.set(literal[1]!, file);
      expect(named.size, 'error keys found in the code').toBeGreaterThan(40);
      for (const lang of ['fr', 'en'] as const)
        expect(
          [...named].filter(([key]) => !(key in DICTS[lang].errors)).map(([key, file]) => `${key} (${file})`),
          `error keys without a ${lang} text`,
        ).toEqual([]);
    });

    it('translate every extraterritorial law of the rules into French', () => {
      const laws = [...collector.baseRules.countries.values()].flatMap((c) => c.laws ?? []);
      expect(laws.length).toBeGreaterThan(0);
      expect(
        laws.filter((law) => !DICTS.fr.laws[law]),
        'laws without a French text in i18n.ts',
      ).toEqual([]);
    });

    it('name every category in both languages', () => {
      const missing = [...collector.baseRules.categories.values()].filter((c) => !c.name.fr || !c.name.en || c.name.fr === c.id || c.name.en === c.id);
      expect(missing.map((c) => c.id)).toEqual([]);
    });

    it('typeset French high punctuation with a narrow no-break space, and English not at all', () => {
      for (const [path, s] of leaves(DICTS.fr)) expect(s, `fr.${path}`).not.toMatch(/ [:;?!](\s|$)/);
      for (const [path, s] of leaves(DICTS.en)) expect(s, `en.${path}`).not.toMatch(/[ \u202f][;:?!](\s|$)/);
      expect(DICTS.fr.login.tooMany).toBe(`Trop de tentatives${NNBSP}: réessayez dans {s} secondes.`);
    });
  });

  describe('formats', () => {
    it('write numbers, percents, euros, dates and plurals as each language does', () => {
      expect(formatNumber('fr', 25.34)).toBe('25,3');
      expect(formatNumber('fr', 12345)).toBe(`12${NNBSP}345`);
      expect(formatNumber('en', 12345.67)).toBe('12,345.7');
      expect(formatPercent('fr', 75)).toBe(`75${NNBSP}%`);
      expect(formatPercent('en', 75)).toBe('75%');
      expect(formatEuro('fr', 1234.4)).toBe(`1${NNBSP}234${NNBSP}€`);
      expect(formatEuro('en', 1234.4)).toBe('€1,234');
      expect(formatDate('fr', '2026-12-02T08:52:00Z')).toBe('2 décembre 2026');
      expect(formatDate('fr', '2026-12-01')).toBe('1er décembre 2026');
      expect(formatDate('en', '2026-12-02')).toBe('2 December 2026');
      expect([0, 1, 2].map((n) => count('fr', n, 'ligne', 'lignes'))).toEqual(['0 ligne', '1 ligne', '2 lignes']);
      expect([0, 1, 2].map((n) => count('en', n, 'line', 'lines'))).toEqual(['0 lines', '1 line', '2 lines']);
      expect(typeset('Voir : https://exemple.fr:8443/a à 10:30 ; fini !')).toBe(`Voir${NNBSP}: https://exemple.fr:8443/a à 10:30${NNBSP}; fini${NNBSP}!`);
      expect(typeset('en-tête « Authorization: Bearer JETON »')).toBe(`en-tête «${NNBSP}Authorization: Bearer JETON${NNBSP}»`);
    });
  });

  describe('pages', () => {
    it('in French show no raw id, no key and no English word', async () => {
      const untranslated = untranslatedChecker(collector.baseRules, 'fr');
      const problems: string[] = [];
      for (const path of PAGES()) {
        const html = await page(path, 'fr');
        expect(html, path).toContain('<html lang="fr"');
        const texts = visibleText(html);
        // A cell, an option or a label that is an id as such, an id inside a sentence, a key, a placeholder.
        for (const problem of untranslated(texts)) problems.push(`${path}: ${problem}`);
        for (const text of texts) {
          const prose = withoutNames(text);
          const english = ENGLISH_ONLY.exec(prose);
          if (english) problems.push(`${path}: English "${english[0]}" in "${text}"`);
          // Versions (133.0) are names, not quantities: only a number with a unit or a scale is checked.
          if (/\d\.\d+\s*(%|€|\/ 100)/.test(prose)) problems.push(`${path}: decimal point in "${text}"`);
          if (/\d %|\d%/.test(prose)) problems.push(`${path}: percent without a narrow no-break space in "${text}"`);
          if (/\b\d{4}-\d{2}-\d{2}\b/.test(prose)) problems.push(`${path}: ISO date in "${text}"`);
        }
      }
      expect(problems).toEqual([]);
    });

    it('in English show no raw id, no key, no French word of the dictionary and no French typography', async () => {
      const untranslated = untranslatedChecker(collector.baseRules, 'en');
      // Words only French uses: from every French string whose English differs, the accented ones.
      const en = new Map(leaves(DICTS.en));
      const french = new Set<string>();
      for (const [path, s] of leaves(DICTS.fr))
        if (en.get(path) !== s) for (const word of s.match(/[\p{L}’']+/gu) ?? []) if (/[àâçéèêëîïôûùüÿœ’]/i.test(word) && word.length > 3) french.add(word);
      expect(french.size).toBeGreaterThan(100);
      const problems: string[] = [];
      for (const path of PAGES()) {
        const html = await page(path, 'en');
        expect(html, path).toContain('<html lang="en"');
        const texts = visibleText(html);
        for (const problem of untranslated(texts)) problems.push(`${path}: ${problem}`);
        for (const text of texts) {
          const prose = withoutNames(text);
          for (const word of prose.match(/[\p{L}’']+/gu) ?? []) if (french.has(word)) problems.push(`${path}: French "${word}" in "${text}"`);
          if (prose.includes(NNBSP) || / [:;!?](\s|$)/.test(prose)) problems.push(`${path}: French typography in "${text}"`);
          if (/\d,\d{1,2}\b(?!\d)/.test(prose) && !/\d,\d{3}/.test(prose)) problems.push(`${path}: decimal comma in "${text}"`);
        }
      }
      expect(problems).toEqual([]);
    });

    it('serve the Markdown diagnostic in the page language', async () => {
      const md = async (lang: Lang) => {
        const res = await collector.app.request('/report.md', { headers: { cookie: `${cookie}; tb_lang=${lang}` } });
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toContain('text/markdown');
        return res.text();
      };
      const fr = await md('fr');
      expect(fr).toContain('# Diagnostic de dépendance numérique');
      expect(fr).toMatch(new RegExp(`\\*\\*Indice d’exposition${NNBSP}: \\d+(,\\d)? / 100\\*\\*`));
      expect(fr).toContain('| ensemble |');
      expect(fr).toContain(`| ${DICTS.fr.areas.workstation} |`);
      expect(fr).toContain('## Dépendances critiques');
      for (const english of ['Exposure index', 'Lock-in', 'overall', 'Critical dependencies', 'non_eu', '| workstation |', 'n/a'])
        expect(fr).not.toContain(english);
      expect(fr).not.toMatch(/\d\.\d+ (\/ 100|%)|\d %/);
      const en = await md('en');
      expect(en).toContain('# Digital dependency diagnostic');
      expect(en).toMatch(/\*\*Exposure index: \d+(\.\d)? \/ 100\*\*/);
      for (const french of ['Indice', 'ensemble', 'Dépendances', NNBSP]) expect(en).not.toContain(french);
    });

    it('export CSV headers in the page language', async () => {
      for (const [lang, header] of [
        ['fr', 'Domaine Windows ou DNS'],
        ['en', 'Windows or DNS domain'],
      ] as const) {
        const res = await collector.app.request('/hosts.csv', { headers: { cookie: `${cookie}; tb_lang=${lang}` } });
        const first = (await res.text()).replace(/^\uFEFF/, '').split('\r\n')[0]!;
        expect(first.split(';')).toContain(header);
        expect(first.split(';')).toContain(lang === 'fr' ? 'Version du système' : 'System version');
      }
    });
  });
});
