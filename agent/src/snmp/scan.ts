// The optional network scan: SNMP (v2c or v3) on a range of addresses, in parallel with a timeout,
// reading the standard MIBs every manageable device implements (MIB-II system group, ENTITY-MIB,
// Printer-MIB, HOST-RESOURCES-MIB). Each device found becomes an inventory of its own, with its role
// (network, printer, phone, storage), manufacturer, model and firmware; its serial is only hashed.
import { randomUUID } from 'node:crypto';
import { InventorySchema, describeIssues, hostIdentity, type DeviceRole, type Inventory } from '@tiebreak/shared';
import type * as Snmp from 'net-snmp';
import { silentLogger, type Logger } from '../log.ts';
import { AGENT_NAME, AGENT_VERSION } from '../version.ts';
import { parseRange } from './range.ts';

export const AUTH_PROTOCOLS = ['md5', 'sha', 'sha224', 'sha256', 'sha384', 'sha512'] as const;
export const PRIV_PROTOCOLS = ['des', 'aes', 'aes256b', 'aes256r'] as const;

export type SnmpCredentials =
  | { version: '2c'; community: string }
  | {
      version: '3';
      user: string;
      authProtocol?: (typeof AUTH_PROTOCOLS)[number];
      authKey?: string;
      privProtocol?: (typeof PRIV_PROTOCOLS)[number];
      privKey?: string;
    };

export interface SnmpScanOptions {
  range: string;
  credentials: SnmpCredentials;
  port?: number;
  /** Per request; each address gets `retries` more attempts. */
  timeoutMs?: number;
  retries?: number;
  /** Addresses queried at once. */
  concurrency?: number;
  log?: Logger;
  now?: Date;
}

export interface SnmpScanResult {
  addresses: number;
  devices: { address: string; inventory: Inventory }[];
  /** Answered, but a computer (inventoried by the agent itself, not as a device). */
  computers: string[];
  /** No answer in time: no device, SNMP off, or (v2c) a wrong community, which devices do not answer. */
  silent: number;
  /** Answered with an error (v3: unknown user, wrong key…), by address. */
  errors: { address: string; message: string }[];
}

export class SnmpOptionsError extends Error {}

const OID = {
  sysDescr: '1.3.6.1.2.1.1.1.0',
  sysObjectID: '1.3.6.1.2.1.1.2.0',
  sysName: '1.3.6.1.2.1.1.5.0',
  sysServices: '1.3.6.1.2.1.1.7.0',
  ifPhysAddress: '1.3.6.1.2.1.2.2.1.6',
  entPhysicalTable: '1.3.6.1.2.1.47.1.1.1',
  hrSystem: '1.3.6.1.2.1.25.1',
  hrDeviceDescr1: '1.3.6.1.2.1.25.3.2.1.3.1',
  printerMib: '1.3.6.1.2.1.43',
  prtGeneralSerialNumber1: '1.3.6.1.2.1.43.5.1.1.17.1',
} as const;

// entPhysicalTable's columns (RFC 6933).
const ENT = { descr: '2', class: '5', firmwareRev: '9', softwareRev: '10', serialNum: '11', mfgName: '12', modelName: '13' } as const;
const CHASSIS = 3;
const PORT = 10;

type Session = Snmp.Session;

/** A printable value of an octet string, or null (empty, placeholder or binary). */
function textOf(value: unknown): string | null {
  const text = Buffer.isBuffer(value) ? value.toString('utf8') : typeof value === 'string' ? value : null;
  // eslint-disable-next-line no-control-regex
  const clean = text
    ?.replace(/\u0000+$/, '')
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '')
    .trim();
  if (!clean || clean.includes('\ufffd') || /^(n\/?a|none|unknown|-+|0+)$/i.test(clean)) return null;
  return clean.slice(0, 1024);
}

function macOf(value: unknown): string | null {
  if (!Buffer.isBuffer(value) || value.length !== 6 || value.every((byte) => byte === 0)) return null;
  return [...value].map((byte) => byte.toString(16).padStart(2, '0')).join(':');
}

