// Agents (tokens, enrolled agents, hosts that stopped reporting), settings (criticality, users),
// local rules, and the printable report.
import { formatSiren, type Authority } from '../store/authority.ts';
import type { Alternative } from '@tiebreak/shared';
import type { ApiTokenRow } from '../accounts/api-tokens.ts';
import type { LocalLoginState } from '../accounts/local-login.ts';
import type { User } from '../accounts/users.ts';
import type { LocalAssignment } from '../classify/local-rules.ts';
import type { DependencyMap } from '../map/map.ts';
import type { EntityNode } from '../entities/entities.ts';
import { Bars, Kpi, StackedBars } from './charts.tsx';
import { entityName, EntityOptions } from './entities-page.tsx';
import { fill } from './i18n.ts';
import { Csrf, formatDate, formatDateTime, formatNumber, formatPercent, isAdmin, Layout, plural, type PageContext } from './layout.tsx';
import type { Assessment } from '../assessment/compute.ts';
import { AreaIndexTable, CriticalTable } from './assessment-page.tsx';
import type { TopProduct } from './queries.ts';

export interface TokenRow {
  id: number;
  name: string;
  created_at: string;
  max_uses: number | null;
  uses: number;
  expires_at: string | null;
  revoked_at: string | null;
  entity_id: number | null;
}
export interface AgentRow {
  id: number;
  hostname: string;
  protocol: string;
  enrolled_at: string;
  last_seen_at: string | null;
  agent_version: string | null;
  revoked_at: string | null;
  spool_waiting: number | null;
  spool_rejected: number | null;
  spool_oldest: string | null;
  approval: 'pending' | 'refused' | null;
  /** The agent in force whose host this one claimed. */
  claimed_by: number | null;
  /** Its host's page, once the host has reported. */
  host_id?: number | null;
}

/** The agent's host name, linked to the host's page once it has reported. */
function AgentHost(props: { a: AgentRow }) {
  return props.a.host_id == null ? props.a.hostname : <a href={`/hosts/${props.a.host_id}`}>{props.a.hostname}</a>;
}

/** A secret (token, generated password) shown this once: it is stored only as a hash. */
function ShownOnce(props: { label: string; secret: string; testid?: string }) {
  return (
    <p class="notice" role="status">
      {`${props.label} `}
      <span class="token" data-testid={props.testid}>
        {props.secret}
      </span>
    </p>
  );
}

/** What an agent's spool held at its last report: "–" for peer agents and older agents. */
function SpoolCell(props: { ctx: PageContext; a: AgentRow }) {
  const { a, ctx } = props;
  if (a.spool_waiting === null) return <span class="muted">–</span>;
  const t = ctx.t;
  const parts = [t.spoolWaiting.replace('{n}', formatNumber(ctx, a.spool_waiting, 0))];
  if (a.spool_rejected) parts.push(plural(ctx, a.spool_rejected, t.spoolRejected));
  const late = a.spool_waiting > 0 && a.spool_oldest ? ` (${t.spoolOldest} ${formatDateTime(ctx, a.spool_oldest)})` : '';
  return <span class={a.spool_waiting || a.spool_rejected ? 'tag o-non_eu' : undefined}>{`${parts.join(', ')}${late}`}</span>;
}

