// Delivery of one inventory to the collector: gzip-compressed JSON over HTTP(S) with undici.
import { gzipSync } from 'node:zlib';
import { SPOOL_HEADER, formatSpoolHeader, inventoryContentHash, type Inventory, type SpoolState } from '@tiebreak/shared';
import { AGENT_NAME, AGENT_VERSION } from './version.ts';

export interface SendOptions {
  server: string;
  /** The agent credential from enrolment. */
  credential: string;
  /** PEM certificates of a private CA that signs the collector's certificate. */
  ca?: string;
  timeoutMs?: number;
  /** The spool's state, sent in a header so that the collector shows agents with a backlog. */
  spool?: SpoolState;
}

export interface SendResult {
  status: number;
  body: unknown;
}

/** A refusal or an unreachable collector, with a message an operator can act on. */
export class SendError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly body: unknown = null,
  ) {
    super(message);
    this.name = 'SendError';
  }
}

export function apiUrl(server: string, path: string): URL {
  let base: URL;
  try {
    base = new URL(server);
  } catch {
    throw new SendError(`invalid server URL: ${server}`, null);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new SendError(`server URL must be http or https: ${server}`, null);
  return new URL(`${base.pathname.replace(/\/+$/, '')}/api/v1/${path}`, base);
}

/** POST JSON (gzip-compressed) with a bearer credential; a non-2xx answer becomes a SendError. */
export async function postJson(
  url: URL,
  payload: unknown,
  bearer: string,
  options: { ca?: string; timeoutMs?: number; spool?: SpoolState } = {},
): Promise<SendResult> {
  // Loaded on first use: a scan alone does not pay undici's memory.
  const { Agent, request } = await import('undici');
  const timeoutMs = options.timeoutMs ?? 60_000;
  // The collector's certificate is always verified; a private CA is trusted only when configured.
  const dispatcher = options.ca ? new Agent({ connect: { ca: options.ca } }) : undefined;
  let response: Awaited<ReturnType<typeof request>>;
  try {
    response = await request(url, {
      dispatcher,
      method: 'POST',
      body: gzipSync(JSON.stringify(payload)),
      headers: {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        authorization: `Bearer ${bearer}`,
        'user-agent': `${AGENT_NAME}/${AGENT_VERSION}`,
        ...(options.spool ? { [SPOOL_HEADER]: formatSpoolHeader(options.spool) } : {}),
      },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
  } catch (error) {
    throw new SendError(`cannot reach the collector at ${url.origin}: ${(error as Error).message}`, null);
  }
  const text = await response.body.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON (a proxy's error page): keep the text.
  }
  if (response.statusCode >= 200 && response.statusCode < 300) return { status: response.statusCode, body: parsed };
  const reason = typeof parsed === 'object' && parsed && 'error' in parsed ? String((parsed as { error: unknown }).error) : text.slice(0, 200);
  throw new SendError(
    `the collector refused the ${url.pathname.endsWith('/enrol') ? 'enrolment' : 'inventory'} (HTTP ${response.statusCode}): ${reason}`,
    response.statusCode,
    parsed,
  );
}

/**
 * Delta: first "unchanged since my last inventory?" with the content hash (a few hundred bytes);
 * the full inventory only when the collector answers 409 (it does not have this content).
 */
export async function sendInventory(inventory: Inventory, options: SendOptions): Promise<SendResult> {
  // A device's inventory is a few hundred bytes: no delta, and its host is not the agent's.
  if (inventory.device) return postJson(apiUrl(options.server, 'inventories'), inventory, options.credential, options);
  const report = {
    id: inventory.id,
    host_id: inventory.host.id,
    collected_at: inventory.collected_at,
    content_hash: inventory.content_hash ?? inventoryContentHash(inventory),
  };
  try {
    return await postJson(apiUrl(options.server, 'inventories/unchanged'), report, options.credential, options);
  } catch (error) {
    if (!(error instanceof SendError) || error.status !== 409) throw error;
  }
  return postJson(apiUrl(options.server, 'inventories'), inventory, options.credential, options);
}
