// The official examples of the GLPI inventory format (fixtures/glpi-inventory-format, see its
// README): a full inventory then each partial one must never erase what the partial does not carry;
// network devices become hosts of their own role, classified by their manufacturer.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectDerivedConsistent } from '../../../test/expect-consistent.ts';
import { Classifier } from '../classify/classifier.ts';
import { DEFAULT_RULES_DIR, loadRuleTrees } from '../classify/load-rules.ts';
import { computeMap } from '../map/map.ts';
import { Ingestor } from '../ingest/ingest.ts';
import { rows, sql, values, value, first, type Db } from '../store/db.ts';
import { closeDatabase, ENGINES, testDatabase } from '../store/test-database.ts';
import { decodeReportFile } from './import.ts';
import { decodeGlpiJson } from './glpi-json.ts';
import { peerInventory, PeerReportError } from './peer-inventory.ts';

const classifier = new Classifier(loadRuleTrees([DEFAULT_RULES_DIR]));
export const EXAMPLES = new URL('./fixtures/glpi-inventory-format/', import.meta.url).pathname;
const example = (name: string) => decodeReportFile(join(EXAMPLES, name));
const SCHEMA_FILE = 'inventory.schema.json';
const REPORTS = readdirSync(EXAMPLES).filter((f) => f.endsWith('.json') && f !== SCHEMA_FILE).sort();
// The official schema (draft-07) as published. It has keywords of its own ("version", "tile") and
// breaks the meta-schema in two places (network_device.ips gives "format" as a list; the items of
// network_ports' connections and vlans list properties without "properties", one named "id"): it is
// compiled as it is, without strict mode nor a check against the meta-schema; draft-04's "id" is not
// read as a keyword, and "format" (ipv4, ipv6) is not checked.
const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
ajv.removeKeyword('id');
ajv.removeKeyword('format');
const validateGlpi = ajv.compile(JSON.parse(readFileSync(join(EXAMPLES, SCHEMA_FILE), 'utf8')) as object);

/** What a host has, by kind: software names with versions, the OS, hardware by part. */
async function hostState(db: Db, hostId: number) {
  const installed = await rows<{ kind: string; package: string | null; name: string; version: string }>(
    db,
    sql`SELECT c.kind, c.package, c.name, i.version FROM installations i
      JOIN catalogue c ON c.id = i.catalogue_id WHERE i.host_id = ${hostId} ORDER BY c.kind, c.package NULLS FIRST, c.name, i.version`,
  );
  const host = (await first<Record<string, unknown>>(db, sql`SELECT hostname, role, os_name, os_version, software_count, hardware_json FROM hosts WHERE id = ${hostId}`))!;
  return {
    host,
    software: installed.filter((r) => r.kind === 'software').map((r) => `${r.name} ${r.version}`),
    os: installed.filter((r) => r.kind === 'os').map((r) => r.name),
    hardware: installed.filter((r) => r.kind === 'hardware').map((r) => `${r.package}: ${r.name}`),
  };
}

