// Observatory mode: registered authorities publish their signed documents here; each accepted one
// is kept (the history), and the aggregate reads every authority's latest: the indices per area
// across territories, the most common non-European dependencies, distributions by size.
import { randomBytes } from 'node:crypto';
import { AREAS, describeIssues } from '@tiebreak/shared';
import { stringify } from 'yaml';
import { DomainError, type ErrorKey, type ErrorParams } from '../errors.ts';
import type { Table } from '../exports/tables.ts';
import { first, rows, run, sql, transaction, value, type Db } from '../store/db.ts';
import { hashToken } from '../store/tokens.ts';
import { PublicationSchema, type Publication } from './document.ts';
import { keyId, parsePublicKey, verifyCanonical } from './keys.ts';

export const AUTHORITY_TOKEN_PREFIX = 'tbo_';

export class ObservatoryError extends DomainError {
  constructor(message: string, key: ErrorKey, params: ErrorParams = {}) {
    super('invalid', message, key, params);
    this.name = 'ObservatoryError';
  }
}

export interface RegisteredAuthority {
  id: number;
  name: string;
  siren: string | null;
  key_id: string;
  created_at: string;
  revoked_at: string | null;
  documents: number;
  last_created_at: string | null;
}

/** Register an authority by its public key; the token it publishes with, shown once (stored as a hash). */
export async function registerAuthority(
  db: Db,
  input: { name: string; siren?: string | null; publicKey: string },
): Promise<{ id: number; token: string; key_id: string }> {
  const name = input.name.trim();
  if (!name || name.length > 300) throw new ObservatoryError("the authority's name is 1 to 300 characters", 'authorityNameRange');
  const siren = input.siren?.replace(/\s/g, '') || null;
  if (siren !== null && !/^\d{9}$/.test(siren))
    throw new ObservatoryError(`a SIREN is 9 digits, not "${input.siren!.slice(0, 20)}"`, 'sirenDigits', { text: input.siren!.slice(0, 20) });
  let id: string;
  try {
    id = keyId(input.publicKey);
  } catch (error) {
    throw new ObservatoryError((error as Error).message, 'publicKeyInvalid');
  }
  const token = `${AUTHORITY_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const row = await transaction(db, async (trx) => {
    if (await first(trx, sql`SELECT 1 AS found FROM observatory_authorities WHERE key_id = ${id} AND revoked_at IS NULL`))
      throw new ObservatoryError(`this public key (${id}) is already registered`, 'publicKeyRegistered', { id });
    return (await first(
      trx,
      sql<{ id: number }>`INSERT INTO observatory_authorities (name, siren, public_key, key_id, token_hash, created_at)
        VALUES (${name}, ${siren}, ${input.publicKey.trim()}, ${id}, ${hashToken(token)}, ${new Date().toISOString()}) RETURNING id`,
    ))!;
  });
  return { id: row.id, token, key_id: id };
}

export async function listAuthorities(db: Db): Promise<RegisteredAuthority[]> {
  return rows(
    db,
    sql<RegisteredAuthority>`SELECT a.id, a.name, a.siren, a.key_id, a.created_at, a.revoked_at, COUNT(d.id) AS documents, MAX(d.created_at) AS last_created_at
       FROM observatory_authorities a LEFT JOIN observatory_documents d ON d.authority_id = a.id
       GROUP BY a.id, a.name, a.siren, a.key_id, a.created_at, a.revoked_at ORDER BY a.id`,
  );
}

export async function revokeAuthority(db: Db, id: number): Promise<boolean> {
  return (await run(db, sql`UPDATE observatory_authorities SET revoked_at = ${new Date().toISOString()} WHERE id = ${id} AND revoked_at IS NULL`)) > 0;
}

export type Acceptance = { ok: true; id: number; authority: string } | { ok: false; status: 400 | 401 | 403 | 409; reason: string };

/** Future dates beyond this are refused (clocks drift a little, not by hours). */
const CLOCK_SKEW_MS = 10 * 60_000;

/**
 * Check a document against the authority its token names: signature by that authority's registered
 * key, schema, then replay (a document id already received, or not newer than the last accepted).
 * Stored only when every check passes; nothing of a refused document is kept.
 */
export async function acceptDocument(db: Db, token: string | null, body: unknown): Promise<Acceptance> {
  if (!token) return { ok: false, status: 401, reason: 'missing credentials: send Authorization: Bearer <authority token>' };
  const authority = await first(
    db,
    sql<{
      id: number;
      name: string;
      public_key: string;
      revoked_at: string | null;
    }>`SELECT id, name, public_key, revoked_at FROM observatory_authorities WHERE token_hash = ${hashToken(token)}`,
  );
  if (!authority) return { ok: false, status: 401, reason: 'unknown authority token' };
  if (authority.revoked_at) return { ok: false, status: 401, reason: `the registration of ${authority.name} was revoked` };
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { ok: false, status: 400, reason: 'the document must be a JSON object' };
  const { signature, ...signed } = body as Record<string, unknown>;
  if (typeof (signature as { value?: unknown } | undefined)?.value !== 'string')
    return { ok: false, status: 400, reason: 'the document carries no signature (signature.value)' };
  // The schema before the signature: what is verified has a bounded shape (no nesting without end).
  const parsed = PublicationSchema.safeParse(body);
  if (!parsed.success) {
    const issues = describeIssues(parsed.error);
    return {
      ok: false,
      status: 400,
      reason: `invalid document: ${issues
        .slice(0, 5)
        .map((i) => `${i.path}: ${i.message}`)
        .join('; ')}${issues.length > 5 ? '; ...' : ''}`,
    };
  }
  const doc = parsed.data;
  if (!verifyCanonical(parsePublicKey(authority.public_key), signed, doc.signature.value))
    return {
      ok: false,
      status: 403,
      reason: `the signature does not match the key registered for ${authority.name}: the document was changed after signing, or signed by another key`,
    };
  const created = Date.parse(doc.created_at);
  // Stored in one spelling, so that dates compare as text too (the latest document of each authority).
  const createdAt = new Date(created).toISOString();
  if (created > Date.now() + CLOCK_SKEW_MS) return { ok: false, status: 400, reason: `created_at ${doc.created_at} is in the future` };
  return transaction(db, async (trx): Promise<Acceptance> => {
    // One authority's documents are accepted one at a time (a row lock on PostgreSQL; SQLite's write
    // transaction serialises already): two copies sent at once cannot both pass the replay check.
    await sql`UPDATE observatory_authorities SET revoked_at = revoked_at WHERE id = ${authority.id}`.execute(trx);
    if (await first(trx, sql`SELECT 1 AS found FROM observatory_documents WHERE document_id = ${doc.document_id}`))
      return { ok: false, status: 409, reason: `document ${doc.document_id} was already received (replay)` };
    const last = (await value<string | null>(trx, sql`SELECT MAX(created_at) FROM observatory_documents WHERE authority_id = ${authority.id}`)) ?? null;
    if (last && createdAt <= last)
      return {
        ok: false,
        status: 409,
        reason: `document created at ${doc.created_at}, not after the last one accepted from ${authority.name} (${last}): an old document replayed`,
      };
    const row = (await first(
      trx,
      sql<{ id: number }>`INSERT INTO observatory_documents (authority_id, document_id, created_at, received_at, hosts, body)
        VALUES (${authority.id}, ${doc.document_id}, ${createdAt}, ${new Date().toISOString()}, ${doc.size.hosts}, ${JSON.stringify(body)}) RETURNING id`,
    ))!;
    return { ok: true, id: row.id, authority: authority.name };
  });
}

export interface HistoryRow {
  id: number;
  authority: string;
  document_id: string;
  created_at: string;
  received_at: string;
  hosts: number;
}

export async function documentHistory(db: Db, limit = 500): Promise<HistoryRow[]> {
  return rows(
    db,
    sql<HistoryRow>`SELECT d.id, a.name AS authority, d.document_id, d.created_at, d.received_at, d.hosts FROM observatory_documents d
       JOIN observatory_authorities a ON a.id = d.authority_id ORDER BY d.id DESC LIMIT ${limit}`,
  );
}

/** Each registered (not revoked) authority's latest accepted document. */
async function latestDocuments(db: Db): Promise<{ authority: string; doc: Publication }[]> {
  const latest = await rows(
    db,
    sql<{ name: string; body: string }>`SELECT a.name, d.body FROM observatory_documents d JOIN observatory_authorities a ON a.id = d.authority_id
       WHERE a.revoked_at IS NULL AND d.created_at = (SELECT MAX(created_at) FROM observatory_documents WHERE authority_id = a.id) ORDER BY a.id`,
  );
  return latest.map((r) => ({ authority: r.name, doc: JSON.parse(r.body) as Publication }));
}

/** Size bands by host count: the distributions are given per band. */
export const SIZE_BANDS = [
  { id: '1-49', min: 0, max: 49 },
  { id: '50-249', min: 50, max: 249 },
  { id: '250-999', min: 250, max: 999 },
  { id: '1000-4999', min: 1000, max: 4999 },
  { id: '5000+', min: 5000, max: Infinity },
] as const;

export interface Stats {
  authorities: number;
  mean: number | null;
  median: number | null;
  min: number | null;
  max: number | null;
}

function stats(values: (number | null | undefined)[]): Stats {
  const v = values.filter((x): x is number => typeof x === 'number').sort((a, b) => a - b);
  if (!v.length) return { authorities: 0, mean: null, median: null, min: null, max: null };
  const mid = Math.floor(v.length / 2);
  const median = v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
  const r = (n: number) => Math.round(n * 100) / 100;
  return { authorities: v.length, mean: r(v.reduce((s, x) => s + x, 0) / v.length), median: r(median), min: v[0]!, max: v[v.length - 1]! };
}

export type Scope = 'overall' | (typeof AREAS)[number];
const SCOPES: Scope[] = ['overall', ...AREAS];

export interface Aggregate {
  generated_at: string;
  authorities: number;
  hosts: number;
  /** Exposure, lock-in and priority per TIE Break area (and overall) across the authorities' latest documents. */
  indices: { scope: Scope; exposure: Stats; lock_in: Stats; priority: Stats; non_eu_installations_share: Stats }[];
  /** Non-European products by how many authorities depend on them, with their hosts and spend. */
  dependencies: {
    vendor_id: string;
    product_id: string | null;
    name: string | null;
    category: string | null;
    owner_country: string | null;
    authorities: number;
    critical_for: number;
    hosts: number;
    installations: number;
    spend_eur: number;
  }[];
  /** The overall indices per size band (host count). */
  size_bands: { band: string; authorities: number; hosts: number; exposure: Stats; priority: Stats; non_eu_installations_share: Stats }[];
  /** Local rules proposed to the commons, with the authorities that proposed each. */
  proposals: (Publication['proposals'][number] & { authorities: string[] })[];
}

export async function computeAggregate(db: Db, options: { dependencyLimit?: number } = {}): Promise<Aggregate> {
  const latest = await latestDocuments(db);
  const docs = latest.map((l) => l.doc);
  const scopeOf = (d: Publication, s: Scope) => (s === 'overall' ? d.indicators.overall : d.indicators.areas[s]);
  const indices = SCOPES.map((scope) => ({
    scope,
    exposure: stats(docs.map((d) => scopeOf(d, scope).exposure)),
    lock_in: stats(docs.map((d) => scopeOf(d, scope).lock_in)),
    priority: stats(docs.map((d) => scopeOf(d, scope).priority)),
    non_eu_installations_share: stats(docs.map((d) => scopeOf(d, scope).installations.non_eu.share)),
  }));

  const deps = new Map<string, Aggregate['dependencies'][number]>();
  for (const d of docs) {
    const seen = new Set<string>();
    const critical = new Set(d.critical.map((c) => `${c.vendor_id}/${c.product_id ?? `*${c.category ?? 'other'}`}`));
    for (const p of d.products) {
      if (p.origin !== 'non_eu') continue;
      const key = `${p.vendor_id}/${p.product_id ?? `*${p.category ?? 'other'}`}`;
      let dep = deps.get(key);
      if (!dep)
        deps.set(
          key,
          (dep = {
            vendor_id: p.vendor_id,
            product_id: p.product_id,
            name: p.name,
            category: p.category,
            owner_country: p.owner_country,
            authorities: 0,
            critical_for: 0,
            hosts: 0,
            installations: 0,
            spend_eur: 0,
          }),
        );
      // A product in two areas is one dependency of the authority.
      if (!seen.has(key)) {
        dep.authorities += 1;
        if (critical.has(key)) dep.critical_for += 1;
      }
      seen.add(key);
      dep.hosts += p.hosts;
      dep.installations += p.installations;
      dep.spend_eur = Math.round((dep.spend_eur + (p.spend_eur ?? 0)) * 100) / 100;
    }
  }
  const dependencies = [...deps.values()]
    .sort(
      (a, b) =>
        b.authorities - a.authorities ||
        b.spend_eur - a.spend_eur ||
        b.hosts - a.hosts ||
        `${a.vendor_id}/${a.product_id}`.localeCompare(`${b.vendor_id}/${b.product_id}`),
    )
    .slice(0, options.dependencyLimit ?? 100);

  const size_bands = SIZE_BANDS.map((band) => {
    const inBand = docs.filter((d) => d.size.hosts >= band.min && d.size.hosts <= band.max);
    return {
      band: band.id,
      authorities: inBand.length,
      hosts: inBand.reduce((s, d) => s + d.size.hosts, 0),
      exposure: stats(inBand.map((d) => d.indicators.overall.exposure)),
      priority: stats(inBand.map((d) => d.indicators.overall.priority)),
      non_eu_installations_share: stats(inBand.map((d) => d.indicators.overall.installations.non_eu.share)),
    };
  });

  const proposals = new Map<string, Aggregate['proposals'][number]>();
  for (const { authority, doc } of latest)
    for (const p of doc.proposals) {
      const key = `${p.vendor_id}/${p.product_id}`;
      const existing = proposals.get(key);
      if (existing) {
        existing.authorities.push(authority);
        const names = new Set(existing.examples.map((e) => `${e.name}\u0000${e.publisher}`));
        for (const e of p.examples) if (!names.has(`${e.name}\u0000${e.publisher}`)) existing.examples.push(e);
      } else proposals.set(key, { ...p, examples: [...p.examples], authorities: [authority] });
    }

  return {
    generated_at: new Date().toISOString(),
    authorities: docs.length,
    hosts: docs.reduce((s, d) => s + d.size.hosts, 0),
    indices,
    dependencies,
    size_bands,
    proposals: [...proposals.values()].sort((a, b) => `${a.vendor_id}/${a.product_id}`.localeCompare(`${b.vendor_id}/${b.product_id}`)),
  };
}

/** The aggregate as one table: a line per scope and indicator, per dependency and per size band. */
export function aggregateTable(a: Aggregate): Table {
  const rows: Record<string, unknown>[] = [];
  const statRow = (section: string, key: string, indicator: string, s: Stats, extra: Record<string, unknown> = {}) =>
    rows.push({ section, key, indicator, ...s, ...extra });
  for (const i of a.indices)
    for (const ind of ['exposure', 'lock_in', 'priority', 'non_eu_installations_share'] as const) statRow('index', i.scope, ind, i[ind]);
  for (const b of a.size_bands)
    for (const ind of ['exposure', 'priority', 'non_eu_installations_share'] as const) statRow('size_band', b.band, ind, b[ind], { hosts: b.hosts });
  for (const d of a.dependencies)
    rows.push({
      section: 'dependency',
      key: `${d.vendor_id}/${d.product_id ?? `*${d.category ?? 'other'}`}`,
      indicator: d.name ?? '',
      authorities: d.authorities,
      critical_for: d.critical_for,
      hosts: d.hosts,
      installations: d.installations,
      spend_eur: d.spend_eur,
      owner_country: d.owner_country ?? '',
    });
  const columns = [
    'section',
    'key',
    'indicator',
    'authorities',
    'mean',
    'median',
    'min',
    'max',
    'critical_for',
    'hosts',
    'installations',
    'spend_eur',
    'owner_country',
  ];
  return { columns: columns.map((c) => ({ key: c, label: c })), rows };
}

/** The proposals as rule files (one YAML document per vendor, as in rules/vendors/), for a pull request. */
export function proposalsYaml(a: Aggregate): string {
  const byVendor = new Map<string, Aggregate['proposals']>();
  for (const p of a.proposals) byVendor.set(p.vendor_id, [...(byVendor.get(p.vendor_id) ?? []), p]);
  const docs = [...byVendor].map(([vendorId, products]) => {
    const first = products[0]!;
    const vendor: Record<string, unknown> = { id: vendorId, name: first.vendor, kind: 'company' };
    if (first.country) vendor.country = first.country;
    if (first.owner) vendor.owner = first.owner;
    vendor.note = `Proposed through the observatory by: ${[...new Set(products.flatMap((p) => p.authorities))].join(', ')}. To be checked and sourced before merging.`;
    vendor.products = products.map((p) => ({
      id: p.product_id,
      name: p.product,
      area: p.area,
      category: p.category,
      licence: p.licence,
      examples: p.examples.length ? p.examples.map((e) => ({ name: e.name, ...(e.publisher ? { publisher: e.publisher } : {}) })) : [{ name: p.product }],
    }));
    return `# vendors/${vendorId}.yaml\n${stringify(vendor, { lineWidth: 120 })}`;
  });
  return docs.join('---\n');
}
