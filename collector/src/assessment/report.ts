// `tiebreak-collector report`: the assessment as JSON (what the API serves), CSV (the indicators
// per area, or the products) or Markdown (a readable diagnostic to paste in a note to the council).
import { AREAS } from '@tiebreak/shared';
import { toCsv, type Table } from '../exports/tables.ts';
import { formatSiren } from '../store/authority.ts';
import { formatDate, formatEuro, formatNumber, formatPercent, typesetAll, type Lang } from '../ui/format.ts';
import { DICTS } from '../ui/i18n.ts';
import type { Assessment, Indicators } from './compute.ts';
import type { History } from './history.ts';

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

// The report's sentences in each language ({x} are filled in), French typeset (format.ts).
const WORDS = {
  en: {
    title: 'Digital dependency diagnostic',
    computed: 'Computed {at} UTC with method v{version} ({document}); spend year {year}.',
    exposure: '**Exposure index: {exposure} / 100** (how dependent on vendors from outside the EU the authority is today: 0 = not at all, 100 = fully).',
    lockIn:
      'Lock-in: {lockIn} of that exposure has no alternative to relieve it (European or community, of the same category); priority index {priority} / 100 (exposure × lock-in).',
    unknown: 'Unrecognised items: {share} of the index weight ({count} items), so the exposure lies between {low} and {high} once they are known.',
    areaHead:
      '| scope | exposure | lock-in | priority | non-EU installations | non-EU products | hosts with a non-EU item | declared users or seats | spend | non-EU spend | critical dependencies | weakest link |',
    overall: 'overall',
    spend: 'Spend {year}',
    realSpend: 'Real spend: {total}, of which non-European {nonEu} ({share}), European outside the EEA {europe}, EU/EEA {eu}, unknown {unknown}.',
    estimated: 'Estimated from list prices where no spend is known (an estimate, not added to the above): {total}, non-European {nonEu}.',
    undated: "Declared costs without a year (in no year's spend): {list}.",
    unmatched: 'Spend lines no rule recognises ({count}): {list}.',
    line: 'line',
    critical: 'Critical dependencies',
    criticalHelp: 'Critical, non-European and hard to replace, ranked by weight × priority.',
    none: 'None.',
    criticalHead: '| product | vendor | owner country | area | exposure | priority | hosts | declared users | replaceability | alternatives |',
    products: 'Products by exposure',
    productsHead:
      '| product | area | origin | criticality | hosts | installations | declared users | exposure | replaceability (alternative) | priority | SEAL |',
    trajectory: 'Trajectory',
    trajectoryHead: '| day | exposure | infrastructure | workstation | software | lock-in | priority | non-EU spend |',
    targets: 'Targets: {list}.',
    targetIn: '{indicator} {value} in {year}',
    listSep: '; ',
  },
  fr: typesetAll({
    title: 'Diagnostic de dépendance numérique',
    computed: 'Calculé le {at} (UTC) selon la méthode v{version} ({document}) ; dépenses de l’année {year}.',
    exposure: '**Indice d’exposition : {exposure} / 100** (dépendance actuelle de la collectivité aux fournisseurs hors UE : 0 = aucune, 100 = totale).',
    lockIn:
      'Verrouillage : {lockIn} de cette exposition ne peut être soulagée par aucune alternative (européenne ou communautaire, de la catégorie du produit) ; indice de priorité {priority} / 100 (exposition × verrouillage).',
    unknown: 'Éléments non reconnus : {share} du poids de l’indice ({count} éléments) ; une fois reconnus, l’exposition sera comprise entre {low} et {high}.',
    areaHead:
      '| périmètre | exposition | verrouillage | priorité | installations hors UE | produits hors UE | postes et serveurs avec un élément hors UE | utilisateurs ou licences déclarés | dépense | dépense hors UE | dépendances critiques | maillon faible |',
    overall: 'ensemble',
    spend: 'Dépenses {year}',
    realSpend: 'Dépense réelle : {total}, dont hors Europe {nonEu} ({share}), Europe hors EEE {europe}, UE / EEE {eu}, origine inconnue {unknown}.',
    estimated: 'Estimation d’après les prix publics, faute de dépense connue (non ajoutée au total ci-dessus) : {total}, dont hors Europe {nonEu}.',
    undated: 'Coûts déclarés sans année (comptés dans aucune année) : {list}.',
    unmatched: 'Lignes de dépense qu’aucune règle ne reconnaît ({count}) : {list}.',
    line: 'ligne',
    critical: 'Dépendances critiques',
    criticalHelp: 'Critiques, non européennes et difficiles à remplacer, classées par poids × priorité.',
    none: 'Aucune.',
    criticalHead:
      '| produit | fournisseur | pays du contrôle | domaine | exposition | priorité | postes et serveurs | utilisateurs déclarés | remplaçabilité | alternatives |',
    products: 'Produits par exposition',
    productsHead:
      '| produit | domaine | origine | criticité | postes et serveurs | installations | utilisateurs déclarés | exposition | remplaçabilité (alternative) | priorité | SEAL |',
    trajectory: 'Trajectoire',
    trajectoryHead: '| jour | exposition | infrastructure | poste de travail | logiciels | verrouillage | priorité | dépense hors UE |',
    targets: 'Objectifs : {list}.',
    targetIn: '{indicator} {value} en {year}',
    listSep: '\u202f; ',
  }),
};

