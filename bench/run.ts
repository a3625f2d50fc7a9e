// `pnpm bench`: the figures of BENCHMARKS.md. Sections: scan (agent scan time and peak memory),
// ingest (in-process and over HTTP, next to raw better-sqlite3 inserts of the same rows), map
// (GET /api/v1/map latency on generated fleets), classify (throughput and full reclassification),
// assessment (the dependency assessment of a generated authority); agent-memory (on request: peak
// memory of a scan by the linux-x64 single executable and the bundle beside FusionInventory Agent's,
// and the sizes of the files shipped; bench/agent-memory.ts); storage (on request: issue 16's HTTP
// ingest and morning storm on SQLite and PostgreSQL, bench/storage.ts, its own options after --).
// Usage: pnpm bench [--only scan,ingest,map,classify,assessment,agent-memory,storage] [--fleets 5000,50000] [--requests 55] [--workstations 10000] [--runs 5]
//                   [--postgres postgres://USER@HOST:PORT/postgres] (the collector's databases on that server, one new database a
//                   section, dropped after; a role that may create databases. The raw inserts stay on SQLite: they are its floor.)
//                   [--keep-fleet] (map: keep the fleet's database and print where) [--fleet-db LOCATION] (map, one fleet: read
//                   that fleet's database instead of building one, and keep it: another build of the code reads the same data)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { InventorySchema, inventoryContentHash, type Inventory } from '@tiebreak/shared';
import Database from 'better-sqlite3';
import pino from 'pino';
import { request } from 'undici';
import { createCollector, listen } from '../collector/src/collector.ts';
import { bumpDataVersion, sql, transaction, value } from '../collector/src/store/db.ts';
import { computeAssessment } from '../collector/src/assessment/compute.ts';
import { classifyItem, type Ingestor } from '../collector/src/ingest/ingest.ts';
import { productHosts, productVersions } from '../collector/src/ui/queries.ts';
import { createToken, enrolAgent } from '../collector/src/store/tokens.ts';
import { createSession, createUser } from '../collector/src/accounts/users.ts';
import { SESSION_COOKIE } from '../collector/src/http/auth.ts';
import { bundleAgent } from '../scripts/bundle-agent.ts';
import { fleetSoftware, makeInventory } from '../test/fixtures.ts';

const { values } = parseArgs({
  allowPositionals: true,
  options: {
    only: { type: 'string' },
    fleets: { type: 'string', default: '5000,50000' },
    workstations: { type: 'string' },
    requests: { type: 'string' },
    runs: { type: 'string' },
    postgres: { type: 'string' },
    'fleet-db': { type: 'string' },
    'keep-fleet': { type: 'boolean' },
  },
});
const sections = new Set((values.only ?? 'scan,ingest,map,classify,assessment').split(','));
const ROOT_DIR = new URL('..', import.meta.url).pathname;
const results: Record<string, unknown> = {
  machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  date: new Date().toISOString(),
  engine: values.postgres ? 'postgres' : 'sqlite',
};
const work = mkdtempSync(join(tmpdir(), 'tiebreak-bench-'));

// pg is the collector's dependency, not the repository root's.
const pg = createRequire(new URL('../collector/package.json', import.meta.url))('pg') as typeof import('pg');

/** The PostgreSQL databases made, dropped at the end. */
const created: string[] = [];

