// Runs an inventory tool with a timeout and a bounded output. A missing tool is an expected
// outcome (the source does not apply here), not an error.
import { execFile } from 'node:child_process';

export type Outcome<T> = { ok: true; stdout: T } | { ok: false; reason: 'missing' | 'failed' | 'timeout'; detail: string };
export type CommandResult = Outcome<string>;

export interface CommandOptions {
  timeoutMs?: number;
  maxBytes?: number;
  env?: NodeJS.ProcessEnv;
}

export type CommandRunner = (command: string, args: readonly string[], options?: CommandOptions) => Promise<CommandResult>;

function execute(command: string, args: readonly string[], options: CommandOptions, encoding: 'utf8' | 'buffer'): Promise<Outcome<string | Buffer>> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      {
        timeout: options.timeoutMs ?? 30_000,
        maxBuffer: options.maxBytes ?? 64 * 1024 * 1024,
        env: { ...process.env, LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8', ...options.env },
        windowsHide: true,
        encoding,
      },
      (error, stdout, stderr) => {
        if (!error) return resolve({ ok: true, stdout });
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return resolve({ ok: false, reason: 'missing', detail: `${command} not found` });
        if (error.killed || (error as { signal?: string }).signal === 'SIGTERM')
          return resolve({ ok: false, reason: 'timeout', detail: `${command} timed out` });
        resolve({
          ok: false,
          reason: 'failed',
          detail: `${command} failed: ${String(stderr || error.message)
            .trim()
            .slice(0, 300)}`,
        });
      },
    );
  });
}

export const runCommand: CommandRunner = (command, args, options = {}) => execute(command, args, options, 'utf8') as Promise<CommandResult>;

/** The same, with standard output as bytes: for Windows tools whose encoding must be detected. */
export const runCommandBytes = (command: string, args: readonly string[], options: CommandOptions = {}) =>
  execute(command, args, options, 'buffer') as Promise<Outcome<Buffer>>;
