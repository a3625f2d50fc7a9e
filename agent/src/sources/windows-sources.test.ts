import { describe, expect, it } from 'vitest';
import { fixture, keys, recordedWindows11 as recorded } from './fixtures/windows11.ts';
import { decodeConsole, parsePowerShellKeys, parseRegExport } from '../windows/registry.ts';
import { parseAppx, publisherFromIdentity } from './windows-appx.ts';
import { clickToRunProducts } from './windows-office.ts';
import { windowsOs } from './windows-os.ts';
import { collectUninstall } from './windows-uninstall.ts';

describe('registry Uninstall keys (Windows 11 workstation)', () => {
  it('lists what Programs and Features shows, with scope and architecture, skipping hidden entries', async () => {
    const items = (await collectUninstall(recorded))!;
    const names = items.map((i) => i.name);
    expect(names).toContain('7-Zip 24.08 (x64)');
    expect(names).toContain('Google Chrome');
    expect(names).toContain('Dell Command | Update');
    // SystemComponent=1, ParentKeyName/ReleaseType updates and keys without DisplayName are skipped.
    expect(names).not.toContain('Office 16 Click-to-Run Extensibility Component');
    expect(names).not.toContain('Microsoft Visual C++ 2022 X64 Minimum Runtime - 14.40.33810');
    expect(names.some((n) => n.includes('KB5002467'))).toBe(false);
    expect(names.some((n) => n.includes('KB5034441'))).toBe(false);
    // Adobe Acrobat appears in both views: once.
    expect(names.filter((n) => n === 'Adobe Acrobat (64-bit)')).toHaveLength(1);
    expect(items.find((i) => i.name === 'Java 8 Update 431')).toMatchObject({ arch: 'x86', scope: 'machine', publisher: 'Oracle Corporation' });
    expect(items.find((i) => i.name === 'Zoom Workplace (64-bit)')).toMatchObject({ scope: 'user', version: '6.2.11 (54051)' });
    expect(items.find((i) => i.name === 'e.magnus Gestion Financière')).toMatchObject({ publisher: 'Berger-Levrault', installed_on: '2023-09-04' });
    expect(JSON.stringify(items)).not.toContain('S-1-5-21');
    expect(items).toHaveLength(24);
  });

  it('parses reg export files: escapes, empty data, wrapped REG_EXPAND_SZ, DWORD, multi-string', () => {
    const exported = [
      'Windows Registry Editor Version 5.00',
      '',
      '[HKEY_LOCAL_MACHINE\\SOFTWARE\\X]',
      '@="default"',
      '"Display Name"="Éditeur \\"Régional\\" \\\\ SARL"',
      '"Empty"=""',
      '"Path"=hex(2):25,00,50,00,72,00,6f,00,67,00,72,00,61,00,6d,00,46,00,69,00,6c,00,\\',
      '  65,00,73,00,25,00,5c,00,58,00,00,00',
      '"Flag"=dword:00000001',
      '"List"=hex(7):61,00,00,00,62,00,00,00,00,00',
      '',
    ].join('\r\n');
    const [key] = parseRegExport(decodeConsole(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(exported, 'utf16le')])));
    expect(key!.path).toBe('HKEY_LOCAL_MACHINE\\SOFTWARE\\X');
    expect(key!.values.get('')).toEqual({ type: 'REG_SZ', data: 'default' });
    expect(key!.values.get('Display Name')).toEqual({ type: 'REG_SZ', data: 'Éditeur "Régional" \\ SARL' });
    expect(key!.values.get('Empty')).toEqual({ type: 'REG_SZ', data: '' });
    expect(key!.values.get('Path')).toEqual({ type: 'REG_EXPAND_SZ', data: '%ProgramFiles%\\X' });
    expect(key!.values.get('Flag')).toEqual({ type: 'REG_DWORD', data: '1' });
    expect(key!.values.get('List')).toEqual({ type: 'REG_MULTI_SZ', data: 'a\nb' });
  });

  it("reads PowerShell's JSON answer into the same keys", () => {
    const [key, child] = parsePowerShellKeys(
      '[{"path":"HKEY_LOCAL_MACHINE\\\\X","values":{}},{"path":"HKEY_LOCAL_MACHINE\\\\X\\\\App","values":{"DisplayName":{"kind":"String","data":"Éditeur"},"SystemComponent":{"kind":"DWord","data":"1"},"Path":{"kind":"ExpandString","data":"%ProgramFiles%"}}}]',
    );
    expect(key!.values.size).toBe(0);
    expect(child!.values.get('DisplayName')).toEqual({ type: 'REG_SZ', data: 'Éditeur' });
    expect(child!.values.get('SystemComponent')).toEqual({ type: 'REG_DWORD', data: '1' });
    expect(child!.values.get('Path')).toEqual({ type: 'REG_EXPAND_SZ', data: '%ProgramFiles%' });
  });

  it('decodes UTF-16, UTF-8 and Windows-1252 console output', () => {
    const text = 'HKEY_LOCAL_MACHINE\\X\r\n    DisplayName    REG_SZ    Éditeur Régional\r\n';
    expect(decodeConsole(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]))).toBe(text);
    expect(decodeConsole(Buffer.from(text, 'utf8'))).toBe(text);
    expect(decodeConsole(Buffer.from(text, 'latin1'))).toBe(text);
  });
});