const fillIn = (template: string, values: Record<string, string | number>) => template.replace(/\{(\w+)\}/g, (_, k: string) => String(values[k] ?? ''));

/**
 * `authority`: its name, or its name and SIREN (settings). `lang`: English (the CLI's default) or
 * French, with French numbers, dates and labels (areas, origins) as the web pages write them.
 */
export function reportMarkdown(a: Assessment, h: History, authority: string | { name: string | null; siren: string | null } | null, lang: Lang = 'en'): string {
  const w = WORDS[lang];
  const t = DICTS[lang];
  const fmt = (n: number | null | undefined, digits = 1) => formatNumber(lang, n, digits);
  const pct = (n: number | null | undefined) => formatPercent(lang, n);
  const eur = (n: number) => formatEuro(lang, n);
  const area = (id: string | null) => (id ? ((t.areas as Record<string, string>)[id] ?? id) : '–');
  const origin = (id: string) => (t.origins as Record<string, string>)[id] ?? id;
  const out: string[] = [];
  const named = typeof authority === 'string' ? { name: authority, siren: null } : (authority ?? { name: null, siren: null });
  out.push(`# ${w.title}${named.name ? ` — ${cell(named.name)}` : ''}`, '');
  if (named.siren) out.push(`SIREN ${formatSiren(named.siren)}`, '');
  const at = lang === 'fr' ? `${formatDate(lang, a.generated_at)} à ${a.generated_at.slice(11, 16)}` : a.generated_at.slice(0, 16).replace('T', ' ');
  out.push(fillIn(w.computed, { at, version: a.method.version, document: a.method.document, year: a.year }), '');
  out.push(fillIn(w.exposure, { exposure: fmt(a.overall.exposure) }));
  out.push(fillIn(w.lockIn, { lockIn: pct(a.overall.lock_in), priority: fmt(a.overall.priority) }));
  if (a.uncertainty.exposure_range)
    out.push(
      fillIn(w.unknown, {
        share: pct(a.uncertainty.unknown_share),
        count: fmt(a.uncertainty.unknown_products, 0),
        low: fmt(a.uncertainty.exposure_range.low),
        high: fmt(a.uncertainty.exposure_range.high),
      }),
    );
  out.push('');
  out.push(w.areaHead);
  out.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const [scope, i] of [['overall', a.overall], ...AREAS.map((id) => [id, a.areas[id]] as const)] as const)
    out.push(
      `| ${scope === 'overall' ? w.overall : area(scope)} | ${fmt(i.exposure)} | ${pct(i.lock_in)} | ${fmt(i.priority)} | ${pct(i.installations.by_origin.non_eu.share)} | ${pct(i.products.by_origin.non_eu.share)} | ${pct(i.hosts.by_origin.non_eu.share)} | ${fmt(i.users.total, 0)} | ${eur(i.spend.total_eur)} | ${pct(i.spend.by_origin.non_eu.share)} | ${i.critical_dependencies} | ${i.weakest_link ? `${cell(i.weakest_link.name)} (${fmt(i.weakest_link.exposure)})` : '–'} |`,
    );
  out.push('');
  out.push(`## ${fillIn(w.spend, { year: a.year })}`, '');
  const s = a.overall.spend;
  out.push(
    fillIn(w.realSpend, {
      total: eur(s.total_eur),
      nonEu: eur(s.by_origin.non_eu.count),
      share: pct(s.by_origin.non_eu.share),
      europe: eur(s.by_origin.europe.count),
      eu: eur(s.by_origin.eu.count),
      unknown: eur(s.by_origin.unknown.count),
    }),
  );
  if (s.estimated_total_eur) out.push(fillIn(w.estimated, { total: eur(s.estimated_total_eur), nonEu: eur(s.estimated_by_origin.non_eu.count) }));
  const undated = a.spend.declared.filter((d) => d.reason === 'undated');
  if (undated.length) out.push('', fillIn(w.undated, { list: undated.map((d) => `${cell(d.name)} (${eur(d.amount_eur)})`).join(w.listSep) }));
  if (a.spend.unmatched.length)
    out.push(
      '',
      fillIn(w.unmatched, {
        count: a.spend.unmatched.length,
        list: a.spend.unmatched
          .slice(0, 20)
          .map((u) => `${cell(u.vendor ?? u.product ?? u.supplier)} (${eur(u.amount_eur)}, ${w.line} ${u.line})`)
          .join(w.listSep),
      }),
    );
  out.push('');
  out.push(`## ${w.critical}`, '', w.criticalHelp, '');
  if (!a.critical.length) out.push(w.none);
  else {
    out.push(w.criticalHead, '| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |');
    for (const c of a.critical)
      out.push(
        `| ${cell(c.name)} | ${cell(c.vendor)} | ${cell(c.owner_country)} | ${cell(area(c.area))} | ${fmt(c.exposure)} | ${fmt(c.priority)} | ${c.hosts} | ${c.users ?? '–'} | ${fmt(c.replaceability, 2)} | ${c.alternatives.map((x) => `${cell(x.name)}${x.country ? ` (${cell(x.country)})` : ''}`).join(', ') || '–'} |`,
      );
  }
  out.push('');
  out.push(`## ${w.products}`, '', w.productsHead, '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |');
  for (const p of a.products.filter((p) => !p.platform).slice(0, 30))
    out.push(
      `| ${cell(p.name)} | ${cell(area(p.area))} | ${cell(origin(p.origin))} | ${p.criticality.level} | ${p.hosts} | ${p.installations} | ${p.users ?? '–'} | ${fmt(p.exposure)} | ${fmt(p.replaceability.score, 2)}${p.replaceability.best ? ` (${cell(p.replaceability.best.name)})` : ''} | ${fmt(p.priority)} | ${p.seal.level === null ? t.notApplicable : `SEAL-${p.seal.level}`} |`,
    );
  out.push('');
  if (h.days.length) {
    out.push(`## ${w.trajectory}`, '', w.trajectoryHead, '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    h.days.forEach((day, i) =>
      out.push(
        `| ${lang === 'fr' ? formatDate(lang, day) : day} | ${fmt(h.series.exposure[i])} | ${fmt(h.series['exposure.infrastructure'][i])} | ${fmt(h.series['exposure.workstation'][i])} | ${fmt(h.series['exposure.software'][i])} | ${pct(h.series.lock_in[i])} | ${fmt(h.series.priority[i])} | ${pct(h.series.non_eu_spend_share[i])} |`,
      ),
    );
    if (h.targets.length)
      out.push(
        '',
        fillIn(w.targets, { list: h.targets.map((x) => fillIn(w.targetIn, { indicator: x.indicator, value: fmt(x.value), year: x.year })).join(w.listSep) }),
      );
    out.push('');
  }
  // Control characters are dropped: every string from outside went through cell() above.
  return out.map((line) => line.replace(/[\u0000-\u0008\u000b-\u001f]/g, '')).join('\n');
}
