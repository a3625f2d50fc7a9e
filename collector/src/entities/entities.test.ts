// Entities and their assignment rules on both engines: a tree without cycles, deleted only when
// empty, rules that match a host's domain, name or subnet in their order.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DomainError } from '../errors.ts';
import { sql, type Db } from '../store/db.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyToPostgres } from '../store/copy-to-postgres.ts';
import { openDatabase } from '../store/db.ts';
import { closeDatabase, ENGINES, newPostgresDatabase, testDatabase } from '../store/test-database.ts';
import { createToken, revokeToken } from '../store/tokens.ts';
import { createEntity, entityWithDescendants, listEntities, moveEntity, removeEntity, resolveEntity, updateEntity } from './entities.ts';
import { addRule, entityByRules, listRules, parseRulePattern, removeRule, ruleMatches, shiftRule } from './rules.ts';

/** The DomainError a promise rejects with (its key says which). */
async function failure(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof DomainError)) throw new Error(`expected a DomainError, got ${String(error)}`);
  return error;
}

describe('assignment rules (pure)', () => {
  it('reads a domain, a name pattern or an IPv4 subnet, and refuses what is none', () => {
    expect(parseRulePattern('domain', ' Mairie-A.Local ')).toEqual({ kind: 'domain', pattern: 'mairie-a.local' });
    expect(parseRulePattern('hostname', 'PC-MAIRIE-*')).toEqual({ kind: 'hostname', pattern: 'pc-mairie-*' });
    // Host bits are dropped: the network's own address is what is stored.
    expect(parseRulePattern('subnet', '10.1.2.3/16')).toEqual({ kind: 'subnet', pattern: '10.1.0.0/16' });
    expect(parseRulePattern('subnet', '0.0.0.0/0')).toEqual({ kind: 'subnet', pattern: '0.0.0.0/0' });
    for (const [kind, pattern] of [
      ['domain', 'mairie local'],
      ['domain', ''],
      ['hostname', 'PC/1'],
      ['subnet', '10.1.0.0'],
      ['subnet', '10.1.0.0/33'],
      ['subnet', '300.1.0.0/16'],
      ['subnet', '::1/128'],
    ] as const) {
      expect(() => parseRulePattern(kind, pattern), `${kind} ${pattern}`).toThrow(expect.objectContaining({ key: 'entityRulePattern', kind: 'invalid' }));
    }
    expect(() => parseRulePattern('ou', 'x')).toThrow(expect.objectContaining({ key: 'entityRuleKind' }));
  });

  it('matches a domain and its subdomains, a whole name, an address in the subnet', () => {
    const host = { hostname: 'PC-MAIRIE-A-012', domain: 'Compta.Mairie-A.local', address: '10.1.7.20' };
    expect(ruleMatches({ kind: 'domain', pattern: 'mairie-a.local' }, host)).toBe(true);
    expect(ruleMatches({ kind: 'domain', pattern: 'compta.mairie-a.local' }, host)).toBe(true);
    expect(ruleMatches({ kind: 'domain', pattern: 'a.local' }, host)).toBe(false);
    expect(ruleMatches({ kind: 'domain', pattern: 'mairie-a.local' }, { ...host, domain: null })).toBe(false);
    expect(ruleMatches({ kind: 'hostname', pattern: 'pc-mairie-a-*' }, host)).toBe(true);
    expect(ruleMatches({ kind: 'hostname', pattern: 'pc-mairie-a-01?' }, host)).toBe(true);
    expect(ruleMatches({ kind: 'hostname', pattern: 'mairie-a' }, host)).toBe(false);
    // A dot in a pattern is a dot, not any character.
    expect(ruleMatches({ kind: 'hostname', pattern: 'pc.mairie' }, { ...host, hostname: 'PCXMAIRIE' })).toBe(false);
    expect(ruleMatches({ kind: 'subnet', pattern: '10.1.0.0/16' }, host)).toBe(true);
    expect(ruleMatches({ kind: 'subnet', pattern: '10.2.0.0/16' }, host)).toBe(false);
    expect(ruleMatches({ kind: 'subnet', pattern: '10.1.7.20/32' }, { ...host, address: '::ffff:10.1.7.20' })).toBe(true);
    expect(ruleMatches({ kind: 'subnet', pattern: '0.0.0.0/0' }, { ...host, address: null })).toBe(false);
    const rules = [
      { id: 1, entity_id: 7, kind: 'subnet' as const, pattern: '10.2.0.0/16', position: 1 },
      { id: 2, entity_id: 8, kind: 'hostname' as const, pattern: 'pc-mairie-a-*', position: 2 },
      { id: 3, entity_id: 9, kind: 'domain' as const, pattern: 'mairie-a.local', position: 3 },
    ];
    expect(entityByRules(rules, host)).toBe(8);
    expect(entityByRules(rules, { ...host, hostname: 'SRV-1' })).toBe(9);
    expect(entityByRules(rules, { hostname: 'X', domain: null, address: null })).toBeUndefined();
  });
});

