// Linux distribution and kernel, from systeminformation and /etc/os-release.
import { readFile } from 'node:fs/promises';
import { si } from '../sysinfo.ts';
import { clean, type InventorySource } from './types.ts';

/** Fields of os-release(5): KEY=value lines, values optionally quoted. */
export function parseOsRelease(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!match) continue;
    fields[match[1]!] = match[2]!.replace(/^(["'])(.*)\1$/, '$2').replace(/\\(.)/g, '$1');
  }
  return fields;
}

export const linuxOs: InventorySource = {
  id: 'linux-os',
  platforms: ['linux'],
  async collect() {
    const [info, osRelease] = await Promise.all([
      si.osInfo(),
      readFile('/etc/os-release', 'utf8').catch(() => readFile('/usr/lib/os-release', 'utf8').catch(() => '')),
    ]);
    const release = parseOsRelease(osRelease);
    const fqdn = info.fqdn && info.fqdn !== info.hostname ? info.fqdn : '';
    return {
      os: {
        family: 'linux',
        name: clean(release.NAME ?? info.distro, 256) ?? 'Linux',
        version: clean(release.VERSION_ID ?? info.release, 256),
        build: clean(release.VERSION_CODENAME ?? info.codename, 256),
        arch: clean(info.arch, 64),
        kernel: clean(info.kernel, 256),
        vendor: null,
        edition: clean(release.VARIANT_ID ?? null, 256),
      },
      identity: {
        hostname: clean(info.hostname, 256),
        domain: fqdn.includes('.') ? clean(fqdn.slice(fqdn.indexOf('.') + 1), 256) : null,
      },
    };
  },
};