export function AgentsPage(props: {
  ctx: PageContext;
  tokens: TokenRow[];
  agents: AgentRow[];
  stale: { id: number; hostname: string; agent_name: string; last_seen: string }[];
  newToken?: string;
  /** The entities a token may be issued for (none: the form and the table as without entities). */
  entities: EntityNode[];
}) {
  const { ctx } = props;
  const t = ctx.t;
  const admin = isAdmin(ctx);
  const withEntities = props.entities.length > 0;
  return (
    <Layout ctx={ctx} title={t.nav.agents} active="agents">
      {props.newToken && <ShownOnce label={t.newToken} secret={props.newToken} testid="new-token" />}
      <section aria-labelledby="tokens">
        <h2 id="tokens">{t.tokens}</h2>
        {admin && (
          <form method="post" action="/agents/tokens" class="filters">
            <Csrf ctx={ctx} />
            <label>
              {t.tokenName}
              <input name="name" maxlength={100} required />
            </label>
            <label>
              {t.maxUses}
              <input name="max_uses" type="number" min={1} />
            </label>
            <label>
              {t.expiresDays}
              <input name="expires_days" type="number" min={1} />
            </label>
            {withEntities && (
              <label>
                {t.entities.entity}
                <select name="entity">
                  <EntityOptions ctx={ctx} entities={props.entities} root="" />
                </select>
              </label>
            )}
            <button class="primary" type="submit">
              {t.create}
            </button>
          </form>
        )}
        <table>
          <thead>
            <tr>
              <th scope="col">{t.tokenName}</th>
              {withEntities && <th scope="col">{t.entities.entity}</th>}
              <th scope="col" class="n">
                {t.uses}
              </th>
              <th scope="col">{t.expires}</th>
              <th scope="col">{t.revoked}</th>
              <th scope="col" />
            </tr>
          </thead>
          <tbody>
            {props.tokens.map((tk) => (
              <tr>
                <td>{tk.name}</td>
                {withEntities && <td>{entityName(ctx.t, props.entities, tk.entity_id)}</td>}
                <td class="n">{`${tk.uses}${tk.max_uses ? ` / ${tk.max_uses}` : ''}`}</td>
                <td>{formatDateTime(ctx, tk.expires_at)}</td>
                <td>{formatDateTime(ctx, tk.revoked_at)}</td>
                <td>
                  {admin && !tk.revoked_at && (
                    <form method="post" action={`/agents/tokens/${tk.id}/revoke`}>
                      <Csrf ctx={ctx} />
                      <button type="submit">{t.revoke}</button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {props.agents.some((a) => a.approval === 'pending') && (
        <section aria-labelledby="pending">
          <h2 id="pending">{t.pendingAgents}</h2>
          <p>{t.pendingExplained}</p>
          <table>
            <thead>
              <tr>
                <th scope="col">{t.hostname}</th>
                <th scope="col">{t.protocol}</th>
                <th scope="col">{t.enrolled}</th>
                <th scope="col">{t.claimedHost}</th>
                <th scope="col" />
              </tr>
            </thead>
            <tbody>
              {props.agents
                .filter((a) => a.approval === 'pending')
                .map((a) => {
                  const bound = props.agents.find((b) => b.id === a.claimed_by);
                  return (
                    <tr>
                      <td>
                        <AgentHost a={a} />
                      </td>
                      <td>{a.protocol}</td>
                      <td>{formatDateTime(ctx, a.enrolled_at)}</td>
                      <td>
                        {bound ? `${bound.hostname} (${bound.protocol}, ${t.lastContact.toLowerCase()} ${formatDateTime(ctx, bound.last_seen_at)})` : '–'}
                      </td>
                      <td>
                        {admin && (
                          <>
                            <form method="post" action={`/agents/${a.id}/approve`}>
                              <Csrf ctx={ctx} />
                              <button type="submit">{t.approve}</button>
                            </form>
                            <form method="post" action={`/agents/${a.id}/refuse`}>
                              <Csrf ctx={ctx} />
                              <button type="submit">{t.refuse}</button>
                            </form>
                          </>
                        )}
                      </td>
                    </tr>
                  );
                })}
            </tbody>
          </table>
        </section>
      )}
      <section aria-labelledby="agents">
        <h2 id="agents">{t.agents}</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">{t.hostname}</th>
              <th scope="col">{t.protocol}</th>
              <th scope="col">{t.version}</th>
              <th scope="col">{t.enrolled}</th>
              <th scope="col">{t.lastContact}</th>
              <th scope="col">{t.spool}</th>
              <th scope="col">{t.revoked}</th>
              <th scope="col" />
            </tr>
          </thead>
          <tbody>
            {props.agents.map((a) => (
              <tr data-testid="agent-row">
                <td>
                  <AgentHost a={a} />
                </td>
                <td>{a.protocol}</td>
                <td>{a.agent_version ?? '–'}</td>
                <td>{formatDateTime(ctx, a.enrolled_at)}</td>
                <td>{formatDateTime(ctx, a.last_seen_at)}</td>
                <td>
                  <SpoolCell ctx={ctx} a={a} />
                </td>
                <td>{a.approval === 'refused' ? t.refused : a.approval === 'pending' ? t.pending : formatDateTime(ctx, a.revoked_at)}</td>
                <td>
                  {admin && !a.revoked_at && (
                    <form method="post" action={`/agents/${a.id}/revoke`}>
                      <Csrf ctx={ctx} />
                      <button type="submit">{t.revoke}</button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="stale">
        <h2 id="stale">{t.staleHosts}</h2>
        {props.stale.length ? (
          <table>
            <tbody>
              {props.stale.map((h) => (
                <tr>
                  <td>
                    <a href={`/hosts/${h.id}`}>{h.hostname}</a>
                  </td>
                  <td>{h.agent_name}</td>
                  <td>{formatDateTime(ctx, h.last_seen)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p>{t.none}</p>
        )}
      </section>
    </Layout>
  );
}

/** Whether local accounts may log in: the admin's switch, the environment's word where it forces them off. */
function LocalLoginSwitch(props: { ctx: PageContext; state: LocalLoginState }) {
  const { ctx, state } = props;
  const t = ctx.t.localLogin;
  return (
    <div id="local-login" data-testid="local-login">
      <h3>{t.title}</h3>
      <p>{state.forcedOff ? t.forcedOff : state.on ? t.on : t.off}</p>
      {isAdmin(ctx) && !state.forcedOff && (
        <form method="post" action="/settings/local-login">
          <Csrf ctx={ctx} />
          <input type="hidden" name="local_login" value={state.on ? 'off' : 'on'} />
          {state.on && !state.canSwitchOff ? <p class="muted">{t.needsDirectory}</p> : <button type="submit">{state.on ? t.switchOff : t.switchOn}</button>}
          {state.on && state.canSwitchOff && <p class="muted">{t.switchOffWarning}</p>}
        </form>
      )}
    </div>
  );
}

export function SettingsPage(props: {
  ctx: PageContext;
  categories: { id: string; name: string; default: number; level: number | null }[];
  products: { key: string; name: string; level: number }[];
  productChoices: [string, string][];
  users: User[];
  assignments: LocalAssignment[];
  newPassword?: { username: string; password: string };
  /** Listed for admins only (undefined for a viewer). */
  apiTokens?: ApiTokenRow[];
  newApiToken?: { name: string; token: string };
  error?: string;
  authority: Authority;
  localLogin: LocalLoginState;
}) {
  const { ctx } = props;
  const t = ctx.t;
  const admin = isAdmin(ctx);
  const levels = [1, 2, 3] as const;
  const levelName = (l: number) => (t.criticalityLevels as Record<number, string>)[l] ?? String(l);
  return (
    <Layout ctx={ctx} title={t.nav.settings} active="settings">
      {props.error && (
        <p class="error" role="alert">
          {props.error}
        </p>
      )}
      {props.newPassword && <ShownOnce label={`${props.newPassword.username} — ${t.newPassword}`} secret={props.newPassword.password} />}
      {admin && (
        <p>
          <a href="/settings/audit">{t.audit.link}</a>
        </p>
      )}
      <p>
        <a href="/settings/entities">{t.entities.link}</a>
      </p>
      <section aria-labelledby="authority">
        <h2 id="authority">{t.authority.title}</h2>
        <p class="muted">{t.authority.intro}</p>
        {admin ? (
          <form method="post" action="/settings/authority" class="filters">
            <Csrf ctx={ctx} />
            <label>
              {t.authority.name}
              <input name="name" value={props.authority.name ?? ''} maxlength={200} size={40} />
            </label>
            <label>
              {t.authority.siren}
              <input
                name="siren"
                value={props.authority.siren ? formatSiren(props.authority.siren) : ''}
                inputmode="numeric"
                pattern="[0-9 ]{9,11}"
                size={12}
              />
            </label>
            <button type="submit" class="primary">
              {t.authority.save}
            </button>
          </form>
        ) : (
          <p>{`${props.authority.name ?? t.authority.unset} — SIREN ${props.authority.siren ? formatSiren(props.authority.siren) : t.authority.unset}`}</p>
        )}
      </section>
      <section aria-labelledby="criticality">
        <h2 id="criticality">{t.criticalityTitle}</h2>
        <form method="post" action="/settings/criticality">
          <Csrf ctx={ctx} />
          <table>
            <thead>
              <tr>
                <th scope="col">{t.category}</th>
                <th scope="col">{t.criticality}</th>
              </tr>
            </thead>
            <tbody>
              {props.categories.map((c) => (
                <tr>
                  <th scope="row">
                    <label for={`cat-${c.id}`}>{c.name}</label>
                  </th>
                  <td>
                    <select id={`cat-${c.id}`} name={`category:${c.id}`} disabled={!admin}>
                      {levels.map((l) => (
                        <option value={String(l)} selected={(c.level ?? c.default) === l}>
                          {`${levelName(l)}${l === c.default ? ` (${t.default})` : ''}`}
                        </option>
                      ))}
                    </select>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {admin && (
            <button class="primary" type="submit">
              {t.save}
            </button>
          )}
        </form>
        <h3>{t.product}</h3>
        <table>
          <tbody>
            {props.products.map((p) => (
              <tr>
                <th scope="row">{p.name}</th>
                <td>{levelName(p.level)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {admin && (
          <form method="post" action="/settings/criticality/product" class="filters">
            <Csrf ctx={ctx} />
            <label>
              {t.product}
              <select name="product" required>
                {props.productChoices.map(([v, l]) => (
                  <option value={v}>{l}</option>
                ))}
              </select>
            </label>
            <label>
              {t.criticality}
              <select name="level">
                {levels.map((l) => (
                  <option value={String(l)}>{levelName(l)}</option>
                ))}
                <option value="">{t.default}</option>
              </select>
            </label>
            <button class="primary" type="submit">
              {t.save}
            </button>
          </form>
        )}
      </section>
      <section aria-labelledby="local-rules">
        <h2 id="local-rules">{t.localRules}</h2>
        <p>{t.localRulesIntro}</p>
        <p class="exports">
          <a href="/settings/local-rules.yaml">{t.exportRules}</a>
        </p>
        <table>
          <tbody>
            {props.assignments.map((a) => (
              <tr>
                <td>{a.name}</td>
                <td>{a.publisher ?? '–'}</td>
                <td>{`${a.vendor_id}/${a.product_id}`}</td>
                <td>{`${a.created_by}, ${formatDateTime(ctx, a.created_at)}`}</td>
                <td>
                  {admin && (
                    <form method="post" action={`/settings/local-rules/${a.id}/remove`}>
                      <Csrf ctx={ctx} />
                      <button type="submit">{t.remove}</button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="users">
        <h2 id="users">{t.users}</h2>
        <table>
          <tbody>
            {props.users.map((u) => (
              <tr>
                <td>{u.username}</td>
                <td>{u.role === 'admin' ? t.roleAdmin : t.roleViewer}</td>
                {/* Where the account logs in: a directory's role follows its groups at each login. */}
                <td>{t.accountSources[u.source as keyof typeof t.accountSources] ?? u.source}</td>
                <td>{formatDateTime(ctx, u.last_login_at)}</td>
                <td>
                  {admin && u.username !== ctx.session?.user.username && (
                    <form method="post" action={`/settings/users/${encodeURIComponent(u.username)}/remove`}>
                      <Csrf ctx={ctx} />
                      <button type="submit">{t.remove}</button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {admin && (
          <form method="post" action="/settings/users" class="filters">
            <Csrf ctx={ctx} />
            <label>
              {t.username}
              <input name="username" required maxlength={64} />
            </label>
            <label>
              {t.role}
              <select name="role">
                <option value="viewer">{t.roleViewer}</option>
                <option value="admin">{t.roleAdmin}</option>
              </select>
            </label>
            <button class="primary" type="submit">
              {t.create}
            </button>
          </form>
        )}
        <LocalLoginSwitch ctx={ctx} state={props.localLogin} />
        {/* A directory's account changes its password in the directory, not here. */}
        {ctx.session?.user.source === 'local' && (
          <p>
            <a href="/account/password">{t.password.title}</a>
          </p>
        )}
      </section>
      {admin && props.apiTokens && <ApiTokensSection ctx={ctx} tokens={props.apiTokens} created={props.newApiToken} />}
    </Layout>
  );
}

/** The API tokens, for admins: created with a role and an expiry, shown once, revoked here. */
function ApiTokensSection(props: { ctx: PageContext; tokens: ApiTokenRow[]; created?: { name: string; token: string } }) {
  const { ctx } = props;
  const t = ctx.t;
  const a = t.apiTokens;
  const now = new Date().toISOString();
  const state = (tk: ApiTokenRow) => (tk.revoked_at ? a.revoked : tk.expires_at && tk.expires_at <= now ? a.expired : a.active);
  return (
    <section aria-labelledby="api-tokens">
      <h2 id="api-tokens">{a.title}</h2>
      <p>
        {`${a.intro} `}
        <a href="/settings/api">{a.docLink}</a>
      </p>
      {props.created && <ShownOnce label={`${props.created.name} — ${a.shownOnce}`} secret={props.created.token} testid="new-api-token" />}
      {props.tokens.length ? (
        <table>
          <thead>
            <tr>
              <th scope="col">{t.tokenName}</th>
              <th scope="col">{a.role}</th>
              <th scope="col">{a.state}</th>
              <th scope="col">{a.created}</th>
              <th scope="col">{t.expires}</th>
              <th scope="col">{a.lastUsed}</th>
              <th scope="col" />
            </tr>
          </thead>
          <tbody>
            {props.tokens.map((tk) => (
              <tr>
                <td>{tk.name}</td>
                <td>{tk.role === 'admin' ? t.roleAdmin : t.roleViewer}</td>
                <td>{state(tk)}</td>
                <td>{`${formatDateTime(ctx, tk.created_at)}${tk.created_by ? `, ${tk.created_by}` : ''}`}</td>
                <td>{tk.expires_at ? formatDateTime(ctx, tk.expires_at) : a.never}</td>
                <td>{formatDateTime(ctx, tk.last_used_at)}</td>
                <td>
                  {!tk.revoked_at && (
                    <form method="post" action={`/settings/api-tokens/${tk.id}/revoke`}>
                      <Csrf ctx={ctx} />
                      <button type="submit">{t.revoke}</button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="muted">{a.none}</p>
      )}
      <form method="post" action="/settings/api-tokens" class="filters">
        <Csrf ctx={ctx} />
        <label>
          {t.tokenName}
          <input name="name" maxlength={100} required />
        </label>
        <label>
          {a.role}
          <select name="role">
            <option value="viewer">{t.roleViewer}</option>
            <option value="admin">{t.roleAdmin}</option>
          </select>
        </label>
        <label>
          {a.expiresDays}
          <input name="expires_days" type="number" min={1} max={3650} />
        </label>
        <button class="primary" type="submit">
          {t.create}
        </button>
      </form>
    </section>
  );
}

export function ReportPage(props: {
  ctx: PageContext;
  map: DependencyMap;
  top: (TopProduct & { alternatives: Alternative[] })[];
  authority: string;
  assessment: Assessment;
}) {
  const { ctx, map } = props;
  const t = ctx.t;
  const nonEu = map.by_origin.find((o) => o.origin === 'non_eu')?.installations ?? 0;
  const business = map.totals.installations - map.totals.platform_installations;
  const pct = (a: number, b: number) => (b ? formatPercent(ctx, Math.round((100 * a) / b), 0) : '–');
  const origin = (o: string) => (t.origins as Record<string, string>)[o] ?? o;
  const rows = (['infrastructure', 'workstation', 'software'] as const).map((area) => ({
    label: t.areas[area],
    parts: Object.fromEntries(map.by_area_origin.filter((c) => c.area === area).map((c) => [c.origin, c.installations])),
  }));
  return (
    <Layout ctx={ctx} title={t.reportTitle} active="report">
      <p>{`${t.reportIntro} ${t.generated} ${formatDate(ctx, map.generated_at)}${props.authority ? ` — ${props.authority}` : ''}.`}</p>
      <p class="noprint">
        <button class="primary" type="button" id="print">
          {t.print}
        </button>
        <script src="/assets/print.js" defer /> <a href="/report.md">{t.reportMarkdown}</a>
      </p>
      <div class="kpis">
        <div class="kpi">
          <div class="v">{map.totals.hosts}</div>
          <div class="l">{t.hosts}</div>
        </div>
        <Kpi value={pct(nonEu, business)} label={t.nonEuShare} help={fill(t.ofBusinessInstallations, { n: formatNumber(ctx, business) })} />
        <Kpi
          value={pct(map.totals.unknown_installations, business)}
          label={t.unknownShare}
          help={fill(t.ofBusinessInstallations, { n: formatNumber(ctx, business) })}
        />
        <div class="kpi">
          <div class="v">{props.assessment.overall.exposure === null ? '–' : `${formatNumber(ctx, props.assessment.overall.exposure)} / 100`}</div>
          <div class="l">{t.assessment.exposure}</div>
        </div>
        <div class="kpi">
          <div class="v">{props.assessment.overall.lock_in === null ? '–' : formatPercent(ctx, props.assessment.overall.lock_in)}</div>
          <div class="l">{t.assessment.lockIn}</div>
        </div>
      </div>
      <section>
        <h2>{t.assessment.byArea}</h2>
        <p class="muted">{t.assessment.exposureHelp}</p>
        <AreaIndexTable ctx={ctx} a={props.assessment} />
      </section>
      <section>
        <h2>{t.assessment.critical}</h2>
        <p class="muted">{t.assessment.criticalHelp}</p>
        <CriticalTable ctx={ctx} a={props.assessment} />
      </section>
      <section>
        <h2>{t.byArea}</h2>
        <StackedBars lang={ctx.lang} rows={rows} originLabel={origin} title={t.byArea} />
        <table>
          <thead>
            <tr>
              <th scope="col">{t.area}</th>
              {['non_eu', 'europe', 'eu', 'community', 'unknown'].map((o) => (
                <th scope="col" class="n">
                  {origin(o)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr>
                <th scope="row">{r.label}</th>
                {['non_eu', 'europe', 'eu', 'community', 'unknown'].map((o) => (
                  <td class="n">{r.parts[o] ?? 0}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section>
        <h2>{t.topVendors}</h2>
        <Bars
          lang={ctx.lang}
          rows={map.by_vendor
            .filter((v) => v.origin === 'non_eu')
            .slice(0, 10)
            .map((v) => ({ label: v.vendor, value: v.hosts }))}
          title={t.topVendors}
        />
      </section>
      <section>
        <h2>{t.topProducts}</h2>
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
                <td>{p.product}</td>
                <td>{p.vendor}</td>
                <td>{p.owner_country ?? '–'}</td>
                <td class="n">{p.installs}</td>
                <td>{p.alternatives.map((a) => `${a.name}${a.country ? ` (${a.country})` : ''}`).join(', ') || '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </Layout>
  );
}