describe.each(ENGINES)('entities (%s)', (engine) => {
  let db: Db;
  beforeEach(async () => {
    db = await testDatabase(engine);
  });
  afterEach(async () => {
    await closeDatabase(db);
  });

  it('builds a tree, lists it in order with depths, and refuses bad names, kinds, SIRENs and parents', async () => {
    const epci = await createEntity(db, { name: ' Communauté  de communes du Val ', kind: 'intercommunalite', siren: '200 069 094' });
    expect(epci).toMatchObject({ name: 'Communauté de communes du Val', kind: 'intercommunalite', siren: '200069094', parent_id: null });
    const b = await createEntity(db, { name: 'Bourg', kind: 'commune', parentId: epci.id });
    const a = await createEntity(db, { name: 'Aube', kind: 'commune', parentId: epci.id });
    const ccas = await createEntity(db, { name: 'CCAS', kind: 'ccas', parentId: a.id });
    const other = await createEntity(db, { name: 'Autre', kind: 'other' });
    expect((await listEntities(db)).map((e) => [e.name, e.depth, e.children])).toEqual([
      ['Autre', 0, 0],
      ['Communauté de communes du Val', 0, 2],
      ['Aube', 1, 1],
      ['CCAS', 2, 0],
      ['Bourg', 1, 0],
    ]);
    expect((await entityWithDescendants(db, epci.id)).sort()).toEqual([epci.id, a.id, b.id, ccas.id].sort());
    expect(await entityWithDescendants(db, other.id)).toEqual([other.id]);

    expect((await failure(createEntity(db, { name: '', kind: 'commune' }))).key).toBe('entityName');
    expect((await failure(createEntity(db, { name: 'x\u0007', kind: 'commune' }))).key).toBe('entityName');
    expect((await failure(createEntity(db, { name: 'X', kind: 'ville' }))).key).toBe('entityKind');
    expect((await failure(createEntity(db, { name: 'X', kind: 'commune', siren: '12345' }))).key).toBe('sirenDigits');
    expect((await failure(createEntity(db, { name: 'X', kind: 'commune', siren: '200069095' }))).key).toBe('sirenCheck');
    expect(await failure(createEntity(db, { name: 'X', kind: 'commune', parentId: 999 }))).toMatchObject({ key: 'entityNotFound', kind: 'not_found' });
    // Siblings' names differ (case aside); the same name elsewhere in the tree is fine.
    expect(await failure(createEntity(db, { name: 'aube', kind: 'commune', parentId: epci.id }))).toMatchObject({ key: 'entityNameTaken', kind: 'conflict' });
    const aubeTop = await createEntity(db, { name: 'Aube', kind: 'departement' });
    expect(await failure(resolveEntity(db, 'AUBE'))).toMatchObject({ key: 'entityAmbiguous' });
    expect(await resolveEntity(db, String(aubeTop.id))).toBe(aubeTop.id);
    expect(await resolveEntity(db, 'bourg')).toBe(b.id);
    expect(await resolveEntity(db, 'root')).toBeNull();
    expect((await failure(resolveEntity(db, 'Nowhere'))).key).toBe('entityNotFound');

    expect(await updateEntity(db, b.id, { name: 'Bourg-en-Val', siren: '' })).toMatchObject({ name: 'Bourg-en-Val', siren: null, kind: 'commune' });
    expect((await failure(updateEntity(db, b.id, { name: 'Aube' }))).key).toBe('entityNameTaken');
  });

  it('moves an entity anywhere but under itself or its descendants', async () => {
    const epci = await createEntity(db, { name: 'EPCI', kind: 'intercommunalite' });
    const a = await createEntity(db, { name: 'A', kind: 'commune', parentId: epci.id });
    const service = await createEntity(db, { name: 'Service', kind: 'service', parentId: a.id });
    expect(await failure(moveEntity(db, epci.id, service.id))).toMatchObject({ key: 'entityCycle', kind: 'conflict' });
    expect((await failure(moveEntity(db, epci.id, epci.id))).key).toBe('entityCycle');
    expect((await failure(moveEntity(db, a.id, 12345))).key).toBe('entityNotFound');
    // Unchanged by the refusals.
    expect((await listEntities(db)).map((e) => [e.name, e.depth])).toEqual([
      ['EPCI', 0],
      ['A', 1],
      ['Service', 2],
    ]);
    await moveEntity(db, service.id, epci.id);
    await moveEntity(db, a.id, null);
    await moveEntity(db, epci.id, a.id);
    expect((await listEntities(db)).map((e) => [e.name, e.depth])).toEqual([
      ['A', 0],
      ['EPCI', 1],
      ['Service', 2],
    ]);
  });

  it('deletes an entity only when nothing is in it; a revoked token forgets it', async () => {
    const epci = await createEntity(db, { name: 'EPCI', kind: 'intercommunalite' });
    const a = await createEntity(db, { name: 'A', kind: 'commune', parentId: epci.id });
    expect(await failure(removeEntity(db, epci.id))).toMatchObject({ key: 'entityNotEmpty', params: expect.objectContaining({ children: 1 }) });
    const token = await createToken(db, { name: 'A', entityId: a.id });
    const rule = await addRule(db, a.id, 'domain', 'a.local');
    await sql`INSERT INTO hosts (host_key, id_source, hostname, role, os_family, os_name, hardware_json, agent_name, agent_version, first_seen, last_seen, collected_at, entity_id)
      VALUES ('k', 'other', 'PC-1', 'workstation', 'windows', 'Windows', '{}', 'tiebreak-agent', '1', 'x', 'x', 'x', ${a.id})`.execute(db);
    expect((await failure(removeEntity(db, a.id))).params).toEqual({ name: 'A', children: 0, hosts: 1, rules: 1, tokens: 1 });
    await sql`UPDATE hosts SET entity_id = NULL`.execute(db);
    await removeRule(db, rule.id);
    await revokeToken(db, token.id);
    expect(await removeEntity(db, a.id)).toMatchObject({ id: a.id, name: 'A' });
    expect(await removeEntity(db, epci.id)).toMatchObject({ id: epci.id });
    expect(await listEntities(db)).toEqual([]);
    expect((await failure(removeEntity(db, a.id))).kind).toBe('not_found');
  });

  it('keeps the rules in order: appended, shifted, removed; refuses a duplicate and an unknown entity', async () => {
    const a = await createEntity(db, { name: 'A', kind: 'commune' });
    const b = await createEntity(db, { name: 'B', kind: 'commune' });
    const r1 = await addRule(db, a.id, 'domain', 'a.local');
    const r2 = await addRule(db, b.id, 'subnet', '10.2.0.0/16');
    const r3 = await addRule(db, b.id, 'hostname', 'PC-B-*');
    expect((await failure(addRule(db, a.id, 'domain', 'A.LOCAL'))).key).toBe('entityRuleExists');
    expect((await failure(addRule(db, 999, 'domain', 'c.local'))).key).toBe('entityNotFound');
    expect((await failure(addRule(db, a.id, 'subnet', 'nope'))).key).toBe('entityRulePattern');
    expect((await listRules(db)).map((r) => r.id)).toEqual([r1.id, r2.id, r3.id]);
    expect(await shiftRule(db, r3.id, 'up')).toBe(true);
    expect(await shiftRule(db, r1.id, 'up')).toBe(false);
    expect((await listRules(db)).map((r) => r.id)).toEqual([r1.id, r3.id, r2.id]);
    expect(await shiftRule(db, r1.id, 'down')).toBe(true);
    expect((await listRules(db)).map((r) => r.id)).toEqual([r3.id, r1.id, r2.id]);
    await removeRule(db, r1.id);
    expect((await listRules(db)).map((r) => [r.kind, r.pattern])).toEqual([
      ['hostname', 'pc-b-*'],
      ['subnet', '10.2.0.0/16'],
    ]);
    expect((await failure(removeRule(db, r1.id))).key).toBe('entityRuleNotFound');
  });
});