/** A statement on the --postgres server (CREATE or DROP DATABASE, which take no parameters). */
async function onServer(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: values.postgres });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** A section's database: a new SQLite file in the work directory, or a new database on the --postgres server. */
async function databaseFor(name: string): Promise<string> {
  if (!values.postgres) return join(work, `${name}.db`);
  const database = `tiebreak_bench_${name.replace(/\W/g, '_')}`;
  created.push(database);
  await onServer(`DROP DATABASE IF EXISTS ${database}`);
  await onServer(`CREATE DATABASE ${database} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`);
  const url = new URL(values.postgres);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Removes a section's database once measured. */
async function dropDatabase(location: string): Promise<void> {
  if (!values.postgres) return rmSync(location, { force: true });
  await onServer(`DROP DATABASE IF EXISTS ${new URL(location).pathname.slice(1)}`);
}
const quiet = pino({ level: 'silent' });

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** An inventory as tiebreak-agent sends it: validated, with its own content hash. */
function asSent(inventory: Inventory): Inventory {
  const parsed = InventorySchema.parse(inventory);
  return { ...parsed, content_hash: inventoryContentHash(parsed) };
}

function fleetInventory(index: number): Inventory {
  return asSent(makeInventory({ machine: `bench-${index}`, software: fleetSoftware(index) }));
}

function report(name: string, value: unknown) {
  results[name] = value;
  console.log(`${name}: ${JSON.stringify(value)}`);
}

// --- agent scan -----------------------------------------------------------------------------
if (sections.has('scan')) {
  const bundle = await bundleAgent(join(work, 'tiebreak-agent.cjs'));
  const runs: { seconds: number; peakKiB: number }[] = [];
  for (let i = 0; i < 7; i++) {
    // GNU time prints "elapsed-seconds peak-RSS-KiB" of the whole agent process.
    const run = spawnSync('/usr/bin/time', ['-f', '%e %M', process.execPath, bundle, 'scan', '--output', join(work, 'scan.json')], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`agent scan failed: ${run.stderr}`);
    const [seconds, kib] = run.stderr.trim().split('\n').pop()!.split(' ').map(Number);
    runs.push({ seconds: seconds!, peakKiB: kib! });
  }
  const times = runs.map((r) => r.seconds).sort((a, b) => a - b);
  const peaks = runs.map((r) => r.peakKiB).sort((a, b) => a - b);
  report('agent_scan', {
    runs: runs.length,
    median_s: percentile(times, 50),
    max_s: times.at(-1),
    median_peak_mb: round(percentile(peaks, 50) / 1024),
    max_peak_mb: round(peaks.at(-1)! / 1024),
    items: (JSON.parse(readFileSync(join(work, 'scan.json'), 'utf8')) as Inventory).software.length,
  });
}

// --- storage over HTTP on both engines (bench/storage.ts, in processes of its own) -----------------
if (sections.has('storage')) {
  const rest = process.argv.indexOf('--');
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', new URL('./storage.ts', import.meta.url).pathname, ...(rest < 0 ? [] : process.argv.slice(rest + 1))],
    { stdio: 'inherit' },
  );
  if (run.status !== 0) throw new Error(`bench/storage.ts exited ${run.status}`);
  results.storage = JSON.parse(readFileSync(new URL('./out/storage.json', import.meta.url), 'utf8'));
}

// --- agent memory beside FusionInventory Agent (bench/agent-memory.ts) ---------------------------
if (sections.has('agent-memory') || sections.has('executable')) {
  const { measureAgentMemory } = await import('./agent-memory.ts');
  report('agent_memory', await measureAgentMemory({ runs: values.runs ? Number(values.runs) : undefined }));
}