describe.each(ENGINES)('official examples of the GLPI inventory format, stored (%s)', (engine) => {
  let db: Db;
  let ingestor: Ingestor;
  beforeEach(async () => {
    db = await testDatabase(engine);
    ingestor = new Ingestor(db, classifier);
  });
  afterEach(async () => {
    await closeDatabase(db);
  });

  it('computer_1 then each of its partial inventories: nothing the partial does not carry is erased', async () => {
    const full = await ingestor.ingest(example('computer_1.json'));
    const before = await hostState(db, full.host_id);
    expect(before.software).toHaveLength(6);
    expect(before.software).toContain('gitg 3.32.1-1.fc31');
    expect(before.os).toEqual(['Fedora']);
    expect(before.hardware).toEqual(expect.arrayContaining(['cpu: Intel(R) Core(TM) i5-6200U CPU @ 2.30GHz', 'disk: PM951 NVMe SAMSUNG 256GB', 'gpu: Skylake GT2 [HD Graphics 520]', 'system: XPS 13 9350']));

    for (const name of ['computer_1_partial_cpu.json', 'computer_1_partial_memory.json', 'computer_1_partial_volumes.json']) {
      const result = await ingestor.ingest(example(name));
      expect(result.host_id, name).toBe(full.host_id);
      const after = await hostState(db, full.host_id);
      expect(after.software, name).toEqual(before.software);
      expect(after.os, name).toEqual(before.os);
      expect(after.hardware, name).toEqual(before.hardware);
      expect(after.host.software_count, name).toBe(6);
    }
    // The software partial brings gitg 3.33.0: only the software changes.
    await ingestor.ingest(example('computer_1_partial_softs.json'));
    const softs = await hostState(db, full.host_id);
    expect(softs.software).toContain('gitg 3.33.0-1.fc31');
    expect(softs.software).not.toContain('gitg 3.32.1-1.fc31');
    expect(softs.software).toHaveLength(6);
    expect(softs.hardware).toEqual(before.hardware);

    const receipts = await values(db, sql`SELECT partial FROM inventory_receipts WHERE host_id = ${full.host_id} ORDER BY received_at, partial`);
    expect(receipts).toEqual([0, 1, 1, 1, 1]);
    expect(await value(db, sql`SELECT COUNT(*) FROM hosts`)).toBe(1);
    await expectDerivedConsistent(db);
  });

  it('a partial inventory of a host never seen is stored as it is', async () => {
    const result = await ingestor.ingest(example('computer_1_partial_cpu.json'));
    expect((await hostState(db, result.host_id)).hardware).toContain('cpu: Intel(R) Core(TM) i5-6200U CPU @ 2.30GHz');
    expect((await hostState(db, result.host_id)).software).toEqual([]);
  });

  it('a printer and a switch become hosts of their role, in the infrastructure area, classified by manufacturer', async () => {
    const printer = example('printer_1.json');
    expect(printer.device).toEqual({ role: 'printer' });
    expect(printer.host).toMatchObject({ hostname: 'NPIF2BE10', id_source: 'hardware-serial' });
    expect(printer.host.serial_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(printer)).not.toContain('PHCVN191TG');
    expect(printer.hardware.system).toEqual({ manufacturer: 'Hewlett-Packard', model: 'HP LaserJet M507', chassis: 'Printer' });
    expect(printer.os).toMatchObject({ family: 'other', name: 'HP LaserJet M507 firmware', version: '2409048_052887', vendor: 'Hewlett-Packard' });
    const network = example('networkequipment_3.excerpt.json');
    expect(network.device).toEqual({ role: 'network' });
    expect(network.os).toMatchObject({ name: '2530-48G firmware', version: 'YA.15.12.0015' });

    const p = await ingestor.ingest(printer);
    const n = await ingestor.ingest(network);
    expect(await values(db, sql`SELECT role FROM hosts ORDER BY id`)).toEqual(['printer', 'network']);
    const system = (hostId: number) =>
      rows(db, sql`SELECT c.area, c.category, c.vendor_id, c.origin FROM installations i
        JOIN catalogue c ON c.id = i.catalogue_id WHERE i.host_id = ${hostId} AND c.package = 'system'`);
    expect(await system(p.host_id)).toEqual([{ area: 'infrastructure', category: 'printing', vendor_id: 'hp-inc', origin: 'non_eu' }]);
    // "Hewlett-Packard" names HP Inc., but a 2530 switch is HPE's (Aruba, formerly ProCurve).
    expect(await system(n.host_id)).toEqual([{ area: 'infrastructure', category: 'network', vendor_id: 'hpe', origin: 'non_eu' }]);
    const map = await computeMap(db, classifier);
    expect(map.totals.hosts).toBe(2);
    expect(map.hosts_by_role).toEqual([{ role: 'network', hosts: 1 }, { role: 'printer', hosts: 1 }]);
    expect(map.by_area_origin).toEqual([expect.objectContaining({ area: 'infrastructure', origin: 'non_eu', hosts: 2 })]);
    await expectDerivedConsistent(db);
  });

});

