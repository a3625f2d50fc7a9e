// The endpoints that GLPI Agent, FusionInventory Agent and OCS Inventory agents already deployed
// talk to: /ocsinventory (their default path) and /glpi. Authentication is HTTP Basic with any user
// name and a tiebreak enrolment token as password, challenged the way those agents expect.
import type { BlockList } from 'node:net';
import { Hono, type Context } from 'hono';
import { clientAddress } from '../http/auth.ts';
import type { Logger } from 'pino';
import { deflateSync, gzipSync } from 'node:zlib';
import { BodyError, DEFAULT_BODY_LIMITS, readLimited, type BodyLimits } from '../http/body.ts';
import type { IngestQueue } from '../ingest/queue.ts';
import type { Db } from '../store/db.ts';
import { checkEnrolmentToken, enrolPeerAgent, type TokenCheck } from '../store/tokens.ts';
import type { Compression } from './decode.ts';
import { inventoryReply, prologReply } from './ocs-xml.ts';
import type { PeerReport } from './peer-inventory.ts';
import { reportDecoders, type ReportDecoders } from './report-decoders.ts';

export interface PeerRoutesContext {
  db: Db;
  queue: IngestQueue;
  log: Logger;
  bodyLimits?: BodyLimits;
  /** The worker threads that decode reports (the process's own by default). */
  decoders?: ReportDecoders;
  /** Proxies whose X-Forwarded-For gives the agent's address (for the entities' subnet rules). */
  trustProxy?: BlockList | null;
}

// The realm of the Basic challenge. GLPI Agent answers only a challenge that names a realm; the OCS
// agent answers with the credentials LWP stores for its configured realm, empty by default, so it
// is challenged with an empty realm (it names itself "OCS-NG_…" in its User-Agent); FusionInventory
// takes whatever realm the challenge names.
export const BASIC_REALM = 'tiebreak';
export function basicRealm(userAgent: string | undefined): string {
  return /^OCS-NG/i.test(userAgent ?? '') ? '' : BASIC_REALM;
}
/** How often, in hours, the agents are told to come back (PROLOG_FREQ, expiration). */
export const PEER_REPORT_HOURS = 24;

/**
 * The passwords an HTTP Basic header may carry. The OCS agent base64-decodes the password it was
 * given before sending it, so the decoded bytes are also tried encoded back: a token of letters and
 * digits whose length is a multiple of 4 comes out whole. The user name is ignored (and, decoded
 * the same way, may itself contain a colon: every split is tried).
 */
