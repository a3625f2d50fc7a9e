// The addresses a network scan covers: IPv4 only (SNMP devices of an authority's LAN), given as one
// address, a CIDR block, a dash range or a comma-separated list of those; bounded so that a typo
// (a /8) cannot start a scan of millions of addresses.
import { isIPv4 } from 'node:net';

/** 4,096 addresses: a /20, more than a building's network; larger networks are scanned in parts. */
export const MAX_SCAN_ADDRESSES = 4096;

export class ScanRangeError extends Error {}

function toNumber(address: string): number {
  return address.split('.').reduce((sum, part) => sum * 256 + Number(part), 0);
}

function toAddress(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

function address(text: string, whole: string): number {
  if (!isIPv4(text)) throw new ScanRangeError(`"${whole}": ${text} is not an IPv4 address (such as 192.168.10.1)`);
  return toNumber(text);
}

/** One part of a range as [first, last] inclusive. */
function part(text: string): [number, number] {
  const cidr = /^([^/]+)\/(\d{1,2})$/.exec(text);
  if (cidr) {
    const base = address(cidr[1]!, text);
    const bits = Number(cidr[2]);
    if (bits > 32) throw new ScanRangeError(`"${text}": a prefix length is 0 to 32`);
    const size = 2 ** (32 - bits);
    const first = Math.floor(base / size) * size;
    // The network and broadcast addresses of a block hold no device.
    return bits >= 31 ? [first, first + size - 1] : [first + 1, first + size - 2];
  }
  const dash = /^([^-]+)-([^-]+)$/.exec(text);
  if (dash) {
    const first = address(dash[1]!, text);
    // 192.168.1.10-50: the last part only.
    const lastText = /^\d{1,3}$/.test(dash[2]!) ? `${dash[1]!.split('.').slice(0, 3).join('.')}.${dash[2]}` : dash[2]!;
    const last = address(lastText, text);
    if (last < first) throw new ScanRangeError(`"${text}": the range ends before it starts`);
    return [first, last];
  }
  const single = address(text, text);
  return [single, single];
}

/** Every address of the range, in order, each once; a ScanRangeError names what is wrong. */
export function parseRange(range: string): string[] {
  const parts = range
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (!parts.length) throw new ScanRangeError('the range is empty: give addresses such as 192.168.10.0/24 or 192.168.10.1-192.168.10.50');
  const seen = new Set<number>();
  for (const text of parts) {
    const [first, last] = part(text);
    if (last - first + 1 + seen.size > MAX_SCAN_ADDRESSES) {
      throw new ScanRangeError(`"${range}" covers more than ${MAX_SCAN_ADDRESSES} addresses (a /20): scan it in parts`);
    }
    for (let value = first; value <= last; value++) seen.add(value);
  }
  return [...seen].sort((a, b) => a - b).map(toAddress);
}
