/** @jsxImportSource hono/jsx */
// The entities' settings page (the tree, its assignment rules) and the pieces other pages show an
// entity with: a select of the tree, a name.
import type { EntityNode, EntityScope } from '../entities/entities.ts';
import { ENTITY_KINDS } from '../entities/entities.ts';
import { RULE_KINDS, type AssignmentRule } from '../entities/rules.ts';
import { formatSiren } from '../store/authority.ts';
import { fill, type Dict } from './i18n.ts';
import { Csrf, formatNumber, isAdmin, KeptQuery, Layout, type PageContext } from './layout.tsx';

/** The tree as a select's options, indented by depth; the root first unless left out. */
export function EntityOptions(props: { ctx: PageContext; entities: EntityNode[]; selected?: number | string | null; root?: string; except?: number }) {
  const selected = props.selected === undefined || props.selected === null ? '' : String(props.selected);
  return (
    <>
      {props.root !== undefined && (
        <option value={props.root} selected={selected === props.root}>
          {props.ctx.t.entities.root}
        </option>
      )}
      {props.entities
        .filter((e) => e.id !== props.except)
        .map((e) => (
          <option value={String(e.id)} selected={selected === String(e.id)}>
            {`${'\u00a0\u00a0'.repeat(e.depth)}${e.name}`}
          </option>
        ))}
    </>
  );
}

/** A button that posts to `action` (with the session's CSRF token). */
function PostButton(props: { ctx: PageContext; action: string; label: string }) {
  return (
    <form method="post" action={props.action}>
      <Csrf ctx={props.ctx} />
      <button type="submit">{props.label}</button>
    </form>
  );
}

/** An entity's name, or the root's. */
export const entityName = (t: Dict, entities: EntityNode[], id: number | null) =>
  id === null ? t.entities.root : (entities.find((e) => e.id === id)?.name ?? String(id));

