// What the agents cannot see: annual spend imported from the finance software, and declared assets
// (SaaS, cloud, hosting, telecom, services). Both are read from CSV with an error per bad line, and
// stored only when the whole file is valid. They are matched to vendors by the rules at read time,
// so that a rules change or a local rule reaches them too.
import { AREAS, type Area, type Origin } from '@tiebreak/shared';
import { UNKNOWN, type Classification, type Classifier } from '../classify/classifier.ts';
import { readCsvRecords, type CsvRecord } from '../classify/input.ts';
import { DomainError, reason, type Reason } from '../errors.ts';
import { rows, run, sql, transaction, value, values, type Db } from '../store/db.ts';
import { hostCounts } from '../store/installations.ts';

/** A file with bad lines: each one with its line number and reasons. Nothing of it was stored. */
export class LineErrors extends DomainError {
  readonly errors: { line: number; message: string; reasons: Reason[] }[];
  constructor(
    readonly what: string,
    lines: { line: number; reasons: Reason[] }[],
  ) {
    const errors = lines.map((l) => ({ ...l, message: l.reasons.map((r) => r.message).join('; ') }));
    super(
      'invalid',
      `${what}: ${errors.length} bad line${errors.length > 1 ? 's' : ''}, nothing imported:\n${errors.map((e) => `  line ${e.line}: ${e.message}`).join('\n')}`,
      errors.length > 1 ? 'csvBadLines' : 'csvBadLine',
      { count: errors.length },
    );
    this.errors = errors;
    this.name = 'LineErrors';
  }
}

/** A vendor and product as a person or the finance software writes them, classified by the rules. */
export function classifyNamed(classifier: Classifier, vendor: string | null, product: string | null): Classification {
  if (product) {
    const byProduct = classifier.classify({ name: product, publisher: vendor });
    if (byProduct.product_id) return byProduct;
  }
  if (vendor && classifier.vendorOfPublisher(vendor)) return classifier.classify({ name: product ?? vendor, publisher: vendor });
  if (product) {
    const byName = classifier.classify({ name: product });
    if (byName.vendor_id) return byName;
  }
  return UNKNOWN;
}

/**
 * An amount in euros as finance exports write it, in cents: "12 345,67 €", "12345.67", "1.234,50",
 * "1,234.50". With one kind of separator, once and followed by three digits, or repeated, it
 * separates thousands ("1.234" is 1234 €); otherwise it is the decimal mark.
 */
export function parseAmount(text: string): number | null {
  const cleaned = text.replace(/[\s\u00a0\u202f]/g, '').replace(/(€|eur|euros?)$/i, '');
  if (!/^\d[\d.,]*$/.test(cleaned) || /[.,]$/.test(cleaned)) return null;
  let integer = cleaned;
  let fraction = '';
  const marks = [...new Set(cleaned.replace(/\d/g, ''))];
  if (marks.length === 2) {
    const decimal = cleaned.lastIndexOf(',') > cleaned.lastIndexOf('.') ? ',' : '.';
    const at = cleaned.lastIndexOf(decimal);
    integer = cleaned.slice(0, at).replace(/[.,]/g, '');
    fraction = cleaned.slice(at + 1);
  } else if (marks.length === 1) {
    const parts = cleaned.split(marks[0]!);
    if (parts.length > 2 || parts[1]!.length === 3) {
      if (parts.slice(1).some((p) => p.length !== 3)) return null;
      integer = parts.join('');
    } else {
      integer = parts[0]!;
      fraction = parts[1]!;
    }
  }
  if (fraction.length > 2 || !/^\d*$/.test(fraction) || !/^\d+$/.test(integer)) return null;
  const cents = Number(integer) * 100 + Number(fraction.padEnd(2, '0'));
  return Number.isSafeInteger(cents) ? cents : null;
}

const MAX_LINES = 100_000;
/** Rows per INSERT: 10 columns each, far under both engines' limits on bound parameters. */
const INSERT_BATCH = 500;
const TEXT_MAX = 300;

/**
 * Every line of a CSV import checked: the values, or a LineErrors naming each bad line (with its
 * reasons) so that nothing of the file is stored.
 */
function validLines<K extends string, T>(what: string, records: CsvRecord<K>[], check: (record: CsvRecord<K>) => T | Reason[]): T[] {
  if (!records.length) throw new DomainError('invalid', `${what}: no line after the header`, 'csvNoLines');
  if (records.length > MAX_LINES) throw new DomainError('invalid', `${what}: more than ${MAX_LINES} lines`, 'csvTooManyLines', { max: MAX_LINES });
  const errors: { line: number; reasons: Reason[] }[] = [];
  const values: T[] = [];
  for (const record of records) {
    const checked = check(record);
    if (Array.isArray(checked)) errors.push({ line: record.line, reasons: checked });
    else values.push(checked);
  }
  if (errors.length) throw new LineErrors(what, errors);
  return values;
}

