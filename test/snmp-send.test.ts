// `send --snmp` end to end: the agent scans two real SNMP devices (test/snmpd.ts) and sends each
// through a spool of its own to a collector process, enrolled once as the machine it runs on.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anyIdentity } from '../agent/src/sources/any-identity.ts';
import { scan } from '../agent/src/scan.ts';
import { runCli, startCollector, tempDir } from './helpers.ts';
import { COMMUNITY, startSnmpDevices } from './snmpd.ts';

let port = 0;
let devices: Awaited<ReturnType<typeof startSnmpDevices>> | undefined;

beforeAll(async () => {
  devices = await startSnmpDevices();
  port = devices.port;
}, 30_000);

afterAll(() => devices?.stop());

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
