// The OpenAPI 3.1 document of the /api/v1 routes (GET /api/v1/openapi.json). Request bodies of the
// agents' endpoints come from the wire format's zod schemas, as the published JSON Schema does; the
// few bodies the assessment reads by hand are described here with zod as well. The test in
// openapi.test.ts fails when a registered /api/v1 route is missing from it.
import { EnrolRequestSchema, EnrolResponseSchema, InventorySchema, UnchangedReportSchema } from '@tiebreak/shared';
import { z } from 'zod';
import pkg from '../../package.json' with { type: 'json' };
import { PublicationSchema } from '../federation/document.ts';
import { API_LISTS } from '../api/lists.ts';
import { pageOf } from '../api/pagination.ts';
import { AssessmentSchema, AssetsSchema, DependencyMapSchema, HistorySchema, ScenarioSchema, SpendLinesSchema } from '../api/responses.ts';

/** Which credential a route takes (components.securitySchemes). */
export type Access = 'agent' | 'enrolment' | 'read' | 'change' | 'authority' | 'none';

interface Operation {
  summary: string;
  access: Access;
  parameters?: { name: string; in: 'query' | 'path'; required?: boolean; description: string; schema: Record<string, unknown> }[];
  body?: { contentType: string; schema: string | Record<string, unknown>; description?: string }[];
  responses: Record<
    string,
    string | { description: string; schema: string; headers?: Record<string, { description: string; schema: Record<string, unknown> }> }
  >;
}

/** A declared asset as POST /api/v1/assessment/assets reads it (validated in assessment/inputs.ts). */
const AssetRequestSchema = z
  .object({
    name: z.string().max(300),
    vendor: z.string().max(300).describe('the vendor as written in the contract: classified by the rules'),
    area: z.string().describe('infrastructure, workstation or software (French words accepted: poste de travail, logiciel…)'),
    users: z.union([z.string(), z.number().int()]).optional(),
    annual_cost: z.union([z.string(), z.number()]).optional().describe('euros: 12345.67 or "12 345,67 €"'),
    year: z.union([z.string(), z.number().int()]).optional(),
    contract: z.string().optional(),
    note: z.string().optional(),
  })
  .describe('a declared asset no agent sees (SaaS, cloud, hosting, services)');
/** A target of the trajectory as PUT /api/v1/assessment/targets reads it. */
const TargetRequestSchema = z.object({
  indicator: z.string().describe('exposure, exposure.workstation, lock_in, priority, non_eu_spend_share…'),
  year: z.number().int(),
  value: z.number().nullable().describe('null removes the target'),
});
const ErrorSchema = z.object({ error: z.string().describe('the reason, readable') });

const SCHEMAS: Record<string, z.ZodType> = {
  Inventory: InventorySchema,
  EnrolRequest: EnrolRequestSchema,
  EnrolResponse: EnrolResponseSchema,
  UnchangedReport: UnchangedReportSchema,
  AssetRequest: AssetRequestSchema,
  TargetRequest: TargetRequestSchema,
  Publication: PublicationSchema,
  Error: ErrorSchema,
  DependencyMap: DependencyMapSchema,
  Assessment: AssessmentSchema,
  History: HistorySchema,
  SpendLines: SpendLinesSchema,
  Assets: AssetsSchema,
  Scenario: ScenarioSchema,
};

const year = {
  name: 'year',
  in: 'query' as const,
  description: 'the year of spend and declared costs (four digits); default: the current year',
  schema: { type: 'string', pattern: '^\\d{4}$' },
};
const object = (description: string) => ({ description, schema: 'object' });

