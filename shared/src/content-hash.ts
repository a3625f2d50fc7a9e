// The hash of what an inventory says about a machine, without its report id and collection time:
// equal hashes mean nothing changed, and the agent need not send the inventory again. The agent and
// the collector compute it with this one function.
import { createHash } from 'node:crypto';
import type { Inventory } from './wire.ts';

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined && v !== null)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

export function inventoryContentHash(inventory: Inventory): string {
  const software = inventory.software.map((item) => JSON.stringify(canonical(item))).sort();
  const content = canonical({ host: inventory.host, os: inventory.os, hardware: inventory.hardware, agent: inventory.agent.version });
  return createHash('sha256').update(JSON.stringify(content)).update('\n').update(software.join('\n')).digest('hex');
}
