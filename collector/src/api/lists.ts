// The API's paginated lists, for GLPI, a BI tool or a spreadsheet pulling the map: hosts, catalogue
// products, vendors, unknown items, and the assessment's critical dependencies and assessed
// products. Each list is declared once here (its query and item schemas, its reader); the routes and
// the OpenAPI document (http/openapi.ts) are both made from these declarations, so what is
// documented is what is checked. The rows come from the read functions the web pages use.
import { AREAS, ORIGINS } from '@tiebreak/shared';
import { Hono } from 'hono';
import { z } from 'zod';
import { cachedAssessment } from '../assessment/cached.ts';
import type { Assessment } from '../assessment/compute.ts';
import type { Classifier } from '../classify/classifier.ts';
import { MIN_CONFIDENCES } from '../classify/evidence.ts';
import { HOST_ROLES } from '../ingest/items.ts';
import type { Db } from '../store/db.ts';
import { HOST_SORTS, LICENCES, PRODUCT_SORTS, listHosts, listProducts, listVendors, type Page } from '../ui/queries.ts';
import { listQuery, oneOf, pageOfArray, pageResponse, text, validateQuery, type Variables } from './pagination.ts';

export interface ApiContext {
  db: Db;
  classifier: () => Classifier;
}

const nullable = (schema: z.ZodType) => schema.nullable();
const count = z.number().int().min(0);
const origin = z.enum(ORIGINS);

const HostSchema = z
  .object({
    id: z.number().int(),
    hostname: z.string(),
    domain: nullable(z.string()),
    role: z.enum(HOST_ROLES as [string, ...string[]]),
    os_name: z.string(),
    os_version: nullable(z.string()),
    agent_name: z.string().describe('the agent that last reported it: tiebreak-agent, GLPI-Agent, FusionInventory, OCS…'),
    agent_version: z.string(),
    last_seen: z.string().describe('ISO 8601'),
    software_count: count,
    duplicate_id: z.number().int().describe('1 when another machine reported the same host id (a cloned image)'),
    entity_id: nullable(z.number().int()).describe('the entity it belongs to (an intercommunality, a commune, a service…); null: the root'),
  })
  .describe('a host (workstation, server or network device)');

const CatalogueEntrySchema = z
  .object({
    id: z.number().int().describe('the catalogue entry id (the web page /products/{id})'),
    kind: z.enum(['software', 'os', 'hardware']),
    source: z.string().describe('where the agents found it: registry, dpkg, rpm, msi, hardware…'),
    name: z.string(),
    publisher: nullable(z.string()),
    vendor_id: nullable(z.string()).describe('the rules vendor id; null when not recognised'),
    product_id: nullable(z.string()),
    country: nullable(z.string()).describe("the vendor's country (ISO 3166-1 alpha-2)"),
    owner_country: nullable(z.string()).describe("the ultimate owner's country, which decides the jurisdiction"),
    origin,
    licence: z.string(),
    area: nullable(z.enum(AREAS)),
    category: nullable(z.string()),
    rule: nullable(z.string()).describe('the rule that recognised it'),
    evidence: nullable(z.string()),
    confidence: nullable(z.string()),
    hosts: count,
    installs: count,
  })
  .describe('a catalogue entry: one software, OS or hardware item as the agents name it, with its classification and counts');

const VendorSchema = z
  .object({
    vendor_id: z.string(),
    vendor: z.string(),
    country: nullable(z.string()),
    owner: nullable(z.string()).describe('the ultimate owner, when another company controls the vendor'),
    owner_country: nullable(z.string()),
    origin,
    products: count.describe('catalogue entries installed'),
    installs: count,
    hosts: count,
  })
  .describe('a vendor with installed items');

const AlternativeSchema = z.object({
  id: z.string(),
  name: z.string(),
  country: nullable(z.string()),
  licence: z.string(),
  sill: z.boolean(),
  maturity: z.string(),
  origin: origin.describe("the alternative's origin, lower than the product's"),
  qualifies: z.boolean(),
  from: z.enum(['product', 'category']),
});

export const CriticalDependencySchema = z
  .object({
    key: z.string().describe('vendor/product (see AssessedProduct.key)'),
    name: z.string(),
    vendor: z.string(),
    owner_country: nullable(z.string()),
    area: z.enum(AREAS),
    category: nullable(z.string()),
    exposure: z.number(),
    priority: z.number(),
    hosts: count,
    installations: count,
    users: nullable(z.number()),
    replaceability: z.number(),
    spend_eur: nullable(z.number()),
    alternatives: z.array(AlternativeSchema),
  })
  .describe('a critical dependency: a non-European product the authority depends on, by priority (docs/methodology.md)');