/** Every /api/v1 route, by "METHOD path" in OpenAPI's path syntax. */
const OPERATIONS: Record<string, Operation> = {
  'GET /api/v1/openapi.json': { summary: 'This document', access: 'none', responses: { 200: object('the OpenAPI 3.1 document') } },
  'POST /api/v1/enrol': {
    summary: "An agent's first contact: its enrolment token buys a credential bound to its host id",
    access: 'enrolment',
    body: [{ contentType: 'application/json', schema: 'EnrolRequest' }],
    responses: {
      201: { description: 'the agent credential, shown once', schema: 'EnrolResponse' },
      400: 'invalid body',
      401: 'unknown, revoked, expired or spent enrolment token',
    },
  },
  'POST /api/v1/inventories': {
    summary: "An agent's inventory (wire format v1, optionally gzip)",
    access: 'agent',
    body: [{ contentType: 'application/json', schema: 'Inventory' }],
    responses: {
      200: object('accepted or already received'),
      400: 'invalid inventory, the fields named',
      401: 'missing, unknown or revoked credential',
      403: 'an inventory of another host',
      413: 'too large',
    },
  },
  'POST /api/v1/inventories/unchanged': {
    summary: "An agent's report that its inventory did not change",
    access: 'agent',
    body: [{ contentType: 'application/json', schema: 'UnchangedReport' }],
    responses: { 200: object('recorded'), 400: 'invalid report', 401: 'missing, unknown or revoked credential', 409: 'the full inventory must be sent' },
  },
  'GET /api/v1/map': {
    summary: 'The dependency map: totals, hosts, installations and products by area, origin, vendor, country and licence; unclassified items',
    access: 'read',
    parameters: [
      { name: 'confidence', in: 'query', description: 'count only recognitions of at least this confidence', schema: { enum: ['high', 'medium', 'all'] } },
      { name: 'unclassified_limit', in: 'query', description: 'how many unclassified items to list (0 to 10000, default 500)', schema: { type: 'integer' } },
      {
        name: 'entity',
        in: 'query',
        description: 'the map of one entity (its id) with the entities under it, or root (the hosts of no entity); default: the whole collector',
        schema: { type: 'string' },
      },
      { name: 'entity_alone', in: 'query', description: 'true: the entity without the entities under it', schema: { enum: ['true', 'false'] } },
    ],
    responses: { 200: { description: 'the dependency map', schema: 'DependencyMap' }, 400: 'bad confidence', 404: 'no such entity' },
  },
  'GET /api/v1/assessment': {
    summary: 'The assessment: exposure, lock-in and priority per area, products, critical dependencies, spend',
    access: 'read',
    parameters: [year],
    responses: { 200: { description: 'the assessment', schema: 'Assessment' }, 400: 'bad year' },
  },
  'GET /api/v1/assessment/history': {
    summary: 'The daily snapshots of the indicators, with the targets',
    access: 'read',
    responses: { 200: { description: 'snapshots and targets', schema: 'History' } },
  },
  'GET /api/v1/assessment/scenario': {
    summary: 'The effect of replacing a product on N hosts (changes nothing)',
    access: 'read',
    parameters: [
      { name: 'product', in: 'query', required: true, description: 'vendor/product', schema: { type: 'string' } },
      { name: 'alternative', in: 'query', required: true, description: 'an alternative id', schema: { type: 'string' } },
      { name: 'hosts', in: 'query', required: true, description: 'how many hosts', schema: { type: 'integer' } },
      year,
    ],
    responses: { 200: { description: 'the indices and spend before and after', schema: 'Scenario' }, 400: 'a missing or bad parameter' },
  },
  'GET /api/v1/assessment/spend': {
    summary: 'The imported spend lines',
    access: 'read',
    parameters: [year],
    responses: { 200: { description: 'lines', schema: 'SpendLines' } },
  },
  'POST /api/v1/assessment/spend': {
    summary: "Import a year's spend from the finance software (CSV, ',' or ';'); the year's previous import is replaced",
    access: 'change',
    parameters: [{ name: 'file', in: 'query', description: 'the file name to record', schema: { type: 'string' } }],
    body: [
      { contentType: 'text/csv', schema: { type: 'string' }, description: 'éditeur/vendor, produit/product, montant/amount, année/year, contrat/contract' },
    ],
    responses: { 200: object('lines imported, unrecognised'), 400: 'each bad line named; nothing imported' },
  },
  'GET /api/v1/assessment/assets': { summary: 'The declared assets', access: 'read', responses: { 200: { description: 'assets', schema: 'Assets' } } },
  'POST /api/v1/assessment/assets': {
    summary: 'Declare an asset (JSON) or assets (CSV)',
    access: 'change',
    body: [
      { contentType: 'application/json', schema: 'AssetRequest' },
      { contentType: 'text/csv', schema: { type: 'string' } },
    ],
    responses: { 201: object('id, or the number added'), 400: 'the problems named; nothing added' },
  },
  'DELETE /api/v1/assessment/assets/{id}': {
    summary: 'Remove a declared asset',
    access: 'change',
    parameters: [{ name: 'id', in: 'path', required: true, description: 'the asset id', schema: { type: 'integer' } }],
    responses: { 204: 'removed', 404: 'no such asset' },
  },
  'GET /api/v1/federation/preview': {
    summary: 'The anonymised publication document as it would be sent now, unsigned (docs/federation.md)',
    access: 'read',
    responses: { 200: object('the document without its signature') },
  },
  'POST /api/v1/observatory/documents': {
    summary:
      "An authority's signed publication (observatory mode): checked against its registered key, its schema and replays; a refused one is stored nowhere",
    access: 'authority',
    body: [{ contentType: 'application/json', schema: 'Publication' }],
    responses: {
      201: object('accepted: id and authority'),
      400: 'not JSON, or not a valid document (the fields named)',
      401: 'missing, unknown or revoked authority token',
      403: "the signature does not match the authority's registered key",
      404: 'this collector is not an observatory',
      409: 'a replay: the document id was already received, or it is not newer than the last one accepted',
      413: 'too large',
    },
  },
  'GET /api/v1/observatory/aggregate': {
    summary: 'The aggregate across authorities (observatory mode): indices per area, common non-European dependencies, size bands, proposed rules',
    access: 'read',
    responses: { 200: object('the aggregate'), 404: 'this collector is not an observatory' },
  },
  'PUT /api/v1/assessment/targets': {
    summary: 'Set or remove a target of the trajectory',
    access: 'change',
    body: [{ contentType: 'application/json', schema: 'TargetRequest' }],
    responses: { 200: object('the targets'), 400: 'bad target' },
  },
};

