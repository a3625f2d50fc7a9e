// The agent's configuration file: where to send and with which credential. It holds a secret, so it
// is readable by SYSTEM and Administrators only on Windows, by its owner only elsewhere.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';

export const AgentConfigSchema = z
  .object({
    server: z.string().url('server must be a URL such as https://tiebreak.mairie.fr'),
    token: z.string().min(8, 'token is too short').max(200),
    /** Cron expression of the rescans (minute hour day month weekday). */
    schedule: z
      .string()
      .regex(/^\S+ \S+ \S+ \S+ \S+$/, 'schedule must be a cron expression of five fields, e.g. "0 9 * * *"')
      .default('0 9 * * *'),
    /** PEM file of a private CA that signs the collector's certificate. */
    ca_file: z.string().min(1).optional(),
  })
  .strict();
export type AgentConfig = z.infer<typeof AgentConfigSchema>;

export class ConfigError extends Error {}

export function defaultConfigPath(platform: NodeJS.Platform = process.platform): string {
  if (process.env.TIEBREAK_CONFIG) return process.env.TIEBREAK_CONFIG;
  if (platform === 'win32') return join(process.env.ProgramData ?? 'C:\\ProgramData', 'tiebreak', 'agent.json');
  return '/etc/tiebreak/agent.json';
}

/** Where the agent keeps its spool (and, later, its credential). */
export function defaultStateDir(platform: NodeJS.Platform = process.platform): string {
  if (process.env.TIEBREAK_STATE_DIR) return process.env.TIEBREAK_STATE_DIR;
  if (platform === 'win32') return join(process.env.ProgramData ?? 'C:\\ProgramData', 'tiebreak');
  return '/var/lib/tiebreak';
}

export function readConfig(path = defaultConfigPath()): AgentConfig | null {
  if (!existsSync(path)) return null;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = AgentConfigSchema.safeParse(json);
  if (!parsed.success) throw new ConfigError(`${path}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** Restrict a file to SYSTEM and Administrators (by SID: names differ with the Windows language). */
function restrictOnWindows(path: string): void {
  execFileSync('icacls.exe', [path, '/inheritance:r', '/grant:r', '*S-1-5-18:F', '*S-1-5-32-544:F'], { stdio: 'ignore', windowsHide: true });
}

/** Validate and write atomically, permissions set before the credential is written. */
export function writeConfig(config: unknown, path = defaultConfigPath()): AgentConfig {
  const parsed = AgentConfigSchema.safeParse(config);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, '', { mode: 0o600 });
  if (process.platform === 'win32') restrictOnWindows(temporary);
  else chmodSync(temporary, 0o600);
  writeFileSync(temporary, `${JSON.stringify(parsed.data, null, 2)}\n`);
  renameSync(temporary, path);
  return parsed.data;
}