const SPEND_COLUMNS = {
  vendor: ['vendor', 'editeur', 'éditeur', 'publisher', 'fabricant', 'manufacturer'],
  product: ['product', 'produit', 'logiciel', 'software', 'service'],
  amount: ['amount', 'montant', 'montant ht', 'montant ttc', 'amount eur', 'cost', 'cout', 'coût', 'depense', 'dépense'],
  year: ['year', 'annee', 'année', 'exercice'],
  contract: ['contract', 'contract ref', 'contract reference', 'contrat', 'marche', 'marché', 'reference', 'référence', 'ref'],
  supplier: ['supplier', 'supplier name', 'fournisseur', 'titulaire', 'tiers', 'prestataire', 'revendeur'],
};

export interface SpendLine {
  id: number;
  year: number;
  amount_cents: number;
  vendor_text: string | null;
  product_text: string | null;
  contract_ref: string | null;
  supplier: string | null;
  source_file: string;
  source_line: number;
}

export interface SpendImport {
  lines: number;
  years: number[];
  total_eur: number;
  matched: number;
  /** Lines no rule recognises: their spend is counted as of unknown origin. */
  unmatched: { line: number; vendor: string | null; product: string | null; supplier: string | null; amount_eur: number }[];
}

/**
 * Import a spend CSV: vendor or product (at least one), amount, year, and optionally the contract
 * reference and the supplier's name. The lines of a year replace that year's previous import.
 */
export async function importSpend(db: Db, classifier: Classifier, text: string, fileName: string): Promise<SpendImport> {
  const lines = validLines('spend CSV', readCsvRecords(text, SPEND_COLUMNS, ['amount', 'year']), (r): Omit<SpendLine, 'id' | 'source_file'> | Reason[] => {
    const vendor = r.cell('vendor');
    const product = r.cell('product');
    const amountText = r.cell('amount');
    const yearText = r.cell('year');
    const problems: Reason[] = [];
    if (!vendor && !product && !r.cell('supplier')) problems.push(reason('no vendor nor product (nor supplier)', 'spendNoParty'));
    const amount = amountText ? parseAmount(amountText) : null;
    if (!amountText) problems.push(reason('no amount', 'noAmount'));
    else if (amount === null)
      problems.push(reason(`amount "${amountText.slice(0, 40)}" is not an amount in euros (e.g. 12 345,67)`, 'badAmount', { text: amountText.slice(0, 40) }));
    const year = yearText && /^\d{4}$/.test(yearText) ? Number(yearText) : null;
    if (!yearText) problems.push(reason('no year', 'noYear'));
    else if (year === null || year < 2000 || year > 2100) problems.push(badYear(yearText));
    for (const [key, value] of [
      ['vendor', vendor],
      ['product', product],
      ['contract', r.cell('contract')],
      ['supplier', r.cell('supplier')],
    ] as const)
      if (value && value.length > TEXT_MAX) problems.push(tooLong(key, value));
    if (problems.length) return problems;
    return {
      year: year!,
      amount_cents: amount!,
      vendor_text: vendor,
      product_text: product,
      contract_ref: r.cell('contract'),
      supplier: r.cell('supplier'),
      source_line: r.line,
    };
  });
  const years = [...new Set(lines.map((r) => r.year))].sort();
  const now = new Date().toISOString();
  const sourceFile = fileName.slice(0, TEXT_MAX);
  await transaction(db, async (trx) => {
    await run(trx, sql`DELETE FROM spend_lines WHERE year IN (${sql.join(years)})`);
    // In batches: one statement per line would be a round trip each on PostgreSQL.
    for (let i = 0; i < lines.length; i += INSERT_BATCH)
      await trx
        .insertInto('spend_lines')
        .values(lines.slice(i, i + INSERT_BATCH).map((r) => ({ ...r, source_file: sourceFile, imported_at: now })))
        .execute();
  });
  const unmatched = lines
    .filter((r) => classifySpend(classifier, r).origin === 'unknown')
    .map((r) => ({ line: r.source_line, vendor: r.vendor_text, product: r.product_text, supplier: r.supplier, amount_eur: r.amount_cents / 100 }));
  return { lines: lines.length, years, total_eur: lines.reduce((s, r) => s + r.amount_cents, 0) / 100, matched: lines.length - unmatched.length, unmatched };
}

/** A spend line's vendor: as named, else by its product, else the supplier (often the vendor itself). */
export function classifySpend(classifier: Classifier, line: Pick<SpendLine, 'vendor_text' | 'product_text' | 'supplier'>): Classification {
  return classifyNamed(classifier, line.vendor_text ?? (line.product_text ? null : line.supplier), line.product_text);
}

