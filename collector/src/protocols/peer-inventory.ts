// Reports of GLPI Agent, FusionInventory Agent and OCS Inventory agents, mapped into tiebreak's wire
// format v1. The XML and JSON protocols carry the same sections (the JSON one is the XML one with
// lower-case keys, as glpi-project/inventory_format defines it), so both decoders produce this
// content and this one mapping turns it into an inventory. Only what the map needs is kept: user
// names, processes, environment, network addresses and the rest of the report are dropped.
import { createHash } from 'node:crypto';
import {
  InventorySchema,
  LIMITS,
  clean,
  describeIssues,
  detectCloud,
  dmiValue,
  hostIdentity,
  type DeviceRole,
  type Hardware,
  type Inventory,
  type InventoryPart,
  type Os,
  type SoftwareItem,
  type SoftwareSource,
} from '@tiebreak/shared';

/** Which protocol a report came by: it is recorded with the host. */
export type PeerProtocol = 'ocs-xml' | 'glpi-json';

/** A section of a report: lower-case keys; a repeated element is an array, a leaf is a string. */
export type Content = { [key: string]: ContentValue };
export type ContentValue = string | number | boolean | null | Content | ContentValue[];

export interface PeerReport {
  protocol: PeerProtocol;
  /** PROLOG or INVENTORY (XML), contact or inventory (JSON), lower-cased. */
  query: string;
  deviceid: string;
  content: Content | null;
  /** SHA-256 of the decoded report: the same report sent or imported twice is recognised. */
  digest: string;
  /** GLPI's itemtype when the message names one (Computer, NetworkEquipment, Printer, Phone…). */
  itemtype?: string | null;
  /** GLPI Agent's partial inventory: only the sections it carries changed. */
  partial?: boolean;
}

/** A report refused, with the HTTP status that says why (400 by default). */
export class PeerReportError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 413 | 415 = 400,
  ) {
    super(message);
  }
}

/** Always a list: one element of a repeated section arrives as a single object. */
export function list(value: ContentValue | undefined): Content[] {
  const values = Array.isArray(value) ? value : value == null ? [] : [value];
  return values.filter((v): v is Content => typeof v === 'object' && v !== null && !Array.isArray(v));
}

function section(content: Content, key: string): Content {
  return list(content[key])[0] ?? {};
}

function text(value: ContentValue | undefined, max: number = LIMITS.shortText): string | null {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value === 'string' ? clean(value, max) : null;
}

const firmware = (value: ContentValue | undefined) => dmiValue(text(value));

// The agents' FROM values, mapped to the wire format's sources.
const SOURCES: Record<string, SoftwareSource> = {
  deb: 'dpkg',
  dpkg: 'dpkg',
  rpm: 'rpm',
  snap: 'snap',
  flatpak: 'flatpak',
  registry: 'registry',
  msi: 'msi',
  uwp: 'appx',
  appx: 'appx',
  store: 'appx',
  pkg: 'pkg',
  application: 'pkg',
  mac: 'pkg',
  homebrew: 'homebrew',
  brew: 'homebrew',
};

function osFamily(...hints: (string | null)[]): Os['family'] {
  const all = hints.filter(Boolean).join(' ');
  if (/windows|mswin/i.test(all)) return 'windows';
  if (/darwin|mac ?os|os x/i.test(all)) return 'macos';
  if (/linux|debian|ubuntu|centos|red ?hat|rhel|fedora|suse|alma|rocky|oracle|mint|arch/i.test(all)) return 'linux';
  return 'other';
}

/**
 * "FusionInventory-Agent_v2.6-3", "OCS-NG_unified_unix_agent_v2.10.0" or "SCCM-v2.4.1" as name and
 * version. A bare version ("4.1", a network inventory module's) names no agent: null.
 */
export function parseAgentVersion(value: string | null | undefined): { name: string; version: string } | null {
  const v = clean(value, 64);
  if (!v || /^v?\d[\w.+~-]*$/.test(v)) return null;
  const match = /^(.*?)(?:[_ ]v?|-v)(\d[\w.+~-]*)$/.exec(v);
  return match ? { name: match[1]!.slice(0, 64), version: match[2]!.slice(0, 64) } : { name: v, version: 'unknown' };
}

