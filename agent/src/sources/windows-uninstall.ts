// Installed programs from the registry Uninstall keys ("Programs and Features"): machine-wide 64-bit
// and 32-bit (WOW6432Node) views, and the per-user keys of every loaded user hive.
import type { SoftwareItem } from '@tiebreak/shared';
import { readRegistry, regNumber, regString, type RegKey, type RegReader } from '../windows/registry.ts';
import { clean, skipped, type InventorySource } from './types.ts';

const UNINSTALL = 'Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall';
export const MACHINE_VIEWS = [`HKEY_LOCAL_MACHINE\\${UNINSTALL}`, `HKEY_LOCAL_MACHINE\\Software\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall`];
const SKIPPED_RELEASE_TYPES = /^(update|hotfix|security update|service pack|update rollup)$/i;

/** YYYYMMDD as written by MSI into InstallDate, to an ISO date. */
function installDate(value: string | null): string | null {
  const m = value && /^(\d{4})(\d{2})(\d{2})$/.exec(value);
  return m ? `${m[1]}-${m[2]}-${m[3]}` : null;
}

/** Entries of one view that a person would see in "Programs and Features". */
export function uninstallEntries(keys: RegKey[], scope: SoftwareItem['scope'], arch: string | null): SoftwareItem[] {
  const items: SoftwareItem[] = [];
  for (const key of keys) {
    const name = regString(key, 'DisplayName');
    if (!name) continue;
    if (regNumber(key, 'SystemComponent') === 1) continue;
    if (regString(key, 'ParentKeyName')) continue;
    const releaseType = regString(key, 'ReleaseType');
    if (releaseType && SKIPPED_RELEASE_TYPES.test(releaseType)) continue;
    if (/^(security )?update for .*\(KB\d+\)|^hotfix for /i.test(name)) continue;
    items.push({
      name: clean(name)!,
      version: clean(regString(key, 'DisplayVersion'), 256),
      publisher: clean(regString(key, 'Publisher')),
      source: 'registry',
      scope,
      arch,
      installed_on: installDate(regString(key, 'InstallDate')),
    });
  }
  return items;
}

/** The same program listed in both views (or twice in one) counts once. */
export function mergeViews(items: SoftwareItem[]): SoftwareItem[] {
  const seen = new Map<string, SoftwareItem>();
  for (const item of items) {
    const key = [item.name.toLowerCase(), item.version ?? '', (item.publisher ?? '').toLowerCase(), item.scope].join('\u0000');
    if (!seen.has(key)) seen.set(key, item);
  }
  return [...seen.values()];
}

/** SIDs of loaded user hives (HKU\S-1-5-21-...), not their _Classes companions nor system accounts. */
export function userHives(keys: RegKey[]): string[] {
  return keys.map((k) => /^HKEY_USERS\\(S-1-5-21-[\d-]+)$/.exec(k.path)?.[1]).filter((sid): sid is string => !!sid);
}

export async function collectUninstall(read: RegReader): Promise<SoftwareItem[] | null> {
  const views = await Promise.all(MACHINE_VIEWS.map((view) => read(view)));
  if (views.every((v) => v === null)) return null;
  const items: SoftwareItem[] = [];
  views.forEach((keys, i) => {
    if (keys) items.push(...uninstallEntries(keys, 'machine', i === 0 ? null : 'x86'));
  });
  for (const sid of userHives((await read('HKEY_USERS')) ?? [])) {
    // Per-user programs keep scope "user" and nothing that says which user.
    const keys = await read(`HKEY_USERS\\${sid}\\${UNINSTALL}`);
    if (keys) items.push(...uninstallEntries(keys, 'user', null));
  }
  return mergeViews(items);
}

export const windowsUninstall: InventorySource = {
  id: 'windows-uninstall',
  platforms: ['win32'],
  async collect(context) {
    const items = await collectUninstall(readRegistry);
    if (!items) return skipped(context, this.id, 'neither PowerShell nor reg.exe is available');
    return { software: items };
  },
};
