// The dependency assessment of a small authority, end to end: 200 workstations and 20 servers
// imported as report files, spend lines sent to the API, declared SaaS imported by the CLI; every
// indicator checked against values worked out by hand below from the method (docs/methodology.md)
// and the facts of the shipped rules, each noted where it is used.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Inventory, SoftwareItem } from '@tiebreak/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Assessment } from '../collector/src/assessment/compute.ts';
import { makeInventory } from './fixtures.ts';
import { runCli, startCollector, tempDir, type RunningCollector } from './helpers.ts';

const sw = (name: string, publisher: string | null, source: SoftwareItem['source'] = 'registry'): Partial<SoftwareItem> => ({ name, publisher, source, version: '1.0' });

function workstation(i: number): Inventory {
  const software = [sw('Microsoft 365 Apps for enterprise - fr-fr', 'Microsoft Corporation'), sw('Sophos Endpoint Agent', 'Sophos Limited')];
  if (i < 40) software.push(sw('LibreOffice 24.8.3.2', 'The Document Foundation'));
  else if (i < 55) software.push(sw('Zoom Workplace (64-bit)', 'Zoom Video Communications, Inc.'));
  if (i >= 100 && i < 150) software.push(sw('e.magnus Gestion Financière', 'Berger-Levrault'));
  if (i >= 150 && i < 160) software.push(sw('Gestion des cimetières maison', 'Service informatique'));
  return makeInventory({ machine: `ws-${i}`, hostname: `PC-${String(i).padStart(3, '0')}`, software, hardware: { system: null, cpus: [] } });
}

function server(i: number): Inventory {
  return makeInventory({
    machine: `srv-${i}`,
    hostname: `srv-${i}`,
    osFamily: 'linux',
    osName: 'Debian GNU/Linux 12 (bookworm)',
    hardware: { system: null, cpus: [] },
    software: [sw('openssh-server', 'Debian OpenSSH Maintainers <@lists.debian.org>', 'dpkg'), sw('rsync', 'Paul Slootman <@debian.org>', 'dpkg')],
  });
}

const SPEND = [
  'Éditeur;Produit;Montant;Année;Contrat;Fournisseur',
  'Microsoft;Microsoft 365;95 000,00 €;2026;M-2024-12;Revendeur Public SAS',
  'SOPHOS LIMITED;;8000;2026;;Intégrateur Local',
  'Berger-Levrault;e.magnus;30 000;2026;BL-2019-03;',
  ';;1 500,00;2026;;Société Inconnue SARL',
  '',
].join('\n');
const ASSETS = ['name,vendor,area,users,cost', 'Microsoft 365 E3,Microsoft,logiciels,210,80000', 'Hébergement OVHcloud,OVH SAS,infrastructure,,6000', ''].join('\n');

// By hand. Origin weights w, criticality c (category defaults), replaceability r = maturity × migration:
//   Windows 11         non_eu w 1, os c 3, Debian (mature, open source) × os hard 0.4 → r 0.4  → d = 100 × 1 × 1 × 0.6 = 60
//   Microsoft 365 Apps non_eu w 1, office-suite c 3, LibreOffice mature × hard 0.4 → r 0.4    → d = 60
//   Sophos             non_eu, HQ in GB (European brand) w 0.75, security c 3, ESET mature × moderate 0.7 → d = 100 × 0.75 × 0.3 = 22.5
//   LibreOffice        community w 0.1, office-suite c 3, no alternative                    → d = 10
//   Zoom               non_eu w 1, video-conferencing c 2, Jitsi mature × easy 1 → r 1      → d = 0
//   e.magnus           eu proprietary w 0.25, erp c 3, no alternative                         → d = 25
//   Debian 12 (OS)     community w 0.1, os c 3, no alternative                                → d = 10
//   Debian packages    community w 0.1, distribution-package c 1                              → d = 100 × 0.1 / 3 = 3.33
//   M365 E3 (declared) non_eu, office-suite c 3, r 0.4, 210 users                             → d = 60
//   OVHcloud (declared) eu proprietary w 0.25, cloud c 3, no alternative, 1 installation     → d = 25
const WORKSTATION = { sum: 200 * 60 + 200 * 60 + 200 * 22.5 + 40 * 10 + 15 * 0, installations: 200 + 200 + 200 + 40 + 15 };
const SOFTWARE = { sum: 50 * 25 + 40 * 3.33 + 210 * 60, installations: 50 + 40 + 210 };
const INFRASTRUCTURE = { sum: 20 * 10 + 1 * 25, installations: 20 + 1 };
const ALL = { sum: WORKSTATION.sum + SOFTWARE.sum + INFRASTRUCTURE.sum, installations: WORKSTATION.installations + SOFTWARE.installations + INFRASTRUCTURE.installations };
const UNKNOWN = 10;
const r2 = (n: number) => Math.round(n * 100) / 100;

