// The FusionInventory / OCS Inventory XML protocol: a REQUEST with a QUERY (PROLOG, then INVENTORY),
// a DEVICEID and, for an inventory, a CONTENT whose sections become the common report content.
import { digestOf, PeerReportError, type Content, type ContentValue, type PeerReport } from './peer-inventory.ts';
import { child, parseXml, XmlError, type XmlElement } from './xml.ts';

/** An element as content: its text when it has no children, else its children by lower-case name. */
function toContent(element: XmlElement): ContentValue {
  if (!element.children.length) return element.text.trim();
  const out: Content = {};
  for (const c of element.children) {
    const key = c.name.toLowerCase();
    const value = toContent(c);
    const existing = out[key];
    if (existing === undefined) out[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else out[key] = [existing, value];
  }
  return out;
}

export function decodeOcsXml(xml: string): PeerReport {
  let root: XmlElement;
  try {
    root = parseXml(xml);
  } catch (error) {
    return reportError(error);
  }
  return decodeOcsTree(root, xml);
}

function reportError(error: unknown): never {
  if (error instanceof XmlError) throw new PeerReportError(error.message);
  throw error;
}

function decodeOcsTree(root: XmlElement, xml: string): PeerReport {
  if (root.name !== 'REQUEST') throw new PeerReportError(`expected a <REQUEST> document, got <${root.name}>`);
  const query = child(root, 'QUERY')?.text.trim().toLowerCase() ?? '';
  if (!query) throw new PeerReportError('the REQUEST has no QUERY');
  const deviceid = child(root, 'DEVICEID')?.text.trim() ?? '';
  if (!deviceid || deviceid.length > 256) throw new PeerReportError('the REQUEST has no DEVICEID (or one longer than 256 characters)');
  const contentElement = child(root, 'CONTENT');
  const content = contentElement ? toContent(contentElement) : null;
  return {
    protocol: 'ocs-xml',
    query,
    deviceid,
    content: content && typeof content === 'object' && !Array.isArray(content) ? content : null,
    digest: digestOf(xml),
  };
}

const xmlHeader = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** The answer to a PROLOG: send an inventory, and come back every `hours`. */
export function prologReply(hours: number): string {
  return `${xmlHeader}<REPLY><PROLOG_FREQ>${Math.max(1, Math.round(hours))}</PROLOG_FREQ><RESPONSE>SEND</RESPONSE></REPLY>\n`;
}

/** The answer to an INVENTORY, as OCS Inventory servers give it. */
export function inventoryReply(): string {
  return `${xmlHeader}<REPLY><RESPONSE>no_account_update</RESPONSE></REPLY>\n`;
}