export function EntitiesPage(props: { ctx: PageContext; entities: EntityNode[]; rules: AssignmentRule[]; error?: string }) {
  const { ctx, entities, rules } = props;
  const t = ctx.t.entities;
  const admin = isAdmin(ctx);
  const kindOptions = (selected?: string) =>
    ENTITY_KINDS.map((k) => (
      <option value={k} selected={k === selected}>
        {t.kinds[k]}
      </option>
    ));
  return (
    <Layout ctx={ctx} title={t.title} active="settings">
      {props.error && (
        <p class="error" role="alert">
          {props.error}
        </p>
      )}
      <p class="muted">{t.intro}</p>
      <section aria-labelledby="entity-tree">
        <h2 id="entity-tree">{t.tree}</h2>
        {entities.length === 0 ? (
          <p>{t.none}</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">{t.name}</th>
                <th scope="col">{t.kind}</th>
                <th scope="col">SIREN</th>
                <th scope="col" class="n">
                  {t.hosts}
                </th>
                {admin && <th scope="col" />}
              </tr>
            </thead>
            <tbody>
              {entities.map((e) => (
                <tr id={`entity-${e.id}`}>
                  <td style={`padding-left:${0.5 + 1.5 * e.depth}em`}>
                    <a href={`/hosts?entity=${e.id}`}>{e.name}</a>
                  </td>
                  <td>{t.kinds[e.kind]}</td>
                  <td>{e.siren ? formatSiren(e.siren) : '–'}</td>
                  <td class="n">{formatNumber(ctx, e.hosts, 0)}</td>
                  {admin && (
                    <td>
                      <details>
                        <summary>{t.edit}</summary>
                        <form method="post" action={`/settings/entities/${e.id}`} class="filters">
                          <Csrf ctx={ctx} />
                          <label>
                            {t.name}
                            <input name="name" value={e.name} maxlength={200} required />
                          </label>
                          <label>
                            {t.kind}
                            <select name="kind">{kindOptions(e.kind)}</select>
                          </label>
                          <label>
                            {t.siren}
                            <input name="siren" value={e.siren ? formatSiren(e.siren) : ''} inputmode="numeric" size={12} />
                          </label>
                          <label>
                            {t.parent}
                            <select name="parent">
                              <EntityOptions ctx={ctx} entities={entities} selected={e.parent_id ?? ''} root="" except={e.id} />
                            </select>
                          </label>
                          <button type="submit" class="primary">
                            {t.save}
                          </button>
                        </form>
                      </details>
                      {e.hosts === 0 && e.children === 0 && <PostButton ctx={ctx} action={`/settings/entities/${e.id}/remove`} label={t.remove} />}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {admin && (
          <>
            <h3>{t.add}</h3>
            <form method="post" action="/settings/entities" class="filters">
              <Csrf ctx={ctx} />
              <label>
                {t.name}
                <input name="name" maxlength={200} required />
              </label>
              <label>
                {t.kind}
                <select name="kind">{kindOptions('commune')}</select>
              </label>
              <label>
                {t.siren}
                <input name="siren" inputmode="numeric" size={12} />
              </label>
              <label>
                {t.parent}
                <select name="parent">
                  <EntityOptions ctx={ctx} entities={entities} root="" />
                </select>
              </label>
              <button type="submit" class="primary">
                {t.create}
              </button>
            </form>
          </>
        )}
      </section>
      <section aria-labelledby="entity-rules">
        <h2 id="entity-rules">{t.rules}</h2>
        <p class="muted">{t.rulesIntro}</p>
        {rules.length === 0 ? (
          <p>{t.noRules}</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col" class="n">
                  #
                </th>
                <th scope="col">{t.ruleKind}</th>
                <th scope="col">{t.pattern}</th>
                <th scope="col">{t.entity}</th>
                {admin && <th scope="col" />}
              </tr>
            </thead>
            <tbody>
              {rules.map((r, i) => (
                <tr>
                  <td class="n">{i + 1}</td>
                  <td>{t.ruleKinds[r.kind]}</td>
                  <td>
                    <code>{r.pattern}</code>
                  </td>
                  <td>{entityName(ctx.t, entities, r.entity_id)}</td>
                  {admin && (
                    <td class="actions">
                      {i > 0 && <PostButton ctx={ctx} action={`/settings/entities/rules/${r.id}/up`} label={t.up} />}
                      {i < rules.length - 1 && <PostButton ctx={ctx} action={`/settings/entities/rules/${r.id}/down`} label={t.down} />}
                      <PostButton ctx={ctx} action={`/settings/entities/rules/${r.id}/remove`} label={t.remove} />
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {admin && entities.length > 0 && (
          <form method="post" action="/settings/entities/rules" class="filters">
            <Csrf ctx={ctx} />
            <label>
              {t.ruleKind}
              <select name="kind">
                {RULE_KINDS.map((k) => (
                  <option value={k}>{t.ruleKinds[k]}</option>
                ))}
              </select>
            </label>
            <label>
              {t.pattern}
              <input name="pattern" maxlength={253} required />
            </label>
            <label>
              {t.entity}
              <select name="entity">
                <EntityOptions ctx={ctx} entities={entities} />
              </select>
            </label>
            <button type="submit" class="primary">
              {t.addRule}
            </button>
          </form>
        )}
      </section>
    </Layout>
  );
}

/** A host's entity on its page, and for an admin the form that moves it by hand or gives it back to the rules. */
export function HostEntitySection(props: { ctx: PageContext; entities: EntityNode[]; hostId: number; entityId: number | null; byHand: boolean }) {
  const { ctx } = props;
  const t = ctx.t.entities;
  return (
    <section aria-labelledby="host-entity">
      <h2 id="host-entity">{t.entity}</h2>
      <p data-testid="host-entity">{`${entityName(ctx.t, props.entities, props.entityId)} (${props.byHand ? t.byHand : t.automatic})`}</p>
      {isAdmin(ctx) && (
        <form method="post" action={`/hosts/${props.hostId}/entity`} class="filters">
          <Csrf ctx={ctx} />
          <label>
            {t.entity}
            <select name="entity">
              <EntityOptions ctx={ctx} entities={props.entities} selected={props.entityId ?? ''} root="" />
            </select>
          </label>
          <button type="submit" class="primary">
            {t.move}
          </button>
          {props.byHand && (
            <button type="submit" name="entity" value="auto">
              {t.release}
            </button>
          )}
        </form>
      )}
    </section>
  );
}

/** The overview's scope, for admins: the whole collector, the root, or an entity with or without its descendants. */
export function ScopeSelector(props: { ctx: PageContext; entities: EntityNode[]; scope: EntityScope; name: string }) {
  const { ctx, scope } = props;
  const t = ctx.t.entities;
  const whole = scope.entity === null && scope.withChildren;
  const selected = whole ? '' : scope.entity === null ? 'root' : String(scope.entity);
  return (
    <>
      <form method="get" action="/" class="filters" role="search">
        <KeptQuery ctx={ctx} except={['entity', 'alone', 'page']} />
        <label>
          {t.scope}
          <select name="entity">
            <option value="" selected={whole}>
              {t.wholeCollector}
            </option>
            <EntityOptions ctx={ctx} entities={props.entities} selected={selected} root="root" />
          </select>
        </label>
        <label>
          <span>
            <input type="checkbox" name="alone" value="1" checked={scope.entity !== null && !scope.withChildren} /> {t.alone}
          </span>
        </label>
        <button type="submit">{t.show}</button>
      </form>
      {!whole && (
        <p class="notice" data-testid="scope">
          {`${fill(scope.entity !== null && scope.withChildren ? t.scopeWithChildren : t.scopeAlone, { name: props.name })} ${t.scopeNote}`}
        </p>
      )}
    </>
  );
}
