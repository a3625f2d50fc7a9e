#!/usr/bin/env node
// tiebreak-agent: inventories this machine and sends it to a tiebreak collector.
import { rmSync, writeFileSync } from 'node:fs';
import { COMMON_OPTIONS, UsageError, helpOrVersion, noMoreArguments, parseCommandLine, runMain } from '@tiebreak/shared';
import { ConfigError, defaultConfigPath, readConfig, writeConfig } from './config.ts';
import { createLogger } from './log.ts';
import { installTask, removeTask } from './windows/tasks.ts';
import { scan } from './scan.ts';
import { sendInventory } from './send.ts';
import { AGENT_VERSION } from './version.ts';

const HELP = `tiebreak-agent ${AGENT_VERSION}: inventory of this machine for a tiebreak collector

Usage:
  tiebreak-agent scan [--output FILE] [--pretty]
      Scan this machine and write the inventory JSON to FILE (default: standard output).
  tiebreak-agent send [--server URL --token TOKEN] [--output FILE]
      Scan this machine and send the inventory to the collector at URL.
      TOKEN is an enrolment token from 'tiebreak-collector token create'.
      Without them, the configuration file is used. --output keeps a copy of what was sent.
  tiebreak-agent configure --server URL --token TOKEN [--schedule CRON] [--config FILE]
      Write the configuration file (readable by SYSTEM and Administrators only on Windows,
      by its owner only elsewhere). Default: %ProgramData%\tiebreak\agent.json on Windows,
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
  });
  const early = helpOrVersion(line, HELP, AGENT_VERSION);
  if (early !== null) return early;
  const { values, command } = line;
  if (command !== 'task') noMoreArguments(line.args);
  const log = createLogger(values.verbose ? 'debug' : 'warn');

  if (command === 'scan') {
    const inventory = await scan({ log });
    const json = `${JSON.stringify(inventory, null, values.pretty ? 2 : undefined)}\n`;
    if (values.output) writeFileSync(values.output, json);
    else process.stdout.write(json);
    log.info(`scanned ${inventory.software.length} software items`);
    return 0;
  }
  if (command === 'send') {
    const file = readConfig(values.config ?? defaultConfigPath());
    const server = values.server ?? (process.env.TIEBREAK_SERVER || undefined) ?? file?.server;
    const token = values.token ?? (process.env.TIEBREAK_TOKEN || undefined) ?? file?.token;
    if (!server) throw new UsageError('send needs --server URL (or TIEBREAK_SERVER, or a configuration file)');
    if (!token) throw new UsageError('send needs --token TOKEN (or TIEBREAK_TOKEN, or a configuration file)');
    const inventory = await scan({ log });
    if (values.output) writeFileSync(values.output, `${JSON.stringify(inventory)}\n`);
    const result = await sendInventory(inventory, { server, token });
    const body = result.body as { host_id?: number; items?: number };
    process.stdout.write(`sent ${inventory.software.length} software items to ${server} (host ${body.host_id ?? '?'})\n`);
    return 0;
  }
  if (command === 'configure') {
    const path = values.config ?? defaultConfigPath();
    const config = writeConfig({ server: values.server, token: values.token, ...(values.schedule ? { schedule: values.schedule } : {}) }, path);
    process.stdout.write(`configuration written to ${path} (server ${config.server}, schedule "${config.schedule}")\n`);
    return 0;
  }
  if (command === 'task') {
    const [action] = line.args;
    if (process.platform !== 'win32') throw new UsageError('task install|remove is for Windows (use the systemd unit on Linux)');
    if (action === 'install') installTask(process.execPath, readConfig(values.config ?? defaultConfigPath())?.schedule);
    else if (action === 'remove') {
      removeTask();
      // Uninstalling: the configuration holds the credential.
      rmSync(values.config ?? defaultConfigPath(), { force: true });
    }
    else throw new UsageError(`task needs install or remove, not ${action ?? '(nothing)'}`);
    process.stdout.write(`scheduled task ${action === 'install' ? 'registered' : 'removed'}\n`);
    return 0;
  }
  throw new UsageError(`unknown command: ${command}`);
}

// A refusal by the collector is an operational failure (exit 1), with its reason.
runMain('tiebreak-agent', main, [ConfigError]);