const SPEND_COLUMNS_READ = sql`id, year, amount_cents, vendor_text, product_text, contract_ref, supplier, source_file, source_line, imported_at`;

export async function spendLines(db: Db, year?: number): Promise<SpendLine[]> {
  return rows<SpendLine>(
    db,
    year === undefined
      ? sql`SELECT ${SPEND_COLUMNS_READ} FROM spend_lines ORDER BY year, id`
      : sql`SELECT ${SPEND_COLUMNS_READ} FROM spend_lines WHERE year = ${year} ORDER BY id`,
  );
}

export async function spendYears(db: Db): Promise<number[]> {
  return values<number>(db, sql`SELECT DISTINCT year FROM spend_lines ORDER BY year`);
}

// Declared assets.

export interface DeclaredAsset {
  id: number;
  name: string;
  vendor_text: string;
  area: Area;
  /** Users or seats: never hosts nor installations. */
  users: number;
  annual_cost_cents: number | null;
  /** The year the cost is for; an undated cost counts in no year's spend (it is listed apart). */
  cost_year: number | null;
  /** The contract's reference: a spend line of the same year and reference is the same cost. */
  contract_ref: string | null;
  note: string | null;
}

export type NewAsset = Omit<DeclaredAsset, 'id'>;

const AREA_WORDS: Record<string, Area> = {
  infrastructure: 'infrastructure',
  infra: 'infrastructure',
  workstation: 'workstation',
  'poste de travail': 'workstation',
  postes: 'workstation',
  poste: 'workstation',
  software: 'software',
  logiciel: 'software',
  logiciels: 'software',
  applications: 'software',
};

const badYear = (text: string) => reason(`year "${text.slice(0, 20)}" is not a year between 2000 and 2100`, 'badYear', { text: text.slice(0, 20) });
const tooLong = (field: string, text: string) =>
  reason(`${field} longer than ${TEXT_MAX} characters`, 'textTooLong', { text: text.slice(0, 30), max: TEXT_MAX });

/** Check an asset as a form or a CSV line gives it: the reasons it is refused, or the asset. */
export function validateAsset(input: {
  name?: string | null;
  vendor?: string | null;
  area?: string | null;
  users?: string | null;
  cost?: string | null;
  year?: string | null;
  contract?: string | null;
  note?: string | null;
}): { asset: NewAsset } | { problems: Reason[] } {
  const problems: Reason[] = [];
  const name = input.name?.trim() ?? '';
  const vendor = input.vendor?.trim() ?? '';
  if (!name) problems.push(reason('no name', 'assetNoName'));
  if (!vendor) problems.push(reason('no vendor', 'assetNoVendor'));
  if (name.length > TEXT_MAX || vendor.length > TEXT_MAX)
    problems.push(reason(`name and vendor are at most ${TEXT_MAX} characters`, 'assetNameLength', { max: TEXT_MAX }));
  // Own keys only: "constructor" or "__proto__" is no area (found by pnpm fuzz: a 500).
  const areaWord = (input.area ?? '').trim().toLowerCase();
  const area = Object.hasOwn(AREA_WORDS, areaWord) ? AREA_WORDS[areaWord]! : null;
  if (!area)
    problems.push(
      reason(`area "${(input.area ?? '').slice(0, 30)}" is not one of ${AREAS.join(', ')}`, 'assetArea', { text: (input.area ?? '').slice(0, 30) }),
    );
  const usersText = (input.users ?? '').trim().replace(/[\s\u00a0\u202f]/g, '');
  const users = usersText === '' ? 0 : /^\d{1,9}$/.test(usersText) ? Number(usersText) : null;
  if (users === null) problems.push(reason(`users "${usersText.slice(0, 20)}" is not a whole number`, 'assetUsers', { text: usersText.slice(0, 20) }));
  const costText = (input.cost ?? '').trim();
  const cost = costText === '' ? null : parseAmount(costText);
  if (costText !== '' && cost === null)
    problems.push(reason(`annual cost "${costText.slice(0, 40)}" is not an amount in euros`, 'assetCost', { text: costText.slice(0, 40) }));
  const yearText = (input.year ?? '').trim();
  const year = yearText === '' ? null : /^\d{4}$/.test(yearText) && Number(yearText) >= 2000 && Number(yearText) <= 2100 ? Number(yearText) : undefined;
  if (year === undefined) problems.push(badYear(yearText));
  if (cost !== null && year === null) problems.push(reason('a cost needs its year (the year of the contract it pays for)', 'assetCostYear'));
  const contract = input.contract?.trim() || null;
  if (contract && contract.length > TEXT_MAX) problems.push(tooLong('contract', contract));
  const note = input.note?.trim().slice(0, 1000) || null;
  if (problems.length) return { problems };
  return { asset: { name, vendor_text: vendor, area: area!, users: users!, annual_cost_cents: cost, cost_year: year ?? null, contract_ref: contract, note } };
}