describe('dependency assessment of a small authority', () => {
  let dir: string;
  let dbFile: string;
  let collector: RunningCollector;
  let a: Assessment;

  beforeAll(async () => {
    dir = tempDir();
    dbFile = join(dir, 'collector.db');
    const reports = join(dir, 'reports');
    mkdirSync(reports);
    for (let i = 0; i < 200; i++) writeFileSync(join(reports, `ws-${i}.json`), JSON.stringify(workstation(i)));
    for (let i = 0; i < 20; i++) writeFileSync(join(reports, `srv-${i}.json`), JSON.stringify(server(i)));
    const imported = await runCli('collector', ['import', reports, '--db', dbFile, '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ imported: 220, rejected: 0 });
    writeFileSync(join(dir, 'assets.csv'), ASSETS);
    const assets = await runCli('collector', ['asset', 'import', join(dir, 'assets.csv'), '--db', dbFile]);
    expect(assets.stdout + assets.stderr).toContain('assets: 2 added');
    collector = await startCollector(dbFile, [], { TIEBREAK_SNAPSHOT_DELAY_MS: '200' });
    const spend = await collector.get('/api/v1/assessment/spend?file=finances-2026.csv', {
      method: 'POST',
      body: SPEND,
      headers: { 'content-type': 'text/csv', 'x-csrf-token': collector.session.csrf },
    });
    expect(spend.status).toBe(200);
    expect(await spend.json()).toMatchObject({ lines: 4, years: [2026], total_eur: 134_500, matched: 3, unmatched: [{ line: 5, vendor: null, product: null, amount_eur: 1500 }] });
    a = (await (await collector.get('/api/v1/assessment')).json()) as Assessment;
  }, 240_000);
  afterAll(async () => collector?.stop());

  it('computes the dependency index per area and overall, with its range over the unknown items', () => {
    expect(a.areas.workstation.index).toBe(r2(WORKSTATION.sum / WORKSTATION.installations)); // 28 900 / 655 = 44.12
    expect(a.areas.software.index).toBe(r2(SOFTWARE.sum / SOFTWARE.installations)); // 13 983.2 / 300 = 46.61
    expect(a.areas.infrastructure.index).toBe(r2(INFRASTRUCTURE.sum / INFRASTRUCTURE.installations)); // 225 / 21 = 10.71
    expect(a.overall.index).toBe(r2(ALL.sum / ALL.installations)); // 43 108.2 / 976 = 44.17
    expect(a.overall.index).toBe(44.17);
    expect(a.uncertainty).toMatchObject({
      unknown_installations: UNKNOWN,
      unknown_products: 1,
      unknown_share: r2((100 * UNKNOWN) / (ALL.installations + UNKNOWN)), // 1.01
      index_range: { low: r2(ALL.sum / (ALL.installations + UNKNOWN)), high: r2((ALL.sum + 100 * UNKNOWN) / (ALL.installations + UNKNOWN)) },
    });
  });

  it('gives the shares of hosts, products and installations by origin', () => {
    const o = a.overall;
    // Installations: non-EU = Windows 200 + M365 200 + Sophos 200 + Zoom 15 + declared M365 210 = 825.
    expect(o.installations.total).toBe(976);
    expect(o.installations.by_origin.non_eu).toEqual({ count: 825, share: r2((100 * 825) / 976) });
    expect(o.installations.by_origin.eu).toEqual({ count: 51, share: r2((100 * 51) / 976) }); // e.magnus 50 + OVHcloud 1
    expect(o.installations.by_origin.community).toEqual({ count: 100, share: r2((100 * 100) / 976) }); // LibreOffice 40 + Debian 20 + packages 40
    // Products: non-EU Windows, M365, Sophos, Zoom, declared M365; EU e.magnus, OVHcloud; community LibreOffice, Debian, its packages.
    expect(o.products.by_origin.non_eu.count).toBe(5);
    expect(o.products.by_origin.eu.count).toBe(2);
    expect(o.products.by_origin.community.count).toBe(3);
    expect(o.products.by_origin.non_eu.share).toBe(50);
    // Hosts with at least one item of each origin, of 220.
    expect(o.hosts.total).toBe(220);
    expect(o.hosts.by_origin.non_eu).toEqual({ count: 200, share: r2((100 * 200) / 220) });
    expect(o.hosts.by_origin.community).toEqual({ count: 60, share: r2((100 * 60) / 220) });
    expect(o.hosts.by_origin.eu).toEqual({ count: 50, share: r2((100 * 50) / 220) });
    expect(o.hosts.by_origin.unknown).toEqual({ count: 10, share: r2((100 * 10) / 220) });
    // Community open source is its own class, never counted as European.
    expect(a.areas.infrastructure.installations.by_origin).toMatchObject({ community: { count: 20 }, eu: { count: 1 } });
  });

  it('splits the real spend by origin, keeps the estimate apart, and lists the lines no rule knows', () => {
    // Real: Microsoft 95 000 + Sophos 8 000 (non-EU), Berger-Levrault 30 000 + OVHcloud's declared 6 000 (EU),
    // 1 500 unknown; the declared M365 cost (80 000) is not added: the spend lines already name Microsoft.
    const s = a.overall.spend;
    expect(s.total_eur).toBe(140_500);
    expect(s.by_origin.non_eu).toEqual({ count: 103_000, share: r2((100 * 103_000) / 140_500) });
    expect(s.by_origin.eu).toEqual({ count: 36_000, share: r2((100 * 36_000) / 140_500) });
    expect(s.by_origin.unknown).toEqual({ count: 1500, share: r2((100 * 1500) / 140_500) });
    expect(a.areas.workstation.spend.total_eur).toBe(103_000);
    expect(a.areas.software.spend.total_eur).toBe(30_000);
    expect(a.areas.infrastructure.spend.total_eur).toBe(6000);
    // Estimate: Zoom, whose vendor has no spend, at the rules' 150 € per seat and year on 15 hosts.
    expect(s.estimated_total_eur).toBe(15 * 150);
    expect(s.estimated_by_origin.non_eu.count).toBe(2250);
    expect(a.spend.unmatched).toEqual([{ line: 5, vendor: null, product: null, supplier: 'Société Inconnue SARL', amount_eur: 1500, source_file: 'finances-2026.csv' }]);
    expect(a.uncertainty.unmatched_spend_eur).toBe(1500);
  });

  it('ranks the critical dependencies and names the weakest links, with their alternatives', () => {
    // Critical (c 3), non-EU, r < 0.5: declared M365 (210 × 60), then M365 Apps and Windows (200 × 60 each).
    expect(a.critical.map((c) => c.name)).toEqual(['Microsoft 365 E3', 'Microsoft 365 Apps / Office', 'Microsoft Windows']);
    expect(a.overall.critical_dependencies).toBe(3);
    expect(a.areas.workstation.critical_dependencies).toBe(2);
    expect(a.critical[1]).toMatchObject({ score: 60, hosts: 200, replaceability: 0.4, spend_eur: 95_000 });
    expect(a.critical[1]!.alternatives.map((x) => x.id)).toContain('libreoffice');
    expect(a.overall.weakest_link).toMatchObject({ name: 'Microsoft 365 E3', score: 60 });
    expect(a.areas.infrastructure.weakest_link).toMatchObject({ name: 'Hébergement OVHcloud', score: 25 });
    const sophos = a.products.find((p) => p.key === 'sophos/sophos-endpoint')!;
    expect(sophos).toMatchObject({ origin: 'non_eu', owner_country: 'US', origin_weight: 0.75, score: 22.5, spend_eur: 8000, prevalence: r2((100 * 200) / 220) });
    expect(sophos.jurisdiction.join(' ')).toMatch(/CLOUD Act/);
    expect(sophos.seal).toEqual({ level: 1, objectives: { 'SOV-1': 'not_met', 'SOV-2': 'not_met', 'SOV-5': 'not_applicable', 'SOV-6': 'not_met' } });
    expect(a.products.find((p) => p.key === 'berger-levrault/bl-emagnus')!.seal.level).toBe(3);
  });

  it('computes a replacement scenario without changing anything', async () => {
    const before = await (await collector.get('/api/v1/assessment')).text();
    const answer = await collector.get('/api/v1/assessment/scenario?product=microsoft/microsoft-365-apps&alternative=libreoffice&hosts=100');
    expect(answer.status).toBe(200);
    // Half of M365 Apps' 200 installations move to LibreOffice (community, w 0.1, c 3: score 10).
    const moved = ALL.sum - 100 * 60 + 100 * 10;
    expect(await answer.json()).toMatchObject({
      alternative: { id: 'libreoffice', origin: 'community', score: 10 },
      installations_moved: 100,
      index: { overall: { before: 44.17, after: r2(moved / ALL.installations) }, area: { area: 'workstation', after: r2((WORKSTATION.sum - 5000) / WORKSTATION.installations) } },
      non_eu_installations_share: { after: r2((100 * 725) / 976) },
      spend: { basis: 'actual', saved_eur: 47_500, non_eu_eur: { before: 103_000, after: 55_500 }, non_eu_share: { after: r2((100 * 55_500) / 93_000) } },
    });
    const bad = await collector.get('/api/v1/assessment/scenario?product=microsoft/microsoft-365-apps&alternative=libreoffice&hosts=500');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/on 200 hosts/);
    const after = JSON.parse(await (await collector.get('/api/v1/assessment')).text()) as Assessment;
    expect({ ...after, generated_at: '' }).toEqual({ ...JSON.parse(before), generated_at: '' });
  });

  it('refuses a spend file with bad lines, naming each, and stores nothing of it', async () => {
    const bad = ['vendor;amount;year', 'Microsoft;douze euros;2026', ';100;2026', 'Adobe;100;26', ''].join('\n');
    const answer = await collector.get('/api/v1/assessment/spend', { method: 'POST', body: bad, headers: { 'content-type': 'text/csv', 'x-csrf-token': collector.session.csrf } });
    expect(answer.status).toBe(400);
    const body = (await answer.json()) as { error: string; lines: { line: number; message: string }[] };
    expect(body.lines.map((l) => l.line)).toEqual([2, 3, 4]);
    expect(body.lines[0]!.message).toMatch(/not an amount/);
    expect(body.lines[1]!.message).toMatch(/no vendor nor product \(nor supplier\)/);
    expect(body.lines[2]!.message).toMatch(/not a year/);
    const db = new Database(dbFile, { readonly: true });
    expect(db.prepare('SELECT COUNT(*) FROM spend_lines').pluck().get()).toBe(4);
    db.close();
    // Without its CSRF token a change is refused.
    expect((await collector.get('/api/v1/assessment/spend', { method: 'POST', body: SPEND, headers: { 'content-type': 'text/csv' } })).status).toBe(403);
  });

  it('keeps a snapshot per day with new data and the targets; the CLI report prints the same', async () => {
    const target = await collector.get('/api/v1/assessment/targets', {
      method: 'PUT',
      body: JSON.stringify({ indicator: 'index', year: 2030, value: 30 }),
      headers: { 'content-type': 'application/json', 'x-csrf-token': collector.session.csrf },
    });
    expect(target.status).toBe(200);
    // The spend import was new data: today's snapshot follows a moment later.
    let h: { days: string[]; series: Record<string, (number | null)[]>; targets: unknown[] } = { days: [], series: {}, targets: [] };
    for (let i = 0; i < 50 && !(h.series.non_eu_spend_share?.[0] != null); i++) {
      await new Promise((r) => setTimeout(r, 200));
      h = (await (await collector.get('/api/v1/assessment/history')).json()) as typeof h;
    }
    const today = new Date().toISOString().slice(0, 10);
    expect(h.days).toEqual([today]);
    expect(h.series.index).toEqual([44.17]);
    expect(h.series['index.workstation']).toEqual([a.areas.workstation.index]);
    expect(h.series.non_eu_spend_share).toEqual([a.overall.spend.by_origin.non_eu.share]);
    expect(h.targets).toEqual([{ indicator: 'index', year: 2030, value: 30 }]);

    const json = await runCli('collector', ['report', '--format', 'json', '--db', dbFile]);
    expect(json.code, json.stderr).toBe(0);
    const printed = JSON.parse(json.stdout) as Assessment & { history: typeof h };
    expect({ ...printed, generated_at: '', history: undefined }).toEqual({ ...a, generated_at: '', history: undefined });
    expect(printed.history.targets).toEqual(h.targets);
    const md = await runCli('collector', ['report', '--format', 'md', '--db', dbFile]);
    expect(md.stdout).toContain('**Dependency index: 44.2 / 100**');
    expect(md.stdout).toContain('| Microsoft 365 E3 | Microsoft | US | software | 60 | 210 | 0.4 |');
    const csv = await runCli('collector', ['report', '--format', 'csv', '--db', dbFile]);
    const [header, overall] = csv.stdout.replace(/^\uFEFF/, '').split('\r\n');
    const cells = Object.fromEntries(header!.split(';').map((k, i) => [k, overall!.split(';')[i]]));
    expect(cells).toMatchObject({ scope: 'overall', index: '44.17', spend_eur: '140500', critical_dependencies: '3' });
    const bad = await runCli('collector', ['report', '--format', 'pdf', '--db', dbFile]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--format must be json, csv or md/);
  });

  it('declares and removes a service through the API and the CLI, and refuses bad input with its reason', async () => {
    const headers = { 'content-type': 'application/json', 'x-csrf-token': collector.session.csrf };
    const added = await collector.get('/api/v1/assessment/assets', { method: 'POST', headers, body: JSON.stringify({ name: 'Google Workspace', vendor: 'Google', area: 'software', users: 12, annual_cost: '1 680' }) });
    expect(added.status).toBe(201);
    const { id } = (await added.json()) as { id: number };
    const a2 = (await (await collector.get('/api/v1/assessment')).json()) as Assessment;
    // Google Workspace: office-suite (c 3), LibreOffice among its alternatives (mature × hard = 0.4): 100 × 1 × 0.6.
    expect(a2.products.find((p) => p.key === `declared:${id}`)).toMatchObject({ origin: 'non_eu', product_id: 'google-workspace', installations: 12, score: 60, spend_eur: 1680 });
    const bad = await collector.get('/api/v1/assessment/assets', { method: 'POST', headers, body: JSON.stringify({ name: 'X', vendor: 'Y', area: 'cloud', users: 'many' }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/area "cloud" is not one of infrastructure, workstation, software; users "many" is not a whole number/);
    expect((await collector.get(`/api/v1/assessment/assets/${id}`, { method: 'DELETE', headers })).status).toBe(204);
    expect((await collector.get(`/api/v1/assessment/assets/${id}`, { method: 'DELETE', headers })).status).toBe(404);
    const target = await collector.get('/api/v1/assessment/targets', { method: 'PUT', headers, body: JSON.stringify({ indicator: 'happiness', year: 2030, value: 1 }) });
    expect(target.status).toBe(400);
    expect(((await target.json()) as { error: string }).error).toMatch(/unknown indicator "happiness"/);
    const cli = await runCli('collector', ['asset', 'add', '--name', 'Hébergement', '--vendor', 'OVH SAS', '--area', 'nuage', '--db', dbFile]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(/area "nuage" is not one of/);
    const badFile = join(dir, 'bad-assets.csv');
    writeFileSync(badFile, 'name,vendor,area,users\nOK,OVH SAS,infrastructure,1\nKO,,software,x\n');
    const imported = await runCli('collector', ['asset', 'import', badFile, '--db', dbFile]);
    expect(imported.code).toBe(1);
    expect(imported.stderr).toMatch(/line 3: no vendor; users "x" is not a whole number/);
    expect((JSON.parse((await runCli('collector', ['asset', 'list', '--db', dbFile])).stdout) as unknown[]).length).toBe(2);
  });
});
