// The publication document: what a collector sends to an observatory. Built from the dependency map
// and the assessment (map/, assessment/), by allow-list: only rule ids and names, counts, shares,
// indices and amounts, never a string an agent sent about a machine (no host name, host id, serial,
// domain, address or user). Signed with the collector's Ed25519 key (keys.ts) over its canonical JSON.
import { randomUUID } from 'node:crypto';
import { AREAS, ORIGINS } from '@tiebreak/shared';
import { z } from 'zod';
import pkg from '../../package.json' with { type: 'json' };
import type { Classifier } from '../classify/classifier.ts';
import { readLocalRules } from '../classify/local-rules.ts';
import { DomainError, type ErrorKey, type ErrorParams } from '../errors.ts';
import { computeAssessment, METHOD_VERSION, type Assessment, type Indicators } from '../assessment/compute.ts';
import { snapshots } from '../assessment/history.ts';
import { computeMap } from '../map/map.ts';
import { getAuthority, setAuthority as setStoredAuthority, type Authority } from '../store/authority.ts';
import { getMeta, rows, run, setMeta, sql, values, type Db } from '../store/db.ts';
import { keyId, publicKeyPem, signCanonical } from './keys.ts';

export const FORMAT = 'tiebreak-publication';
export const FORMAT_VERSION = 1;

const id = z.string().min(1).max(120);
const text = z.string().max(300);
const count = z.number().finite().min(0);
const share = z.number().finite().min(0).max(100).nullable();
const index = z.number().finite().min(0).max(100).nullable();
const origin = z.enum(ORIGINS);
const area = z.enum(AREAS);
const country = z
  .string()
  .regex(/^[A-Z]{2}$/)
  .nullable();
const originShare = z.strictObject({ count, share });
const byOrigin = z.strictObject({ eu: originShare, europe: originShare, non_eu: originShare, community: originShare, unknown: originShare });

/** A product as the rules name it (a vendor's items no product names: product_id null, by category). */
const productRef = { vendor_id: id, product_id: id.nullable(), name: text.nullable(), category: id.nullable(), area, owner_country: country };

const IndicatorsSchema = z.strictObject({
  exposure: index,
  lock_in: index,
  priority: index,
  hard_to_replace: count,
  critical_dependencies: count,
  hosts: byOrigin,
  products: byOrigin,
  installations: byOrigin,
  spend: z.strictObject({ total_eur: count, by_origin: byOrigin }),
});

export const PublicationSchema = z.strictObject({
  format: z.literal(FORMAT),
  format_version: z.literal(FORMAT_VERSION),
  document_id: z.uuid(),
  created_at: z.iso.datetime(),
  authority: z.strictObject({
    name: text.nullable(),
    siren: z
      .string()
      .regex(/^\d{9}$/)
      .nullable(),
  }),
  software: z.strictObject({ name: z.literal('tiebreak-collector'), version: z.string().max(40) }),
  rules: z.strictObject({ fingerprint: z.string().max(200) }),
  method: z.strictObject({ version: z.number().int().min(1), document: z.string().max(100) }),
  key_id: z.string().regex(/^[0-9a-f]{32}$/),
  size: z.strictObject({ hosts: count, hosts_by_role: z.array(z.strictObject({ role: id, hosts: count })).max(20) }),
  totals: z.strictObject({ installations: count, products: count, unknown_installations: count, unknown_products: count }),
  indicators: z.strictObject({
    overall: IndicatorsSchema,
    areas: z.strictObject(Object.fromEntries(AREAS.map((a) => [a, IndicatorsSchema])) as Record<(typeof AREAS)[number], typeof IndicatorsSchema>),
  }),
  uncertainty: z.strictObject({ unknown_share: share, exposure_range: z.strictObject({ low: count, high: count }).nullable() }),
  by_origin: z.array(z.strictObject({ origin, hosts: count, installations: count, products: count })).max(ORIGINS.length),
  vendors: z
    .array(z.strictObject({ vendor_id: id, name: text, country, owner_country: country, origin, hosts: count, installations: count, products: count }))
    .max(50_000),
  products: z
    .array(
      z.strictObject({
        ...productRef,
        origin,
        hosts: count,
        installations: count,
        users: count.nullable(),
        spend_eur: count.nullable(),
        exposure: index,
        priority: index,
        replaceability: z.number().min(0).max(1),
      }),
    )
    .max(100_000),
  spend: z.strictObject({ year: z.number().int(), total_eur: count, by_origin: byOrigin }),
  critical: z
    .array(
      z.strictObject({
        ...productRef,
        exposure: index,
        priority: index,
        hosts: count,
        installations: count,
        spend_eur: count.nullable(),
        replaceability: z.number().min(0).max(1),
        alternatives: z.array(id).max(50),
      }),
    )
    .max(10_000),
  trajectory: z.array(z.strictObject({ day: z.iso.date(), values: z.record(z.string().max(60), z.number().finite().nullable()) })).max(20_000),
  proposals: z
    .array(
      z.strictObject({
        vendor_id: id,
        vendor: text,
        country,
        owner: id.nullable(),
        product_id: id,
        product: text,
        origin,
        area,
        category: id,
        licence: z.string().max(40),
        examples: z.array(z.strictObject({ name: text, publisher: text.nullable(), source: z.string().max(40) })).max(200),
      }),
    )
    .max(5_000),
  excluded: z.strictObject({ vendors: count, products: count }),
  signature: z.strictObject({
    algorithm: z.literal('ed25519'),
    value: z
      .string()
      .regex(/^[A-Za-z0-9+/]+={0,2}$/)
      .max(200),
  }),
});
export type Publication = z.infer<typeof PublicationSchema>;
export type UnsignedPublication = Omit<Publication, 'signature'>;

