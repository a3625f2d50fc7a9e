// `pnpm start`: the main job on one machine. Starts the collector on SQLite, scans this machine with
// the agent, sends the inventory over HTTP like any agent would, prints the map's URL and keeps serving.
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { dirname, join } from 'node:path';
import pino from 'pino';
import { Delivery, followCollector, scan, writePrivateFile } from '@tiebreak/agent';
import { checkEnrolmentToken, createCollector, createToken, ensureFirstAdmin, isPostgresUrl, listen, shownLocation } from '@tiebreak/collector';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '8080' },
    host: { type: 'string', default: '127.0.0.1' },
    db: { type: 'string', default: 'data/tiebreak.db' },
    verbose: { type: 'boolean', default: false },
  },
});

// The collector's JSON log lines go to a file beside the database (--verbose: to the terminal),
// so that the terminal shows only what a person reads. With a PostgreSQL database (--db
// postgres://...), the log and the agent's files go to data/.
const home = isPostgresUrl(values.db) ? 'data' : dirname(values.db);
const logFile = join(home, 'tiebreak.log');
const log = values.verbose ? pino({ level: 'info' }) : pino({ level: 'info' }, pino.destination({ dest: logFile, mkdir: true, sync: true }));
const collector = await createCollector({ dbFile: values.db, log });
const firstAdmin = await ensureFirstAdmin(collector.db);
const { server, port } = await listen(collector, Number(values.port), values.host).catch((error: NodeJS.ErrnoException) => {
  console.error(
    `tiebreak: cannot listen on ${values.host}:${values.port}: ${error.code === 'EADDRINUSE' ? 'the port is in use (try --port 8081)' : error.message}`,
  );
  process.exit(1);
});
const base = `http://${values.host === '0.0.0.0' ? 'localhost' : values.host}:${port}`;
// One enrolment token for every run of `pnpm start`, kept beside the database (readable by its
// owner only): a new one each run would pile up valid tokens.
const agentDir = join(home, 'agent');
const tokenFile = join(agentDir, 'start-token');
const kept = existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : '';
const token = kept && (await checkEnrolmentToken(collector.db, kept)).ok ? kept : (await createToken(collector.db, 'pnpm start (this machine)')).token;
if (token !== kept) writePrivateFile(tokenFile, `${token}\n`);
// This database is the same collector whatever port it is served on today: the credential follows.
followCollector(agentDir, base);
const inventory = await scan();
// Enrols like any agent (its credential kept beside the database), then sends.
const delivery = new Delivery(agentDir, base, token, { debug() {}, info() {}, warn() {}, error: (m) => console.error(m) });
const sent = await delivery.send(inventory).catch((error: Error) => {
  console.error(`tiebreak: ${error.message}`);
  server.close();
  void collector.close().finally(() => process.exit(1));
  return new Promise<never>(() => {});
});
// A rescan that found nothing new is answered "unchanged", without an item count.
const result = sent.body as { host_id: number; items?: number };
console.log(
  result.items === undefined
    ? `\nScanned ${inventory.host.hostname}: unchanged since the last scan (${inventory.software.length} software, the OS and hardware), host ${result.host_id} on the collector.`
    : `\nScanned ${inventory.host.hostname}: ${result.items} items (${inventory.software.length} software, the OS and hardware), sent to the collector (host ${result.host_id}).`,
);
console.log(`Dependency map:  ${base}/`);
if (firstAdmin) console.log(`Log in as "${firstAdmin.username}" with the one-time password ${firstAdmin.password} (you choose your own at the first login).`);
else console.log(`Log in with your account (reset a password with: pnpm collector user passwd NAME --db ${shownLocation(values.db)}).`);
console.log(`JSON map:        ${base}/api/v1/map`);
console.log(`Enrol other machines with:  pnpm agent send --server ${base} --token ${token} --state-dir /tmp/tiebreak-agent`);
console.log(values.verbose ? 'Press Ctrl+C to stop.' : `Press Ctrl+C to stop. The collector's log: ${logFile} (--verbose to see it here).`);

const stop = () => server.close(() => void collector.close().finally(() => process.exit(0)));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
