// Reading the Windows registry with `reg query`, the one tool present on every Windows version and
// under wine. Its output is decoded robustly (UTF-16 or UTF-8 when the console code page allows,
// Windows-1252 otherwise) and parsed into keys and typed values.
import { execFile } from 'node:child_process';
import type { CommandResult } from '../exec.ts';

export type RegValueType = 'REG_SZ' | 'REG_EXPAND_SZ' | 'REG_MULTI_SZ' | 'REG_DWORD' | 'REG_QWORD' | 'REG_BINARY' | 'REG_NONE';

export interface RegValue {
  type: RegValueType;
  data: string;
}

export interface RegKey {
  path: string;
  values: Map<string, RegValue>;
}

const VALUE_LINE = /^ {4}(.*?) {4}(REG_SZ|REG_EXPAND_SZ|REG_MULTI_SZ|REG_DWORD|REG_QWORD|REG_BINARY|REG_NONE)(?: {4}(.*))?$/;

/** Bytes from reg.exe to text: UTF-16LE (BOM or NULs), else UTF-8 if valid, else Windows-1252. */
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

/** `reg query KEY /s` output: key paths at column 0, values indented by four spaces. */
export function parseRegQuery(text: string): RegKey[] {
  const keys: RegKey[] = [];
  let current: RegKey | null = null;
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.replace(/\s+$/, '');
    if (!line) continue;
    if (/^HKEY_|^HK(LM|CU|U|CR|CC)\\/.test(line)) {
      current = { path: line, values: new Map() };
      keys.push(current);
      continue;
    }
    const match = VALUE_LINE.exec(line);
    if (!match || !current) continue;
    const [, name, type, data = ''] = match;
    current.values.set(name === '(Default)' || name === '(par défaut)' ? '' : name!, { type: type as RegValueType, data });
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

export type RegReader = (key: string, recursive?: boolean) => Promise<CommandResult>;

/** Runs `reg query` through cmd with the UTF-8 code page, and decodes what comes back. */
export const regQuery: RegReader = (key, recursive = true) =>
  new Promise((resolve) => {
    const args = ['/d', '/s', '/c', `chcp 65001 >nul & reg query "${key}"${recursive ? ' /s' : ''}`];
    execFile('cmd.exe', args, { encoding: 'buffer', timeout: 60_000, maxBuffer: 128 * 1024 * 1024, windowsHide: true }, (error, stdout) => {
      const text = decodeConsole(stdout as Buffer);
      // reg exits 1 when the key does not exist: an empty, not a failed, answer.
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') return resolve({ ok: false, reason: 'missing', detail: 'cmd.exe not found' });
      if (error && !text.includes('HKEY_')) return resolve({ ok: true, stdout: '' });
      resolve({ ok: true, stdout: text });
    });
  });