/** The vendors and vendor/product refs the DSI chose to leave out of the document. */
export async function exclusions(db: Db): Promise<string[]> {
  return values<string>(db, sql`SELECT ref FROM federation_exclusions ORDER BY ref`);
}

const REF = /^[a-z0-9][a-z0-9._-]{0,119}(\/[a-z0-9][a-z0-9._-]{0,119})?$/;

/** A federation change or document refused: bad input, with its message key for the pages (errors.ts). */
export class FederationError extends DomainError {
  constructor(message: string, key: ErrorKey, params: ErrorParams = {}) {
    super('invalid', message, key, params);
    this.name = 'FederationError';
  }
}

/** Leave a vendor (`vendor`) or a product (`vendor/product`) out of the published document. */
export async function exclude(db: Db, classifier: Classifier, ref: string, user: string): Promise<void> {
  const clean = ref.trim();
  if (!REF.test(clean)) throw new FederationError(`not a vendor id or vendor/product: "${ref.slice(0, 80)}"`, 'federationRef', { ref: ref.slice(0, 80) });
  const [vendor, product] = clean.split('/') as [string, string | undefined];
  if (!classifier.vendor(vendor)) throw new FederationError(`unknown vendor ${vendor}`, 'unknownVendor', { vendor });
  if (product && !classifier.product(vendor, product)) throw new FederationError(`unknown product ${clean}`, 'unknownProduct', { product: clean });
  await sql`INSERT INTO federation_exclusions (ref, created_by, created_at) VALUES (${clean}, ${user}, ${new Date().toISOString()}) ON CONFLICT (ref) DO NOTHING`.execute(
    db,
  );
}

export async function include(db: Db, ref: string): Promise<boolean> {
  return (await run(db, sql`DELETE FROM federation_exclusions WHERE ref = ${ref.trim()}`)) > 0;
}

/** Local products (vendor/product) whose rule the authority proposes to the commons. */
export async function sharedRules(db: Db): Promise<string[]> {
  return values<string>(db, sql`SELECT ref FROM federation_shared_rules ORDER BY ref`);
}

/** Propose (or stop proposing) a local rule: a product decided here, by vendor/product. */
export async function shareRule(db: Db, ref: string, user: string, shared: boolean): Promise<void> {
  const clean = ref.trim();
  if (!shared) {
    await sql`DELETE FROM federation_shared_rules WHERE ref = ${clean}`.execute(db);
    return;
  }
  const local = await readLocalRules(db);
  const [vendor, product] = clean.split('/');
  const known =
    local.products.some((p) => p.vendor_id === vendor && p.id === product) || local.assignments.some((a) => a.vendor_id === vendor && a.product_id === product);
  if (!known)
    throw new FederationError(`no local rule for ${clean.slice(0, 120)}: only items decided on this collector can be proposed`, 'federationNotLocal', {
      ref: clean.slice(0, 120),
    });
  await sql`INSERT INTO federation_shared_rules (ref, created_by, created_at) VALUES (${clean}, ${user}, ${new Date().toISOString()}) ON CONFLICT (ref) DO NOTHING`.execute(
    db,
  );
}