export async function addAsset(db: Db, asset: NewAsset, createdBy: string): Promise<number> {
  const { id } = await db
    .insertInto('declared_assets')
    .values({ ...asset, created_by: createdBy, created_at: new Date().toISOString() })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

export async function removeAsset(db: Db, id: number): Promise<boolean> {
  return (await run(db, sql`DELETE FROM declared_assets WHERE id = ${id}`)) > 0;
}

export async function listAssets(db: Db): Promise<DeclaredAsset[]> {
  return rows<DeclaredAsset>(
    db,
    sql`SELECT id, name, vendor_text, area, users, annual_cost_cents, cost_year, contract_ref, note FROM declared_assets ORDER BY id`,
  );
}

const ASSET_COLUMNS = {
  name: ['name', 'nom', 'service', 'asset', 'actif', 'product', 'produit'],
  vendor: ['vendor', 'editeur', 'éditeur', 'fournisseur', 'provider', 'fabricant'],
  area: ['area', 'domaine', 'perimetre', 'périmètre'],
  users: ['users', 'utilisateurs', 'seats', 'licences', 'licenses'],
  cost: ['cost', 'annual cost', 'cout', 'coût', 'cout annuel', 'coût annuel', 'amount', 'montant'],
  year: ['year', 'annee', 'année', 'exercice', 'cost year'],
  contract: SPEND_COLUMNS.contract,
  note: ['note', 'notes', 'comment', 'commentaire'],
};

/** Import declared assets from CSV (name, vendor, area, users, annual cost, year, contract, note); all lines or none. */
export async function importAssets(db: Db, text: string, createdBy: string): Promise<number> {
  const assets = validLines('assets CSV', readCsvRecords(text, ASSET_COLUMNS, ['name', 'vendor', 'area']), (r) => {
    const checked = validateAsset({
      name: r.cell('name'),
      vendor: r.cell('vendor'),
      area: r.cell('area'),
      users: r.cell('users'),
      cost: r.cell('cost'),
      year: r.cell('year'),
      contract: r.cell('contract'),
      note: r.cell('note'),
    });
    return 'problems' in checked ? checked.problems : checked.asset;
  });
  await transaction(db, async (trx) => {
    for (const asset of assets) await addAsset(trx, asset, createdBy);
  });
  return assets.length;
}

// The inventory as the assessment reads it: the catalogue's entries and counters, the hosts of each
// entry, the fleet. Kept to these few functions so that the storage can change under them.

export interface InstalledEntry {
  id: number;
  kind: string;
  vendor_id: string | null;
  product_id: string | null;
  origin: Origin;
  licence: string;
  area: Area | null;
  category: string | null;
  platform: number;
  country: string | null;
  owner_country: string | null;
  installations: number;
  hosts: number;
}

/** Every catalogue entry with at least one installation, recognised or not, with its facts. */
export async function installedEntries(db: Db): Promise<InstalledEntry[]> {
  return rows<InstalledEntry>(
    db,
    sql`SELECT id, kind, vendor_id, product_id, origin, licence, area, category, platform, country, owner_country, installs AS installations, hosts
      FROM catalogue WHERE installs > 0 ORDER BY id`,
  );
}

/** How many hosts the fleet has. */
export async function fleetHosts(db: Db): Promise<number> {
  return (await value<number>(db, sql`SELECT COUNT(*) FROM hosts`)) ?? 0;
}

export { hostCounts };

/**
 * Hosts with a non-platform item, by area (`area|AREA`), by area and origin (`cell|AREA|ORIGIN`) and
 * by origin (`origin|ORIGIN`): the facets counted at ingest, the last two the map's own.
 */
export async function assessedHostCounts(db: Db): Promise<Map<string, number>> {
  const counts = await rows<{ facet: string; value: string; hosts: number }>(
    db,
    sql`SELECT facet, value, hosts FROM facet_counts WHERE facet IN ('assessed_area', 'cell', 'origin') AND hosts > 0`,
  );
  return new Map(counts.map((r) => [`${r.facet.replace('assessed_', '')}|${r.value}`, r.hosts]));
}

/** The DSI's criticality settings, by `scope:key` (product:vendor/product, category:id). */
export async function criticalitySettings(db: Db): Promise<Map<string, number>> {
  const settings = await rows<{ scope: string; key: string; level: number }>(db, sql`SELECT scope, key, level FROM criticality`);
  return new Map(settings.map((r) => [`${r.scope}:${r.key}`, r.level]));
}
