// GLPI-format inventories written for tiebreak (fixtures/glpi-format, see its README): a full
// inventory then partial ones never erase what a partial does not carry; a large inventory then its
// update replaces what changed; network devices become hosts of their own role, classified by their
// manufacturer; the schema of what the collector reads accepts every fixture and refuses what the
// collector refuses.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectDerivedConsistent } from '../../../test/expect-consistent.ts';
import { Classifier } from '../classify/classifier.ts';
import { DEFAULT_RULES_DIR, loadRuleTrees } from '../classify/load-rules.ts';
import { Ingestor } from '../ingest/ingest.ts';
import { computeMap } from '../map/map.ts';
import { first, rows, sql, value, values, type Db } from '../store/db.ts';
import { closeDatabase, ENGINES, testDatabase } from '../store/test-database.ts';
import { LARGE_FILES, LARGE_PACKAGES, largeInventories, serialise } from './fixtures/glpi-format/generate-large.ts';
import { decodeReportFile } from './import.ts';
import { parseAgentVersion, PeerReportError } from './peer-inventory.ts';

const classifier = new Classifier(loadRuleTrees([DEFAULT_RULES_DIR]));
export const GLPI_FORMAT_FIXTURES = new URL('./fixtures/glpi-format/', import.meta.url).pathname;
const fixture = (name: string) => decodeReportFile(join(GLPI_FORMAT_FIXTURES, name));
const SCHEMA_FILE = 'glpi-format.schema.json';
const REPORTS = readdirSync(GLPI_FORMAT_FIXTURES)
  .filter((f) => f.endsWith('.json') && f !== SCHEMA_FILE)
  .sort();
const PARTIALS = ['workstation-partial-1-cpus.json', 'workstation-partial-2-memories.json', 'workstation-partial-3-volumes.json'];

const ajv = new Ajv({ allErrors: true });
const validateGlpi = ajv.compile(JSON.parse(readFileSync(join(GLPI_FORMAT_FIXTURES, SCHEMA_FILE), 'utf8')) as object);

/** What a host has, by kind: software names with versions, the OS, hardware by part. */
async function hostState(db: Db, hostId: number) {
  const installed = await rows<{ kind: string; package: string | null; name: string; version: string }>(
    db,
    sql`SELECT c.kind, c.package, c.name, i.version FROM installations i
      JOIN catalogue c ON c.id = i.catalogue_id WHERE i.host_id = ${hostId} ORDER BY c.kind, c.package NULLS FIRST, c.name, i.version`,
  );
  const host = (await first<Record<string, unknown>>(
    db,
    sql`SELECT hostname, role, os_name, os_version, os_kernel, software_count, hardware_json FROM hosts WHERE id = ${hostId}`,
  ))!;
  return {
    host,
    software: installed.filter((r) => r.kind === 'software').map((r) => `${r.name} ${r.version}`),
    os: installed.filter((r) => r.kind === 'os').map((r) => r.name),
    hardware: installed.filter((r) => r.kind === 'hardware').map((r) => `${r.package}: ${r.name}`),
  };
}

/** The collector's verdict on a message imported as a file: its reason, or "accepted". */
function collectorVerdict(message: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'tiebreak-glpi-format-')), 'report.json');
  writeFileSync(file, JSON.stringify(message));
  try {
    decodeReportFile(file);
    return 'accepted';
  } catch (error) {
    if (error instanceof PeerReportError) return error.message;
    throw error;
  }
}

