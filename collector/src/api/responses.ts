// The documented shapes of the JSON API's other answers (the map, the assessment, its history,
// spend, assets, scenarios): what a client may rely on, checked against real answers in
// api/lists.test.ts. Nested parts that are the method's own detail stay open objects.
import { AREAS, ORIGINS } from '@tiebreak/shared';
import { z } from 'zod';
import { AssessedProductSchema, CriticalDependencySchema } from './lists.ts';

const count = z.number().int().min(0);
const counts = { hosts: count, installations: count, products: count };
const nullableString = z.string().nullable();

export const DependencyMapSchema = z
  .object({
    generated_at: z.string(),
    rules: z.string().describe("the rules' fingerprint"),
    confidence: z.enum(['high', 'medium', 'all']),
    totals: z
      .object({
        ...counts,
        unknown_installations: count.describe('unrecognised installations, drivers and runtimes apart'),
        unknown_products: count.describe('unrecognised entries, drivers and runtimes apart'),
        platform_installations: count.describe('drivers and runtimes, recognised or not: out of by_area_origin and by_origin'),
        duplicate_id_hosts: count,
      })
      .describe('every installation and product, drivers and runtimes included'),
    hosts_by_role: z.array(z.object({ role: z.string(), hosts: count })),
    hosts_by_agent: z.array(z.object({ agent: z.string(), hosts: count })),
    by_area_origin: z
      .array(z.object({ area: z.string(), origin: z.enum(ORIGINS), ...counts }))
      .describe("drivers and runtimes left out, products counted as the method counts them: the assessment's figures (docs/methodology.md § 1)"),
    by_origin: z.array(z.object({ origin: z.enum(ORIGINS), ...counts })).describe('as by_area_origin, over all areas'),
    by_vendor: z.array(
      z.object({
        vendor_id: z.string(),
        vendor: z.string(),
        country: nullableString,
        owner: nullableString,
        owner_country: nullableString,
        origin: z.enum(ORIGINS),
        ...counts,
      }),
    ),
    by_country: z.array(z.object({ country: z.string(), ...counts })),
    by_owner_country: z
      .array(z.object({ country: z.string(), origin: z.enum(ORIGINS), ...counts }))
      .describe('countries of the ultimate owners: community projects, which have none, left out'),
    by_licence: z.array(z.object({ licence: z.string(), ...counts })),
    unclassified: z.array(
      z.object({
        catalogue_id: z.number().int(),
        kind: z.string(),
        source: z.string(),
        name: z.string(),
        publisher: nullableString,
        hosts: count,
        installations: count,
      }),
    ),
  })
  .describe('the dependency map');

const byOrigin = z.object(Object.fromEntries(ORIGINS.map((o) => [o, z.object({ count: z.number(), share: z.number().nullable() })])));
const IndicatorsSchema = z.looseObject({
  exposure: z.number().nullable(),
  lock_in: z.number().nullable(),
  priority: z.number().nullable(),
  hosts: z.object({ total: z.number(), by_origin: byOrigin }),
  products: z.object({ total: z.number(), by_origin: byOrigin }),
  installations: z.object({ total: z.number(), by_origin: byOrigin }),
  critical_dependencies: count,
});

export const AssessmentSchema = z
  .looseObject({
    authority: z.looseObject({}).nullable().describe("the authority's name and SIREN, as set in the settings"),
    generated_at: z.string(),
    method: z.object({ version: z.number().int(), document: z.string() }),
    rules: z.string(),
    year: z.number().int(),
    overall: IndicatorsSchema,
    areas: z.object(Object.fromEntries(AREAS.map((a) => [a, IndicatorsSchema]))),
    uncertainty: z.looseObject({ unknown_installations: count, unknown_products: count }),
    platform: z.object({ installations: count, products: count }),
    critical: z.array(CriticalDependencySchema),
    products: z.array(AssessedProductSchema),
    spend: z.looseObject({ year: z.number().int(), years: z.array(z.number().int()), lines: count }),
  })
  .describe('the assessment (docs/methodology.md): indices overall and per area, critical dependencies, products, spend');

export const HistorySchema = z
  .object({
    days: z.array(z.string()).describe('the days of the snapshots, oldest first'),
    series: z.record(z.string(), z.array(z.number().nullable())).describe('per tracked indicator, its value on each day'),
    targets: z.array(z.object({ indicator: z.string(), year: z.number().int(), value: z.number() })),
  })
  .describe('the trajectory: the daily snapshots of the indicators, with the targets');

export const SpendLinesSchema = z.object({
  lines: z.array(
    z.object({
      id: z.number().int(),
      year: z.number().int(),
      amount_cents: z.number().int(),
      vendor_text: nullableString,
      product_text: nullableString,
      contract_ref: nullableString,
      supplier: nullableString,
      source_file: z.string(),
      source_line: z.number().int(),
    }),
  ),
});

export const AssetsSchema = z.object({
  assets: z.array(
    z.looseObject({
      id: z.number().int(),
      name: z.string(),
      vendor_text: z.string(),
      area: z.enum(AREAS),
      users: z.number(),
      annual_cost_cents: z.number().int().nullable(),
      cost_year: z.number().int().nullable(),
      contract_ref: nullableString,
      note: nullableString,
    }),
  ),
});

const beforeAfter = z.object({ before: z.number().nullable(), after: z.number().nullable() });
export const ScenarioSchema = z.looseObject({
  product: z.object({ key: z.string(), name: z.string(), hosts: count, exposure: z.number(), priority: z.number() }),
  alternative: z.object({ id: z.string(), name: z.string(), origin: z.enum(ORIGINS), exposure: z.number() }),
  hosts: count,
  installations_moved: z.number(),
  exposure: z.object({ overall: beforeAfter, area: beforeAfter.extend({ area: z.string() }) }),
  priority: z.object({ overall: beforeAfter, area: beforeAfter.extend({ area: z.string() }) }),
  notes: z.array(z.string()),
});
