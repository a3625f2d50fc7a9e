// `pnpm fuzz [--runs N] [--minutes M] [--only NAME[,NAME]]`: generated input through the real
// parsers and the real HTTP stack (app.request on a collector with a real SQLite file). Each
// generated input must get an answer below 500, a refused one must leave nothing stored, and the
// database must pass its integrity check at the end (--minutes stops each target after that time). test/fuzz.test.ts runs a small corpus of each; the long run is
// `pnpm fuzz --runs 1000000` (per target), see BENCHMARKS.md.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import fc from 'fast-check';
import pino from 'pino';
import { AREAS, VendorSchema } from '@tiebreak/shared';
import { createSession, createUser } from '../collector/src/accounts/users.ts';
import { parseRuleFile } from '../collector/src/classify/load-rules.ts';
import { createCollector, type Collector } from '../collector/src/collector.ts';
import { first, sql, sqliteHandle } from '../collector/src/store/db.ts';
import { createToken, enrolAgent } from '../collector/src/store/tokens.ts';
import { makeInventory } from '../test/fixtures.ts';

const FIXTURES = new URL('../collector/src/protocols/fixtures/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES), 'utf8');

export interface FuzzTarget {
  name: string;
  /** One generated input through the collector; throws when an invariant breaks. */
  property: (env: FuzzEnv) => fc.IAsyncProperty<[unknown]>;
}

export interface FuzzEnv {
  collector: Collector;
  credential: string;
  hostId: string;
  token: string;
  admin: { cookie: string; csrf: string };
}

/** Any text, with the characters that break parsers: controls, quotes, separators, lone surrogates. */
const nasty = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({
    unit: fc.constantFrom('<', '>', '&', '"', "'", ';', ',', '\n', '\r', '\t', '=', '@', '+', '-', '\\', '\u0000', '\ud800', '\udfff', 'é', '😀', ' ', 'a'),
    maxLength: 40,
  }),
  fc.constantFrom('', '__proto__', 'constructor', '<!DOCTYPE x [<!ENTITY a "b">]>', '&a;', ']]>', '\\ud800', '9'.repeat(400), '-1', 'NaN', 'null'),
);

