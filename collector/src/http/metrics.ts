// Prometheus metrics at GET /metrics (prom-client): inventories accepted and refused by reason, ingest
// latency, agents seen, the database's size and request latency by route. One registry per collector
// (not prom-client's global one), so that two collectors in one process keep their own counts.
import type { Context, MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { rows, sql, value, type Db } from '../store/db.ts';
import { databaseBytes } from '../store/dialect.ts';

/** Paths where agents report: their answers count as inventories accepted or refused. */
const REPORT_PATHS: Record<string, string> = {
  '/api/v1/inventories': 'tiebreak',
  '/api/v1/inventories/unchanged': 'tiebreak-unchanged',
  '/ocsinventory': 'ocs',
  '/ocsinventory/': 'ocs',
  '/glpi': 'glpi',
  '/glpi/': 'glpi',
};

/** Why an agent's report was refused, from the status of the answer (each status has one cause here). */
export function refusalReason(status: number): string {
  switch (status) {
    case 400:
      return 'invalid';
    case 401:
      return 'unauthenticated';
    case 403:
      return 'wrong-host';
    case 408:
      return 'timeout';
    case 409:
      return 'unchanged-unknown';
    case 413:
      return 'too-large';
    case 415:
      return 'unsupported-format';
    case 429:
      return 'rate-limited';
    case 499:
      return 'client-aborted';
    case 503:
      return 'awaiting-approval';
    case 507:
      return 'disk-full';
    default:
      return status >= 500 ? 'server-error' : `http-${status}`;
  }
}

export class Metrics {
  readonly registry = new Registry();
  private readonly inventories: Counter<'result' | 'reason' | 'endpoint'>;
  private readonly ingestSeconds: Histogram;
  private readonly requestSeconds: Histogram<'method' | 'route' | 'status'>;

  constructor(db: Db) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.inventories = new Counter({
      name: 'tiebreak_inventories_total',
      help: 'Inventories received from agents: accepted (stored, replay of one already stored, unchanged) or refused, by reason',
      labelNames: ['result', 'reason', 'endpoint'],
      registers,
    });
    this.ingestSeconds = new Histogram({
      name: 'tiebreak_ingest_duration_seconds',
      help: 'Time from an inventory queued for ingest to its commit (classification and storage)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.requestSeconds = new Histogram({
      name: 'tiebreak_http_request_duration_seconds',
      help: 'HTTP requests by method, route (as registered) and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    const seen = async (days: number) =>
      (await value<number>(
        db,
        sql`SELECT count(*) FROM agents WHERE revoked_at IS NULL AND last_seen_at >= ${new Date(Date.now() - days * 86_400_000).toISOString()}`,
      ))!;
    new Gauge({
      name: 'tiebreak_agents_seen',
      help: 'Agents in force (not revoked) that reported within the window',
      labelNames: ['within'],
      registers,
      async collect() {
        this.set({ within: '1d' }, await seen(1));
        this.set({ within: '7d' }, await seen(7));
        this.set({ within: '30d' }, await seen(30));
      },
    });
    new Gauge({
      name: 'tiebreak_agents',
      help: 'Enrolled agents by state',
      labelNames: ['state'],
      registers,
      async collect() {
        const states = await rows<{ state: string; n: number }>(
          db,
          sql`SELECT CASE WHEN approval = 'pending' THEN 'pending' WHEN revoked_at IS NOT NULL THEN 'revoked' ELSE 'active' END AS state, count(*) AS n FROM agents GROUP BY 1`,
        );
        for (const state of ['active', 'pending', 'revoked']) this.set({ state }, states.find((r) => r.state === state)?.n ?? 0);
      },
    });
    new Gauge({
      name: 'tiebreak_database_bytes',
      help: 'Size of the database: the SQLite file with its write-ahead log, or the PostgreSQL database',
      registers,
      async collect() {
        this.set(await databaseBytes(db));
      },
    });
    new Gauge({
      name: 'tiebreak_hosts',
      help: 'Hosts in the inventory',
      registers,
      async collect() {
        this.set((await value<number>(db, sql`SELECT count(*) FROM hosts`))!);
      },
    });
  }

  /** An inventory went through the ingest queue (see IngestQueue). */
  ingested(seconds: number, replay: boolean, endpoint: string): void {
    this.ingestSeconds.observe(seconds);
    this.inventories.inc({ result: 'accepted', reason: replay ? 'replay' : 'stored', endpoint });
  }

  /** Times every request, and counts the agents' reports refused (or accepted as unchanged). */
  middleware(): MiddlewareHandler {
    return async (c: Context, next) => {
      const start = performance.now();
      try {
        await next();
      } finally {
        const status = c.res.status;
        const path = routePath(c);
        const route = !path || path === '*' || path.endsWith('/*') ? (status === 404 ? 'not-found' : 'refused-before-routing') : path;
        this.requestSeconds.observe({ method: c.req.method, route, status: String(status) }, (performance.now() - start) / 1000);
        const endpoint = c.req.method === 'POST' ? REPORT_PATHS[c.req.path] : undefined;
        if (endpoint && status >= 400) this.inventories.inc({ result: 'refused', reason: refusalReason(status), endpoint });
        else if (endpoint === 'tiebreak-unchanged' && status === 200) this.inventories.inc({ result: 'accepted', reason: 'unchanged', endpoint });
      }
    };
  }
}
