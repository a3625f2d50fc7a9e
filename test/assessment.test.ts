// The dependency assessment of a small authority built by hand (test/authority-fleet.ts): four
// Windows 11 workstations, a Windows and a Debian server, spend lines, declared services (one of
// them also installed), a criticality setting, every origin, a product on both roles. Every
// indicator is computed HERE from the formulas of docs/methodology.md and the facts of the shipped
// rules (checked against the rules first), then compared with the API, the CLI report and the page.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AREAS, ORIGINS, type Area, type Origin } from '@tiebreak/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Assessment } from '../collector/src/assessment/compute.ts';
import { HARD_TO_REPLACE, MATURITY_FACTOR, MIGRATION_FACTOR } from '../collector/src/assessment/method.ts';
import { loadClassifier } from '../collector/src/collector.ts';
import { closeDatabase, openDatabase, sql, value } from '../collector/src/store/db.ts';
import { ENGINES, newDatabaseLocation } from '../collector/src/store/test-database.ts';
import type { DependencyMap } from '../collector/src/map/map.ts';
import { authorityFleet } from './authority-fleet.ts';
import { expectMapAgreesWithAssessment } from './expect-consistent.ts';
import { runCli, startCollector, tempDir, type RunningCollector } from './helpers.ts';

const r2 = (n: number) => Math.round(n * 100) / 100;
const FLEET = ['ws-1', 'ws-2', 'ws-3', 'ws-4', 'srv-win', 'srv-deb'];
const WORKSTATIONS = ['ws-1', 'ws-2', 'ws-3', 'ws-4'];

interface Fact {
  area: Area;
  origin: Origin;
  /** Origin weight, from the method's table and the owner in the rules. */
  w: number;
  /** Criticality: the category's default in rules/categories.yaml, or the DSI's setting. */
  c: number;
  category: string;
  /** The alternative that gives r, chosen by hand from rules/alternatives/<category>.yaml (and checked below), or none. */
  best: string | null;
  on: string[];
  /** Installations when not one per host (two Debian packages on one server). */
  n?: number;
  users?: number;
  platform?: boolean;
}

