#!/usr/bin/env node
// tiebreak-agent: inventories this machine and sends it to a tiebreak collector.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { COMMON_OPTIONS, UsageError, helpOrVersion, noMoreArguments, parseCommandLine, runMain } from '@tiebreak/shared';
import { join } from 'node:path';
import { ConfigError, defaultConfigPath, defaultStateDir, installCaFile, readConfig, writeConfig } from './config.ts';
import { createLogger } from './log.ts';
import { scan } from './scan.ts';
import type { Daemon } from './schedule.ts';
import { AGENT_VERSION } from './version.ts';
import { ScanRangeError } from './snmp/range.ts';
import { SnmpOptionsError, type SnmpCredentials, type SnmpScanResult } from './snmp/scan.ts';

// Written once: in a template literal, a lone backslash before "t" would print a tab.
const WINDOWS_DIR = String.raw`%ProgramData%\tiebreak`;

const HELP = `tiebreak-agent ${AGENT_VERSION}: inventory of this machine for a tiebreak collector

Usage:
  tiebreak-agent scan [--output FILE] [--pretty]
      Scan this machine and write the inventory JSON to FILE (default: standard output).
  tiebreak-agent send [--server URL --token TOKEN] [--output FILE]
      Scan this machine and send the inventory to the collector at URL.
      TOKEN is an enrolment token from 'tiebreak-collector token create'.
      Without them, the configuration file is used. --output keeps a copy of what was sent.
      The inventory goes through the spool (--state-dir, default /var/lib/tiebreak or
      ${WINDOWS_DIR}): kept there until acknowledged, sent by the next send or run.
  tiebreak-agent scan --snmp RANGE (--community C | --snmp-user U [v3 options]) [--output FILE]
  tiebreak-agent send --snmp RANGE ... [--server URL --token TOKEN]
      Network scan (optional): query the SNMP devices of RANGE (192.168.10.0/24,
      192.168.10.1-192.168.10.50, 192.168.10.7, or a comma-separated list; at most 4096
      addresses) and write (scan) or send (send) one inventory per device found: switches,
      routers, firewalls, access points, printers, IP phones, storage. Computers that answer
      are left to the agent itself. SNMP v2c: --community (or TIEBREAK_SNMP_COMMUNITY).
      SNMP v3: --snmp-user U [--auth-protocol md5|sha|sha224|sha256|sha384|sha512 --auth-key K
      (or TIEBREAK_SNMP_AUTH_KEY)] [--priv-protocol des|aes|aes256b|aes256r --priv-key K (or
      TIEBREAK_SNMP_PRIV_KEY)]. --snmp-port (161), --snmp-timeout ms per request (2000),
      --snmp-retries (1), --snmp-concurrency addresses at once (32).
  tiebreak-agent run [--server URL --token TOKEN] [--config FILE] [--state-dir DIR] [--ca FILE]
      Daemon: scan at start, then on the configured schedule (cron, default daily 09:00) plus a
      random delay of up to --max-delay seconds (default 3600); inventories wait in the spool
      until the collector acknowledges them, retried with exponential backoff. SIGTERM stops it.
  tiebreak-agent configure --server URL --token TOKEN [--schedule CRON] [--ca FILE] [--config FILE]
      Write the configuration file; --ca copies the authority's CA (PEM) beside it as ca.pem (readable by SYSTEM and Administrators only on Windows,
      by its owner only elsewhere). Default: ${WINDOWS_DIR}\\agent.json on Windows,
      /etc/tiebreak/agent.json elsewhere (TIEBREAK_CONFIG overrides).
  tiebreak-agent task install|remove
      Windows: register (or remove) the scheduled task that runs 'send' as SYSTEM ten minutes
      after startup and every day at the configured time plus up to two hours at random.
      'remove' also deletes the configuration file, which holds the credential.
      The MSI does this; Linux packages use a systemd unit instead.

Options:
  --verbose      log each source (to standard error)
  --version      print the version
  --help         print this help

HTTPS: the collector's certificate is always verified, against the operating system's certificate
store (the Windows store, where Group Policy deploys an internal CA) and Node's own list; --ca FILE
(or ca_file in the configuration) trusts that private CA (PEM) alone instead.

Precedence: flags, then the environment (TIEBREAK_SERVER, TIEBREAK_TOKEN), then the file.
`;

