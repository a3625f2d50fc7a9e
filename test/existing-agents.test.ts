// Agents already deployed: the real FusionInventory 2.6 and OCS Inventory 2.10 agents of Debian
// (installed by .ci/run) and GLPI Agent JSON reports, sent to a real collector on loopback and
// imported from their --local files.
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { deflateSync, gunzipSync, gzipSync, inflateSync } from 'node:zlib';
import { hostIdentity, type Inventory } from '@tiebreak/shared';
import type { DependencyMap } from '../collector/src/map/map.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDatabase, openDatabase, rows, sql, values, type Db, type Engine } from '../collector/src/store/db.ts';
import { ENGINES, newDatabaseLocation } from '../collector/src/store/test-database.ts';
import { makeInventory } from './fixtures.ts';
import { ROOT, databaseSnapshot, enrolHost, postApi, runCli, startCollector, tempDir, type RunningCollector } from './helpers.ts';

const run = promisify(execFile);
const FIXTURES = join(ROOT, 'collector/src/protocols/fixtures');
const WINDOWS11 = readFileSync(join(FIXTURES, 'glpi-agent-windows11.json'), 'utf8');
const LINUX_SERVER = readFileSync(join(FIXTURES, 'glpi-agent-linux-server.json'), 'utf8');

const basic = (token: string) => `Basic ${Buffer.from(`tiebreak:${token}`).toString('base64')}`;

async function post(url: string, body: Uint8Array | string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: 'POST', body, headers });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

/** Reads the database at `location` (an SQLite file or a PostgreSQL URL) while the collector runs. */
async function reading<T>(location: string, read: (db: Db) => Promise<T>): Promise<T> {
  const db = await openDatabase(location, { poolSize: 1 });
  try {
    return await read(db);
  } finally {
    await closeDatabase(db);
  }
}

function hostsOf(location: string) {
  return reading(location, (db) =>
    rows<{ id: number; hostname: string; agent_name: string; software_count: number; recognised: number; software_rows: number }>(
      db,
      sql`SELECT h.id, h.hostname, h.agent_name, h.software_count,
          COUNT(*) FILTER (WHERE c.kind = 'software' AND c.origin <> 'unknown') AS recognised,
          COUNT(*) FILTER (WHERE c.kind = 'software') AS software_rows
        FROM hosts h JOIN installations i ON i.host_id = h.id JOIN catalogue c ON c.id = i.catalogue_id
        GROUP BY h.id ORDER BY h.id`,
    ),
  );
}

async function originsByAgent(location: string): Promise<Record<string, Record<string, number>>> {
  const found = await reading(location, (db) =>
    rows<{ agent: string; origin: string; n: number }>(
      db,
      sql`SELECT h.agent_name AS agent, c.origin, COUNT(*) AS n FROM hosts h JOIN installations i ON i.host_id = h.id
        JOIN catalogue c ON c.id = i.catalogue_id WHERE c.kind = 'software' GROUP BY h.agent_name, c.origin`,
    ),
  );
  const out: Record<string, Record<string, number>> = {};
  for (const row of found) (out[row.agent] ??= {})[row.origin] = row.n;
  return out;
}

// GLPI Agent 1.x's requests as its HTTP clients build them (GLPI::Agent::HTTP::Client::OCS for the
// first PROLOG, ::GLPI for the JSON messages): LWP's user agent, Pragma, the compression's content
// type, its GLPI-Agent-ID, and bodies compressed with Compress::Zlib (zlib), gzip or not at all.
const GLPI_AGENT_ID = '3a8c9d4e-1f2b-4c5d-8e9f-0a1b2c3d4e5f';
const glpiAgentHeaders = (compression: 'zlib' | 'gzip' | 'none', auth?: string): Record<string, string> => ({
  'user-agent': 'GLPI-Agent_v1.12',
  pragma: 'no-cache',
  'content-type': compression === 'zlib' ? 'application/x-compress-zlib' : compression === 'gzip' ? 'application/x-compress-gzip' : 'application/json',
  'glpi-agent-id': GLPI_AGENT_ID,
  ...(auth ? { authorization: auth } : {}),
});
const compress = (body: string, compression: 'zlib' | 'gzip' | 'none') =>
  compression === 'zlib' ? deflateSync(body) : compression === 'gzip' ? gzipSync(body) : body;
