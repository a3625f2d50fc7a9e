import { readFileSync } from 'node:fs';
import { hostIdentity } from '@tiebreak/shared';
import { describe, expect, it } from 'vitest';
import { decodeGlpiJson } from './glpi-json.ts';
import { decodeOcsXml } from './ocs-xml.ts';
import { parseAgentVersion, peerInventory, PeerReportError } from './peer-inventory.ts';
import { basicPasswords } from './routes.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const glpi = (name: string) => peerInventory(decodeGlpiJson(fixture(name)));

describe('GLPI Agent JSON (inventory_format)', () => {
  it('maps a Windows 11 workstation: OS, hardware vendors, software with scope, and nothing personal', () => {
    const inventory = glpi('glpi-agent-windows11.json');
    expect(inventory.agent).toEqual({ name: 'GLPI-Agent', version: '1.11' });
    expect(inventory.host).toMatchObject({ hostname: 'PC-URBA-042', domain: 'mairie.local', id_source: 'smbios-uuid' });
    expect(inventory.os).toMatchObject({
      family: 'windows',
      name: 'Microsoft Windows 11 Professionnel',
      version: '23H2',
      build: '10.0.22631',
      vendor: 'Microsoft',
    });
    expect(inventory.hardware).toMatchObject({
      system: { manufacturer: 'Dell Inc.', model: 'Latitude 5440', chassis: 'Laptop' },
      board: { manufacturer: 'Dell Inc.', model: '0WNV7X' },
      bios: { vendor: 'Dell Inc.', version: '1.14.0' },
      cpus: [{ manufacturer: 'Intel', model: '13th Gen Intel(R) Core(TM) i5-1345U' }],
      gpus: [{ manufacturer: 'Intel Corporation', model: 'Intel(R) Iris(R) Xe Graphics' }],
      disks: [{ manufacturer: 'Samsung', model: 'PM9B1 NVMe Samsung 512GB' }],
      virtualization: null,
    });
    // The agent's local time with its offset (+0100), as UTC.
    expect(inventory.collected_at).toBe('2026-11-20T07:41:17.000Z');
    expect(inventory.software).toHaveLength(13);
    expect(inventory.software.find((s) => s.name === 'Zoom Workplace')).toMatchObject({
      scope: 'user',
      source: 'registry',
      publisher: 'Zoom Video Communications, Inc.',
    });
    expect(inventory.software.find((s) => s.name === 'Microsoft.WindowsCalculator')).toMatchObject({ source: 'appx' });
    expect(inventory.software.find((s) => s.name.startsWith('Microsoft 365'))).toMatchObject({ installed_on: '2025-09-03', arch: 'x86_64' });
    // User names, owner, SIDs and processes of the report are not carried over.
    const json = JSON.stringify(inventory);
    for (const personal of ['jdupont', 'Jeanne', 'S-1-5-21', 'explorer.exe', 'MAIRIE"']) expect(json).not.toContain(personal);
  });

  it('maps a Linux server on VMware with rpm packages', () => {
    const inventory = glpi('glpi-agent-linux-server.json');
    expect(inventory.os).toMatchObject({ family: 'linux', name: 'Rocky Linux', version: '9.4', kernel: '5.14.0-427.42.1.el9_4.x86_64' });
    expect(inventory.hardware).toMatchObject({ virtualization: 'VMware', system: { manufacturer: 'VMware, Inc.' } });
    expect(inventory.software.map((s) => s.source)).toEqual(Array(10).fill('rpm'));
    expect(JSON.stringify(inventory)).not.toContain('admin-sig');
  });

  it('derives the host id from the SMBIOS UUID exactly as tiebreak-agent does: one host, whichever agent reports', () => {
    const inventory = glpi('glpi-agent-windows11.json');
    // tiebreak-agent reads the same UUID (lower case on Linux, upper case from WMI).
    const ours = hostIdentity({ smbiosUuid: '4c4c4544-0048-3210-804b-b7c04f4b3333', serial: '7H2K3L3', hostname: 'PC-URBA-042' });
    expect(inventory.host.id).toBe(ours.id);
    expect(inventory.host.serial_hash).toBe(ours.serial_hash);
  });

  it('falls back to the serial, then to the device id, when the machine has no usable SMBIOS UUID', () => {
    const report = JSON.parse(fixture('glpi-agent-linux-server.json'));
    report.content.hardware.uuid = '03000200-0400-0500-0006-000700080009'; // a firmware placeholder
    expect(peerInventory(decodeGlpiJson(JSON.stringify(report))).host.id_source).toBe('hardware-serial');
    delete report.content.bios.ssn;
    const inventory = peerInventory(decodeGlpiJson(JSON.stringify(report)));
    expect(inventory.host.id_source).toBe('device-id');
    expect(inventory.host.id).toBe(hostIdentity({ deviceId: 'srv-sig-01-2025-11-02-17-40-03', hostname: 'srv-sig-01' }).id);
  });

  it('gives the same report the same id (a replay is recognised) and another report another id', () => {
    const text = fixture('glpi-agent-linux-server.json');
    expect(peerInventory(decodeGlpiJson(text)).id).toBe(peerInventory(decodeGlpiJson(text)).id);
    expect(peerInventory(decodeGlpiJson(text.replace('02:00:12', '03:00:12'))).id).not.toBe(peerInventory(decodeGlpiJson(text)).id);
  });

  it('rejects what is not an inventory it can map, with the reason', () => {
    const bad: [string, RegExp][] = [
      ['not json', /not valid JSON/],
      ['[]', /expected a JSON object/],
      ['{"action": "inventory", "content": {}}', /no "deviceid"/],
      ['{"action": "inventory", "deviceid": "x"}', /needs a "content" object/],
      ['{"action": "inventory", "deviceid": "x", "itemtype": "Monitor", "content": {}}', /unsupported itemtype "Monitor"/],
      [`{"deviceid": "x", "content": ${'{"a":'.repeat(40)}1${'}'.repeat(40)}}`, /nested deeper/],
    ];
    for (const [text, reason] of bad) expect(() => decodeGlpiJson(text), text).toThrow(reason);
  });
});

