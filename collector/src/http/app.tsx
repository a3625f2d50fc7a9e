// The collector's HTTP interface: agent endpoints, the JSON API and the DSI's pages.
import { EnrolRequestSchema, InventorySchema, SPOOL_HEADER, UnchangedReportSchema, describeIssues, parseSpoolHeader } from '@tiebreak/shared';
import { Hono, type Context } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import type { ZodError } from 'zod';
import type { BlockList } from 'node:net';
import type { Logger } from 'pino';
import type { Classifier } from '../classify/classifier.ts';
import { MIN_CONFIDENCES, isMinConfidence } from '../classify/evidence.ts';
import { isComputerHost, type Ingestor } from '../ingest/ingest.ts';
import { IngestQueue } from '../ingest/queue.ts';
import { cachedMap } from '../assessment/cached.ts';
import { scopeOf } from '../entities/entities.ts';
import { computeScopedMap } from '../entities/scoped-map.ts';
import { sql, type Db } from '../store/db.ts';
import { isStorageFull } from '../store/dialect.ts';
import { domainErrorOf } from '../errors.ts';
import { AWAITING_APPROVAL, checkEnrolmentToken, enrolAgent, touchAgent, verifyAgentCredential, type AgentIdentity } from '../store/tokens.ts';
import { peerAgentRoutes } from '../protocols/routes.ts';
import type { RuleSet } from '../classify/load-rules.ts';
import { uiRoutes } from '../ui/routes.tsx';
import { directoryRoutes } from '../ui/directory-routes.tsx';
import type { DirectoryConfig } from '../accounts/directory-config.ts';
import { assessmentApi } from '../assessment/routes.ts';
import { apiLists } from '../api/lists.ts';
import { DOCUMENT_LIMITS, federationRoutes } from '../federation/routes.tsx';
import { bearer, clientAddress, requireLogin, type AuthVariables } from './auth.ts';
import { openApiDocument } from './openapi.ts';
import { Metrics } from './metrics.ts';
import { BodyError, DEFAULT_BODY_LIMITS, limitRequestBody, parseJson, readBody, type BodyLimits } from './body.ts';
import { pageContextOf } from '../ui/layout.tsx';
import { ErrorPage } from '../ui/pages.tsx';
import { errorText } from '../ui/routes/forms.ts';

export interface AppContext {
  db: Db;
  ingestor: Ingestor;
  classifier: () => Classifier;
  log: Logger;
  bodyLimits?: BodyLimits;
  /** A cron schedule every agent should follow, sent in each answer (serve --agent-schedule). */
  agentSchedule?: string;
  /** The rule files as loaded (categories, countries, alternatives), before the local rules. */
  rules: () => RuleSet;
  /** Rebuild the classifier with the local rules and reclassify: the map follows at once. */
  applyLocalRules: () => Promise<number>;
  /** New data was stored: the assessment's snapshot of the day is taken again. */
  dataChanged?: () => void;
  /** The proxies whose X-Forwarded-For is believed (serve --trust-proxy); none by default. */
  trustProxy?: BlockList | null;
  /** How users log in: local accounts, LDAP, OpenID Connect; local accounts only without it. */
  directory?: DirectoryConfig;
  /** serve --observatory: accept and aggregate other collectors' publications. */
  observatory?: boolean;
}

const MAX_REPORTED_ISSUES = 50;

const KiB = 1024;
const MiB = 1024 * KiB;
/** Paths of the agents' reports: authenticated by a credential or token, read within BodyLimits. */
const AGENT_REPORTS = /^\/(api\/v1\/inventories(\/unchanged)?|ocsinventory\/?|glpi\/?)$/;

/**
 * How many bytes a request to this path may send, decided before anything is read. What anyone may
 * send unauthenticated (the login form, an enrolment) is a few KiB; an admin's forms are small but
 * for the spend CSV; agents' reports have the collector's body limits.
 */
export function requestBodyLimit(path: string, limits: BodyLimits): number {
  if (path === '/login') return 8 * KiB;
  if (path === '/api/v1/enrol') return 16 * KiB;
  if (AGENT_REPORTS.test(path)) return limits.maxCompressed;
  if (path === '/assessment/spend' || path === '/api/v1/assessment/spend') return 8 * MiB + 64 * KiB;
  if (path === '/api/v1/observatory/documents') return DOCUMENT_LIMITS.maxCompressed;
  return 64 * KiB;
}

/** The largest refused body still drained rather than cut (see onError). */
const DRAINED_BODY_MAX = 64 * 1024 * 1024;

