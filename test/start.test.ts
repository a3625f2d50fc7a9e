// `pnpm start`, as a newcomer runs it: readable lines only, the same item count as the collector
// stored, and one enrolment token across runs.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './helpers.ts';

/** Runs `pnpm start` until it says it serves, then stops it; what it printed. */
function start(dbFile: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/start.ts'), '--port', '0', '--db', dbFile], { cwd: ROOT });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('Press Ctrl+C to stop.')) child.kill('SIGTERM');
    });
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', () => resolve(out));
  });
}

describe('pnpm start', () => {
  // Port 0: each run on another port, as `pnpm start --port 8081` after a first run.
  it('prints readable lines, the count of items stored, and reuses its enrolment token and credential on another port', async () => {
    const dir = tempDir();
    const dbFile = join(dir, 'tiebreak.db');
    const first = await start(dbFile);
    for (const line of first.split('\n').filter(Boolean)) expect(line, 'no JSON log line in the terminal').not.toMatch(/^\{/);
    const items = Number(/: (\d+) items \(\d+ software, the OS and hardware\)/.exec(first)?.[1]);
    const db = new Database(dbFile, { readonly: true });
    expect(db.prepare('SELECT COUNT(*) FROM installations').pluck().get()).toBe(items);
    db.close();
    expect(readFileSync(join(dir, 'tiebreak.log'), 'utf8')).toMatch(/"msg":"inventory ingested"/);
    const token = /--token (tbk\w+)/.exec(first)?.[1];
    const second = await start(dbFile);
    expect(/--token (tbk\w+)/.exec(second)?.[1], second).toBe(token);
    // Its own machine unchanged since: said so, with no count left undefined.
    expect(second).not.toContain('undefined');
    expect(second).toMatch(/: (unchanged since the last scan|\d+ items) \(\d+ software, the OS and hardware\)/);
    const again = new Database(dbFile, { readonly: true });
    expect(again.prepare('SELECT COUNT(*) FROM enrolment_tokens').pluck().get()).toBe(1);
    again.close();
  }, 120_000);
});