describe.each(ENGINES)('GLPI-format inventories, stored (%s)', (engine) => {
  let db: Db;
  let ingestor: Ingestor;
  beforeEach(async () => {
    db = await testDatabase(engine);
    ingestor = new Ingestor(db, classifier);
  });
  afterEach(async () => {
    await closeDatabase(db);
  });

  it('a full inventory then each partial one: nothing the partial does not carry is erased', async () => {
    const full = await ingestor.ingest(fixture('workstation-full.json'));
    const before = await hostState(db, full.host_id);
    expect(before.software).toHaveLength(8);
    expect(before.software).toContain('code 1.93.1-1726079302');
    expect(before.os).toEqual(['Ubuntu']);
    expect(before.hardware).toEqual(
      expect.arrayContaining([
        'cpu: 13th Gen Intel(R) Core(TM) i5-1335U',
        'disk: MZVL4512HBLU-00BLL',
        'gpu: Raptor Lake-P [Iris Xe Graphics]',
        'system: 21HD0052FR',
      ]),
    );

    for (const name of PARTIALS) {
      const result = await ingestor.ingest(fixture(name));
      expect(result.host_id, name).toBe(full.host_id);
      const after = await hostState(db, full.host_id);
      expect(after.software, name).toEqual(before.software);
      expect(after.os, name).toEqual(before.os);
      expect(after.hardware, name).toEqual(before.hardware);
      expect(after.host.software_count, name).toBe(8);
    }
    // The software partial brings code 1.94.2: only the software changes.
    await ingestor.ingest(fixture('workstation-partial-4-softwares.json'));
    const softs = await hostState(db, full.host_id);
    expect(softs.software).toContain('code 1.94.2-1728494015');
    expect(softs.software).not.toContain('code 1.93.1-1726079302');
    expect(softs.software).toHaveLength(8);
    expect(softs.hardware).toEqual(before.hardware);

    const receipts = await values(db, sql`SELECT partial FROM inventory_receipts WHERE host_id = ${full.host_id} ORDER BY received_at, partial`);
    expect(receipts).toEqual([0, 1, 1, 1, 1]);
    expect(await value(db, sql`SELECT COUNT(*) FROM hosts`)).toBe(1);
    await expectDerivedConsistent(db);
  });

  it('a partial inventory of a host never seen is stored as it is', async () => {
    const result = await ingestor.ingest(fixture('workstation-partial-1-cpus.json'));
    expect((await hostState(db, result.host_id)).hardware).toContain('cpu: 13th Gen Intel(R) Core(TM) i5-1335U');
    expect((await hostState(db, result.host_id)).software).toEqual([]);
  });

  it('a large inventory then its update: versions changed, packages removed and added, hardware and OS updated', async () => {
    const { changed, removed, added } = largeInventories();
    const first = await ingestor.ingest(fixture(LARGE_FILES.before));
    const before = await hostState(db, first.host_id);
    expect(before.host).toMatchObject({ hostname: 'srv-applis-01', role: 'server', os_version: '9.4', software_count: LARGE_PACKAGES });
    expect(before.hardware).toContain('bios: Dell Inc.');

    const second = await ingestor.ingest(fixture(LARGE_FILES.after));
    expect(second.host_id).toBe(first.host_id);
    const after = await hostState(db, first.host_id);
    expect(after.host).toMatchObject({
      os_version: '9.5',
      os_kernel: '5.14.0-503.11.1.el9_5.x86_64',
      software_count: LARGE_PACKAGES - removed.length + added.length,
    });
    const names = (software: string[]) => new Set(software.map((s) => s.split(' ')[0]));
    for (const name of removed) expect(names(after.software).has(name), name).toBe(false);
    for (const name of added) expect(names(after.software).has(name), name).toBe(true);
    const versions = (software: string[]) => new Map(software.map((s) => [s.split(' ')[0]!, s.split(' ')[1]!]));
    for (const name of changed) expect(versions(after.software).get(name), name).toMatch(/\.el9_5$/);
    expect(versions(after.software).get(changed[0]!)).not.toBe(versions(before.software).get(changed[0]!));
    // The BIOS update and the larger memory are in the host's hardware as stored.
    expect(JSON.parse(after.host.hardware_json as string).bios).toMatchObject({ vendor: 'Dell Inc.', version: '1.15.1' });
    expect(await values(db, sql`SELECT partial FROM inventory_receipts ORDER BY received_at`)).toEqual([0, 0]);
    expect(await value(db, sql`SELECT COUNT(*) FROM hosts`)).toBe(1);
    await expectDerivedConsistent(db);
  });

  it('a printer, switches and a storage array become hosts of their role, in the infrastructure area, classified by manufacturer', async () => {
    const printer = fixture('printer.json');
    expect(printer.device).toEqual({ role: 'printer' });
    expect(printer.host).toMatchObject({ hostname: 'IMP-ACCUEIL-01', id_source: 'hardware-serial' });
    expect(printer.host.serial_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(printer)).not.toContain('VCF8Z41733');
    expect(printer.hardware.system).toEqual({ manufacturer: 'KYOCERA', model: 'ECOSYS M3655idn', chassis: 'Printer' });
    expect(printer.os).toMatchObject({ family: 'other', name: 'ECOSYS M3655idn firmware', version: '2V9_S000.002.104', vendor: 'KYOCERA' });
    const network = fixture('switch.json');
    expect(network.device).toEqual({ role: 'network' });
    expect(network.os).toMatchObject({ name: '2530-24G-PoEP firmware', version: 'YA.16.11.0021' });
    // The chassis, module and power supply are components; the fan, sensor, slot and ports are not.
    expect(network.hardware.components?.map((c) => c.model)).toEqual(['J9779A', 'J9779A PSU']);

    const p = await ingestor.ingest(printer);
    const n = await ingestor.ingest(network);
    const s = await ingestor.ingest(fixture('storage-array.json'));
    const h = await ingestor.ingest(fixture('switch-query-snmp.json'));
    expect(await values(db, sql`SELECT role FROM hosts ORDER BY id`)).toEqual(['printer', 'network', 'storage', 'network']);
    const system = (hostId: number) =>
      rows(
        db,
        sql`SELECT c.area, c.category, c.vendor_id, c.origin FROM installations i
        JOIN catalogue c ON c.id = i.catalogue_id WHERE i.host_id = ${hostId} AND c.package = 'system'`,
      );
    expect(await system(p.host_id)).toEqual([{ area: 'infrastructure', category: 'printing', vendor_id: 'kyocera', origin: 'non_eu' }]);
    // "Hewlett-Packard" names HP Inc., but a 2530 switch is HPE's (Aruba, formerly ProCurve).
    expect(await system(n.host_id)).toEqual([{ area: 'infrastructure', category: 'network', vendor_id: 'hpe', origin: 'non_eu' }]);
    expect(await system(s.host_id)).toEqual([{ area: 'infrastructure', category: 'storage', vendor_id: 'netapp', origin: 'non_eu' }]);
    expect(await system(h.host_id)).toEqual([expect.objectContaining({ area: 'infrastructure', vendor_id: 'huawei', origin: 'non_eu' })]);
    const map = await computeMap(db, classifier);
    expect(map.totals.hosts).toBe(4);
    expect(map.hosts_by_role).toEqual([
      { role: 'network', hosts: 2 },
      { role: 'printer', hosts: 1 },
      { role: 'storage', hosts: 1 },
    ]);
    expect(map.by_area_origin).toEqual([expect.objectContaining({ area: 'infrastructure', origin: 'non_eu', hosts: 4 })]);
    await expectDerivedConsistent(db);
  });
});