export type { Authority };
export const authority = getAuthority;

/** The authority's name and SIREN, with the settings page's checks (store/authority.ts). */
export async function setAuthority(db: Db, name: string | undefined, siren: string | undefined): Promise<void> {
  if (name !== undefined && !name.trim()) throw new FederationError("the authority's name cannot be empty", 'authorityNameEmpty');
  await setStoredAuthority(db, { name, siren });
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * A test for the free text a proposal carries (the software names a rule was decided on, as the
 * machines reported them): true when it holds one of the fleet's host names or domains (of 4
 * characters or more), an IP address or an e-mail address. Such an example is left out.
 */
async function machineText(db: Db): Promise<(text: string | null) => boolean> {
  const names = new Set<string>();
  for (const row of await rows<{ hostname: string; domain: string | null }>(db, sql`SELECT DISTINCT hostname, domain FROM hosts`))
    for (const value of [row.hostname, row.domain]) if (value && value.trim().length >= 4) names.add(value.trim().toLowerCase());
  const address = /\b(?:\d{1,3}\.){3}\d{1,3}\b|\b[0-9a-f]{1,4}(?::[0-9a-f]{0,4}){2,7}\b|[^\s@]+@[^\s@]+/i;
  return (text) => {
    if (!text) return false;
    const lower = text.toLowerCase();
    if (address.test(text)) return true;
    for (const name of names) if (lower.includes(name)) return true;
    return false;
  };
}

function indicators(i: Indicators): z.infer<typeof IndicatorsSchema> {
  return {
    exposure: i.exposure,
    lock_in: i.lock_in,
    priority: i.priority,
    hard_to_replace: i.hard_to_replace,
    critical_dependencies: i.critical_dependencies,
    hosts: i.hosts.by_origin,
    products: i.products.by_origin,
    installations: i.installations.by_origin,
    spend: { total_eur: i.spend.total_eur, by_origin: i.spend.by_origin },
  };
}

