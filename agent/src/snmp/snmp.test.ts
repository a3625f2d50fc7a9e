// The network scan against real SNMP agents: Debian's snmpd, run unprivileged by the test on a free
// port of two loopback addresses, one configured as a switch (v2c and v3), one as a printer
// (test/snmpd.ts). Sending the devices to a collector runs processes: test/snmp-send.test.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InventorySchema, sha256Hex } from '@tiebreak/shared';
import { runCli, tempDir } from '../../../test/helpers.ts';
import { COMMUNITY, startSnmpDevices, V3 } from '../../../test/snmpd.ts';
import { MAX_SCAN_ADDRESSES, ScanRangeError, parseRange } from './range.ts';
import { SnmpOptionsError, deviceRole, scanNetwork } from './scan.ts';

let port = 0;
let devices: Awaited<ReturnType<typeof startSnmpDevices>> | undefined;

beforeAll(async () => {
  devices = await startSnmpDevices();
  port = devices.port;
}, 30_000);

afterAll(() => devices?.stop());

describe('network scan over SNMP', () => {
  it('finds a switch and a printer with v2c, reads their MIBs, hashes their serials', async () => {
    const result = await scanNetwork({ range: '127.0.0.1-127.0.0.3', credentials: { version: '2c', community: COMMUNITY }, port, timeoutMs: 500, retries: 0 });
    expect(result).toMatchObject({ addresses: 3, silent: 1, errors: [], computers: [] });
    expect(result.devices.map((d) => d.address)).toEqual(['127.0.0.1', '127.0.0.2']);
    const [switchFound, printerFound] = result.devices.map((d) => d.inventory);
    for (const inventory of [switchFound!, printerFound!]) expect(InventorySchema.safeParse(inventory).success).toBe(true);
    expect(switchFound).toMatchObject({
      host: { hostname: 'core-switch-1', id_source: 'hardware-serial', serial_hash: sha256Hex('tiebreak-serial:FOC1234X0AB') },
      os: {
        family: 'other',
        name: 'Cisco IOS Software, C2960 Software (C2960-LANBASEK9-M), Version 15.0(2)SE11',
        vendor: 'Cisco Systems',
        version: '15.0(2)SE11',
      },
      hardware: {
        system: { manufacturer: 'Cisco Systems', model: 'WS-C2960-24TT-L' },
        components: [
          { manufacturer: 'Cisco Systems', model: 'WS-C2960-24TT-L' },
          { manufacturer: 'Cisco Systems', model: 'PWR-C2960-AC' },
        ],
      },
      software: [],
      device: { role: 'network', discovered_by: 'snmp', sys_object_id: '1.3.6.1.4.1.9.1.1208' },
    });
    // The serial never leaves the agent in clear.
    expect(JSON.stringify(result.devices)).not.toMatch(/FOC1234X0AB|VCF1234567/);
    expect(printerFound).toMatchObject({
      host: { hostname: 'copieur-rdc', serial_hash: sha256Hex('tiebreak-serial:VCF1234567') },
      device: { role: 'printer', sys_object_id: '1.3.6.1.4.1.1347.41' },
    });
  });

  it('finds the switch with v3 (SHA, AES), and names a wrong key or an unknown user', async () => {
    const v3 = { version: '3' as const, user: V3.user, authProtocol: 'sha' as const, authKey: V3.authKey, privProtocol: 'aes' as const, privKey: V3.privKey };
    const found = await scanNetwork({ range: '127.0.0.1', credentials: v3, port, timeoutMs: 1000, retries: 0 });
    expect(found.devices[0]?.inventory.host.hostname).toBe('core-switch-1');
    const wrongKey = await scanNetwork({ range: '127.0.0.1', credentials: { ...v3, authKey: 'not-the-key' }, port, timeoutMs: 1000, retries: 0 });
    expect(wrongKey.devices).toEqual([]);
    expect(wrongKey.errors[0]?.message).toMatch(/wrong authentication key/);
    const unknownUser = await scanNetwork({ range: '127.0.0.1', credentials: { ...v3, user: 'nobody' }, port, timeoutMs: 1000, retries: 0 });
    expect(unknownUser.errors[0]?.message).toMatch(/unknown SNMP v3 user "nobody"/);
  });

  it('a wrong v2c community gets no answer: counted as silent', async () => {
    const result = await scanNetwork({ range: '127.0.0.1', credentials: { version: '2c', community: 'wrong' }, port, timeoutMs: 300, retries: 0 });
    expect(result).toMatchObject({ devices: [], silent: 1 });
  });

  it('refuses bad options before sending anything', async () => {
    await expect(scanNetwork({ range: '127.0.0.1', credentials: { version: '2c', community: '' }, port })).rejects.toThrow(SnmpOptionsError);
    await expect(scanNetwork({ range: '127.0.0.1', credentials: { version: '3', user: 'u', authProtocol: 'sha', authKey: 'short' }, port })).rejects.toThrow(
      /at least 8 characters/,
    );
    await expect(
      scanNetwork({ range: '127.0.0.1', credentials: { version: '3', user: 'u', privProtocol: 'aes', privKey: 'long-enough' }, port }),
    ).rejects.toThrow(/needs --auth-protocol/);
  });

  it('scan --snmp on the command line prints the devices and a summary; bad input exits 2', async () => {
    const out = join(tempDir(), 'devices.json');
    const ok = await runCli('agent', ['scan', '--snmp', '127.0.0.1-2', '--snmp-port', String(port), '--snmp-timeout', '500', '--output', out], {
      env: { TIEBREAK_SNMP_COMMUNITY: COMMUNITY },
    });
    expect(ok.stderr).toMatch(/2 devices found among 2 addresses/);
    expect(ok.code).toBe(0);
    const devices = JSON.parse(readFileSync(out, 'utf8')) as unknown[];
    expect(devices.map((d) => InventorySchema.parse(d).device?.role)).toEqual(['network', 'printer']);
    const badRange = await runCli('agent', ['scan', '--snmp', '10.0.0.0/8', '--community', 'x']);
    expect(badRange.code).toBe(2);
    expect(badRange.stderr).toMatch(/more than 4096 addresses/);
    const noCommunity = await runCli('agent', ['scan', '--snmp', '127.0.0.1'], { env: { TIEBREAK_SNMP_COMMUNITY: '' } });
    expect(noCommunity.code).toBe(2);
    expect(noCommunity.stderr).toMatch(/needs --community/);
  }, 30_000);
});