/** JSON as Perl's JSON->new->indent->space_after writes it: three spaces, "key": value. */
const perlJson = (value: unknown) => `${JSON.stringify(value, null, 3)}\n`;
// GLPI-format inventories written for the project (see that folder's README).
const GLPI_FORMAT = join(FIXTURES, 'glpi-format');
const glpiFormat = (name: string) => readFileSync(join(GLPI_FORMAT, name), 'utf8');

/** A collector of its own with an enrolment token, started before the tests of a describe block. */
function collectorWithToken(engine: Engine, tokenName: string) {
  const ctx = {} as { dir: string; dbFile: string; token: string; collector: RunningCollector };
  beforeAll(async () => {
    ctx.dir = tempDir();
    ctx.dbFile = await newDatabaseLocation(engine, join(ctx.dir, 'collector.db'));
    ctx.token = (await runCli('collector', ['token', 'create', '--db', ctx.dbFile, '--name', tokenName])).stdout.trim();
    ctx.collector = await startCollector(ctx.dbFile);
  }, 60_000);
  afterAll(async () => ctx.collector?.stop());
  return ctx;
}

describe.each(ENGINES)('GLPI Agent 1.x over HTTP, full and partial inventories, network devices (%s)', (engine) => {
  const ctx = collectorWithToken(engine, 'glpi-agent');

  it('challenges GLPI Agent with a named realm and the OCS agent with the empty realm it expects', async () => {
    const prolog =
      '<?xml version="1.0" encoding="UTF-8" ?>\n<REQUEST>\n  <DEVICEID>pc-compta-12-2026-09-14-08-30-12</DEVICEID>\n  <QUERY>PROLOG</QUERY>\n</REQUEST>\n';
    const glpiAgent = await post(`${ctx.collector.url}/glpi`, deflateSync(prolog), glpiAgentHeaders('zlib'));
    expect(glpiAgent.status).toBe(401);
    // GLPI Agent's client submits its credentials only when this matches /^Basic realm="(.*)"/ with a realm.
    expect(glpiAgent.headers.get('www-authenticate')).toBe('Basic realm="tiebreak"');
    const ocs = await post(`${ctx.collector.url}/ocsinventory`, deflateSync(prolog), { 'user-agent': 'OCS-NG_unified_unix_agent_v2.10.0' });
    expect(ocs.headers.get('www-authenticate')).toBe('Basic realm=""');
  });

  it('answers its first PROLOG and its contact as a GLPI server, then takes full and partial inventories without erasing', async () => {
    const auth = basic(ctx.token);
    // 1. The legacy PROLOG, sent with its GLPI-Agent-ID: answered with a JSON contact, which the
    //    OCS client finds by sniffing (zlib, as the request was).
    const prolog =
      '<?xml version="1.0" encoding="UTF-8" ?>\n<REQUEST>\n  <DEVICEID>pc-compta-12-2026-09-14-08-30-12</DEVICEID>\n  <QUERY>PROLOG</QUERY>\n</REQUEST>\n';
    const first = await post(`${ctx.collector.url}/glpi`, deflateSync(prolog), glpiAgentHeaders('zlib', auth));
    expect(first.status).toBe(200);
    expect(first.bytes.subarray(0, 2)).toEqual(Buffer.from([0x78, 0x9c]));
    expect(JSON.parse(inflateSync(first.bytes).toString())).toEqual({ status: 'ok', expiration: 24, tasks: { inventory: { server: 'glpi' } } });

    // 2. The contact, in each compression: the answer is typed as GLPI::Agent::HTTP::Client::GLPI
    //    reads it (application/x-compress-zlib, -gzip or json) and has what its scheduling uses.
    const contact = perlJson({
      action: 'contact',
      deviceid: 'pc-compta-12-2026-09-14-08-30-12',
      name: 'GLPI-Agent',
      version: '1.12',
      'installed-tasks': ['inventory', 'netdiscovery', 'netinventory'],
      'enabled-tasks': ['inventory'],
      'httpd-port': 62354,
    });
    for (const compression of ['zlib', 'gzip', 'none'] as const) {
      const answer = await post(`${ctx.collector.url}/glpi`, compress(contact, compression), glpiAgentHeaders(compression, auth));
      expect(answer.status, compression).toBe(200);
      expect(answer.headers.get('content-type'), compression).toBe(glpiAgentHeaders(compression)['content-type']);
      const body = compression === 'zlib' ? inflateSync(answer.bytes) : compression === 'gzip' ? gunzipSync(answer.bytes) : answer.bytes;
      const message = JSON.parse(body.toString());
      expect(message.status).toBe('ok');
      // Message::expiration: a bare number is hours; the agent plans its next contact from it.
      expect(String(message.expiration)).toMatch(/^\d+[dshm]?$/);
      expect(message.tasks.inventory.server).toBe('glpi');
    }

    // 3. The full inventory then its partial inventories, as the agent compresses them.
    const sequence: [string, 'zlib' | 'gzip' | 'none'][] = [
      ['workstation-full.json', 'zlib'],
      ['workstation-partial-1-cpus.json', 'zlib'],
      ['workstation-partial-2-memories.json', 'gzip'],
      ['workstation-partial-3-volumes.json', 'none'],
    ];
    for (const [name, compression] of sequence) {
      const answer = await post(`${ctx.collector.url}/glpi`, compress(glpiFormat(name), compression), glpiAgentHeaders(compression, auth));
      expect(answer.status, name).toBe(200);
      expect(answer.headers.get('content-type'), name).toBe(glpiAgentHeaders(compression)['content-type']);
    }
    const hosts = async () => (await hostsOf(ctx.dbFile)).map((h) => [h.hostname, h.software_count, h.software_rows]);
    expect(await hosts()).toEqual([['pc-compta-12', 8, 8]]);
    const softs = await post(`${ctx.collector.url}/glpi`, deflateSync(glpiFormat('workstation-partial-4-softwares.json')), glpiAgentHeaders('zlib', auth));
    expect(softs.status).toBe(200);
    expect(await hosts()).toEqual([['pc-compta-12', 8, 8]]);
    expect(await reading(ctx.dbFile, (db) => values(db, sql`SELECT partial FROM inventory_receipts ORDER BY received_at, partial`))).toEqual([0, 1, 1, 1, 1]);
  });

  it('takes network inventories of a printer and a switch as hosts of their role, and imports the same files alike', async () => {
    const auth = basic(ctx.token);
    for (const name of ['printer.json', 'switch.json']) {
      const answer = await post(`${ctx.collector.url}/glpi`, deflateSync(glpiFormat(name)), glpiAgentHeaders('zlib', auth));
      expect(answer.status, name).toBe(200);
    }
    const map = (await (await ctx.collector.get('/api/v1/map')).json()) as DependencyMap;
    expect(map.hosts_by_role).toEqual(
      expect.arrayContaining([
        { role: 'printer', hosts: 1 },
        { role: 'network', hosts: 1 },
      ]),
    );
    const list = await (await ctx.collector.get('/hosts?role=printer')).text();
    expect(list).toContain('IMP-ACCUEIL-01');
    expect(list).not.toContain('pc-compta-12');

    const importDb = await newDatabaseLocation(engine, join(ctx.dir, 'import.db'));
    // Every report of the folder, in name order: each sequence in its order.
    const reports = readdirSync(GLPI_FORMAT)
      .filter((f) => f.endsWith('.json') && !f.endsWith('.schema.json'))
      .sort();
    const imported = await runCli('collector', ['import', ...reports.map((f) => join(GLPI_FORMAT, f)), '--db', importDb, '--json']);
    expect(imported.code, imported.stdout + imported.stderr).toBe(0);
    // A partial inventory that changes nothing tiebreak keeps of the host is counted unchanged.
    expect(JSON.parse(imported.stdout)).toMatchObject({ imported: 10, unchanged: 2, rejected: 0 });
    const hosts = await reading(importDb, (db) =>
      rows<{ hostname: string; role: string; software_count: number }>(db, sql`SELECT hostname, role, software_count FROM hosts`),
    );
    expect(hosts.sort((a, b) => a.hostname.localeCompare(b.hostname))).toEqual([
      { hostname: 'BAIE-STOCKAGE-01', role: 'storage', software_count: 0 },
      { hostname: 'IMP-ACCUEIL-01', role: 'printer', software_count: 0 },
      { hostname: 'pc-compta-12', role: 'workstation', software_count: 8 },
      { hostname: 'srv-applis-01', role: 'server', software_count: 1195 },
      { hostname: 'SW-ECOLE-JAURES', role: 'network', software_count: 0 },
      { hostname: 'SW-HDV-RDC-01', role: 'network', software_count: 0 },
      { hostname: 'TEL-PM-04', role: 'phone', software_count: 4 },
    ]);
  });
});

