// Wiring: database, rules, classifier, ingestor and HTTP app for one collector instance.
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { BlockList, Socket } from 'node:net';
import type { Server } from 'node:http';
import { serve, type ServerType } from '@hono/node-server';
import pino, { type Logger } from 'pino';
import { Classifier } from './classify/classifier.ts';
import { DEFAULT_RULES_DIR, RulesError, loadRuleTrees, type RuleSet } from './classify/load-rules.ts';
import { classifierWithLocalRules } from './classify/local-rules.ts';
import type { DirectoryConfig } from './accounts/directory-config.ts';
import { createApp } from './http/app.tsx';
import { isTrusted } from './http/auth.ts';
import { Ingestor } from './ingest/ingest.ts';
import { computeAssessment } from './assessment/compute.ts';
import { recordSnapshot } from './assessment/history.ts';
import { DelayedTask } from './delayed-task.ts';
import { closeDatabase, engineOf, getMeta, openDatabase, type Db } from './store/db.ts';

export { shownLocation } from './store/db.ts';
import { RULES_META_KEY } from './store/facets.ts';
import { onceAcrossProcesses } from './store/dialect.ts';

export interface CollectorOptions {
  /** The database: an SQLite file, ':memory:', or a postgres:// URL. */
  dbFile: string;
  rulesDirs?: string[];
  log?: Logger;
  /** A cron schedule sent to every agent in its answers. */
  agentSchedule?: string;
  /** How long after new data the day's assessment snapshot is taken (default 5 s). */
  snapshotDelayMs?: number;
  /** The proxies whose X-Forwarded-For is believed (serve --trust-proxy). */
  trustProxy?: BlockList | null;
  /** How users log in (accounts/directory-config.ts); local accounts only without it. */
  directory?: DirectoryConfig;
  /** Accept and aggregate other collectors' publications (serve --observatory). */
  observatory?: boolean;
  /** Hears the progress of the reclassification that new rules bring at opening (a command's --progress). */
  onReclassifyProgress?: (done: number, total: number) => void;
}

