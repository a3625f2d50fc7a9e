// One scan: every source of this platform in parallel, merged into a wire-format inventory.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import {
  InventorySchema,
  describeIssues,
  inventoryContentHash,
  type Hardware,
  type Inventory,
  type Os,
  type SoftwareItem,
  hostIdentity,
} from '@tiebreak/shared';
import { AGENT_NAME, AGENT_VERSION } from './version.ts';
import { runCommand, type CommandRunner } from './exec.ts';
import { silentLogger, type Logger } from './log.ts';
import { sourcesFor } from './sources/index.ts';
import type { InventorySource, RawIdentity, SourceResult } from './sources/types.ts';

export interface ScanOptions {
  sources?: readonly InventorySource[];
  run?: CommandRunner;
  log?: Logger;
  now?: Date;
}

const OS_FAMILY: Partial<Record<NodeJS.Platform, Os['family']>> = { linux: 'linux', win32: 'windows', darwin: 'macos' };

/** The same package reported twice by one source (e.g. two views of the registry) counts once. */
export function dedupeSoftware(items: SoftwareItem[]): SoftwareItem[] {
  const seen = new Map<string, SoftwareItem>();
  for (const item of items) {
    const key = [item.source, item.name, item.version ?? '', item.arch ?? '', item.scope, item.publisher ?? ''].join('\u0000');
    if (!seen.has(key)) seen.set(key, item);
  }
  return [...seen.values()];
}

export function mergeResults(results: SourceResult[]): { os: Partial<Os>; hardware: Partial<Hardware>; identity: RawIdentity; software: SoftwareItem[] } {
  const merged = { os: {} as Partial<Os>, hardware: {} as Partial<Hardware>, identity: {} as RawIdentity, software: [] as SoftwareItem[] };
  const defined = <T extends object>(value: T | undefined) =>
    Object.fromEntries(Object.entries(value ?? {}).filter(([, v]) => v !== undefined && v !== null)) as Partial<T>;
  for (const result of results) {
    Object.assign(merged.os, defined(result.os));
    Object.assign(merged.hardware, defined(result.hardware));
    Object.assign(merged.identity, defined(result.identity));
    if (result.software) merged.software.push(...result.software);
  }
  return merged;
}

export async function scan(options: ScanOptions = {}): Promise<Inventory> {
  const log = options.log ?? silentLogger;
  const sources = options.sources ?? sourcesFor(process.platform);
  const context = { run: options.run ?? runCommand, log };
  const settled = await Promise.allSettled(
    sources.map(async (source) => {
      const started = performance.now();
      const result = await source.collect(context);
      log.debug(`source ${source.id}: ${result.software?.length ?? 0} items in ${Math.round(performance.now() - started)} ms`);
      return result;
    }),
  );
  const results: SourceResult[] = [];
  settled.forEach((outcome, index) => {
    if (outcome.status === 'fulfilled') results.push(outcome.value);
    // A broken source costs its own data, never the whole scan.
    else log.warn(`source ${sources[index]!.id} failed: ${outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason)}`);
  });
  const merged = mergeResults(results);
  const identity = { hostname: os.hostname(), ...merged.identity };
  const inventory = {
    schema_version: 1,
    id: randomUUID(),
    agent: { name: AGENT_NAME, version: AGENT_VERSION },
    collected_at: (options.now ?? new Date()).toISOString(),
    host: hostIdentity(identity),
    os: { family: OS_FAMILY[process.platform] ?? 'other', name: os.type(), arch: process.arch, ...merged.os },
    hardware: { cpus: [], gpus: [], disks: [], ...merged.hardware },
    software: dedupeSoftware(merged.software),
  };
  const parsed = InventorySchema.safeParse(inventory);
  if (!parsed.success) {
    const details = describeIssues(parsed.error)
      .slice(0, 5)
      .map((i) => `${i.path}: ${i.message}`)
      .join('; ');
    throw new Error(`the scan produced an invalid inventory (${details})`);
  }
  return { ...parsed.data, content_hash: inventoryContentHash(parsed.data) };
}
