// The collector's Ed25519 key pair, made once and kept in its database (meta); the private key never
// leaves it. A document is signed over its canonical JSON: keys sorted at every level, no spaces.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { getMeta, sql, transaction, type Db } from '../store/db.ts';

const PRIVATE = 'federation_private_key';
const PUBLIC = 'federation_public_key';

/** The same JSON whatever the order its keys were written in. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The key pair, generated on first use (once: two processes never make two). */
async function keyPair(db: Db): Promise<{ privateKey: KeyObject; publicPem: string }> {
  const existing = await getMeta(db, PRIVATE);
  if (existing) return { privateKey: createPrivateKey(existing), publicPem: (await getMeta(db, PUBLIC))! };
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  await transaction(db, async (trx) => {
    // The first writer wins: a process that lost the race reads the winner's key below.
    await sql`INSERT INTO meta (key, value) VALUES (${PRIVATE}, ${privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()}) ON CONFLICT (key) DO NOTHING`.execute(
      trx,
    );
    await sql`INSERT INTO meta (key, value) VALUES (${PUBLIC}, ${publicKey.export({ type: 'spki', format: 'pem' }).toString()}) ON CONFLICT (key) DO NOTHING`.execute(
      trx,
    );
  });
  return { privateKey: createPrivateKey((await getMeta(db, PRIVATE))!), publicPem: (await getMeta(db, PUBLIC))! };
}

/** The public key (PEM, SPKI) an observatory registers for this collector. */
export async function publicKeyPem(db: Db): Promise<string> {
  return (await keyPair(db)).publicPem;
}

/** A public key as an Ed25519 KeyObject, or an Error naming why not. */
export function parsePublicKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (error) {
    throw new Error(`not a public key in PEM: ${(error as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`an Ed25519 public key is expected, not ${key.asymmetricKeyType}`);
  return key;
}

/** A short id of a public key: the first 32 hex digits of the SHA-256 of its DER form. */
export function keyId(pem: string): string {
  const der = parsePublicKey(pem).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').slice(0, 32);
}

export async function signCanonical(db: Db, value: unknown): Promise<string> {
  return sign(null, Buffer.from(canonicalJson(value)), (await keyPair(db)).privateKey).toString('base64');
}

/** Whether `signature` (base64) is the key's signature of the value's canonical JSON. */
export function verifyCanonical(publicKey: KeyObject, value: unknown, signature: string): boolean {
  try {
    return verify(null, Buffer.from(canonicalJson(value)), publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
