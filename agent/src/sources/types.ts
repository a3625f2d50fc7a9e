// The common shape of every inventory source: where it runs and what it collects.
import type { Hardware, Os, RawIdentity, SoftwareItem } from '@tiebreak/shared';
import type { CommandRunner } from '../exec.ts';
import type { Logger } from '../log.ts';

export interface SourceContext {
  run: CommandRunner;
  log: Logger;
}

/** Identity facts before hashing: the scan turns them into the stable host id. */
export type { RawIdentity };

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

export { clean } from '@tiebreak/shared';
