#!/usr/bin/env node
// tiebreak-collector: receives inventories, classifies them and serves the dependency map.
import cluster, { type Worker } from 'node:cluster';
import { resolve } from 'node:path';
import {
  COMMON_OPTIONS,
  CronScheduleSchema,
  InputError,
  UsageError,
  helpOrVersion,
  noMoreArguments,
  parseCommandLine,
  readInput,
  runMain,
} from '@tiebreak/shared';
import pino, { type Logger } from 'pino';
import pkg from '../package.json' with { type: 'json' };
import { checkRules } from './classify/check-rules.ts';
import { coverage, formatCoverage } from './classify/coverage.ts';
import { DEFAULT_RULES_DIR, RulesError, formatProblem } from './classify/load-rules.ts';
import { parseClassifyInput } from './classify/input.ts';
import {
  DEFAULT_SERVER_LIMITS,
  JOB_LOCKS,
  createCollector,
  listen,
  loadClassifier,
  loadRules,
  shownLocation,
  type Collector,
  type CollectorOptions,
} from './collector.ts';
import { parseTrustedProxies } from './http/auth.ts';
import { classifyItem } from './ingest/ingest.ts';
import { computeMap } from './map/map.ts';
import { closeDatabase, isPostgresUrl, openDatabase, type Db } from './store/db.ts';
import { DirectoryConfigError, directoryConfigFromEnv, type DirectoryConfig } from './accounts/directory-config.ts';
import { endLocalSessions } from './accounts/login.ts';
import { setLocalLogin } from './accounts/local-login.ts';
import { formatAgents, formatEnrolmentTokens, formatUsers } from './exports/terminal.ts';
import { progressWanted, startProgress } from './exports/progress.ts';
import type { AgentRow, TokenRow } from './ui/admin-pages.tsx';
import { authorityLabel, formatSiren, getAuthority, setAuthority } from './store/authority.ts';
import { DEFAULT_AUDIT_RETENTION_DAYS, audited, cliActor, parseRetentionDays, pruneAudit, recordAudit, scheduleAuditRetention } from './accounts/audit.ts';
import { BackupError, KNOWN_VERSION, backupDatabase, databaseInUse, restoreDatabase } from './store/backup.ts';
import { CopyError, copyToPostgres } from './store/copy-to-postgres.ts';
import { AccountError, ROLES, createUser, ensureFirstAdmin, generatePassword, listUsers, removeUser, setPassword, type Role } from './accounts/users.ts';
import { ImportError, importReports, listReportFiles, type ImportOutcome } from './protocols/import.ts';
import { ASSESSMENT_HELP, ASSESSMENT_OPTIONS, runAssessmentCommand } from './assessment/cli.ts';
import { FEDERATION_HELP, FEDERATION_OPTIONS, runObservatoryCommand, runPublishCommand } from './federation/cli.ts';
import { ENTITIES_HELP, ENTITIES_OPTIONS, runEntitiesCommand } from './entities/cli.ts';
import { listEntities, resolveEntity } from './entities/entities.ts';
import { LineErrors } from './assessment/inputs.ts';
import { createApiToken, formatApiTokens, listApiTokens, revokeApiToken } from './accounts/api-tokens.ts';
import { approveAgent, createToken, listAgents, listTokens, refuseAgent, revokeAgent, revokeToken } from './store/tokens.ts';

const DEFAULT_DB = 'data/tiebreak.db';
const DEFAULT_PORT = 8080;
const MAX_WORKERS = 64;
const POSTGRES_BACKUP =
  "backup and restore copy an SQLite file; a PostgreSQL database is saved with PostgreSQL's own tools: pg_dump --format=custom (while the collector serves) and pg_restore (into an empty database), see docs/deploy-collector.md";

