/** @jsxImportSource hono/jsx */
// The entities' page: the tree created, edited, moved and pruned, the assignment rules in their
// order; and a host moved into an entity by hand. Every change is audited; a rule's change is
// applied to the hosts at once.
import { moveHostByHand, reassignHosts, releaseHost } from '../../entities/assign.ts';
import { createEntity, getEntity, listEntities, moveEntity, removeEntity, updateEntity } from '../../entities/entities.ts';
import { addRule, listRules, removeRule, shiftRule } from '../../entities/rules.ts';
import { DomainError } from '../../errors.ts';
import type { Db } from '../../store/db.ts';
import { EntitiesPage } from '../entities-page.tsx';
import { feature, field, positiveInteger, type Ctx, type UiContext } from './context.ts';
import type { Refusal } from './forms.ts';

/** A form's entity: '' is the root (null); anything else a number. */
function entityField(form: Record<string, unknown>, key: string): number | null {
  const text = field(form, key).trim();
  if (text === '') return null;
  const id = positiveInteger(text);
  if (id === null) throw new DomainError('not_found', `no entity ${text.slice(0, 20)}`, 'entityNotFound', { id: text.slice(0, 20) });
  return id;
}

export function entityRoutes(ui: UiContext) {
  const { app, ctxOf, audit, submit } = feature(ui);
  const { db } = ui;

  const page = async (c: Ctx, error?: string, status: 200 | Refusal['status'] = 200) =>
    c.html(<EntitiesPage ctx={ctxOf(c)} entities={await listEntities(db)} rules={await listRules(db)} error={error} />, status);
  const refused = (c: Ctx) => (refusal: Refusal) => page(c, refusal.message, refusal.status);
  /** A change of the page, audited, then the page again (or the reason it was refused). */
  const change = <T,>(c: Ctx, work: (trx: Db) => Promise<T>, describe: (result: T) => { action: string; object?: string | number; details?: string } | null) =>
    submit(
      c,
      async () => {
        await audit(c, work, describe);
        ui.dataChanged();
        return c.redirect('/settings/entities', 302);
      },
      refused(c),
    );
  /** A rule's change, then the hosts it moves (in the same transaction). */
  const withReassign =
    <T,>(work: (trx: Db) => Promise<T>) =>
    async (trx: Db) => {
      const result = await work(trx);
      return { result, moved: await reassignHosts(trx) };
    };

  app.get('/settings/entities', (c) => page(c));

  app.post('/settings/entities', async (c) => {
    const form = await c.req.parseBody();
    return change(
      c,
      (trx) => createEntity(trx, { name: field(form, 'name'), kind: field(form, 'kind'), siren: field(form, 'siren'), parentId: entityField(form, 'parent') }),
      (e) => ({ action: 'entity.add', object: e.id, details: `${e.name} (${e.kind})${e.parent_id ? `, under #${e.parent_id}` : ''}` }),
    );
  });

  app.post('/settings/entities/:id{[0-9]+}', async (c) => {
    const id = Number(c.req.param('id'));
    const form = await c.req.parseBody();
    return change(
      c,
      async (trx) => {
        const before = await getEntity(trx, id);
        const after = await updateEntity(trx, id, { name: field(form, 'name'), kind: field(form, 'kind'), siren: field(form, 'siren') });
        const parent = entityField(form, 'parent');
        const moved = parent !== before.parent_id ? await moveEntity(trx, id, parent) : null;
        return { before, after, moved };
      },
      ({ before, after, moved }) => ({
        action: moved ? 'entity.move' : 'entity.edit',
        object: id,
        details: `${before.name} → ${after.name} (${after.kind}, SIREN ${after.siren ?? '–'})${moved ? `, under ${moved.parent_id === null ? 'the root' : `#${moved.parent_id}`}` : ''}`,
      }),
    );
  });

  app.post('/settings/entities/:id{[0-9]+}/remove', (c) =>
    change(
      c,
      (trx) => removeEntity(trx, Number(c.req.param('id'))),
      (e) => ({ action: 'entity.remove', object: e.id, details: e.name }),
    ),
  );

  app.post('/settings/entities/rules', async (c) => {
    const form = await c.req.parseBody();
    return change(
      c,
      withReassign(async (trx) => addRule(trx, entityField(form, 'entity') ?? 0, field(form, 'kind'), field(form, 'pattern'))),
      ({ result: r, moved }) => ({ action: 'entity.rule-add', object: r.id, details: `${r.kind} ${r.pattern} → entity #${r.entity_id}; ${moved} hosts moved` }),
    );
  });
  app.post('/settings/entities/rules/:id{[0-9]+}/remove', (c) =>
    change(
      c,
      withReassign((trx) => removeRule(trx, Number(c.req.param('id')))),
      ({ result: r, moved }) => ({ action: 'entity.rule-remove', object: r.id, details: `${r.kind} ${r.pattern}; ${moved} hosts moved` }),
    ),
  );
  for (const direction of ['up', 'down'] as const)
    app.post(`/settings/entities/rules/:id{[0-9]+}/${direction}`, (c) =>
      change(
        c,
        withReassign((trx) => shiftRule(trx, Number(c.req.param('id')), direction)),
        ({ result, moved }) =>
          result ? { action: 'entity.rule-order', object: Number(c.req.param('id')), details: `${direction}; ${moved} hosts moved` } : null,
      ),
    );

  // A host moved by hand (it stays there), or given back to its token and the rules.
  app.post('/hosts/:id{[0-9]+}/entity', async (c) => {
    const hostId = Number(c.req.param('id'));
    const form = await c.req.parseBody();
    const back = () => c.redirect(`/hosts/${hostId}`, 302);
    return submit(
      c,
      async () => {
        const target = field(form, 'entity');
        await audit(
          c,
          (trx) => (target === 'auto' ? releaseHost(trx, hostId) : moveHostByHand(trx, hostId, entityField(form, 'entity'))),
          ({ before, after }) => ({
            action: 'entity.host',
            object: hostId,
            details: `${before.hostname}: ${before.entity_id === null ? 'root' : `#${before.entity_id}`} → ${after.entity_id === null ? 'root' : `#${after.entity_id}`}${after.by_hand ? ' (by hand)' : ' (by token and rules)'}`,
          }),
        );
        ui.dataChanged();
        return back();
      },
      (refusal) => c.text(refusal.message, refusal.status),
    );
  });
  return app;
}
