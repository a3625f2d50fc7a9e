// Issue 16's storage figures, on SQLite and PostgreSQL, against the collector as it ships (the
// built bundle, `serve`), loaded over HTTP by bench/load.ts in processes of their own:
// - ingest: first inventories, then rescans (a few items changed), gzip JSON of 300 items from
//   concurrent agents; beside the rate of the same server answering the same requests with storage
//   switched off (TIEBREAK_BENCH_DISCARD_INVENTORIES=1: accepted, decompressed, parsed, validated,
//   not stored), so the storage's share of a request shows;
// - storm: first inventories of a whole fleet as fast as the agents send, while a DSI reads the
//   overview, the map, a product drill-down and the host list in a loop; then the counters are
//   compared with a recount from the installations.
// - on PostgreSQL with --workers N: the same ingest served by N collector processes (serve --workers).
// Usage: tsx bench/storage.ts [--engines sqlite,postgres] [--hosts 2000] [--storm 20000] [--concurrency 16] [--workers 2]
// (also `pnpm bench --only storage`). Writes bench/out/storage.json.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildCollector, COLLECTOR_BUNDLE_NAME } from '../scripts/build-collector.ts';
import { closeDatabase, openDatabase, rows, sql, type Engine } from '../collector/src/store/db.ts';
import { freePort } from '../test/free-port.ts';
import { startPostgres } from '../test/postgres-server.ts';