// By hand, from the inventories of test/authority-fleet.ts and the rules:
const FACTS: Record<string, Fact> = {
  // OS and hardware count in the area of their host's role; software in its product's area.
  'microsoft/windows': { area: 'workstation', origin: 'non_eu', w: 1, c: 3, category: 'os', best: 'debian', on: WORKSTATIONS },
  'microsoft/microsoft-365-apps': {
    area: 'workstation',
    origin: 'non_eu',
    w: 1,
    c: 3,
    category: 'office-suite',
    best: 'libreoffice',
    on: WORKSTATIONS,
    users: 20,
  },
  // Sophos: HQ in the UK, owned by Thoma Bravo (US): a European brand owned from outside, w 0.75.
  'sophos/sophos-endpoint': { area: 'workstation', origin: 'non_eu', w: 0.75, c: 3, category: 'security', best: 'eset-endpoint', on: ['ws-1', 'ws-2', 'ws-3'] },
  'dell/dell-pc': { area: 'workstation', origin: 'non_eu', w: 1, c: 2, category: 'computer', best: 'terra-wortmann', on: WORKSTATIONS },
  // The same Intel product on both roles: two groups, one per area.
  'intel/intel-processor@workstation': { area: 'workstation', origin: 'non_eu', w: 1, c: 1, category: 'processor', best: null, on: WORKSTATIONS },
  // Zoom: the DSI set it to criticality 3; Jitsi Meet (open source, mature) and an easy migration: r = 1.
  'zoom/zoom-workplace': { area: 'workstation', origin: 'non_eu', w: 1, c: 3, category: 'video-conferencing', best: 'jitsi-meet', on: ['ws-3'] },
  // LibreOffice: community (0.1); its own library entry is its own vendor's, Collabora (GB, 0.5) and
  // SoftMaker (DE, proprietary, 0.25) weigh more, La Suite numérique and openDesk (community) as much: r = 0.
  'the-document-foundation/libreoffice-product': {
    area: 'workstation',
    origin: 'community',
    w: 0.1,
    c: 3,
    category: 'office-suite',
    best: null,
    on: ['ws-1', 'ws-2'],
  },
  'ghisler/total-commander': { area: 'workstation', origin: 'europe', w: 0.5, c: 1, category: 'utility', best: null, on: ['ws-1'] },
  // TeamViewer (DE, proprietary, 0.25) on the Windows server, in its product's area: AnyDesk (DE,
  // proprietary) weighs as much; Apache Guacamole (community, 0.1, mature, easy) lowers it: r = 1.
  'teamviewer/teamviewer-product': { area: 'workstation', origin: 'eu', w: 0.25, c: 2, category: 'remote-access', best: 'guacamole', on: ['srv-win'] },
  'microsoft/vcredist': {
    area: 'workstation',
    origin: 'non_eu',
    w: 1,
    c: 1,
    category: 'runtime',
    best: null,
    on: [...WORKSTATIONS, 'srv-win'],
    platform: true,
  },
  'microsoft/windows-server': { area: 'infrastructure', origin: 'non_eu', w: 1, c: 3, category: 'os', best: 'debian', on: ['srv-win'] },
  'dell/dell-poweredge': { area: 'infrastructure', origin: 'non_eu', w: 1, c: 2, category: 'computer', best: 'terra-wortmann', on: ['srv-win'] },
  'intel/intel-processor@infrastructure': { area: 'infrastructure', origin: 'non_eu', w: 1, c: 1, category: 'processor', best: null, on: ['srv-win'] },
  // Debian (community, 0.1): Ubuntu (Canonical, GB, 0.5) weighs more; openSUSE (SUSE, owned in the EU, open source, 0) lowers it.
  'debian/debian-gnu-linux': { area: 'infrastructure', origin: 'community', w: 0.1, c: 3, category: 'os', best: 'opensuse-sled', on: ['srv-deb'] },
  // Declared only: Azure (no users given: weight 1), Google Workspace (12 users, capped by the 6 hosts).
  'microsoft/microsoft-azure': { area: 'infrastructure', origin: 'non_eu', w: 1, c: 3, category: 'cloud', best: 'ovhcloud-alt', on: [], users: 0 },
  'google/google-workspace': { area: 'software', origin: 'non_eu', w: 1, c: 3, category: 'office-suite', best: 'libreoffice', on: [], users: 12 },
  'berger-levrault/bl-emagnus': { area: 'software', origin: 'eu', w: 0.25, c: 3, category: 'erp', best: null, on: ['ws-2'] },
  'debian/*distribution-package': { area: 'software', origin: 'community', w: 0.1, c: 1, category: 'distribution-package', best: null, on: ['srv-deb'], n: 2 },
};
/** The one unrecognised item, on ws-4 (software: no area). */
const UNKNOWN = { on: ['ws-4'], n: 1 };

const classifier = loadClassifier();
const rules = classifier.rules;
const categoryMigration = (category: string) => rules.categories.get(category)?.migration ?? 'moderate';
const r = (f: Fact) => {
  if (!f.best) return 0;
  const alternative = rules.alternatives.get(f.best)!;
  return r2(MATURITY_FACTOR[alternative.maturity] * MIGRATION_FACTOR[alternative.migration ?? categoryMigration(f.category)]);
};
/**
 * The method's § 3 from the rules alone: the candidates (the product's own list, then its category's
 * library), kept when of the product's category, of another vendor and owner, European or
 * community, and of a lower origin weight than the product's.
 */