/** The document as it would be sent now, without its signature. */
export async function buildPublication(db: Db, classifier: Classifier, options: { assessment?: Assessment } = {}): Promise<UnsignedPublication> {
  const map = await computeMap(db, classifier, { unclassifiedLimit: 0 });
  const a = options.assessment ?? (await computeAssessment(db, classifier));
  const excluded = new Set(await exclusions(db));
  const out = (vendorId: string, productId: string | null) => excluded.has(vendorId) || (productId !== null && excluded.has(`${vendorId}/${productId}`));
  // Names come from the rules only: a declared asset's own name (typed by the DSI) is never sent.
  const productName = (vendorId: string, productId: string | null) => (productId ? (classifier.product(vendorId, productId)?.name ?? null) : null);
  const vendors = map.by_vendor.filter((v) => !excluded.has(v.vendor_id));
  const products = a.products.filter((p) => !out(p.vendor_id, p.product_id));
  const critical = a.critical.map((c) => ({ c, p: a.products.find((p) => p.key === c.key)! })).filter(({ p }) => p && !out(p.vendor_id, p.product_id));
  const local = await readLocalRules(db);
  const identifies = await machineText(db);
  const localVendors = new Map(local.vendors.map((v) => [v.id, v]));
  const proposals = (await sharedRules(db)).flatMap((ref) => {
    const [vendorId, productId] = ref.split('/') as [string, string];
    if (out(vendorId, productId)) return [];
    const vendor = classifier.vendor(vendorId);
    const product = classifier.product(vendorId, productId);
    if (!vendor || !product) return [];
    const c = classifier.classifyVendor(vendorId);
    return [
      {
        vendor_id: vendorId,
        vendor: vendor.name,
        country: vendor.country ?? localVendors.get(vendorId)?.country ?? null,
        owner: vendor.owner ?? null,
        product_id: productId,
        product: product.name,
        origin: c?.origin ?? 'unknown',
        area: product.area,
        category: product.category,
        licence: product.licence,
        examples: local.assignments
          .filter((x) => x.vendor_id === vendorId && x.product_id === productId && !identifies(x.name) && !identifies(x.publisher))
          .slice(0, 200)
          .map((x) => ({ name: x.name.slice(0, 300), publisher: x.publisher?.slice(0, 300) ?? null, source: x.source })),
      },
    ];
  });
  const excludedVendors = [...excluded].filter((r) => !r.includes('/')).length;
  return {
    format: FORMAT,
    format_version: FORMAT_VERSION,
    document_id: randomUUID(),
    created_at: new Date().toISOString(),
    authority: await authority(db),
    software: { name: 'tiebreak-collector', version: pkg.version },
    rules: { fingerprint: classifier.fingerprint },
    method: { version: METHOD_VERSION, document: 'docs/methodology.md' },
    key_id: keyId(await publicKeyPem(db)),
    size: { hosts: map.totals.hosts, hosts_by_role: map.hosts_by_role },
    totals: {
      installations: map.totals.installations,
      products: map.totals.products,
      unknown_installations: map.totals.unknown_installations,
      unknown_products: map.totals.unknown_products,
    },
    indicators: {
      overall: indicators(a.overall),
      areas: Object.fromEntries(AREAS.map((x) => [x, indicators(a.areas[x])])) as Record<(typeof AREAS)[number], z.infer<typeof IndicatorsSchema>>,
    },
    uncertainty: { unknown_share: a.uncertainty.unknown_share, exposure_range: a.uncertainty.exposure_range },
    by_origin: map.by_origin.map((o) => ({
      origin: o.origin as (typeof ORIGINS)[number],
      hosts: o.hosts,
      installations: o.installations,
      products: o.products,
    })),
    vendors: vendors.map((v) => ({
      vendor_id: v.vendor_id,
      name: v.vendor,
      country: v.country,
      owner_country: v.owner_country,
      origin: v.origin as (typeof ORIGINS)[number],
      hosts: v.hosts,
      installations: v.installations,
      products: v.products,
    })),
    products: products.map((p) => ({
      vendor_id: p.vendor_id,
      product_id: p.product_id,
      name: productName(p.vendor_id, p.product_id),
      category: p.category,
      area: p.area,
      origin: p.origin,
      owner_country: p.owner_country,
      hosts: p.hosts,
      installations: p.installations,
      users: p.users,
      spend_eur: p.spend_eur,
      exposure: p.exposure,
      priority: p.priority,
      replaceability: p.replaceability.score,
    })),
    spend: { year: a.year, total_eur: a.overall.spend.total_eur, by_origin: a.overall.spend.by_origin },
    critical: critical.map(({ c, p }) => ({
      vendor_id: p.vendor_id,
      product_id: p.product_id,
      name: productName(p.vendor_id, p.product_id),
      category: c.category,
      area: c.area,
      owner_country: c.owner_country,
      exposure: c.exposure,
      priority: c.priority,
      hosts: c.hosts,
      installations: c.installations,
      spend_eur: c.spend_eur,
      replaceability: c.replaceability,
      alternatives: c.alternatives.map((x) => x.id).slice(0, 50),
    })),
    trajectory: (await snapshots(db)).map((s) => ({
      day: s.day,
      values: Object.fromEntries(
        Object.entries(s.values)
          .filter(([, v]) => v === null || typeof v === 'number')
          .map(([k, v]) => [k, v === null ? null : round2(v as number)]),
      ),
    })),
    proposals,
    excluded: { vendors: excludedVendors, products: excluded.size - excludedVendors },
  };
}

/** The document signed with this collector's key (created on first use). */
export async function signedPublication(db: Db, classifier: Classifier): Promise<Publication> {
  const unsigned = await buildPublication(db, classifier);
  // Checked before signing: a document the observatory would refuse is never produced.
  const doc = { ...unsigned, signature: { algorithm: 'ed25519' as const, value: await signCanonical(db, unsigned) } };
  const parsed = PublicationSchema.safeParse(doc);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.')}: ${i.message}`)
      .join('; ');
    throw new FederationError(`the document does not fit its schema: ${issues}`, 'federationSchema', { issues });
  }
  return doc;
}