describe('Windows edition and build', () => {
  it('Windows 11 reports itself as Windows 10 in ProductName: the build decides', () => {
    const result = windowsOs(keys('reg-currentversion-win11.reg'), keys('reg-tcpip-win11.reg'));
    expect(result.os).toMatchObject({ family: 'windows', name: 'Microsoft Windows 11 Pro', version: '23H2', build: '22631.4460', edition: 'Professional' });
    expect(result.identity).toMatchObject({ hostname: 'PC-MAIRIE-042', domain: 'mairie.local' });
  });

  it('reads Windows 10 and Windows Server 2022', () => {
    expect(windowsOs(keys('reg-currentversion-win10.reg'), null).os).toMatchObject({
      name: 'Microsoft Windows 10 Enterprise',
      version: '22H2',
      build: '19045.5131',
    });
    expect(windowsOs(keys('reg-currentversion-server2022.reg'), null).os).toMatchObject({
      name: 'Microsoft Windows Server 2022 Standard',
      build: '20348.2849',
    });
  });
});

describe('Office Click-to-Run', () => {
  it('lists the products of the Click-to-Run configuration', () => {
    const items = clickToRunProducts(keys('reg-clicktorun-win11.reg'));
    expect(items.map((i) => [i.name, i.version, i.package])).toEqual([
      ['Microsoft 365 Apps for enterprise', '16.0.18129.20158', 'O365ProPlusRetail'],
      ['Microsoft Visio Professional', '16.0.18129.20158', 'VisioProRetail'],
    ]);
  });
});

describe('Store and MSIX apps', () => {
  it('decodes the publisher from the package identity', () => {
    expect(publisherFromIdentity('CN=Microsoft Corporation, O=Microsoft Corporation, L=Redmond, S=Washington, C=US')).toBe('Microsoft Corporation');
    expect(publisherFromIdentity('CN="Contoso, SAS", O="Contoso, SAS", C=FR')).toBe('Contoso, SAS');
    expect(publisherFromIdentity('CN=24803D75-212C-471A-BC57-9EF86AB91435')).toBe('24803D75-212C-471A-BC57-9EF86AB91435');
  });

  it('parses Get-AppxPackage output', () => {
    const items = parseAppx(fixture('get-appxpackage-win11.json'));
    expect(items).toHaveLength(5);
    expect(items[0]).toMatchObject({ name: 'Microsoft.WindowsCalculator', source: 'appx', publisher: 'Microsoft Corporation', arch: 'x64', scope: 'machine' });
    expect(items[2]).toMatchObject({ name: 'MSTeams', scope: 'user' });
    expect(parseAppx('{"Name":"One.App","Version":"1.0","Publisher":"CN=One"}')).toHaveLength(1);
  });
});
