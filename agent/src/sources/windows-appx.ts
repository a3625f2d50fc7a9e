// Store and MSIX apps, from PowerShell's Get-AppxPackage. The publisher comes from the package
// identity ("CN=Microsoft Corporation, O=Microsoft Corporation, ..."), decoded to its name.
import type { SoftwareItem } from '@tiebreak/shared';
import { clean, skipped, type InventorySource } from './types.ts';

export const APPX_SCRIPT = [
  '[Console]::OutputEncoding = [System.Text.Encoding]::UTF8;',
  'Get-AppxPackage -AllUsers | Select-Object Name, Version, Publisher, Architecture, IsFramework, SignatureKind, NonRemovable',
  '| ConvertTo-Json -Compress -Depth 2',
].join(' ');

/** "CN=Contoso Ltd, O=Contoso Ltd, L=Paris, C=FR" -> "Contoso Ltd" (O, else CN). */
export function publisherFromIdentity(identity: string | null | undefined): string | null {
  if (!identity) return null;
  const field = (name: string) => new RegExp(`(?:^|,)\\s*${name}=("([^"]*)"|[^,]*)`, 'i').exec(identity);
  const match = field('O') ?? field('CN');
  const value = match ? (match[2] ?? match[1]!).trim() : identity.trim();
  return value || null;
}

interface AppxPackage {
  Name?: string;
  Version?: string;
  Publisher?: string;
  Architecture?: number | string;
  IsFramework?: boolean;
  SignatureKind?: number | string;
}

// Get-AppxPackage's enums as ConvertTo-Json writes them (numbers).
const ARCHITECTURES: Record<string, string> = { '0': 'x86', '5': 'arm', '9': 'x64', '11': 'neutral', '12': 'arm64' };
const SYSTEM_SIGNATURE = new Set(['3', 'System']);

export function parseAppx(json: string): SoftwareItem[] {
  const text = json.trim();
  if (!text) return [];
  const parsed = JSON.parse(text) as AppxPackage | AppxPackage[];
  const packages = Array.isArray(parsed) ? parsed : [parsed];
  return packages
    .filter((p) => p.Name)
    .map((p) => ({
      name: clean(p.Name)!,
      version: clean(p.Version, 256),
      publisher: clean(publisherFromIdentity(p.Publisher)),
      source: 'appx' as const,
      scope: SYSTEM_SIGNATURE.has(String(p.SignatureKind)) ? ('machine' as const) : ('user' as const),
      arch: ARCHITECTURES[String(p.Architecture)] ?? clean(String(p.Architecture ?? ''), 64),
      package: clean(p.Name),
    }));
}

export const windowsAppx: InventorySource = {
  id: 'windows-appx',
  platforms: ['win32'],
  async collect(context) {
    const result = await context.run('powershell.exe', ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command', APPX_SCRIPT], {
      timeoutMs: 120_000,
    });
    if (!result.ok) return skipped(context, this.id, result.detail);
    try {
      // Duplicates across users are merged by the scan.
      return { software: parseAppx(result.stdout) };
    } catch (error) {
      context.log.warn(`source ${this.id}: unreadable Get-AppxPackage output (${(error as Error).message})`);
      return {};
    }
  },
};