describe('FusionInventory and OCS Inventory XML', () => {
  it('maps a FusionInventory 2.6 report recorded on Debian 12', () => {
    const report = decodeOcsXml(fixture('fusioninventory-2.6-debian12.ocs'));
    expect(report).toMatchObject({ protocol: 'ocs-xml', query: 'inventory', deviceid: 'vm-2026-11-23-12-34-40' });
    const inventory = peerInventory(report);
    expect(inventory.agent).toEqual({ name: 'FusionInventory-Agent', version: '2.6-3' });
    expect(inventory.os).toMatchObject({ family: 'linux', name: 'Debian GNU/Linux', version: '12.11', arch: 'x86_64' });
    expect(inventory.hardware.cpus).toEqual([{ manufacturer: 'AMD', model: 'AMD EPYC' }]);
    expect(inventory.software).toHaveLength(5);
    expect(inventory.software[0]).toMatchObject({ name: 'adduser', version: '3.134', source: 'dpkg', arch: 'all', publisher: 'Debian' });
    expect(inventory.host).toMatchObject({ hostname: 'vm', id_source: 'device-id' });
  });

  it('maps an OCS Inventory 2.10 report recorded on Debian 12: home pages are not publishers', () => {
    const inventory = peerInventory(decodeOcsXml(fixture('ocsinventory-2.10-debian12.ocs')), { agent: 'OCS-NG_unified_unix_agent_v2.10.0' });
    expect(inventory.agent).toEqual({ name: 'OCS-NG_unified_unix_agent', version: '2.10.0' });
    expect(inventory.os).toMatchObject({ family: 'linux', name: 'Debian GNU/Linux', version: '12' });
    expect(inventory.software).toHaveLength(5);
    expect(inventory.software.every((s) => s.source === 'dpkg' && s.publisher === null)).toBe(true);
    expect(inventory.software[0]).toMatchObject({ name: 'adduser', installed_on: '2025-04-20' });
  });

  it('answers a PROLOG as a PROLOG, without content', () => {
    const report = decodeOcsXml(
      '<?xml version="1.0"?><REQUEST><DEVICEID>pc-1-2026-01-01-00-00-00</DEVICEID><QUERY>PROLOG</QUERY><TOKEN>12345678</TOKEN></REQUEST>',
    );
    expect(report).toMatchObject({ query: 'prolog', content: null });
    expect(() => peerInventory(report)).toThrow(PeerReportError);
  });

  it('refuses DTDs, entity expansion, external entities, deep nesting and huge attributes', () => {
    const laughs = `<?xml version="1.0"?><!DOCTYPE REQUEST [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><REQUEST><QUERY>INVENTORY</QUERY><DEVICEID>&c;</DEVICEID></REQUEST>`;
    const xxe = `<?xml version="1.0"?><!DOCTYPE REQUEST [<!ENTITY x SYSTEM "file:///etc/passwd">]><REQUEST><QUERY>INVENTORY</QUERY><DEVICEID>&x;</DEVICEID></REQUEST>`;
    const undeclared = '<REQUEST><QUERY>INVENTORY</QUERY><DEVICEID>&x;</DEVICEID></REQUEST>';
    const deep = `<REQUEST><QUERY>INVENTORY</QUERY><DEVICEID>d</DEVICEID><CONTENT>${'<A>'.repeat(100)}${'</A>'.repeat(100)}</CONTENT></REQUEST>`;
    const attribute = `<REQUEST a="${'x'.repeat(100_000)}"><QUERY>INVENTORY</QUERY></REQUEST>`;
    expect(() => decodeOcsXml(laughs)).toThrow(/DOCTYPE is not accepted/);
    expect(() => decodeOcsXml(xxe)).toThrow(/DOCTYPE is not accepted/);
    expect(() => decodeOcsXml(undeclared)).toThrow(/undefined entity/);
    expect(() => decodeOcsXml(deep)).toThrow(/nested deeper than 32/);
    expect(() => decodeOcsXml(attribute)).toThrow(/attribute a of <REQUEST> longer than/);
    expect(() => decodeOcsXml('<REQUEST><QUERY>INVENTORY</QUERY>')).toThrow(/invalid XML/);
    expect(() => decodeOcsXml('<REPLY/>')).toThrow(/expected a <REQUEST>/);
    expect(() => decodeOcsXml('<REQUEST><QUERY>INVENTORY</QUERY></REQUEST>')).toThrow(/no DEVICEID/);
  });
});

