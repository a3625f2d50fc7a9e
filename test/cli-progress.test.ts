// Long commands show their progress on the standard error (a terminal, or --progress), never on the
// standard output and never with --json: the import of report files, and the demo's generation.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { progressWanted, startProgress } from '../collector/src/exports/progress.ts';
import { makeInventory } from './fixtures.ts';
import { setMeta } from '../collector/src/store/db.ts';
import { RULES_META_KEY } from '../collector/src/store/facets.ts';
import { ROOT, runCli, tempDir, withDatabase } from './helpers.ts';

const PROGRESS_LINE = /^(import|demo): (\d+)\/(\d+) (files|inventories) \((\d+)%\)$/;

/** The progress lines of an output, as [done, total]; every other line is returned apart. */
function progressOf(stderr: string): { steps: [number, number][]; other: string[] } {
  const steps: [number, number][] = [];
  const other: string[] = [];
  for (const line of stderr.split('\n').filter(Boolean)) {
    const match = PROGRESS_LINE.exec(line);
    if (match) steps.push([Number(match[2]), Number(match[3])]);
    else other.push(line);
  }
  return { steps, other };
}

function reports(count: number): string {
  const dir = join(tempDir('tiebreak-progress-'), 'reports');
  mkdirSync(dir);
  for (let i = 0; i < count; i++)
    writeFileSync(join(dir, `host-${String(i).padStart(2, '0')}.json`), JSON.stringify(makeInventory({ machine: `progress-${i}` })));
  return dir;
}

describe('import --progress', () => {
  it('shows the files done as lines on the standard error, at most one per tenth, the last at 100%', async () => {
    const dir = reports(25);
    const db = join(tempDir('tiebreak-progress-'), 'import.db');
    const result = await runCli('collector', ['import', dir, '--progress', '--db', db]);
    expect(result.code, result.stderr).toBe(0);
    const { steps, other } = progressOf(result.stderr);
    expect(other).toEqual([]);
    expect(steps.length).toBeGreaterThanOrEqual(3);
    expect(steps.length).toBeLessThanOrEqual(11);
    expect(steps.every(([, total]) => total === 25)).toBe(true);
    expect(steps.at(-1)).toEqual([25, 25]);
    expect(steps.map(([done]) => done)).toEqual([...steps.map(([done]) => done)].sort((a, b) => a - b));
    // The result is on the standard output, untouched.
    expect(result.stdout).toContain('import: 25 imported, 0 unchanged, 0 rejected\n');
    expect(result.stdout).not.toMatch(/\(\d+%\)/);
  });

  it('shows nothing extra with --json, nor without --progress when the standard error is not a terminal', async () => {
    const dir = reports(12);
    const db = join(tempDir('tiebreak-progress-'), 'import.db');
    const json = await runCli('collector', ['import', dir, '--progress', '--json', '--db', db]);
    expect(json.code, json.stderr).toBe(0);
    expect(json.stderr).toBe('');
    expect(JSON.parse(json.stdout)).toMatchObject({ imported: 12, unchanged: 0, rejected: 0 });
    const plain = await runCli('collector', ['import', dir, '--db', db]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).toBe('');
  });
});

describe('a reclassification at opening, with --progress', () => {
  it('shows the catalogue entries classified again when the rules changed, and nothing when they did not', async () => {
    const db = join(tempDir('tiebreak-progress-'), 'reclassify.db');
    expect((await runCli('collector', ['import', reports(3), '--db', db])).code).toBe(0);
    // As after an upgrade of the rules: the catalogue was classified by others.
    await withDatabase(db, (handle) => setMeta(handle, RULES_META_KEY, 'rules of an earlier release'));
    const result = await runCli('collector', ['map', '--progress', '--db', db]);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stderr.split('\n').filter(Boolean);
    const last = /^reclassify: (\d+)\/(\d+) catalogue entries \(100%\)$/.exec(lines.at(-1) ?? '');
    expect(last, result.stderr).not.toBeNull();
    expect(Number(last![1])).toBe(Number(last![2]));
    expect(Number(last![2])).toBeGreaterThanOrEqual(5);
    expect(JSON.parse(result.stdout).totals.hosts).toBe(3);
    // The rules now recorded: the next opening has nothing to do, and says nothing.
    const again = await runCli('collector', ['map', '--progress', '--db', db]);
    expect(again.stderr).toBe('');
  });
});

describe('the demo generation with --progress', () => {
  it('shows the inventories ingested, to the last', async () => {
    const db = join(tempDir('tiebreak-progress-'), 'demo.db');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'scripts/demo.ts'), '--no-serve', '--progress', '--db', db, '--workstations', '40', '--servers', '4'],
      { cwd: ROOT },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code, stderr).toBe(0);
    const { steps, other } = progressOf(stderr);
    expect(other).toEqual([]);
    // 44 inventories, then the waves that moved some workstations to LibreOffice.
    const total = steps[0]![1];
    expect(total).toBeGreaterThan(44);
    expect(steps.at(-1)).toEqual([total, total]);
    expect(stdout).toContain('demo: 44 hosts generated');
  }, 120_000);
});

describe('the progress line', () => {
  /** A stream that keeps what is written, a terminal or not. */
  const stream = (isTTY: boolean) => {
    const written: string[] = [];
    return { isTTY, written, write: (text: string) => written.push(text) > 0 };
  };

  it('is redrawn in place on a terminal, once per percent, and ends its line', () => {
    const tty = stream(true);
    const progress = startProgress('import', 'files', 200, progressWanted(undefined, undefined, tty), tty);
    for (let done = 1; done <= 200; done++) progress.update(done);
    progress.finish();
    expect(tty.written).toHaveLength(102); // 0% to 100%, then the end of the line
    expect(tty.written[0]).toBe('\r[------------------------------] import: 1/200 files (0%)');
    expect(tty.written.at(-2)).toBe('\r[##############################] import: 200/200 files (100%)');
    expect(tty.written.at(-1)).toBe('\n');
  });

  it('is off with --json even on a terminal, and off on a log unless asked for', () => {
    expect(progressWanted(true, true, stream(true))).toBe(false);
    expect(progressWanted(undefined, false, stream(false))).toBe(false);
    expect(progressWanted(true, false, stream(false))).toBe(true);
    const log = stream(false);
    const silent = startProgress('import', 'files', 10, false, log);
    silent.update(5);
    silent.finish();
    expect(log.written).toEqual([]);
  });
});
