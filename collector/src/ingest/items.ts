// What an inventory contributes to the catalogue: its software, its operating system and its
// hardware components, each as an item with a catalogue key. The OS and hardware of a host count in
// the TIE Break area of the host's role: infrastructure for a server or a network device,
// workstation otherwise.
import { DEVICE_ROLES, normalizeName, normalizePackage, normalizePublisher, type DeviceRole, type Inventory, type MatchSource } from '@tiebreak/shared';

/** A computer's role, or a network device's (switch, printer, IP phone, storage array). */
export type HostRole = 'server' | 'workstation' | DeviceRole;
export const HOST_ROLES: readonly HostRole[] = ['workstation', 'server', ...DEVICE_ROLES];

/** Roles in the TIE Break infrastructure area: servers and network devices. */
export function isInfrastructure(role: HostRole | ''): boolean {
  return role !== 'workstation' && role !== '';
}
export type ItemKind = 'software' | 'os' | 'hardware';

export interface CatalogueItem {
  kind: ItemKind;
  source: MatchSource;
  /** Host role for OS and hardware items ('' for software): part of the catalogue key. */
  role: HostRole | '';
  name: string;
  publisher: string | null;
  package: string | null;
  /**
   * For a dpkg or rpm package reported without a maintainer, the host's normalised OS name: which
   * distribution's package it is depends on the host, so it is part of the catalogue key (the
   * distribution itself is decided when classifying, by the rules of the day). '' otherwise.
   */
  host_os?: string;
}

export interface Installation {
  item: CatalogueItem;
  version: string;
  scope: string;
  arch: string;
}

// Packages whose presence means a graphical desktop: a Linux machine with one is a workstation.
const DESKTOP_PACKAGES = new Set([
  'gnome-shell',
  'plasma-desktop',
  'plasma-workspace',
  'xfce4-session',
  'cinnamon',
  'mate-session-manager',
  'lxqt-session',
  'lxsession',
  'budgie-desktop',
  'xorg-x11-server-xorg',
  'xserver-xorg-core',
  'gdm3',
  'gdm',
  'lightdm',
  'sddm',
]);
const SERVER_CHASSIS = /rack|blade|server|multi-system|main server/i;
const CLIENT_CHASSIS = /desktop|laptop|notebook|portable|tower|all in one|tablet|convertible|detachable|mini pc|hand held/i;

export function hostRole(inventory: Inventory): HostRole {
  if (inventory.device) return inventory.device.role;
  const os = inventory.os;
  if (/server/i.test(`${os.name} ${os.edition ?? ''}`)) return 'server';
  const chassis = inventory.hardware.system?.chassis ?? '';
  if (SERVER_CHASSIS.test(chassis)) return 'server';
  if (os.family === 'windows' || os.family === 'macos') return 'workstation';
  if (inventory.software.some((item) => DESKTOP_PACKAGES.has(item.name.toLowerCase()))) return 'workstation';
  if (CLIENT_CHASSIS.test(chassis)) return 'workstation';
  return 'server';
}

export function installationsOf(inventory: Inventory, role: HostRole = hostRole(inventory)): Installation[] {
  const out: Installation[] = [];
  const hostOs = normalizeName(inventory.os.name);
  for (const item of inventory.software) {
    const host_os = !item.publisher && (item.source === 'dpkg' || item.source === 'rpm') ? hostOs : '';
    out.push({
      item: { kind: 'software', source: item.source, role: '', name: item.name, publisher: item.publisher ?? null, package: item.package ?? null, host_os },
      version: item.version ?? '',
      scope: item.scope,
      arch: item.arch ?? '',
    });
  }
  const os = inventory.os;
  out.push({
    item: { kind: 'os', source: 'os', role, name: os.name, publisher: os.vendor ?? null, package: null },
    version: [os.version, os.build].filter(Boolean).join(' '),
    scope: 'machine',
    arch: os.arch ?? '',
  });
  const hardware = inventory.hardware;
  const component = (part: string, manufacturer: string | null | undefined, model: string | null | undefined, version = '') => {
    if (!manufacturer && !model) return;
    out.push({
      item: { kind: 'hardware', source: 'hardware', role, name: model || manufacturer!, publisher: manufacturer ?? null, package: part },
      version,
      scope: 'machine',
      arch: '',
    });
  };
  component('system', hardware.system?.manufacturer, hardware.system?.model);
  component('board', hardware.board?.manufacturer, hardware.board?.model);
  component('bios', hardware.bios?.vendor, null, hardware.bios?.version ?? '');
  for (const cpu of hardware.cpus) component('cpu', cpu.manufacturer, cpu.model);
  for (const gpu of hardware.gpus) component('gpu', gpu.manufacturer, gpu.model);
  for (const disk of hardware.disks) component('disk', disk.manufacturer, disk.model);
  for (const part of hardware.components ?? []) component('component', part.manufacturer, part.model);
  component('hypervisor', null, hardware.virtualization);
  component('cloud', null, hardware.cloud);
  return out;
}

/** The catalogue's identity of an item: equal keys are one catalogue entry. */
export function catalogueKey(item: CatalogueItem): { name_norm: string; publisher_norm: string; package_norm: string } {
  return {
    name_norm: normalizeName(item.name) || item.name.trim().toLowerCase(),
    publisher_norm: item.publisher ? normalizePublisher(item.publisher) : '',
    package_norm: item.package ? normalizePackage(item.package) : '',
  };
}
