// `pnpm start`: the main job on one machine. Starts the collector on SQLite, scans this machine with
// the agent, sends the inventory over HTTP like any agent would, prints the map's URL and keeps serving.
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { Delivery, scan } from '@tiebreak/agent';
import { createCollector, createToken, ensureFirstAdmin, listen } from '@tiebreak/collector';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '8080' },
    host: { type: 'string', default: '127.0.0.1' },
    db: { type: 'string', default: 'data/tiebreak.db' },
  },
});

const collector = createCollector({ dbFile: values.db });
const firstAdmin = ensureFirstAdmin(collector.db);
const { server, port } = await listen(collector, Number(values.port), values.host).catch((error: NodeJS.ErrnoException) => {
  console.error(`tiebreak: cannot listen on ${values.host}:${values.port}: ${error.code === 'EADDRINUSE' ? 'the port is in use (try --port 8081)' : error.message}`);
  process.exit(1);
});
const base = `http://${values.host === '0.0.0.0' ? 'localhost' : values.host}:${port}`;
const { token } = createToken(collector.db, 'pnpm start (this machine)');
const inventory = await scan();
// Enrols like any agent (its credential kept beside the database), then sends.
const delivery = new Delivery(join(values.db, '..', 'agent'), base, token, { debug() {}, info() {}, warn() {}, error: (m) => console.error(m) });
const sent = await delivery.send(inventory);
const result = sent.body as { host_id: number; items: number };
console.log(`\nScanned ${inventory.host.hostname}: ${inventory.software.length} software items, sent to the collector (host ${result.host_id}).`);
console.log(`Dependency map:  ${base}/`);
if (firstAdmin)
  console.log(`Log in as "${firstAdmin.username}" with the one-time password ${firstAdmin.password} (you choose your own at the first login).`);
else console.log('Log in with your account (reset a password with: pnpm collector user passwd NAME --db ' + values.db + ').');
console.log(`JSON map:        ${base}/api/v1/map`);
console.log(`Enrol other machines with:  pnpm agent send --server ${base} --token ${token} --state-dir /tmp/tiebreak-agent`);
console.log('Press Ctrl+C to stop.');

const stop = () => server.close(() => (collector.close(), process.exit(0)));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
