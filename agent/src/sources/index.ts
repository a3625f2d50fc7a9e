// Every inventory source the agent knows. Adding one is adding a file and a line here.
import { anyHardware } from './any-hardware.ts';
import { anyIdentity } from './any-identity.ts';
import { linuxDpkg } from './linux-dpkg.ts';
import { linuxFlatpak } from './linux-flatpak.ts';
import { linuxOs } from './linux-os.ts';
import { linuxRpm } from './linux-rpm.ts';
import { linuxSnap } from './linux-snap.ts';
import type { InventorySource } from './types.ts';
import { windowsAppx } from './windows-appx.ts';
import { windowsOffice } from './windows-office.ts';
import { windowsOsSource } from './windows-os.ts';
import { windowsUninstall } from './windows-uninstall.ts';

export const ALL_SOURCES: readonly InventorySource[] = [
  anyIdentity,
  anyHardware,
  linuxOs,
  linuxDpkg,
  linuxRpm,
  linuxSnap,
  linuxFlatpak,
  windowsOsSource,
  windowsUninstall,
  windowsOffice,
  windowsAppx,
];

export function sourcesFor(platform: NodeJS.Platform): InventorySource[] {
  return ALL_SOURCES.filter((source) => source.platforms.includes(platform));
}
