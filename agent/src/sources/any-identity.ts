// The identifiers the stable host id is derived from: SMBIOS UUID, Windows MachineGuid or Linux
// machine-id, and the system serial (only ever sent hashed).
import { si } from '../sysinfo.ts';
import { dmiValue } from './any-hardware.ts';
import type { InventorySource } from './types.ts';

export const anyIdentity: InventorySource = {
  id: 'any-identity',
  platforms: ['linux', 'win32', 'darwin'],
  async collect() {
    const [uuid, system] = await Promise.all([si.uuid(), si.system()]);
    return {
      identity: {
        smbiosUuid: uuid.hardware || system.uuid || null,
        // systeminformation reports /etc/machine-id on Linux and MachineGuid on Windows as "os".
        machineId: process.platform === 'win32' ? null : uuid.os || null,
        machineGuid: process.platform === 'win32' ? uuid.os || null : null,
        serial: dmiValue(system.serial),
      },
    };
  },
};
