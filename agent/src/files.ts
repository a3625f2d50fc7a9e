// Writing the agent's files: atomically (a temporary file, then a rename: a crash leaves the old
// file or the new one, whole), and readable by their owner only, set before any content is written.
// On Windows "owner" means SYSTEM and Administrators (by SID: names differ with the language).
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

function restrict(path: string): void {
  if (process.platform === 'win32') {
    execFileSync('icacls.exe', [path, '/inheritance:r', '/grant:r', '*S-1-5-18:F', '*S-1-5-32-544:F'], { stdio: 'ignore', windowsHide: true });
  } else chmodSync(path, 0o600);
}

/** Where writePrivateFile writes before its rename: hidden, and recognisable by removeStaleTemporaries. */
export function temporaryPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomUUID()}.tmp`);
}

const TEMPORARY = /^\..+\.[0-9a-f-]{36}\.tmp$/;

/**
 * A writer killed between its temporary file and the rename (kill -9, power cut) leaves the
 * temporary file behind, which nothing else would ever remove. One older than `olderThanMs` has no
 * living writer (a write takes milliseconds; the margin spares another process writing right now).
 */
export function removeStaleTemporaries(dir: string, olderThanMs = 10 * 60_000, now = Date.now()): number {
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (!TEMPORARY.test(name)) continue;
    const file = join(dir, name);
    try {
      if (now - statSync(file).mtimeMs < olderThanMs) continue;
      rmSync(file, { force: true });
      removed++;
    } catch {
      // Removed meanwhile by another process: nothing to do.
    }
  }
  return removed;
}

export function writePrivateFile(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = temporaryPath(path);
  writeFileSync(temporary, '', { mode: 0o600 });
  restrict(temporary);
  writeFileSync(temporary, content);
  renameSync(temporary, path);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Run `work` while holding `lockPath`, a file created exclusively and holding our pid: two runs of
 * the agent on one state directory (the daemon and a manual `send`) must not both enrol. A lock
 * whose process is gone (killed) is taken over; a live one is waited for up to `timeoutMs`.
 */
export async function withFileLock<T>(lockPath: string, work: () => Promise<T>, timeoutMs = 120_000): Promise<T> {
  mkdirSync(dirname(lockPath), { recursive: true, mode: 0o700 });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      writeFileSync(lockPath, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let holder = Number.NaN;
    try {
      holder = Number.parseInt(readFileSync(lockPath, 'utf8'), 10);
    } catch {
      continue; // released meanwhile
    }
    // A lock file still empty is being written by its creator; one with a dead pid is stale.
    if (Number.isInteger(holder) && holder !== process.pid && !alive(holder)) {
      rmSync(lockPath, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`${lockPath} is held by another tiebreak-agent run (pid ${holder}); try again when it has finished`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  try {
    return await work();
  } finally {
    rmSync(lockPath, { force: true });
  }
}