// --- ingest -----------------------------------------------------------------------------------
if (sections.has('ingest')) {
  const count = 3000;
  // The inventories as agents send them (JSON text): parsed objects are made only when ingested,
  // so that the benchmark's own data does not weigh on the collector's garbage collection.
  const texts = Array.from({ length: count }, (_, i) => JSON.stringify(fleetInventory(i)));
  // A rescan with a day's changes: two items updated, one replaced by another.
  const rescanSoftware = (i: number) => {
    const software = fleetSoftware(i);
    software[0] = { ...software[0], version: '9.1' };
    software[1] = { ...software[1], version: '9.1' };
    software[software.length - 1] = fleetSoftware(i + 1).at(-1)!;
    return software;
  };
  const rescanTexts = texts.map((_, i) => JSON.stringify(asSent(makeInventory({ machine: `bench-${i}`, software: rescanSoftware(i) }))));
  const rowsPerInventory = fleetSoftware(0).length;
  const validated = (text: string) => InventorySchema.parse(JSON.parse(text));

  // Raw better-sqlite3: the same installation rows into a table of the same shape as a row-per-
  // installation design would have, one transaction per inventory, with catalogue ids already
  // known. The floor such a design pays. The fastest of three runs, each into a new file: the
  // machine is shared, and the shares of raw below must not flatter the collector.
  const rawRun = (run: number) => {
    const rawDb = new Database(join(work, `raw-${run}.db`));
    rawDb.pragma('journal_mode = WAL');
    rawDb.pragma('synchronous = NORMAL');
    rawDb.exec(`CREATE TABLE installations (host_id INTEGER NOT NULL, catalogue_id INTEGER NOT NULL, version TEXT NOT NULL, scope TEXT NOT NULL,
      arch TEXT NOT NULL, PRIMARY KEY (host_id, catalogue_id, version, scope, arch)) WITHOUT ROWID`);
    const ids = new Map<string, number>();
    const rawRows = texts.map((text) =>
      validated(text).software.map((s) => [ids.get(s.name) ?? ids.set(s.name, ids.size + 1).get(s.name)!, s.version ?? '', s.scope, s.arch ?? ''] as const),
    );
    const insert = rawDb.prepare('INSERT INTO installations VALUES (?, ?, ?, ?, ?)');
    const rawTx = rawDb.transaction((host: number, rows: (typeof rawRows)[number]) => {
      for (const [id, version, scope, arch] of rows) insert.run(host, id, version, scope, arch);
    });
    const started = performance.now();
    rawRows.forEach((rows, host) => rawTx(host, rows));
    const seconds = (performance.now() - started) / 1000;
    rawDb.close();
    return seconds;
  };
  const rawSeconds = Math.min(...[1, 2, 3].map(rawRun));

  /** Seconds spent in the ingest calls alone (inventories parsed and validated beforehand, untimed). */
  async function timedIngest(ingestor: Ingestor, inputs: string[], perCommit: number): Promise<number> {
    let seconds = 0;
    for (let i = 0; i < inputs.length; i += perCommit) {
      const batch = inputs.slice(i, i + perCommit).map(validated);
      const started = performance.now();
      if (perCommit === 1) await ingestor.ingest(batch[0]!);
      else await ingestor.ingestMany(batch);
      seconds += (performance.now() - started) / 1000;
    }
    return seconds;
  }
  const timed = async (f: () => Promise<void>) => {
    const started = performance.now();
    await f();
    return (performance.now() - started) / 1000;
  };

  // In-process, one transaction per inventory: new hosts, then rescans of them.
  const single = await createCollector({ dbFile: await databaseFor('ingest'), log: quiet });
  const singleSeconds = await timedIngest(single.ingestor, texts, 1);
  const rescanSeconds = await timedIngest(single.ingestor, rescanTexts, 1);
  // Each rescan replaced its last item by another host's: every host has the new version of its first.
  const rescanned = await value<number>(single.db, sql`SELECT COUNT(DISTINCT host_id) FROM installations WHERE version = '9.1'`);
  if (rescanned !== count) throw new Error(`rescans changed ${rescanned} hosts of ${count}`);
  await single.close();

  // In-process, 50 inventories per commit (as the HTTP path groups concurrent requests).
  const batched = await createCollector({ dbFile: await databaseFor('batched'), log: quiet });
  const batchedSeconds = await timedIngest(batched.ingestor, texts, 50);
  const batchedRescanSeconds = await timedIngest(batched.ingestor, rescanTexts, 50);
  await batched.close();

  // The whole in-process path: JSON text parsed and validated, ingested 50 per commit.
  const full = await createCollector({ dbFile: await databaseFor('full'), log: quiet });
  const fullSeconds = await timed(async () => {
    for (let i = 0; i < texts.length; i += 50) await full.ingestor.ingestMany(texts.slice(i, i + 50).map(validated));
  });
  await full.close();

  // Over HTTP on loopback: gzip JSON, bearer token, 8 concurrent agents.
  const httpCollector = await createCollector({ dbFile: await databaseFor('http'), log: quiet });
  const { id: tokenId } = await createToken(httpCollector.db, 'bench');
  // Each host enrolled beforehand: the benchmark measures inventories, not enrolments.
  const credentials: string[] = [];
  for (const text of texts) {
    const enrolment = await enrolAgent(httpCollector.db, tokenId, (JSON.parse(text) as Inventory).host, null);
    if (!enrolment.ok || enrolment.pending) throw new Error(`bench host not enrolled: ${JSON.stringify(enrolment)}`);
    credentials.push(enrolment.credential);
  }
  const { server, port } = await listen(httpCollector, 0, '127.0.0.1');
  const bodies = texts.map((t) => gzipSync(t));
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < bodies.length) {
        const index = next++;
        const response = await request(`http://127.0.0.1:${port}/api/v1/inventories`, {
          method: 'POST',
          body: bodies[index]!,
          headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', authorization: `Bearer ${credentials[index]}` },
        });
        await response.body.text();
        if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}`);
      }
    }),
  );
  const httpSeconds = (performance.now() - started) / 1000;
  server.close();
  await httpCollector.close();

  const perSecond = (seconds: number) => Math.round(count / seconds);
  report('ingest', {
    inventories: count,
    items_per_inventory: rowsPerInventory,
    raw_sqlite_inventories_per_s: perSecond(rawSeconds),
    raw_sqlite_rows_per_s: Math.round((count * rowsPerInventory) / rawSeconds),
    new_hosts_per_s: perSecond(singleSeconds),
    new_hosts_batched_per_s: perSecond(batchedSeconds),
    new_hosts_with_validation_batched_per_s: perSecond(fullSeconds),
    rescans_per_s: perSecond(rescanSeconds),
    rescans_batched_per_s: perSecond(batchedRescanSeconds),
    http_gzip_per_s: perSecond(httpSeconds),
    new_hosts_share_of_raw: round(rawSeconds / singleSeconds, 2),
    new_hosts_batched_share_of_raw: round(rawSeconds / batchedSeconds, 2),
    rescans_share_of_raw: round(rawSeconds / rescanSeconds, 2),
  });
}

// --- map latency on generated fleets ----------------------------------------------------------
// GET /api/v1/map, the same with only high-confidence evidence counted (hosts recounted from the
// installations), the overview page (the map and the assessment), and a product's drill-down.
if (sections.has('map')) {
  const requests = Number(values.requests ?? 55);
  for (const fleet of values.fleets!.split(',').map(Number)) {
    const reused = values['fleet-db'];
    const dbFile = reused ?? (await databaseFor(`fleet-${fleet}`));
    const collector = await createCollector({ dbFile, log: quiet });
    let started = performance.now();
    if (!reused)
      for (let i = 0; i < fleet; i += 100)
        await collector.ingestor.ingestMany(Array.from({ length: Math.min(100, fleet - i) }, (_, k) => fleetInventory(i + k)));
    const buildSeconds = (performance.now() - started) / 1000;
    const { server, port } = await listen(collector, 0, '127.0.0.1');
    // The map is for the DSI's signed-in accounts: a viewer's session (a new account each run: the fleet may be read again).
    const session = (await createSession(collector.db, await createUser(collector.db, `bench-${Date.now()}`, 'viewer', 'bench-viewer-password-2026'))).cookie;
    /** Milliseconds of each of `n` requests after 5 of warm-up, sorted; `before` runs ahead of each, untimed. */
    const timedRequests = async (path: string, n: number, check: (body: string) => void, before?: () => Promise<void>) => {
      const times: number[] = [];
      for (let i = 0; i < n + 5; i++) {
        await before?.();
        started = performance.now();
        const response = await request(`http://127.0.0.1:${port}${path}`, { headers: { cookie: `${SESSION_COOKIE}=${session}` } });
        const body = await response.body.text();
        if (response.statusCode !== 200) throw new Error(`${path}: HTTP ${response.statusCode}`);
        check(body);
        if (i >= 5) times.push(performance.now() - started);
      }
      return times.sort((a, b) => a - b);
    };
    const hostsShown = (body: string) => {
      const hosts = (JSON.parse(body) as { totals: { hosts: number } }).totals.hosts;
      if (hosts !== fleet) throw new Error(`map shows ${hosts} hosts, expected ${fleet}`);
    };
    const map = await timedRequests('/api/v1/map', requests, hostsShown);
    const mapHigh = await timedRequests('/api/v1/map?confidence=high', Math.ceil(requests / 5), hostsShown);
    const overview = await timedRequests('/', Math.ceil(requests / 5), () => {});
    // The overview right after a change of the data, each time: its figures computed again.
    const overviewChanged = await timedRequests(
      '/',
      Math.ceil(requests / 5),
      () => {},
      () => bumpDataVersion(collector.db),
    );
    server.close();
    // A product's drill-down (its hosts, a page of them, and its versions), for the most installed entry.
    const top = (await value<number>(collector.db, sql`SELECT id FROM catalogue ORDER BY hosts DESC LIMIT 1`))!;
    const drill: number[] = [];
    for (let i = 0; i < requests + 5; i++) {
      started = performance.now();
      const page = await productHosts(collector.db, top, 1 + (i % 10));
      await productVersions(collector.db, top);
      if (page.total !== fleet) throw new Error(`drill-down shows ${page.total} hosts, expected ${fleet}`);
      if (i >= 5) drill.push(performance.now() - started);
    }
    drill.sort((a, b) => a - b);
    const installations = await value<number>(collector.db, sql`SELECT SUM(installs) FROM catalogue`);
    await collector.close();
    const ms = (times: number[]) => ({
      requests: times.length,
      p50_ms: round(percentile(times, 50)),
      p95_ms: round(percentile(times, 95)),
      max_ms: round(times.at(-1)!),
    });
    report(`map_${fleet}_hosts`, {
      hosts: fleet,
      installations,
      fleet_ingest_s: reused ? null : round(buildSeconds),
      map: ms(map),
      map_confidence_high: ms(mapHigh),
      overview_page: ms(overview),
      overview_page_after_a_change: ms(overviewChanged),
      drill_down: ms(drill),
    });
    if (reused || values['keep-fleet']) console.log(`fleet database kept: ${dbFile}`);
    else await dropDatabase(dbFile);
  }
}

