// Entities: the authorities, or units of one, that a shared DSI serves (an intercommunalité and its
// member communes, a CCAS, a service). They form a tree; every host belongs to one, or to none (the
// collector's root: a collector with no entity works as it always did).
import { DomainError } from '../errors.ts';
import { parseSiren } from '../store/authority.ts';
import type { RawBuilder } from 'kysely';
import { rows, sql, transaction, value, type Db } from '../store/db.ts';

export const ENTITY_KINDS = ['commune', 'intercommunalite', 'departement', 'region', 'syndicat', 'ccas', 'service', 'other'] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];

export const ENTITY_NAME_MAX = 200;

export interface Entity {
  id: number;
  name: string;
  kind: EntityKind;
  /** Nine digits, or null. */
  siren: string | null;
  /** null: at the top of the tree. */
  parent_id: number | null;
}

/** An entity in the tree's order, with its depth and what it holds. */
export interface EntityNode extends Entity {
  depth: number;
  /** Its own hosts (not its children's). */
  hosts: number;
  children: number;
}

export interface EntityInput {
  name: string;
  kind: string;
  /** Empty or absent: none. */
  siren?: string | null;
  parentId?: number | null;
}

function parseName(text: string): string {
  const name = text.replace(/\s+/g, ' ').trim();
  if (!name || name.length > ENTITY_NAME_MAX)
    throw new DomainError('invalid', `an entity's name is 1 to ${ENTITY_NAME_MAX} characters`, 'entityName', { max: ENTITY_NAME_MAX });
  if (/[\u0000-\u001f\u007f]/.test(name))
    throw new DomainError('invalid', "an entity's name cannot hold control characters", 'entityName', { max: ENTITY_NAME_MAX });
  // The command line and the filters name an entity by its id, by its name, or "root": a name that
  // reads as one of the others could never be reached by name.
  if (/^\d+$/.test(name) || name.toLowerCase() === 'root')
    throw new DomainError('invalid', `an entity cannot be named "${name}": digits alone or "root" name ids and the root`, 'entityNameReserved', { name });
  return name;
}

export function parseEntityKind(text: string): EntityKind {
  const kind = text.trim().toLowerCase();
  if (!(ENTITY_KINDS as readonly string[]).includes(kind))
    throw new DomainError('invalid', `an entity's kind is one of ${ENTITY_KINDS.join(', ')}, not "${text.slice(0, 40)}"`, 'entityKind', {
      kind: text.slice(0, 40),
    });
  return kind as EntityKind;
}

const parseOptionalSiren = (text: string | null | undefined): string | null => (text?.trim() ? parseSiren(text) : null);

async function entityRow(db: Db, id: number): Promise<Entity | undefined> {
  return (await rows<Entity>(db, sql`SELECT id, name, kind, siren, parent_id FROM entities WHERE id = ${id}`))[0];
}

/** The entity, or a not_found DomainError. */
export async function getEntity(db: Db, id: number): Promise<Entity> {
  const entity = Number.isSafeInteger(id) ? await entityRow(db, id) : undefined;
  if (!entity) throw new DomainError('not_found', `no entity ${id}`, 'entityNotFound', { id: String(id) });
  return entity;
}

/** Two siblings never share a name (case aside): a name then says which one under its parent. */
async function checkNameFree(db: Db, name: string, parentId: number | null, except: number | null): Promise<void> {
  const taken = await value<number>(
    db,
    sql`SELECT id FROM entities WHERE lower(name) = lower(${name}) AND parent_id IS NOT DISTINCT FROM ${parentId} AND id <> ${except ?? 0} LIMIT 1`,
  );
  if (taken !== undefined) throw new DomainError('conflict', `an entity named "${name}" is already there`, 'entityNameTaken', { name });
}

export async function createEntity(db: Db, input: EntityInput, now = new Date()): Promise<Entity> {
  const name = parseName(input.name);
  const kind = parseEntityKind(input.kind);
  const siren = parseOptionalSiren(input.siren);
  const parentId = input.parentId ?? null;
  return transaction(db, async (trx) => {
    if (parentId !== null) await getEntity(trx, parentId);
    await checkNameFree(trx, name, parentId, null);
    const { id } = await trx
      .insertInto('entities')
      .values({ name, kind, siren, parent_id: parentId, created_at: now.toISOString() })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { id, name, kind, siren, parent_id: parentId };
  });
}