describe('official examples of the GLPI inventory format', () => {
  it('reads the parts a partial inventory carries', () => {
    expect(example('computer_1.json').partial).toBeUndefined();
    expect(example('computer_1_partial_cpu.json').partial).toEqual(['system', 'board', 'bios', 'virtualization', 'cpus']);
    expect(example('computer_1_partial_softs.json').partial).toEqual(['software', 'os', 'system', 'board', 'bios', 'virtualization']);
    expect(example('computer_1_partial_memory.json').partial).toEqual(['system', 'board', 'bios', 'virtualization']);
  });

  it('a phone reporting its own inventory is a phone', () => {
    const phone = example('phone_1.excerpt.json');
    expect(phone.device).toEqual({ role: 'phone' });
    expect(phone.host.hostname).toBe('Mi9TPro-TéléphoneM');
    expect(phone.software.map((s) => s.name)).toContain('CameraTools');
  });

  it('every example is valid against the official inventory.schema.json, and every one it accepts is imported', () => {
    expect(REPORTS).toHaveLength(8);
    for (const file of REPORTS) {
      const message: unknown = JSON.parse(readFileSync(join(EXAMPLES, file), 'utf8'));
      expect(validateGlpi(message), `${file}: ${ajv.errorsText(validateGlpi.errors)}`).toBe(true);
      expect(() => example(file), file).not.toThrow();
    }
    // What the schema refuses for want of its content, the collector refuses too, with the reason.
    const noContent = { deviceid: 'pc-2026-01-01-00-00-00', action: 'inventory' };
    expect(validateGlpi(noContent)).toBe(false);
    expect(ajv.errorsText(validateGlpi.errors)).toMatch(/must have required property 'content'/);
    expect(() => peerInventory(decodeGlpiJson(JSON.stringify(noContent)))).toThrow(/needs a "content" object/);
  });

  it('refuses what it cannot map, with the reason', () => {
    const message = (json: object) => {
      try {
        peerInventory(decodeGlpiJson(JSON.stringify(json)));
      } catch (error) {
        if (error instanceof PeerReportError) return error.message;
        throw error;
      }
      return 'accepted';
    };
    expect(message({ action: 'netinventory', deviceid: 'x', itemtype: 'Unmanaged', content: { network_device: { type: 'Power' } } })).toMatch(/network device of unknown kind/);
    expect(message({ action: 'inventory', deviceid: 'x', itemtype: 'Monitor', content: {} })).toMatch(/unsupported itemtype "Monitor"/);
    expect(message({ action: 'netinventory', deviceid: 'x', itemtype: 'Printer', content: {} })).toMatch(/needs its manufacturer or model/);
    expect(message({ action: 'inventory', deviceid: 'x', partial: true, content: { memories: [], versionclient: 'x' } })).toMatch(/partial inventory carries none/);
    expect(message({ action: 'inventory', deviceid: 'x', partial: 'yes', content: {} })).toMatch(/"partial" must be true or false/);
    // Network discovery results and FusionInventory's SNMP queries are not taken for inventories.
    const dir = mkdtempSync(join(tmpdir(), 'tiebreak-glpi-refused-'));
    writeFileSync(join(dir, 'discovery.json'), JSON.stringify({ action: 'netdiscovery', deviceid: 'x', content: { network_device: { type: 'Printer' } } }));
    writeFileSync(join(dir, 'snmp.xml'), '<?xml version="1.0"?><REQUEST><QUERY>SNMPQUERY</QUERY><DEVICEID>x</DEVICEID><CONTENT><DEVICE/></CONTENT></REQUEST>');
    expect(() => decodeReportFile(join(dir, 'discovery.json'))).toThrow(/"netdiscovery" message is not an inventory/);
    expect(() => decodeReportFile(join(dir, 'snmp.xml'))).toThrow(/"SNMPQUERY" request is not an inventory/);
  });
});
