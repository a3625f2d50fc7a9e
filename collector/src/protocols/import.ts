// `tiebreak-collector import`: the report files that GLPI Agent, FusionInventory Agent and OCS
// Inventory agents write with --local (.ocs, .xml, .json), and tiebreak's own inventory JSON, one
// report per file. Each file is decoded and checked on its own: a bad file is rejected with its
// reason, the others are imported.
import { readdirSync, readFileSync, statSync, type Stats } from 'node:fs';
import { extname, join } from 'node:path';
import { InventorySchema, describeIssues, type Inventory } from '@tiebreak/shared';
import { BodyError, DEFAULT_BODY_LIMITS, parseJson } from '../http/body.ts';
import type { Ingestor } from '../ingest/ingest.ts';
import { decodePeerReport, leadingCharacter, reportText } from './decode.ts';
import { PeerReportError } from './peer-inventory.ts';

export const REPORT_EXTENSIONS = new Set(['.ocs', '.xml', '.json']);

export interface ImportOutcome {
  file: string;
  status: 'imported' | 'unchanged' | 'rejected';
  reason?: string;
  hostname?: string;
  agent?: string;
  software?: number;
}

export class ImportError extends Error {}

/** The report files named: files as given, directories walked for .ocs, .xml and .json files. */
export function listReportFiles(paths: readonly string[]): { files: string[]; fromDirectory: boolean } {
  const files: string[] = [];
  let fromDirectory = false;
  const walk = (dir: string) => {
    // The names' byte order, not the locale's: GLPI's sequences name a full report x.json, then
    // x_partial_cpu.json, x_updated.json, which a collation would put before it (it ranks '_' first).
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && REPORT_EXTENSIONS.has(extname(entry.name).toLowerCase())) files.push(path);
    }
  };
  for (const path of paths) {
    let stat: Stats;
    try {
      stat = statSync(path);
    } catch {
      throw new ImportError(`no such file or directory: ${path}`);
    }
    if (stat.isDirectory()) {
      fromDirectory = true;
      walk(path);
    } else files.push(path);
  }
  return { files, fromDirectory };
}

/** One report file as a wire-format inventory, or a PeerReportError saying why not. */
export function decodeReportFile(file: string, now = new Date()): Inventory {
  const limits = DEFAULT_BODY_LIMITS;
  let raw: Buffer;
  try {
    if (statSync(file).size > limits.maxDecompressed) throw new PeerReportError(`file larger than ${limits.maxDecompressed} bytes`);
    raw = readFileSync(file);
  } catch (error) {
    if (error instanceof PeerReportError) throw error;
    throw new PeerReportError(`cannot read: ${(error as Error).message}`);
  }
  let text: string;
  try {
    text = reportText(raw, limits).text;
  } catch (error) {
    if (error instanceof BodyError) throw new PeerReportError(error.message);
    throw error;
  }
  const start = leadingCharacter(text);
  if (start !== '<' && start !== '{') throw new PeerReportError('neither an XML report (.ocs, .xml) nor a JSON report (.json)');
  if (start === '{') {
    let json: Record<string, unknown>;
    try {
      json = parseJson(text) as Record<string, unknown>;
    } catch (error) {
      throw new PeerReportError(`not valid JSON: ${(error as Error).message}`);
    }
    if ('schema_version' in json) {
      // tiebreak's own agent: `tiebreak-agent scan --output FILE`.
      const parsed = InventorySchema.safeParse(json);
      if (!parsed.success)
        throw new PeerReportError(
          `invalid inventory: ${describeIssues(parsed.error)
            .slice(0, 5)
            .map((i) => `${i.path}: ${i.message}`)
            .join('; ')}`,
        );
      return parsed.data;
    }
  }
  const report = decodePeerReport(text, { json: true, now });
  if (!report.inventory)
    throw new PeerReportError(
      report.protocol === 'glpi-json' ? `a "${report.query}" message is not an inventory` : `a "${report.query.toUpperCase()}" request is not an inventory`,
    );
  return report.inventory;
}

/**
 * Import files in batches (one commit per batch, each file in its own savepoint), reporting each
 * outcome as it is known.
 */
export async function importReports(
  ingestor: Ingestor,
  files: readonly string[],
  onOutcome: (outcome: ImportOutcome, done: number) => void,
): Promise<ImportOutcome[]> {
  const outcomes: ImportOutcome[] = [];
  const BATCH = 20;
  for (let start = 0; start < files.length; start += BATCH) {
    const batch: { file: string; inventory: Inventory }[] = [];
    for (const file of files.slice(start, start + BATCH)) {
      try {
        batch.push({ file, inventory: decodeReportFile(file) });
      } catch (error) {
        if (!(error instanceof PeerReportError)) throw error;
        const outcome: ImportOutcome = { file, status: 'rejected', reason: error.message };
        outcomes.push(outcome);
        onOutcome(outcome, outcomes.length);
      }
    }
    const results = await ingestor.ingestMany(batch.map((b) => b.inventory));
    results.forEach((result, i) => {
      const { file, inventory } = batch[i]!;
      const outcome: ImportOutcome =
        result instanceof Error
          ? { file, status: 'rejected', reason: `not stored: ${result.message}` }
          : {
              file,
              status: result.replay || result.unchanged ? 'unchanged' : 'imported',
              hostname: inventory.host.hostname,
              agent: `${inventory.agent.name} ${inventory.agent.version}`,
              software: inventory.software.length,
            };
      outcomes.push(outcome);
      onOutcome(outcome, outcomes.length);
    });
  }
  return outcomes;
}