// --- classification throughput ----------------------------------------------------------------
if (sections.has('classify')) {
  const collector = await createCollector({ dbFile: await databaseFor('classify'), log: quiet });
  const names = ['Google Chrome', 'Mozilla Firefox', 'Zoom Workplace', 'TeamViewer', 'Microsoft Edge', 'VLC media player', 'LibreOffice'];
  const publishers = ['Google LLC', 'Mozilla', 'Zoom Video Communications, Inc.', 'TeamViewer', 'Microsoft Corporation', 'VideoLAN', 'The Document Foundation'];
  const entries = Array.from({ length: 100_000 }, (_, i) => ({
    kind: 'software' as const,
    source: 'registry' as const,
    role: '' as const,
    name: i % 3 === 0 ? `${names[i % names.length]} ${i % 50}.${i % 7}` : `Unknown Tool ${i}`,
    publisher: i % 3 === 0 ? publishers[i % publishers.length]! : `Vendor ${i % 5000} Ltd`,
    package: null,
  }));
  let started = performance.now();
  for (const entry of entries) classifyItem(collector.classifier, entry);
  const classifySeconds = (performance.now() - started) / 1000;
  // A catalogue of 100,000 entries in the database, then a full reclassification.
  await transaction(collector.db, async (trx) => {
    for (const [i, e] of entries.entries())
      await sql`INSERT INTO catalogue (kind, source, role, name, publisher, package, name_norm, publisher_norm, package_norm, origin, licence, first_seen)
        VALUES ('software', 'registry', '', ${e.name}, ${e.publisher}, NULL, ${`n${i}`}, ${`p${i}`}, '', 'unknown', 'unknown', '')`.execute(trx);
  });
  started = performance.now();
  const changed = await collector.ingestor.reclassify();
  const reclassifySeconds = (performance.now() - started) / 1000;
  await collector.close();
  report('classify', {
    entries: entries.length,
    items_per_s: Math.round(entries.length / classifySeconds),
    reclassify_full_catalogue_s: round(reclassifySeconds, 2),
    reclassified_changed: changed,
  });
}