export const AssessedProductSchema = z
  .object({
    key: z.string().describe('vendor/product, vendor/*category, or declared:ID; @area added when installed in two areas'),
    product_key: z.string(),
    name: z.string(),
    vendor_id: z.string(),
    vendor: z.string(),
    product_id: nullable(z.string()),
    sources: z.array(z.enum(['inventory', 'declared'])),
    declared_assets: z.array(z.object({ id: z.number().int(), name: z.string(), users: z.number() })),
    country: nullable(z.string()),
    owner: nullable(z.string()),
    owner_country: nullable(z.string()),
    jurisdiction: z.array(z.string()),
    origin,
    licence: z.string(),
    area: z.enum(AREAS),
    category: nullable(z.string()),
    platform: z.boolean(),
    criticality: z.looseObject({ level: z.number(), source: z.string() }),
    replaceability: z.looseObject({ score: z.number(), from: z.enum(['product', 'category']).nullable() }),
    hosts: count,
    prevalence: nullable(z.number()),
    installations: count,
    users: nullable(z.number()),
    weight: z.number(),
    origin_weight: z.number(),
    exposure: z.number(),
    priority: z.number(),
    seal: z.looseObject({ level: z.number().int().nullable() }),
    spend_eur: nullable(z.number()),
    estimated_spend_eur: nullable(z.number()),
    alternatives: z.array(AlternativeSchema),
  })
  .describe('a product as the assessment weighs it (docs/methodology.md)');

const year = z
  .string()
  .regex(/^\d{4}$/, { error: 'year must be four digits' })
  .optional()
  .describe('the year of spend and declared costs; default: the current year');

/** One list of the API: where, what it takes, what each row is, and how it is read. */
export interface ApiList {
  path: string;
  summary: string;
  query: z.ZodObject;
  /** The item's name in components.schemas, and its schema. */
  item: { name: string; schema: z.ZodType };
  read(ctx: ApiContext, query: Record<string, any>, page: number, limit: number): Promise<Page<unknown>>;
}

const asPage = (page: number) => String(page);

/** What the assessment lists read: one computation per request. */
const assessed = (ctx: ApiContext, query: { year?: string }): Promise<Assessment> =>
  cachedAssessment(ctx.db, ctx.classifier(), { year: query.year === undefined ? undefined : Number(query.year) });

