// The agent's configuration file: where to send and with which credential. It holds a secret, so it
// is readable by SYSTEM and Administrators only on Windows, by its owner only elsewhere.
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CronScheduleSchema } from '@tiebreak/shared';
import { z } from 'zod';
import { writePrivateFile } from './files.ts';

export const AgentConfigSchema = z
  .object({
    server: z.string().url('server must be a URL such as https://tiebreak.mairie.fr'),
    token: z.string().min(8, 'token is too short').max(200),
    /** Cron expression of the rescans (minute hour day month weekday). */
    schedule: CronScheduleSchema.default('0 9 * * *'),
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

/** Validate, then write atomically and privately (it holds the credential). */
export function writeConfig(config: unknown, path = defaultConfigPath()): AgentConfig {
  const parsed = AgentConfigSchema.safeParse(config);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
  writePrivateFile(path, `${JSON.stringify(parsed.data, null, 2)}\n`);
  return parsed.data;
}

/**
 * The authority's CA, given at installation (the MSI's CA_FILE, often on a share): validated, then
 * copied beside the configuration, so that the agent never depends on the share at run time.
 */
export function installCaFile(source: string, configPath = defaultConfigPath()): string {
  let pem: string;
  try {
    pem = readFileSync(source, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read the CA file ${source}: ${(error as Error).message}`);
  }
  const certificates = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (!certificates.length) throw new ConfigError(`${source} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  for (const certificate of certificates) {
    try {
      new X509Certificate(certificate);
    } catch (error) {
      throw new ConfigError(`${source}: a certificate cannot be read (${(error as Error).message})`);
    }
  }
  const target = join(dirname(configPath), 'ca.pem');
  writePrivateFile(target, `${certificates.join('\n')}\n`);
  return target;
}