const { values: options } = parseArgs({
  options: {
    engines: { type: 'string', default: 'sqlite,postgres' },
    hosts: { type: 'string', default: '2000' },
    storm: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '16' },
    workers: { type: 'string' },
  },
});
const ROOT = new URL('..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'tiebreak-bench-storage-'));
const bundle = join(await buildCollector(join(work, 'collector')), COLLECTOR_BUNDLE_NAME);
const concurrency = Number(options.concurrency);
const results: Record<string, unknown> = {
  machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  date: new Date().toISOString(),
};

function cli(db: string, args: string[], input?: string): string {
  const out = spawnSync(process.execPath, [bundle, ...args, '--db', db], { input, encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`tiebreak-collector ${args.join(' ')}: ${out.stderr}`);
  return out.stdout;
}

async function serve(db: string, env: Record<string, string> = {}, extra: string[] = []) {
  const port = await freePort();
  const child = spawn(process.execPath, [bundle, 'serve', '--db', db, '--port', String(port), '--host', '127.0.0.1', ...extra], {
    env: { ...process.env, TIEBREAK_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (
      await fetch(`${url}/healthz`)
        .then((r) => r.ok)
        .catch(() => false)
    )
      break;
    if (i > 1800) throw new Error('the collector did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, stop: () => new Promise<void>((resolve) => (child.once('exit', () => resolve()), child.kill('SIGTERM'))) };
}

/** bench/load.ts in a process of its own; its JSON answer. */
function load(args: string[], until?: Promise<unknown>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/load.ts'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.once('exit', (code) => (code === 0 ? resolve(out.trim() ? JSON.parse(out) : null) : reject(new Error(`load ${args[0]} exited ${code}`))));
    void until?.then(() => child.kill('SIGTERM'));
  });
}

/** A new database of `engine`: its location for --db. */
let postgres: Awaited<ReturnType<typeof startPostgres>> | undefined;
async function newDatabase(engine: Engine, name: string): Promise<string> {
  if (engine === 'sqlite') return join(work, `${name}.db`);
  postgres ??= await startPostgres();
  return postgres.createDatabase(name);
}

/** Enrols `count` hosts from `from` on a collector; the file of their credentials. */
async function enrolled(db: string, url: string, from: number, count: number): Promise<string> {
  const token = cli(db, ['token', 'create', '--name', 'bench']).trim();
  const file = join(work, `credentials-${from}-${count}-${Date.now()}.json`);
  await load(['enrol', url, token, String(from), String(count), file]);
  return file;
}

/** Counters and facet counts that differ from a recount from the installations (none expected). */
async function countersOffBy(location: string): Promise<number> {
  const db = await openDatabase(location);
  try {
    const entries = await rows(
      db,
      sql`
      SELECT c.id FROM catalogue c LEFT JOIN (
        SELECT catalogue_id, COUNT(*) AS installs, COUNT(DISTINCT host_id) AS hosts FROM installations GROUP BY catalogue_id
      ) r ON r.catalogue_id = c.id
      WHERE c.installs <> COALESCE(r.installs, 0) OR c.hosts <> COALESCE(r.hosts, 0)`,
    );
    const facets = await rows(
      db,
      sql`
      SELECT f.facet FROM facet_counts f LEFT JOIN (
        SELECT facet, value, COUNT(*) AS hosts FROM host_facets GROUP BY facet, value
      ) r ON r.facet = f.facet AND r.value = f.value
      WHERE f.hosts <> COALESCE(r.hosts, 0)`,
    );
    return entries.length + facets.length;
  } finally {
    await closeDatabase(db);
  }
}

async function hostCount(location: string): Promise<number> {
  const db = await openDatabase(location);
  try {
    return Number((await rows<{ n: number }>(db, sql`SELECT COUNT(*) AS n FROM hosts`))[0]!.n);
  } finally {
    await closeDatabase(db);
  }
}

for (const engine of options.engines!.split(',') as Engine[]) {
  const hosts = Number(options.hosts);
  // Ingest: the same server with storage off, then on (first inventories, then rescans).
  const discardDb = await newDatabase(engine, `discard_${engine}`);
  const discard = await serve(discardDb, { TIEBREAK_BENCH_DISCARD_INVENTORIES: '1' });
  const discardCredentials = await enrolled(discardDb, discard.url, 0, hosts);
  const unstored = (await load(['send', discard.url, discardCredentials, '0', String(hosts), 'first', String(concurrency)])) as { per_s: number };
  await discard.stop();

  const ingestDb = await newDatabase(engine, `ingest_${engine}`);
  const server = await serve(ingestDb);
  const credentials = await enrolled(ingestDb, server.url, 0, hosts);
  const first = (await load(['send', server.url, credentials, '0', String(hosts), 'first', String(concurrency)])) as { per_s: number };
  const rescan = (await load(['send', server.url, credentials, '0', String(hosts), 'rescan', String(concurrency)])) as { per_s: number };
  await server.stop();
  const stored = await hostCount(ingestDb);
  if (stored !== hosts) throw new Error(`${engine}: ${stored} hosts stored of ${hosts} acknowledged`);
  results[`ingest_${engine}`] = {
    hosts,
    concurrency,
    not_stored: unstored,
    first_inventories: { ...first, share_of_not_stored: Math.round((first.per_s / unstored.per_s) * 100) / 100 },
    rescans: { ...rescan, share_of_not_stored: Math.round((rescan.per_s / unstored.per_s) * 100) / 100 },
  };
  console.log(engine, JSON.stringify(results[`ingest_${engine}`]));

  // The same ingest served by several processes (PostgreSQL only).
  if (engine === 'postgres' && options.workers) {
    const workersDb = await newDatabase(engine, `workers_${engine}`);
    const workers = await serve(workersDb, {}, ['--workers', options.workers]);
    const workerCredentials = await enrolled(workersDb, workers.url, 0, hosts);
    const firstByWorkers = (await load(['send', workers.url, workerCredentials, '0', String(hosts), 'first', String(concurrency)])) as { per_s: number };
    const rescanByWorkers = (await load(['send', workers.url, workerCredentials, '0', String(hosts), 'rescan', String(concurrency)])) as { per_s: number };
    await workers.stop();
    if ((await hostCount(workersDb)) !== hosts) throw new Error(`${engine} with ${options.workers} workers: hosts stored differ from ${hosts} acknowledged`);
    results[`ingest_${engine}_${options.workers}_workers`] = {
      hosts,
      concurrency,
      workers: Number(options.workers),
      first_inventories: firstByWorkers,
      rescans: rescanByWorkers,
    };
    console.log(engine, `${options.workers} workers`, JSON.stringify(results[`ingest_${engine}_${options.workers}_workers`]));
  }

  // Storm: a whole fleet's first inventories while a DSI reads.
  const storm = Number(options.storm);
  if (storm > 0) {
    const stormDb = await newDatabase(engine, `storm_${engine}`);
    cli(stormDb, ['user', 'add', 'bench', '--role', 'viewer', '--password-stdin'], 'bench-viewer-password-2026\n');
    const stormServer = await serve(stormDb);
    const stormCredentials = await enrolled(stormDb, stormServer.url, 0, storm);
    let sent!: () => void;
    const done = new Promise<void>((resolve) => (sent = resolve));
    const reads = load(['read', stormServer.url, 'bench', 'bench-viewer-password-2026'], done);
    const sending = (await load(['send', stormServer.url, stormCredentials, '0', String(storm), 'first', String(concurrency)])) as { acknowledged: number };
    sent();
    const readTimes = await reads;
    await stormServer.stop();
    const stormHosts = await hostCount(stormDb);
    const off = await countersOffBy(stormDb);
    results[`storm_${engine}`] = { hosts: storm, sending, reads: readTimes, hosts_stored: stormHosts, counters_off: off };
    console.log(engine, JSON.stringify(results[`storm_${engine}`]));
    if (stormHosts !== sending.acknowledged) throw new Error(`${engine}: ${stormHosts} hosts stored, ${sending.acknowledged} acknowledged`);
    if (off) throw new Error(`${engine}: ${off} counters differ from the installations`);
  }
}

await postgres?.stop();
mkdirSync(join(ROOT, 'bench/out'), { recursive: true });
writeFileSync(join(ROOT, 'bench/out/storage.json'), `${JSON.stringify(results, null, 2)}\n`);
rmSync(work, { recursive: true, force: true });
