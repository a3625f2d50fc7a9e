// The stable host id: a salted SHA-256 of the most durable identifier available, so the raw
// identifier never leaves the machine. The agent and the collector (for reports of GLPI,
// FusionInventory and OCS agents) derive it with this one function: a machine that reports through
// tiebreak's agent and through another agent is one host.
import { createHash } from 'node:crypto';
import type { HostIdentity } from './wire.ts';

/** The identifiers a host id can be derived from, as read on the machine (never sent raw). */
export interface RawIdentity {
  smbiosUuid?: string | null;
  machineGuid?: string | null;
  machineId?: string | null;
  serial?: string | null;
  /** Another inventory agent's own id for the machine (GLPI/FusionInventory/OCS DEVICEID). */
  deviceId?: string | null;
  hostname?: string | null;
  domain?: string | null;
}

// Firmware placeholders shared by many machines: never an identity.
const BOGUS_UUIDS = new Set([
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '03000200-0400-0500-0006-000700080009',
  '00020003-0004-0005-0006-000700080009',
]);

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

function usable(value: string | null | undefined): string | null {
  const v = value?.trim().toLowerCase();
  if (!v || BOGUS_UUIDS.has(v) || /^[0f-]+$/.test(v)) return null;
  return v;
}

/** SMBIOS UUID first (survives a reinstall), then MachineGuid or machine-id, the serial, a peer agent's device id. */
export function hostIdentity(raw: RawIdentity): HostIdentity {
  const candidates: [HostIdentity['id_source'], string | null][] = [
    ['smbios-uuid', usable(raw.smbiosUuid)],
    ['machine-guid', usable(raw.machineGuid)],
    ['machine-id', usable(raw.machineId)],
    ['hardware-serial', usable(raw.serial)],
    ['device-id', raw.deviceId?.trim() ? `device:${raw.deviceId.trim()}` : null],
  ];
  const found = candidates.find(([, value]) => value);
  const hostname = raw.hostname?.trim() || 'unknown-host';
  const [idSource, value] = found ?? ['other', `hostname:${hostname.toLowerCase()}`];
  return {
    id: sha256Hex(`tiebreak-host:${value}`),
    id_source: idSource,
    hostname,
    domain: raw.domain ?? null,
    serial_hash: raw.serial ? sha256Hex(`tiebreak-serial:${raw.serial.trim()}`) : null,
  };
}