// The paginated lists (api/lists.ts): their parameters from the same zod schema that checks them.
for (const list of API_LISTS) {
  OPERATIONS[`GET ${list.path}`] = {
    summary: `${list.summary}. Paginated: follow next (or the Link header) to the end.`,
    access: 'read',
    parameters: Object.entries(list.query.shape).map(([name, field]) => {
      const { description, ...schema } = jsonSchema(field as z.ZodType);
      return { name, in: 'query' as const, description: String(description ?? ''), schema };
    }),
    responses: {
      200: {
        description: `a page of ${list.item.name}`,
        schema: `${list.item.name}Page`,
        headers: {
          Link: {
            description: 'RFC 8288 links to the next, previous, first and last pages (rel="next"…), as paths with their query',
            schema: { type: 'string' },
          },
          'X-Total-Count': { description: 'rows matching the filters, on every page', schema: { type: 'integer' } },
        },
      },
      400: 'a bad parameter, named',
    },
  };
}

/** Each list's item and page schemas: the page's items refer to the item's schema. */
function listSchemas(): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const list of API_LISTS) {
    out[list.item.name] = jsonSchema(list.item.schema);
    const page = jsonSchema(pageOf(z.unknown(), `a page of ${list.item.name}`)) as { properties: Record<string, unknown> };
    page.properties.items = { type: 'array', items: { $ref: `#/components/schemas/${list.item.name}` } };
    out[`${list.item.name}Page`] = page;
  }
  return out;
}

const SECURITY: Record<Access, Record<string, string[]>[]> = {
  none: [],
  agent: [{ agentCredential: [] }],
  enrolment: [{ enrolmentToken: [] }],
  read: [{ apiToken: [] }, { session: [] }],
  change: [{ apiToken: [] }, { session: [], csrf: [] }],
  authority: [{ authorityToken: [] }],
};