const fitting = (key: string, f: Fact) => {
  const [vendorId, productId] = key.split('@')[0]!.split('/') as [string, string];
  const named = productId.startsWith('*') ? [] : (classifier.product(vendorId, productId)?.alternatives ?? []);
  const library = [...rules.alternatives.values()].filter((a) => a.category === f.category || a.also_for.includes(f.category)).map((a) => a.id);
  const own = new Set([vendorId, classifier.ultimateOwner(vendorId)?.id].filter((v) => v !== undefined));
  const region = (country: string | undefined) => (country ? rules.countries.get(country)?.region : undefined);
  return [...new Set([...named, ...library])]
    .map((id) => rules.alternatives.get(id)!)
    .filter((a) => {
      if (a.category !== f.category && !a.also_for.includes(f.category)) return false;
      const vendor = a.vendor ? classifier.vendor(a.vendor) : undefined;
      const owner = a.vendor ? (classifier.ultimateOwner(a.vendor) ?? vendor) : undefined;
      if (a.vendor && (own.has(a.vendor) || (owner && own.has(owner.id)))) return false;
      // The origin weight of the method's table: community 0.1; EU/EEA 0 (open source) or 0.25; Europe outside the EEA 0.5.
      const ownerRegion = vendor
        ? vendor.kind === 'community'
          ? 'community'
          : region(owner!.country)
        : a.country
          ? region(a.country)
          : a.licence === 'open_source'
            ? 'community'
            : undefined;
      const w = ownerRegion === 'community' ? 0.1 : ownerRegion === 'eea' ? (a.licence === 'open_source' ? 0 : 0.25) : ownerRegion === 'europe' ? 0.5 : null;
      return w !== null && w < f.w;
    });
};
const rOf = (f: Fact, a: { maturity: keyof typeof MATURITY_FACTOR; migration?: keyof typeof MIGRATION_FACTOR }) =>
  r2(MATURITY_FACTOR[a.maturity] * MIGRATION_FACTOR[a.migration ?? categoryMigration(f.category)]);
const exposure = (f: Fact) => r2((100 * f.w * f.c) / 3);
const priority = (f: Fact) => r2(((100 * f.w * f.c) / 3) * (1 - r(f)));
const installations = (f: Fact) => f.n ?? f.on.length;
const weight = (f: Fact) => installations(f) || Math.max(1, Math.min(f.users ?? 0, FLEET.length));
const business = Object.entries(FACTS).filter(([, f]) => !f.platform);
const inScope = (area: Area | null) => business.filter(([, f]) => area === null || f.area === area);
const index = (area: Area | null, score: (f: Fact) => number) => {
  const items = inScope(area);
  return r2(items.reduce((s, [, f]) => s + weight(f) * score(f), 0) / items.reduce((s, [, f]) => s + weight(f), 0));
};
const lockIn = (area: Area | null) => {
  const items = inScope(area);
  return r2((100 * items.reduce((s, [, f]) => s + weight(f) * priority(f), 0)) / items.reduce((s, [, f]) => s + weight(f) * exposure(f), 0));
};
/** Hosts with a non-platform item of each origin (unknown included), in an area or overall. */
const hostsBy = (area: Area | null, origin: Origin | null) => {
  const hosts = new Set<string>();
  for (const [, f] of inScope(area)) if (origin === null || f.origin === origin) f.on.forEach((h) => hosts.add(h));
  if (area === null && (origin === null || origin === 'unknown')) UNKNOWN.on.forEach((h) => hosts.add(h));
  return hosts.size;
};
const share = (part: number, whole: number) => (whole ? r2((100 * part) / whole) : null);
const isCritical = (f: Fact) => f.c >= 3 && f.origin === 'non_eu' && r(f) < HARD_TO_REPLACE;

const SPEND = [
  'Éditeur;Produit;Montant;Année;Contrat;Fournisseur',
  'Microsoft;Microsoft 365;4 000,00 €;2026;M-2026;UGAP',
  'Microsoft;Windows 11 Pro;1 000;2026;W-2026;UGAP',
  'SOPHOS LIMITED;;800;2026;;Intégrateur Local',
  'Berger-Levrault;e.magnus;1 200;2025;BL-2019-03;',
  ';;150,00;2026;;Société Inconnue SARL',
  '',
].join('\n');
// M365 E3 is the installed Microsoft 365 Apps (counted once), its cost the same contract as the
// 2026 line M-2026 (not counted twice); Azure's cost is another Microsoft contract (counted).
const ASSETS = [
  'name,vendor,area,users,cost,year,contract',
  'Microsoft 365 E3,Microsoft,logiciels,20,5000,2026,M-2026',
  'Microsoft Azure,Microsoft,infrastructure,,300,2026,AZ-1',
  'Google Workspace,Google,logiciels,12,1 680,2026,GW-2026',
  '',
].join('\n');

