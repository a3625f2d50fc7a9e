// The lists and detail pages' data: filtered, sorted and paginated in SQL, so that 50,000 hosts
// and their catalogue stay fast. Filters and sort keys come from the query string and are checked
// against fixed lists before they reach SQL; values are always bound parameters.
import { cachedByDataVersion } from '../assessment/cached.ts';
import { alternativesOfProduct } from '../assessment/alternatives.ts';
import type { Classifier } from '../classify/classifier.ts';
import { MIN_CONFIDENCES, confidencesFrom } from '../classify/evidence.ts';
import { inScope, scopeOfFilter } from '../entities/entities.ts';
import { HOST_ROLES } from '../ingest/items.ts';
import type { RawBuilder } from 'kysely';
import { first, rows, sql, value, values, type Db } from '../store/db.ts';
import { indexedBy, likeIgnoringCase, readSnapshot } from '../store/dialect.ts';
import { versionCounts, versionsOn } from '../store/installations.ts';

export const PAGE_SIZE = 50;
export const STALE_DAYS = 30;

export interface Page<T> {
  rows: T[];
  total: number;
  page: number;
  pages: number;
}

const oneOf = <T extends string>(value: string | undefined, allowed: readonly T[]): T | undefined => (allowed.includes(value as T) ? (value as T) : undefined);

export function pageNumber(value: string | undefined): number {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 && n < 1_000_000 ? n : 1;
}

type Sql = RawBuilder<unknown>;

/**
 * One page of rows and the count of all, read on one state of the database. `count` reads the
 * count where a counter holds it, instead of counting the rows.
 */
function paginate<T>(db: Db, select: Sql, from: Sql, where: Sql[], order: Sql, page: number, limit = PAGE_SIZE, count?: Sql): Promise<Page<T>> {
  const clause = where.length ? sql` WHERE ${sql.join(where, sql` AND `)}` : sql``;
  return readSnapshot(db, async (snapshot) => {
    const total = (await value<number>(snapshot, count ?? sql`SELECT COUNT(*) ${from}${clause}`)) ?? 0;
    const pages = Math.max(1, Math.ceil(total / limit));
    const current = Math.min(page, pages);
    const found = await rows<T>(snapshot, sql<T>`${select} ${from}${clause} ORDER BY ${order} LIMIT ${limit} OFFSET ${(current - 1) * limit}`);
    return { rows: found, total, page: current, pages };
  });
}

