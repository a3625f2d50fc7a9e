// The lists and detail pages' data: filtered, sorted and paginated in SQL, so that 50,000 hosts
// and their catalogue stay fast. Filters and sort keys come from the query string and are checked
// against fixed lists before they reach SQL; values are always bound parameters.
import type { Classifier } from '../classify/classifier.ts';
import { MIN_CONFIDENCES, confidencesFrom } from '../classify/evidence.ts';
import { HOST_ROLES } from '../ingest/items.ts';
import type { Db } from '../store/db.ts';
import { versionCounts, versionsOn } from '../store/installations.ts';

export const PAGE_SIZE = 50;
export const STALE_DAYS = 30;

export interface Page<T> {
  rows: T[];
  total: number;
  page: number;
  pages: number;
}

const oneOf = <T extends string>(value: string | undefined, allowed: readonly T[]): T | undefined =>
  allowed.includes(value as T) ? (value as T) : undefined;

export function pageNumber(value: string | undefined): number {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 && n < 1_000_000 ? n : 1;
}

function paginate<T>(db: Db, select: string, from: string, where: string[], params: unknown[], order: string, page: number, limit = PAGE_SIZE): Page<T> {
  const clause = where.length ? ` WHERE ${where.join(' AND ')}` : '';
  const total = db.prepare(`SELECT COUNT(*) ${from}${clause}`).pluck().get(...params) as number;
  const pages = Math.max(1, Math.ceil(total / limit));
  const current = Math.min(page, pages);
  const rows = db.prepare(`${select} ${from}${clause} ORDER BY ${order} LIMIT ? OFFSET ?`).all(...params, limit, (current - 1) * limit) as T[];
  return { rows, total, page: current, pages };
}

