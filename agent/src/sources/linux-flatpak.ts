// Flatpak applications and runtimes, system-wide and of the user the agent runs as.
import type { SoftwareItem } from '@tiebreak/shared';
import { clean, skipped, type InventorySource } from './types.ts';

export const FLATPAK_COLUMNS = 'application,name,version,branch,arch,installation,origin';

/** `flatpak list --columns=...` prints one tab-separated row per ref when not on a terminal. */
export function parseFlatpakList(stdout: string): SoftwareItem[] {
  const items: SoftwareItem[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    const [application, name, version, branch, arch, installation] = line.split('\t');
    if (!application || application === 'Application ID') continue;
    items.push({
      name: clean(name) ?? clean(application)!,
      version: clean(version, 256) ?? clean(branch, 256),
      publisher: null,
      source: 'flatpak',
      scope: installation?.trim() === 'user' ? 'user' : 'machine',
      arch: clean(arch, 64),
      package: clean(application),
    });
  }
  return items;
}

export const linuxFlatpak: InventorySource = {
  id: 'linux-flatpak',
  platforms: ['linux'],
  async collect(context) {
    const result = await context.run('flatpak', ['list', `--columns=${FLATPAK_COLUMNS}`]);
    if (!result.ok) return skipped(context, this.id, result.detail);
    return { software: parseFlatpakList(result.stdout) };
  },
};