/** `column` contains `q` (a LIKE pattern with its wildcards escaped), ignoring ASCII case on both engines. */
function contains(db: Db, column: string, q: string): Sql {
  const pattern = `%${q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
  return sql`${likeIgnoringCase(db, sql.ref(column), pattern)} ESCAPE '\\'`;
}

export const ORIGINS = ['eu', 'europe', 'non_eu', 'community', 'unknown'] as const;
export const AREAS = ['infrastructure', 'workstation', 'software'] as const;
export const LICENCES = ['open_source', 'proprietary', 'unknown'] as const;

export interface HostRow {
  id: number;
  hostname: string;
  domain: string | null;
  role: string;
  os_name: string;
  os_version: string | null;
  agent_name: string;
  agent_version: string;
  last_seen: string;
  software_count: number;
  duplicate_id: number;
  /** Its entity (entities/); null: the root. */
  entity_id: number | null;
}

export interface HostFilters {
  q?: string;
  role?: string;
  origin?: string;
  vendor?: string;
  area?: string;
  agent?: string;
  stale?: string;
  /** An entity's id (with its descendants) or "root" (entities/entities.ts scopeOfFilter). */
  entity?: string;
  sort?: string;
  page?: string;
}

// Case-insensitive order by lower(): SQLite's NOCASE order, and the same on PostgreSQL.
export const HOST_SORTS = { hostname: sql`lower(hostname)`, last_seen: sql`last_seen DESC`, software: sql`software_count DESC` } as const;

export async function listHosts(db: Db, f: HostFilters, limit = PAGE_SIZE): Promise<Page<HostRow>> {
  const where: Sql[] = [];
  const q = f.q?.trim();
  if (q) where.push(sql`(${contains(db, 'hostname', q)} OR ${contains(db, 'os_name', q)} OR ${contains(db, 'domain', q)})`);
  const role = oneOf(f.role, HOST_ROLES);
  if (role) where.push(sql`role = ${role}`);
  const origin = oneOf(f.origin, ORIGINS);
  if (origin) where.push(sql`id IN (SELECT host_id FROM host_facets WHERE facet = 'origin' AND value = ${origin})`);
  if (f.vendor?.trim()) where.push(sql`id IN (SELECT host_id FROM host_facets WHERE facet = 'vendor' AND value = ${f.vendor.trim()})`);
  const area = oneOf(f.area, AREAS);
  if (area)
    where.push(
      sql`id IN (SELECT host_id FROM host_facets WHERE facet = 'cell' AND value IN (${sql.join((origin ? [origin] : ORIGINS).map((o) => `${area}|${o}`))}))`,
    );
  if (f.agent?.trim()) where.push(sql`agent_name = ${f.agent.trim()}`);
  if (f.stale === '1') where.push(sql`last_seen < ${new Date(Date.now() - STALE_DAYS * 86_400_000).toISOString()}`);
  const scope = scopeOfFilter(f.entity);
  if (scope) where.push(inScope(scope));
  const sort = HOST_SORTS[oneOf(f.sort, Object.keys(HOST_SORTS) as (keyof typeof HOST_SORTS)[]) ?? 'hostname'];
  return paginate<HostRow>(
    db,
    sql`SELECT id, hostname, domain, role, os_name, os_version, agent_name, agent_version, last_seen, software_count, duplicate_id, entity_id`,
    sql`FROM hosts`,
    where,
    sql`${sort}, id`,
    pageNumber(f.page),
    limit,
  );
}

export interface ProductRow {
  id: number;
  kind: string;
  source: string;
  name: string;
  publisher: string | null;
  vendor_id: string | null;
  product_id: string | null;
  country: string | null;
  owner_country: string | null;
  origin: string;
  licence: string;
  area: string | null;
  category: string | null;
  rule: string | null;
  evidence: string | null;
  confidence: string | null;
  hosts: number;
  installs: number;
}

export interface ProductFilters {
  q?: string;
  origin?: string;
  area?: string;
  category?: string;
  licence?: string;
  kind?: string;
  vendor?: string;
  unknown?: string;
  /** Minimum confidence of the evidence: `high`, or `medium` (medium or high). */
  confidence?: string;
  sort?: string;
  page?: string;
}

export const PRODUCT_SORTS = { hosts: sql`hosts DESC`, name: sql`lower(name)`, installs: sql`installs DESC` } as const;
const PRODUCT_COLUMNS = sql`SELECT id, kind, source, name, publisher, vendor_id, product_id, country, owner_country, origin, licence, area, category, rule, evidence, confidence, hosts, installs`;

/** The catalogue's filters as SQL conditions (the lists and their groups share them). */
function productWhere(db: Db, f: ProductFilters): Sql[] {
  const where: Sql[] = [sql`installs > 0`];
  const q = f.q?.trim();
  if (q) where.push(sql`(${contains(db, 'name', q)} OR ${contains(db, 'publisher', q)})`);
  const origin = f.unknown === '1' ? 'unknown' : oneOf(f.origin, ORIGINS);
  if (origin) where.push(sql`origin = ${origin}`);
  const area = oneOf(f.area, AREAS);
  if (area) where.push(sql`area = ${area}`);
  const licence = oneOf(f.licence, LICENCES);
  if (licence) where.push(sql`licence = ${licence}`);
  const kind = oneOf(f.kind, ['software', 'os', 'hardware'] as const);
  if (kind) where.push(sql`kind = ${kind}`);
  if (f.category?.trim()) where.push(sql`category = ${f.category.trim()}`);
  if (f.vendor?.trim()) where.push(sql`vendor_id = ${f.vendor.trim()}`);
  const confidence = oneOf(f.confidence, MIN_CONFIDENCES);
  if (confidence) where.push(sql`confidence IN (${sql.join(confidencesFrom(confidence))})`);
  return where;
}

/** The raw catalogue lines (each name, publisher and source as inventories report it). */
export async function listProducts(db: Db, f: ProductFilters, limit = PAGE_SIZE): Promise<Page<ProductRow>> {
  const sort = PRODUCT_SORTS[oneOf(f.sort, Object.keys(PRODUCT_SORTS) as (keyof typeof PRODUCT_SORTS)[]) ?? 'hosts'];
  return paginate<ProductRow>(db, PRODUCT_COLUMNS, sql`FROM catalogue`, productWhere(db, f), sql`${sort}, id`, pageNumber(f.page), limit);
}

/** The lines recognised as one product of the rules, or a line the rules do not name a product for. */
export interface ProductGroup extends Omit<ProductRow, 'rule' | 'evidence'> {
  /** `vendor/product`, or null for a line of its own. */
  key: string | null;
  /** How many raw lines the product gathers. */
  lines: number;
  /** Those lines (when more than one), as the product detail pages list them. */
  rows: Pick<ProductRow, 'id' | 'kind' | 'source' | 'name' | 'publisher' | 'hosts' | 'installs'>[];
}

/** A group's confidence: its weakest line's, so that a group never claims more than each of its lines. */
const WEAKEST_CONFIDENCE = sql`CASE MIN(CASE confidence WHEN 'low' THEN 0 WHEN 'medium' THEN 1 WHEN 'high' THEN 2 END) WHEN 0 THEN 'low' WHEN 1 THEN 'medium' WHEN 2 THEN 'high' END`;
/** A product's catalogue lines grouped: one key per rule product, each other line its own. */
const GROUP_KEY = sql`CASE WHEN product_id IS NULL THEN 'line:' || CAST(id AS TEXT) ELSE vendor_id || '/' || product_id END`;

/**
 * The catalogue grouped by rule product (Windows Server as its OS line and its registry line, the
 * editions of VMware Tools...), with the same filters as the raw lines. A group's hosts are counted
 * exactly for the page shown (distinct hosts over its lines); the sort by hosts uses its largest line.
 */
export async function listProductGroups(db: Db, f: ProductFilters, limit = PAGE_SIZE): Promise<Page<ProductGroup>> {
  const where = productWhere(db, f);
  const clause = sql.join(where, sql` AND `);
  const sorts = { hosts: sql`hosts DESC`, name: sql`lower(MIN(name))`, installs: sql`installs DESC` } as const;
  const sort = sorts[oneOf(f.sort, Object.keys(sorts) as (keyof typeof sorts)[]) ?? 'hosts'];
  return readSnapshot(db, async (snapshot) => {
    const total = Number((await value<number>(snapshot, sql`SELECT COUNT(DISTINCT ${GROUP_KEY}) FROM catalogue WHERE ${clause}`)) ?? 0);
    const pages = Math.max(1, Math.ceil(total / limit));
    const page = Math.min(pageNumber(f.page), pages);
    const groups = await rows<Omit<ProductGroup, 'rows'>>(
      snapshot,
      sql`SELECT ${GROUP_KEY} AS key, MIN(id) AS id, MIN(kind) AS kind, MIN(source) AS source, MIN(name) AS name, MAX(publisher) AS publisher,
          MAX(vendor_id) AS vendor_id, MAX(product_id) AS product_id, MAX(country) AS country, MAX(owner_country) AS owner_country, MAX(origin) AS origin,
          MAX(licence) AS licence, MAX(area) AS area, MAX(category) AS category, ${WEAKEST_CONFIDENCE} AS confidence, MAX(hosts) AS hosts, SUM(installs) AS installs, COUNT(*) AS lines
        FROM catalogue WHERE ${clause} GROUP BY ${GROUP_KEY} ORDER BY ${sort}, MIN(id) LIMIT ${limit} OFFSET ${(page - 1) * limit}`,
    );
    const shared = groups.filter((g) => Number(g.lines) > 1).map((g) => g.key!);
    const lines = shared.length
      ? await rows<ProductGroup['rows'][number] & { key: string }>(
          snapshot,
          sql`SELECT ${GROUP_KEY} AS key, id, kind, source, name, publisher, hosts, installs FROM catalogue
            WHERE ${clause} AND product_id IS NOT NULL AND vendor_id || '/' || product_id IN (${sql.join(shared)}) ORDER BY hosts DESC, id`,
        )
      : [];
    const hosts = new Map<string, number>();
    for (const key of shared) {
      const ids = lines.filter((l) => l.key === key).map((l) => l.id);
      hosts.set(
        key,
        Number((await value<number>(snapshot, sql`SELECT COUNT(DISTINCT host_id) FROM installations WHERE catalogue_id IN (${sql.join(ids)})`)) ?? 0),
      );
    }
    return {
      rows: groups.map((g) => {
        const grouped = Number(g.lines) > 1;
        return {
          ...g,
          key: g.key!.startsWith('line:') ? null : g.key,
          lines: Number(g.lines),
          hosts: grouped ? (hosts.get(g.key!) ?? g.hosts) : g.hosts,
          installs: Number(g.installs),
          rows: grouped ? lines.filter((l) => l.key === g.key).map(({ key: _, ...l }) => l) : [],
        };
      }),
      total,
      page,
      pages,
    };
  });
}

export interface VendorRow {
  vendor_id: string;
  vendor: string;
  country: string | null;
  owner: string | null;
  owner_country: string | null;
  origin: string;
  products: number;
  installs: number;
  hosts: number;
}

export interface VendorFilters {
  q?: string;
  origin?: string;
  country?: string;
  sort?: string;
  page?: string;
}

/** Vendors with installed items: a few hundred rows, aggregated from the catalogue. */
export async function listVendors(db: Db, classifier: Classifier, f: VendorFilters, limit = PAGE_SIZE): Promise<Page<VendorRow>> {
  const [counts, vendors] = await readSnapshot(
    db,
    async (snapshot) =>
      [
        await rows<{ value: string; hosts: number }>(snapshot, sql`SELECT value, hosts FROM facet_counts WHERE facet = 'vendor'`),
        await rows<Omit<VendorRow, 'vendor' | 'owner' | 'hosts'>>(
          snapshot,
          sql`SELECT vendor_id, MAX(country) AS country, MAX(owner_country) AS owner_country, MAX(origin) AS origin, COUNT(*) AS products, SUM(installs) AS installs
        FROM catalogue WHERE vendor_id IS NOT NULL AND installs > 0 GROUP BY vendor_id`,
        ),
      ] as const,
  );
  const hostCounts = new Map(counts.map((r) => [r.value, r.hosts]));
  let found = vendors.map((r) => {
    const vendor = classifier.vendor(r.vendor_id);
    const owner = classifier.ultimateOwner(r.vendor_id);
    return { ...r, vendor: vendor?.name ?? r.vendor_id, owner: owner?.name ?? null, hosts: hostCounts.get(r.vendor_id) ?? 0 };
  });
  const q = f.q?.trim().toLowerCase();
  if (q) found = found.filter((r) => r.vendor.toLowerCase().includes(q) || r.vendor_id.includes(q) || (r.owner ?? '').toLowerCase().includes(q));
  const origin = oneOf(f.origin, ORIGINS);
  if (origin) found = found.filter((r) => r.origin === origin);
  const country = f.country?.trim().toUpperCase();
  if (country) found = found.filter((r) => r.country === country || r.owner_country === country);
  const sort = oneOf(f.sort, ['hosts', 'name', 'installs'] as const) ?? 'hosts';
  found.sort(
    (a, b) =>
      (sort === 'name' ? a.vendor.localeCompare(b.vendor) : sort === 'installs' ? b.installs - a.installs : b.hosts - a.hosts || b.installs - a.installs) ||
      a.vendor_id.localeCompare(b.vendor_id),
  );
  const total = found.length;
  const pages = Math.max(1, Math.ceil(total / limit));
  const page = Math.min(pageNumber(f.page), pages);
  return { rows: found.slice((page - 1) * limit, page * limit), total, page, pages };
}

export interface TopProduct {
  vendor_id: string;
  product_id: string;
  product: string;
  vendor: string;
  owner_country: string | null;
  category: string | null;
  hosts: number;
  installs: number;
}

/**
 * The most installed non-European products (by rule product, across catalogue entries), from the
 * catalogue's counters: never a scan of the installations.
 */
export async function topNonEuProducts(db: Db, classifier: Classifier, n = 10): Promise<TopProduct[]> {
  const top = await rows<Omit<TopProduct, 'product' | 'vendor'>>(
    db,
    sql`SELECT vendor_id, product_id, MAX(owner_country) AS owner_country, MAX(category) AS category,
        MAX(hosts) AS hosts, SUM(installs) AS installs
      FROM catalogue WHERE origin = 'non_eu' AND product_id IS NOT NULL AND platform = 0 AND installs > 0
      GROUP BY vendor_id, product_id ORDER BY installs DESC, hosts DESC, vendor_id, product_id LIMIT ${n}`,
  );
  return top.map((r) => ({
    ...r,
    product: classifier.product(r.vendor_id, r.product_id)?.name ?? r.product_id,
    vendor: classifier.vendor(r.vendor_id)?.name ?? r.vendor_id,
  }));
}

/** The most installed non-European products, each with the alternatives that replace it (docs/methodology.md § 3). */
export async function topWithAlternatives(db: Db, classifier: Classifier, n = 12) {
  const top = await cachedByDataVersion(db, `top-non-eu\u0000${classifier.fingerprint}\u0000${n}`, (snapshot) => topNonEuProducts(snapshot, classifier, n));
  return top.map((p) => ({ ...p, alternatives: alternativesOfProduct(classifier, p.vendor_id, p.product_id) }));
}

export type HostDetail = HostRow & Record<string, unknown> & { hardware_json: string; first_seen: string; collected_at: string };

export async function hostById(db: Db, id: number): Promise<HostDetail | undefined> {
  return first<HostDetail>(db, sql`SELECT * FROM hosts WHERE id = ${id}`);
}

export type HostInstallation = Pick<
  ProductRow,
  'id' | 'kind' | 'source' | 'name' | 'publisher' | 'vendor_id' | 'origin' | 'licence' | 'area' | 'category' | 'rule'
> & { version: string; scope: string };

/** Every installation of a host (its page reads them a page at a time: hostInstallationsPage). */
export async function hostInstallations(db: Db, hostId: number): Promise<HostInstallation[]> {
  return (await hostInstallationsPage(db, hostId, {}, Number.MAX_SAFE_INTEGER)).rows;
}

export async function productById(db: Db, id: number): Promise<ProductRow | undefined> {
  return first<ProductRow>(db, sql`${PRODUCT_COLUMNS} FROM catalogue WHERE id = ${id}`);
}

/** A page of the hosts that have a catalogue entry (read from the installations' index), with their versions of it. */
export async function productHosts(db: Db, catalogueId: number, page: number) {
  return readSnapshot(db, async (snapshot) => {
    const hosts = await paginate<{ id: number; hostname: string; role: string; last_seen: string }>(
      snapshot,
      sql`SELECT h.id, h.hostname, h.role, h.last_seen`,
      sql`FROM hosts h`,
      [sql`h.id IN (SELECT host_id FROM installations WHERE catalogue_id = ${catalogueId})`],
      sql`lower(h.hostname), h.id`,
      page,
      PAGE_SIZE,
      // The entry's host counter, exact at each ingest: no count over the fleet.
      sql`SELECT hosts FROM catalogue WHERE id = ${catalogueId}`,
    );
    const versions = await versionsOn(
      snapshot,
      catalogueId,
      hosts.rows.map((h) => h.id),
    );
    return { ...hosts, rows: hosts.rows.map((h) => ({ ...h, version: (versions.get(h.id) ?? []).join(', ') })) };
  });
}

export async function productVersions(db: Db, catalogueId: number): Promise<{ version: string; hosts: number }[]> {
  return versionCounts(db, catalogueId, 20);
}

export async function staleHosts(db: Db, limit = 200): Promise<{ id: number; hostname: string; agent_name: string; last_seen: string }[]> {
  return rows(
    db,
    sql<{ id: number; hostname: string; agent_name: string; last_seen: string }>`SELECT id, hostname, agent_name, last_seen FROM hosts
      WHERE last_seen < ${new Date(Date.now() - STALE_DAYS * 86_400_000).toISOString()} ORDER BY last_seen, id LIMIT ${limit}`,
  );
}

/** The agents' names the hosts report (the hosts list's filter). */
export async function hostAgentNames(db: Db): Promise<string[]> {
  return values<string>(db, sql`SELECT DISTINCT agent_name FROM hosts${indexedBy(db, 'hosts_by_agent')} ORDER BY agent_name`);
}

/** A host's items by origin: drivers and runtimes (platform) apart, as the map counts them. */
export interface HostDependency {
  items: number;
  byOrigin: Partial<Record<(typeof ORIGINS)[number], number>>;
  non_eu: number;
  /** Share of the items (drivers and runtimes apart) that are non-European, 0 to 1; null with none. */
  nonEuShare: number | null;
  platform: number;
}

/** Each host's dependency (its distinct catalogue entries by origin), for the hosts of a page. */
export async function hostDependencies(db: Db, hostIds: number[]): Promise<Map<number, HostDependency>> {
  const out = new Map<number, HostDependency>();
  if (!hostIds.length) return out;
  const found = await rows<{ host_id: number; origin: string; platform: number; items: number }>(
    db,
    sql`SELECT i.host_id, c.origin, c.platform, COUNT(DISTINCT c.id) AS items
      FROM installations i JOIN catalogue c ON c.id = i.catalogue_id
      WHERE i.host_id IN (${sql.join(hostIds)}) GROUP BY i.host_id, c.origin, c.platform`,
  );
  for (const id of hostIds) out.set(id, { items: 0, byOrigin: {}, non_eu: 0, nonEuShare: null, platform: 0 });
  for (const r of found) {
    const d = out.get(r.host_id)!;
    const n = Number(r.items);
    if (r.platform) {
      d.platform += n;
      continue;
    }
    const origin = r.origin as (typeof ORIGINS)[number];
    d.byOrigin[origin] = (d.byOrigin[origin] ?? 0) + n;
    d.items += n;
    if (origin === 'non_eu') d.non_eu += n;
  }
  for (const d of out.values()) d.nonEuShare = d.items ? d.non_eu / d.items : null;
  return out;
}

export async function hostDependency(db: Db, hostId: number): Promise<HostDependency> {
  return (await hostDependencies(db, [hostId])).get(hostId)!;
}

export interface HostItemFilters {
  q?: string;
  origin?: string;
  page?: string;
}

/** A page of a host's installations (each version and scope a row), searched by name or publisher, non-European first. */
export async function hostInstallationsPage(db: Db, hostId: number, f: HostItemFilters, limit = PAGE_SIZE): Promise<Page<HostInstallation>> {
  const where: Sql[] = [sql`i.host_id = ${hostId}`];
  const q = f.q?.trim();
  if (q) where.push(sql`(${contains(db, 'c.name', q)} OR ${contains(db, 'c.publisher', q)})`);
  const origin = oneOf(f.origin, ORIGINS);
  if (origin) where.push(sql`c.origin = ${origin}`);
  return paginate<HostInstallation>(
    db,
    sql`SELECT c.id, c.kind, c.source, c.name, c.publisher, c.vendor_id, c.origin, c.licence, c.area, c.category, c.rule, i.version, i.scope`,
    sql`FROM installations i JOIN catalogue c ON c.id = i.catalogue_id`,
    where,
    sql`CASE c.origin WHEN 'non_eu' THEN 0 WHEN 'unknown' THEN 1 ELSE 2 END, c.kind, lower(c.name), c.id, i.version, i.scope, i.arch`,
    pageNumber(f.page),
    limit,
  );
}

/** A vendor's origin as the catalogue holds it, and how many hosts have one of its products. */
export async function vendorFootprint(db: Db, vendorId: string): Promise<{ origin: string | null; hosts: number }> {
  return readSnapshot(db, async (snapshot) => ({
    origin: (await value<string>(snapshot, sql`SELECT origin FROM catalogue WHERE vendor_id = ${vendorId} LIMIT 1`)) ?? null,
    hosts: (await value<number>(snapshot, sql`SELECT hosts FROM facet_counts WHERE facet = 'vendor' AND value = ${vendorId}`)) ?? 0,
  }));
}

/** The products installed (rule products with installations), for the settings' criticality choices. */
export async function installedProducts(db: Db): Promise<{ vendor_id: string; product_id: string }[]> {
  return rows(
    db,
    sql<{ vendor_id: string; product_id: string }>`SELECT DISTINCT vendor_id, product_id FROM catalogue WHERE product_id IS NOT NULL AND installs > 0`,
  );
}

/** Each agent's host on the hosts page (by the host id it enrolled with), once it has reported. */
export async function agentHostIds(db: Db): Promise<Map<string, number>> {
  const found = await rows<{ host_key: string; id: number }>(
    db,
    sql`SELECT host_key, MIN(id) AS id FROM hosts WHERE host_key IN (SELECT host_key FROM agents) GROUP BY host_key`,
  );
  return new Map(found.map((r) => [r.host_key, r.id]));
}