/** Change an entity's name, kind or SIREN (undefined leaves it; an empty SIREN clears it). */
export async function updateEntity(db: Db, id: number, change: { name?: string; kind?: string; siren?: string | null }): Promise<Entity> {
  const name = change.name === undefined ? undefined : parseName(change.name);
  const kind = change.kind === undefined ? undefined : parseEntityKind(change.kind);
  const siren = change.siren === undefined ? undefined : parseOptionalSiren(change.siren);
  return transaction(db, async (trx) => {
    const entity = await getEntity(trx, id);
    if (name !== undefined && name !== entity.name) await checkNameFree(trx, name, entity.parent_id, id);
    const next = { ...entity, ...(name !== undefined && { name }), ...(kind !== undefined && { kind }), ...(siren !== undefined && { siren }) };
    await trx.updateTable('entities').set({ name: next.name, kind: next.kind, siren: next.siren }).where('id', '=', id).execute();
    return next;
  });
}

/** Put an entity under another (null: at the top); never under itself or one of its descendants. */
export async function moveEntity(db: Db, id: number, parentId: number | null): Promise<Entity> {
  return transaction(db, async (trx) => {
    const entity = await getEntity(trx, id);
    if (parentId !== null) {
      const parent = await getEntity(trx, parentId);
      // Walk up from the new parent: meeting the entity means it would be its own ancestor.
      for (let at: Entity | undefined = parent; at; at = at.parent_id === null ? undefined : await entityRow(trx, at.parent_id)) {
        if (at.id === id)
          throw new DomainError('conflict', `"${entity.name}" cannot go under "${parent.name}": that is itself or one of its own entities`, 'entityCycle', {
            name: entity.name,
            parent: parent.name,
          });
      }
    }
    await checkNameFree(trx, entity.name, parentId, id);
    await trx.updateTable('entities').set({ parent_id: parentId }).where('id', '=', id).execute();
    return { ...entity, parent_id: parentId };
  });
}

/**
 * Delete an entity that holds nothing: no child entity, host, assignment rule or enrolment token in
 * force (a revoked token forgets it). Returns what was deleted.
 */
export async function removeEntity(db: Db, id: number): Promise<Entity> {
  return transaction(db, async (trx) => {
    const entity = await getEntity(trx, id);
    const counts = await rows<{ children: number; hosts: number; rules: number; tokens: number }>(
      trx,
      sql`SELECT (SELECT COUNT(*) FROM entities WHERE parent_id = ${id}) AS children,
        (SELECT COUNT(*) FROM hosts WHERE entity_id = ${id}) AS hosts,
        (SELECT COUNT(*) FROM entity_rules WHERE entity_id = ${id}) AS rules,
        (SELECT COUNT(*) FROM enrolment_tokens WHERE entity_id = ${id} AND revoked_at IS NULL) AS tokens`,
    );
    const { children, hosts, rules, tokens } = Object.fromEntries(Object.entries(counts[0]!).map(([k, v]) => [k, Number(v)])) as Record<string, number>;
    if (children || hosts || rules || tokens)
      throw new DomainError(
        'conflict',
        `"${entity.name}" is not empty (${children} entities, ${hosts} hosts, ${rules} assignment rules, ${tokens} enrolment tokens in force): move or remove them first`,
        'entityNotEmpty',
        { name: entity.name, children: children!, hosts: hosts!, rules: rules!, tokens: tokens! },
      );
    await sql`UPDATE enrolment_tokens SET entity_id = NULL WHERE entity_id = ${id}`.execute(trx);
    await sql`DELETE FROM entities WHERE id = ${id}`.execute(trx);
    return entity;
  });
}

/** Every entity in the tree's order (parents before children, siblings by name), with its depth and counts. */
export async function listEntities(db: Db): Promise<EntityNode[]> {
  const all = await rows<Entity & { hosts: number }>(
    db,
    sql`SELECT e.id, e.name, e.kind, e.siren, e.parent_id, COALESCE(h.hosts, 0) AS hosts
      FROM entities e LEFT JOIN (SELECT entity_id, COUNT(*) AS hosts FROM hosts WHERE entity_id IS NOT NULL GROUP BY entity_id) h ON h.entity_id = e.id`,
  );
  const byParent = new Map<number | null, (Entity & { hosts: number })[]>();
  for (const e of all) {
    const siblings = byParent.get(e.parent_id);
    if (siblings) siblings.push(e);
    else byParent.set(e.parent_id, [e]);
  }
  const out: EntityNode[] = [];
  const visit = (parent: number | null, depth: number) => {
    const siblings = (byParent.get(parent) ?? []).sort((a, b) => a.name.localeCompare(b.name, 'fr') || a.id - b.id);
    for (const e of siblings) {
      out.push({ ...e, hosts: Number(e.hosts), depth, children: byParent.get(e.id)?.length ?? 0 });
      visit(e.id, depth + 1);
    }
  };
  visit(null, 0);
  return out;
}