async function main(argv: string[]): Promise<number> {
  const line = parseCommandLine(argv, {
    ...COMMON_OPTIONS,
    output: { type: 'string', short: 'o' },
    server: { type: 'string' },
    token: { type: 'string' },
    pretty: { type: 'boolean' },
    verbose: { type: 'boolean', short: 'v' },
    schedule: { type: 'string' },
    config: { type: 'string' },
    'state-dir': { type: 'string' },
    'max-delay': { type: 'string' },
    ca: { type: 'string' },
    snmp: { type: 'string' },
    community: { type: 'string' },
    'snmp-user': { type: 'string' },
    'auth-protocol': { type: 'string' },
    'auth-key': { type: 'string' },
    'priv-protocol': { type: 'string' },
    'priv-key': { type: 'string' },
    'snmp-port': { type: 'string' },
    'snmp-timeout': { type: 'string' },
    'snmp-retries': { type: 'string' },
    'snmp-concurrency': { type: 'string' },
  });
  const early = helpOrVersion(line, HELP, AGENT_VERSION);
  if (early !== null) return early;
  const { values, command } = line;
  if (command !== 'task') noMoreArguments(line.args);
  const log = createLogger(values.verbose ? 'debug' : 'warn');

  const network = values.snmp !== undefined ? await networkScan(values, log) : null;
  if (command === 'scan' && network) {
    const json = `${JSON.stringify(
      network.devices.map((d) => d.inventory),
      null,
      values.pretty ? 2 : undefined,
    )}\n`;
    if (values.output) writeFileSync(values.output, json);
    else process.stdout.write(json);
    return network.devices.length === 0 && network.errors.length > 0 ? 1 : 0;
  }
  if (command === 'scan') {
    const inventory = await scan({ log });
    const json = `${JSON.stringify(inventory, null, values.pretty ? 2 : undefined)}\n`;
    if (values.output) writeFileSync(values.output, json);
    else process.stdout.write(json);
    log.info(`scanned ${inventory.software.length} software items`);
    return 0;
  }
  if (command === 'send' || command === 'run') {
    const file = readConfig(values.config ?? defaultConfigPath());
    const server = values.server ?? (process.env.TIEBREAK_SERVER || undefined) ?? file?.server;
    const token = values.token ?? (process.env.TIEBREAK_TOKEN || undefined) ?? file?.token;
    if (!server) throw new UsageError(`${command} needs --server URL (or TIEBREAK_SERVER, or a configuration file)`);
    if (!token) throw new UsageError(`${command} needs --token TOKEN (or TIEBREAK_TOKEN, or a configuration file)`);
    const stateDir = values['state-dir'] ?? defaultStateDir();
    const caFile = values.ca ?? file?.ca_file;
    let ca: string | undefined;
    if (caFile) {
      try {
        ca = readFileSync(caFile, 'utf8');
      } catch (error) {
        throw new ConfigError(`cannot read the CA file ${caFile}: ${(error as Error).message}`);
      }
    }
    if (command === 'send' && network) return sendDevices(network, { stateDir, server, token, ca, log });
    if (network) throw new UsageError('--snmp goes with scan or send');
    const { Spool, Delivery } = await sendingModules();
    const spool = new Spool({ dir: join(stateDir, 'spool') });
    if (command === 'run') {
      const { startDaemon, validateSchedule } = await import('./schedule.ts');
      const schedule = values.schedule ?? file?.schedule ?? '0 9 * * *';
      if (!validateSchedule(schedule)) throw new UsageError(`schedule: "${schedule}" is not a valid cron expression`);
      const maxDelay = Number(values['max-delay'] ?? 3600);
      if (!Number.isFinite(maxDelay) || maxDelay < 0) throw new UsageError(`--max-delay must be a number of seconds, not ${values['max-delay']}`);
      const daemonLog = createLogger(values.verbose ? 'debug' : 'info');
      let daemon: Daemon | undefined;
      const delivery = new Delivery(stateDir, server, token, daemonLog, { ca, onSchedule: (s) => daemon?.setSchedule(s) });
      daemon = startDaemon({
        schedule,
        spool,
        log: daemonLog,
        scan: () => scan({ log: daemonLog }),
        sender: delivery.send,
        maxRandomDelayMs: maxDelay * 1000,
        retryBaseMs: Number(process.env.TIEBREAK_RETRY_BASE_MS ?? 30_000),
      });
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          daemonLog.info(`${signal} received, stopping`);
          void daemon!.stop().then(resolve);
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
      return 0;
    }
    const inventory = await scan({ log });
    if (values.output) writeFileSync(values.output, `${JSON.stringify(inventory)}\n`);
    spool.add(inventory);
    let unchanged = false;
    const delivery = new Delivery(stateDir, server, token, log, { ca });
    const result = await spool.flush(async (inv, state) => {
      const answer = await delivery.send(inv, state);
      if (inv.id === inventory.id) unchanged = (answer.body as { status?: string } | null)?.status === 'unchanged';
      return answer;
    }, log);
    if (result.lastError && result.pending > 0) {
      process.stderr.write(`tiebreak-agent: ${result.lastError.message}\n`);
      process.stderr.write(`tiebreak-agent: ${result.pending} inventor${result.pending === 1 ? 'y' : 'ies'} kept in ${spool.dir}, sent at the next attempt\n`);
      return 1;
    }
    if (result.rejected) {
      process.stderr.write(`tiebreak-agent: ${result.lastError?.message ?? 'inventory refused'}\n`);
      return 1;
    }
    const what = unchanged ? 'nothing changed since the last inventory' : `sent ${inventory.software.length} software items`;
    process.stdout.write(`${what}: ${server} (${result.sent} inventor${result.sent === 1 ? 'y' : 'ies'} delivered)\n`);
    return 0;
  }
  if (command === 'configure') {
    const path = values.config ?? defaultConfigPath();
    // An empty --ca is the MSI's CA_FILE left unset.
    const caFile = values.ca?.trim() ? installCaFile(values.ca.trim(), path) : undefined;
    const config = writeConfig(
      { server: values.server, token: values.token, ...(values.schedule ? { schedule: values.schedule } : {}), ...(caFile ? { ca_file: caFile } : {}) },
      path,
    );
    process.stdout.write(`configuration written to ${path} (server ${config.server}, schedule "${config.schedule}")\n`);
    return 0;
  }
  if (command === 'task') {
    const [action] = line.args;
    if (process.platform !== 'win32') throw new UsageError('task install|remove is for Windows (use the systemd unit on Linux)');
    const { installTask, removeTask } = await import('./windows/tasks.ts');
    if (action === 'install') installTask(process.execPath, readConfig(values.config ?? defaultConfigPath())?.schedule);
    else if (action === 'remove') {
      removeTask();
      // Uninstalling: the configuration holds the credential.
      rmSync(values.config ?? defaultConfigPath(), { force: true });
    } else throw new UsageError(`task needs install or remove, not ${action ?? '(nothing)'}`);
    process.stdout.write(`scheduled task ${action === 'install' ? 'registered' : 'removed'}\n`);
    return 0;
  }
  throw new UsageError(`unknown command: ${command}`);
}