/** The operations for the readable page: method, path, summary, credential and parameters. */
export function apiOperations(): { method: string; path: string; summary: string; access: Access; parameters: string[] }[] {
  return Object.entries(OPERATIONS).map(([key, op]) => {
    const [method, path] = key.split(' ') as [string, string];
    return {
      method,
      path,
      summary: op.summary,
      access: op.access,
      parameters: (op.parameters ?? []).map((p) => `${p.name}${p.required ? '' : '?'}: ${p.description}`),
    };
  });
}

/** A zod schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect), without its own $schema. */
function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

const ref = (schema: string | Record<string, unknown>) =>
  typeof schema === 'string' ? (schema === 'object' ? { type: 'object' } : { $ref: `#/components/schemas/${schema}` }) : schema;

/** Hono's path (`/x/:id{[0-9]+}`) in OpenAPI's syntax (`/x/{id}`). */
export function openApiPath(honoPath: string): string {
  return honoPath.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}');
}

let cached: Record<string, unknown> | null = null;

export function openApiDocument(): Record<string, unknown> {
  if (cached) return cached;
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [key, op] of Object.entries(OPERATIONS)) {
    const [method, path] = key.split(' ') as [string, string];
    const responses: Record<string, unknown> = {};
    for (const [status, answer] of Object.entries(op.responses)) {
      const { description, schema, headers } =
        typeof answer === 'string' ? { description: answer, schema: Number(status) >= 400 ? 'Error' : null, headers: undefined } : answer;
      responses[status] = { description, ...(headers ? { headers } : {}), ...(schema ? { content: { 'application/json': { schema: ref(schema) } } } : {}) };
    }
    if (op.access !== 'none' && op.access !== 'enrolment')
      responses['401'] ??= {
        description: 'no credential, or an unknown, expired or revoked one (the reason in error)',
        content: { 'application/json': { schema: ref('Error') } },
      };
    if (op.access === 'change')
      responses['403'] = {
        description: 'a viewer (token or account), or a session without its CSRF token',
        content: { 'application/json': { schema: ref('Error') } },
      };
    (paths[path] ??= {})[method.toLowerCase()] = {
      summary: op.summary,
      operationId: `${method.toLowerCase()}${path.replace(/^\/api\/v1/, '').replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase())}`,
      security: SECURITY[op.access],
      ...(op.parameters ? { parameters: op.parameters } : {}),
      ...(op.body
        ? {
            requestBody: {
              required: true,
              content: Object.fromEntries(
                op.body.map((b) => [b.contentType, { schema: ref(b.schema), ...(b.description ? { description: b.description } : {}) }]),
              ),
            },
          }
        : {}),
      responses,
    };
  }
  cached = {
    openapi: '3.1.0',
    info: {
      title: 'tiebreak collector API',
      version: pkg.version,
      description:
        'Inventories in (agents), the dependency map and the assessment out. Scripts and other tools use an API token (Authorization: Bearer), created on /settings or with `tiebreak-collector api-token create`.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components: {
      schemas: { ...Object.fromEntries(Object.entries(SCHEMAS).map(([name, schema]) => [name, jsonSchema(schema)])), ...listSchemas() },
      securitySchemes: {
        apiToken: { type: 'http', scheme: 'bearer', description: 'an API token (tbt_…): a viewer token reads, an admin token changes too' },
        session: { type: 'apiKey', in: 'cookie', name: 'tb_session', description: 'the web interface session' },
        csrf: { type: 'apiKey', in: 'header', name: 'X-CSRF-Token', description: "the session's CSRF token, for changes made with a session" },
        agentCredential: { type: 'http', scheme: 'bearer', description: "an agent's credential (tba_…), from POST /api/v1/enrol" },
        enrolmentToken: { type: 'http', scheme: 'bearer', description: 'an enrolment token (tbk…)' },
        authorityToken: { type: 'http', scheme: 'bearer', description: 'an authority token (tbo_…) given by `tiebreak-collector observatory register`' },
      },
    },
  };
  return cached;
}