export const API_LISTS: ApiList[] = [
  {
    path: '/api/v1/hosts',
    summary: 'The hosts, by hostname (or last seen, or software count), with their filters',
    query: listQuery({
      q: text('search: contained in the hostname, OS name or domain (any case)'),
      role: oneOf(HOST_ROLES as [string, ...string[]], 'workstation, server or a network device role'),
      origin: oneOf(ORIGINS, 'hosts with at least one item of this origin (in the area, with area)'),
      area: oneOf(AREAS, 'hosts with at least one item of this TIE Break area (of the origin, with origin)'),
      vendor: text('hosts with at least one item of this vendor (a rules vendor id: microsoft, google…)'),
      agent: text('the agent that last reported it, exactly (its agent_name)'),
      stale: oneOf(['true', 'false'], 'true: only hosts not seen for 30 days'),
      entity: text('an entity id: the hosts of that entity and of the entities under it; root: the hosts of no entity'),
      sort: oneOf(Object.keys(HOST_SORTS) as [string, ...string[]], 'hostname (default, A to Z), last_seen (latest first) or software (most first)'),
    }),
    item: { name: 'Host', schema: HostSchema },
    read: (ctx, f, page, limit) => listHosts(ctx.db, { ...f, stale: f.stale === 'true' ? '1' : undefined, page: asPage(page) }, limit),
  },
  {
    path: '/api/v1/products',
    summary: 'The catalogue: every installed software, OS and hardware item, classified, with its host and installation counts',
    query: listQuery({
      q: text('search: contained in the name or publisher (any case)'),
      origin: oneOf(ORIGINS, 'the origin of its vendor'),
      area: oneOf(AREAS, 'the TIE Break area'),
      vendor: text('a rules vendor id (microsoft, google…)'),
      licence: oneOf(LICENCES, 'the licence'),
      kind: oneOf(['software', 'os', 'hardware'], 'the kind of item'),
      category: text('a category id of the rules (rules/categories.yaml)'),
      confidence: oneOf(MIN_CONFIDENCES, 'only recognitions of at least this confidence'),
      sort: oneOf(Object.keys(PRODUCT_SORTS) as [string, ...string[]], 'hosts (default, most first), installs (most first) or name (A to Z)'),
    }),
    item: { name: 'CatalogueEntry', schema: CatalogueEntrySchema },
    read: (ctx, f, page, limit) => listProducts(ctx.db, { ...f, page: asPage(page) }, limit),
  },
  {
    path: '/api/v1/vendors',
    summary: 'The vendors with installed items, with their country, ultimate owner and counts',
    query: listQuery({
      q: text('search: contained in the vendor, its id or its owner (any case)'),
      origin: oneOf(ORIGINS, 'the origin'),
      country: z
        .string()
        .regex(/^[A-Za-z]{2}$/, { error: 'an ISO 3166-1 alpha-2 code (FR, US…)' })
        .optional()
        .describe("the vendor's or its owner's country (ISO 3166-1 alpha-2)"),
      sort: oneOf(['hosts', 'installs', 'name'], 'hosts (default, most first), installs (most first) or name (A to Z)'),
    }),
    item: { name: 'Vendor', schema: VendorSchema },
    read: (ctx, f, page, limit) => listVendors(ctx.db, ctx.classifier(), { ...f, page: asPage(page) }, limit),
  },
  {
    path: '/api/v1/unknown',
    summary: 'The items no rule recognises (origin unknown), the most installed first: what to add to the rules',
    query: listQuery({
      q: text('search: contained in the name or publisher (any case)'),
      area: oneOf(AREAS, 'the TIE Break area, where known'),
      kind: oneOf(['software', 'os', 'hardware'], 'the kind of item'),
      sort: oneOf(Object.keys(PRODUCT_SORTS) as [string, ...string[]], 'hosts (default, most first), installs (most first) or name (A to Z)'),
    }),
    item: { name: 'CatalogueEntry', schema: CatalogueEntrySchema },
    read: (ctx, f, page, limit) => listProducts(ctx.db, { ...f, unknown: '1', page: asPage(page) }, limit),
  },
  {
    path: '/api/v1/assessment/critical',
    summary: 'The critical dependencies, by priority',
    query: listQuery({
      year,
      area: oneOf(AREAS, 'the TIE Break area'),
      q: text('search: contained in the product or vendor name (any case)'),
    }),
    item: { name: 'CriticalDependency', schema: CriticalDependencySchema },
    read: async (ctx, f, page, limit) => {
      const search = f.q?.toLowerCase();
      const found = (await assessed(ctx, f)).critical.filter(
        (d) => (!f.area || d.area === f.area) && (!search || d.name.toLowerCase().includes(search) || d.vendor.toLowerCase().includes(search)),
      );
      return pageOfArray(found, page, limit);
    },
  },
  {
    path: '/api/v1/assessment/products',
    summary: 'Every product the assessment weighs (installed or declared), by exposure then priority, with its indices, alternatives and spend',
    query: listQuery({
      year,
      origin: oneOf(ORIGINS, 'the origin'),
      area: oneOf(AREAS, 'the TIE Break area'),
      vendor: text('a rules vendor id (microsoft, google…)'),
      source: oneOf(['inventory', 'declared'], 'known from the inventory or from the declared assets'),
      q: text('search: contained in the product or vendor name (any case)'),
    }),
    item: { name: 'AssessedProduct', schema: AssessedProductSchema },
    read: async (ctx, f, page, limit) => {
      const search = f.q?.toLowerCase();
      const found = (await assessed(ctx, f)).products.filter(
        (p) =>
          (!f.origin || p.origin === f.origin) &&
          (!f.area || p.area === f.area) &&
          (!f.vendor || p.vendor_id === f.vendor) &&
          (!f.source || p.sources.includes(f.source)) &&
          (!search || p.name.toLowerCase().includes(search) || p.vendor.toLowerCase().includes(search)),
      );
      return pageOfArray(found, page, limit);
    },
  },
];

/** The lists as Hono routes, relative to /api/v1 (mounted with app.route('/api/v1', ...)). */
export function apiLists(ctx: ApiContext): Hono<{ Variables: Variables }> {
  const app = new Hono<{ Variables: Variables }>();
  for (const list of API_LISTS) {
    app.get(list.path.slice('/api/v1'.length), validateQuery(list.query), async (c) => {
      const { page, limit, ...filters } = c.get('query') as { page: number; limit: number };
      return pageResponse(c, await list.read(ctx, filters, page, limit), page, limit);
    });
  }
  return app;
}
