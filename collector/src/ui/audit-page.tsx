/** @jsxImportSource hono/jsx */
// The audit log's page (admins only): every change, newest first, filtered by actor, action and
// dates, with its CSV export.
import { Hono, type Context } from 'hono';
import { AUDIT_ACTIONS, AUDIT_PAGE_SIZE, auditRetention, listAudit, type AuditFilters, type AuditRow } from '../accounts/audit.ts';
import type { AuthVariables } from '../http/auth.ts';
import type { Db } from '../store/db.ts';
import type { Table } from '../exports/tables.ts';
import { colon, formatDateTime, formatNumber, isAdmin, Layout, type PageContext } from './layout.tsx';
import { fill } from './i18n.ts';

type Env = { Variables: AuthVariables };
const EXPORT_LIMIT = 500_000;

/** The filters' query string, for the pager and the export. */
const queryString = (filters: AuditFilters, page?: number) => {
  const params = new URLSearchParams();
  for (const key of ['actor', 'action', 'from', 'to'] as const) if (filters[key]) params.set(key, filters[key]!);
  if (page && page > 1) params.set('page', String(page));
  const text = params.toString();
  return text ? `?${text}` : '';
};

export function AuditPage(props: { ctx: PageContext; rows: AuditRow[]; total: number; page: number; filters: AuditFilters; retention: number | null }) {
  const { ctx, rows, total, page, filters, retention } = props;
  const t = ctx.t.audit;
  const pages = Math.max(1, Math.ceil(total / AUDIT_PAGE_SIZE));
  const kinds = [...new Set(AUDIT_ACTIONS.map((a) => a.split('.')[0]!))];
  const groupLabel = (kind: string) => (t.groups as Record<string, string>)[kind] ?? kind;
  const actionLabel = (action: string) => (t.actions as Record<string, string>)[action] ?? action;
  return (
    <Layout ctx={ctx} title={t.title} active="settings">
      <p class="muted">{t.intro}</p>
      {retention === null ? null : (
        <p id="audit-retention">{retention === 0 ? t.retentionForever : fill(t.retention, { days: formatNumber(ctx, retention) })}</p>
      )}
      <form method="get" action="/settings/audit" class="filters" role="search">
        <label>
          {t.actor}
          <input name="actor" value={filters.actor ?? ''} />
        </label>
        <label>
          {t.action}
          <select name="action">
            <option value="">{t.allActions}</option>
            {kinds.map((kind) => (
              <optgroup label={groupLabel(kind)}>
                <option value={kind} selected={filters.action === kind}>
                  {fill(t.allOfGroup, { group: groupLabel(kind) })}
                </option>
                {AUDIT_ACTIONS.filter((a) => a.startsWith(`${kind}.`)).map((a) => (
                  <option value={a} selected={filters.action === a}>
                    {actionLabel(a)}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        </label>
        <label>
          {t.from}
          <input type="date" name="from" value={filters.from ?? ''} />
        </label>
        <label>
          {t.to}
          <input type="date" name="to" value={filters.to ?? ''} />
        </label>
        <button type="submit" class="primary">
          {t.filter}
        </button>
      </form>
      <p class="exports">
        {`${ctx.t.export}${colon(ctx)}`}
        <a href={`/settings/audit.csv${queryString(filters)}`}>CSV</a>
        <a href={`/settings/audit.xlsx${queryString(filters)}`}>XLSX</a>
      </p>
      <section>
        {rows.length === 0 ? (
          <p>{t.empty}</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">{t.at}</th>
                <th scope="col">{t.actor}</th>
                <th scope="col">{t.action}</th>
                <th scope="col">{t.object}</th>
                <th scope="col">{t.details}</th>
                <th scope="col">{t.ip}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr>
                  <td>
                    <time datetime={r.at}>{formatDateTime(ctx, r.at, true)}</time>
                  </td>
                  <td>{`${r.actor} (${t.kinds[r.actor_kind]})`}</td>
                  <td title={r.action}>{actionLabel(r.action)}</td>
                  <td>{r.object ?? '–'}</td>
                  <td>{r.details ?? ''}</td>
                  <td>{r.ip ?? '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <nav class="pager" aria-label="pagination">
          {page > 1 ? (
            <a href={`/settings/audit${queryString(filters, page - 1)}`}>{`← ${ctx.t.previous}`}</a>
          ) : (
            <span class="muted">{`← ${ctx.t.previous}`}</span>
          )}
          <span>{`${page} / ${pages} (${total})`}</span>
          {page < pages ? <a href={`/settings/audit${queryString(filters, page + 1)}`}>{`${ctx.t.next} →`}</a> : <span class="muted">{`${ctx.t.next} →`}</span>}
        </nav>
      </section>
    </Layout>
  );
}

/** GET /settings/audit and its exports (.csv, .xlsx), for admins only (a viewer gets a 403). */
export function auditRoutes(deps: {
  db: Db;
  ctxOf: (c: Context<Env>) => PageContext;
  exportTable: (c: Context, name: string, table: Table) => Response;
}): Hono<Env> {
  const app = new Hono<Env>();
  const filtersOf = (c: Context): AuditFilters => {
    const q = c.req.query();
    return { actor: q.actor?.slice(0, 100), action: q.action?.slice(0, 100), from: q.from, to: q.to, page: q.page };
  };
  const forbidden = (c: Context<Env>) => c.text(deps.ctxOf(c).t.audit.adminsOnly, 403);
  app.get('/settings/audit', async (c) => {
    const ctx = deps.ctxOf(c);
    if (!isAdmin(ctx)) return forbidden(c);
    const filters = filtersOf(c);
    const { rows, total, page } = await listAudit(deps.db, filters);
    return c.html(<AuditPage ctx={ctx} rows={rows} total={total} page={page} filters={filters} retention={await auditRetention(deps.db)} />);
  });
  const exportAudit = async (c: Context<Env>) => {
    const ctx = deps.ctxOf(c);
    if (!isAdmin(ctx)) return forbidden(c);
    const t = ctx.t.audit;
    const { rows } = await listAudit(deps.db, { ...filtersOf(c), page: '1' }, EXPORT_LIMIT);
    return deps.exportTable(c, 'audit', {
      columns: [
        { key: 'at', label: t.at },
        { key: 'actor_kind', label: t.actorKind },
        { key: 'actor', label: t.actor },
        { key: 'action', label: t.action },
        { key: 'object', label: t.object },
        { key: 'details', label: t.details },
        { key: 'ip', label: t.ip },
      ],
      rows: rows as unknown as Record<string, unknown>[],
    });
  };
  app.get('/settings/audit.csv', exportAudit);
  app.get('/settings/audit.xlsx', exportAudit);
  return app;
}
