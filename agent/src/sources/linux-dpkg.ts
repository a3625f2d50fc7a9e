// Debian and Ubuntu packages from dpkg's database.
import type { SoftwareItem } from '@tiebreak/shared';
import { clean, skipped, type InventorySource } from './types.ts';

const FORMAT = '${db:Status-Status}\\t${Package}\\t${Version}\\t${Architecture}\\t${Maintainer}\\n';

/** The maintainer's mailbox is reduced to its domain: it says who packaged it, not who they are. */
export function withoutMailbox(value: string): string {
  return value.replace(/<[^<>@\s]*@([^<>\s]+)>/g, '<@$1>');
}

export function parseDpkgQuery(stdout: string): SoftwareItem[] {
  const items: SoftwareItem[] = [];
  for (const line of stdout.split('\n')) {
    const [status, name, version, arch, maintainer] = line.split('\t');
    if (status !== 'installed' || !name) continue;
    items.push({
      name: clean(name)!,
      version: clean(version, 256),
      publisher: clean(maintainer ? withoutMailbox(maintainer) : null),
      source: 'dpkg',
      scope: 'machine',
      arch: clean(arch, 64),
    });
  }
  return items;
}

export const linuxDpkg: InventorySource = {
  id: 'linux-dpkg',
  platforms: ['linux'],
  async collect(context) {
    const result = await context.run('dpkg-query', ['-W', `-f=${FORMAT}`]);
    if (!result.ok) return skipped(context, this.id, result.detail);
    return { software: parseDpkgQuery(result.stdout) };
  },
};
