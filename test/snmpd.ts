// Real SNMP agents for the tests: Debian's snmpd, run unprivileged on a free port of two loopback
// addresses, one configured as a switch (v2c and v3), one as a printer. Used by the agent's scan
// tests (agent/src/snmp/snmp.test.ts) and by the sending of devices end to end (test/snmp-send.test.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers.ts';

export const SNMPD = '/usr/sbin/snmpd';
export const COMMUNITY = 'tb-test-community';
export const V3 = { user: 'tbscan', authKey: 'auth-secret-123', privKey: 'priv-secret-456' };

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

/** The switch on 127.0.0.1 and the printer on 127.0.0.2, both on one free port; `stop` ends them. */
export async function startSnmpDevices(): Promise<{ port: number; stop: () => void }> {
  if (!existsSync(SNMPD)) throw new Error(`${SNMPD} is needed (apt-get install snmpd)`);
  const port = await freeUdpPort();
  const daemons = [await startSnmpd('127.0.0.1', port, SWITCH), await startSnmpd('127.0.0.2', port, PRINTER)];
  return { port, stop: () => daemons.forEach((daemon) => daemon.kill('SIGTERM')) };
}
