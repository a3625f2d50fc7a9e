// Prints the slowest test files (what to look at first when the suite nears its time budget), then
// the plain closing line "N passed, N failed, N skipped" that CI reads, after vitest's own.
import type { RunnerTask, RunnerTestFile } from 'vitest';
import type { Reporter } from 'vitest/reporters';

function count(tasks: RunnerTask[], totals: { passed: number; failed: number; skipped: number }) {
  for (const task of tasks) {
    if (task.type === 'suite') count(task.tasks, totals);
    else if (task.result?.state === 'pass') totals.passed++;
    else if (task.result?.state === 'fail') totals.failed++;
    else totals.skipped++;
  }
}

export default class SummaryReporter implements Reporter {
  onFinished(files: RunnerTestFile[] = [], errors: unknown[] = []) {
    const totals = { passed: 0, failed: 0, skipped: 0 };
    count(files, totals);
    // A file that failed to load has no tests but must not look green.
    const brokenFiles = files.filter((f) => f.result?.state === 'fail' && f.tasks.length === 0).length + errors.length;
    const slowest = files
      .filter((f) => f.result?.duration !== undefined)
      .sort((a, b) => b.result!.duration! - a.result!.duration!)
      .slice(0, 12);
    if (slowest.length) {
      process.stdout.write('\nSlowest test files:\n');
      for (const f of slowest) process.stdout.write(`  ${(f.result!.duration! / 1000).toFixed(1).padStart(7)} s  ${f.projectName ?? ''} ${f.name}\n`);
    }
    process.stdout.write(`\nTests: ${totals.passed} passed, ${totals.failed + brokenFiles} failed, ${totals.skipped} skipped\n`);
  }
}