/** The entity and all its descendants' ids (the entity first). */
export async function entityWithDescendants(db: Db, id: number): Promise<number[]> {
  await getEntity(db, id);
  const ids = [id];
  for (let i = 0; i < ids.length; i++) {
    for (const row of await rows<{ id: number }>(db, sql`SELECT id FROM entities WHERE parent_id = ${ids[i]!}`)) ids.push(row.id);
  }
  return ids;
}

/**
 * The entity a command line or a form names: its id, or its name when one entity alone has it
 * (case aside). An empty text or "root" is the collector's root (null).
 */
export async function resolveEntity(db: Db, text: string): Promise<number | null> {
  const t = text.trim();
  if (t === '' || t.toLowerCase() === 'root') return null;
  if (/^\d+$/.test(t)) return (await getEntity(db, Number(t))).id;
  const ids = await rows<{ id: number }>(db, sql`SELECT id FROM entities WHERE lower(name) = lower(${t}) ORDER BY id`);
  if (ids.length === 1) return ids[0]!.id;
  if (ids.length === 0) throw new DomainError('not_found', `no entity named "${t}"`, 'entityNotFound', { id: t });
  throw new DomainError('conflict', `${ids.length} entities are named "${t}": give its id (${ids.map((r) => r.id).join(', ')})`, 'entityAmbiguous', {
    name: t,
    ids: ids.map((r) => r.id).join(', '),
  });
}

/** Which hosts a page, a list or a computation covers: an entity alone or with its descendants; null is the root. */
export interface EntityScope {
  entity: number | null;
  withChildren: boolean;
}

/** The whole collector: the root with every entity under it. */
export const WHOLE_COLLECTOR: EntityScope = { entity: null, withChildren: true };

/**
 * The condition that a host's entity column is in the scope, in SQL both engines run (the
 * descendants through a recursive query, so no id list is built).
 */
export function inScope(scope: EntityScope, column: string = 'entity_id'): RawBuilder<unknown> {
  const ref = sql.ref(column);
  if (scope.entity === null) return scope.withChildren ? sql`1 = 1` : sql`${ref} IS NULL`;
  if (!scope.withChildren) return sql`${ref} = ${scope.entity}`;
  return sql`${ref} IN (WITH RECURSIVE scope (id) AS (SELECT CAST(${scope.entity} AS BIGINT) UNION ALL SELECT e.id FROM entities e JOIN scope s ON e.parent_id = s.id) SELECT id FROM scope)`;
}

/**
 * A list's entity filter as a query gives it: an entity's id (it and its descendants), "root" (the
 * hosts of no entity), or nothing (every host, undefined).
 */
export function scopeOfFilter(text: string | undefined): EntityScope | undefined {
  const t = text?.trim() ?? '';
  if (t === '') return undefined;
  if (t === 'root') return { entity: null, withChildren: false };
  const id = /^\d{1,15}$/.test(t) ? Number(t) : null;
  // An id that is no entity's selects nothing, as any other filter value that matches nothing.
  return { entity: id ?? -1, withChildren: true };
}

/**
 * The scope a page or the API asks for: nothing is the whole collector, "root" the hosts of no
 * entity, an entity's id that entity with its descendants (alone: without them). An unknown
 * entity is a not_found DomainError.
 */
export async function scopeOf(db: Db, entityText: string | undefined, alone = false): Promise<EntityScope> {
  const t = entityText?.trim() ?? '';
  if (t === '') return WHOLE_COLLECTOR;
  if (t === 'root') return { entity: null, withChildren: false };
  if (!/^\d{1,15}$/.test(t)) throw new DomainError('not_found', `no entity "${t.slice(0, 40)}"`, 'entityNotFound', { id: `"${t.slice(0, 40)}"` });
  return { entity: (await getEntity(db, Number(t))).id, withChildren: !alone };
}
