// Microsoft Office Click-to-Run and Microsoft 365 Apps: some layouts hide them from the Uninstall
// keys, so the Click-to-Run configuration is read directly.
import type { SoftwareItem } from '@tiebreak/shared';
import { readRegistry, regString, type RegKey, type RegReader } from '../windows/registry.ts';
import { skipped, type InventorySource } from './types.ts';

export const CLICK_TO_RUN = 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Office\\ClickToRun\\Configuration';

// Product release ids of the Office Deployment Tool, as display names.
const RELEASE_NAMES: Record<string, string> = {
  O365ProPlusRetail: 'Microsoft 365 Apps for enterprise',
  O365ProPlusEEANoTeamsRetail: 'Microsoft 365 Apps for enterprise',
  O365BusinessRetail: 'Microsoft 365 Apps for business',
  O365BusinessEEANoTeamsRetail: 'Microsoft 365 Apps for business',
  O365HomePremRetail: 'Microsoft 365 Family',
  ProPlus2024Volume: 'Microsoft Office LTSC Professional Plus 2024',
  ProPlus2021Volume: 'Microsoft Office LTSC Professional Plus 2021',
  ProPlus2019Volume: 'Microsoft Office Professional Plus 2019',
  ProPlus2019Retail: 'Microsoft Office Professional Plus 2019',
  Standard2021Volume: 'Microsoft Office LTSC Standard 2021',
  Standard2019Volume: 'Microsoft Office Standard 2019',
  HomeBusiness2021Retail: 'Microsoft Office Home and Business 2021',
  HomeBusiness2019Retail: 'Microsoft Office Home and Business 2019',
  VisioProRetail: 'Microsoft Visio Professional',
  VisioPro2021Volume: 'Microsoft Visio LTSC Professional 2021',
  VisioStdRetail: 'Microsoft Visio Standard',
  ProjectProRetail: 'Microsoft Project Professional',
  ProjectPro2021Volume: 'Microsoft Project Professional 2021',
  ProjectStdRetail: 'Microsoft Project Standard',
  AccessRuntimeRetail: 'Microsoft Access Runtime',
  LanguagePack: 'Microsoft 365 Language Pack',
};

export function clickToRunProducts(keys: RegKey[]): SoftwareItem[] {
  const config = keys[0];
  const ids = config ? regString(config, 'ProductReleaseIds') : null;
  if (!config || !ids) return [];
  const version = regString(config, 'VersionToReport') ?? regString(config, 'ClientVersionToReport');
  const platform = regString(config, 'Platform');
  return ids
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean)
    .map((id) => ({
      name: RELEASE_NAMES[id] ?? `Microsoft Office (${id})`,
      version,
      publisher: 'Microsoft Corporation',
      source: 'registry' as const,
      scope: 'machine' as const,
      arch: platform,
      package: id,
    }));
}

export async function collectOffice(read: RegReader): Promise<SoftwareItem[] | null> {
  const keys = await read(CLICK_TO_RUN);
  return keys ? clickToRunProducts(keys) : null;
}

export const windowsOffice: InventorySource = {
  id: 'windows-office',
  platforms: ['win32'],
  async collect(context) {
    const items = await collectOffice(readRegistry);
    if (!items) return skipped(context, this.id, 'the registry cannot be read');
    return { software: items };
  },
};
