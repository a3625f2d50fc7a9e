// A peer agent's report from its bytes to an inventory: decompression, parse and mapping. One piece
// of code for the HTTP endpoints (run in a worker thread, report-worker.ts) and the import command.
import type { Inventory } from '@tiebreak/shared';
import { BodyError, DEFAULT_BODY_LIMITS, decompress, sniffCompression, type BodyLimits } from '../http/body.ts';
import { decodeGlpiJson } from './glpi-json.ts';
import { decodeOcsXml } from './ocs-xml.ts';
import { peerInventory, PeerReportError, type PeerProtocol } from './peer-inventory.ts';

export type Compression = 'zlib' | 'gzip' | null;

/** The report's text, inflated within the limits when its first bytes say it is compressed. */
export function reportText(raw: Uint8Array, limits: BodyLimits = DEFAULT_BODY_LIMITS): { text: string; compression: Compression } {
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const compression = sniffCompression(bytes);
  if (!compression && bytes.length > limits.maxDecompressed) throw new BodyError(413, `report too large (limit ${limits.maxDecompressed} bytes)`);
  return { text: compression ? decompress(bytes, compression, limits) : bytes.toString('utf8'), compression };
}

/** The first character that says what a text is: `{` for JSON, `<` for XML. */
export function leadingCharacter(text: string): string | undefined {
  return text.trimStart()[0];
}

export interface DecodedReport {
  protocol: PeerProtocol;
  /** prolog, contact, inventory... lower-cased. */
  query: string;
  /** The agent's DEVICEID (made when it was installed): with its token, what the agent is. */
  deviceid: string;
  /** The INVENTORY's content in the wire format, validated; null for any other query. */
  inventory: Inventory | null;
}

/**
 * A GLPI JSON (when `json`) or OCS/FusionInventory XML message, decoded; an inventory is mapped to
 * the wire format. Bad input throws a PeerReportError (a 400, or 415 for neither XML nor JSON).
 */
export function decodePeerReport(text: string, options: { json: boolean; agent?: string | null; now?: Date }): DecodedReport {
  const start = leadingCharacter(text);
  const report = start === '{' && options.json ? decodeGlpiJson(text) : start === '<' ? decodeOcsXml(text) : null;
  if (!report) throw new PeerReportError(`expected ${options.json ? 'a JSON or ' : 'an '}XML inventory message`, 415);
  const inventory = report.query === 'inventory' ? peerInventory(report, { agent: options.agent ?? null, now: options.now }) : null;
  return { protocol: report.protocol, query: report.query, deviceid: report.deviceid, inventory };
}