export function basicPasswords(header: string | undefined): string[] | null {
  const match = /^Basic\s+([A-Za-z0-9+/=]{1,1024})\s*$/i.exec(header ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64');
  const candidates = new Set<string>();
  for (let i = decoded.indexOf(0x3a), n = 0; i >= 0 && n < 8; i = decoded.indexOf(0x3a, i + 1), n++) {
    const password = decoded.subarray(i + 1);
    candidates.add(password.toString('utf8'));
    if (password.length % 3 === 0) candidates.add(password.toString('base64'));
  }
  return [...candidates];
}

/** An answer in the compression the agent used for its request: the agents inflate what they sent. */
function encode(body: string, compression: Compression): { data: Uint8Array; type: string } {
  if (compression === 'zlib') return { data: deflateSync(body), type: 'application/x-compress-zlib' };
  if (compression === 'gzip') return { data: gzipSync(body), type: 'application/x-compress-gzip' };
  return { data: Buffer.from(body), type: body.startsWith('{') ? 'application/json' : 'application/xml' };
}

/**
 * The answer to GLPI Agent's contact, as a GLPI server gives it: come back in PEER_REPORT_HOURS
 * (a number is hours), and the inventory task is served by a server of the GLPI protocol, so the
 * agent sends its inventories, full and partial, as JSON.
 */
export function contactReply(): string {
  return JSON.stringify({ status: 'ok', expiration: PEER_REPORT_HOURS, tasks: { inventory: { server: 'glpi' } } });
}

export function peerAgentRoutes(ctx: PeerRoutesContext): Hono {
  const app = new Hono();
  const limits = ctx.bodyLimits ?? DEFAULT_BODY_LIMITS;

  const error = (c: Context, status: BodyError['status'] | 400 | 401 | 403 | 413 | 415 | 503, message: string) => {
    const headers: Record<string, string> = status === 401 ? { 'WWW-Authenticate': `Basic realm="${basicRealm(c.req.header('user-agent'))}"` } : {};
    // GLPI Agent reads {status, message}; the others log the status line; people read "error".
    return c.json({ status: 'error', message, error: message }, status, headers);
  };

  const handle = (accept: readonly PeerReport['protocol'][]) => async (c: Context) => {
    const passwords = basicPasswords(c.req.header('authorization'));
    if (!passwords) return error(c, 401, 'authentication required: HTTP Basic, any user name, an enrolment token as password');
    const checks: TokenCheck[] = [];
    for (const password of passwords) checks.push(await checkEnrolmentToken(ctx.db, password, new Date(), { ignoreUses: true }));
    const token = checks.find((check) => check.ok) ?? checks[0] ?? { ok: false as const, reason: 'unknown or revoked token' };
    if (!token.ok) return error(c, 401, token.reason);

    let raw: Buffer;
    try {
      raw = await readLimited(c.req.raw, limits.maxCompressed);
    } catch (e) {
      if (e instanceof BodyError) return error(c, e.status, e.message);
      throw e;
    }
    // Inflated, parsed and mapped in a worker thread: the event loop stays free meanwhile.
    const decoded = await (ctx.decoders ?? reportDecoders).decode({
      raw,
      json: accept.includes('glpi-json'),
      agent: c.req.header('user-agent') ?? null,
      limits,
    });
    if (!decoded.ok) {
      if (decoded.status === 500) throw new Error(`decoding a peer report failed: ${decoded.message}`);
      return error(c, decoded.status, decoded.message);
    }
    const { compression, inventory, protocol, query, deviceid } = decoded;

    const reply = (body: string) => {
      const { data, type } = encode(body, compression);
      return c.body(data as Uint8Array<ArrayBuffer>, 200, { 'Content-Type': type });
    };
    const json = protocol === 'glpi-json';
    // GLPI Agent sends its first PROLOG with its GLPI-Agent-ID: a GLPI server answers it as a
    // contact, and the agent then speaks JSON. Other agents get the XML answer.
    const glpiAgent = json || (accept.includes('glpi-json') && c.req.header('glpi-agent-id') !== undefined);
    if (query === 'prolog' || query === 'contact') return reply(glpiAgent ? contactReply() : prologReply(PEER_REPORT_HOURS));
    if (query !== 'inventory')
      return error(
        c,
        400,
        `unsupported ${json ? 'action' : 'QUERY'} "${query}": only ${json ? 'contact, inventory and netinventory' : 'PROLOG and INVENTORY'} are served`,
      );

    if (!inventory) throw new Error('an inventory report decoded without its inventory');
    const enrolment = await enrolPeerAgent(
      ctx.db,
      token.id,
      protocol,
      { id: inventory.host.id, hostname: inventory.host.hostname },
      deviceid,
      inventory.agent.version,
    );
    if (!enrolment.ok) return error(c, enrolment.status, enrolment.reason);
    // The address is the machine's own only when it sends its own inventory (not a device it scanned).
    const origin = { tokenId: token.id, address: inventory.device ? null : clientAddress(c, ctx.trustProxy ?? null) };
    const result = await ctx.queue.submit(inventory, c.req.path.startsWith('/glpi') ? 'glpi' : 'ocs', undefined, origin);
    ctx.log.info(
      {
        host_id: result.host_id,
        agent_id: enrolment.agentId,
        protocol,
        agent: inventory.agent.name,
        items: result.items,
        replay: result.replay,
        hostname: inventory.host.hostname,
        partial: inventory.partial ?? null,
        role: inventory.device?.role ?? null,
      },
      'peer inventory ingested',
    );
    return reply(json ? JSON.stringify({ status: 'ok', expiration: PEER_REPORT_HOURS }) : inventoryReply());
  };

  for (const path of ['/ocsinventory', '/ocsinventory/']) app.post(path, handle(['ocs-xml']));
  for (const path of ['/glpi', '/glpi/']) app.post(path, handle(['ocs-xml', 'glpi-json']));
  return app;
}
