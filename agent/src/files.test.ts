import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withFileLock } from './files.ts';

const lockIn = () => join(mkdtempSync(join(tmpdir(), 'tiebreak-lock-')), 'credential.json.lock');

describe('withFileLock', () => {
  it('runs one holder at a time and removes the lock after', async () => {
    const lock = lockIn();
    const order: string[] = [];
    const hold = (name: string) =>
      withFileLock(lock, async () => {
        order.push(`${name} in`);
        await new Promise((r) => setTimeout(r, 300));
        order.push(`${name} out`);
      });
    await Promise.all([hold('a'), hold('b')]);
    expect(order).toEqual(['a in', 'a out', 'b in', 'b out']);
    expect(existsSync(lock)).toBe(false);
  });

  it('takes over the lock of a process that was killed', async () => {
    const lock = lockIn();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(lock, `${dead.stdout}\n`);
    expect(await withFileLock(lock, async () => 'done', 2_000)).toBe('done');
  });

  it('gives up with a readable reason when a live run keeps it', async () => {
    const lock = lockIn();
    writeFileSync(lock, `${process.ppid}\n`);
    await expect(withFileLock(lock, async () => 'never', 500)).rejects.toThrow(/held by another tiebreak-agent run \(pid \d+\)/);
    expect(existsSync(lock)).toBe(true);
  });
});
