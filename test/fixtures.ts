// Inventories for tests and benchmarks, built like an agent would send them.
import { createHash, randomUUID } from 'node:crypto';
import type { Inventory, SoftwareItem } from '@tiebreak/shared';

export const sha = (value: string) => createHash('sha256').update(value).digest('hex');

export interface InventoryOptions {
  machine?: string;
  hostname?: string;
  serial?: string | null;
  osFamily?: Inventory['os']['family'];
  osName?: string;
  software?: Partial<SoftwareItem>[];
  hardware?: Partial<Inventory['hardware']>;
}

export function makeInventory(options: InventoryOptions = {}): Inventory {
  const machine = options.machine ?? 'machine-1';
  return {
    schema_version: 1,
    id: randomUUID(),
    agent: { name: 'tiebreak-agent', version: '0.1.0' },
    collected_at: new Date().toISOString(),
    host: {
      id: sha(`host:${machine}`),
      id_source: 'smbios-uuid',
      hostname: options.hostname ?? machine.toUpperCase(),
      domain: 'mairie.local',
      serial_hash: options.serial === null ? null : sha(`serial:${options.serial ?? machine}`),
    },
    os: { family: options.osFamily ?? 'windows', name: options.osName ?? 'Microsoft Windows 11 Pro', version: '23H2', build: '22631', arch: 'x64' },
    hardware: {
      system: { manufacturer: 'Dell Inc.', model: 'OptiPlex 7010', chassis: 'Desktop' },
      cpus: [{ manufacturer: 'Intel', model: 'Core i5-13500' }],
      gpus: [],
      disks: [],
      ...options.hardware,
    },
    software: (
      options.software ?? [
        { name: 'Google Chrome', version: '131.0.6778.86', publisher: 'Google LLC' },
        { name: 'Mozilla Firefox (x64 fr)', version: '133.0', publisher: 'Mozilla' },
        { name: 'Zoom Workplace (64-bit)', version: '6.2.11', publisher: 'Zoom Video Communications, Inc.' },
        { name: 'Logiciel Métier Inconnu', version: '2.1', publisher: 'Éditeur Régional SARL' },
      ]
    ).map((item) => ({ name: 'x', source: 'registry', scope: 'machine', ...item }) as SoftwareItem),
  };
}

/** A fleet-like catalogue: a common core plus a long tail, as real workstations have. */
export function fleetSoftware(index: number, items = 300): Partial<SoftwareItem>[] {
  const out: Partial<SoftwareItem>[] = [];
  for (let i = 0; i < items; i++) {
    const common = i < items * 0.8;
    const id = common ? i : (index * 7919 + i) % 20_000;
    out.push({ name: `Application ${common ? 'C' : 'T'}${id}`, version: `${(index + i) % 5}.0`, publisher: `Publisher ${id % 400} Inc.` });
  }
  return out;
}