describe.each(ENGINES)('the assessment of a hand-built authority on %s', (engine) => {
  let dir: string;
  let dbFile: string;
  let collector: RunningCollector;
  let a: Assessment;

  beforeAll(async () => {
    dir = tempDir();
    dbFile = await newDatabaseLocation(engine, join(dir, 'collector.db'));
    const reports = join(dir, 'reports');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(reports);
    authorityFleet().forEach((inventory, i) => writeFileSync(join(reports, `${FLEET[i]}.json`), JSON.stringify(inventory)));
    const imported = await runCli('collector', ['import', reports, '--db', dbFile, '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ imported: 6, rejected: 0 });
    writeFileSync(join(dir, 'assets.csv'), ASSETS);
    const assets = await runCli('collector', ['asset', 'import', join(dir, 'assets.csv'), '--db', dbFile]);
    expect(assets.stdout + assets.stderr).toContain('assets: 3 added');
    collector = await startCollector(dbFile, [], { TIEBREAK_SNAPSHOT_DELAY_MS: '200' });
    const spend = await collector.get('/api/v1/assessment/spend?file=finances.csv', {
      method: 'POST',
      body: SPEND,
      headers: { 'content-type': 'text/csv', 'x-csrf-token': collector.session.csrf },
    });
    expect(spend.status).toBe(200);
    expect(await spend.json()).toMatchObject({ lines: 5, years: [2025, 2026], matched: 4 });
    // The criticality setting, as the settings page sends it.
    const set = await collector.get('/settings/criticality/product', {
      method: 'POST',
      body: new URLSearchParams({ _csrf: collector.session.csrf, product: 'zoom/zoom-workplace', level: '3' }),
      redirect: 'manual',
    });
    expect(set.status).toBe(302);
    a = (await (await collector.get('/api/v1/assessment?year=2026')).json()) as Assessment;
  }, 240_000);
  afterAll(async () => collector?.stop());

  it('reads its facts from the rules', () => {
    for (const [key, f] of Object.entries(FACTS)) {
      const [vendorId, productId] = key.split('@')[0]!.split('/') as [string, string];
      if (!productId.startsWith('*')) expect(classifier.product(vendorId, productId)?.category, key).toBe(f.category);
      const category = rules.categories.get(f.category)!;
      if (key !== 'zoom/zoom-workplace') expect(category.criticality, key).toBe(f.c);
      // The alternative chosen by hand is the method's best (the first of the largest r) among those that fit.
      const fit = fitting(key, f);
      const best = fit.reduce<(typeof fit)[number] | null>((b, a) => (!b || rOf(f, a) > rOf(f, b) ? a : b), null);
      expect(best?.id ?? null, key).toBe(f.best);
    }
    expect(rules.categories.get('video-conferencing')!.criticality).toBe(2); // raised to 3 by the setting
    expect(classifier.vendor('sophos')!.country).toBe('GB');
    expect(classifier.ultimateOwner('sophos')!.country).toBe('US');
    expect(classifier.vendor('ghisler')!.country).toBe('CH');
    expect(classifier.vendor('teamviewer')!.country).toBe('DE');
    expect(classifier.vendor('berger-levrault')!.country).toBe('FR');
  });

  it('scores every product: exposure, replaceability with the alternative that gave it, priority', () => {
    expect(a.products.map((p) => p.key).sort()).toEqual(Object.keys(FACTS).sort());
    for (const [key, f] of Object.entries(FACTS)) {
      const p = a.products.find((x) => x.key === key)!;
      expect(p, key).toMatchObject({
        area: f.area,
        origin: f.origin,
        platform: !!f.platform,
        origin_weight: f.w,
        criticality: { level: f.c },
        hosts: new Set(f.on).size,
        installations: installations(f),
        users: f.users ?? null,
        weight: weight(f),
        exposure: exposure(f),
        priority: priority(f),
        prevalence: f.on.length ? share(new Set(f.on).size, FLEET.length) : null,
      });
      expect(p.replaceability.score, key).toBe(r(f));
      expect(p.replaceability.best?.id ?? null, key).toBe(f.best);
      // Every alternative offered is one that fits, and every one that fits is offered.
      expect(
        p.alternatives.map((x) => x.id),
        key,
      ).toEqual(fitting(key, f).map((x) => x.id));
    }
    // TeamViewer's alternative comes from its category's library, Windows' from the product's own list.
    expect(a.products.find((p) => p.key === 'teamviewer/teamviewer-product')!.replaceability.from).toBe('category');
    // No alternative to LibreOffice lowers the dependency; Firefox ESR (Mozilla, US) is offered for nothing.
    expect(a.products.find((p) => p.key === 'the-document-foundation/libreoffice-product')!.alternatives).toEqual([]);
    expect(a.products.some((p) => p.alternatives.some((x) => x.id === 'firefox-esr'))).toBe(false);
    expect(a.products.find((p) => p.key === 'microsoft/windows')!.replaceability.from).toBe('product');
    // Declared and installed: one product, both sources, its users apart from its hosts.
    expect(a.products.find((p) => p.key === 'microsoft/microsoft-365-apps')).toMatchObject({
      sources: ['inventory', 'declared'],
      hosts: 4,
      installations: 4,
      users: 20,
      weight: 4,
    });
    expect(a.products.find((p) => p.key === 'google/google-workspace')).toMatchObject({
      sources: ['declared'],
      hosts: 0,
      installations: 0,
      users: 12,
      weight: 6,
    });
  });

  it('computes exposure, lock-in and priority per area and overall, and the range over the unknown', () => {
    for (const area of [...AREAS, null]) {
      const i = area ? a.areas[area] : a.overall;
      expect(i.exposure, String(area)).toBe(index(area, exposure));
      expect(i.priority, String(area)).toBe(index(area, priority));
      expect(i.lock_in, String(area)).toBe(lockIn(area));
      expect(i.hard_to_replace, String(area)).toBe(inScope(area).filter(([, f]) => exposure(f) > 0 && r(f) < HARD_TO_REPLACE).length);
      expect(i.critical_dependencies, String(area)).toBe(inScope(area).filter(([, f]) => isCritical(f)).length);
    }
    const known = business.reduce((s, [, f]) => s + weight(f), 0);
    const sum = business.reduce((s, [, f]) => s + weight(f) * exposure(f), 0);
    expect(a.uncertainty).toMatchObject({
      unknown_installations: UNKNOWN.n,
      unknown_products: 1,
      unknown_weight: UNKNOWN.n,
      unknown_share: share(UNKNOWN.n, known + UNKNOWN.n),
      exposure_range: { low: r2(sum / (known + UNKNOWN.n)), high: r2((sum + 100 * UNKNOWN.n) / (known + UNKNOWN.n)) },
    });
    expect(a.platform).toEqual({ products: 1, installations: 5 });
    expect(a.areas.workstation.platform).toEqual({ products: 1, installations: 5 });
  });

  it('gives exact shares of hosts, products, installations and users by origin, platform items out of all', () => {
    for (const area of [...AREAS, null]) {
      const i = area ? a.areas[area] : a.overall;
      const hostTotal = area ? hostsBy(area, null) : FLEET.length;
      expect(i.hosts.total, String(area)).toBe(hostTotal);
      for (const origin of ORIGINS) {
        const items = inScope(area).filter(([, f]) => f.origin === origin);
        const n = items.reduce((s, [, f]) => s + installations(f), 0);
        const users = items.reduce((s, [, f]) => s + (f.users ?? 0), 0);
        const all = inScope(area).reduce((s, [, f]) => s + installations(f), 0);
        const allUsers = inScope(area).reduce((s, [, f]) => s + (f.users ?? 0), 0);
        expect(i.hosts.by_origin[origin], `${area} ${origin} hosts`).toEqual({ count: hostsBy(area, origin), share: share(hostsBy(area, origin), hostTotal) });
        // Distinct products: the Intel processor of both areas is one product overall.
        expect(i.products.by_origin[origin].count, `${area} ${origin} products`).toBe(new Set(items.map(([key]) => key.split('@')[0])).size);
        expect(i.installations.by_origin[origin], `${area} ${origin} installations`).toEqual({ count: n, share: share(n, all) });
        expect(i.users.by_origin[origin], `${area} ${origin} users`).toEqual({ count: users, share: share(users, allUsers) });
      }
    }
    // The Windows server's only non-European workstation-area item is a runtime: not a non-European workstation-area host.
    expect(a.areas.workstation.hosts.by_origin.non_eu.count).toBe(4);
  });

  it('splits the spend of the year by origin, declared costs by contract and year', async () => {
    // 2026: Microsoft 365 4 000 + Windows 1 000 + Sophos 800 (lines), Azure 300 and Google 1 680 (declared,
    // contracts no line names), 150 unknown; M365 E3's 5 000 is contract M-2026, already a line.
    const s = a.overall.spend;
    expect(s.total_eur).toBe(4000 + 1000 + 800 + 300 + 1680 + 150);
    expect(s.by_origin.non_eu.count).toBe(4000 + 1000 + 800 + 300 + 1680);
    expect(s.by_origin.unknown.count).toBe(150);
    expect(a.areas.workstation.spend.total_eur).toBe(4000 + 1000 + 800);
    expect(a.areas.infrastructure.spend.total_eur).toBe(300);
    expect(a.areas.software.spend.total_eur).toBe(1680);
    expect(a.spend.declared.map((d) => [d.name, d.reason])).toEqual([
      ['Microsoft 365 E3', 'same_contract_as_a_line'],
      ['Microsoft Azure', 'counted'],
      ['Google Workspace', 'counted'],
    ]);
    expect(a.products.find((p) => p.key === 'microsoft/microsoft-365-apps')!.spend_eur).toBe(4000);
    // The estimate, apart: Zoom, whose vendor has no spend, at the rules' list price on its one host.
    expect(s.estimated_total_eur).toBe(classifier.product('zoom', 'zoom-workplace')!.price!.eur_per_seat_year * 1);
    // 2025: the e.magnus line only; the 2026 declared costs are not in it.
    const y2025 = (await (await collector.get('/api/v1/assessment?year=2025')).json()) as Assessment;
    expect(y2025.overall.spend.total_eur).toBe(1200);
    expect(y2025.overall.spend.by_origin.eu).toEqual({ count: 1200, share: 100 });
    expect(y2025.spend.declared.every((d) => !d.counted && d.reason === 'other_year')).toBe(true);
  });

  it('ranks the critical dependencies and names the weakest links by the stated tie-breaks', () => {
    const critical = business
      .filter(([, f]) => isCritical(f))
      .sort(([ka, fa], [kb, fb]) => weight(fb) * priority(fb) - weight(fa) * priority(fa) || exposure(fb) - exposure(fa) || ka.localeCompare(kb))
      .map(([k]) => k);
    expect(a.critical.map((c) => c.key)).toEqual(critical);
    const weakest = (area: Area | null) =>
      inScope(area)
        .filter(([, f]) => f.c >= 3)
        .sort(([ka, fa], [kb, fb]) => exposure(fb) - exposure(fa) || priority(fb) - priority(fa) || weight(fb) - weight(fa) || ka.localeCompare(kb))[0]?.[0] ??
      null;
    for (const area of [...AREAS, null]) expect((area ? a.areas[area] : a.overall).weakest_link?.key ?? null, String(area)).toBe(weakest(area));
  });

  it('agrees with the map on every figure they share', async () => {
    const map = (await (await collector.get('/api/v1/map')).json()) as DependencyMap;
    expect(map.totals.hosts).toBe(FLEET.length);
    expectMapAgreesWithAssessment(map, a);
  });

  it('prints the same in the CLI report and shows exposure first on the page', async () => {
    const json = await runCli('collector', ['report', '--format', 'json', '--year', '2026', '--db', dbFile]);
    expect(json.code, json.stderr).toBe(0);
    const printed = JSON.parse(json.stdout) as Assessment & { history: unknown };
    expect({ ...printed, generated_at: '', history: undefined }).toEqual({ ...a, generated_at: '', history: undefined });
    const md = await runCli('collector', ['report', '--format', 'md', '--year', '2026', '--db', dbFile]);
    expect(md.stdout).toContain(`**Exposure index: ${index(null, exposure).toLocaleString('en-GB', { maximumFractionDigits: 1 })} / 100**`);
    const html = await (await collector.get('/assessment')).text();
    const fr = (n: number) => n.toLocaleString('fr-FR', { maximumFractionDigits: 1 });
    const kpis = [...html.matchAll(/<div class="kpi"><div class="v">([^<]*)<\/div><div class="l">([^<]*)<\/div>/g)].map((m) => [m[1], m[2]]);
    expect(kpis[0]).toEqual([`${fr(index(null, exposure))} / 100`, 'Indice d’exposition']);
    expect(kpis[1]).toEqual([`${fr(lockIn(null))}\u202f%`, 'Verrouillage']);
    for (const area of AREAS) {
      const row = html.match(
        new RegExp(
          `<th scope="row">${{ infrastructure: 'Infrastructure', workstation: 'Poste de travail', software: 'Logiciels' }[area]}</th><td class="n">([^<]*)</td><td class="n">([^<]*)</td><td class="n">([^<]*)</td>`,
        ),
      );
      expect(row?.slice(1), area).toEqual([fr(index(area, exposure)), `${fr(lockIn(area))}\u202f%`, fr(index(area, priority))]);
    }
    // Every product's row: hosts, installations and declared users in their own columns, and its scores.
    const nf = (n: number, digits = 1) => n.toLocaleString('fr-FR', { maximumFractionDigits: digits }).replace(/[\u00a0 ]/g, '\u202f');
    for (const [key, f] of business) {
      const row = html.match(new RegExp(`<tr data-key="${key.replace(/[*]/g, '\\*')}">([\\s\\S]*?)</tr>`))?.[1];
      expect(row, key).toBeDefined();
      const cells = [...row!.matchAll(/<td class="n">([^<]*)/g)].map((m) => m[1]);
      const hosts = new Set(f.on).size;
      expect(cells.slice(0, 9), key).toEqual([
        String(f.c),
        nf(hosts, 0),
        f.on.length ? `${nf(share(hosts, FLEET.length)!)}\u202f%` : '–',
        nf(installations(f), 0),
        f.users === undefined ? '–' : nf(f.users, 0),
        nf(weight(f), 0),
        nf(exposure(f)),
        nf(r(f), 2),
        nf(priority(f)),
      ]);
    }
    const overview = await (await collector.get('/')).text();
    expect(overview).toContain(`Indice d’exposition\u202f: ${fr(index(null, exposure))} / 100`);
  }, 180_000);

  it('keeps a snapshot per day and targets on the new indicators', async () => {
    const target = await collector.get('/api/v1/assessment/targets', {
      method: 'PUT',
      body: JSON.stringify({ indicator: 'exposure', year: 2030, value: 30 }),
      headers: { 'content-type': 'application/json', 'x-csrf-token': collector.session.csrf },
    });
    expect(target.status).toBe(200);
    let h: { days: string[]; series: Record<string, (number | null)[]>; targets: unknown[] } = { days: [], series: {}, targets: [] };
    for (let i = 0; i < 50 && !(h.series.exposure?.[0] != null && h.series.non_eu_spend_share?.[0] != null); i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      h = (await (await collector.get('/api/v1/assessment/history')).json()) as typeof h;
    }
    expect(h.series.exposure).toEqual([index(null, exposure)]);
    expect(h.series.lock_in).toEqual([lockIn(null)]);
    expect(h.series['priority.workstation']).toEqual([index('workstation', priority)]);
    expect(h.targets).toEqual([{ indicator: 'exposure', year: 2030, value: 30 }]);
  });

  it('computes a replacement scenario without changing anything', async () => {
    const before = await (await collector.get('/api/v1/assessment?year=2026')).text();
    const answer = await collector.get('/api/v1/assessment/scenario?product=microsoft/microsoft-365-apps&alternative=libreoffice&hosts=2&year=2026');
    expect(answer.status).toBe(200);
    // Half of M365 Apps' 4 installations move to LibreOffice (community, w 0.1, c 3: exposure 10).
    const f = FACTS['microsoft/microsoft-365-apps']!;
    const known = business.reduce((s, [, x]) => s + weight(x), 0);
    const sum = business.reduce((s, [, x]) => s + weight(x) * exposure(x), 0);
    expect(await answer.json()).toMatchObject({
      alternative: { id: 'libreoffice', origin: 'community', exposure: 10 },
      installations_moved: 2,
      exposure: { overall: { before: index(null, exposure), after: r2((sum - 2 * exposure(f) + 2 * 10) / known) } },
    });
    // Only an alternative that replaces the product: of its category, and lowering the dependency.
    const refused = async (query: string, reason: RegExp) => {
      const answer = await collector.get(`/api/v1/assessment/scenario?${query}`);
      expect(answer.status, query).toBe(400);
      expect(((await answer.json()) as { error: string }).error, query).toMatch(reason);
    };
    await refused(
      'product=microsoft/windows&alternative=atempo&hosts=1',
      /Atempo Tina \/ Lina does not replace Microsoft Windows: it is an alternative for backup, not for operating system/,
    );
    await refused('product=microsoft/microsoft-365-apps&alternative=firefox-esr&hosts=1', /not for office suite/);
    await refused('product=teamviewer/teamviewer-product&alternative=anydesk-alt&hosts=1', /does not lower the dependency/);
    await refused('product=the-document-foundation/libreoffice-product&alternative=libreoffice&hosts=1', /same vendor/);
    const cli = await runCli('collector', ['scenario', '--product', 'microsoft/windows', '--alternative', 'atempo', '--hosts', '1', '--db', dbFile]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(/does not replace Microsoft Windows/);
    const split = await collector.get('/api/v1/assessment/scenario?product=intel/intel-processor&alternative=libreoffice&hosts=1');
    expect(split.status).toBe(400);
    expect(((await split.json()) as { error: string }).error).toMatch(/in several areas: name one of intel\/intel-processor@/);
    const after = await (await collector.get('/api/v1/assessment?year=2026')).text();
    expect({ ...JSON.parse(after), generated_at: '' }).toEqual({ ...JSON.parse(before), generated_at: '' });
  }, 180_000);

  it('refuses bad spend and asset input with its reason, and stores nothing of it', async () => {
    const bad = ['vendor;amount;year', 'Microsoft;douze euros;2026', ';100;2026', 'Adobe;100;26', ''].join('\n');
    const answer = await collector.get('/api/v1/assessment/spend', {
      method: 'POST',
      body: bad,
      headers: { 'content-type': 'text/csv', 'x-csrf-token': collector.session.csrf },
    });
    expect(answer.status).toBe(400);
    const body = (await answer.json()) as { error: string; lines: { line: number; message: string }[] };
    expect(body.lines.map((l) => l.line)).toEqual([2, 3, 4]);
    const db = await openDatabase(dbFile);
    expect(await value(db, sql`SELECT COUNT(*) FROM spend_lines`)).toBe(5);
    await closeDatabase(db);
    expect((await collector.get('/api/v1/assessment/spend', { method: 'POST', body: SPEND, headers: { 'content-type': 'text/csv' } })).status).toBe(403);
    const headers = { 'content-type': 'application/json', 'x-csrf-token': collector.session.csrf };
    const noYear = await collector.get('/api/v1/assessment/assets', {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'X', vendor: 'Google', area: 'software', annual_cost: '100' }),
    });
    expect(noYear.status).toBe(400);
    expect(((await noYear.json()) as { error: string }).error).toMatch(/a cost needs its year/);
    const badArea = await collector.get('/api/v1/assessment/assets', {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'X', vendor: 'Y', area: 'cloud', users: 'many' }),
    });
    expect(((await badArea.json()) as { error: string }).error).toMatch(
      /area "cloud" is not one of infrastructure, workstation, software; users "many" is not a whole number/,
    );
    const added = await collector.get('/api/v1/assessment/assets', {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'Hébergement', vendor: 'OVH SAS', area: 'infrastructure', annual_cost: '600', year: '2026', contract: 'OVH-1' }),
    });
    expect(added.status).toBe(201);
    const { id } = (await added.json()) as { id: number };
    expect((await collector.get(`/api/v1/assessment/assets/${id}`, { method: 'DELETE', headers })).status).toBe(204);
    const target = await collector.get('/api/v1/assessment/targets', {
      method: 'PUT',
      headers,
      body: JSON.stringify({ indicator: 'index', year: 2030, value: 1 }),
    });
    expect(((await target.json()) as { error: string }).error).toMatch(/unknown indicator "index"/);
    const cli = await runCli('collector', ['asset', 'add', '--name', 'Hébergement', '--vendor', 'OVH SAS', '--area', 'nuage', '--db', dbFile]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(/area "nuage" is not one of/);
  });
});
