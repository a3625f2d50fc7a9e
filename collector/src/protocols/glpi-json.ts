// The GLPI Agent JSON protocol (glpi-project/inventory_format): a "contact" message first, then an
// "inventory" message whose content has the sections of the XML protocol with lower-case keys.
import { parseJson } from '../http/body.ts';
import { digestOf, PeerReportError, type Content, type PeerReport } from './peer-inventory.ts';

const MAX_DEPTH = 32;

// The inventory_format's itemtypes this collector maps (lower-case).
const ITEMTYPES = new Set(['computer', 'networkequipment', 'printer', 'phone', 'storage', 'unmanaged']);

function depth(value: unknown, level = 0): number {
  if (level > MAX_DEPTH || value === null || typeof value !== 'object') return level;
  let max = level;
  for (const v of Object.values(value)) {
    max = Math.max(max, depth(v, level + 1));
    if (max > MAX_DEPTH) break;
  }
  return max;
}

export function decodeGlpiJson(json: string): PeerReport {
  let message: unknown;
  try {
    message = parseJson(json);
  } catch (error) {
    throw new PeerReportError(`body is not valid JSON: ${(error as Error).message}`);
  }
  if (!message || typeof message !== 'object' || Array.isArray(message)) throw new PeerReportError('expected a JSON object');
  if (depth(message) > MAX_DEPTH) throw new PeerReportError(`JSON nested deeper than ${MAX_DEPTH} levels`);
  const m = message as Record<string, unknown>;
  // Older reports say "query": "INVENTORY" where newer ones say "action": "inventory".
  const query = String(m.action ?? m.query ?? (m.content ? 'inventory' : '')).toLowerCase();
  if (!query) throw new PeerReportError('the message has no "action"');
  const deviceid = typeof m.deviceid === 'string' ? m.deviceid.trim() : '';
  if (!deviceid || deviceid.length > 256) throw new PeerReportError('the message has no "deviceid" (or one longer than 256 characters)');
  const content = m.content && typeof m.content === 'object' && !Array.isArray(m.content) ? (m.content as Content) : null;
  // A network inventory ("netinventory", GLPI Agent's SNMP task; "query": "SNMP" in the format's
  // older envelope) is an inventory of a device.
  const inventory = query === 'inventory' || query === 'netinventory' || query === 'snmp';
  if (inventory && !content) throw new PeerReportError(`an ${query === 'snmp' ? 'SNMP' : query} message needs a "content" object`);
  const itemtype = m.itemtype === undefined ? null : String(m.itemtype);
  if (inventory && itemtype !== null && !ITEMTYPES.has(itemtype.toLowerCase()))
    throw new PeerReportError(
      `unsupported itemtype "${itemtype.slice(0, 64)}": computers (Computer), network equipment (NetworkEquipment), printers (Printer), phones (Phone) and storage arrays (Storage) are accepted`,
    );
  if (m.partial !== undefined && typeof m.partial !== 'boolean') throw new PeerReportError('"partial" must be true or false');
  return { protocol: 'glpi-json', query: inventory ? 'inventory' : query, deviceid, content, digest: digestOf(json), itemtype, partial: m.partial === true };
}
