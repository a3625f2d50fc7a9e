// The network scan against real SNMP agents: Debian's snmpd, run unprivileged by the test on a free
// port of two loopback addresses, one configured as a switch (v2c and v3), one as a printer.
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InventorySchema, sha256Hex } from '@tiebreak/shared';
import { runCli, startCollector, tempDir } from '../../../test/helpers.ts';
import { anyIdentity } from '../sources/any-identity.ts';
import { scan } from '../scan.ts';
import { MAX_SCAN_ADDRESSES, ScanRangeError, parseRange } from './range.ts';
import { SnmpOptionsError, deviceRole, scanNetwork } from './scan.ts';

const SNMPD = '/usr/sbin/snmpd';
const COMMUNITY = 'tb-test-community';
const V3 = { user: 'tbscan', authKey: 'auth-secret-123', privKey: 'priv-secret-456' };

async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

function startSnmpd(address: string, port: number, lines: string[]): Promise<ChildProcess> {
  const dir = tempDir('tiebreak-snmpd-');
  const config = join(dir, 'snmpd.conf');
  writeFileSync(config, [`agentaddress udp:${address}:${port}`, ...lines, ''].join('\n'));
  // -f: foreground; -C: this file only; -Lo: log to stdout; no MIB files needed (numeric OIDs).
  const child = spawn(SNMPD, ['-f', '-C', '-c', config, '-Lo', '-M', dir, '-m', '', '-I', '-smux'], {
    env: { ...process.env, SNMP_PERSISTENT_DIR: dir, MIBS: '', MIBDIRS: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`snmpd did not start: ${output}`)), 10_000);
    const read = (chunk: Buffer) => {
      output += chunk;
      if (output.includes('NET-SNMP version')) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.on('exit', (code) => reject(new Error(`snmpd exited (${code}): ${output}`)));
  });
}

const SWITCH = [
  `rocommunity ${COMMUNITY} 127.0.0.0/8`,
  `createUser ${V3.user} SHA "${V3.authKey}" AES "${V3.privKey}"`,
  `rouser ${V3.user} priv`,
  'sysName core-switch-1',
  'sysDescr Cisco IOS Software, C2960 Software (C2960-LANBASEK9-M), Version 15.0(2)SE11',
  'sysObjectID .1.3.6.1.4.1.9.1.1208',
  // Layers 2 and 3: a switch that routes.
  'sysServices 6',
  // ENTITY-MIB: the chassis (class 3) and a power supply (class 6).
  'override .1.3.6.1.2.1.47.1.1.1.1.2.1001 octet_str "Catalyst 2960 24 ports"',
  'override .1.3.6.1.2.1.47.1.1.1.1.5.1001 integer 3',
  'override .1.3.6.1.2.1.47.1.1.1.1.10.1001 octet_str "15.0(2)SE11"',
  'override .1.3.6.1.2.1.47.1.1.1.1.11.1001 octet_str "FOC1234X0AB"',
  'override .1.3.6.1.2.1.47.1.1.1.1.12.1001 octet_str "Cisco Systems"',
  'override .1.3.6.1.2.1.47.1.1.1.1.13.1001 octet_str "WS-C2960-24TT-L"',
  'override .1.3.6.1.2.1.47.1.1.1.1.5.1002 integer 6',
  'override .1.3.6.1.2.1.47.1.1.1.1.12.1002 octet_str "Cisco Systems"',
  'override .1.3.6.1.2.1.47.1.1.1.1.13.1002 octet_str "PWR-C2960-AC"',
];

const PRINTER = [
  `rocommunity ${COMMUNITY} 127.0.0.0/8`,
  'sysName copieur-rdc',
  'sysDescr KYOCERA Document Solutions Printing System',
  'sysObjectID .1.3.6.1.4.1.1347.41',
  'sysServices 72',
  // Printer-MIB: prtGeneralSerialNumber.1.
  'override .1.3.6.1.2.1.43.5.1.1.17.1 octet_str "VCF1234567"',
];

let port = 0;
const daemons: ChildProcess[] = [];

beforeAll(async () => {
  if (!existsSync(SNMPD)) throw new Error(`${SNMPD} is needed (apt-get install snmpd)`);
  port = await freeUdpPort();
  daemons.push(await startSnmpd('127.0.0.1', port, SWITCH), await startSnmpd('127.0.0.2', port, PRINTER));
}, 30_000);

afterAll(() => {
  for (const daemon of daemons) daemon.kill('SIGTERM');
});

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

describe('send --snmp', () => {
  it('sends each device through a spool of its own, with the credential of this machine', async () => {
    const dir = tempDir();
    const dbFile = join(dir, 'collector.db');
    const token = (await runCli('collector', ['token', 'create', '--db', dbFile])).stdout.trim();
    const collector = await startCollector(dbFile);
    try {
      const stateDir = join(dir, 'agent');
      const sent = await runCli(
        'agent',
        [
          'send',
          '--snmp',
          '127.0.0.1-2',
          '--snmp-port',
          String(port),
          '--snmp-timeout',
          '500',
          '--server',
          collector.url,
          '--token',
          token,
          '--state-dir',
          stateDir,
        ],
        {
          env: { TIEBREAK_SNMP_COMMUNITY: COMMUNITY },
        },
      );
      expect(sent.stderr).toMatch(/2 devices found among 2 addresses/);
      // Enrolled once, as this machine, not as each device.
      const agents = JSON.parse((await runCli('collector', ['agent', 'list', '--db', dbFile, '--json'])).stdout) as { host_key: string }[];
      expect(agents.map((a) => a.host_key)).toEqual([(await scan({ sources: [anyIdentity] })).host.id]);
      // This machine's own spool is left alone.
      expect(existsSync(join(stateDir, 'spool', 'pending')) ? readdirSync(join(stateDir, 'spool', 'pending')) : []).toEqual([]);
      const devicesSpool = join(stateDir, 'spool-devices');
      expect(sent.code).toBe(0);
      expect(sent.stdout).toMatch(/sent 2 device inventories/);
      expect(readdirSync(join(devicesSpool, 'pending'))).toEqual([]);
      // The collector keeps them as devices of their own role, each with its maker.
      const map = JSON.parse((await runCli('collector', ['map', '--db', dbFile])).stdout) as { hosts_by_role?: { role: string; hosts: number }[] };
      expect(JSON.stringify(map.hosts_by_role)).toMatch(/network/);
      expect(JSON.stringify(map.hosts_by_role)).toMatch(/printer/);
    } finally {
      await collector.stop();
    }
  }, 60_000);
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