const HELP = `tiebreak-collector ${pkg.version}: inventories in, dependency map out

Usage:
  tiebreak-collector serve [--port N] [--host ADDRESS] [--db FILE] [--rules DIR] [--local-rules DIR]... [--agent-schedule CRON] [--tls-cert FILE --tls-key FILE]
                           [--trust-proxy ADDRESS|CIDR[,...]]... [--max-connections N] [--max-connections-per-address N] [--request-timeout SECONDS] [--observatory]
                           [--workers N] [--audit-retention-days N]
      Serve the agent API, the JSON API and the web pages.
      Defaults: port ${DEFAULT_PORT}, host 127.0.0.1 (use --host 0.0.0.0 to accept agents from the network),
      database ./${DEFAULT_DB}, the shipped rules. --agent-schedule sets the agents' scan schedule.
      --trust-proxy names the reverse proxies whose X-Forwarded-For gives the client's address (for
      the login limits; none by default: the header is ignored). At most ${DEFAULT_SERVER_LIMITS.maxConnections} connections at once,
      ${DEFAULT_SERVER_LIMITS.maxConnectionsPerAddress} from one address (a trusted proxy counts in the total only); headers within ${DEFAULT_SERVER_LIMITS.headersTimeoutMs / 1000} s,
      a whole request within ${DEFAULT_SERVER_LIMITS.requestTimeoutMs / 1000} s. --workers N (PostgreSQL only) serves with N processes
      sharing the port and the database, restarted when one dies. The audit log keeps its entries
      --audit-retention-days days (or TIEBREAK_AUDIT_RETENTION_DAYS; default ${DEFAULT_AUDIT_RETENTION_DAYS}, 0 keeps them
      forever): older ones are deleted once a day, the deletion itself recorded.
  tiebreak-collector token create [--db FILE] [--name NAME] [--max-uses N] [--expires-in-days N] [--entity ENTITY]
      Create an enrolment token for agents and print it (it is stored only as a hash). With
      --entity, the hosts enrolled with it belong to that entity (see entities).
  tiebreak-collector token list [--json] | token revoke ID [--db FILE]
  tiebreak-collector api-token create --name NAME --role viewer|admin [--expires-in-days N] [--db FILE]
      Create a token for the JSON API (Authorization: Bearer TOKEN) and print it: it is shown only
      this once and stored as a hash. A viewer token reads, an admin token changes too. Without
      --expires-in-days it is valid until revoked.
  tiebreak-collector api-token list [--json] | api-token revoke ID [--db FILE]
      The API tokens as a table (--json for scripts); revocation is effective at once.
  tiebreak-collector agent list [--json] | agent revoke ID|approve ID|refuse ID [--db FILE]
      Enrolled agents (a table; --json for scripts), and revocation of one agent's credential (effective at once). A host is bound
      to its first agent: another credential claiming it (a re-enrolment, another tool's report)
      waits for approve (or refuse), here or on the agents page.
  tiebreak-collector user add NAME [--role admin|viewer] [--password-stdin] [--db FILE]
  tiebreak-collector user passwd NAME [--password-stdin] | user remove NAME | user list [--json] [--db FILE]
      Accounts of the web interface. Without --password-stdin a password is generated, printed once
      and must be changed at the first login. On its first start, serve creates the account
      "admin" that way when there is none. Logins through an LDAP / Active Directory directory or an
      OpenID Connect provider, and TIEBREAK_LOCAL_LOGIN=off, are set by environment variables
      (TIEBREAK_LDAP_*, TIEBREAK_OIDC_*: see docs/deploy-collector.md); these user commands work
      on local accounts whatever the setting.
  tiebreak-collector backup --to FILE|DIR [--db FILE]
      Copy the database with SQLite's online backup: consistent while the collector serves. A DIR
      receives a dated file. The copy is checked (a tiebreak database, not damaged) before it
      takes its name; it holds password and credential hashes: keep it restricted. A PostgreSQL
      database is saved with pg_dump and put back with pg_restore (backup and restore refuse it).
  tiebreak-collector copy-to-postgres --to postgres://… [--db FILE]
      Move a collector from its SQLite file to PostgreSQL: every row of every table copied, in one
      transaction, into a new empty PostgreSQL database (docs/postgresql.md). Stop the collector
      first; the file is not changed.
  tiebreak-collector restore --from FILE [--db FILE] [--force]
      Put a backup in place of the database, once checked (a tiebreak database of a version this
      one knows; an older one is upgraded). Refused while a collector has the
      database open (stop it first); replacing an existing database needs --force.
  tiebreak-collector audit prune [--audit-retention-days N] [--db FILE]
      Delete now the audit log's entries older than the retention (as serve does daily), the
      deletion recorded in the log; prints how many were deleted.
  tiebreak-collector settings set [--name NAME] [--siren SIREN] [--db FILE] | settings show [--json] | settings local-login on|off
      The authority's name and SIREN (9 digits, checked with its Luhn key), shown at the head of
      the report and its exports; an empty value clears one.
      local-login: whether local accounts may log in (the settings page's switch); off needs a
      directory login (LDAP or OpenID Connect), on is the way back in when the directory fails.
  tiebreak-collector import FILE|DIR... [--db FILE] [--rules DIR] [--local-rules DIR]... [--json] [--progress]
      Import the report files that GLPI Agent, FusionInventory Agent or OCS Inventory agents write
      with --local (.ocs, .xml, .json; directories are walked) or that tiebreak-agent scan writes,
      one report per file. Prints a summary: imported, unchanged, rejected with the reason per file.
      Exits with 1 when a file was rejected (the others are imported). The files done are shown on
      the standard error when it is a terminal, or as lines with --progress (never with --json).
  tiebreak-collector map [--db FILE] [--rules DIR] [--local-rules DIR]...
      Print the dependency map as JSON (the same as GET /api/v1/map).
${ASSESSMENT_HELP}${FEDERATION_HELP}${ENTITIES_HELP}  tiebreak-collector classify [FILE] [--rules DIR] [--local-rules DIR]...
      Classify items from FILE or standard input: an inventory JSON, JSON lines or a JSON array of
      {name, publisher, version}, or a CSV with a header (name, publisher, version; ',' or ';').
      Prints one JSON line per item, in input order.
  tiebreak-collector rules check [DIR]
      Validate a rules tree (default: the shipped one; another DIR is checked on top of it):
      schema, ids, country codes, regexes, and every example against its product.
  tiebreak-collector rules coverage FILE [--local-rules DIR]... [--json]
      Share of the items of FILE (as for classify) that the rules recognise, the most frequent
      unknown items, and any origin that differs from an expected_origin column.

Options:
  --db FILE|URL  the database of every command: an SQLite file (default ./${DEFAULT_DB}) or a
                 PostgreSQL URL postgres://USER:PASSWORD@HOST:PORT/DATABASE (its password is never
                 printed). Without --db: the environment variable TIEBREAK_DATABASE_URL, if set.
  --progress     show the progress of long work on the standard error as lines (shown anyway on a
                 terminal, never with --json): an import, the demo, and the reclassification of the
                 catalogue that any command runs first after the rules changed
  --version      print the version
  --help         print this help
`;