export interface Collector {
  db: Db;
  classifier: Classifier;
  ingestor: Ingestor;
  app: ReturnType<typeof createApp>;
  log: Logger;
  /** The rule files as loaded, before the local rules decided in the web interface. */
  baseRules: RuleSet;
  /** Rebuild the classifier with the current local rules and reclassify the catalogue: the map follows at once. */
  applyLocalRules(): Promise<number>;
  /** Compute the assessment and keep it as today's snapshot (the trajectory). */
  takeSnapshot(): Promise<void>;
  /** Takes the snapshot a moment after new data arrives. */
  snapshots: DelayedTask;
  /** New data arrived: what is derived from the installations, and the snapshot, follow a moment later. */
  dataChanged(): void;
  /**
   * Take the rules another process sharing the database classified the catalogue with (a local
   * rule decided through it): true when this one's classifier changed. Done every few seconds on
   * PostgreSQL, where several processes may serve one database.
   */
  followRules(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Advisory lock ids of the jobs done once across the processes that share a PostgreSQL database
 * (store/db.ts's MIGRATION_LOCK is 7_303_001).
 */
export const JOB_LOCKS = { snapshot: 7_303_002, reclassify: 7_303_003, auditPrune: 7_303_004 } as const;

/** How often a collector on PostgreSQL looks for rules changed by another process. */
export const FOLLOW_RULES_MS = 3_000;

/** Load rules from the shipped tree then any local trees; invalid rules stop here with the reasons. */
export function loadClassifier(rulesDirs: string[] = [DEFAULT_RULES_DIR]): Classifier {
  return new Classifier(loadRules(rulesDirs));
}

export function loadRules(rulesDirs: string[] = [DEFAULT_RULES_DIR]): RuleSet {
  const rules = loadRuleTrees(rulesDirs);
  if (rules.problems.length) throw new RulesError(rules.problems);
  return rules;
}

export async function createCollector(options: CollectorOptions): Promise<Collector> {
  const log = options.log ?? pino({ level: process.env.TIEBREAK_LOG_LEVEL ?? 'info' });
  const baseRules = loadRules(options.rulesDirs);
  const db = await openDatabase(options.dbFile);
  let classifier: Classifier;
  let ingestor: Ingestor;
  let changed: number | null | undefined;
  try {
    classifier = await classifierWithLocalRules(baseRules, db);
    ingestor = new Ingestor(db, classifier);
    // Collectors starting together on one database: one reclassifies, the others find it done.
    changed = await onceAcrossProcesses(db, JOB_LOCKS.reclassify, () => ingestor.reclassifyIfRulesChanged(options.onReclassifyProgress));
  } catch (error) {
    await closeDatabase(db);
    throw error;
  }
  let closing = false;
  const takeSnapshot = async () => {
    try {
      // The day's snapshot is taken by one process at a time. One that finds another taking it
      // tries again a moment later: that run may have read the database before this one's data.
      const taken = await onceAcrossProcesses(db, JOB_LOCKS.snapshot, async (trx) => {
        await recordSnapshot(trx, await computeAssessment(trx, collector.classifier));
        return true;
      });
      if (!taken && !closing) snapshots.schedule();
    } catch (error) {
      log.error({ err: error }, 'assessment snapshot failed');
    }
  };
  const snapshots = new DelayedTask(takeSnapshot, options.snapshotDelayMs ?? 5_000);
  const dataChanged = () => snapshots.schedule();
  if (changed !== null && changed !== undefined) log.info({ changed, rules: classifier.fingerprint }, 'catalogue reclassified with the current rules');
  const followRules = async () => {
    const stored = await getMeta(db, RULES_META_KEY);
    if (stored === undefined || stored === collector.classifier.fingerprint) return false;
    const next = await classifierWithLocalRules(baseRules, db);
    // Another process is midway through a change (or runs other rule files): not these rules yet.
    if (next.fingerprint !== stored) return false;
    collector.classifier = next;
    // The catalogue is classified so already: this only gives the ingestor the rules (and fixes an
    // entry this process added meanwhile with the rules of before).
    await ingestor.reclassify(next);
    log.info({ rules: next.fingerprint }, 'rules changed by another process taken');
    return true;
  };
  // One look at a time; close waits for the one under way.
  let looking: Promise<boolean> | null = null;
  const followOnce = () => (looking ??= followRules().finally(() => (looking = null)));
  const following =
    engineOf(db) === 'postgres'
      ? setInterval(() => {
          followOnce().catch((error: unknown) => log.error({ err: error }, 'cannot follow the rules of the other processes'));
        }, FOLLOW_RULES_MS).unref()
      : null;
  const collector: Collector = {
    db,
    classifier,
    ingestor,
    log,
    baseRules,
    followRules: followOnce,
    applyLocalRules: async () => {
      collector.classifier = await classifierWithLocalRules(baseRules, db);
      const reclassified = await ingestor.reclassify(collector.classifier);
      snapshots.schedule();
      return reclassified;
    },
    takeSnapshot,
    snapshots,
    dataChanged,
    app: createApp({
      db,
      ingestor,
      classifier: () => collector.classifier,
      log,
      agentSchedule: options.agentSchedule,
      trustProxy: options.trustProxy,
      directory: options.directory,
      observatory: options.observatory,
      rules: () => collector.baseRules,
      applyLocalRules: () => collector.applyLocalRules(),
      dataChanged,
    }),
    close: async () => {
      closing = true;
      if (following) clearInterval(following);
      await looking?.catch(() => false);
      await snapshots.flush();
      await closeDatabase(db);
    },
  };
  return collector;
}

export interface TlsFiles {
  cert: string;
  key: string;
}

/**
 * What one server accepts at once, and how long a request may take. A client that opens many
 * connections (or sends its headers or body a byte at a time) holds only its own share: the
 * health check and the agents keep being answered.
 */
export interface ServerLimits {
  /** Connections open at once; past that new ones are closed at once. */
  maxConnections: number;
  /** Connections open at once from one address (trusted proxies are counted in the total only). */
  maxConnectionsPerAddress: number;
  /** Time to receive a request's headers. */
  headersTimeoutMs: number;
  /** Time to receive a whole request, body included. */
  requestTimeoutMs: number;
  /** How long an idle kept-alive connection stays open. */
  keepAliveTimeoutMs: number;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  maxConnections: 1000,
  maxConnectionsPerAddress: 64,
  headersTimeoutMs: 15_000,
  requestTimeoutMs: 120_000,
  keepAliveTimeoutMs: 5_000,
};

/** Apply the limits to a listening Node server. */
export function limitServer(server: Server, limits: ServerLimits, trustProxy: BlockList | null = null): void {
  server.maxConnections = limits.maxConnections;
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  // Expired requests are looked for this often (Node's default is 30 s, too coarse for short limits).
  (server as Server & { connectionsCheckingInterval?: number }).connectionsCheckingInterval = Math.min(30_000, Math.max(250, limits.headersTimeoutMs / 4));
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    if (trustProxy && isTrusted(trustProxy, address)) return;
    const count = (open.get(address) ?? 0) + 1;
    if (count > limits.maxConnectionsPerAddress) return void socket.destroy();
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
}

/** Listen over HTTP, or HTTPS when a certificate and its key are given. */
export function listen(
  collector: Collector,
  port: number,
  hostname: string,
  tls?: TlsFiles,
  limits: ServerLimits = DEFAULT_SERVER_LIMITS,
  trustProxy: BlockList | null = null,
): Promise<{ server: ServerType; port: number }> {
  return new Promise((resolve, reject) => {
    const https = tls ? { createServer: createHttpsServer, serverOptions: { cert: readFileSync(tls.cert), key: readFileSync(tls.key) } } : {};
    const server = serve({ fetch: collector.app.fetch, port, hostname, ...https }, (info) => resolve({ server, port: info.port }));
    limitServer(server as Server, limits, trustProxy);
    server.once('error', reject);
  });
}
