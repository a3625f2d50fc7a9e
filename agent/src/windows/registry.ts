// Reading the Windows registry: PowerShell where it runs (UTF-8 JSON), `reg export` otherwise (a
// UTF-16 .reg file; present on every Windows version and under wine). Both give keys with typed
// values; REG_EXPAND_SZ stays unexpanded.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommandBytes } from '../exec.ts';

export type RegValueType = 'REG_SZ' | 'REG_EXPAND_SZ' | 'REG_MULTI_SZ' | 'REG_DWORD' | 'REG_QWORD' | 'REG_BINARY' | 'REG_NONE';

export interface RegValue {
  type: RegValueType;
  data: string;
}

export interface RegKey {
  path: string;
  values: Map<string, RegValue>;
}

/** Bytes from a Windows tool to text: UTF-16LE (BOM or NULs), else UTF-8 if valid, else Windows-1252. */
export function decodeConsole(bytes: Buffer): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes.length > 3 && bytes[1] === 0 && bytes[3] === 0)) {
    return bytes.toString('utf16le').replace(/^\uFEFF/, '');
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

const HEX_TYPES: Record<string, RegValueType> = { '': 'REG_BINARY', '0': 'REG_NONE', '2': 'REG_EXPAND_SZ', '7': 'REG_MULTI_SZ', b: 'REG_QWORD' };

function unescapeRegString(quoted: string): string {
  return quoted.slice(1, -1).replace(/\\(.)/g, '$1');
}

function hexBytes(list: string): Buffer {
  const bytes = list
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean)
    .map((b) => parseInt(b, 16));
  return Buffer.from(bytes);
}

/** One value of a .reg file ("Name"=data) as a typed value. */
function regExportValue(data: string): RegValue | null {
  if (data.startsWith('"')) return { type: 'REG_SZ', data: unescapeRegString(data) };
  const dword = /^dword:([0-9a-f]{8})$/i.exec(data);
  if (dword) return { type: 'REG_DWORD', data: String(parseInt(dword[1]!, 16)) };
  const hex = /^hex(?:\(([0-9a-f]+)\))?:(.*)$/i.exec(data);
  if (!hex) return null;
  const type = HEX_TYPES[(hex[1] ?? '').toLowerCase()] ?? 'REG_BINARY';
  const bytes = hexBytes(hex[2]!);
  if (type === 'REG_EXPAND_SZ') return { type, data: bytes.toString('utf16le').replace(/\u0000+$/, '') };
  if (type === 'REG_MULTI_SZ')
    return {
      type,
      data: bytes
        .toString('utf16le')
        .replace(/\u0000+$/, '')
        .split('\u0000')
        .join('\n'),
    };
  if (type === 'REG_QWORD' && bytes.length === 8) return { type, data: bytes.readBigUInt64LE().toString() };
  return { type, data: bytes.toString('hex') };
}

/**
 * A `reg export` file ("Windows Registry Editor Version 5.00", UTF-16LE): keys in brackets, values
 * as "Name"="text", dword:, hex(2): (REG_EXPAND_SZ, unexpanded), hex(7): and so on; long values
 * continue on the next line after a backslash.
 */
export function parseRegExport(text: string): RegKey[] {
  const keys: RegKey[] = [];
  let current: RegKey | null = null;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    while (/=hex[^"]*\\$/i.test(line)) {
      line = line.slice(0, -1) + (lines[++i] ?? '').trim();
    }
    if (!line.trim() || line.startsWith('Windows Registry Editor') || line.startsWith(';')) continue;
    const header = /^\[(.*)\]$/.exec(line);
    if (header) {
      current = { path: header[1]!, values: new Map() };
      keys.push(current);
      continue;
    }
    const value = /^("(?:[^"\\]|\\.)*"|@)=(.*)$/.exec(line);
    if (!value || !current) continue;
    const parsed = regExportValue(value[2]!);
    if (parsed) current.values.set(value[1] === '@' ? '' : unescapeRegString(value[1]!), parsed);
  }
  return keys;
}

/** A string value ('' and missing are null); REG_EXPAND_SZ is returned unexpanded. */
export function regString(key: RegKey, name: string): string | null {
  const value = key.values.get(name);
  if (!value || value.type === 'REG_BINARY' || value.type === 'REG_NONE') return null;
  return value.data.trim() || null;
}