describe('agent names and credentials', () => {
  it("reads the agents' version strings", () => {
    expect(parseAgentVersion('FusionInventory-Agent_v2.6-3')).toEqual({ name: 'FusionInventory-Agent', version: '2.6-3' });
    expect(parseAgentVersion('GLPI-Agent_v1.11')).toEqual({ name: 'GLPI-Agent', version: '1.11' });
    expect(parseAgentVersion('OCS-NG_unified_unix_agent_v2.10.0')).toEqual({ name: 'OCS-NG_unified_unix_agent', version: '2.10.0' });
    expect(parseAgentVersion('')).toBeNull();
  });

  it('finds the token in a Basic header, also after the OCS agent base64-decoded it', () => {
    const token = `tbk${'0123456789abcdef'.repeat(3).slice(0, 45)}`;
    const basic = (user: Buffer | string, password: Buffer | string) =>
      `Basic ${Buffer.concat([Buffer.from(user), Buffer.from(':'), Buffer.from(password)]).toString('base64')}`;
    expect(basicPasswords(basic('tiebreak', token))).toContain(token);
    // ocsinventory-agent --user tiebreak --password TOKEN sends decode_base64(user):decode_base64(TOKEN).
    const decodedUser = Buffer.from('tiebreak', 'base64');
    expect(basicPasswords(basic(decodedUser, Buffer.from(token, 'base64')))).toContain(token);
    expect(basicPasswords('Bearer x')).toBeNull();
    expect(basicPasswords(undefined)).toBeNull();
  });
});
