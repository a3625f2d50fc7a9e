// `pnpm faults [--only kill,disk] [--kills 5] [--hosts 200] [--senders 4] [--disk-mib 12]`: the collector under faults
// while agents keep sending. 1) kill -9 of the collector process under continuous ingest, restarted
// each time; 2) its disk full during ingest (a small tmpfs: needs root, else that part is skipped).
// Then: every acknowledged inventory must be stored, the database must pass its integrity check,
// and what is derived (hosts per entry, installs) must equal a recount. Figures for BENCHMARKS.md.
import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import pino from 'pino';
import { createCollector } from '../collector/src/collector.ts';
import { closeDatabase, openDatabase, sql, sqliteHandle, value, values as columnValues } from '../collector/src/store/db.ts';
import { createToken, enrolAgent } from '../collector/src/store/tokens.ts';
import { fleetSoftware, makeInventory } from '../test/fixtures.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const { values } = parseArgs({ options: { kills: { type: 'string', default: '5' }, hosts: { type: 'string', default: '200' }, senders: { type: 'string', default: '4' }, 'disk-mib': { type: 'string', default: '12' }, only: { type: 'string', default: 'kill,disk' } } });
const ONLY = new Set(values.only!.split(','));
const KILLS = Number(values.kills);
const HOSTS = Number(values.hosts);
const SENDERS = Number(values.senders);

interface Running {
  child: ChildProcess;
  url: string;
  peakKib: () => number;
}

function startCollector(dbFile: string): Promise<Running> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'collector/src/cli.ts'), 'serve', '--port', '0', '--db', dbFile], { env: { ...process.env, TIEBREAK_LOG_LEVEL: 'error' } });
    let out = '';
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      const match = /listening on (http:\/\/\S+?)\/?\s/.exec(out);
      if (match) resolve({ child, url: match[1]!, peakKib: () => peakOf(child.pid!) });
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
      const inventory = { ...hosts[index]!, id: crypto.randomUUID(), collected_at: new Date().toISOString(), software: fleetSoftware(index * 7 + (i % 13), 150).map((s) => ({ source: 'registry', scope: 'machine', ...s })) };
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
    // The faults are an SQLite file's (a killed process, a full disk): its own check.
    const integrity = sqliteHandle(db)!.prepare('PRAGMA integrity_check').pluck().get() as string;
    const installs = await value<number>(db, sql`SELECT COALESCE(SUM(installs), 0) FROM catalogue`);
    const recount = await value<number>(db, sql`SELECT COUNT(*) FROM installations`);
    const hostsCounted = await value<number>(db, sql`SELECT COALESCE(SUM(hosts), 0) FROM catalogue`);
    const hostsRecount = await value<number>(db, sql`SELECT COUNT(*) FROM (SELECT DISTINCT host_id, catalogue_id FROM installations) AS pairs`);
    return { acknowledged: acknowledged.size, stored_receipts: stored.size, lost, integrity, installs, recount, hostsCounted, hostsRecount };
  } finally {
    await collector.close();
  }
}

async function prepare(dir: string) {
  const dbFile = join(dir, 'faults.db');
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
  return { dbFile, hosts, credentials };
}

async function killCampaign() {
  const dir = mkdtempSync(join(tmpdir(), 'tiebreak-faults-'));
  const { dbFile, hosts, credentials } = await prepare(dir);
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
    const { dbFile, hosts, credentials } = await prepare(join(mount, 'db'));
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
    const health = await fetch(`${running.url}/healthz`).then((r) => r.status).catch(() => null);
    await loop.stop();
    const peak = running.peakKib();
    running.child.removeAllListeners('exit');
    killTree(running.child.pid!);
    await new Promise((r) => setTimeout(r, 300));
    // The verification needs room (the collector's start may reclassify): the disk is grown first, as an operator would.
    execFileSync('mount', ['-o', `remount,size=${Number(values['disk-mib']) * 4}m`, mount]);
    return { disk_mib: Number(values['disk-mib']), filled: full, alive_when_full: alive, health_when_full: health, ...loop.counts(), peak_rss_mib: Math.round(peak / 1024), ...(await verify(dbFile, loop.acknowledged)) };
  } finally {
    execFileSync('umount', [mount]);
    rmSync(mount, { recursive: true, force: true });
  }
}

const kill = ONLY.has('kill') ? await killCampaign() : null;
if (kill) process.stdout.write(`kill -9 under ingest: ${JSON.stringify(kill)}\n`);
const disk = ONLY.has('disk') ? await diskFullCampaign() : null;
if (disk) process.stdout.write(`disk full under ingest: ${JSON.stringify(disk)}\n`);
const ok =
  (!kill || (kill.lost === 0 && kill.integrity === 'ok' && kill.installs === kill.recount)) &&
  (!disk || !('lost' in disk) || (disk.lost === 0 && disk.integrity === 'ok' && disk.installs === disk.recount));
process.exit(ok ? 0 : 1);
