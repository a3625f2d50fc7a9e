// The DSI's pages, server-rendered. Every string that came from an agent goes through JSX, which
// escapes it in text and attributes alike; charts are SVG built the same way.
import type { Child } from 'hono/jsx';
import type { Alternative } from '@tiebreak/shared';
import type { DirectoryConfig } from '../accounts/directory-config.ts';
import type { DependencyMap } from '../map/map.ts';
import type { EntityNode } from '../entities/entities.ts';
import { entityName, EntityOptions, HostEntitySection } from './entities-page.tsx';
import { HOST_ROLES } from '../ingest/items.ts';
import { Bars, Kpi, StackedBars, TrendLine, Treemap } from './charts.tsx';
import { fill, ORIGIN_ORDER, type Dict } from './i18n.ts';
import {
  categoryLabel,
  colon,
  count,
  Csrf,
  formatDate,
  formatEuro,
  formatNumber,
  formatPercent,
  isAdmin,
  label,
  Layout,
  KeptQuery,
  OriginTag,
  plural,
  type PageContext,
} from './layout.tsx';
import type { HostDependency, HostInstallation, HostRow, Page, ProductGroup, ProductRow, TopProduct, VendorRow } from './queries.ts';

const fmt = (ctx: PageContext, n: number) => formatNumber(ctx, n, 0);
const pct = (ctx: PageContext, part: number, total: number) => (total ? formatPercent(ctx, Math.round((100 * part) / total), 0) : '–');

/** How one logs in here: the name and password form (local accounts, LDAP), an OpenID provider's button. */
export interface LoginMethods {
  form: boolean;
  /** The directory the form checks, when it does. */
  ldapLabel?: string;
  oidcLabel?: string;
}

/** What the login page offers, from the configuration. */
export function loginMethods(directory: DirectoryConfig | undefined): LoginMethods {
  if (!directory) return { form: true };
  return { form: directory.localLogin || !!directory.ldap, ldapLabel: directory.ldap?.label, oidcLabel: directory.oidc?.label };
}

export function LoginPage(props: { ctx: PageContext; next: string; error?: string; csrf: string; methods?: LoginMethods }) {
  const t = props.ctx.t;
  const methods = props.methods ?? { form: true };
  return (
    <Layout ctx={props.ctx} title={t.login.title}>
      <div class="card login">
        {props.error && (
          <p class="error" role="alert">
            {props.error}
          </p>
        )}
        {methods.oidcLabel && (
          <p>
            <a class="button primary" id="oidc-login" href={`/login/oidc?next=${encodeURIComponent(props.next)}`}>
              {t.directory.withProvider.replace('{label}', methods.oidcLabel)}
            </a>
          </p>
        )}
        {methods.oidcLabel && methods.form && <p>{t.directory.or}</p>}
        {methods.ldapLabel && methods.form && <p class="muted">{t.directory.formHint.replace('{label}', methods.ldapLabel)}</p>}
        {methods.form && (
          <form method="post" action="/login">
            <input type="hidden" name="_csrf" value={props.csrf} />
            <input type="hidden" name="next" value={props.next} />
            <label>
              {t.login.username}
              <input name="username" autocomplete="username" required autofocus />
            </label>
            <label>
              {t.login.password}
              <input name="password" type="password" autocomplete="current-password" required />
            </label>
            <button class="primary" type="submit">
              {t.login.submit}
            </button>
          </form>
        )}
      </div>
    </Layout>
  );
}

export function PasswordPage(props: { ctx: PageContext; error?: string; done?: boolean }) {
  const t = props.ctx.t.password;
  return (
    <Layout ctx={props.ctx} title={t.title}>
      <div class="card login">
        {props.ctx.session?.user.must_change_password ? <p class="notice">{t.mustChange}</p> : null}
        {props.error && (
          <p class="error" role="alert">
            {props.error}
          </p>
        )}
        {props.done && <p class="notice">{t.done}</p>}
        <form method="post" action="/account/password">
          <Csrf ctx={props.ctx} />
          <label>
            {t.current}
            <input name="current" type="password" autocomplete="current-password" required />
          </label>
          <label>
            {t.next}
            <input name="password" type="password" autocomplete="new-password" minlength={12} required />
          </label>
          <label>
            {t.confirm}
            <input name="confirm" type="password" autocomplete="new-password" minlength={12} required />
          </label>
          <button class="primary" type="submit">
            {t.submit}
          </button>
        </form>
      </div>
    </Layout>
  );
}