const like = (q: string) => `%${q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;

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
}

export interface HostFilters {
  q?: string;
  role?: string;
  origin?: string;
  agent?: string;
  stale?: string;
  sort?: string;
  page?: string;
}

export const HOST_SORTS = { hostname: 'hostname COLLATE NOCASE', last_seen: 'last_seen DESC', software: 'software_count DESC' } as const;

export function listHosts(db: Db, f: HostFilters, limit = PAGE_SIZE): Page<HostRow> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (f.q?.trim()) {
    where.push("(hostname LIKE ? ESCAPE '\\' OR os_name LIKE ? ESCAPE '\\' OR domain LIKE ? ESCAPE '\\')");
    params.push(like(f.q.trim()), like(f.q.trim()), like(f.q.trim()));
  }
  const role = oneOf(f.role, HOST_ROLES);
  if (role) {
    where.push('role = ?');
    params.push(role);
  }
  const origin = oneOf(f.origin, ORIGINS);
  if (origin) {
    where.push("id IN (SELECT host_id FROM host_facets WHERE facet = 'origin' AND value = ?)");
    params.push(origin);
  }
  if (f.agent?.trim()) {
    where.push('agent_name = ?');
    params.push(f.agent.trim());
  }
  if (f.stale === '1') {
    where.push('last_seen < ?');
    params.push(new Date(Date.now() - STALE_DAYS * 86_400_000).toISOString());
  }
  const sort = HOST_SORTS[oneOf(f.sort, Object.keys(HOST_SORTS) as (keyof typeof HOST_SORTS)[]) ?? 'hostname'];
  return paginate<HostRow>(
    db,
    'SELECT id, hostname, domain, role, os_name, os_version, agent_name, agent_version, last_seen, software_count, duplicate_id',
    'FROM hosts',
    where,
    params,
    `${sort}, id`,
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

export const PRODUCT_SORTS = { hosts: 'hosts DESC', name: 'name COLLATE NOCASE', installs: 'installs DESC' } as const;
const PRODUCT_COLUMNS = 'SELECT id, kind, source, name, publisher, vendor_id, product_id, country, owner_country, origin, licence, area, category, rule, evidence, confidence, hosts, installs';

export function listProducts(db: Db, f: ProductFilters, limit = PAGE_SIZE): Page<ProductRow> {
  const where = ['installs > 0'];
  const params: unknown[] = [];
  if (f.q?.trim()) {
    where.push("(name LIKE ? ESCAPE '\\' OR publisher LIKE ? ESCAPE '\\')");
    params.push(like(f.q.trim()), like(f.q.trim()));
  }
  const origin = f.unknown === '1' ? 'unknown' : oneOf(f.origin, ORIGINS);
  if (origin) {
    where.push('origin = ?');
    params.push(origin);
  }
  const area = oneOf(f.area, AREAS);
  if (area) {
    where.push('area = ?');
    params.push(area);
  }
  const licence = oneOf(f.licence, LICENCES);
  if (licence) {
    where.push('licence = ?');
    params.push(licence);
  }
  const kind = oneOf(f.kind, ['software', 'os', 'hardware'] as const);
  if (kind) {
    where.push('kind = ?');
    params.push(kind);
  }
  if (f.category?.trim()) {
    where.push('category = ?');
    params.push(f.category.trim());
  }
  if (f.vendor?.trim()) {
    where.push('vendor_id = ?');
    params.push(f.vendor.trim());
  }
  const confidence = oneOf(f.confidence, MIN_CONFIDENCES);
  if (confidence) where.push(`confidence IN (${confidencesFrom(confidence).map((c) => `'${c}'`).join(', ')})`);
  const sort = PRODUCT_SORTS[oneOf(f.sort, Object.keys(PRODUCT_SORTS) as (keyof typeof PRODUCT_SORTS)[]) ?? 'hosts'];
  return paginate<ProductRow>(db, PRODUCT_COLUMNS, 'FROM catalogue', where, params, `${sort}, id`, pageNumber(f.page), limit);
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
export function listVendors(db: Db, classifier: Classifier, f: VendorFilters, limit = PAGE_SIZE): Page<VendorRow> {
  const hostCounts = new Map(
    (db.prepare("SELECT value, hosts FROM facet_counts WHERE facet = 'vendor'").all() as { value: string; hosts: number }[]).map((r) => [r.value, r.hosts]),
  );
  let rows = (
    db
      .prepare(`SELECT vendor_id, MAX(country) AS country, MAX(owner_country) AS owner_country, MAX(origin) AS origin, COUNT(*) AS products, SUM(installs) AS installs
        FROM catalogue WHERE vendor_id IS NOT NULL AND installs > 0 GROUP BY vendor_id`)
      .all() as Omit<VendorRow, 'vendor' | 'owner' | 'hosts'>[]
  ).map((r) => {
    const vendor = classifier.vendor(r.vendor_id);
    const owner = classifier.ultimateOwner(r.vendor_id);
    return { ...r, vendor: vendor?.name ?? r.vendor_id, owner: owner?.name ?? null, hosts: hostCounts.get(r.vendor_id) ?? 0 };
  });
  const q = f.q?.trim().toLowerCase();
  if (q) rows = rows.filter((r) => r.vendor.toLowerCase().includes(q) || r.vendor_id.includes(q) || (r.owner ?? '').toLowerCase().includes(q));
  const origin = oneOf(f.origin, ORIGINS);
  if (origin) rows = rows.filter((r) => r.origin === origin);
  const country = f.country?.trim().toUpperCase();
  if (country) rows = rows.filter((r) => r.country === country || r.owner_country === country);
  const sort = oneOf(f.sort, ['hosts', 'name', 'installs'] as const) ?? 'hosts';
  rows.sort((a, b) => (sort === 'name' ? a.vendor.localeCompare(b.vendor) : sort === 'installs' ? b.installs - a.installs : b.hosts - a.hosts || b.installs - a.installs));
  const total = rows.length;
  const pages = Math.max(1, Math.ceil(total / limit));
  const page = Math.min(pageNumber(f.page), pages);
  return { rows: rows.slice((page - 1) * limit, page * limit), total, page, pages };
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
export function topNonEuProducts(db: Db, classifier: Classifier, n = 10): TopProduct[] {
  const rows = db
    .prepare(`SELECT vendor_id, product_id, MAX(owner_country) AS owner_country, MAX(category) AS category,
        MAX(hosts) AS hosts, SUM(installs) AS installs
      FROM catalogue WHERE origin = 'non_eu' AND product_id IS NOT NULL AND platform = 0 AND installs > 0
      GROUP BY vendor_id, product_id ORDER BY installs DESC, hosts DESC LIMIT ?`)
    .all(n) as Omit<TopProduct, 'product' | 'vendor'>[];
  return rows.map((r) => ({
    ...r,
    product: classifier.product(r.vendor_id, r.product_id)?.name ?? r.product_id,
    vendor: classifier.vendor(r.vendor_id)?.name ?? r.vendor_id,
  }));
}

export function hostById(db: Db, id: number) {
  return db.prepare('SELECT * FROM hosts WHERE id = ?').get(id) as (HostRow & Record<string, unknown> & { hardware_json: string; first_seen: string; collected_at: string }) | undefined;
}

export function hostInstallations(db: Db, hostId: number) {
  return db
    .prepare(`SELECT c.id, c.kind, c.source, c.name, c.publisher, c.vendor_id, c.origin, c.licence, c.area, c.category, c.rule, i.version, i.scope
      FROM installations i JOIN catalogue c ON c.id = i.catalogue_id WHERE i.host_id = ?
      ORDER BY CASE c.origin WHEN 'non_eu' THEN 0 WHEN 'unknown' THEN 1 ELSE 2 END, c.kind, c.name COLLATE NOCASE`)
    .all(hostId) as (Pick<ProductRow, 'id' | 'kind' | 'source' | 'name' | 'publisher' | 'vendor_id' | 'origin' | 'licence' | 'area' | 'category' | 'rule'> & { version: string; scope: string })[];
}

export function productById(db: Db, id: number): ProductRow | undefined {
  return db.prepare(`${PRODUCT_COLUMNS} FROM catalogue WHERE id = ?`).get(id) as ProductRow | undefined;
}

export function productHosts(db: Db, catalogueId: number, page: number) {
  const hosts = paginate<{ id: number; hostname: string; role: string; last_seen: string }>(
    db,
    'SELECT h.id, h.hostname, h.role, h.last_seen',
    'FROM hosts h',
    ['h.id IN (SELECT host_id FROM installations WHERE catalogue_id = ?)'],
    [catalogueId],
    'h.hostname COLLATE NOCASE, h.id',
    page,
  );
  const versions = versionsOn(db, catalogueId, hosts.rows.map((h) => h.id));
  return { ...hosts, rows: hosts.rows.map((h) => ({ ...h, version: (versions.get(h.id) ?? []).join(', ') })) };
}

export function productVersions(db: Db, catalogueId: number) {
  return versionCounts(db, catalogueId, 20);
}

export function staleHosts(db: Db, limit = 200) {
  return db
    .prepare('SELECT id, hostname, agent_name, last_seen FROM hosts WHERE last_seen < ? ORDER BY last_seen LIMIT ?')
    .all(new Date(Date.now() - STALE_DAYS * 86_400_000).toISOString(), limit) as { id: number; hostname: string; agent_name: string; last_seen: string }[];
}