/** The error of a database that cannot be opened, with its location (password masked) and the reason. */
function openingError(location: string, error: unknown): Error {
  const message = (error as Error).message ?? String(error);
  // A driver's message never names the password, but it may quote the URL it was given.
  const clean = isPostgresUrl(location) ? message.split(location).join(shownLocation(location)) : message;
  return new InputError(`cannot open the database ${shownLocation(location)}: ${clean}`);
}

async function openStore(location: string): Promise<Db> {
  try {
    return await openDatabase(location);
  } catch (error) {
    throw openingError(location, error);
  }
}

/** Whether this command shows progress (--progress, or a terminal; never with --json): set by main. */
let showProgress = false;

async function openCollector(options: CollectorOptions): Promise<Collector> {
  // New rules reclassify the whole catalogue at opening: long on a large one, so shown.
  let reclassifying: ReturnType<typeof startProgress> | null = null;
  const onReclassifyProgress = (done: number, total: number) => {
    reclassifying ??= startProgress('reclassify', 'catalogue entries', total, showProgress);
    reclassifying.update(done);
    if (done === total) reclassifying.finish();
  };
  try {
    return await createCollector({ onReclassifyProgress, ...options });
  } catch (error) {
    if (error instanceof RulesError) throw error;
    throw openingError(options.dbFile, error);
  }
}

/** What serve does once for the database before it serves: local sessions, the first account. */
async function prepareDatabase(db: Db, directory: DirectoryConfig, log: Logger): Promise<void> {
  if (!directory.localLogin) {
    const ended = await endLocalSessions(db);
    log.info({ ended_sessions: ended }, 'local accounts cannot log in (TIEBREAK_LOCAL_LOGIN=off)');
  }
  if (directory.ldap) log.info({ url: directory.ldap.url, starttls: directory.ldap.startTls }, 'login through the LDAP directory');
  if (directory.oidc) log.info({ issuer: directory.oidc.issuer }, 'login through the OpenID Connect provider');
  // With local login off, a generated password would open nothing: the directory's users come in.
  const first = directory.localLogin
    ? await audited(
        db,
        cliActor(),
        (trx: Db) => ensureFirstAdmin(trx),
        (made) => (made ? { action: 'user.add', object: made.username, details: 'admin, first start' } : null),
      )
    : null;
  if (first)
    process.stdout.write(
      `first start: web account "${first.username}" created with the one-time password ${first.password} (to be changed at the first login)\n`,
    );
}

/**
 * serve --workers N: this process starts N workers (node:cluster), each a whole collector on the
 * same PostgreSQL database sharing the port, and starts another when one dies. What must happen
 * once (the snapshot, a reclassification) is under an advisory lock in the database. Resolves never:
 * SIGINT/SIGTERM stop the workers, then this process.
 */
function servePrimary(count: number, log: Logger, announce: (port: number) => void): Promise<number> {
  let stopping = false;
  let announced = false;
  const live = new Map<number, Worker>();
  const listening = new Set<number>();
  const stopAll = (code: number) => {
    stopping = true;
    process.exitCode = code;
    if (live.size === 0) process.exit(code);
    for (const worker of live.values()) worker.process.kill('SIGTERM');
  };
  const start = () => {
    const worker = cluster.fork();
    live.set(worker.id, worker);
    worker.on('message', (message: { listening?: number }) => {
      if (typeof message?.listening !== 'number') return;
      listening.add(worker.id);
      if (!announced && listening.size === count) {
        announced = true;
        log.info({ workers: count }, 'workers ready');
        announce(message.listening);
      }
    });
    worker.on('exit', (code, signal) => {
      live.delete(worker.id);
      listening.delete(worker.id);
      if (stopping) {
        if (live.size === 0) process.exit(process.exitCode ?? 0);
        return;
      }
      // Before all were ready, a worker that fails (the database unreachable, the port taken)
      // stops the whole: its reason is on the standard error it shares with this process.
      if (!announced) {
        process.stderr.write(`tiebreak-collector: a worker could not start (exit ${code ?? signal})\n`);
        return stopAll(code || 1);
      }
      log.error({ worker: worker.id, code, signal }, 'worker died: starting another');
      start();
    });
  };
  for (let i = 0; i < count; i++) start();
  process.once('SIGINT', () => stopAll(0));
  process.once('SIGTERM', () => stopAll(0));
  return new Promise(() => {});
}