function collectedAt(content: Content, fallback: Date): string {
  const logdate = text(section(content, 'accesslog').logdate, 32);
  const offset = text(section(section(content, 'operatingsystem'), 'timezone').offset, 8);
  const match = logdate && /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(logdate);
  if (match) {
    const tz = offset && /^([+-]\d{2})(\d{2})$/.exec(offset);
    // Without the agent's time zone, the collector's own is the best reading.
    const date = new Date(tz ? `${match[1]}T${match[2]}${tz[1]}:${tz[2]}` : `${match[1]}T${match[2]}`);
    if (!Number.isNaN(date.getTime())) return date.toISOString();
  }
  return fallback.toISOString();
}

/** A UUID made from the report's digest: a report replayed or imported again keeps its id. */
function reportId(digest: string): string {
  const h = digest.slice(0, 32).split('');
  h[12] = '5';
  h[16] = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
}

export function digestOf(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function operatingSystem(content: Content): Os {
  const os = section(content, 'operatingsystem');
  const hw = section(content, 'hardware');
  const osname = text(hw.osname);
  const family = osFamily(text(os.kernel_name), text(os.name), osname);
  const fullName = text(os.full_name);
  let name = text(os.name);
  let version = text(os.version);
  if (family === 'windows') {
    // "Windows" alone says little; the full name carries the version and edition.
    name = fullName ?? osname ?? name;
  } else if (!name && osname) {
    // OCS's UNIX agent has no OPERATINGSYSTEM section: "Debian GNU/Linux 12" and OSVERSION "12".
    name = osname.replace(/\s+\d[\w.]*(\s*\(.*\))?$/, '') || osname;
    version = text(hw.osversion);
  }
  return {
    family,
    name: name ?? osname ?? 'unknown',
    version,
    build: family === 'windows' ? text(os.kernel_version) : null,
    arch: text(os.arch, 64),
    vendor: family === 'windows' ? 'Microsoft' : null,
    kernel: family === 'windows' ? null : (text(os.kernel_version) ?? (family === 'linux' ? text(hw.osversion) : null)),
    edition: text(os.service_pack),
  };
}

function hardwareOf(content: Content): Hardware {
  const bios = section(content, 'bios');
  const hw = section(content, 'hardware');
  const vm = text(hw.vmsystem);
  // The display adapters with their vendor are the PCI display controllers (class 03xx); VIDEOS
  // only names the chip.
  const gpuControllers = list(content.controllers).filter((c) => /^03/.test(text(c.pciclass, 8) ?? ''));
  const gpus = gpuControllers.length
    ? gpuControllers.map((c) => ({ manufacturer: firmware(c.manufacturer), model: firmware(c.name) }))
    : list(content.videos).map((v) => ({ manufacturer: null, model: firmware(v.name) ?? firmware(v.chipset) }));
  const system = { manufacturer: firmware(bios.smanufacturer), model: firmware(bios.smodel), chassis: firmware(hw.chassis_type) ?? firmware(bios.type) };
  return {
    system,
    board: { manufacturer: firmware(bios.mmanufacturer), model: firmware(bios.mmodel) },
    bios: { vendor: firmware(bios.bmanufacturer), version: firmware(bios.bversion) },
    cpus: list(content.cpus)
      .map((cpu) => ({ manufacturer: firmware(cpu.manufacturer), model: firmware(cpu.name) ?? firmware(cpu.type) }))
      .filter((cpu) => cpu.manufacturer || cpu.model)
      .slice(0, LIMITS.listItems),
    gpus: gpus.filter((gpu) => gpu.manufacturer || gpu.model).slice(0, LIMITS.listItems),
    disks: list(content.storages)
      .map((disk) => ({ manufacturer: firmware(disk.manufacturer), model: firmware(disk.model) }))
      .filter((disk) => disk.manufacturer || disk.model)
      .slice(0, LIMITS.listItems),
    virtualization: vm && !/^physical$/i.test(vm) ? vm : null,
    cloud: detectCloud({ manufacturer: system.manufacturer, model: system.model, biosVendor: text(bios.bmanufacturer), assetTag: text(bios.assettag) }),
  };
}

function softwareOf(content: Content, family: Os['family']): SoftwareItem[] {
  const items: SoftwareItem[] = [];
  for (const s of list(content.softwares)) {
    let name = text(s.name, LIMITS.text);
    if (!name) continue;
    const from = text(s.from, 32)?.toLowerCase() ?? '';
    const source = SOURCES[from] ?? (family === 'windows' && !from ? 'registry' : 'other');
    let arch = text(s.arch ?? s.architecture, 64);
    // OCS names multi-arch Debian packages "zlib1g:amd64"; the package is "zlib1g".
    const multiarch = source === 'dpkg' ? /^(.+):([a-z0-9]+)$/.exec(name) : null;
    if (multiarch) {
      name = multiarch[1]!;
      arch ??= multiarch[2]!;
    }
    const publisher = text(s.publisher, LIMITS.text);
    const installed =
      text(s.install_date ?? s.installdate, 32)
        ?.replace(/\//g, '-')
        .slice(0, 10) ?? null;
    items.push({
      name,
      version: text(s.version),
      // OCS's UNIX agent puts a package's home page where the publisher goes: not a publisher.
      publisher: publisher && !/^[a-z]+:\/\//i.test(publisher) ? publisher : null,
      source,
      // Software installed for one user only: the scope is kept, the user name never.
      scope: text(s.username) || text(s.userid) ? 'user' : 'machine',
      arch,
      package: null,
      installed_on: installed && /^\d{4}-\d{2}-\d{2}$/.test(installed) ? installed : null,
    });
  }
  return items;
}

/**
 * The parts of the inventory a partial report carries, from its sections. GLPI Agent always adds
 * bios and hardware (to identify the machine), and the operating system with the software.
 */
export function partialParts(content: Content): InventoryPart[] {
  const parts = new Set<InventoryPart>();
  const has = (key: string) => content[key] !== undefined && content[key] !== null;
  if (has('softwares')) parts.add('software');
  if (has('operatingsystem')) parts.add('os');
  if (has('bios')) ['system', 'board', 'bios'].forEach((p) => parts.add(p as InventoryPart));
  if (has('hardware')) parts.add('virtualization');
  if (has('cpus')) parts.add('cpus');
  if (has('controllers') || has('videos')) parts.add('gpus');
  if (has('storages')) parts.add('disks');
  return [...parts];
}

// network_device.type (SNMP) and GLPI itemtypes, as the roles of network devices.
function deviceRole(itemtype: string | null | undefined, type: string | null): DeviceRole | null {
  const hint = `${itemtype ?? ''} ${type ?? ''}`.toLowerCase();
  if (/printer/.test(hint)) return 'printer';
  if (/phone/.test(hint)) return 'phone';
  if (/storage/.test(hint)) return 'storage';
  if (/network|switch|router|firewall|wireless|access point|\bap\b|networking/.test(hint)) return 'network';
  return null;
}

/**
 * A network device's report (GLPI "netinventory", SNMP): its manufacturer and model as its system,
 * its firmware as its operating system, the modules and chassis it reports as components. Its
 * serial number identifies it (hashed, as a computer's).
 */
function deviceInventory(report: PeerReport, content: Content, role: DeviceRole, now: Date, agentHint: string | null | undefined): Inventory {
  const device = section(content, 'network_device');
  const info = section(content, 'info');
  const field = (key: string) => text(device[key]) ?? text(info[key]);
  const manufacturer = firmware(field('manufacturer'));
  const model = firmware(field('model'));
  if (!manufacturer && !model) throw new PeerReportError('a network device report needs its manufacturer or model (network_device)');
  const deviceFirmware = list(content.firmwares).find((f) => text(f.type, 32)?.toLowerCase() === 'device') ?? list(content.firmwares)[0] ?? {};
  const serial = firmware(field('serial'));
  const hostname = field('name') ?? report.deviceid.replace(/-\d{4}(-\d{2}){5}$/, '');
  // Ports, slots, sensors, fans and cables are parts of the device, not products of their own; a
  // model reported many times (a controller's access points) is one component.
  const components = [
    ...new Map(
      list(content.network_components ?? content.components)
        .filter((c) => !/^(port|container|sensor|fan|other)$/i.test(text(c.type, 32) ?? ''))
        .map((c) => ({ manufacturer, model: firmware(c.model) ?? firmware(c.name) }))
        .filter((c) => c.model && c.model !== model)
        .map((c) => [c.model, c] as const),
    ).values(),
  ].slice(0, LIMITS.listItems);
  const version = field('firmware') ?? text(deviceFirmware.version);
  const inventory = {
    schema_version: 1,
    id: reportId(report.digest),
    agent: parseAgentVersion(text(content.versionclient, 128)) ?? parseAgentVersion(agentHint) ?? { name: 'GLPI-Agent', version: 'unknown' },
    collected_at: collectedAt(content, now),
    host: hostIdentity({ serial, deviceId: report.deviceid, hostname }),
    os: {
      family: 'other' as const,
      // The firmware's name when the report gives one, else the model's: "2530-48G firmware".
      name: text(deviceFirmware.name) && text(deviceFirmware.name) !== model ? text(deviceFirmware.name)! : `${model ?? manufacturer ?? 'device'} firmware`,
      version,
      build: null,
      arch: null,
      vendor: firmware(text(deviceFirmware.manufacturer)) ?? manufacturer,
      kernel: null,
      edition: null,
    },
    hardware: {
      system: { manufacturer, model, chassis: field('type') },
      board: null,
      bios: null,
      cpus: [],
      gpus: [],
      disks: [],
      components,
      virtualization: null,
      cloud: null,
    },
    software: [],
    device: { role },
  };
  return validated(inventory);
}

function validated(inventory: unknown): Inventory {
  const parsed = InventorySchema.safeParse(inventory);
  if (!parsed.success) {
    const issues = describeIssues(parsed.error);
    throw new PeerReportError(
      `the report does not map to a valid inventory: ${issues
        .slice(0, 5)
        .map((i) => `${i.path}: ${i.message}`)
        .join('; ')}`,
    );
  }
  return parsed.data;
}

/** The wire-format inventory of a peer agent's INVENTORY report, validated. */
export function peerInventory(report: PeerReport, options: { agent?: string | null; now?: Date } = {}): Inventory {
  const content = report.content;
  if (!content) throw new PeerReportError('the report has no CONTENT');
  const now = options.now ?? new Date();
  const networkDevice = section(content, 'network_device');
  const itemtype = report.itemtype?.toLowerCase() ?? null;
  const role = deviceRole(report.itemtype, text(networkDevice.type));
  if (Object.keys(networkDevice).length || (itemtype && itemtype !== 'computer' && itemtype !== 'phone')) {
    if (!role)
      throw new PeerReportError(
        `a network device of unknown kind (itemtype "${report.itemtype ?? ''}", type "${text(networkDevice.type) ?? ''}"): network equipment, printers, phones and storage arrays are accepted`,
      );
    return deviceInventory(report, content, role, now, options.agent);
  }
  const hw = section(content, 'hardware');
  const os = operatingSystem(content);
  const fqdn = text(section(content, 'operatingsystem').fqdn);
  const hostname = text(hw.name) ?? fqdn?.split('.')[0] ?? report.deviceid.replace(/-\d{4}(-\d{2}){5}$/, '');
  const dnsDomain = text(section(content, 'operatingsystem').dns_domain);
  const workgroup = text(hw.workgroup);
  const agent = parseAgentVersion(text(content.versionclient, 128)) ??
    parseAgentVersion(options.agent) ?? {
      name: report.protocol === 'glpi-json' ? 'GLPI-Agent' : 'OCS-Inventory-Agent',
      version: 'unknown',
    };
  const inventory = {
    schema_version: 1,
    id: reportId(report.digest),
    agent,
    collected_at: collectedAt(content, now),
    host: hostIdentity({
      smbiosUuid: text(hw.uuid, 64),
      serial: firmware(section(content, 'bios').ssn),
      deviceId: report.deviceid,
      hostname,
      domain: dnsDomain ?? (workgroup && !/^workgroup$/i.test(workgroup) ? workgroup : null),
    }),
    os,
    hardware: hardwareOf(content),
    software: softwareOf(content, os.family),
    // A phone that reports its own inventory (an Android agent) is a phone, not a workstation.
    ...(itemtype === 'phone' ? { device: { role: 'phone' as const } } : {}),
    ...(report.partial ? { partial: partialParts(content) } : {}),
  };
  if (report.partial && !inventory.partial?.length)
    throw new PeerReportError(
      'a partial inventory carries none of the sections tiebreak keeps (softwares, operatingsystem, bios, hardware, cpus, controllers, storages)',
    );
  return validated(inventory);
}