/** A value shaped like JSON, with nasty strings. */
const jsonish: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    nasty,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(nasty, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** A mutation of `base`: a value somewhere replaced by something else (or the path made up). */
function mutated(base: unknown): fc.Arbitrary<unknown> {
  const paths: (string | number)[][] = [];
  const walk = (value: unknown, path: (string | number)[]) => {
    paths.push(path);
    if (Array.isArray(value)) value.slice(0, 3).forEach((v, i) => walk(v, [...path, i]));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
  };
  walk(base, []);
  return fc.array(fc.tuple(fc.constantFrom(...paths), jsonish), { minLength: 1, maxLength: 3 }).map((changes) => {
    const copy = structuredClone(base) as Record<string | number, unknown>;
    for (const [path, value] of changes) {
      if (!path.length) return value;
      let at: Record<string | number, unknown> = copy;
      for (const key of path.slice(0, -1)) at = (at?.[key] ?? {}) as Record<string | number, unknown>;
      if (at && typeof at === 'object') at[path.at(-1)!] = value;
    }
    return copy;
  });
}

const counts = async (collector: Collector) => {
  const row = await first<Record<string, number>>(
    collector.db,
    sql`SELECT (SELECT COUNT(*) FROM hosts) AS hosts, (SELECT COUNT(*) FROM inventory_receipts) AS receipts, (SELECT COUNT(*) FROM spend_lines) AS spend, (SELECT COUNT(*) FROM declared_assets) AS assets`,
  );
  return Object.values(row!).join('/');
};

/** Send, and check the answer is not a 500 and that a refusal stored nothing. */
async function expectHandled(env: FuzzEnv, send: () => Response | Promise<Response>): Promise<void> {
  const before = await counts(env.collector);
  const res = await send();
  await res.arrayBuffer();
  if (res.status >= 500 && res.status !== 503) throw new Error(`answered ${res.status}`);
  const after = res.status >= 400 ? await counts(env.collector) : before;
  if (after !== before) throw new Error(`refused with ${res.status} but stored something (${before} → ${after})`);
}

const bearer = (env: FuzzEnv, body: string) => ({
  method: 'POST',
  headers: { authorization: `Bearer ${env.credential}`, 'content-type': 'application/json' },
  body,
});
const basic = (env: FuzzEnv, body: string | Uint8Array) => ({
  method: 'POST',
  headers: { authorization: `Basic ${Buffer.from(`fuzz:${env.token}`).toString('base64')}`, 'content-type': 'application/x-compress-zlib' },
  body: body as RequestInit['body'],
});
const asAdmin = (env: FuzzEnv, body: string, type: string) => ({
  method: 'POST',
  headers: { cookie: env.admin.cookie, 'x-csrf-token': env.admin.csrf, 'content-type': type },
  body,
});

const LIST_PATHS = [
  '/hosts',
  '/products',
  '/vendors',
  '/unknown',
  '/hosts.csv',
  '/products.xlsx',
  '/vendors.csv',
  '/api/v1/map',
  '/api/v1/assessment',
  '/api/v1/assessment/spend',
  '/api/v1/assessment/scenario',
  '/assessment',
  '/agents',
  '/',
];
const QUERY_KEYS = [
  'q',
  'page',
  'origin',
  'area',
  'category',
  'vendor',
  'agent',
  'os',
  'sort',
  'order',
  'kind',
  'lang',
  'year',
  'product',
  'alternative',
  'hosts',
  'unclassified_limit',
  'stale',
  'next',
];

export const TARGETS: FuzzTarget[] = [
  {
    name: 'tiebreak-json',
    property: (env) => {
      const base = { ...makeInventory({ machine: 'fuzz' }) };
      return fc.asyncProperty(
        fc
          .oneof(
            mutated(base).map((v) => JSON.stringify(v)),
            jsonish.map((v) => JSON.stringify(v)),
            fc.string({ unit: 'binary', maxLength: 200 }),
          )
          .map((text) => text.replace(/"id":"[0-9a-f]{64}"/, `"id":"${env.hostId}"`)) as fc.Arbitrary<unknown>,
        (text) => expectHandled(env, () => env.collector.app.request('/api/v1/inventories', bearer(env, text as string))),
      );
    },
  },
  {
    name: 'glpi-json',
    property: (env) => {
      const base = JSON.parse(fixture('glpi-agent-windows11.json'));
      return fc.asyncProperty(
        fc.oneof(
          mutated(base).map((v) => JSON.stringify(v)),
          jsonish.map((v) => JSON.stringify(v)),
        ) as fc.Arbitrary<unknown>,
        (text) => expectHandled(env, () => env.collector.app.request('/glpi', basic(env, deflateSync(text as string)))),
      );
    },
  },
  {
    name: 'ocs-xml',
    property: (env) => {
      const base = fixture('ocsinventory-2.10-debian12.ocs');
      return fc.asyncProperty(
        fc.oneof(
          fc.tuple(fc.nat(base.length), fc.nat(200), nasty).map(([at, cut, insert]) => base.slice(0, at) + insert + base.slice(at + cut)),
          fc
            .array(fc.tuple(fc.constantFrom('REQUEST', 'CONTENT', 'SOFTWARES', 'NAME', 'HARDWARE', 'UUID', 'QUERY', 'DEVICEID', 'BIOS'), nasty), {
              maxLength: 8,
            })
            .map(
              (parts) =>
                `<REQUEST><QUERY>INVENTORY</QUERY><DEVICEID>fuzz</DEVICEID><CONTENT>${parts.map(([tag, text]) => `<${tag}>${text}</${tag}>`).join('')}</CONTENT></REQUEST>`,
            ),
        ) as fc.Arbitrary<unknown>,
        (xml) => expectHandled(env, () => env.collector.app.request('/ocsinventory', basic(env, deflateSync(xml as string)))),
      );
    },
  },
  {
    name: 'spend-csv',
    property: (env) =>
      fc.asyncProperty(
        fc
          .tuple(
            fc.constantFrom('vendor;amount;year', 'vendor,product,amount,year', 'éditeur;montant;année', 'x'),
            fc.array(fc.array(nasty, { maxLength: 5 }), { maxLength: 6 }),
            fc.constantFrom(';', ','),
          )
          .map(([header, rows, sep]) => `${header}\n${rows.map((r) => r.join(sep)).join('\n')}`) as fc.Arbitrary<unknown>,
        (csv) => expectHandled(env, () => env.collector.app.request('/api/v1/assessment/spend', asAdmin(env, csv as string, 'text/csv'))),
      ),
  },
  {
    name: 'assets-csv',
    property: (env) =>
      fc.asyncProperty(
        fc
          .tuple(
            fc.constantFrom('name;vendor;area;users;cost', 'nom,éditeur,domaine,utilisateurs,coût,année', 'name,vendor,area', 'x'),
            fc.array(fc.array(fc.oneof(nasty, fc.constantFrom(...AREAS, '12', '1 200,50', '2025')), { maxLength: 6 }), { maxLength: 6 }),
            fc.constantFrom(';', ','),
          )
          .map(([header, rows, sep]) => `${header}\n${rows.map((r) => r.join(sep)).join('\n')}`) as fc.Arbitrary<unknown>,
        (csv) => expectHandled(env, () => env.collector.app.request('/api/v1/assessment/assets', asAdmin(env, csv as string, 'text/csv'))),
      ),
  },
  {
    name: 'assets',
    property: (env) =>
      fc.asyncProperty(
        fc
          .oneof(mutated({ name: 'SaaS', vendor: 'Vendor', area: 'software', users: 10, cost: 100, note: 'n' }), jsonish)
          .map((v) => JSON.stringify(v)) as fc.Arbitrary<unknown>,
        (json) => expectHandled(env, () => env.collector.app.request('/api/v1/assessment/assets', asAdmin(env, json as string, 'application/json'))),
      ),
  },
  {
    name: 'rules-yaml',
    property: () => {
      const base = readFileSync(new URL('../rules/vendors/zabbix.yaml', import.meta.url), 'utf8');
      return fc.asyncProperty(
        fc.tuple(fc.nat(base.length), fc.nat(50), nasty).map(([at, cut, insert]) => base.slice(0, at) + insert + base.slice(at + cut)) as fc.Arbitrary<unknown>,
        async (yaml) => {
          // Problems are reported with their line; nothing throws.
          parseRuleFile('vendors/fuzz.yaml', yaml as string, VendorSchema);
        },
      );
    },
  },
  {
    name: 'list-queries',
    property: (env) =>
      fc.asyncProperty(
        fc.tuple(fc.constantFrom(...LIST_PATHS), fc.dictionary(fc.constantFrom(...QUERY_KEYS), nasty, { maxKeys: 4 })) as fc.Arbitrary<unknown>,
        (input) => {
          const [path, query] = input as [string, Record<string, string>];
          const search = Object.entries(query)
            .map(([k, v]) => `${k}=${encodeURIComponent(v.replace(/[\ud800-\udfff]/g, ''))}`)
            .join('&');
          return expectHandled(env, () => env.collector.app.request(`${path}?${search}`, { headers: { cookie: env.admin.cookie } }));
        },
      ),
  },
];

export interface FuzzOutcome {
  target: string;
  runs: number;
  seconds: number;
  failure: string | null;
  /** The process's peak resident memory so far, in MiB. */
  peakRssMib: number;
}

/** Run the targets on a fresh collector; the outcome of each, and the database's integrity at the end. */
export async function runFuzz(options: {
  runs: number;
  only?: string[];
  seed?: number;
  minutes?: number;
  onOutcome?: (outcome: FuzzOutcome) => void;
}): Promise<{ outcomes: FuzzOutcome[]; integrity: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'tiebreak-fuzz-'));
  const collector = await createCollector({ dbFile: join(dir, 'fuzz.db'), log: pino({ level: 'silent' }) });
  try {
    const inventory = makeInventory({ machine: 'fuzz' });
    const token = (await createToken(collector.db, 'fuzz')).token;
    const enrolment = await enrolAgent(collector.db, (await createToken(collector.db, 'fuzz-agent')).id, inventory.host, null);
    if (!enrolment.ok) throw new Error(enrolment.reason);
    const session = await createSession(collector.db, await createUser(collector.db, 'fuzzer', 'admin', 'a long enough password'));
    const env: FuzzEnv = {
      collector,
      credential: enrolment.credential,
      hostId: inventory.host.id,
      token,
      admin: { cookie: `tb_session=${session.cookie}`, csrf: session.csrf },
    };
    const outcomes: FuzzOutcome[] = [];
    for (const target of TARGETS.filter((t) => !options.only?.length || options.only.includes(t.name))) {
      const started = performance.now();
      // A time limit stops a target early without failing it: the outcome says how many ran.
      const result = await fc.check(target.property(env), {
        numRuns: options.runs,
        seed: options.seed,
        endOnFailure: true,
        ...(options.minutes ? { interruptAfterTimeLimit: options.minutes * 60_000 } : {}),
      });
      const outcome = {
        target: target.name,
        runs: result.numRuns,
        seconds: (performance.now() - started) / 1000,
        failure: result.failed ? (fc.defaultReportMessage(result) ?? 'failed') : null,
        peakRssMib: Math.round(process.resourceUsage().maxRSS / 1024),
      };
      outcomes.push(outcome);
      options.onOutcome?.(outcome);
    }
    // The fuzzed collector runs on an SQLite file: its own check of the file.
    const integrity = sqliteHandle(collector.db)!.prepare('PRAGMA integrity_check').pluck().get() as string;
    return { outcomes, integrity };
  } finally {
    await collector.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const value = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const runs = Number(value('--runs') ?? 10_000);
  if (!Number.isInteger(runs) || runs <= 0) {
    process.stderr.write(`fuzz: --runs must be a positive whole number\n`);
    process.exit(2);
  }
  const only = value('--only')?.split(',');
  const minutes = value('--minutes') === undefined ? undefined : Number(value('--minutes'));
  if (minutes !== undefined && !(minutes > 0)) {
    process.stderr.write(`fuzz: --minutes must be a positive number (the time limit of each target)\n`);
    process.exit(2);
  }
  const { outcomes, integrity } = await runFuzz({
    runs,
    only,
    minutes,
    seed: value('--seed') ? Number(value('--seed')) : undefined,
    onOutcome: (o) =>
      process.stdout.write(
        `${o.target.padEnd(14)} ${String(o.runs).padStart(9)} inputs in ${o.seconds.toFixed(1)} s, peak RSS ${o.peakRssMib} MiB: ${o.failure ?? 'nothing found'}\n`,
      ),
  });
  process.stdout.write(`database integrity: ${integrity}\n`);
  process.exit(outcomes.some((o) => o.failure) || integrity !== 'ok' ? 1 : 0);
}
