// Writing the agent's files: atomically (a temporary file, then a rename: a crash leaves the old
// file or the new one, whole), and readable by their owner only, set before any content is written.
// On Windows "owner" means SYSTEM and Administrators (by SID: names differ with the language).
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

function restrict(path: string): void {
  if (process.platform === 'win32') {
    execFileSync('icacls.exe', [path, '/inheritance:r', '/grant:r', '*S-1-5-18:F', '*S-1-5-32-544:F'], { stdio: 'ignore', windowsHide: true });
  } else chmodSync(path, 0o600);
}

export function writePrivateFile(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = join(dirname(path), `.${basename(path)}.${randomUUID()}.tmp`);
  writeFileSync(temporary, '', { mode: 0o600 });
  restrict(temporary);
  writeFileSync(temporary, content);
  renameSync(temporary, path);
}