export function createApp(ctx: AppContext): Hono<{ Variables: AuthVariables }> {
  const app = new Hono<{ Variables: AuthVariables }>();
  const dataChanged = ctx.dataChanged ?? (() => {});
  const metrics = new Metrics(ctx.db);
  const queue = new IngestQueue(ctx.ingestor, undefined, dataChanged, (seconds, result, source) => metrics.ingested(seconds, result.replay, source));
  // First: it times each request whole, whatever answers it.
  app.use('*', metrics.middleware());

  app.use(
    '*',
    secureHeaders({
      // same-origin, not no-referrer: with no-referrer Chromium sends `Origin: null` on form posts and
      // then withholds the SameSite=Strict cookies, so no form of the interface would work.
      referrerPolicy: 'same-origin',
      xFrameOptions: 'DENY',
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        // The logout of an OpenID session is a form post answered with a redirect to the provider,
        // which the browser checks against form-action too.
        formAction: ["'self'", ...(ctx.directory?.oidc ? [new URL(ctx.directory.oidc.issuer).origin] : [])],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
      },
      // Sent over HTTPS only (below): a plain-HTTP collector on a LAN must not pin HTTPS on its name.
      strictTransportSecurity: false,
    }),
  );
  app.use('*', async (c, next) => {
    await next();
    if (new URL(c.req.url).protocol === 'https:') c.header('Strict-Transport-Security', 'max-age=31536000');
    if (!c.res.headers.has('Cache-Control')) c.header('Cache-Control', 'no-store');
  });
  // The body's limit first: nothing later (login, CSRF form field, a route) reads more than that.
  app.use('*', async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD')
      c.req.raw = limitRequestBody(c.req.raw, requestBodyLimit(c.req.path, ctx.bodyLimits ?? DEFAULT_BODY_LIMITS));
    return next();
  });
  // Every route but health, login, assets and the agents' endpoints needs a logged-in user.
  app.use('*', requireLogin(ctx.db));

  app.get('/healthz', async (c) => {
    await sql`SELECT 1`.execute(ctx.db);
    return c.json({ status: 'ok' });
  });

  /** The body as JSON within the size limits, or the answer to send instead. */
  const readJson = async (c: Context): Promise<{ json: unknown } | { response: Response }> => {
    let text: string;
    try {
      text = await readBody(c.req.raw, ctx.bodyLimits ?? DEFAULT_BODY_LIMITS);
    } catch (error) {
      if (error instanceof BodyError) return { response: c.json({ error: error.message }, error.status) };
      throw error;
    }
    try {
      return { json: parseJson(text) };
    } catch (error) {
      return { response: c.json({ error: `body is not valid JSON: ${(error as Error).message}` }, 400) };
    }
  };
  const invalid = (c: Context, what: string, error: ZodError) => {
    const issues = describeIssues(error);
    const named = issues
      .slice(0, 5)
      .map((i) => `${i.path}: ${i.message}`)
      .join('; ');
    return c.json({ error: `invalid ${what}: ${named}${issues.length > 5 ? '; ...' : ''}`, issues: issues.slice(0, MAX_REPORTED_ISSUES) }, 400);
  };
  const unauthorized = (c: Context, error: string) => c.json({ error }, 401, { 'WWW-Authenticate': 'Bearer error="invalid_token"' });

  // First contact: an enrolment token buys a credential for this agent, bound to its host id.
  app.post('/api/v1/enrol', async (c) => {
    const token = bearer(c.req.header('authorization'));
    if (!token) return c.json({ error: 'missing credentials: send Authorization: Bearer <enrolment token>' }, 401, { 'WWW-Authenticate': 'Bearer' });
    const check = await checkEnrolmentToken(ctx.db, token);
    if (!check.ok) return unauthorized(c, check.reason);
    const body = await readJson(c);
    if ('response' in body) return body.response;
    const parsed = EnrolRequestSchema.safeParse(body.json);
    if (!parsed.success) return invalid(c, 'enrolment request', parsed.error);
    // The token's use is counted here, with the credential: not when it was checked above.
    const enrolment = await enrolAgent(ctx.db, check.id, { id: parsed.data.host_id, hostname: parsed.data.hostname }, parsed.data.agent_version ?? null);
    if (!enrolment.ok) return unauthorized(c, enrolment.reason);
    const { agentId, credential, pending } = enrolment;
    if (pending) {
      ctx.log.warn(
        { agent_id: agentId, hostname: parsed.data.hostname, host_id: parsed.data.host_id },
        'agent enrolled for a host that already has one: awaiting approval',
      );
      return c.json({ agent_id: agentId, credential, status: 'pending-approval', message: AWAITING_APPROVAL }, 202);
    }
    ctx.log.info({ agent_id: agentId, hostname: parsed.data.hostname }, 'agent enrolled');
    return c.json({ agent_id: agentId, credential }, 201);
  });

  /** The agent behind an agent credential, or the 401 to answer. */
  const authenticate = async (c: Context): Promise<{ agent: AgentIdentity } | { response: Response }> => {
    const credential = bearer(c.req.header('authorization'));
    if (!credential)
      return { response: c.json({ error: 'missing credentials: send Authorization: Bearer <agent credential>' }, 401, { 'WWW-Authenticate': 'Bearer' }) };
    const agent = await verifyAgentCredential(ctx.db, credential);
    // Kept by the agent and sent again later (a 503 is retried): nothing is lost meanwhile.
    if (agent?.approval === 'pending') return { response: c.json({ error: AWAITING_APPROVAL }, 503, { 'Retry-After': '3600' }) };
    if (agent) return { agent };
    return {
      response: unauthorized(
        c,
        credential.startsWith('tbk')
          ? 'an enrolment token only enrols: POST /api/v1/enrol first, then send with the agent credential'
          : 'unknown or revoked agent credential',
      ),
    };
  };
  /** What every answer to an agent carries: the schedule it should follow, when the collector sets one. */
  const directives = ctx.agentSchedule ? { schedule: ctx.agentSchedule } : {};

  // Delta: an agent whose content hash did not change reports that instead of its inventory.
  app.post('/api/v1/inventories/unchanged', async (c) => {
    const auth = await authenticate(c);
    if ('response' in auth) return auth.response;
    const body = await readJson(c);
    if ('response' in body) return body.response;
    const parsed = UnchangedReportSchema.safeParse(body.json);
    if (!parsed.success) return invalid(c, 'report', parsed.error);
    if (parsed.data.host_id !== auth.agent.host_key) return c.json({ error: 'this agent credential belongs to another host' }, 403);
    const result = await ctx.ingestor.acceptUnchanged(parsed.data, new Date(), {
      tokenId: auth.agent.token_id,
      address: clientAddress(c, ctx.trustProxy ?? null),
    });
    await touchAgent(ctx.db, auth.agent.id, null, parseSpoolHeader(c.req.header(SPOOL_HEADER)));
    if (!result.accepted) return c.json({ status: 'send-full', ...directives }, 409);
    return c.json({ status: 'unchanged', host_id: result.host_id, ...directives }, 200);
  });

  // bench/storage.ts only: the same requests answered without being stored, to show the storage's
  // share of an inventory's cost. Never set on a real collector: it acknowledges and drops.
  const discardInventories = process.env.TIEBREAK_BENCH_DISCARD_INVENTORIES === '1';
  if (discardInventories) ctx.log.error('TIEBREAK_BENCH_DISCARD_INVENTORIES=1: inventories are validated then DROPPED (benchmark mode)');
  app.post('/api/v1/inventories', async (c) => {
    const auth = await authenticate(c);
    if ('response' in auth) return auth.response;
    const { agent } = auth;
    const body = await readJson(c);
    if ('response' in body) return body.response;
    const parsed = InventorySchema.safeParse(body.json);
    if (!parsed.success) return invalid(c, 'inventory', parsed.error);
    // A host writes only its own inventory, and the network devices its scan found (never a computer's).
    if (parsed.data.host.id !== agent.host_key && (!parsed.data.device || (await isComputerHost(ctx.db, parsed.data.host.id)))) {
      return c.json({ error: 'this agent credential belongs to another host' }, 403);
    }
    if (discardInventories) return c.json({ status: 'discarded' }, 200);
    const spool = parseSpoolHeader(c.req.header(SPOOL_HEADER));
    // The agent marked as heard from in the inventory's own transaction: no commit of its own.
    // The address it came from says where the agent's own machine is (a subnet rule), not a device it scanned.
    const ownHost = parsed.data.host.id === agent.host_key && !parsed.data.device;
    const origin = { tokenId: agent.token_id, address: ownHost ? clientAddress(c, ctx.trustProxy ?? null) : null };
    const result = await queue.submit(parsed.data, 'tiebreak', (trx) => touchAgent(trx, agent.id, parsed.data.agent.version, spool), origin);
    ctx.log.info(
      { host_id: result.host_id, agent_id: agent.id, items: result.items, replay: result.replay, hostname: parsed.data.host.hostname },
      'inventory ingested',
    );
    return c.json({ status: result.replay ? 'already-received' : 'accepted', ...result, ...directives }, 200);
  });

  // GLPI Agent, FusionInventory and OCS Inventory agents already deployed report here.
  app.route('/', peerAgentRoutes({ db: ctx.db, queue, log: ctx.log, bodyLimits: ctx.bodyLimits, trustProxy: ctx.trustProxy }));

  app.get('/api/v1/openapi.json', (c) => c.json(openApiDocument()));
  // Prometheus: an API token (viewer or admin) or a logged-in user (see http/auth.ts).
  app.get('/metrics', async (c) => c.body(await metrics.registry.metrics(), 200, { 'Content-Type': metrics.registry.contentType }));

  app.get('/api/v1/map', async (c) => {
    const limit = Math.min(Math.max(Number(c.req.query('unclassified_limit') ?? 500) || 500, 0), 10_000);
    const confidence = c.req.query('confidence') ?? 'all';
    if (confidence !== 'all' && !isMinConfidence(confidence))
      return c.json({ error: `confidence: expected one of ${[...MIN_CONFIDENCES, 'all'].join(', ')}, not '${confidence}'` }, 400);
    const options = { unclassifiedLimit: limit, confidence: confidence === 'all' ? undefined : confidence };
    // One entity's hosts (with its descendants unless entity_alone=true), or the root's: counted from their installations.
    const entity = c.req.query('entity');
    if (entity !== undefined && entity !== '') {
      const scope = await scopeOf(ctx.db, entity, c.req.query('entity_alone') === 'true');
      return c.json(await computeScopedMap(ctx.db, ctx.classifier(), scope, options));
    }
    return c.json(await cachedMap(ctx.db, ctx.classifier(), options));
  });

  app.route('/api/v1', apiLists({ db: ctx.db, classifier: ctx.classifier }));
  app.route('/api/v1/assessment', assessmentApi({ db: ctx.db, classifier: ctx.classifier, dataChanged, trustProxy: ctx.trustProxy }));
  if (ctx.directory?.oidc) app.route('/', directoryRoutes({ db: ctx.db, log: ctx.log, directory: ctx.directory, trustProxy: ctx.trustProxy }));
  app.route('/', federationRoutes({ db: ctx.db, classifier: ctx.classifier, observatory: ctx.observatory ?? false, trustProxy: ctx.trustProxy }));
  app.route(
    '/',
    uiRoutes({
      db: ctx.db,
      classifier: ctx.classifier,
      rules: ctx.rules,
      applyLocalRules: ctx.applyLocalRules,
      log: ctx.log,
      dataChanged,
      trustProxy: ctx.trustProxy,
      directory: ctx.directory,
    }),
  );

  // A browser asking for a page gets a page in its language; the API and the agents get JSON.
  const wantsPage = (c: Context) =>
    (c.req.method === 'GET' || c.req.method === 'HEAD') && !c.req.path.startsWith('/api/') && (c.req.header('accept') ?? '').includes('text/html');
  app.notFound((c) => {
    if (wantsPage(c)) {
      const page = pageContextOf(c);
      return c.html(<ErrorPage ctx={page} notFound message={page.t.errorPage.notFound} />, 404);
    }
    return c.json({ error: `not found: ${c.req.method} ${c.req.path}` }, 404);
  });
  app.onError((error, c) => {
    const tooLarge = error instanceof BodyError ? error : error.cause instanceof BodyError ? error.cause : null;
    // A body refused before it was read, of a declared size an agent may send by mistake, is drained
    // (read and discarded, memory flat) so that the client reads the answer instead of a broken pipe;
    // anything else is not read further: the connection closes after the answer.
    // GLPI Agent reads {status, message}; the others read "error".
    if (tooLarge) {
      const declared = Number(c.req.header('content-length'));
      const drained = Number.isFinite(declared) && declared <= DRAINED_BODY_MAX && !c.req.raw.bodyUsed;
      return c.json({ status: 'error', message: tooLarge.message, error: tooLarge.message }, tooLarge.status, drained ? {} : { Connection: 'close' });
    }
    // A client that went away mid-request (an agent stopped, a network cut) is no fault of ours:
    // one line at info level, no stack; nobody reads the answer.
    if (c.req.raw.signal.aborted) {
      ctx.log.info({ method: c.req.method, path: c.req.path, reason: error.message }, 'client aborted the request');
      return c.body(null, 499 as never);
    }
    // A full disk refuses the write (the transaction rolls back, nothing is acknowledged): the
    // agents keep their reports and send them again; no stack per request while it lasts.
    // (SQLite rolls the whole transaction back on a full disk, so the ingest's commit then finds none.)
    if (isStorageFull(error)) {
      ctx.log.error(
        { path: c.req.path, code: (error as { code?: string }).code, reason: error.message },
        'the database cannot write (disk full?): reports refused until there is room',
      );
      return c.json({ error: 'the collector cannot store anything now (disk full): try again later' }, 507, { 'Retry-After': '600' });
    }
    // What the domain refused (errors.ts): its status and English reason, for the API and scripts.
    const refused = domainErrorOf(error);
    if (refused && wantsPage(c)) {
      const page = pageContextOf(c);
      return c.html(<ErrorPage ctx={page} notFound={refused.kind === 'not_found'} message={errorText(page.lang, refused)} />, refused.status);
    }
    if (refused) return c.json({ error: refused.message, kind: refused.kind }, refused.status, refused.kind === 'busy' ? { 'Retry-After': '5' } : {});
    ctx.log.error({ err: error }, 'request failed');
    return c.json({ error: 'internal error' }, 500);
  });
  return app;
}
