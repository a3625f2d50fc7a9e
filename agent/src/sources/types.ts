// The common shape of every inventory source: where it runs and what it collects.
import type { Hardware, HostIdentity, Os, SoftwareItem } from '@tiebreak/shared';
import type { CommandRunner } from '../exec.ts';
import type { Logger } from '../log.ts';

export interface SourceContext {
  run: CommandRunner;
  log: Logger;
}

/** Identity facts before hashing: the scan turns them into the stable host id. */
export interface RawIdentity {
  smbiosUuid?: string | null;
  machineGuid?: string | null;
  machineId?: string | null;
  serial?: string | null;
  hostname?: string | null;
  domain?: string | null;
}

export interface SourceResult {
  software?: SoftwareItem[];
  os?: Partial<Os>;
  hardware?: Partial<Hardware>;
  identity?: RawIdentity;
}

export interface InventorySource {
  /** `<platform>-<source>`, as the file name. */
  id: string;
  platforms: readonly NodeJS.Platform[];
  collect(context: SourceContext): Promise<SourceResult>;
}

/** Outcome of a source whose tool is absent: nothing, and a debug line. */
export function skipped(context: SourceContext, id: string, detail: string): SourceResult {
  context.log.debug(`source ${id} skipped: ${detail}`);
  return {};
}

/** Trim and bound a value from a tool's output; empty becomes null. */
export function clean(value: string | null | undefined, max = 1024): string | null {
  if (value == null) return null;
  const trimmed = value.replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
  return trimmed ? trimmed.slice(0, max) : null;
}