/** A REG_DWORD or REG_QWORD value ("0x1") as a number. */
export function regNumber(key: RegKey, name: string): number | null {
  const value = key.values.get(name);
  if (!value || (value.type !== 'REG_DWORD' && value.type !== 'REG_QWORD')) return null;
  const n = Number(value.data);
  return Number.isFinite(n) ? n : null;
}

/** Keys at and directly below a registry path, or null when the registry cannot be read here. */
export type RegReader = (key: string) => Promise<RegKey[] | null>;

const KINDS: Record<string, RegValueType> = {
  String: 'REG_SZ',
  ExpandString: 'REG_EXPAND_SZ',
  MultiString: 'REG_MULTI_SZ',
  DWord: 'REG_DWORD',
  QWord: 'REG_QWORD',
  Binary: 'REG_BINARY',
  None: 'REG_NONE',
};

// PowerShell writes UTF-8 JSON whatever the console code page; REG_EXPAND_SZ stays unexpanded.
export const POWERSHELL_READ = [
  '$ErrorActionPreference = "SilentlyContinue"; [Console]::OutputEncoding = [System.Text.Encoding]::UTF8;',
  '$root = Get-Item -LiteralPath ("Registry::" + $env:TIEBREAK_REG_KEY);',
  'if ($root -eq $null) { "[]"; exit 0 }',
  '$keys = @($root) + @(Get-ChildItem -LiteralPath ("Registry::" + $env:TIEBREAK_REG_KEY));',
  '$out = foreach ($k in $keys) { $v = @{}; foreach ($n in $k.GetValueNames()) {',
  '$v[$n] = @{ kind = $k.GetValueKind($n).ToString(); data = [string]$k.GetValue($n, $null, "DoNotExpandEnvironmentNames") } };',
  '@{ path = $k.Name; values = $v } };',
  'ConvertTo-Json -InputObject @($out) -Depth 4 -Compress',
].join(' ');

/** PowerShell's answer to POWERSHELL_READ, as keys. */
export function parsePowerShellKeys(json: string): RegKey[] {
  const text = json.trim();
  if (!text) return [];
  const parsed = JSON.parse(text) as
    | { path: string; values: Record<string, { kind: string; data: string }> }[]
    | { path: string; values: Record<string, { kind: string; data: string }> };
  return (Array.isArray(parsed) ? parsed : [parsed]).map((k) => ({
    path: k.path,
    values: new Map(Object.entries(k.values ?? {}).map(([name, v]) => [name, { type: KINDS[v.kind] ?? 'REG_NONE', data: String(v.data ?? '') }])),
  }));
}

/** PowerShell first (UTF-8 whatever the code page); `reg query` where PowerShell is absent or blocked. */
export const readRegistry: RegReader = async (key) => {
  const ps = await runCommandBytes('powershell.exe', ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command', POWERSHELL_READ], {
    env: { TIEBREAK_REG_KEY: key },
    timeoutMs: 120_000,
  });
  // The script always prints a JSON array; anything else (a stub that prints nothing, as wine's,
  // a policy message) means PowerShell cannot be used here.
  const answer = ps.ok ? ps.stdout.toString('utf8').trim() : '';
  if (answer.startsWith('[')) {
    try {
      return parsePowerShellKeys(answer);
    } catch {
      // Unreadable answer: try reg.exe.
    }
  }
  // `reg export` writes UTF-16 whatever the console code page (`reg query` writes the OEM code
  // page when redirected, which mangles accented names).
  if (!key.includes('\\')) {
    // A hive root (HKEY_USERS): its subkeys only, which `reg query` lists; exporting would copy the hive.
    const reg = await runCommandBytes('reg.exe', ['query', key]);
    if (!reg.ok) return reg.reason === 'missing' ? null : [];
    return decodeConsole(reg.stdout)
      .split(/\r?\n/)
      .filter((line) => line.startsWith('HKEY_'))
      .map((path) => ({ path: path.trim(), values: new Map() }));
  }
  const dir = mkdtempSync(join(tmpdir(), 'tiebreak-reg-'));
  const file = join(dir, 'export.reg');
  try {
    const reg = await runCommandBytes('reg.exe', ['export', key, file, '/y']);
    if (!reg.ok && reg.reason === 'missing') return null;
    // reg fails when the key does not exist: no keys, not a failure.
    return existsSync(file) ? parseRegExport(decodeConsole(readFileSync(file))) : [];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