/**
 * What only send, run and the network scan use (the spool, the delivery and, in turn, undici),
 * loaded when asked for, as node-cron for run: the peak memory of a scan is what matters most.
 */
async function sendingModules() {
  const [{ Spool }, { Delivery }] = await Promise.all([import('./spool.ts'), import('./credentials.ts')]);
  return { Spool, Delivery };
}

type Values = ReturnType<typeof parseCommandLine<Record<string, { type: 'string' | 'boolean' }>>>['values'];

function numberOption(values: Values, name: string, fallback: number): number {
  const text = values[name];
  if (text === undefined) return fallback;
  const value = Number(text);
  if (typeof text !== 'string' || !Number.isInteger(value) || value < 0) throw new UsageError(`--${name} must be a whole number, not ${String(text)}`);
  return value;
}

/** The SNMP scan of --snmp RANGE, with a summary on standard error. */
async function networkScan(values: Values, log: ReturnType<typeof createLogger>): Promise<SnmpScanResult> {
  const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const credentials: SnmpCredentials = text('snmp-user')
    ? {
        version: '3',
        user: text('snmp-user')!,
        authProtocol: text('auth-protocol') as never,
        authKey: text('auth-key') ?? (process.env.TIEBREAK_SNMP_AUTH_KEY || undefined),
        privProtocol: text('priv-protocol') as never,
        privKey: text('priv-key') ?? (process.env.TIEBREAK_SNMP_PRIV_KEY || undefined),
      }
    : { version: '2c', community: text('community') ?? process.env.TIEBREAK_SNMP_COMMUNITY ?? '' };
  const { scanNetwork } = await import('./snmp/scan.ts');
  const result = await scanNetwork({
    range: text('snmp') ?? '',
    credentials,
    port: numberOption(values, 'snmp-port', 161),
    timeoutMs: numberOption(values, 'snmp-timeout', 2000),
    retries: numberOption(values, 'snmp-retries', 1),
    concurrency: numberOption(values, 'snmp-concurrency', 32),
    log,
  });
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const details = [
    `${result.silent} silent${credentials.version === '2c' && result.silent ? ' (no device, SNMP off, or another community)' : ''}`,
    ...(result.computers.length ? [`${plural(result.computers.length, 'computer')} left to the agent`] : []),
    ...(result.errors.length ? [plural(result.errors.length, 'error')] : []),
  ];
  for (const error of result.errors.slice(0, 10)) process.stderr.write(`tiebreak-agent: ${error.address}: ${error.message}\n`);
  process.stderr.write(
    `tiebreak-agent: ${plural(result.devices.length, 'device')} found among ${plural(result.addresses, 'address').replace('addresss', 'addresses')} (${details.join(', ')})\n`,
  );
  return result;
}

