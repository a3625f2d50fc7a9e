// Red Hat, Fedora, SUSE and derivatives: packages from the rpm database.
import type { SoftwareItem } from '@tiebreak/shared';
import { withoutMailbox } from './linux-dpkg.ts';
import { clean, skipped, type InventorySource } from './types.ts';

const QUERY_FORMAT = '%{NAME}\\t%{EPOCH}:%{VERSION}-%{RELEASE}\\t%{ARCH}\\t%{VENDOR}\\t%{PACKAGER}\\t%{INSTALLTIME}\\n';
const NONE = '(none)';

export function parseRpmQuery(stdout: string): SoftwareItem[] {
  const items: SoftwareItem[] = [];
  for (const line of stdout.split('\n')) {
    const [name, epochVersion, arch, vendor, packager, installTime] = line.split('\t');
    // gpg-pubkey entries are imported signing keys, not software.
    if (!name || name === 'gpg-pubkey') continue;
    const version = epochVersion?.startsWith(`${NONE}:`) ? epochVersion.slice(NONE.length + 1) : epochVersion;
    const publisher = vendor && vendor !== NONE ? vendor : packager && packager !== NONE ? withoutMailbox(packager) : null;
    const seconds = Number(installTime);
    items.push({
      name: clean(name)!,
      version: clean(version, 256),
      publisher: clean(publisher),
      source: 'rpm',
      scope: 'machine',
      arch: arch && arch !== NONE ? clean(arch, 64) : null,
      installed_on: Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000).toISOString().slice(0, 10) : null,
    });
  }
  return items;
}

export const linuxRpm: InventorySource = {
  id: 'linux-rpm',
  platforms: ['linux'],
  async collect(context) {
    const result = await context.run('rpm', ['-qa', '--qf', QUERY_FORMAT]);
    if (!result.ok) return skipped(context, this.id, result.detail);
    return { software: parseRpmQuery(result.stdout) };
  },
};