// --- assessment -------------------------------------------------------------------------------
// The generated authority of `pnpm demo` (real product strings of the rules, spend, declared
// services, a trajectory), at a larger size; then the assessment computed as the API and the
// overview compute it.
if (sections.has('assessment')) {
  const dbFile = await databaseFor('assessment');
  const workstations = Number(values.workstations ?? 10_000);
  const servers = Math.round(workstations / 10);
  const generated = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(ROOT_DIR, 'scripts/demo.ts'), '--no-serve', '--db', dbFile, '--workstations', String(workstations), '--servers', String(servers)],
    {
      cwd: ROOT_DIR,
      encoding: 'utf8',
    },
  );
  if (generated.status !== 0) throw new Error(`demo generation failed: ${generated.stderr}`);
  const collector = await createCollector({ dbFile, log: quiet });
  const times: number[] = [];
  let products = 0;
  for (let i = 0; i < 55; i++) {
    const started = performance.now();
    products = (await computeAssessment(collector.db, collector.classifier)).products.length;
    if (i >= 5) times.push(performance.now() - started);
  }
  await collector.close();
  times.sort((a, b) => a - b);
  report('assessment', {
    hosts: workstations + servers,
    products,
    p50_ms: round(percentile(times, 50)),
    p95_ms: round(percentile(times, 95)),
    max_ms: round(times.at(-1)!),
  });
}

mkdirSync(new URL('./out/', import.meta.url), { recursive: true });
writeFileSync(new URL('./out/results.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
// A kept fleet stays where it was printed (its SQLite file is in the work directory).
if (!values['keep-fleet']) {
  rmSync(work, { recursive: true, force: true });
  for (const database of created) await onServer(`DROP DATABASE IF EXISTS ${database}`);
}
console.log('written to bench/out/results.json');
