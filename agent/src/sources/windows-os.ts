// Windows edition, feature update (22H2, 23H2, 24H2), build and domain membership, from the
// registry. Windows 11 still calls itself "Windows 10" in ProductName: the build tells them apart.
import type { Os } from '@tiebreak/shared';
import { readRegistry, regNumber, regString, type RegKey, type RegReader } from '../windows/registry.ts';
import { clean, skipped, type InventorySource, type SourceResult } from './types.ts';

export const CURRENT_VERSION = 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion';
export const TCPIP = 'HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters';

/** The key itself among the keys read at a path (the first one, its subkeys follow). */
const own = (keys: RegKey[] | null) => keys?.[0] ?? null;

export function windowsOs(currentVersion: RegKey[], tcpip: RegKey[] | null): SourceResult {
  const cv = own(currentVersion);
  if (!cv) return {};
  const build = Number(regString(cv, 'CurrentBuildNumber') ?? regString(cv, 'CurrentBuild'));
  let name = regString(cv, 'ProductName') ?? 'Windows';
  if (Number.isFinite(build) && build >= 22000) name = name.replace(/^Windows 10\b/, 'Windows 11');
  const ubr = regNumber(cv, 'UBR');
  const installationType = regString(cv, 'InstallationType');
  const tcp = own(tcpip);
  const domain = tcp ? (regString(tcp, 'Domain') ?? regString(tcp, 'NV Domain')) : null;
  const os: Partial<Os> = {
    family: 'windows',
    name: clean(name.startsWith('Microsoft') ? name : `Microsoft ${name}`, 256)!,
    version: clean(regString(cv, 'DisplayVersion') ?? regString(cv, 'ReleaseId') ?? regString(cv, 'CurrentVersion'), 256),
    build: Number.isFinite(build) ? `${build}${ubr !== null ? `.${ubr}` : ''}` : null,
    edition: clean(regString(cv, 'EditionID'), 256),
    vendor: 'Microsoft Corporation',
  };
  if (installationType && /server/i.test(installationType) && !/server/i.test(os.name!)) os.edition = `${os.edition ?? ''} Server`.trim();
  return {
    os,
    identity: { hostname: clean(regString(tcp ?? cv, 'Hostname'), 256), domain: clean(domain, 256) },
  };
}

export async function collectWindowsOs(read: RegReader): Promise<SourceResult | null> {
  const [cv, tcp] = await Promise.all([read(CURRENT_VERSION), read(TCPIP)]);
  if (!cv?.length) return null;
  return windowsOs(cv, tcp);
}

export const windowsOsSource: InventorySource = {
  id: 'windows-os',
  platforms: ['win32'],
  async collect(context) {
    return (await collectWindowsOs(readRegistry)) ?? skipped(context, this.id, 'the registry cannot be read');
  },
};
