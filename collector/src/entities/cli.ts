// The entities' commands of tiebreak-collector: the tree listed, an entity added, moved or removed,
// each change audited as the command line's.
import { UsageError, noMoreArguments } from '@tiebreak/shared';
import { audited, cliActor } from '../accounts/audit.ts';
import { formatSiren } from '../store/authority.ts';
import type { Db } from '../store/db.ts';
import { createEntity, ENTITY_KINDS, getEntity, listEntities, moveEntity, removeEntity, resolveEntity } from './entities.ts';
import { listRules } from './rules.ts';

export const ENTITIES_HELP = `  tiebreak-collector entities list [--json] [--db FILE]
  tiebreak-collector entities add NAME --kind KIND [--parent ENTITY] [--siren SIREN] [--db FILE]
  tiebreak-collector entities move ENTITY --parent ENTITY|root | entities remove ENTITY [--db FILE]
      The entities a shared DSI serves (communes, an intercommunality, a CCAS, a service), as a
      tree; KIND is one of ${ENTITY_KINDS.join(', ')}. An ENTITY is its id or its name
      (when no other has it); root is the top. A host belongs to the entity of its enrolment token
      (token create --entity ENTITY), unless an assignment rule (on the settings' entities page) or
      a move by hand says otherwise. An entity is removed only when it holds nothing.
`;

export const ENTITIES_OPTIONS = {
  kind: { type: 'string' },
  parent: { type: 'string' },
  entity: { type: 'string' },
} as const;

type Values = Record<string, string | boolean | string[] | undefined>;
const print = (text: string) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
const option = (values: Values, name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);

/** The tree as indented lines: id, name, kind, SIREN, hosts; then the assignment rules. */
async function printTree(db: Db): Promise<void> {
  const entities = await listEntities(db);
  if (!entities.length) {
    print('no entity: every host is at the root');
    return;
  }
  const lines = entities.map(
    (e) => `${String(e.id).padStart(4)}  ${'  '.repeat(e.depth)}${e.name} (${e.kind}${e.siren ? `, SIREN ${formatSiren(e.siren)}` : ''}): ${e.hosts} hosts`,
  );
  const rules = await listRules(db);
  const names = new Map(entities.map((e) => [e.id, e.name]));
  if (rules.length)
    lines.push('', 'assignment rules, in order:', ...rules.map((r, i) => `${String(i + 1).padStart(4)}  ${r.kind} ${r.pattern} → ${names.get(r.entity_id)}`));
  print(lines.join('\n'));
}

export async function runEntitiesCommand(db: Db, args: string[], values: Values): Promise<number> {
  const [sub, target, ...rest] = args;
  noMoreArguments(rest);
  if (sub === 'list') {
    if (target !== undefined) throw new UsageError(`unexpected argument: ${target}`);
    if (values.json) print(JSON.stringify({ entities: await listEntities(db), rules: await listRules(db) }, null, 2));
    else await printTree(db);
    return 0;
  }
  if (sub === 'add') {
    if (target === undefined) throw new UsageError('entities add needs a NAME');
    const kind = option(values, 'kind');
    if (kind === undefined) throw new UsageError(`entities add needs --kind (${ENTITY_KINDS.join(', ')})`);
    const parent = option(values, 'parent');
    const entity = await audited(
      db,
      cliActor(),
      async (trx) =>
        createEntity(trx, { name: target, kind, siren: option(values, 'siren'), parentId: parent === undefined ? null : await resolveEntity(trx, parent) }),
      (e) => ({ action: 'entity.add', object: e.id, details: `${e.name} (${e.kind})${e.parent_id ? `, under #${e.parent_id}` : ''}` }),
    );
    print(`entity ${entity.id} added: ${entity.name}`);
    return 0;
  }
  if (sub === 'move') {
    if (target === undefined) throw new UsageError('entities move needs an ENTITY');
    const parent = option(values, 'parent');
    if (parent === undefined) throw new UsageError('entities move needs --parent ENTITY (or root)');
    const moved = await audited(
      db,
      cliActor(),
      async (trx) => {
        const id = await resolveEntity(trx, target);
        if (id === null) throw new UsageError('the root cannot be moved');
        return moveEntity(trx, id, await resolveEntity(trx, parent));
      },
      (e) => ({ action: 'entity.move', object: e.id, details: `${e.name}, under ${e.parent_id === null ? 'the root' : `#${e.parent_id}`}` }),
    );
    print(`entity ${moved.id} (${moved.name}) now under ${moved.parent_id === null ? 'the root' : (await getEntity(db, moved.parent_id)).name}`);
    return 0;
  }
  if (sub === 'remove') {
    if (target === undefined) throw new UsageError('entities remove needs an ENTITY');
    const removed = await audited(
      db,
      cliActor(),
      async (trx) => {
        const id = await resolveEntity(trx, target);
        if (id === null) throw new UsageError('the root cannot be removed');
        return removeEntity(trx, id);
      },
      (e) => ({ action: 'entity.remove', object: e.id, details: e.name }),
    );
    print(`entity ${removed.id} (${removed.name}) removed`);
    return 0;
  }
  throw new UsageError(`unknown entities command: ${sub ?? '(none)'}; try 'entities list|add NAME --kind KIND|move ENTITY --parent ENTITY|remove ENTITY'`);
}