describe.each(ENGINES)('GLPI Agent JSON and the XML protocol over HTTP (%s)', (engine) => {
  const ctx = collectorWithToken(engine, 'glpi');

  it('challenges with HTTP Basic as the agents expect, and refuses a wrong token', async () => {
    const none = await post(`${ctx.collector.url}/ocsinventory`, '<REQUEST/>');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    const wrong = await post(`${ctx.collector.url}/glpi`, '{}', { authorization: basic('tbk0000') });
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.bytes.toString())).toMatchObject({ status: 'error', message: 'unknown or revoked token' });
  });

  it('answers contact and PROLOG, then ingests JSON reports sent plain, zlib and gzip', async () => {
    const contact = await post(
      `${ctx.collector.url}/glpi`,
      JSON.stringify({ action: 'contact', deviceid: 'PC-URBA-042-2026-03-14-09-12-55', name: 'GLPI-Agent', version: '1.11', 'enabled-tasks': ['inventory'] }),
      {
        authorization: basic(ctx.token),
        'content-type': 'application/json',
      },
    );
    expect(contact.status).toBe(200);
    expect(JSON.parse(contact.bytes.toString())).toMatchObject({ status: 'ok', expiration: 24, tasks: { inventory: {} } });

    const prolog = await post(
      `${ctx.collector.url}/ocsinventory`,
      deflateSync('<?xml version="1.0"?><REQUEST><DEVICEID>x-2026</DEVICEID><QUERY>PROLOG</QUERY></REQUEST>'),
      {
        authorization: basic(ctx.token),
        'content-type': 'application/x-compress-zlib',
      },
    );
    expect(prolog.status).toBe(200);
    expect(inflateSync(prolog.bytes).toString()).toContain('<RESPONSE>SEND</RESPONSE>');

    const windows = await post(`${ctx.collector.url}/glpi`, deflateSync(WINDOWS11), {
      authorization: basic(ctx.token),
      'content-type': 'application/x-compress-zlib',
    });
    expect(windows.status).toBe(200);
    expect(JSON.parse(inflateSync(windows.bytes).toString())).toEqual({ status: 'ok', expiration: 24 });
    const linux = await post(`${ctx.collector.url}/glpi/`, gzipSync(LINUX_SERVER), { authorization: basic(ctx.token) });
    expect(linux.status).toBe(200);
    const again = await post(`${ctx.collector.url}/glpi`, LINUX_SERVER, { authorization: basic(ctx.token), 'content-type': 'application/json' });
    expect(again.status).toBe(200);

    const map = (await (await ctx.collector.get(`/api/v1/map`)).json()) as DependencyMap;
    expect(map.totals.hosts).toBe(2);
    expect(map.hosts_by_agent).toEqual([{ agent: 'GLPI-Agent', hosts: 2 }]);
    const hosts = await hostsOf(ctx.dbFile);
    expect(hosts.map((h) => [h.hostname, h.software_count])).toEqual([
      ['PC-URBA-042', 13],
      ['srv-sig-01', 10],
    ]);
    // Everything but the one home-grown business application is recognised by the rules.
    expect(hosts.map((h) => h.recognised)).toEqual([12, 10]);
    const page = await (await ctx.collector.get(`/`)).text();
    expect(page).toContain('GLPI-Agent');
    expect(page).not.toContain('<script>alert(1)</script>');

    // The same machine through tiebreak's own agent (same SMBIOS UUID): one host, not two.
    const id = hostIdentity({ smbiosUuid: '4c4c4544-0048-3210-804b-b7c04f4b3333', serial: '7H2K3L3', hostname: 'PC-URBA-042' });
    const inventory: Inventory = { ...makeInventory({ hostname: 'PC-URBA-042' }), host: id };
    // The host is bound to the GLPI Agent's credential: tiebreak's agent waits for an admin's approval.
    const enrolled = await enrolHost(ctx.collector.url, ctx.token, { id: id.id, hostname: 'PC-URBA-042' });
    expect((await postApi(ctx.collector.url, '/api/v1/inventories', enrolled.body.credential, inventory)).status).toBe(503);
    expect((await runCli('collector', ['agent', 'approve', String(enrolled.body.agent_id), '--db', ctx.dbFile])).code).toBe(0);
    expect((await postApi(ctx.collector.url, '/api/v1/inventories', enrolled.body.credential, inventory)).status).toBe(200);
    const after = (await (await ctx.collector.get(`/api/v1/map`)).json()) as DependencyMap;
    expect(after.totals.hosts).toBe(2);
    expect(after.hosts_by_agent).toEqual([
      { agent: 'GLPI-Agent', hosts: 1 },
      { agent: 'tiebreak-agent', hosts: 1 },
    ]);
  });

  it('imports the same reports from files to the same result, and recognises them when imported again', async () => {
    const files = join(ctx.dir, 'reports');
    const importDb = await newDatabaseLocation(engine, join(ctx.dir, 'import.db'));
    await run('mkdir', ['-p', join(files, 'linux')]);
    writeFileSync(join(files, 'PC-URBA-042.json'), WINDOWS11);
    writeFileSync(join(files, 'linux', 'srv-sig-01.json'), LINUX_SERVER);
    writeFileSync(join(files, 'broken.xml'), '<REQUEST><QUERY>INVENTORY</QUERY><DEVICEID>x</DEVICEID><CONTENT>');
    const first = await runCli('collector', ['import', files, '--progress', '--db', importDb]);
    expect(first.code).toBe(1);
    expect(first.stdout).toMatch(/rejected +\S+broken\.xml: invalid XML/);
    expect(first.stdout).toContain('import: 2 imported, 0 unchanged, 1 rejected');
    expect(first.stderr).toContain('import: 3/3 files (100%)\n');
    expect((await hostsOf(importDb)).map((h) => [h.hostname, h.agent_name, h.software_count, h.recognised]).sort()).toEqual([
      ['PC-URBA-042', 'GLPI-Agent', 13, 12],
      ['srv-sig-01', 'GLPI-Agent', 10, 10],
    ]);
    const second = await runCli('collector', ['import', join(files, 'PC-URBA-042.json'), join(files, 'linux'), '--db', importDb, '--json']);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ imported: 0, unchanged: 2, rejected: 0 });
  });

  it('answers bad input with a 4xx and stores nothing', async () => {
    const before = await databaseSnapshot(ctx.dbFile);
    const auth = { authorization: basic(ctx.token) };
    const inventoryXml = (inner: string) => `<?xml version="1.0"?><REQUEST><QUERY>INVENTORY</QUERY><DEVICEID>evil-2026</DEVICEID>${inner}</REQUEST>`;
    const cases: [string, Uint8Array | string, number, RegExp][] = [
      [
        'entity expansion',
        `<?xml version="1.0"?><!DOCTYPE REQUEST [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><REQUEST><QUERY>INVENTORY</QUERY><DEVICEID>&b;</DEVICEID></REQUEST>`,
        400,
        /DOCTYPE/,
      ],
      [
        'external entity',
        `<?xml version="1.0"?><!DOCTYPE REQUEST [<!ENTITY x SYSTEM "file:///etc/passwd">]><REQUEST><QUERY>INVENTORY</QUERY><DEVICEID>&x;</DEVICEID></REQUEST>`,
        400,
        /DOCTYPE/,
      ],
      ['deep nesting', inventoryXml(`<CONTENT>${'<X>'.repeat(5000)}${'</X>'.repeat(5000)}</CONTENT>`), 400, /nested deeper/],
      ['huge attribute', inventoryXml(`<CONTENT><HARDWARE NAME="${'A'.repeat(1_000_000)}"/></CONTENT>`), 400, /longer than/],
      ['truncated zlib', deflateSync(inventoryXml('<CONTENT><HARDWARE><NAME>pc</NAME></HARDWARE></CONTENT>')).subarray(0, 40), 400, /not valid zlib/],
      ['decompression bomb', deflateSync(Buffer.alloc(80 * 1024 * 1024, 0x20)), 413, /decompressed body too large/],
      ['too large on the wire', Buffer.alloc(9 * 1024 * 1024, 0x41), 413, /too large/],
      [
        'a device without its model',
        JSON.stringify({ action: 'netinventory', deviceid: 'p', itemtype: 'Printer', content: {} }),
        400,
        /needs its manufacturer or model/,
      ],
      ['an unsupported itemtype', JSON.stringify({ action: 'inventory', deviceid: 'p', itemtype: 'Monitor', content: {} }), 400, /unsupported itemtype/],
      ['not XML nor JSON', 'hello', 415, /expected a JSON or XML/],
    ];
    for (const [name, body, status, message] of cases) {
      const answer = await post(`${ctx.collector.url}/glpi`, body, auth);
      expect(answer.status, name).toBe(status);
      expect(JSON.parse(answer.bytes.toString()).message, name).toMatch(message);
    }
    expect(await databaseSnapshot(ctx.dbFile)).toEqual(before);
  }, 60_000);

  it('lists peer agents with their protocol and refuses a revoked one', async () => {
    const agents = JSON.parse((await runCli('collector', ['agent', 'list', '--json', '--db', ctx.dbFile])).stdout) as {
      id: number;
      hostname: string;
      protocol: string;
    }[];
    const server = agents.find((a) => a.hostname === 'srv-sig-01')!;
    expect(server.protocol).toBe('glpi-json');
    expect((await runCli('collector', ['agent', 'revoke', String(server.id), '--db', ctx.dbFile])).code).toBe(0);
    const refused = await post(`${ctx.collector.url}/glpi`, LINUX_SERVER.replace('02:00:12', '04:00:12'), { authorization: basic(ctx.token) });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.bytes.toString()).message).toMatch(/revoked/);
  });
});

