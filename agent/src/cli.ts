#!/usr/bin/env node
// tiebreak-agent: inventories this machine and sends it to a tiebreak collector.
import { writeFileSync } from 'node:fs';
import { COMMON_OPTIONS, UsageError, helpOrVersion, noMoreArguments, parseCommandLine, runMain } from '@tiebreak/shared';
import { createLogger } from './log.ts';
import { scan } from './scan.ts';
import { sendInventory } from './send.ts';
import { AGENT_VERSION } from './version.ts';

const HELP = `tiebreak-agent ${AGENT_VERSION}: inventory of this machine for a tiebreak collector

Usage:
  tiebreak-agent scan [--output FILE] [--pretty]
      Scan this machine and write the inventory JSON to FILE (default: standard output).
  tiebreak-agent send --server URL --token TOKEN [--output FILE]
      Scan this machine and send the inventory to the collector at URL.
      TOKEN is an enrolment token from 'tiebreak-collector token create'.
      --output also keeps a copy of what was sent.

Options:
  --verbose      log each source (to standard error)
  --version      print the version
  --help         print this help

Environment: TIEBREAK_SERVER and TIEBREAK_TOKEN stand for --server and --token.
`;

async function main(argv: string[]): Promise<number> {
  const line = parseCommandLine(argv, {
    ...COMMON_OPTIONS,
    output: { type: 'string', short: 'o' },
    server: { type: 'string' },
    token: { type: 'string' },
    pretty: { type: 'boolean' },
    verbose: { type: 'boolean', short: 'v' },
  });
  const early = helpOrVersion(line, HELP, AGENT_VERSION);
  if (early !== null) return early;
  const { values, command } = line;
  noMoreArguments(line.args);
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
    const server = values.server ?? process.env.TIEBREAK_SERVER;
    const token = values.token ?? process.env.TIEBREAK_TOKEN;
    if (!server) throw new UsageError('send needs --server URL (or TIEBREAK_SERVER)');
    if (!token) throw new UsageError('send needs --token TOKEN (or TIEBREAK_TOKEN)');
    const inventory = await scan({ log });
    if (values.output) writeFileSync(values.output, `${JSON.stringify(inventory)}\n`);
    const result = await sendInventory(inventory, { server, token });
    const body = result.body as { host_id?: number; items?: number };
    process.stdout.write(`sent ${inventory.software.length} software items to ${server} (host ${body.host_id ?? '?'})\n`);
    return 0;
  }
  throw new UsageError(`unknown command: ${command}`);
}

// A refusal by the collector is an operational failure (exit 1), with its reason.
runMain('tiebreak-agent', main);
