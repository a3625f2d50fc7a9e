// Accounts, sessions, API tokens, the audit log and the login limits on both engines, and what
// several collector processes on one database must share: two connections stand for two processes.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoginLimiter } from '../http/auth.ts';
import { openDatabase, type Db } from '../store/db.ts';
import { ENGINES, closeDatabase, newDatabaseLocation } from '../store/test-database.ts';
import { checkApiToken, createApiToken, listApiTokens, revokeApiToken } from './api-tokens.ts';
import { audited, listAudit, recordAudit } from './audit.ts';
import { directoryAccount, endDirectorySessions, endLocalSessions } from './login.ts';
import {
  AccountError,
  authenticate,
  createSession,
  createUser,
  endSession,
  ensureFirstAdmin,
  listUsers,
  removeUser,
  sessionOf,
  setPassword,
  setRole,
  userByName,
} from './users.ts';

const PASSWORD = 'a long enough password';

describe.each(ENGINES)('%s', (engine) => {
  let db: Db;
  /** A second connection to the same database: another collector process. */
  let other: Db;
  beforeAll(async () => {
    const location = await newDatabaseLocation(engine, join(mkdtempSync(join(tmpdir(), 'tiebreak-accounts-')), 'test.db'));
    db = await openDatabase(location);
    other = await openDatabase(location);
  });
  afterAll(async () => {
    await closeDatabase(other);
    await closeDatabase(db);
  });

  it('creates the first admin once, then local accounts with checked names, roles and passwords', async () => {
    const first = await ensureFirstAdmin(db);
    expect(first?.username).toBe('admin');
    expect(await ensureFirstAdmin(other)).toBeNull();
    expect(await userByName(db, 'admin')).toMatchObject({ role: 'admin', source: 'local', must_change_password: 1 });
    expect(await authenticate(db, 'admin', first!.password)).toMatchObject({ username: 'admin' });
    expect(await authenticate(db, 'admin', 'wrong password, long')).toBeNull();
    expect(await authenticate(db, 'nobody', first!.password)).toBeNull();
    const id = await createUser(db, 'Ines.Martin', 'viewer', PASSWORD);
    expect(typeof id).toBe('number');
    await expect(createUser(other, 'Ines.Martin', 'admin', PASSWORD)).rejects.toThrow('user Ines.Martin already exists');
    // Names ignore ASCII case, on both engines.
    await expect(createUser(other, 'ines.martin', 'admin', PASSWORD)).rejects.toThrow('user ines.martin already exists');
    expect(await authenticate(db, 'INES.martin', PASSWORD)).toMatchObject({ id, username: 'Ines.Martin' });
    await createUser(db, 'bernard', 'viewer', PASSWORD);
    await expect(createUser(db, 'x', 'admin', PASSWORD)).rejects.toThrow(AccountError);
    await expect(createUser(db, 'short', 'admin', 'short')).rejects.toThrow(/at least 12/);
    expect((await listUsers(db)).map((u) => u.username)).toEqual(['admin', 'bernard', 'Ines.Martin']);
    await expect(setRole(db, 'admin', 'viewer')).rejects.toThrow('the last admin cannot lose that role');
    await expect(removeUser(db, 'admin')).rejects.toThrow('the last admin cannot be removed');
    await setRole(db, 'Ines.Martin', 'admin');
    await removeUser(db, 'ADMIN');
    expect(await userByName(db, 'admin')).toBeUndefined();
    await expect(removeUser(db, 'admin')).rejects.toThrow('no user admin');
  });

  it('keeps sessions as rows: one process opens, another reads, a new password ends them all', async () => {
    const id = await createUser(db, 'paul', 'viewer', PASSWORD);
    const session = await createSession(db, id);
    expect(await sessionOf(other, session.cookie)).toMatchObject({ csrf: session.csrf, user: { id, username: 'paul', role: 'viewer' } });
    expect(await sessionOf(other, 'forged')).toBeNull();
    await setPassword(other, 'paul', 'another long password');
    expect(await sessionOf(db, session.cookie)).toBeNull();
    const again = await createSession(db, id);
    await endSession(other, again.cookie);
    expect(await sessionOf(db, again.cookie)).toBeNull();
  });

  it('opens directory accounts by their external id, never over a local name', async () => {
    const user = await directoryAccount(db, 'ldap', 'uid=bob,ou=people', 'bob', 'viewer');
    expect(user).toMatchObject({ username: 'bob', role: 'viewer', source: 'ldap', must_change_password: 0 });
    // Its role follows the directory at every login, from any process.
    expect(await directoryAccount(other, 'ldap', 'uid=bob,ou=people', 'bob', 'admin')).toMatchObject({ id: user.id, role: 'admin' });
    await expect(directoryAccount(db, 'oidc', 'https://idp sub-1', 'paul', 'admin')).rejects.toThrow('the name paul is already the local account paul');
    const session = await createSession(db, user.id);
    await endDirectorySessions(other, 'ldap', 'uid=bob,ou=people');
    expect(await sessionOf(db, session.cookie)).toBeNull();
    const local = await createSession(db, (await userByName(db, 'paul'))!.id);
    expect(await endLocalSessions(db)).toBeGreaterThanOrEqual(1);
    expect(await sessionOf(db, local.cookie)).toBeNull();
  });

  // SQLite has one writer at a time (and two handles in one process would wait on each other's lock, synchronously).
  it.runIf(engine === 'postgres')('keeps one admin when two processes remove the last two admins at the same moment', async () => {
    for (let round = 0; round < 5; round++) {
      const [a, b] = [`admin-a${round}`, `admin-b${round}`];
      await createUser(db, a, 'admin', PASSWORD);
      await createUser(db, b, 'admin', PASSWORD);
      // Every other admin of the database steps down first: a and b are the last two.
      for (const user of await listUsers(db))
        if (user.role === 'admin' && user.username !== a && user.username !== b) await setRole(db, user.username, 'viewer');
      const outcomes = await Promise.allSettled([removeUser(db, a), round % 2 ? setRole(other, b, 'viewer') : removeUser(other, b)]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      expect(String((outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason)).toMatch(/the last admin/);
      expect((await listUsers(db)).filter((u) => u.role === 'admin')).toHaveLength(1);
    }
  });

  it.runIf(engine === 'postgres')('creates an account once when two processes add it at the same moment', async () => {
    const made = await Promise.allSettled([createUser(db, 'twice', 'viewer', PASSWORD), createUser(other, 'twice', 'viewer', PASSWORD)]);
    expect(made.filter((m) => m.status === 'fulfilled')).toHaveLength(1);
    expect(made.find((m) => m.status === 'rejected')).toMatchObject({
      reason: new AccountError('user twice already exists', 'userExists', { name: 'twice' }, 'conflict'),
    });
    // A directory user's first login reaching two processes at once: one account, found by both.
    const [a, b] = await Promise.all([
      directoryAccount(db, 'oidc', 'https://idp sub-9', 'nina', 'viewer'),
      directoryAccount(other, 'oidc', 'https://idp sub-9', 'nina', 'viewer'),
    ]);
    expect(a.id).toBe(b.id);
    expect((await listUsers(db)).filter((u) => u.username === 'nina')).toHaveLength(1);
  });

  it('checks API tokens: role, expiry, revocation, last use to the minute', async () => {
    const now = new Date('2026-12-01T10:00:00Z');
    const viewer = await createApiToken(db, { name: 'bi-tool', role: 'viewer', expiresInDays: 2, createdBy: 'paul' }, now);
    expect(await checkApiToken(other, viewer.token, now)).toEqual({ ok: true, token: { id: viewer.id, name: 'bi-tool', role: 'viewer' } });
    expect((await listApiTokens(db)).find((t) => t.id === viewer.id)).toMatchObject({
      last_used_at: now.toISOString(),
      expires_at: '2026-12-03T10:00:00.000Z',
    });
    expect(await checkApiToken(db, viewer.token, new Date('2026-12-03T10:00:00Z'))).toEqual({
      ok: false,
      reason: 'API token "bi-tool" expired on 2026-12-03T10:00:00.000Z',
    });
    expect(await checkApiToken(db, 'tbt_unknown')).toEqual({ ok: false, reason: 'unknown API token' });
    expect(await revokeApiToken(db, viewer.id, now)).toBe(true);
    expect(await revokeApiToken(other, viewer.id, now)).toBe(false);
    expect(await checkApiToken(db, viewer.token, now)).toMatchObject({ ok: false, reason: /was revoked/ });
    await expect(createApiToken(db, { name: ' ', role: 'viewer' })).rejects.toThrow(AccountError);
  });

  it('records a change and its audit entry together, and filters the log (actor ignoring case, kind, dates)', async () => {
    const actor = { kind: 'user' as const, name: 'Paul.Durand', ip: '192.0.2.1' };
    await recordAudit(db, { actor, action: 'user.add', object: 'x', details: 'viewer' }, new Date('2026-11-30T23:59:59Z'));
    await recordAudit(db, { actor: { kind: 'cli', name: 'cli:root', ip: null }, action: 'api-token.revoke', object: 7 }, new Date('2026-12-01T08:00:00Z'));
    const made = await audited(
      db,
      actor,
      (trx) => createUser(trx, 'audited-user', 'viewer', PASSWORD),
      (id) => ({ action: 'user.add', object: id }),
    );
    expect(await userByName(db, 'audited-user')).toMatchObject({ id: made });
    // A change that fails leaves neither the change nor its entry.
    await expect(
      audited(
        db,
        actor,
        async (trx) => {
          await createUser(trx, 'rolled-back', 'viewer', PASSWORD);
          throw new AccountError('refused after the insert');
        },
        () => ({ action: 'user.add', object: 'rolled-back' }),
      ),
    ).rejects.toThrow('refused after the insert');
    expect(await userByName(db, 'rolled-back')).toBeUndefined();
    expect((await listAudit(db, { actor: 'paul.d' })).rows.map((r) => r.object)).toEqual([String(made), 'x']);
    expect((await listAudit(db, { actor: '%' })).total).toBe(0);
    expect((await listAudit(db, { action: 'api-token' })).rows).toMatchObject([{ actor: 'cli:root', object: '7', ip: null }]);
    expect((await listAudit(db, { from: '2026-12-01', to: '2026-12-01' })).rows.map((r) => r.action)).toEqual(['api-token.revoke']);
    const paged = await listAudit(db, { page: '2' }, 2);
    expect(paged).toMatchObject({ total: 3, page: 2 });
    expect(paged.rows).toHaveLength(1);
  });

  it('shares the login limits between processes: failures counted by one slow the other down', async () => {
    const one = new LoginLimiter(db);
    const two = new LoginLimiter(other);
    const now = Date.parse('2026-12-01T10:00:00Z');
    for (let i = 0; i < 3; i++) await one.fail('198.51.100.1', 'marie', now);
    for (let i = 0; i < 3; i++) await two.fail('198.51.100.1', 'marie', now);
    // Six failures, five free: the next attempt waits 2 s, seen by both.
    expect(await one.retryAfter('198.51.100.1', 'marie', now)).toBe(2);
    expect(await two.retryAfter('198.51.100.2', 'marie', now)).toBe(2);
    expect(await two.retryAfter('198.51.100.2', null, now)).toBe(0);
    // Failures at once from both processes are all counted.
    await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? one : two).fail('198.51.100.1', null, now)));
    expect(await one.retryAfter('198.51.100.1', null, now)).toBe(2 ** 7);
    // The account's cap is a minute; the address's is 15 minutes.
    for (let i = 0; i < 20; i++) await one.fail(`203.0.113.${i}`, 'marie', now);
    expect(await two.retryAfter('203.0.113.200', 'marie', now)).toBe(60);
    for (let i = 0; i < 20; i++) await one.fail('203.0.113.1', null, now);
    expect(await two.retryAfter('203.0.113.1', null, now)).toBe(15 * 60);
    // A day later it is forgotten; a success forgets at once.
    expect(await two.retryAfter('203.0.113.1', 'marie', now + 24 * 3_600_000 + 1)).toBe(0);
    await two.succeed('198.51.100.1', 'marie');
    expect(await one.retryAfter('198.51.100.1', 'marie', now)).toBe(0);
  });

  it("recognises a device cookie signed by another process, and no other account's nor a forged one", async () => {
    const cookie = await new LoginLimiter(db).deviceFor('marie');
    const two = new LoginLimiter(other);
    expect(await two.knownDevice(cookie, 'marie')).toBe(true);
    expect(await two.knownDevice(cookie, 'paul')).toBe(false);
    expect(await two.knownDevice(`${Buffer.from('marie').toString('base64url')}.x.y`, 'marie')).toBe(false);
    expect(await two.knownDevice(undefined, 'marie')).toBe(false);
  });
});
