// Enrolment tokens: printed once, stored only as a SHA-256 hash.
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from './db.ts';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function createToken(db: Db, name: string): { id: number; token: string } {
  const token = `tbk_${randomBytes(24).toString('base64url')}`;
  const info = db
    .prepare('INSERT INTO enrolment_tokens (name, token_hash, created_at) VALUES (?, ?, ?)')
    .run(name, hashToken(token), new Date().toISOString());
  return { id: Number(info.lastInsertRowid), token };
}

/** The token's id when it exists and is not revoked. */
export function verifyToken(db: Db, token: string): number | null {
  if (!token || token.length > 200) return null;
  const row = db.prepare('SELECT id FROM enrolment_tokens WHERE token_hash = ? AND revoked_at IS NULL').get(hashToken(token)) as
    | { id: number }
    | undefined;
  return row?.id ?? null;
}

export function revokeToken(db: Db, id: number): boolean {
  return db.prepare('UPDATE enrolment_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(new Date().toISOString(), id).changes > 0;
}
