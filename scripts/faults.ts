// `pnpm faults [--only kill,disk,postgres,agent,bombs] [--kills 5] [--hosts 200] [--senders 4]
// [--disk-mib 12] [--restarts 4] [--agent-kills 30]`: the collector under faults while agents keep
// sending. 1) kill -9 of the collector process under continuous ingest, restarted each time; 2) its
// disk full during ingest (a small tmpfs: needs root, else that part is skipped); 3) PostgreSQL
// restarted under ingest (a throwaway cluster, shut down cleanly and as by a crash, in turn);
// 4) the agent killed while it writes its spool, then run again; 5) peer report bombs (20 at once
// inflating to 63 MiB, one of 1.2 million elements) while the health check is timed.
// Then: every acknowledged inventory must be stored, the database must pass its integrity check,
// and what is derived (hosts per entry, installs) must equal a recount. Figures for BENCHMARKS.md.
import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { deflateSync, gzipSync } from 'node:zlib';
import { InventorySchema } from '@tiebreak/shared';
import pino from 'pino';
import { createCollector } from '../collector/src/collector.ts';
import { closeDatabase, openDatabase, sql, sqliteHandle, value, values as columnValues } from '../collector/src/store/db.ts';
import { createToken, enrolAgent } from '../collector/src/store/tokens.ts';
import { fleetSoftware, makeInventory } from '../test/fixtures.ts';
import { startCluster, type PostgresServer } from '../test/postgres-server.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const { values } = parseArgs({
  options: {
    kills: { type: 'string', default: '5' },
    hosts: { type: 'string', default: '200' },
    senders: { type: 'string', default: '4' },
    'disk-mib': { type: 'string', default: '12' },
    restarts: { type: 'string', default: '4' },
    'agent-kills': { type: 'string', default: '30' },
    only: { type: 'string', default: 'kill,disk,postgres,agent,bombs' },
  },
});
const ONLY = new Set(values.only!.split(','));
const KILLS = Number(values.kills);
const HOSTS = Number(values.hosts);
const SENDERS = Number(values.senders);

interface Running {
  child: ChildProcess;
  url: string;
  peakKib: () => number;
  /** What it wrote to its standard error, the end of it. */
  errors: () => string;
}

function startCollector(dbFile: string, port = 0): Promise<Running> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'collector/src/cli.ts'), 'serve', '--port', String(port), '--db', dbFile], {
      env: { ...process.env, TIEBREAK_LOG_LEVEL: 'error' },
    });
    let out = '';
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      const match = /listening on (http:\/\/\S+?)\/?\s/.exec(out);
      if (match) resolve({ child, url: match[1]!, peakKib: () => peakOf(child.pid!), errors: () => err.slice(-600) });
    });
    child.on('exit', (code) => reject(new Error(`collector exited with ${code}: ${err.slice(-500)}`)));
  });
}

/** The process tree's largest resident set so far (VmHWM of the node process under tsx). */
function peakOf(pid: number): number {
  let peak = 0;
  const visit = (p: number) => {
    try {
      peak = Math.max(peak, Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0));
      for (const child of readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) visit(Number(child));
    } catch {
      // gone
    }
  };
  visit(pid);
  return peak;
}

function killTree(pid: number): void {
  const children = (() => {
    try {
      return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  })();
  for (const child of children) killTree(child);
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone
  }
}

