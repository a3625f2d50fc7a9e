// Windows edition, feature update (22H2, 23H2, 24H2), build and domain membership, from the
// registry. Windows 11 still calls itself "Windows 10" in ProductName: the build tells them apart.
import type { Os } from '@tiebreak/shared';
import { parseRegQuery, regNumber, regQuery, regString, type RegReader } from '../windows/registry.ts';
import { clean, skipped, type InventorySource, type SourceResult } from './types.ts';

export const CURRENT_VERSION = 'HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion';
export const TCPIP = 'HKLM\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters';

export function windowsOs(currentVersion: string, tcpip: string): SourceResult {
  const cv = parseRegQuery(currentVersion)[0];
  if (!cv) return {};
  const build = Number(regString(cv, 'CurrentBuildNumber') ?? regString(cv, 'CurrentBuild'));
  let name = regString(cv, 'ProductName') ?? 'Windows';
  if (Number.isFinite(build) && build >= 22000) name = name.replace(/^Windows 10\b/, 'Windows 11');
  const ubr = regNumber(cv, 'UBR');
  const installationType = regString(cv, 'InstallationType');
  const tcp = parseRegQuery(tcpip)[0];
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
  const [cv, tcp] = await Promise.all([read(CURRENT_VERSION, false), read(TCPIP, false)]);
  if (!cv.ok || !cv.stdout) return null;
  return windowsOs(cv.stdout, tcp.ok ? tcp.stdout : '');
}

export const windowsOsSource: InventorySource = {
  id: 'windows-os',
  platforms: ['win32'],
  async collect(context) {
    return (await collectWindowsOs(regQuery)) ?? skipped(context, this.id, 'reg query unavailable');
  },
};