describe('entities copied to PostgreSQL', () => {
  it('keeps a tree whose parents were made after their children (in another batch), with its tokens and rules', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tiebreak-entities-copy-')), 'tiebreak.db');
    const db = await openDatabase(file);
    try {
      // More entities than a batch of the copy (500 rows): the child and its parent in two inserts.
      const child = await createEntity(db, { name: 'Bourg', kind: 'commune' });
      for (let i = 0; i < 500; i++) await createEntity(db, { name: `Commune ${i}`, kind: 'commune' });
      const parent = await createEntity(db, { name: 'Communauté', kind: 'intercommunalite' });
      await moveEntity(db, child.id, parent.id);
      await createToken(db, { name: 'bourg', entityId: child.id });
      await addRule(db, child.id, 'subnet', '10.1.0.0/16');
    } finally {
      await closeDatabase(db);
    }
    const url = await newPostgresDatabase('entities-copy');
    const result = await copyToPostgres(file, url);
    expect(result.tables).toMatchObject({ entities: 502, entity_rules: 1, enrolment_tokens: 1 });
    const copied = await openDatabase(url);
    try {
      const tree = await listEntities(copied);
      expect(tree.find((e) => e.name === 'Bourg')).toMatchObject({ depth: 1, parent_id: tree.find((e) => e.name === 'Communauté')!.id });
      // Ids go on after the copied ones.
      expect((await createEntity(copied, { name: 'Aube', kind: 'commune' })).id).toBe(503);
    } finally {
      await closeDatabase(copied);
    }
  });
});