/** The audit log's retention: --audit-retention-days, else TIEBREAK_AUDIT_RETENTION_DAYS, else a year. */
function retentionDays(option: string | undefined): number {
  const text = option ?? process.env.TIEBREAK_AUDIT_RETENTION_DAYS;
  if (text === undefined || (option === undefined && text === '')) return DEFAULT_AUDIT_RETENTION_DAYS;
  try {
    return parseRetentionDays(text);
  } catch (error) {
    throw new UsageError(`${option === undefined ? 'TIEBREAK_AUDIT_RETENTION_DAYS' : '--audit-retention-days'}: ${(error as Error).message}`);
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
    json: { type: 'boolean' },
    'max-uses': { type: 'string' },
    'expires-in-days': { type: 'string' },
    'agent-schedule': { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    'trust-proxy': { type: 'string', multiple: true },
    'max-connections': { type: 'string' },
    'max-connections-per-address': { type: 'string' },
    'request-timeout': { type: 'string' },
    role: { type: 'string' },
    'password-stdin': { type: 'boolean' },
    from: { type: 'string' },
    force: { type: 'boolean' },
    workers: { type: 'string' },
    'audit-retention-days': { type: 'string' },
    progress: { type: 'boolean' },
    ...ASSESSMENT_OPTIONS,
    // --to and --siren too (publish --to, publish authority --siren), shared with backup and settings.
    ...FEDERATION_OPTIONS,
    ...ENTITIES_OPTIONS,
  });
  const early = helpOrVersion(line, HELP, pkg.version);
  if (early !== null) return early;
  const { values, command, args } = line;
  showProgress = progressWanted(values.progress as boolean | undefined, values.json as boolean | undefined);
  // --db wins over TIEBREAK_DATABASE_URL, which wins over the SQLite file of the default. An empty
  // --db counts as none: the service's unit passes --db "$TIEBREAK_DB", left empty for PostgreSQL.
  const dbFile = values.db || process.env.TIEBREAK_DATABASE_URL || DEFAULT_DB;
  const rulesDirs = [values.rules ?? DEFAULT_RULES_DIR, ...(values['local-rules'] ?? [])];

  switch (command) {
    case 'serve': {
      noMoreArguments(args);
      const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, not ${values.port}`);
      const log = pino({ level: process.env.TIEBREAK_LOG_LEVEL ?? 'info' });
      const agentSchedule = values['agent-schedule'];
      if (agentSchedule !== undefined && !CronScheduleSchema.safeParse(agentSchedule).success)
        throw new UsageError(`--agent-schedule must be a cron expression of five fields, not "${agentSchedule}"`);
      // How long after new data the day's assessment snapshot is taken (tests shorten it).
      const snapshotDelayMs = Number(process.env.TIEBREAK_SNAPSHOT_DELAY_MS) || undefined;
      let trustProxy: ReturnType<typeof parseTrustedProxies>;
      try {
        trustProxy = parseTrustedProxies(values['trust-proxy'] ?? []);
      } catch (error) {
        throw new UsageError(`--trust-proxy: ${(error as Error).message}`);
      }
      const whole = (value: string | undefined, flag: string, fallback: number) => {
        if (value === undefined) return fallback;
        const n = Number(value);
        if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} must be a positive whole number, not ${value}`);
        return n;
      };
      const requestTimeoutMs = whole(values['request-timeout'], '--request-timeout', DEFAULT_SERVER_LIMITS.requestTimeoutMs / 1000) * 1000;
      const limits = {
        ...DEFAULT_SERVER_LIMITS,
        maxConnections: whole(values['max-connections'], '--max-connections', DEFAULT_SERVER_LIMITS.maxConnections),
        maxConnectionsPerAddress: whole(values['max-connections-per-address'], '--max-connections-per-address', DEFAULT_SERVER_LIMITS.maxConnectionsPerAddress),
        requestTimeoutMs,
        headersTimeoutMs: Math.min(DEFAULT_SERVER_LIMITS.headersTimeoutMs, requestTimeoutMs),
      };
      const workers = whole(values.workers, '--workers', 1);
      const auditRetentionDays = retentionDays(values['audit-retention-days']);
      if (workers > MAX_WORKERS) throw new UsageError(`--workers is at most ${MAX_WORKERS}, not ${workers}`);
      if (workers > 1 && !isPostgresUrl(dbFile))
        throw new UsageError(`--workers needs a PostgreSQL database (--db postgres://...): an SQLite file is served by one process (${shownLocation(dbFile)})`);
      let directory: ReturnType<typeof directoryConfigFromEnv>;
      try {
        directory = directoryConfigFromEnv(process.env);
      } catch (error) {
        if (error instanceof DirectoryConfigError) throw new UsageError(error.message);
        throw error;
      }
      const host = values.host ?? '127.0.0.1';
      if (!!values['tls-cert'] !== !!values['tls-key']) throw new UsageError('--tls-cert and --tls-key go together');
      const tls = values['tls-cert'] ? { cert: values['tls-cert'], key: values['tls-key']! } : undefined;
      const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
      const announce = (actual: number) => process.stdout.write(`tiebreak collector listening on ${tls ? 'https' : 'http'}://${shown}:${actual}/\n`);

      // What is done once for the database before serving: by the only process, or by the primary
      // of --workers before it starts its workers (which skip it).
      if (workers > 1 && cluster.isPrimary) {
        // Rules that do not load stop here with the reasons, not in each worker.
        loadRules(rulesDirs);
        const db = await openStore(dbFile);
        try {
          await prepareDatabase(db, directory, log);
        } finally {
          await closeDatabase(db);
        }
        return servePrimary(workers, log, announce);
      }
      const serveHere = async (): Promise<number> => {
        const collector = await openCollector({
          dbFile,
          rulesDirs,
          log,
          agentSchedule,
          snapshotDelayMs,
          trustProxy,
          directory,
          observatory: !!values.observatory,
        });
        if (cluster.isPrimary) {
          try {
            await prepareDatabase(collector.db, directory, log);
          } catch (error) {
            await collector.close();
            throw error;
          }
        }
        let listening: Awaited<ReturnType<typeof listen>>;
        try {
          listening = await listen(collector, port, host, tls, limits, trustProxy);
        } catch (error) {
          await collector.close();
          throw new InputError(`cannot serve on ${host}:${port}: ${(error as Error).message}`);
        }
        const { server, port: actual } = listening;
        const stopRetention = scheduleAuditRetention(collector.db, { days: auditRetentionDays, lock: JOB_LOCKS.auditPrune, log });
        log.info(
          { db: shownLocation(dbFile), rules: collector.classifier.fingerprint, vendors: collector.classifier.vendorCount, worker: cluster.worker?.id },
          'collector ready',
        );
        if (cluster.isPrimary) announce(actual);
        else process.send?.({ listening: actual });
        let stopping = false;
        const stop = () => {
          if (stopping) return;
          stopping = true;
          server.close(() => {
            void stopRetention()
              .then(() => collector.close())
              .finally(() => process.exit(0));
          });
          // Kept-alive connections would hold the close back: they are ended once idle.
          (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        // A worker whose primary is gone stops too.
        if (cluster.isWorker) process.once('disconnect', stop);
        return new Promise(() => {});
      };
      if (cluster.isPrimary) return serveHere();
      // A worker that cannot serve exits: its channel to the primary would keep it alive.
      return serveHere().catch((error: unknown) => {
        cluster.worker?.disconnect();
        throw error;
      });
    }
    case 'token':
    case 'agent': {
      const [sub, id, ...rest] = args;
      noMoreArguments(rest);
      const positive = (value: string | undefined, flag: string) => {
        if (value === undefined) return null;
        const n = Number(value);
        if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} must be a positive whole number, not ${value}`);
        return n;
      };
      const db = await openStore(dbFile);
      try {
        if (command === 'token' && sub === 'create') {
          if (id !== undefined) throw new UsageError(`unexpected argument: ${id}`);
          const days = positive(values['expires-in-days'], '--expires-in-days');
          const name = values.name ?? 'default';
          const maxUses = positive(values['max-uses'], '--max-uses');
          const entity = values.entity;
          const { token } = await audited(
            db,
            cliActor(),
            async (trx: Db) =>
              createToken(trx, {
                name,
                maxUses,
                expiresAt: days ? new Date(Date.now() + days * 86_400_000) : null,
                entityId: entity === undefined ? null : await resolveEntity(trx, entity),
              }),
            (created) => ({
              action: 'enrolment-token.create',
              object: created.id,
              details: `"${name}"${maxUses ? `, ${maxUses} uses` : ''}${days ? `, ${days} days` : ''}${entity ? `, entity ${entity}` : ''}`,
            }),
          );
          process.stdout.write(`${token}\n`);
          return 0;
        }
        if (sub === 'list') {
          if (id !== undefined) throw new UsageError(`unexpected argument: ${id}`);
          const rows = command === 'token' ? await listTokens(db) : await listAgents(db);
          if (values.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
          else if (command === 'token') {
            const names = new Map((await listEntities(db)).map((e) => [e.id, e.name]));
            process.stdout.write(formatEnrolmentTokens(rows as TokenRow[], new Date(), names));
          } else process.stdout.write(formatAgents(rows as AgentRow[]));
          return 0;
        }
        if (sub === 'revoke') {
          const target = positive(id, `${command} revoke ID`);
          if (target === null) throw new UsageError(`${command} revoke needs an ID (see '${command} list')`);
          const done = await audited(
            db,
            cliActor(),
            (trx: Db) => (command === 'token' ? revokeToken(trx, target) : revokeAgent(trx, target)),
            (ok) => (ok ? { action: command === 'token' ? 'enrolment-token.revoke' : 'agent.revoke', object: target } : null),
          );
          if (!done) throw new InputError(`no ${command} ${target} to revoke (unknown or already revoked)`);
          process.stdout.write(`${command} ${target} revoked\n`);
          return 0;
        }
        if (command === 'agent' && (sub === 'approve' || sub === 'refuse')) {
          const target = positive(id, `agent ${sub} ID`);
          if (target === null) throw new UsageError(`agent ${sub} needs an ID (see 'agent list')`);
          const done = await audited(
            db,
            cliActor(),
            (trx: Db) => (sub === 'approve' ? approveAgent(trx, target) : refuseAgent(trx, target)),
            (ok) => (ok ? { action: `agent.${sub}`, object: target } : null),
          );
          if (!done) throw new InputError(`no agent ${target} awaiting approval`);
          process.stdout.write(`agent ${target} ${sub === 'approve' ? 'approved' : 'refused'}\n`);
          return 0;
        }
        throw new UsageError(
          `unknown ${command} command: ${sub ?? '(none)'}; try '${command} ${command === 'token' ? 'create|list|revoke ID' : 'list|revoke ID|approve ID|refuse ID'}'`,
        );
      } finally {
        await closeDatabase(db);
      }
    }
    case 'api-token': {
      const [sub, id, ...rest] = args;
      noMoreArguments(rest);
      const db = await openStore(dbFile);
      try {
        if (sub === 'create') {
          if (id !== undefined) throw new UsageError(`unexpected argument: ${id}`);
          if (values.name === undefined) throw new UsageError('api-token create needs --name NAME (what the token is for)');
          const role = values.role as Role | undefined;
          if (role === undefined || !ROLES.includes(role))
            throw new UsageError(`api-token create needs --role viewer or --role admin${role === undefined ? '' : `, not ${role}`}`);
          const days = values['expires-in-days'];
          if (days !== undefined && !/^\d+$/.test(days)) throw new UsageError(`--expires-in-days must be a whole number of days, not ${days}`);
          const name = values.name;
          const created = await audited(
            db,
            cliActor(),
            (trx: Db) => createApiToken(trx, { name, role, expiresInDays: days === undefined ? null : Number(days), createdBy: 'cli' }),
            (made) => ({ action: 'api-token.create', object: made.id, details: `"${name.trim()}" (${role})${days ? `, ${days} days` : ''}` }),
          );
          process.stderr.write(
            `API token ${created.id} "${values.name.trim()}" (${role}) created, ${created.expires_at ? `valid until ${created.expires_at}` : 'valid until revoked'}; it is shown only this once:\n`,
          );
          process.stdout.write(`${created.token}\n`);
          return 0;
        }
        if (sub === 'list') {
          if (id !== undefined) throw new UsageError(`unexpected argument: ${id}`);
          const rows = await listApiTokens(db);
          process.stdout.write(values.json ? `${JSON.stringify(rows, null, 2)}\n` : formatApiTokens(rows));
          return 0;
        }
        if (sub === 'revoke') {
          if (id === undefined) throw new UsageError("api-token revoke needs an ID (see 'api-token list')");
          if (!/^[1-9]\d{0,15}$/.test(id)) throw new UsageError(`api-token revoke ID: a token's ID is a positive whole number, not ${id}`);
          if (
            !(await audited(
              db,
              cliActor(),
              (trx: Db) => revokeApiToken(trx, Number(id)),
              (ok) => (ok ? { action: 'api-token.revoke', object: Number(id) } : null),
            ))
          )
            throw new InputError(`no API token ${id} to revoke (unknown or already revoked)`);
          process.stdout.write(`API token ${id} revoked\n`);
          return 0;
        }
        throw new UsageError(`unknown api-token command: ${sub ?? '(none)'}; try 'api-token create|list|revoke ID'`);
      } catch (error) {
        if (error instanceof AccountError) throw new InputError(error.message);
        throw error;
      } finally {
        await closeDatabase(db);
      }
    }
    case 'backup': {
      noMoreArguments(args);
      if (!values.to) throw new UsageError('backup needs --to FILE or DIR');
      if (isPostgresUrl(dbFile)) throw new InputError(POSTGRES_BACKUP);
      const facts = await backupDatabase(dbFile, values.to);
      process.stdout.write(`backup of ${dbFile} written to ${facts.file}: ${facts.bytes} bytes, database migration ${facts.version}, ${facts.hosts} hosts\n`);
      return 0;
    }
    case 'copy-to-postgres': {
      noMoreArguments(args);
      if (!values.to || !isPostgresUrl(values.to)) throw new UsageError('copy-to-postgres needs --to postgres://… (a new, empty PostgreSQL database)');
      if (isPostgresUrl(dbFile)) throw new UsageError('copy-to-postgres copies an SQLite file: give it with --db FILE');
      if (databaseInUse(dbFile)) throw new InputError(`${dbFile} is open in a running collector: stop it first (systemctl stop tiebreak-collector), then copy`);
      let shown = '';
      const done = await copyToPostgres(dbFile, values.to, (table, rows) => {
        if (!process.stderr.isTTY) return;
        shown = `${table}: ${rows} rows`;
        process.stderr.write(`\r${shown}\x1b[K`);
      });
      if (shown) process.stderr.write('\r\x1b[K');
      const total = Object.values(done.tables).reduce((a, b) => a + b, 0);
      process.stdout.write(
        `${dbFile} copied to ${shownLocation(values.to)}: ${total} rows in ${Object.keys(done.tables).length} tables (${done.tables.hosts ?? 0} hosts), database migration ${done.version}\n`,
      );
      const copied = await openStore(values.to);
      try {
        await recordAudit(copied, { actor: cliActor(), action: 'database.copy', object: dbFile, details: `${total} rows` });
      } finally {
        await closeDatabase(copied);
      }
      return 0;
    }
    case 'restore': {
      noMoreArguments(args);
      if (!values.from) throw new UsageError('restore needs --from FILE (a file written by backup)');
      if (isPostgresUrl(dbFile)) throw new InputError(POSTGRES_BACKUP);
      const done = await restoreDatabase(values.from, dbFile, { force: values.force });
      // Recorded in the restored database, once it is upgraded to this version's schema.
      const restored = await openStore(dbFile);
      try {
        await recordAudit(restored, {
          actor: cliActor(),
          action: 'database.restore',
          object: values.from,
          details: `backup of migration ${done.version}, ${done.hosts} hosts`,
        });
      } finally {
        await closeDatabase(restored);
      }
      process.stdout.write(
        `${dbFile} restored from ${values.from}: database migration ${done.version}, ${done.hosts} hosts${done.upgradeFrom === null ? '' : `, upgraded to migration ${KNOWN_VERSION}`}\n`,
      );
      return 0;
    }
    case 'audit': {
      const [sub, ...rest] = args;
      noMoreArguments(rest);
      if (sub !== 'prune') throw new UsageError('audit prune [--audit-retention-days N] [--db FILE]');
      const days = retentionDays(values['audit-retention-days']);
      const db = await openStore(dbFile);
      try {
        const deleted = await pruneAudit(db, days, cliActor());
        if (values.json) process.stdout.write(`${JSON.stringify({ deleted, retention_days: days })}\n`);
        else
          process.stdout.write(
            days === 0 ? 'retention 0: the audit log is kept forever, nothing deleted\n' : `${deleted} audit log entries older than ${days} days deleted\n`,
          );
      } finally {
        await closeDatabase(db);
      }
      return 0;
    }
    case 'settings': {
      const [sub, ...rest] = args;
      const state = sub === 'local-login' ? rest.shift() : undefined;
      noMoreArguments(rest);
      const db = await openStore(dbFile);
      try {
        // The way back in when the directory fails: local accounts on again (TIEBREAK_LOCAL_LOGIN=off still wins).
        if (sub === 'local-login') {
          if (state !== 'on' && state !== 'off') throw new UsageError(`settings local-login needs on or off, not ${state ?? '(none)'}`);
          const changed = await audited(
            db,
            cliActor(),
            (trx: Db) => setLocalLogin(trx, directoryConfigFromEnv(process.env), state === 'on'),
            (done) => (done ? { action: 'settings.local-login', details: state } : null),
          );
          process.stdout.write(`local accounts' login: ${state}${changed ? '' : ' (unchanged)'}\n`);
          return 0;
        }
        if (sub === 'show') {
          const a = await getAuthority(db);
          process.stdout.write(
            values.json ? `${JSON.stringify(a, null, 2)}\n` : `name:  ${a.name ?? '(not set)'}\nSIREN: ${a.siren ? formatSiren(a.siren) : '(not set)'}\n`,
          );
          return 0;
        }
        if (sub !== 'set')
          throw new UsageError(`unknown settings command: ${sub ?? '(none)'}; try 'settings set --name NAME --siren SIREN' or 'settings show'`);
        if (values.name === undefined && values.siren === undefined) throw new UsageError('settings set needs --name NAME, --siren SIREN or both');
        const change = { name: values.name, siren: values.siren };
        const a = await audited(
          db,
          cliActor(),
          (trx: Db) => setAuthority(trx, change),
          (now) => ({ action: 'settings.authority', details: `${now.name ?? '–'}, SIREN ${now.siren ?? '–'}` }),
        );
        process.stdout.write(`authority: ${authorityLabel(a) || '(not set)'}\n`);
        return 0;
      } finally {
        await closeDatabase(db);
      }
    }
    case 'import': {
      if (!args.length) throw new UsageError('import needs at least one FILE or DIR');
      let listed: ReturnType<typeof listReportFiles>;
      try {
        listed = listReportFiles(args);
      } catch (error) {
        if (error instanceof ImportError) throw new InputError(error.message);
        throw error;
      }
      const { files } = listed;
      if (!files.length) throw new InputError(`no report files (.ocs, .xml, .json) in ${args.join(', ')}`);
      const collector = await openCollector({ dbFile, rulesDirs, log: pino({ level: 'warn' }, process.stderr) });
      const progress = startProgress('import', 'files', files.length, progressWanted(values.progress, values.json));
      let outcomes: ImportOutcome[] = [];
      try {
        outcomes = await importReports(collector.ingestor, files, (_outcome, done) => progress.update(done));
      } finally {
        progress.finish();
        if (outcomes.some((o) => o.status === 'imported')) {
          await collector.takeSnapshot();
          const counts = (['imported', 'unchanged', 'rejected'] as const).map((status) => `${outcomes.filter((o) => o.status === status).length} ${status}`);
          await recordAudit(collector.db, { actor: cliActor(), action: 'inventories.import', details: `${files.length} files: ${counts.join(', ')}` });
        }
        await collector.close();
      }
      const count = (status: ImportOutcome['status']) => outcomes.filter((o) => o.status === status).length;
      const summary = { imported: count('imported'), unchanged: count('unchanged'), rejected: count('rejected') };
      if (values.json) process.stdout.write(`${JSON.stringify({ ...summary, files: outcomes }, null, 2)}\n`);
      else {
        for (const o of outcomes) {
          if (o.status === 'rejected') process.stdout.write(`rejected   ${o.file}: ${o.reason}\n`);
          else process.stdout.write(`${o.status.padEnd(10)} ${o.file}: ${o.hostname}, ${o.software} software items (${o.agent})\n`);
        }
        process.stdout.write(`import: ${summary.imported} imported, ${summary.unchanged} unchanged, ${summary.rejected} rejected\n`);
      }
      return summary.rejected ? 1 : 0;
    }
    case 'user': {
      const [sub, name, ...rest] = args;
      noMoreArguments(rest);
      const db = await openStore(dbFile);
      try {
        const password = () => {
          if (!values['password-stdin']) return { password: generatePassword(), generated: true };
          const text = readInput('-').replace(/\r?\n$/, '');
          return { password: text, generated: false };
        };
        const need = () => {
          if (!name) throw new UsageError(`user ${sub} needs a user NAME`);
          return name;
        };
        if (sub === 'list') {
          if (name) throw new UsageError(`unexpected argument: ${name}`);
          const users = await listUsers(db);
          process.stdout.write(values.json ? `${JSON.stringify(users, null, 2)}\n` : formatUsers(users));
          return 0;
        }
        if (sub === 'add') {
          const role = (values.role ?? 'viewer') as Role;
          if (!ROLES.includes(role)) throw new UsageError(`--role must be admin or viewer, not ${values.role}`);
          const { password: pw, generated } = password();
          await audited(
            db,
            cliActor(),
            (trx: Db) => createUser(trx, need(), role, pw, generated),
            () => ({ action: 'user.add', object: need().trim().toLowerCase(), details: role }),
          );
          process.stdout.write(generated ? `user ${name} (${role}) created; one-time password: ${pw}\n` : `user ${name} (${role}) created\n`);
          return 0;
        }
        if (sub === 'passwd') {
          const { password: pw, generated } = password();
          await audited(
            db,
            cliActor(),
            (trx: Db) => setPassword(trx, need(), pw, generated),
            () => ({ action: 'user.password', object: need(), details: generated ? 'reset to a one-time password' : 'set' }),
          );
          process.stdout.write(generated ? `password of ${name} reset; one-time password: ${pw}\n` : `password of ${name} changed\n`);
          return 0;
        }
        if (sub === 'remove') {
          await audited(
            db,
            cliActor(),
            (trx: Db) => removeUser(trx, need()),
            () => ({ action: 'user.remove', object: need() }),
          );
          process.stdout.write(`user ${name} removed\n`);
          return 0;
        }
        throw new UsageError(`unknown user command: ${sub ?? '(none)'}; try 'user add|passwd|remove NAME' or 'user list'`);
      } catch (error) {
        if (error instanceof AccountError) throw new InputError(error.message);
        throw error;
      } finally {
        await closeDatabase(db);
      }
    }
    case 'report':
    case 'spend':
    case 'asset':
    case 'target':
    case 'scenario': {
      const collector = await openCollector({ dbFile, rulesDirs, log: pino({ level: 'warn' }, process.stderr) });
      try {
        return await runAssessmentCommand(collector, command, args, values);
      } catch (error) {
        if (error instanceof LineErrors) {
          process.stderr.write(`${error.message}\n`);
          return 1;
        }
        throw error;
      } finally {
        await collector.close();
      }
    }
    case 'publish': {
      const collector = await openCollector({ dbFile, rulesDirs, log: pino({ level: 'warn' }, process.stderr) });
      try {
        return await runPublishCommand(collector, args, values);
      } finally {
        await collector.close();
      }
    }
    case 'entities': {
      const db = await openStore(dbFile);
      try {
        return await runEntitiesCommand(db, args, values);
      } finally {
        await closeDatabase(db);
      }
    }
    case 'observatory': {
      const db = await openStore(dbFile);
      try {
        return await runObservatoryCommand(db, args, values);
      } finally {
        await closeDatabase(db);
      }
    }
    case 'map': {
      noMoreArguments(args);
      const collector = await openCollector({ dbFile, rulesDirs, log: pino({ level: 'warn' }, process.stderr) });
      try {
        process.stdout.write(`${JSON.stringify(await computeMap(collector.db, collector.classifier), null, 2)}\n`);
      } finally {
        await collector.close();
      }
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
    case 'rules': {
      const [sub, target, ...rest] = args;
      noMoreArguments(rest);
      if (sub === 'check') {
        const dirs = target && resolve(target) !== resolve(DEFAULT_RULES_DIR) ? [DEFAULT_RULES_DIR, target] : [values.rules ?? DEFAULT_RULES_DIR];
        const result = checkRules(dirs);
        for (const problem of result.problems) process.stderr.write(`${formatProblem(problem)}\n`);
        const summary = `${result.vendors} vendors, ${result.products} products, ${result.examples} examples, ${result.alternatives} alternatives, ${result.corpus} corpus lines`;
        if (result.problems.length) {
          process.stderr.write(`rules check: ${result.problems.length} problem(s) in ${dirs.join(' + ')} (${summary})\n`);
          return 1;
        }
        process.stdout.write(`rules check: ok (${summary})\n`);
        return 0;
      }
      if (sub === 'coverage') {
        if (!target) throw new UsageError('rules coverage needs a FILE');
        const report = coverage(loadClassifier(rulesDirs), parseClassifyInput(readInput(target)));
        process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatCoverage(report));
        return 0;
      }
      throw new UsageError(`unknown rules command: ${sub ?? '(none)'}; try 'rules check' or 'rules coverage FILE'`);
    }
    default:
      throw new UsageError(`unknown command: ${command}`);
  }
}

runMain('tiebreak-collector', main, [RulesError, BackupError, CopyError]);
