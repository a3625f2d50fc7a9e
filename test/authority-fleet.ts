// The hand-built authority of test/authority.test.ts: four Windows 11 workstations, a Windows and a
// Debian server, with every origin, a product on both roles (Intel processors) and platform items.
import type { Inventory, SoftwareItem } from '@tiebreak/shared';
import { makeInventory } from './fixtures.ts';

const sw = (name: string, publisher: string | null, source: SoftwareItem['source'] = 'registry'): Partial<SoftwareItem> => ({
  name,
  publisher,
  source,
  version: '1.0',
});

export const ITEMS = {
  m365: sw('Microsoft 365 Apps for enterprise - fr-fr', 'Microsoft Corporation'),
  vcpp: sw('Microsoft Visual C++ 2015-2022 Redistributable (x64) - 14.40.33810', 'Microsoft Corporation'),
  libreoffice: sw('LibreOffice 24.8.3.2', 'The Document Foundation'),
  zoom: sw('Zoom Workplace (64-bit)', 'Zoom Video Communications, Inc.'),
  sophos: sw('Sophos Endpoint Agent', 'Sophos Limited'),
  emagnus: sw('e.magnus Gestion Financière', 'Berger-Levrault'),
  totalCommander: sw('Total Commander 64-bit (Remove or Repair)', 'Ghisler Software GmbH'),
  unknown: sw('Gestion des cimetières maison', 'Service informatique'),
  teamviewer: sw('TeamViewer', 'TeamViewer Germany GmbH'),
  openssh: sw('openssh-server', 'Debian OpenSSH Maintainers <@lists.debian.org>', 'dpkg'),
  rsync: sw('rsync', 'Paul Slootman <@debian.org>', 'dpkg'),
};

const desktop = {
  system: { manufacturer: 'Dell Inc.', model: 'OptiPlex 7010', chassis: 'Desktop' },
  cpus: [{ manufacturer: 'Intel', model: 'Core i5-13500' }],
};

/** Workstation n (1 to 4): what each has is written out so that the test can count it by hand. */
export function authorityWorkstation(n: 1 | 2 | 3 | 4): Inventory {
  const software = [ITEMS.m365, ITEMS.vcpp];
  if (n <= 2) software.push(ITEMS.libreoffice);
  if (n === 3) software.push(ITEMS.zoom);
  if (n <= 3) software.push(ITEMS.sophos);
  if (n === 2) software.push(ITEMS.emagnus);
  if (n === 1) software.push(ITEMS.totalCommander);
  if (n === 4) software.push(ITEMS.unknown);
  return makeInventory({ machine: `ws-${n}`, hostname: `PC-${n}`, software, hardware: desktop });
}

export function authorityWindowsServer(): Inventory {
  return makeInventory({
    machine: 'srv-win',
    hostname: 'SRV-WIN',
    osName: 'Microsoft Windows Server 2022 Standard',
    hardware: {
      system: { manufacturer: 'Dell Inc.', model: 'PowerEdge R650', chassis: 'Rack Mount Chassis' },
      cpus: [{ manufacturer: 'Intel', model: 'Xeon Gold 5318Y' }],
    },
    software: [ITEMS.vcpp, ITEMS.teamviewer],
  });
}

export function authorityDebianServer(): Inventory {
  return makeInventory({
    machine: 'srv-deb',
    hostname: 'srv-deb',
    osFamily: 'linux',
    osName: 'Debian GNU/Linux 12 (bookworm)',
    hardware: { system: null, cpus: [] },
    software: [ITEMS.openssh, ITEMS.rsync],
  });
}

export const authorityFleet = (): Inventory[] => [
  authorityWorkstation(1),
  authorityWorkstation(2),
  authorityWorkstation(3),
  authorityWorkstation(4),
  authorityWindowsServer(),
  authorityDebianServer(),
];
