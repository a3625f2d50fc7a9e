// `tiebreak-collector report`: the assessment as JSON (what the API serves), CSV (the indicators
// per area, or the products) or Markdown (a readable diagnostic to paste in a note to the council).
import { AREAS } from '@tiebreak/shared';
import { toCsv, type Table } from '../exports/tables.ts';
import { formatSiren } from '../store/authority.ts';
import type { Assessment, Indicators } from './compute.ts';
import type { history as historyOf } from './history.ts';

type History = ReturnType<typeof historyOf>;

const fmt = (n: number | null | undefined, digits = 1) => (n === null || n === undefined ? '–' : n.toLocaleString('en-GB', { maximumFractionDigits: digits }));
const pct = (n: number | null | undefined) => (n === null || n === undefined ? '–' : `${fmt(n)} %`);
/**
 * Text from agents, people and uploaded files (spend lines, assets): HTML is written as text (a
 * Markdown viewer would render a `<script>`), Markdown's markup characters are escaped (no link, no
 * image, no emphasis, no broken table) and a line break becomes a space.
 */
const cell = (s: string | null | undefined) =>
  (s ?? '–')
    .replace(/[\r\n]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_{}[\]()#+!|~]/g, '\\$&');
const eur = (n: number) => `${Math.round(n).toLocaleString('en-GB')} €`;

function indicatorRow(scope: string, i: Indicators): Record<string, unknown> {
  return {
    scope,
    exposure: i.exposure,
    lock_in: i.lock_in,
    priority: i.priority,
    hard_to_replace: i.hard_to_replace,
    hosts: i.hosts.total,
    hosts_non_eu_share: i.hosts.by_origin.non_eu.share,
    products: i.products.total,
    products_non_eu_share: i.products.by_origin.non_eu.share,
    installations: i.installations.total,
    installations_eu_share: i.installations.by_origin.eu.share,
    installations_europe_share: i.installations.by_origin.europe.share,
    installations_non_eu_share: i.installations.by_origin.non_eu.share,
    installations_community_share: i.installations.by_origin.community.share,
    declared_users: i.users.total,
    declared_users_non_eu_share: i.users.by_origin.non_eu.share,
    spend_eur: i.spend.total_eur,
    spend_non_eu_share: i.spend.by_origin.non_eu.share,
    estimated_spend_eur: i.spend.estimated_total_eur,
    critical_dependencies: i.critical_dependencies,
    weakest_link: i.weakest_link ? `${i.weakest_link.name} (exposure ${i.weakest_link.exposure})` : null,
    platform_installations: i.platform.installations,
  };
}

export function indicatorsTable(a: Assessment): Table {
  const rows = [indicatorRow('overall', a.overall), ...AREAS.map((area) => indicatorRow(area, a.areas[area]))];
  return { columns: Object.keys(rows[0]!).map((key) => ({ key, label: key })), rows };
}

export function productsTable(a: Assessment): Table {
  const rows = a.products.map((p) => ({
    key: p.key,
    name: p.name,
    sources: p.sources.join(' + '),
    vendor: p.vendor,
    owner_country: p.owner_country,
    origin: p.origin,
    licence: p.licence,
    area: p.area,
    category: p.category,
    platform: p.platform ? 'yes' : 'no',
    criticality: p.criticality.level,
    replaceability: p.replaceability.score,
    best_alternative: p.replaceability.best?.name ?? null,
    best_alternative_from: p.replaceability.from,
    hosts: p.hosts,
    prevalence: p.prevalence,
    installations: p.installations,
    users: p.users,
    weight: p.weight,
    origin_weight: p.origin_weight,
    exposure: p.exposure,
    priority: p.priority,
    seal_level: p.seal.level,
    spend_eur: p.spend_eur,
    estimated_spend_eur: p.estimated_spend_eur,
    jurisdiction: p.jurisdiction.join(' | '),
  }));
  const keys = rows[0] ? Object.keys(rows[0]) : ['key'];
  return { columns: keys.map((key) => ({ key, label: key })), rows };
}

export function reportCsv(a: Assessment, what: 'indicators' | 'products'): string {
  return toCsv(what === 'products' ? productsTable(a) : indicatorsTable(a));
}

/** `authority`: its name, or its name and SIREN (settings). */
export function reportMarkdown(a: Assessment, h: History, authority: string | { name: string | null; siren: string | null } | null): string {
  const out: string[] = [];
  const named = typeof authority === 'string' ? { name: authority, siren: null } : (authority ?? { name: null, siren: null });
  out.push(`# Digital dependency diagnostic${named.name ? ` — ${cell(named.name)}` : ''}`, '');
  if (named.siren) out.push(`SIREN ${formatSiren(named.siren)}`, '');
  out.push(`Computed ${a.generated_at.slice(0, 16).replace('T', ' ')} UTC with method v${a.method.version} (${a.method.document}); spend year ${a.year}.`, '');
  out.push(`**Exposure index: ${fmt(a.overall.exposure)} / 100** (how dependent on vendors from outside the EU the authority is today: 0 = not at all, 100 = fully).`);
  out.push(`Lock-in: ${pct(a.overall.lock_in)} of that exposure has no European or open-source alternative to relieve it; priority index ${fmt(a.overall.priority)} / 100 (exposure × lock-in).`);
  if (a.uncertainty.exposure_range)
    out.push(
      `Unrecognised items: ${pct(a.uncertainty.unknown_share)} of the index weight (${a.uncertainty.unknown_products} items), so the exposure lies between ${fmt(a.uncertainty.exposure_range.low)} and ${fmt(a.uncertainty.exposure_range.high)} once they are known.`,
    );
  out.push('');
  out.push('| scope | exposure | lock-in | priority | non-EU installations | non-EU products | hosts with a non-EU item | declared users | spend | non-EU spend | critical dependencies | weakest link |');
  out.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const [scope, i] of [['overall', a.overall], ...AREAS.map((area) => [area, a.areas[area]] as const)] as const)
    out.push(
      `| ${scope} | ${fmt(i.exposure)} | ${pct(i.lock_in)} | ${fmt(i.priority)} | ${pct(i.installations.by_origin.non_eu.share)} | ${pct(i.products.by_origin.non_eu.share)} | ${pct(i.hosts.by_origin.non_eu.share)} | ${fmt(i.users.total, 0)} | ${eur(i.spend.total_eur)} | ${pct(i.spend.by_origin.non_eu.share)} | ${i.critical_dependencies} | ${i.weakest_link ? `${cell(i.weakest_link.name)} (${i.weakest_link.exposure})` : '–'} |`,
    );
  out.push('');
  out.push(`## Spend ${a.year}`, '');
  const s = a.overall.spend;
  out.push(`Real spend: ${eur(s.total_eur)}, of which non-European ${eur(s.by_origin.non_eu.count)} (${pct(s.by_origin.non_eu.share)}), European outside the EEA ${eur(s.by_origin.europe.count)}, EU/EEA ${eur(s.by_origin.eu.count)}, unknown ${eur(s.by_origin.unknown.count)}.`);
  if (s.estimated_total_eur) out.push(`Estimated from list prices where no spend is known (an estimate, not added to the above): ${eur(s.estimated_total_eur)}, non-European ${eur(s.estimated_by_origin.non_eu.count)}.`);
  const undated = a.spend.declared.filter((d) => d.reason === 'undated');
  if (undated.length) out.push('', `Declared costs without a year (in no year's spend): ${undated.map((d) => `${cell(d.name)} (${eur(d.amount_eur)})`).join('; ')}.`);
  if (a.spend.unmatched.length) out.push('', `Spend lines no rule recognises (${a.spend.unmatched.length}): ${a.spend.unmatched.slice(0, 20).map((u) => `${cell(u.vendor ?? u.product ?? u.supplier)} (${eur(u.amount_eur)}, line ${u.line})`).join('; ')}.`);
  out.push('');
  out.push('## Critical dependencies', '', 'Critical, non-European and hard to replace, ranked by weight × priority.', '');
  if (!a.critical.length) out.push('None.');
  else {
    out.push('| product | vendor | owner country | area | exposure | priority | hosts | users | replaceability | alternatives |', '| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |');
    for (const c of a.critical)
      out.push(`| ${cell(c.name)} | ${cell(c.vendor)} | ${cell(c.owner_country)} | ${cell(c.area)} | ${c.exposure} | ${c.priority} | ${c.hosts} | ${c.users ?? '–'} | ${c.replaceability} | ${c.alternatives.filter((x) => x.qualifies).map((x) => `${cell(x.name)}${x.country ? ` (${cell(x.country)})` : ''}`).join(', ') || '–'} |`);
  }
  out.push('');
  out.push(
    '## Products by exposure',
    '',
    '| product | area | origin | criticality | hosts | installations | users | exposure | replaceability (alternative) | priority | SEAL |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |',
  );
  for (const p of a.products.filter((p) => !p.platform).slice(0, 30))
    out.push(`| ${cell(p.name)} | ${cell(p.area)} | ${cell(p.origin)} | ${p.criticality.level} | ${p.hosts} | ${p.installations} | ${p.users ?? '–'} | ${p.exposure} | ${p.replaceability.score}${p.replaceability.best ? ` (${cell(p.replaceability.best.name)})` : ''} | ${p.priority} | ${p.seal.level === null ? 'n/a' : `SEAL-${p.seal.level}`} |`);
  out.push('');
  if (h.days.length) {
    out.push('## Trajectory', '', '| day | exposure | infrastructure | workstation | software | lock-in | priority | non-EU spend |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    h.days.forEach((day, i) =>
      out.push(
        `| ${day} | ${fmt(h.series.exposure[i])} | ${fmt(h.series['exposure.infrastructure'][i])} | ${fmt(h.series['exposure.workstation'][i])} | ${fmt(h.series['exposure.software'][i])} | ${pct(h.series.lock_in[i])} | ${fmt(h.series.priority[i])} | ${pct(h.series.non_eu_spend_share[i])} |`,
      ),
    );
    if (h.targets.length) out.push('', `Targets: ${h.targets.map((t) => `${t.indicator} ${t.value} in ${t.year}`).join('; ')}.`);
    out.push('');
  }
  // Control characters are dropped: every string from outside went through cell() above.
  return out.map((line) => line.replace(/[\u0000-\u0008\u000b-\u001f]/g, '')).join('\n');
}