/** Record a publication's outcome on the sending side. */
export async function recordPublication(db: Db, doc: Publication, to: string, status: number, answer: string): Promise<void> {
  await sql`INSERT INTO federation_publications (document_id, created_at, sent_to, status, answer) VALUES (${doc.document_id}, ${doc.created_at}, ${to}, ${status}, ${answer.slice(0, 2000)})`.execute(
    db,
  );
}

export async function publications(db: Db): Promise<{ document_id: string; created_at: string; sent_to: string; status: number; answer: string }[]> {
  return rows(
    db,
    sql<{
      document_id: string;
      created_at: string;
      sent_to: string;
      status: number;
      answer: string;
    }>`SELECT document_id, created_at, sent_to, status, answer FROM federation_publications ORDER BY id DESC LIMIT 50`,
  );
}

/** Send the signed document to an observatory; the status and its answer. */
export async function publish(
  db: Db,
  classifier: Classifier,
  to: string,
  token: string,
): Promise<{ status: number; answer: Record<string, unknown>; document: Publication; origin: string }> {
  let url: URL;
  try {
    url = new URL(to);
  } catch {
    throw new FederationError(`the observatory's URL is not a URL: "${to.slice(0, 100)}"`, 'observatoryUrl', { url: to.slice(0, 100) });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new FederationError(`the observatory's URL must be an http(s) URL, not ${url.protocol}`, 'observatoryProtocol', { protocol: url.protocol });
  const endpoint = new URL('/api/v1/observatory/documents', url);
  const document = await signedPublication(db, classifier);
  let response: Response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(document),
    });
  } catch (error) {
    const reason = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
    throw new FederationError(`cannot reach ${endpoint.origin}: ${reason}`, 'observatoryUnreachable', { origin: endpoint.origin, reason });
  }
  const textAnswer = await response.text();
  let answer: Record<string, unknown>;
  try {
    answer = JSON.parse(textAnswer) as Record<string, unknown>;
  } catch {
    answer = { error: textAnswer.slice(0, 500) };
  }
  await recordPublication(db, document, endpoint.origin, response.status, JSON.stringify(answer));
  return { status: response.status, answer, document, origin: endpoint.origin };
}

const OBSERVATORY_URL_KEY = 'federation.observatory_url';
const OBSERVATORY_TOKEN_KEY = 'federation.observatory_token';

/** The observatory this collector publishes to, as remembered by the publication page. */
export async function savedObservatory(db: Db): Promise<{ url: string | null; hasToken: boolean }> {
  return { url: (await getMeta(db, OBSERVATORY_URL_KEY)) || null, hasToken: Boolean(await getMeta(db, OBSERVATORY_TOKEN_KEY)) };
}

/**
 * Publish from the web page: the URL and token given, else the remembered ones. A remembered token
 * is only ever sent to the remembered observatory's origin, never to a URL typed in its place.
 * Remembered (when asked) only once the observatory has accepted a document with them.
 */
export async function publishToObservatory(
  db: Db,
  classifier: Classifier,
  input: { url?: string; token?: string; remember?: boolean },
): Promise<Awaited<ReturnType<typeof publish>>> {
  const saved = (await getMeta(db, OBSERVATORY_URL_KEY)) || null;
  const url = input.url?.trim() || saved;
  if (!url) throw new FederationError("the observatory's URL is needed", 'observatoryUrlNeeded');
  let token = input.token?.trim() || null;
  if (!token && saved && sameOrigin(url, saved)) token = (await getMeta(db, OBSERVATORY_TOKEN_KEY)) || null;
  if (!token)
    throw new FederationError(`the token the observatory gave this authority is needed to publish to ${url.slice(0, 200)}`, 'observatoryTokenNeeded', {
      url: url.slice(0, 200),
    });
  const result = await publish(db, classifier, url, token);
  if (input.remember && result.status >= 200 && result.status < 300) {
    await setMeta(db, OBSERVATORY_URL_KEY, url);
    await setMeta(db, OBSERVATORY_TOKEN_KEY, token);
  }
  return result;
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}
