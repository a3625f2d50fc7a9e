#!/usr/bin/env node
// tiebreak-collector: receives inventories, classifies them and serves the dependency map.
import { readFileSync } from 'node:fs';
import { COMMON_OPTIONS, InputError, UsageError, helpOrVersion, noMoreArguments, parseCommandLine, runMain } from '@tiebreak/shared';
import pino from 'pino';
import pkg from '../package.json' with { type: 'json' };
import { RulesError, DEFAULT_RULES_DIR } from './classify/load-rules.ts';
import { parseClassifyInput } from './classify/input.ts';
import { createCollector, listen, loadClassifier } from './collector.ts';
import { classifyItem } from './ingest/ingest.ts';
import { computeMap } from './map/map.ts';
import { openDatabase } from './store/db.ts';
import { createToken } from './store/tokens.ts';

const DEFAULT_DB = 'data/tiebreak.db';
const DEFAULT_PORT = 8080;

const HELP = `tiebreak-collector ${pkg.version}: inventories in, dependency map out

Usage:
  tiebreak-collector serve [--port N] [--host ADDRESS] [--db FILE] [--rules DIR] [--local-rules DIR]...
      Serve the agent API, the JSON API and the web pages.
      Defaults: port ${DEFAULT_PORT}, host 127.0.0.1 (use --host 0.0.0.0 to accept agents from the network),
      database ./${DEFAULT_DB}, the shipped rules.
  tiebreak-collector token create [--db FILE] [--name NAME]
      Create an enrolment token for agents and print it (it is stored only as a hash).
  tiebreak-collector map [--db FILE] [--rules DIR] [--local-rules DIR]...
      Print the dependency map as JSON (the same as GET /api/v1/map).
  tiebreak-collector classify [FILE] [--rules DIR] [--local-rules DIR]...
      Classify items from FILE or standard input: an inventory JSON, JSON lines or a JSON array of
      {name, publisher, version}, or a CSV with a header (name, publisher, version; ',' or ';').
      Prints one JSON line per item, in input order.

Options:
  --version   print the version
  --help      print this help
`;

function readInput(file: string | undefined): string {
  try {
    return readFileSync(file && file !== '-' ? file : 0, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read ${file ?? 'standard input'}: ${(error as Error).message}`);
  }
}

async function main(argv: string[]): Promise<number> {
  const line = parseCommandLine(argv, {
    ...COMMON_OPTIONS,
    port: { type: 'string', short: 'p' },
    host: { type: 'string' },
    db: { type: 'string' },
    rules: { type: 'string' },
    'local-rules': { type: 'string', multiple: true },
    name: { type: 'string' },
  });
  const early = helpOrVersion(line, HELP, pkg.version);
  if (early !== null) return early;
  const { values, command, args } = line;
  const dbFile = values.db ?? DEFAULT_DB;
  const rulesDirs = [values.rules ?? DEFAULT_RULES_DIR, ...(values['local-rules'] ?? [])];

  switch (command) {
    case 'serve': {
      noMoreArguments(args);
      const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, not ${values.port}`);
      const log = pino({ level: process.env.TIEBREAK_LOG_LEVEL ?? 'info' });
      const collector = createCollector({ dbFile, rulesDirs, log });
      const host = values.host ?? '127.0.0.1';
      const { server, port: actual } = await listen(collector, port, host);
      const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
      log.info({ db: dbFile, rules: collector.classifier.fingerprint, vendors: collector.classifier.vendorCount }, 'collector ready');
      process.stdout.write(`tiebreak collector listening on http://${shown}:${actual}/\n`);
      const stop = () => {
        server.close(() => {
          collector.close();
          process.exit(0);
        });
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      return new Promise(() => {});
    }
    case 'token': {
      const [sub, ...rest] = args;
      noMoreArguments(rest);
      if (sub !== 'create') throw new UsageError(`unknown token command: ${sub ?? '(none)'}; try 'token create'`);
      const db = openDatabase(dbFile);
      const { token } = createToken(db, values.name ?? 'default');
      db.close();
      process.stdout.write(`${token}\n`);
      return 0;
    }
    case 'map': {
      noMoreArguments(args);
      const collector = createCollector({ dbFile, rulesDirs, log: pino({ level: 'warn' }, process.stderr) });
      process.stdout.write(`${JSON.stringify(computeMap(collector.db, collector.classifier), null, 2)}\n`);
      collector.close();
      return 0;
    }
    case 'classify': {
      if (args.length > 1) throw new UsageError(`unexpected argument: ${args[1]}`);
      const classifier = loadClassifier(rulesDirs);
      const items = parseClassifyInput(readInput(args[0]));
      const out: string[] = [];
      for (const { item, version } of items) {
        const c = classifyItem(classifier, item);
        out.push(JSON.stringify({ name: item.name, publisher: item.publisher, version, source: item.source, ...c }));
      }
      process.stdout.write(out.length ? `${out.join('\n')}\n` : '');
      return 0;
    }
    default:
      throw new UsageError(`unknown command: ${command}`);
  }
}

runMain('tiebreak-collector', main, [RulesError]);