function NumbersTable(props: { ctx: PageContext; head: string[]; rows: (string | number)[][] }) {
  return (
    <details>
      <summary>{props.ctx.t.table}</summary>
      <table>
        <thead>
          <tr>
            {props.head.map((h, i) => (
              <th scope="col" class={i ? 'n' : undefined}>
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => (
            <tr>
              {r.map((cell, i) =>
                i === 0 ? <th scope="row">{cell}</th> : <td class="n">{typeof cell === 'number' ? formatNumber(props.ctx, cell) : cell}</td>,
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

function AlternativesList(props: { ctx: PageContext; alternatives: Alternative[] }) {
  if (!props.alternatives.length) return <span class="muted">–</span>;
  return (
    <ul style="margin:0;padding-left:1.1rem">
      {props.alternatives.slice(0, 4).map((a) => (
        <li>
          {a.name}
          <span class="muted">{` (${a.country ?? props.ctx.t.communityProject}${a.sill ? ', SILL' : ''})`}</span>
        </li>
      ))}
    </ul>
  );
}

export function OverviewPage(props: {
  ctx: PageContext;
  map: DependencyMap;
  top: (TopProduct & { alternatives: Alternative[] })[];
  /** The dependency index now and its trajectory (the assessment). */
  /** Exposure first, then lock-in and priority (assessment/compute.ts), with the exposure's trajectory. */
  trend: {
    exposure: number | null;
    lock_in: number | null;
    priority: number | null;
    days: string[];
    values: (number | null)[];
    targets: { year: number; value: number }[];
  };
  /** The scope's selector and what it shows (entities-page.tsx), for an admin once there are entities. */
  scope?: Child;
}) {
  const { ctx, map } = props;
  const t = ctx.t;
  const totals = map.totals;
  const nonEu = map.by_origin.find((o) => o.origin === 'non_eu')?.installations ?? 0;
  // The shares by origin leave drivers and runtimes out, as the assessment's do.
  const business = totals.installations - totals.platform_installations;
  const areas = ['infrastructure', 'workstation', 'software'];
  const rows = areas.map((area) => ({
    label: label(ctx, 'areas', area),
    parts: Object.fromEntries(map.by_area_origin.filter((c) => c.area === area).map((c) => [c.origin, c.installations])),
  }));
  const nonEuVendors = map.by_vendor.filter((v) => v.origin === 'non_eu').slice(0, 12);
  return (
    <Layout ctx={ctx} title={t.title} active="overview">
      <p class="muted">{t.subtitle}</p>
      {props.scope}
      <ConfidenceFilter ctx={ctx} action="/" value={map.confidence} />
      {map.confidence !== 'all' && <p class="notice">{fill(t.confidenceShown, { level: label(ctx, 'confidences', map.confidence) })}</p>}
      {totals.hosts === 0 ? (
        <section>
          <p>{t.empty}</p>
        </section>
      ) : (
        <>
          <div class="kpis">
            <div class="kpi">
              <div class="v">{fmt(ctx, totals.hosts)}</div>
              <div class="l">{t.hosts}</div>
            </div>
            <div class="kpi">
              <div class="v">{fmt(ctx, totals.installations)}</div>
              <div class="l">{t.installations}</div>
            </div>
            <Kpi value={pct(ctx, nonEu, business)} label={t.nonEuShare} help={fill(t.ofBusinessInstallations, { n: fmt(ctx, business) })} />
            <Kpi
              value={pct(ctx, totals.unknown_installations, business)}
              label={t.unknownShare}
              help={fill(t.ofBusinessInstallations, { n: fmt(ctx, business) })}
            />
          </div>
          {totals.duplicate_id_hosts > 0 && <p class="notice">{fill(t.duplicates, { n: totals.duplicate_id_hosts })}</p>}
          <section aria-labelledby="trend">
            <h2 id="trend">
              {`${t.assessment.exposure}${colon(ctx)}${props.trend.exposure === null ? '–' : `${formatNumber(ctx, props.trend.exposure)} / 100`}`}{' '}
              <a href="/assessment" style="font-size:.9rem;font-weight:400">
                {t.nav.assessment}
              </a>
            </h2>
            <p class="muted">{t.assessment.exposureHelp}</p>
            <p>{`${t.assessment.lockIn}${colon(ctx)}${formatPercent(ctx, props.trend.lock_in)} · ${t.assessment.priority}${colon(ctx)}${props.trend.priority === null ? '–' : `${formatNumber(ctx, props.trend.priority)} / 100`}`}</p>
            {props.trend.days.length ? (
              <>
                <div class="trend">
                  <TrendLine
                    lang={ctx.lang}
                    title={t.assessment.trend}
                    days={props.trend.days}
                    series={[{ label: t.assessment.exposure, colour: '#1b1b1b', values: props.trend.values }]}
                    targets={props.trend.targets.map((x) => ({ label: t.assessment.target, year: x.year, value: x.value }))}
                  />
                </div>
                <NumbersTable
                  ctx={ctx}
                  head={[t.assessment.day, t.assessment.exposure]}
                  rows={props.trend.days.map((d, i) => [formatDate(ctx, d), props.trend.values[i] ?? '–'])}
                />
              </>
            ) : (
              <p class="muted">{t.assessment.noHistory}</p>
            )}
          </section>
          <div class="grid2">
            <section aria-labelledby="by-area">
              <h2 id="by-area">{t.byArea}</h2>
              <StackedBars lang={ctx.lang} rows={rows} originLabel={(o) => label(ctx, 'origins', o)} title={t.byArea} />
              <NumbersTable
                ctx={ctx}
                head={[t.area, ...['non_eu', 'europe', 'eu', 'community', 'unknown'].map((o) => label(ctx, 'origins', o))]}
                rows={rows.map((r) => [r.label, ...['non_eu', 'europe', 'eu', 'community', 'unknown'].map((o) => r.parts[o] ?? 0)])}
              />
            </section>
            <section aria-labelledby="top-vendors">
              <h2 id="top-vendors">{t.topVendors}</h2>
              <Bars lang={ctx.lang} rows={nonEuVendors.map((v) => ({ label: v.vendor, value: v.hosts, origin: v.origin }))} title={t.topVendors} />
              <NumbersTable
                ctx={ctx}
                head={[t.vendor, t.ownerCountry, t.hosts, t.installations]}
                rows={nonEuVendors.map((v) => [v.vendor, v.owner_country ?? '–', v.hosts, v.installations])}
              />
            </section>
            <section aria-labelledby="treemap">
              <h2 id="treemap">{t.vendorMap}</h2>
              <Treemap
                lang={ctx.lang}
                tiles={map.by_vendor.slice(0, 24).map((v) => ({ label: v.vendor, value: v.installations, origin: v.origin }))}
                title={t.vendorMap}
              />
              <NumbersTable
                ctx={ctx}
                head={[t.vendor, t.origin, t.installations]}
                rows={map.by_vendor.slice(0, 24).map((v) => [v.vendor, label(ctx, 'origins', v.origin), v.installations])}
              />
            </section>
            <section aria-labelledby="countries">
              <h2 id="countries">{t.byOwnerCountry}</h2>
              <p class="muted">{t.byOwnerCountryHelp}</p>
              <Bars
                lang={ctx.lang}
                rows={map.by_owner_country.slice(0, 10).map((c) => ({ label: c.country, value: c.hosts, origin: c.origin }))}
                title={t.byOwnerCountry}
              />
              <NumbersTable
                ctx={ctx}
                head={[t.country, t.hosts, t.installations]}
                rows={map.by_owner_country.map((c) => [c.country, c.hosts, c.installations])}
              />
            </section>
          </div>
          <section aria-labelledby="top-products">
            <h2 id="top-products">{t.topProducts}</h2>
            <table>
              <thead>
                <tr>
                  <th scope="col">{t.product}</th>
                  <th scope="col">{t.vendor}</th>
                  <th scope="col">{t.ownerCountry}</th>
                  <th scope="col" class="n">
                    {t.installations}
                  </th>
                  <th scope="col">{t.alternatives}</th>
                </tr>
              </thead>
              <tbody>
                {props.top.map((p) => (
                  <tr>
                    <td>
                      <a href={`/products?vendor=${encodeURIComponent(p.vendor_id)}&q=`}>{p.product}</a>
                    </td>
                    <td>
                      <a href={`/vendors/${encodeURIComponent(p.vendor_id)}`}>{p.vendor}</a>
                    </td>
                    <td>{p.owner_country ?? '–'}</td>
                    <td class="n">{fmt(ctx, p.installs)}</td>
                    <td>
                      <AlternativesList ctx={ctx} alternatives={p.alternatives} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <div class="grid2">
            <section aria-labelledby="agents">
              <h2 id="agents">{t.byAgent}</h2>
              <table>
                <tbody>
                  {map.hosts_by_agent.map((a) => (
                    <tr>
                      <th scope="row">{a.agent}</th>
                      <td class="n">{fmt(ctx, a.hosts)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
            <section aria-labelledby="licences">
              <h2 id="licences">{t.byLicence}</h2>
              <table>
                <tbody>
                  {map.by_licence.map((l) => (
                    <tr>
                      <th scope="row">{label(ctx, 'licences', l.licence)}</th>
                      <td class="n">{fmt(ctx, l.installations)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          </div>
          <p class="exports">
            <a href="/api/v1/map">JSON</a>
            <a href="/report">{t.nav.report}</a>
          </p>
        </>
      )}
    </Layout>
  );
}

/** The query string of a list with one value changed (page reset unless it is the page). */
function withParam(base: string, query: Record<string, string | undefined>, key: string, value: string | undefined): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...query, [key]: value, ...(key === 'page' ? {} : { page: undefined }) })) if (v) params.set(k, v);
  const s = params.toString();
  return s ? `${base}?${s}` : base;
}

function Pager(props: { ctx: PageContext; page: Page<unknown>; base: string; query: Record<string, string | undefined> }) {
  const { page, base, query, ctx } = props;
  return (
    <nav class="pager" aria-label="pagination">
      {page.page > 1 ? (
        <a href={withParam(base, query, 'page', String(page.page - 1))}>{`← ${ctx.t.previous}`}</a>
      ) : (
        <span class="muted">{`← ${ctx.t.previous}`}</span>
      )}
      <span>{fill(ctx.t.page, { p: page.page, n: page.pages, total: count(ctx, page.total, ctx.t.rows) })}</span>
      {page.page < page.pages ? (
        <a href={withParam(base, query, 'page', String(page.page + 1))}>{`${ctx.t.next} →`}</a>
      ) : (
        <span class="muted">{`${ctx.t.next} →`}</span>
      )}
    </nav>
  );
}

function Exports(props: { ctx: PageContext; base: string; query: Record<string, string | undefined> }) {
  return (
    <p class="exports">
      {`${props.ctx.t.export}${colon(props.ctx)}`}
      <a href={withParam(`${props.base}.csv`, props.query, 'page', undefined)}>CSV</a>
      <a href={withParam(`${props.base}.xlsx`, props.query, 'page', undefined)}>XLSX</a>
    </p>
  );
}

function Select(props: { name: string; label: string; value: string | undefined; options: [string, string][]; all: string }) {
  return (
    <label>
      {props.label}
      <select name={props.name}>
        <option value="">{props.all}</option>
        {props.options.map(([v, l]) => (
          <option value={v} selected={props.value === v}>
            {l}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The map's evidence filter: all, or only recognitions of at least some confidence. */
function ConfidenceFilter(props: { ctx: PageContext; action: string; value: string }) {
  const t = props.ctx.t;
  return (
    <form class="filters" method="get" action={props.action}>
      <KeptQuery ctx={props.ctx} except={['confidence', 'page']} />
      <label>
        {t.confidenceFilter}
        <select name="confidence">
          {(
            [
              ['all', t.confidenceAll],
              ['high', t.confidenceHigh],
              ['medium', t.confidenceMedium],
            ] as const
          ).map(([v, l]) => (
            <option value={v} selected={props.value === v}>
              {l}
            </option>
          ))}
        </select>
      </label>
      <button type="submit">{t.filter}</button>
    </form>
  );
}

const confidenceOptions = (ctx: PageContext): [string, string][] => [
  ['high', ctx.t.confidenceHigh],
  ['medium', ctx.t.confidenceMedium],
];

const originOptions = (ctx: PageContext) => (['non_eu', 'europe', 'eu', 'community', 'unknown'] as const).map((o) => [o, ctx.t.origins[o]] as [string, string]);

function SortHeader(props: { label: string; sort: string; base: string; query: Record<string, string | undefined>; numeric?: boolean }) {
  const active = props.query.sort === props.sort;
  return (
    <th scope="col" class={props.numeric ? 'n' : undefined} aria-sort={active ? 'descending' : undefined}>
      <a href={withParam(props.base, props.query, 'sort', props.sort)}>{props.label}</a>
    </th>
  );
}

/** A host's non-European share, as a percent: its items (drivers and runtimes apart) from vendors outside Europe. */
function DependencyShare(props: { ctx: PageContext; d: HostDependency | undefined }) {
  const { ctx, d } = props;
  if (!d || d.nonEuShare === null) return <span class="muted">–</span>;
  return (
    <span title={fill(ctx.t.hostDependency.ofItems, { n: fmt(ctx, d.non_eu), total: count(ctx, d.items, ctx.t.hostDependency.items) })}>
      {formatPercent(ctx, 100 * d.nonEuShare, 0)}
    </span>
  );
}

export function HostsPage(props: {
  ctx: PageContext;
  page: Page<HostRow>;
  dependencies: Map<number, HostDependency>;
  query: Record<string, string | undefined>;
  agents: string[];
  /** The entities (none: no column and no filter, as without entities). */
  entities: EntityNode[];
}) {
  const { ctx, page, query } = props;
  const t = ctx.t;
  const withEntities = props.entities.length > 0;
  return (
    <Layout ctx={ctx} title={t.nav.hosts} active="hosts">
      <form class="filters card" method="get" action="/hosts" role="search">
        <label>
          {t.search}
          <input name="q" value={query.q ?? ''} type="search" />
        </label>
        <Select name="role" label={t.role} value={query.role} all={t.all} options={HOST_ROLES.map((role) => [role, t.roles[role]])} />
        <Select name="origin" label={t.origin} value={query.origin} all={t.all} options={originOptions(ctx)} />
        <Select name="agent" label={t.agent} value={query.agent} all={t.all} options={props.agents.map((a) => [a, a])} />
        {withEntities && (
          <label>
            {t.entities.entity}
            <select name="entity">
              <option value="">{t.entities.allEntities}</option>
              <EntityOptions ctx={ctx} entities={props.entities} selected={query.entity ?? ''} root="root" />
            </select>
          </label>
        )}
        <label>
          <span>
            <input type="checkbox" name="stale" value="1" checked={query.stale === '1'} /> {t.stale}
          </span>
        </label>
        <button class="primary" type="submit">
          {t.filter}
        </button>
      </form>
      <Exports ctx={ctx} base="/hosts" query={query} />
      <p class="muted">{t.hostDependency.columnHelp}</p>
      <section>
        {page.rows.length ? (
          <table>
            <thead>
              <tr>
                <SortHeader label={t.hostname} sort="hostname" base="/hosts" query={query} />
                {withEntities && <th scope="col">{t.entities.entity}</th>}
                <th scope="col">{t.role}</th>
                <th scope="col">{t.os}</th>
                <th scope="col">{t.agent}</th>
                <SortHeader label={t.lastSeen} sort="last_seen" base="/hosts" query={query} />
                <SortHeader label={t.softwareCount} sort="software" base="/hosts" query={query} numeric />
                <th scope="col" class="n" title={t.hostDependency.columnHelp}>
                  {t.hostDependency.column}
                </th>
              </tr>
            </thead>
            <tbody>
              {page.rows.map((h) => (
                <tr>
                  <td>
                    <a href={`/hosts/${h.id}`}>{h.hostname}</a>
                    {h.duplicate_id ? ' ⚠' : ''}
                  </td>
                  {withEntities && <td>{entityName(ctx.t, props.entities, h.entity_id)}</td>}
                  <td>{label(ctx, 'roles', h.role)}</td>
                  <td>{`${h.os_name} ${h.os_version ?? ''}`}</td>
                  <td>{h.agent_name}</td>
                  <td>{formatDate(ctx, h.last_seen)}</td>
                  <td class="n">{fmt(ctx, h.software_count)}</td>
                  <td class="n">
                    <DependencyShare ctx={ctx} d={props.dependencies.get(h.id)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p>{t.none}</p>
        )}
        <Pager ctx={ctx} page={page} base="/hosts" query={query} />
      </section>
    </Layout>
  );
}

export function ProductsPage(props: {
  ctx: PageContext;
  page: Page<ProductGroup>;
  /** The rules' names of the page's vendors and products (`vendor` and `vendor/product`). */
  names: Record<string, string>;
  query: Record<string, string | undefined>;
  categories: [string, string][];
  title?: string;
  active?: 'products' | 'unknown';
}) {
  const { ctx, page, query } = props;
  const t = ctx.t;
  const base = props.active === 'unknown' ? '/unknown' : '/products';
  return (
    <Layout ctx={ctx} title={props.title ?? t.nav.products} active={props.active ?? 'products'}>
      <form class="filters card" method="get" action={base} role="search">
        <label>
          {t.search}
          <input name="q" value={query.q ?? ''} type="search" />
        </label>
        {props.active !== 'unknown' && <Select name="origin" label={t.origin} value={query.origin} all={t.all} options={originOptions(ctx)} />}
        <Select
          name="area"
          label={t.area}
          value={query.area}
          all={t.all}
          options={(['infrastructure', 'workstation', 'software'] as const).map((a) => [a, t.areas[a]])}
        />
        {props.active !== 'unknown' && <Select name="category" label={t.category} value={query.category} all={t.all} options={props.categories} />}
        <Select
          name="licence"
          label={t.licence}
          value={query.licence}
          all={t.all}
          options={(['open_source', 'proprietary', 'unknown'] as const).map((l) => [l, t.licences[l]])}
        />
        <Select name="kind" label={t.kind} value={query.kind} all={t.all} options={(['software', 'os', 'hardware'] as const).map((k) => [k, t.kinds[k]])} />
        {props.active !== 'unknown' && (
          <Select name="confidence" label={t.confidenceFilter} value={query.confidence} all={t.confidenceAll} options={confidenceOptions(ctx)} />
        )}
        {props.active !== 'unknown' && (
          <label>
            <span>
              <input type="checkbox" name="unknown" value="1" checked={query.unknown === '1'} /> {t.unknownOnly}
            </span>
          </label>
        )}
        {query.vendor ? <input type="hidden" name="vendor" value={query.vendor} /> : null}
        <button class="primary" type="submit">
          {t.filter}
        </button>
      </form>
      <Exports ctx={ctx} base={base} query={query} />
      {props.active !== 'unknown' && <p class="muted">{t.productGroupsHelp}</p>}
      <section>
        {page.rows.length ? (
          <table>
            <thead>
              <tr>
                <SortHeader label={t.name} sort="name" base={base} query={query} />
                <th scope="col">{t.publisher}</th>
                <th scope="col">{t.vendor}</th>
                <th scope="col">{t.origin}</th>
                <th scope="col">{t.category}</th>
                <th scope="col">{t.source}</th>
                <th scope="col">{t.confidence}</th>
                <SortHeader label={t.hosts} sort="hosts" base={base} query={query} numeric />
              </tr>
            </thead>
            <tbody>
              {page.rows.map((p) => (
                <tr>
                  <td>
                    {p.rows.length ? (
                      <details data-testid="product-group">
                        <summary>{`${props.names[p.key!] ?? p.name} (${count(ctx, p.lines, t.productLines)})`}</summary>
                        <ul>
                          {p.rows.map((line) => (
                            <li>
                              <a href={`/products/${line.id}`}>{line.name}</a>
                              <span class="muted">{` — ${label(ctx, 'sources', line.source)}, ${count(ctx, line.hosts, t.hostCount)}`}</span>
                            </li>
                          ))}
                        </ul>
                      </details>
                    ) : (
                      <a href={`/products/${p.id}`}>{p.name}</a>
                    )}
                  </td>
                  <td>{p.publisher ?? '–'}</td>
                  <td>{p.vendor_id ? <a href={`/vendors/${encodeURIComponent(p.vendor_id)}`}>{props.names[p.vendor_id] ?? p.vendor_id}</a> : '–'}</td>
                  <td>
                    <OriginTag ctx={ctx} origin={p.origin} />
                  </td>
                  <td>{categoryLabel(ctx, p.category)}</td>
                  <td>{p.rows.length ? [...new Set(p.rows.map((line) => label(ctx, 'sources', line.source)))].join(', ') : label(ctx, 'sources', p.source)}</td>
                  <td>{label(ctx, 'confidences', p.confidence)}</td>
                  <td class="n">{fmt(ctx, p.hosts)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p>{t.none}</p>
        )}
        <Pager ctx={ctx} page={page} base={base} query={query} />
      </section>
    </Layout>
  );
}

export function VendorsPage(props: { ctx: PageContext; page: Page<VendorRow>; query: Record<string, string | undefined> }) {
  const { ctx, page, query } = props;
  const t = ctx.t;
  return (
    <Layout ctx={ctx} title={t.nav.vendors} active="vendors">
      <form class="filters card" method="get" action="/vendors" role="search">
        <label>
          {t.search}
          <input name="q" value={query.q ?? ''} type="search" />
        </label>
        <Select name="origin" label={t.origin} value={query.origin} all={t.all} options={originOptions(ctx)} />
        <label>
          {t.country}
          <input name="country" value={query.country ?? ''} size={4} maxlength={2} />
        </label>
        <button class="primary" type="submit">
          {t.filter}
        </button>
      </form>
      <Exports ctx={ctx} base="/vendors" query={query} />
      <section>
        {page.rows.length ? (
          <table>
            <thead>
              <tr>
                <SortHeader label={t.vendor} sort="name" base="/vendors" query={query} />
                <th scope="col">{t.country}</th>
                <th scope="col">{t.owner}</th>
                <th scope="col">{t.origin}</th>
                <SortHeader label={t.hosts} sort="hosts" base="/vendors" query={query} numeric />
                <SortHeader label={t.installations} sort="installs" base="/vendors" query={query} numeric />
              </tr>
            </thead>
            <tbody>
              {page.rows.map((v) => (
                <tr>
                  <td>
                    <a href={`/vendors/${encodeURIComponent(v.vendor_id)}`}>{v.vendor}</a>
                  </td>
                  <td>{v.country ?? '–'}</td>
                  <td>{v.owner ? `${v.owner} (${v.owner_country ?? '?'})` : '–'}</td>
                  <td>
                    <OriginTag ctx={ctx} origin={v.origin} />
                  </td>
                  <td class="n">{fmt(ctx, v.hosts)}</td>
                  <td class="n">{fmt(ctx, v.installs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p>{t.none}</p>
        )}
        <Pager ctx={ctx} page={page} base="/vendors" query={query} />
      </section>
    </Layout>
  );
}

function Facts(props: { rows: [string, Child][] }) {
  return (
    <table>
      <tbody>
        {props.rows.map(([k, v]) => (
          <tr>
            <th scope="row" style="width:14rem">
              {k}
            </th>
            <td>{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function HostDetailPage(props: {
  ctx: PageContext;
  host: HostRow & { first_seen: string; collected_at: string; hardware_json: string; os_build?: unknown; os_arch?: unknown; entity_by_hand?: unknown };
  items: Page<HostInstallation>;
  /** The vendors of the page's items by id: their names. */
  vendorNames: Record<string, string>;
  dependency: HostDependency;
  query: { q?: string; origin?: string };
  /** The entities (none: no entity section, as without entities). */
  entities: EntityNode[];
}) {
  const { ctx, host, dependency: d, items, query } = props;
  const t = ctx.t;
  const base = `/hosts/${host.id}`;
  return (
    <Layout ctx={ctx} title={host.hostname} active="hosts">
      <section>
        <h2>{t.facts}</h2>
        <Facts
          rows={[
            [t.role, label(ctx, 'roles', host.role)],
            [t.os, `${host.os_name} ${host.os_version ?? ''} ${String(host.os_build ?? '')}`],
            [t.domain, host.domain ?? '–'],
            [t.agent, `${host.agent_name} ${host.agent_version}`],
            [t.lastSeen, formatDate(ctx, host.last_seen)],
            [t.softwareCount, fmt(ctx, host.software_count)],
          ]}
        />
      </section>
      {props.entities.length > 0 && (
        <HostEntitySection ctx={ctx} entities={props.entities} hostId={host.id} entityId={host.entity_id} byHand={!!Number(host.entity_by_hand)} />
      )}
      <section aria-labelledby="dependency">
        <h2 id="dependency">{t.hostDependency.title}</h2>
        <p class="muted">{t.hostDependency.help}</p>
        <div class="kpis">
          <div class="kpi" data-testid="host-non-eu-share">
            <div class="v">{d.nonEuShare === null ? '–' : formatPercent(ctx, 100 * d.nonEuShare, 0)}</div>
            <div class="l">{fill(t.hostDependency.ofItems, { n: fmt(ctx, d.non_eu), total: count(ctx, d.items, t.hostDependency.items) })}</div>
          </div>
          {ORIGIN_ORDER.map((o) => (
            <div class="kpi">
              <div class="v">{fmt(ctx, d.byOrigin[o] ?? 0)}</div>
              <div class="l">
                <OriginTag ctx={ctx} origin={o} />
              </div>
            </div>
          ))}
        </div>
        {d.platform ? <p class="muted">{plural(ctx, d.platform, t.hostDependency.platform)}</p> : null}
      </section>
      <section aria-labelledby="items">
        <h2 id="items">{`${t.software}, ${t.hardware}`}</h2>
        <form class="filters" method="get" action={base} role="search">
          <label>
            {t.search}
            <input name="q" value={query.q ?? ''} type="search" />
          </label>
          <Select name="origin" label={t.origin} value={query.origin} all={t.all} options={originOptions(ctx)} />
          <button class="primary" type="submit">
            {t.filter}
          </button>
        </form>
        {items.rows.length ? (
          <table>
            <thead>
              <tr>
                <th scope="col">{t.name}</th>
                <th scope="col">{t.kind}</th>
                <th scope="col">{t.version}</th>
                <th scope="col">{t.vendor}</th>
                <th scope="col">{t.origin}</th>
                <th scope="col">{t.rule}</th>
              </tr>
            </thead>
            <tbody>
              {items.rows.map((i) => (
                <tr>
                  <td>
                    <a href={`/products/${i.id}`}>{i.name}</a>
                    {i.scope === 'user' ? <span class="muted">{` (${t.hostDependency.userScope})`}</span> : null}
                  </td>
                  <td>{label(ctx, 'kinds', i.kind)}</td>
                  <td>{i.version || '–'}</td>
                  <td>{i.vendor_id ? <a href={`/vendors/${encodeURIComponent(i.vendor_id)}`}>{props.vendorNames[i.vendor_id] ?? i.vendor_id}</a> : '–'}</td>
                  <td>
                    <OriginTag ctx={ctx} origin={i.origin} />
                  </td>
                  <td class="muted">{i.rule ?? '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p>{t.none}</p>
        )}
        <Pager ctx={ctx} page={items} base={base} query={query} />
      </section>
    </Layout>
  );
}

export interface ProductDetail {
  entry: ProductRow;
  vendorName: string | null;
  owner: string | null;
  productName: string | null;
  alternatives: Alternative[];
  versions: { version: string; hosts: number }[];
  hosts: Page<{ id: number; hostname: string; role: string; version: string; last_seen: string }>;
  criticality: { level: number; source: 'product' | 'category' | 'default' | 'none' } | null;
  /** Score and cost from the dependency assessment. */
  assessed: { exposure: number; priority: number; spend_eur: number | null; estimated_spend_eur: number | null } | null;
}

export function ProductDetailPage(props: { ctx: PageContext; d: ProductDetail; page: number; assign?: Child }) {
  const { ctx, d } = props;
  const t = ctx.t;
  const e = d.entry;
  const crit = d.criticality;
  return (
    <Layout ctx={ctx} title={e.name} active={e.origin === 'unknown' ? 'unknown' : 'products'}>
      <section>
        <h2>{t.facts}</h2>
        <Facts
          rows={[
            [t.publisher, e.publisher ?? '–'],
            [t.source, label(ctx, 'sources', e.source)],
            [t.vendor, e.vendor_id ? <a href={`/vendors/${encodeURIComponent(e.vendor_id)}`}>{d.vendorName ?? e.vendor_id}</a> : '–'],
            [t.product, d.productName ?? '–'],
            [t.country, e.country ?? '–'],
            [t.owner, d.owner ? `${d.owner} (${e.owner_country ?? '?'})` : '–'],
            [t.origin, <OriginTag ctx={ctx} origin={e.origin} />],
            [t.licence, label(ctx, 'licences', e.licence)],
            [t.area, label(ctx, 'areas', e.area)],
            [t.category, categoryLabel(ctx, e.category)],
            [t.rule, e.rule ?? '–'],
            [t.evidence, label(ctx, 'evidences', e.evidence)],
            [t.confidence, label(ctx, 'confidences', e.confidence)],
            [t.criticality, crit ? `${(t.criticalityLevels as Record<number, string>)[crit.level]} (${t.criticalitySources[crit.source]})` : '–'],
            [
              t.cost,
              d.assessed?.spend_eur != null ? (
                formatEuro(ctx, d.assessed.spend_eur)
              ) : d.assessed?.estimated_spend_eur != null ? (
                `${formatEuro(ctx, d.assessed.estimated_spend_eur)} (${t.assessment.estimate})`
              ) : (
                <span class="muted">{t.costLater}</span>
              ),
            ],
            [t.assessment.exposure, d.assessed ? <a href="/assessment#products">{`${formatNumber(ctx, d.assessed.exposure)} / 100`}</a> : '–'],
            [t.assessment.priority, d.assessed ? `${formatNumber(ctx, d.assessed.priority)} / 100` : '–'],
            [t.hosts, String(e.hosts)],
          ]}
        />
      </section>
      {props.assign}
      {d.alternatives.length ? (
        <section>
          <h2>{t.alternatives}</h2>
          <table>
            <tbody>
              {d.alternatives.map((a) => (
                <tr>
                  <th scope="row">{a.name}</th>
                  <td>{a.country ?? '–'}</td>
                  <td>{label(ctx, 'licences', a.licence)}</td>
                  <td>{a.sill ? 'SILL' : ''}</td>
                  <td>{a.note}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
      <div class="grid2">
        <section>
          <h2>{t.version}</h2>
          <table>
            <tbody>
              {d.versions.map((v) => (
                <tr>
                  <th scope="row">{v.version || '–'}</th>
                  <td class="n">{v.hosts}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <section>
          <h2>{t.installedOn}</h2>
          <table>
            <tbody>
              {d.hosts.rows.map((h) => (
                <tr>
                  <td>
                    <a href={`/hosts/${h.id}`}>{h.hostname}</a>
                  </td>
                  <td>{h.version || '–'}</td>
                  <td>{formatDate(ctx, h.last_seen)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager ctx={ctx} page={d.hosts} base={`/products/${e.id}`} query={{}} />
        </section>
      </div>
    </Layout>
  );
}

export function VendorDetailPage(props: {
  ctx: PageContext;
  vendor: {
    id: string;
    name: string;
    country: string | null;
    website: string | null;
    owner: string | null;
    owner_country: string | null;
    origin: string | null;
    note: string | null;
    sources: { url: string; date: string; fact?: string }[];
  };
  products: Page<ProductRow>;
  hosts: number;
}) {
  const { ctx, vendor } = props;
  const t = ctx.t;
  return (
    <Layout ctx={ctx} title={vendor.name} active="vendors">
      <section>
        <h2>{t.facts}</h2>
        <Facts
          rows={[
            [t.country, vendor.country ?? '–'],
            [t.owner, vendor.owner ? `${vendor.owner} (${vendor.owner_country ?? '?'})` : '–'],
            [t.origin, vendor.origin ? <OriginTag ctx={ctx} origin={vendor.origin} /> : '–'],
            [
              t.website,
              vendor.website ? (
                <a href={vendor.website} rel="noopener noreferrer">
                  {vendor.website}
                </a>
              ) : (
                '–'
              ),
            ],
            [t.hosts, String(props.hosts)],
            ['Note', vendor.note ?? '–'],
          ]}
        />
        {vendor.sources.length ? (
          <>
            <h3>{t.sourcesTitle}</h3>
            <ul>
              {vendor.sources.map((s) => (
                <li>
                  {`${s.date} · ${s.fact ?? ''} `}
                  <a href={s.url} rel="noopener noreferrer">
                    {s.url}
                  </a>
                </li>
              ))}
            </ul>
          </>
        ) : null}
      </section>
      <section>
        <h2>{t.nav.products}</h2>
        <table>
          <tbody>
            {props.products.rows.map((p) => (
              <tr>
                <td>
                  <a href={`/products/${p.id}`}>{p.name}</a>
                </td>
                <td>{categoryLabel(ctx, p.category)}</td>
                <td class="n">{fmt(ctx, p.hosts)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <Pager ctx={ctx} page={props.products} base={`/vendors/${encodeURIComponent(vendor.id)}`} query={{}} />
      </section>
    </Layout>
  );
}

export function AssignForm(props: { ctx: PageContext; entryId: number; products: [string, string][]; categories: [string, string][]; error?: string }) {
  const { ctx } = props;
  const t = ctx.t;
  if (!isAdmin(ctx)) return null;
  return (
    <section aria-labelledby="assign">
      <h2 id="assign">{t.assign}</h2>
      {props.error && (
        <p class="error" role="alert">
          {props.error}
        </p>
      )}
      <form method="post" action={`/products/${props.entryId}/assign`} class="filters">
        <Csrf ctx={ctx} />
        <label>
          {t.assignTo}
          <select name="target" required>
            <option value="" />
            {props.products.map(([v, l]) => (
              <option value={v}>{l}</option>
            ))}
          </select>
        </label>
        <button class="primary" type="submit">
          {t.save}
        </button>
      </form>
      <h3>{t.createNew}</h3>
      <form method="post" action={`/products/${props.entryId}/assign`} class="filters">
        <Csrf ctx={ctx} />
        <label>
          {t.vendorName}
          <input name="vendor_name" required maxlength={200} />
        </label>
        <label>
          {t.vendorCountry}
          <input name="vendor_country" size={4} maxlength={2} pattern="[A-Za-z]{2}" />
        </label>
        <label>
          {t.vendorOwner}
          <input name="vendor_owner" maxlength={60} />
        </label>
        <label>
          {t.productName}
          <input name="product_name" required maxlength={200} />
        </label>
        <label>
          {t.area}
          <select name="area">
            {(['software', 'workstation', 'infrastructure'] as const).map((a) => (
              <option value={a}>{t.areas[a]}</option>
            ))}
          </select>
        </label>
        <label>
          {t.category}
          <select name="category">
            {props.categories.map(([v, l]) => (
              <option value={v}>{l}</option>
            ))}
          </select>
        </label>
        <label>
          {t.licence}
          <select name="licence">
            {(['proprietary', 'open_source', 'unknown'] as const).map((l) => (
              <option value={l}>{t.licences[l]}</option>
            ))}
          </select>
        </label>
        <button class="primary" type="submit">
          {t.save}
        </button>
      </form>
    </section>
  );
}

export type { Dict };

/** What a browser sees for an unknown page, or a request the domain refused (an unknown entity...). */
export function ErrorPage(props: { ctx: PageContext; notFound: boolean; message: string }) {
  const t = props.ctx.t.errorPage;
  return (
    <Layout ctx={props.ctx} title={props.notFound ? t.title : t.refused}>
      <p class="error" role="alert">
        {props.message}
      </p>
      <p>
        <a href="/">{t.back}</a>
      </p>
    </Layout>
  );
}