/**
 * The devices go through a spool of their own (a scan of a network must not push this machine's
 * inventories out of its spool), sent with this machine's own agent credential.
 */
async function sendDevices(
  network: SnmpScanResult,
  options: { stateDir: string; server: string; token: string; ca?: string; log: ReturnType<typeof createLogger> },
): Promise<number> {
  const { MAX_SCAN_ADDRESSES } = await import('./snmp/range.ts');
  const { Spool, Delivery } = await sendingModules();
  const spool = new Spool({ dir: join(options.stateDir, 'spool-devices'), maxEntries: MAX_SCAN_ADDRESSES });
  for (const { inventory } of network.devices) spool.add(inventory);
  const ownHost = await thisHost();
  const delivery = new Delivery(options.stateDir, options.server, options.token, options.log, { ca: options.ca, agentHost: ownHost });
  const result = await spool.flush(delivery.send, options.log);
  if (result.lastError && (result.pending > 0 || result.rejected > 0)) {
    process.stderr.write(`tiebreak-agent: ${result.lastError.message}\n`);
    if (result.pending)
      process.stderr.write(
        `tiebreak-agent: ${result.pending} device inventor${result.pending === 1 ? 'y' : 'ies'} kept in ${spool.dir}, sent at the next attempt\n`,
      );
    return 1;
  }
  process.stdout.write(`sent ${result.sent} device inventor${result.sent === 1 ? 'y' : 'ies'}: ${options.server}\n`);
  return 0;
}

/** This machine's identity (the agent's credential is bound to it): a scan of the identity source only. */
async function thisHost() {
  const { anyIdentity } = await import('./sources/any-identity.ts');
  return (await scan({ sources: [anyIdentity] })).host;
}

// A refusal by the collector is an operational failure (exit 1), with its reason; a bad range or
// SNMP option is the user's to fix (exit 2).
runMain('tiebreak-agent', main, [ConfigError, ScanRangeError, SnmpOptionsError]);