describe('scan ranges', () => {
  it('reads addresses, CIDR blocks, dash ranges and lists, each address once', () => {
    expect(parseRange('192.168.1.7')).toEqual(['192.168.1.7']);
    expect(parseRange('192.168.1.0/30')).toEqual(['192.168.1.1', '192.168.1.2']);
    expect(parseRange('10.0.0.254-10.0.1.1')).toEqual(['10.0.0.254', '10.0.0.255', '10.0.1.0', '10.0.1.1']);
    expect(parseRange('10.0.0.5-7, 10.0.0.6')).toEqual(['10.0.0.5', '10.0.0.6', '10.0.0.7']);
    expect(parseRange('192.168.0.0/24')).toHaveLength(254);
    expect(parseRange('172.16.0.0/20')).toHaveLength(MAX_SCAN_ADDRESSES - 2);
  });

  it('names what is wrong in a bad range', () => {
    expect(() => parseRange('')).toThrow(ScanRangeError);
    expect(() => parseRange('192.168.1.300')).toThrow(/192.168.1.300 is not an IPv4 address/);
    expect(() => parseRange('10.0.0.9-10.0.0.1')).toThrow(/ends before it starts/);
    expect(() => parseRange('10.0.0.0/33')).toThrow(/prefix length/);
    expect(() => parseRange('10.0.0.0/16')).toThrow(/more than 4096 addresses/);
    expect(() => parseRange('printer.mairie.fr')).toThrow(/not an IPv4 address/);
  });
});

describe('device role', () => {
  const base = { printer: false, sysDescr: null, sysServices: null, hostResources: false, entities: [] };
  it('tells printers, phones, storage and network devices from computers', () => {
    expect(deviceRole({ ...base, printer: true, hostResources: true }, null)).toBe('printer');
    expect(deviceRole({ ...base, sysDescr: 'Yealink SIP Phone T46U' }, null)).toBe('phone');
    expect(deviceRole({ ...base, sysDescr: 'Synology NAS DS920+', hostResources: true }, null)).toBe('storage');
    expect(deviceRole({ ...base, sysServices: 2, hostResources: true }, null)).toBe('network');
    // A Linux server running snmpd: HOST-RESOURCES, applications only.
    expect(deviceRole({ ...base, sysDescr: 'Linux srv-files 6.1.0-18-amd64', sysServices: 72, hostResources: true }, null)).toBeNull();
  });
});