describe('GLPI-format inventories', () => {
  it('reads the parts a partial inventory carries', () => {
    expect(fixture('workstation-full.json').partial).toBeUndefined();
    expect(fixture('workstation-partial-1-cpus.json').partial).toEqual(['system', 'board', 'bios', 'virtualization', 'cpus']);
    expect(fixture('workstation-partial-4-softwares.json').partial).toEqual(['software', 'os', 'system', 'board', 'bios', 'virtualization']);
    expect(fixture('workstation-partial-2-memories.json').partial).toEqual(['system', 'board', 'bios', 'virtualization']);
  });

  it('a phone reporting its own inventory is a phone; its apps keep the user scope, never the user', () => {
    const phone = fixture('phone.json');
    expect(phone.device).toEqual({ role: 'phone' });
    expect(phone.host.hostname).toBe('TEL-PM-04');
    expect(phone.software.map((s) => s.name)).toEqual(['Signal', 'Proton Mail', 'Microsoft Authenticator', 'Appareil photo']);
    expect(new Set(phone.software.map((s) => s.scope))).toEqual(new Set(['user']));
    expect(JSON.stringify(phone)).not.toContain('10213');
  });

  it('the older envelope of a network inventory ("query": "SNMP") is a network inventory', () => {
    const device = fixture('switch-query-snmp.json');
    expect(device.device).toEqual({ role: 'network' });
    expect(device.hardware.system).toMatchObject({ manufacturer: 'Huawei', model: 'S5735-L24P4S-A1' });
    expect(device.os).toMatchObject({ version: 'V200R022C00SPC500' });
    // Its "versionclient" is a bare module version ("5.1"): not an agent's name.
    expect(device.agent).toEqual({ name: 'GLPI-Agent', version: 'unknown' });
  });

  it('reads the agent and its version from "versionclient"', () => {
    expect(parseAgentVersion('GLPI-Agent_v1.11')).toEqual({ name: 'GLPI-Agent', version: '1.11' });
    expect(parseAgentVersion('GLPI-Android-Agent_v2.6.1')).toEqual({ name: 'GLPI-Android-Agent', version: '2.6.1' });
    expect(parseAgentVersion('SCCM-v2.4.1')).toEqual({ name: 'SCCM', version: '2.4.1' });
    expect(parseAgentVersion('4.1')).toBeNull();
    expect(parseAgentVersion('v2.5')).toBeNull();
    expect(fixture('phone.json').agent).toEqual({ name: 'GLPI-Android-Agent', version: '2.6.1' });
  });

  it('the large fixtures are the output of generate-large.ts', () => {
    const { before, after } = largeInventories();
    expect(readFileSync(join(GLPI_FORMAT_FIXTURES, LARGE_FILES.before), 'utf8')).toBe(serialise(before));
    expect(readFileSync(join(GLPI_FORMAT_FIXTURES, LARGE_FILES.after), 'utf8')).toBe(serialise(after));
  });

  it('every fixture is valid against the schema of what the collector reads, and is imported', () => {
    expect(REPORTS).toHaveLength(12);
    for (const file of REPORTS) {
      const message: unknown = JSON.parse(readFileSync(join(GLPI_FORMAT_FIXTURES, file), 'utf8'));
      expect(validateGlpi(message), `${file}: ${ajv.errorsText(validateGlpi.errors)}`).toBe(true);
      expect(collectorVerdict(message), file).toBe('accepted');
    }
  });

  it('what the collector refuses, the schema refuses too; the collector says why', () => {
    const full = JSON.parse(readFileSync(join(GLPI_FORMAT_FIXTURES, 'workstation-full.json'), 'utf8')) as Record<string, unknown>;
    const printer = JSON.parse(readFileSync(join(GLPI_FORMAT_FIXTURES, 'printer.json'), 'utf8')) as { content: Record<string, unknown> };
    const { content: _content, ...noContent } = full;
    const cases: [string, unknown, RegExp, RegExp][] = [
      ['no content', noContent, /must have required property 'content'/, /needs a "content" object/],
      ['content not an object', { ...full, content: [] }, /content must be object/, /needs a "content" object/],
      ['no deviceid', { ...full, deviceid: ' ' }, /deviceid must match pattern/, /has no "deviceid"/],
      ['a deviceid too long', { ...full, deviceid: 'x'.repeat(300) }, /deviceid must NOT have more than 256 characters/, /has no "deviceid"/],
      ['"partial" not a boolean', { ...full, partial: 'yes' }, /partial must be boolean/, /"partial" must be true or false/],
      [
        'a partial inventory of nothing kept',
        { ...full, partial: true, content: { memories: [], versionclient: 'x' } },
        /must match a schema in anyOf/,
        /partial inventory carries none/,
      ],
      ['an unsupported itemtype', { ...full, itemtype: 'Monitor' }, /itemtype must be equal to one of the allowed values/, /unsupported itemtype "Monitor"/],
      [
        'a power supply',
        { ...printer, itemtype: 'Unmanaged', content: { network_device: { type: 'Power', manufacturer: 'APC' } } },
        /itemtype must be equal to one of the allowed values/,
        /network device of unknown kind/,
      ],
      [
        'a printer without its model',
        { ...printer, content: { ...printer.content, network_device: { name: 'IMP-X' } } },
        /must match a schema in anyOf/,
        /needs its manufacturer or model/,
      ],
      [
        'a network discovery result',
        { ...printer, action: 'netdiscovery' },
        /action must be equal to one of the allowed values/,
        /"netdiscovery" message is not an inventory/,
      ],
    ];
    for (const [name, message, schemaError, collectorError] of cases) {
      expect(validateGlpi(message), name).toBe(false);
      expect(ajv.errorsText(validateGlpi.errors), name).toMatch(schemaError);
      expect(collectorVerdict(message), name).toMatch(collectorError);
    }
    // FusionInventory's XML SNMP query is not taken for an inventory either.
    const dir = mkdtempSync(join(tmpdir(), 'tiebreak-glpi-refused-'));
    writeFileSync(join(dir, 'snmp.xml'), '<?xml version="1.0"?><REQUEST><QUERY>SNMPQUERY</QUERY><DEVICEID>x</DEVICEID><CONTENT><DEVICE/></CONTENT></REQUEST>');
    expect(() => decodeReportFile(join(dir, 'snmp.xml'))).toThrow(/"SNMPQUERY" request is not an inventory/);
  });
});