// Each agent reports to a collector of its own (on SQLite: what is stored goes the same way as the
// GLPI reports above, which run on both engines; the agents' runs are what takes the time here): on a machine without an SMBIOS UUID (a container)
// both fall back to a device id made of the host name and the time of their first run, which two
// agents run in the same second share, so that one collector would rightly see one host.
describe('the real FusionInventory and OCS Inventory agents of Debian', () => {
  const AGENTS = {
    fusion: { name: 'FusionInventory-Agent', fileName: 'FusionInventory-Agent' },
    ocs: { name: 'OCS-NG_unified_unix_agent', fileName: 'OCS-Inventory-Agent' },
  } as const;
  type AgentKey = keyof typeof AGENTS;
  let dir: string;
  const collectors = {} as Record<AgentKey, { dbFile: string; collector: RunningCollector; token: string }>;
  let ours: Inventory;

  beforeAll(async () => {
    dir = tempDir();
    for (const key of Object.keys(AGENTS) as AgentKey[]) {
      const dbFile = join(dir, `${key}.db`);
      const token = (await runCli('collector', ['token', 'create', '--db', dbFile])).stdout.trim();
      collectors[key] = { dbFile, token, collector: await startCollector(dbFile) };
    }
    const scan = await runCli('agent', ['scan', '--output', join(dir, 'tiebreak.json')]);
    expect(scan.code, scan.stderr).toBe(0);
    ours = JSON.parse(readFileSync(join(dir, 'tiebreak.json'), 'utf8'));
  }, 120_000);
  afterAll(async () => {
    for (const c of Object.values(collectors)) await c.collector.stop();
  });

  const names = (items: { name: string }[]) => new Set(items.map((i) => i.name));

  it('fusioninventory-agent and ocsinventory-agent send this machine to the collector, with the package count of tiebreak-agent', async () => {
    const url = (key: AgentKey) => `${collectors[key].collector.url}/ocsinventory`;
    const fusion = await run(
      'fusioninventory-agent',
      [
        '--server',
        url('fusion'),
        '--user',
        'tiebreak',
        '--password',
        collectors.fusion.token,
        '--no-task',
        'Deploy,ESX,NetDiscovery,NetInventory,WakeOnLan,Collect',
      ],
      { timeout: 180_000 },
    );
    expect(fusion.stdout + fusion.stderr).not.toMatch(/\[error\]/);
    // Debian's configuration of the OCS agent writes reports locally: --nolocal sends them instead.
    const ocs = await run('ocsinventory-agent', ['--nolocal', '--server', url('ocs'), '--user', 'tiebreak', '--password', collectors.ocs.token], {
      timeout: 180_000,
    });
    expect(ocs.stdout + ocs.stderr).not.toMatch(/\[error\]|Cannot establish communication/);

    const ourPackages = ours.software.filter((s) => s.source === 'dpkg' || s.source === 'rpm');
    for (const key of Object.keys(AGENTS) as AgentKey[]) {
      const { collector, dbFile } = collectors[key];
      const map = (await (await collector.get(`/api/v1/map`)).json()) as DependencyMap;
      expect(map.hosts_by_agent).toEqual([{ agent: AGENTS[key].name, hosts: 1 }]);
      const [host, ...more] = await hostsOf(dbFile);
      expect(more).toEqual([]);
      // Both agents read the dpkg and rpm databases as tiebreak-agent does: the same packages.
      expect(host!.software_count, key).toBe(ourPackages.length);
      const reported = await reading(dbFile, (db) =>
        rows<{ name: string }>(db, sql`SELECT c.name FROM installations i JOIN catalogue c ON c.id = i.catalogue_id WHERE c.kind = 'software'`),
      );
      expect(names(reported)).toEqual(names(ourPackages));
      // FusionInventory names the distribution as publisher: its report is classified like ours. The
      // OCS agent sends no maintainer for Linux packages: the distribution's index recognises them.
      expect(host!.recognised / host!.software_rows, key).toBeGreaterThanOrEqual(0.95);
    }
    // Sources one sees and the other not (snap, flatpak): printed for the record.
    const others = ours.software.filter((s) => s.source !== 'dpkg' && s.source !== 'rpm');
    if (others.length) console.log(`seen by tiebreak-agent only: ${others.map((s) => `${s.source}:${s.name}`).join(', ')}`);
  }, 400_000);

  it('their --local files import to the same result', async () => {
    const local = { fusion: join(dir, 'local-fusion'), ocs: join(dir, 'local-ocs') };
    await run('mkdir', ['-p', local.fusion, local.ocs]);
    await run('fusioninventory-agent', ['--local', local.fusion, '--no-task', 'Deploy,ESX,NetDiscovery,NetInventory,WakeOnLan,Collect'], { timeout: 180_000 });
    await run('ocsinventory-agent', [`--local=${local.ocs}`], { timeout: 180_000 });
    for (const key of Object.keys(AGENTS) as AgentKey[]) {
      expect(
        readdirSync(local[key]).filter((f) => f.endsWith('.ocs')),
        key,
      ).toHaveLength(1);
      const importDb = join(dir, `import-${key}.db`);
      const imported = await runCli('collector', ['import', local[key], '--db', importDb, '--json']);
      expect(imported.code, imported.stdout + imported.stderr).toBe(0);
      expect(JSON.parse(imported.stdout)).toMatchObject({ imported: 1, rejected: 0 });
      // The OCS agent names itself in its HTTP User-Agent only; its files carry no agent name.
      const viaFiles = await originsByAgent(importDb);
      expect(Object.keys(viaFiles)).toEqual([AGENTS[key].fileName]);
      expect(viaFiles[AGENTS[key].fileName]).toEqual((await originsByAgent(collectors[key].dbFile))[AGENTS[key].name]);
    }
  }, 400_000);
});