function promise<T>(call: (done: (error: Error | null, result?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => call((error, result) => (error ? reject(error) : resolve(result as T))));
}

async function getValues(session: Session, oids: string[], snmp: typeof Snmp): Promise<Map<string, unknown>> {
  const varbinds = await promise<Snmp.Varbind[]>((done) => session.get(oids, done));
  return new Map(varbinds.filter((vb) => !snmp.isVarbindError(vb)).map((vb) => [vb.oid, vb.value]));
}

/** Whether the device implements anything under `prefix` (one GETNEXT). */
async function hasSubtree(session: Session, prefix: string, snmp: typeof Snmp): Promise<boolean> {
  const [vb] = await promise<Snmp.Varbind[]>((done) => session.getNext([prefix], done));
  return !!vb && !snmp.isVarbindError(vb) && vb.oid.startsWith(`${prefix}.`);
}

const PHONE = /\b(ip[ -]?phone|sip[ -]?phone|voip phone|desk phone)\b/i;
const STORAGE = /\b(nas|storage|disk array|san array|storage array|file server appliance)\b/i;

interface DeviceFacts {
  address: string;
  sysDescr: string | null;
  sysObjectID: string | null;
  sysName: string | null;
  sysServices: number | null;
  entities: { class: number | null; descr: string | null; manufacturer: string | null; model: string | null; serial: string | null; firmware: string | null }[];
  printer: boolean;
  printerSerial: string | null;
  printerModel: string | null;
  hostResources: boolean;
  mac: string | null;
}

async function readDevice(session: Session, address: string, snmp: typeof Snmp): Promise<DeviceFacts> {
  const system = await getValues(session, [OID.sysDescr, OID.sysObjectID, OID.sysName, OID.sysServices], snmp);
  const [entityTable, printer, hostResources, interfaces] = await Promise.all([
    promise<Snmp.TableColumnsData>((done) => session.tableColumns(OID.entPhysicalTable, Object.values(ENT), 20, done as Snmp.TableColumnsCallback)).catch(
      () => ({}) as Snmp.TableColumnsData,
    ),
    hasSubtree(session, OID.printerMib, snmp).catch(() => false),
    hasSubtree(session, OID.hrSystem, snmp).catch(() => false),
    promise<Snmp.Varbind[]>((done) => session.getBulk([OID.ifPhysAddress], 0, 10, done as Snmp.GetBulkCallback)).catch(() => [] as Snmp.Varbind[]),
  ]);
  const printerValues = printer
    ? await getValues(session, [OID.prtGeneralSerialNumber1, OID.hrDeviceDescr1], snmp).catch(() => new Map<string, unknown>())
    : new Map<string, unknown>();
  const entities = Object.keys(entityTable)
    .map(Number)
    .sort((a, b) => a - b)
    .map((index) => {
      const column = (name: keyof typeof ENT) => (entityTable as Record<string, Record<number, unknown>>)[index]?.[Number(ENT[name])];
      const cls = Number(column('class'));
      return {
        class: Number.isInteger(cls) ? cls : null,
        descr: textOf(column('descr')),
        manufacturer: textOf(column('mfgName')),
        model: textOf(column('modelName')),
        serial: textOf(column('serialNum')),
        firmware: textOf(column('softwareRev')) ?? textOf(column('firmwareRev')),
      };
    });
  const services = Number(system.get(OID.sysServices));
  return {
    address,
    sysDescr: textOf(system.get(OID.sysDescr)),
    sysObjectID: typeof system.get(OID.sysObjectID) === 'string' ? (system.get(OID.sysObjectID) as string) : null,
    sysName: textOf(system.get(OID.sysName)),
    sysServices: Number.isInteger(services) ? services : null,
    entities,
    printer,
    printerSerial: textOf(printerValues.get(OID.prtGeneralSerialNumber1)),
    printerModel: textOf(printerValues.get(OID.hrDeviceDescr1)),
    hostResources,
    // getBulk answers each repeated OID with an array of varbinds.
    mac:
      (interfaces as unknown as (Snmp.Varbind | Snmp.Varbind[])[])
        .flat()
        .filter((vb) => vb && !snmp.isVarbindError(vb) && vb.oid?.startsWith(`${OID.ifPhysAddress}.`))
        .map((vb) => macOf(vb.value))
        .find((mac) => mac) ?? null,
  };
}

/** A device's role, or null for a computer (HOST-RESOURCES and no switching or routing). */
export function deviceRole(
  facts: Pick<DeviceFacts, 'printer' | 'sysDescr' | 'sysServices' | 'hostResources' | 'entities'>,
  model: string | null,
): DeviceRole | null {
  const said = `${facts.sysDescr ?? ''} ${model ?? ''}`;
  if (facts.printer) return 'printer';
  if (PHONE.test(said)) return 'phone';
  if (STORAGE.test(said)) return 'storage';
  // sysServices (RFC 3418): bit 1 is layer 2 (bridging), bit 2 layer 3 (routing).
  const forwards = facts.sysServices !== null && (facts.sysServices & 0b110) !== 0;
  if (forwards || facts.entities.some((e) => e.class === CHASSIS) || !facts.hostResources) return 'network';
  return null;
}

/** The device as an inventory of the wire format; null for a computer. */
export function deviceInventory(facts: DeviceFacts, now: Date): Inventory | null {
  const chassis = facts.entities.find((e) => e.class === CHASSIS) ?? facts.entities[0];
  const manufacturer = chassis?.manufacturer ?? facts.entities.find((e) => e.manufacturer)?.manufacturer ?? null;
  const model = chassis?.model ?? facts.printerModel ?? chassis?.descr ?? null;
  const role = deviceRole(facts, model);
  if (!role) return null;
  const serial = facts.printerSerial ?? chassis?.serial ?? null;
  const firmware = chassis?.firmware ?? facts.entities.find((e) => e.firmware)?.firmware ?? null;
  const identity = hostIdentity({
    serial,
    deviceId: facts.mac ? `mac:${facts.mac}` : `snmp:${facts.address}:${facts.sysObjectID ?? ''}`,
    hostname: facts.sysName ?? facts.address,
  });
  const inventory = {
    schema_version: 1,
    id: randomUUID(),
    agent: { name: AGENT_NAME, version: AGENT_VERSION },
    collected_at: now.toISOString(),
    host: { ...identity, hostname: identity.hostname.slice(0, 256) },
    os: {
      family: 'other',
      // The first line of sysDescr names the firmware ("Cisco IOS Software, C2960 Software…").
      name: (facts.sysDescr?.split(/\r?\n/)[0] ?? `${manufacturer ?? 'unknown'} firmware`).slice(0, 256),
      version: firmware?.slice(0, 256) ?? null,
      vendor: manufacturer?.slice(0, 256) ?? null,
    },
    hardware: {
      system: { manufacturer: manufacturer?.slice(0, 256) ?? null, model: model?.slice(0, 256) ?? null },
      cpus: [],
      gpus: [],
      disks: [],
      components: facts.entities
        .filter((e) => e.class !== PORT && (e.manufacturer || e.model))
        .slice(0, 64)
        .map((e) => ({ manufacturer: e.manufacturer?.slice(0, 256) ?? null, model: e.model?.slice(0, 256) ?? null })),
    },
    software: [],
    device: { role, discovered_by: 'snmp', sys_object_id: facts.sysObjectID, description: facts.sysDescr },
  };
  const parsed = InventorySchema.safeParse(inventory);
  if (!parsed.success)
    throw new Error(
      `the device at ${facts.address} gave an invalid inventory (${describeIssues(parsed.error)
        .slice(0, 3)
        .map((i) => `${i.path}: ${i.message}`)
        .join('; ')})`,
    );
  return parsed.data;
}

/** Checks what can be checked before sending anything, with a message naming the option. */
export function checkCredentials(credentials: SnmpCredentials): void {
  if (credentials.version === '2c') {
    if (!credentials.community) throw new SnmpOptionsError('SNMP v2c needs --community (or TIEBREAK_SNMP_COMMUNITY)');
    return;
  }
  if (!credentials.user) throw new SnmpOptionsError('SNMP v3 needs --snmp-user');
  if (credentials.authProtocol && !AUTH_PROTOCOLS.includes(credentials.authProtocol))
    throw new SnmpOptionsError(`--auth-protocol must be one of ${AUTH_PROTOCOLS.join(', ')}`);
  if (credentials.privProtocol && !PRIV_PROTOCOLS.includes(credentials.privProtocol))
    throw new SnmpOptionsError(`--priv-protocol must be one of ${PRIV_PROTOCOLS.join(', ')}`);
  // RFC 3414: keys are derived from passwords of at least 8 characters.
  if (credentials.authProtocol && (credentials.authKey ?? '').length < 8)
    throw new SnmpOptionsError('--auth-key (or TIEBREAK_SNMP_AUTH_KEY) needs at least 8 characters with --auth-protocol');
  if (credentials.privProtocol && !credentials.authProtocol)
    throw new SnmpOptionsError('--priv-protocol needs --auth-protocol too (SNMP v3 has no privacy without authentication)');
  if (credentials.privProtocol && (credentials.privKey ?? '').length < 8)
    throw new SnmpOptionsError('--priv-key (or TIEBREAK_SNMP_PRIV_KEY) needs at least 8 characters with --priv-protocol');
}

function openSession(snmp: typeof Snmp, address: string, credentials: SnmpCredentials, options: { port: number; timeout: number; retries: number }): Session {
  if (credentials.version === '2c') return snmp.createSession(address, credentials.community, { ...options, version: snmp.Version2c });
  const level = credentials.privProtocol
    ? snmp.SecurityLevel.authPriv
    : credentials.authProtocol
      ? snmp.SecurityLevel.authNoPriv
      : snmp.SecurityLevel.noAuthNoPriv;
  return snmp.createV3Session(
    address,
    {
      name: credentials.user,
      level,
      ...(credentials.authProtocol ? { authProtocol: snmp.AuthProtocols[credentials.authProtocol], authKey: credentials.authKey } : {}),
      ...(credentials.privProtocol ? { privProtocol: snmp.PrivProtocols[credentials.privProtocol], privKey: credentials.privKey } : {}),
    },
    { ...options, version: snmp.Version3 },
  );
}

/** What an SNMP error means for the operator. */
function explain(error: Error, credentials: SnmpCredentials): string {
  const message = error.message;
  if (credentials.version === '3') {
    if (/usmUnknownUserNames|unknown user/i.test(message)) return `unknown SNMP v3 user "${credentials.user}" (${message})`;
    if (/usmWrongDigests|authentication|digest/i.test(message)) return `wrong authentication key or protocol for user "${credentials.user}" (${message})`;
    if (/decrypt|usmDecryptionErrors/i.test(message)) return `wrong privacy key or protocol for user "${credentials.user}" (${message})`;
    if (/usmUnsupportedSecLevels|security level/i.test(message)) return `security level refused for user "${credentials.user}" (${message})`;
  }
  return message;
}

/** Scan the range; every address is tried, a failing one costs only itself. */
export async function scanNetwork(options: SnmpScanOptions): Promise<SnmpScanResult> {
  const addresses = parseRange(options.range);
  checkCredentials(options.credentials);
  const port = options.port ?? 161;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new SnmpOptionsError(`--snmp-port must be a port number, not ${options.port}`);
  const log = options.log ?? silentLogger;
  // Loaded only for a network scan: a machine scan does not pay for it.
  const snmp = (await import('net-snmp')).default as typeof Snmp;
  const sessionOptions = { port, timeout: options.timeoutMs ?? 2000, retries: options.retries ?? 1 };
  const result: SnmpScanResult = { addresses: addresses.length, devices: [], computers: [], silent: 0, errors: [] };
  const now = options.now ?? new Date();
  let next = 0;
  const worker = async () => {
    while (next < addresses.length) {
      const address = addresses[next++]!;
      const session = openSession(snmp, address, options.credentials, sessionOptions);
      // A session's socket errors (an unreachable network) arrive as events, not as callbacks.
      session.on('error', (error: Error) => log.debug(`snmp ${address}: ${error.message}`));
      try {
        const facts = await readDevice(session, address, snmp);
        const inventory = deviceInventory(facts, now);
        if (inventory) {
          result.devices.push({ address, inventory });
          log.info(
            `snmp ${address}: ${inventory.device?.role} ${inventory.hardware.system?.manufacturer ?? ''} ${inventory.hardware.system?.model ?? ''}`.trimEnd(),
          );
        } else {
          result.computers.push(address);
          log.info(`snmp ${address}: a computer (inventory it with tiebreak-agent itself)`);
        }
      } catch (error) {
        if ((error as Error).name === 'RequestTimedOutError') result.silent++;
        else {
          const message = explain(error as Error, options.credentials);
          result.errors.push({ address, message });
          log.warn(`snmp ${address}: ${message}`);
        }
      } finally {
        session.close();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 32, addresses.length)) }, worker));
  result.devices.sort((a, b) => addresses.indexOf(a.address) - addresses.indexOf(b.address));
  return result;
}