/** Senders posting inventories until stopped; the ids the collector acknowledged. */
function ingestLoop(url: () => string, credentials: string[], hosts: ReturnType<typeof makeInventory>[]) {
  const acknowledged = new Set<string>();
  let sent = 0;
  let failed = 0;
  let stopped = false;
  const sender = async (n: number) => {
    for (let i = n; !stopped; i += SENDERS) {
      const index = i % hosts.length;
      const inventory = {
        ...hosts[index]!,
        id: crypto.randomUUID(),
        collected_at: new Date().toISOString(),
        software: fleetSoftware(index * 7 + (i % 13), 150).map((s) => ({ source: 'registry', scope: 'machine', ...s })),
      };
      sent++;
      try {
        const res = await fetch(`${url()}/api/v1/inventories`, {
          method: 'POST',
          headers: { authorization: `Bearer ${credentials[index]}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
          body: gzipSync(JSON.stringify(inventory)),
          signal: AbortSignal.timeout(10_000),
        });
        await res.arrayBuffer();
        if (res.status === 200) acknowledged.add(inventory.id);
        else failed++;
      } catch {
        failed++;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  const done = Promise.all(Array.from({ length: SENDERS }, (_, n) => sender(n)));
  return { acknowledged, counts: () => ({ sent, failed }), stop: async () => ((stopped = true), await done) };
}

async function verify(dbFile: string, acknowledged: Set<string>) {
  const collector = await createCollector({ dbFile, log: pino({ level: 'silent' }) });
  try {
    const db = collector.db;
    const stored = new Set(await columnValues<string>(db, sql`SELECT id FROM inventory_receipts`));
    const lost = [...acknowledged].filter((id) => !stored.has(id)).length;
    // An SQLite file's own check; PostgreSQL's are its recovery at restart and the recounts below.
    const sqlite = sqliteHandle(db);
    const integrity = sqlite ? (sqlite.prepare('PRAGMA integrity_check').pluck().get() as string) : 'ok';
    const installs = await value<number>(db, sql`SELECT COALESCE(SUM(installs), 0) FROM catalogue`);
    const recount = await value<number>(db, sql`SELECT COUNT(*) FROM installations`);
    const hostsCounted = await value<number>(db, sql`SELECT COALESCE(SUM(hosts), 0) FROM catalogue`);
    const hostsRecount = await value<number>(db, sql`SELECT COUNT(*) FROM (SELECT DISTINCT host_id, catalogue_id FROM installations) AS pairs`);
    return { acknowledged: acknowledged.size, stored_receipts: stored.size, lost, integrity, installs, recount, hostsCounted, hostsRecount };
  } finally {
    await collector.close();
  }
}

async function prepare(dbFile: string) {
  const db = await openDatabase(dbFile);
  const tokenId = (await createToken(db, 'faults')).id;
  const hosts = Array.from({ length: HOSTS }, (_, i) => makeInventory({ machine: `fault-${i}` }));
  const credentials: string[] = [];
  for (const h of hosts) {
    const e = await enrolAgent(db, tokenId, h.host, null);
    if (!e.ok) throw new Error(e.reason);
    credentials.push(e.credential);
  }
  await closeDatabase(db);
  return { hosts, credentials };
}

async function killCampaign() {
  const dir = mkdtempSync(join(tmpdir(), 'tiebreak-faults-'));
  const dbFile = join(dir, 'faults.db');
  const { hosts, credentials } = await prepare(dbFile);
  let running = await startCollector(dbFile);
  const loop = ingestLoop(() => running.url, credentials, hosts);
  let peak = 0;
  for (let k = 0; k < KILLS; k++) {
    await new Promise((r) => setTimeout(r, 2_000 + Math.random() * 2_000));
    peak = Math.max(peak, running.peakKib());
    running.child.removeAllListeners('exit');
    killTree(running.child.pid!);
    await new Promise((r) => setTimeout(r, 200));
    running = await startCollector(dbFile);
  }
  await new Promise((r) => setTimeout(r, 2_000));
  await loop.stop();
  peak = Math.max(peak, running.peakKib());
  running.child.removeAllListeners('exit');
  killTree(running.child.pid!);
  const result = { kills: KILLS, ...loop.counts(), peak_rss_mib: Math.round(peak / 1024), ...(await verify(dbFile, loop.acknowledged)) };
  rmSync(dir, { recursive: true, force: true });
  return result;
}

async function diskFullCampaign() {
  const mount = mkdtempSync(join(tmpdir(), 'tiebreak-diskfull-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${values['disk-mib']}m`, 'tmpfs', mount], { stdio: 'pipe' });
  } catch (error) {
    return { skipped: `cannot mount a tmpfs (${(error as Error).message.split('\n')[0]})` };
  }
  try {
    mkdirSync(join(mount, 'db'));
    const dbFile = join(mount, 'db', 'faults.db');
    const { hosts, credentials } = await prepare(dbFile);
    const running = await startCollector(dbFile);
    const loop = ingestLoop(() => running.url, credentials, hosts);
    // Until the disk is full and stays so for a while: refusals, not crashes.
    let full = false;
    for (let i = 0; i < 120 && !full; i++) {
      await new Promise((r) => setTimeout(r, 500));
      full = /\s100%\s/.test(execFileSync('df', [mount]).toString());
    }
    await new Promise((r) => setTimeout(r, 3_000));
    const alive = running.child.exitCode === null;
    const health = await fetch(`${running.url}/healthz`)
      .then((r) => r.status)
      .catch(() => null);
    await loop.stop();
    const peak = running.peakKib();
    running.child.removeAllListeners('exit');
    killTree(running.child.pid!);
    await new Promise((r) => setTimeout(r, 300));
    // The verification needs room (the collector's start may reclassify): the disk is grown first, as an operator would.
    execFileSync('mount', ['-o', `remount,size=${Number(values['disk-mib']) * 4}m`, mount]);
    return {
      disk_mib: Number(values['disk-mib']),
      filled: full,
      alive_when_full: alive,
      health_when_full: health,
      ...loop.counts(),
      peak_rss_mib: Math.round(peak / 1024),
      ...(await verify(dbFile, loop.acknowledged)),
    };
  } finally {
    execFileSync('umount', [mount]);
    rmSync(mount, { recursive: true, force: true });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function postgresRestartCampaign() {
  let server: PostgresServer;
  try {
    server = await startCluster();
  } catch (error) {
    return { skipped: `no throwaway PostgreSQL cluster (${(error as Error).message.split('\n')[0]})` };
  }
  try {
    const url = await server.createDatabase('faults');
    // The tests' cluster commits without waiting for its WAL (synchronous_commit=off), which a
    // crash of the server loses: this database gets a real server's setting.
    const db = await openDatabase(url);
    const name = await value<string>(db, sql`SELECT current_database()`);
    await sql.raw(`ALTER DATABASE "${name}" SET synchronous_commit = on`).execute(db);
    await closeDatabase(db);
    const { hosts, credentials } = await prepare(url);
    const running = await startCollector(url);
    const loop = ingestLoop(() => running.url, credentials, hosts);
    const restarts = Number(values.restarts);
    const modes: string[] = [];
    for (let r = 0; r < restarts; r++) {
      await sleep(3_000 + Math.random() * 2_000);
      const mode = r % 2 === 0 ? 'fast' : 'immediate';
      modes.push(mode);
      await server.restart!(mode);
    }
    // The collector must take reports again once PostgreSQL is back.
    const before = loop.acknowledged.size;
    await sleep(5_000);
    const acknowledgedAfterLastRestart = loop.acknowledged.size - before;
    await loop.stop();
    const alive = running.child.exitCode === null;
    const peak = running.peakKib();
    running.child.removeAllListeners('exit');
    killTree(running.child.pid!);
    await sleep(300);
    return {
      restarts,
      modes: modes.join(','),
      ...loop.counts(),
      alive,
      ...(alive ? {} : { collector_error: running.errors() }),
      acknowledged_after_last_restart: acknowledgedAfterLastRestart,
      peak_rss_mib: Math.round(peak / 1024),
      ...(await verify(url, loop.acknowledged)),
    };
  } finally {
    await server.stop();
  }
}

/** The agent's spool: its temporary files, and the ids of its whole inventories. */
function spoolContents(stateDir: string) {
  const pending = join(stateDir, 'spool', 'pending');
  const names = existsSync(pending) ? readdirSync(pending) : [];
  const inventories = names.filter((n) => n.endsWith('.json'));
  const whole = inventories.filter((n) => {
    try {
      return InventorySchema.safeParse(JSON.parse(readFileSync(join(pending, n), 'utf8'))).success;
    } catch {
      return false;
    }
  });
  return {
    pending,
    temporaries: names.filter((n) => n.endsWith('.tmp')),
    inventories,
    whole,
    ids: inventories.map((n) => n.replace(/^.*_/, '').replace(/\.json$/, '')),
  };
}

/** A new database in a new directory, with an enrolment token. */
async function databaseWithToken(name: string) {
  const dir = mkdtempSync(join(tmpdir(), `tiebreak-${name}-`));
  const dbFile = join(dir, `${name}.db`);
  const db = await openDatabase(dbFile);
  const token = (await createToken(db, name)).token;
  await closeDatabase(db);
  return { dir, dbFile, token };
}

async function agentKillCampaign() {
  const { dir, dbFile, token } = await databaseWithToken('agent-faults');
  const stateDir = join(dir, 'agent');
  // The agent's own process (not a launcher): the signal reaches the writer.
  const agent = (server: string) =>
    spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'agent/src/cli.ts'), 'send', '--server', server, '--token', token, '--state-dir', stateDir], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  let stderr = '';
  const exited = (child: ChildProcess) => {
    child.stderr!.on('data', (d) => (stderr += d));
    return new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  };
  let running = await startCollector(dbFile);
  const enrolled = await exited(agent(running.url));
  running.child.removeAllListeners('exit');
  killTree(running.child.pid!);
  // The collector down: each run scans, writes its inventory to the spool, and keeps it. Each is
  // killed as soon as its temporary file appears (between that and the rename); when the watch is
  // too late, the run ends as usual, its inventory kept whole.
  const kills = Number(values['agent-kills']);
  let caughtWriting = 0;
  const { pending } = spoolContents(stateDir);
  mkdirSync(pending, { recursive: true });
  for (let k = 0; k < kills; k++) {
    const child = agent('http://127.0.0.1:9');
    const done = exited(child);
    let killed = false;
    const watcher = watch(pending, (_event, name) => {
      if (name?.endsWith('.tmp') && !killed) {
        killed = true;
        child.kill('SIGKILL');
        caughtWriting++;
      }
    });
    const fallback = setTimeout(() => child.kill('SIGKILL'), 600_000);
    await done;
    watcher.close();
    clearTimeout(fallback);
  }
  const afterKills = spoolContents(stateDir);
  // Time passes (a write is never ten minutes long): the next start removes what killed writers left.
  const anHourAgo = new Date(Date.now() - 3_600_000);
  for (const name of afterKills.temporaries) utimesSync(join(pending, name), anHourAgo, anHourAgo);
  // On its former port: the agent keeps its credential for that collector's address.
  running = await startCollector(dbFile, Number(new URL(running.url).port));
  stderr = '';
  const last = await exited(agent(running.url));
  const afterDelivery = spoolContents(stateDir);
  running.child.removeAllListeners('exit');
  killTree(running.child.pid!);
  await sleep(300);
  const check = await openDatabase(dbFile);
  try {
    const receipts = await columnValues<string>(check, sql`SELECT id FROM inventory_receipts`);
    const delivered = new Set(receipts);
    const result = {
      enrolled: enrolled === 0,
      kills,
      killed_with_a_temporary_file: caughtWriting,
      temporaries_left_by_kills: afterKills.temporaries.length,
      spooled_after_kills: afterKills.inventories.length,
      whole_after_kills: afterKills.whole.length,
      last_run_exit: last,
      ...(last === 0 ? {} : { last_run_error: stderr.trim().split('\n').slice(-3).join(' | ') }),
      temporaries_after_restart: afterDelivery.temporaries.length,
      pending_after_delivery: afterDelivery.inventories.length,
      spooled_not_delivered: afterKills.ids.filter((id) => !delivered.has(id)).length,
      receipts: receipts.length,
      duplicates: receipts.length - delivered.size,
    };
    return result;
  } finally {
    await closeDatabase(check);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function bombCampaign() {
  const { dir, dbFile, token } = await databaseWithToken('bombs');
  const running = await startCollector(dbFile);
  const report = (content: string) =>
    deflateSync(`<?xml version="1.0"?><REQUEST><DEVICEID>bomb-2026</DEVICEID><QUERY>INVENTORY</QUERY><CONTENT>${content}</CONTENT></REQUEST>`, { level: 9 });
  const unit = '<SOFTWARES><NAME>a</NAME></SOFTWARES>';
  const bomb = report(unit.repeat(Math.floor((63 * 1024 * 1024) / unit.length)));
  const big = report('<A/>'.repeat(1_200_000));
  const send = (body: Buffer) =>
    fetch(`${running.url}/ocsinventory`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`x:${token}`).toString('base64')}`, 'content-type': 'application/x-compress-zlib' },
      body,
      signal: AbortSignal.timeout(600_000),
    })
      .then(async (res) => (await res.arrayBuffer(), res.status))
      .catch((error: Error) => `${error.name}: ${(error.cause as Error | undefined)?.message ?? error.message}`);
  // The health check every 20 ms, timed: for 15 s before the bombs, then while they are decoded.
  let latencies: number[] = [];
  const healthFailures: string[] = [];
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const started = performance.now();
      const failure = await fetch(`${running.url}/healthz`, { signal: AbortSignal.timeout(30_000) })
        .then((r) => (r.status === 200 ? null : `HTTP ${r.status}`))
        .catch((error: Error) => `${error.name}: ${(error.cause as Error | undefined)?.message ?? error.message}`);
      latencies.push(failure ? Infinity : performance.now() - started);
      if (failure) healthFailures.push(failure);
      await sleep(20);
    }
  })();
  await send(report(unit)); // the decoders started
  await sleep(15_000);
  const idle = latencies.slice(1);
  latencies = [];
  const started = performance.now();
  const statuses = await Promise.all([...Array.from({ length: 20 }, () => bomb), big].map(send));
  const seconds = (performance.now() - started) / 1000;
  polling = false;
  await poller;
  const peak = running.peakKib();
  running.child.removeAllListeners('exit');
  killTree(running.child.pid!);
  rmSync(dir, { recursive: true, force: true });
  /** p50, p99 and the longest of health check times, in ms. */
  const spread = (times: number[]) => {
    const sorted = times.slice().sort((a, b) => a - b);
    const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 10) / 10;
    return { checks: sorted.length, p50: at(0.5), p99: at(0.99), max: at(1) };
  };
  const answers: Record<string, number> = {};
  for (const status of statuses) answers[status] = (answers[status] ?? 0) + 1;
  return {
    bombs: 20,
    bomb_kib: Math.round(bomb.length / 1024),
    big_kib: Math.round(big.length / 1024),
    answers,
    seconds: Math.round(seconds),
    health_before_ms: spread(idle),
    health_during_ms: spread(latencies),
    health_failures: healthFailures,
    peak_rss_mib: Math.round(peak / 1024),
  };
}

const kill = ONLY.has('kill') ? await killCampaign() : null;
if (kill) process.stdout.write(`kill -9 under ingest: ${JSON.stringify(kill)}\n`);
const disk = ONLY.has('disk') ? await diskFullCampaign() : null;
if (disk) process.stdout.write(`disk full under ingest: ${JSON.stringify(disk)}\n`);
const postgres = ONLY.has('postgres') ? await postgresRestartCampaign() : null;
if (postgres) process.stdout.write(`PostgreSQL restarted under ingest: ${JSON.stringify(postgres)}\n`);
const agent = ONLY.has('agent') ? await agentKillCampaign() : null;
if (agent) process.stdout.write(`agent killed while writing its spool: ${JSON.stringify(agent)}\n`);
const bombs = ONLY.has('bombs') ? await bombCampaign() : null;
if (bombs) process.stdout.write(`peer report bombs: ${JSON.stringify(bombs)}\n`);
const kept = (
  r: { lost: number; integrity: string; installs?: number; recount?: number; hostsCounted?: number; hostsRecount?: number } | { skipped: string } | null,
) => !r || 'skipped' in r || (r.lost === 0 && r.integrity === 'ok' && r.installs === r.recount && r.hostsCounted === r.hostsRecount);
const ok =
  kept(kill) &&
  kept(disk) &&
  kept(postgres) &&
  (!postgres || 'skipped' in postgres || (postgres.alive && postgres.acknowledged_after_last_restart > 0)) &&
  (!agent ||
    (agent.temporaries_after_restart === 0 &&
      agent.whole_after_kills === agent.spooled_after_kills &&
      agent.spooled_not_delivered === 0 &&
      agent.duplicates === 0 &&
      agent.pending_after_delivery === 0)) &&
  (!bombs || Object.keys(bombs.answers).every((status) => ['400', '413', '503'].includes(status)));
process.exit(ok ? 0 : 1);
