// The authority the collector serves: its name and SIREN (the 9-digit number of the French business
// register), shown in the assessment report and its exports. Kept in the meta table.
import { DomainError } from '../errors.ts';
import { bumpDataVersion, getMeta, setMeta, transaction, type Db } from './db.ts';

export interface Authority {
  name: string | null;
  /** Nine digits, no spaces. */
  siren: string | null;
}

export const AUTHORITY_NAME_MAX = 200;

/** A SIREN's 9 digits pass the Luhn check (its last digit is the key of the first 8). */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

/** The SIREN as 9 digits (spaces, dots and dashes as people write it are dropped); a DomainError says what is wrong. */
export function parseSiren(text: string): string {
  const digits = text.replace(/[\s.\u00a0\u202f-]/g, '');
  if (!/^\d{9}$/.test(digits)) throw new DomainError('invalid', `a SIREN is 9 digits, not "${text.slice(0, 30)}"`, 'sirenDigits', { text: text.slice(0, 30) });
  if (!luhnValid(digits))
    throw new DomainError('invalid', `SIREN ${digits} fails its check digit (Luhn): check for a typing error`, 'sirenCheck', { siren: digits });
  return digits;
}

/** `217 500 016`, as the register prints it. */
export const formatSiren = (siren: string) => siren.replace(/^(\d{3})(\d{3})(\d{3})$/, '$1 $2 $3');

export async function getAuthority(db: Db): Promise<Authority> {
  return { name: (await getMeta(db, 'authority_name')) || null, siren: (await getMeta(db, 'authority_siren')) || null };
}

/** The authority's name with its SIREN, for a report's heading; empty when neither is set. */
export function authorityLabel(a: Authority): string {
  if (a.name && a.siren) return `${a.name} (SIREN ${formatSiren(a.siren)})`;
  return a.name ?? (a.siren ? `SIREN ${formatSiren(a.siren)}` : '');
}

/**
 * Set the name, the SIREN or both (an empty value clears it; undefined leaves it); validated first,
 * nothing written when one is wrong. The settings as they are now.
 */
export async function setAuthority(db: Db, change: { name?: string; siren?: string }): Promise<Authority> {
  const name = change.name?.replace(/\s+/g, ' ').trim();
  if (name !== undefined && name.length > AUTHORITY_NAME_MAX)
    throw new DomainError('invalid', `the authority's name is at most ${AUTHORITY_NAME_MAX} characters`, 'authorityNameLength', { max: AUTHORITY_NAME_MAX });
  if (name !== undefined && /[\u0000-\u001f\u007f]/.test(name))
    throw new DomainError('invalid', "the authority's name cannot hold control characters", 'authorityNameControl');
  const siren = change.siren === undefined ? undefined : change.siren.trim() === '' ? '' : parseSiren(change.siren);
  await transaction(db, async (trx) => {
    if (name !== undefined) await setMeta(trx, 'authority_name', name);
    if (siren !== undefined) await setMeta(trx, 'authority_siren', siren);
    // Shown with the figures (the report): they are computed again.
    await bumpDataVersion(trx);
  });
  return getAuthority(db);
}
