// The web interface's routes: login, the overview, lists with their exports, detail pages, the
// unknown items queue, agents, settings and the printable report. Reads for every logged-in user;
// changes for admins only, each with the session's CSRF token (checked in http/auth.ts).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { BlockList } from 'node:net';
import { InputError } from '@tiebreak/shared';
import { cachedAssessment, cachedByDataVersion, cachedMap } from '../assessment/cached.ts';
import { criticalityResolver } from '../assessment/compute.ts';
import { history, setTarget } from '../assessment/history.ts';
import { reportMarkdown } from '../assessment/report.ts';
import { LineErrors, addAsset, importSpend, listAssets, removeAsset, validateAsset } from '../assessment/inputs.ts';
import { runScenario, type ScenarioResult } from '../assessment/scenario.ts';
import { AssessmentPage, type AssessmentPageProps } from './assessment-page.tsx';
import { Hono, type Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { Logger } from 'pino';
import { createApiToken, listApiTokens, revokeApiToken } from '../accounts/api-tokens.ts';
import { audited, httpActor, recordAudit } from '../accounts/audit.ts';
import { AccountError, BusyError, createSession, createUser, endSession, generatePassword, listUsers, passwordHashOf, removeUser, setPassword, verifyPassword } from '../accounts/users.ts';
import type { DirectoryConfig } from '../accounts/directory-config.ts';
import { passwordLogin } from '../accounts/login.ts';
import type { Classifier } from '../classify/classifier.ts';
import { isMinConfidence } from '../classify/evidence.ts';
import type { RuleSet } from '../classify/load-rules.ts';
import { decide, exportLocalRules, LocalRuleError, readLocalRules, removeAssignment } from '../classify/local-rules.ts';
import { toCsv, toXlsx, type Table } from '../exports/tables.ts';
import { clearSessionCookie, clientAddress, isSecure, LoginLimiter, setSessionCookie, SESSION_COOKIE, type AuthVariables } from '../http/auth.ts';
import { authorityLabel, getAuthority, setAuthority } from '../store/authority.ts';
import { rows, run, sql, value, values, type Db } from '../store/db.ts';
import { indexedBy } from '../store/dialect.ts';
import { approveAgent, createToken, listAgents, listTokens, refuseAgent, revokeAgent, revokeToken } from '../store/tokens.ts';
import { AgentsPage, ReportPage, SettingsPage, type AgentRow, type TokenRow } from './admin-pages.tsx';
import { DICTS, type Lang } from './i18n.ts';
import { CSS, isAdmin, LANG_COOKIE, langOf, pageContextOf, plural, type PageContext } from './layout.tsx';
import { ApiPage } from './api-page.tsx';
import { auditRoutes } from './audit-page.tsx';
import { apiOperations } from '../http/openapi.ts';
import { AssignForm, HostDetailPage, HostsPage, LoginPage, loginMethods, OverviewPage, PasswordPage, ProductDetailPage, ProductsPage, VendorDetailPage, VendorsPage } from './pages.tsx';
import {
  hostById,
  hostInstallations,
  listHosts,
  listProducts,
  listVendors,
  pageNumber,
  productById,
  productHosts,
  productVersions,
  staleHosts,
  topNonEuProducts,
  type HostFilters,
  type ProductFilters,
  type VendorFilters,
} from './queries.ts';

export interface UiContext {
  db: Db;
  classifier: () => Classifier;
  rules: () => RuleSet;
  applyLocalRules: () => Promise<number>;
  log: Logger;
  /** New data or settings: the assessment's snapshot of the day is taken again. */
  dataChanged: () => void;
  /** The proxies whose X-Forwarded-For is believed (serve --trust-proxy). */
  trustProxy?: BlockList | null;
  /** Local accounts, LDAP, OpenID Connect (accounts/directory-config.ts); local accounts only without it. */
  directory?: DirectoryConfig;
}

type Env = { Variables: AuthVariables };
const LOGIN_CSRF_COOKIE = 'tb_login_csrf';
/** Signed proof that this browser logged in as an account before (see LoginLimiter). */
const DEVICE_COOKIE = 'tb_device';
const EXPORT_LIMIT = 200_000;

const ICON_SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#003189"/><path d="M4 11h8M4 8h5M4 5h8" stroke="#fff" stroke-width="1.6"/></svg>';
const METHODOLOGY = new URL('../../../docs/methodology.md', import.meta.url).pathname;
const PRINT_JS = "document.getElementById('print')?.addEventListener('click', () => window.print());\n";

/**
 * Only a path of this site: never an open redirect. Browsers drop tabs and line breaks from a URL
 * (so `/\t/evil.example` is `//evil.example`) and read a backslash as a slash; a control character
 * would also break the Location header. A path as this site writes it is printable ASCII, percent-encoded.
 */
export function safeNext(next: string | undefined): string {
  return next && /^\/(?![/\\])[!-[\]-~]*$/.test(next) ? next : '/';
}

/** A criticality level set by the DSI (category or product), replacing the one before. */
async function setCriticality(db: Db, scope: 'category' | 'product', key: string, level: number): Promise<void> {
  await run(db, sql`INSERT INTO criticality (scope, key, level) VALUES (${scope}, ${key}, ${level}) ON CONFLICT (scope, key) DO UPDATE SET level = excluded.level`);
}

export function uiRoutes(ui: UiContext): Hono<Env> {
  const app = new Hono<Env>();
  const limiter = new LoginLimiter(ui.db);
  const { db } = ui;
  /** Who makes this request, for the audit log. */
  const actor = (c: Context<Env>) => httpActor(c, ui.trustProxy ?? null);

  const ctxOf = (c: Context<Env>): PageContext => pageContextOf(c, (id) => ui.rules().categories.get(id)?.name[langOf(c)]);
  const query = (c: Context) => c.req.query() as Record<string, string | undefined>;
  const categoryOptions = (lang: Lang): [string, string][] =>
    [...ui.rules().categories.values()].map((cat) => [cat.id, cat.name[lang] ?? cat.id] as [string, string]).sort((a, b) => a[1].localeCompare(b[1]));
  const withAlternatives = async (classifier: Classifier) =>
    (await cachedByDataVersion(db, `top-non-eu\u0000${classifier.fingerprint}`, (snapshot) => topNonEuProducts(snapshot, classifier, 12))).map((p) => ({
      ...p,
      alternatives: classifier.alternativesOf(p.vendor_id, p.product_id),
    }));

  app.get('/assets/app.css', (c) => c.body(CSS, 200, { 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'max-age=3600' }));
  // Browsers fetch /favicon.ico on their own: answer it rather than send it to the login form.
  app.get('/favicon.ico', (c) => c.body(ICON_SVG, 200, { 'Content-Type': 'image/svg+xml', 'Cache-Control': 'max-age=86400' }));
  app.get('/assets/icon.svg', (c) => c.body(ICON_SVG, 200, { 'Content-Type': 'image/svg+xml', 'Cache-Control': 'max-age=86400' }));
  app.get('/assets/print.js', (c) => c.body(PRINT_JS, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }));

  app.get('/lang/:lang', (c) => {
    const lang = c.req.param('lang') === 'en' ? 'en' : 'fr';
    setCookie(c, LANG_COOKIE, lang, { path: '/', sameSite: 'Lax', maxAge: 365 * 86400, secure: isSecure(c) });
    return c.redirect(safeNext(c.req.query('next')), 302);
  });

  // Login: a double-submit cookie protects the form itself (login CSRF).
  const loginPage = (c: Context<Env>, status: 200 | 401 | 403 | 409 | 429 | 503, error?: string, next = c.req.query('next')) => {
    // Reuse the visitor's login token: a second tab or a background request (the browser's own
    // favicon fetch) must not invalidate the form already on screen.
    const existing = getCookie(c, LOGIN_CSRF_COOKIE);
    const csrf = existing && /^[A-Za-z0-9_-]{24}$/.test(existing) ? existing : randomBytes(18).toString('base64url');
    setCookie(c, LOGIN_CSRF_COOKIE, csrf, { httpOnly: true, sameSite: 'Strict', path: '/login', secure: isSecure(c) });
    return c.html(<LoginPage ctx={{ ...ctxOf(c), session: null }} next={safeNext(next ?? undefined)} csrf={csrf} error={error} methods={loginMethods(ui.directory)} />, status);
  };
  app.get('/login', (c) => loginPage(c, 200));
  app.post('/login', async (c) => {
    const form = await c.req.parseBody();
    const t = ctxOf(c).t;
    const cookie = getCookie(c, LOGIN_CSRF_COOKIE);
    if (!cookie || form._csrf !== cookie) return c.text(t.login.badCsrf, 403);
    const username = String(form.username ?? '').slice(0, 64);
    const password = String(form.password ?? '').slice(0, 1024);
    const ip = clientAddress(c, ui.trustProxy ?? null);
    const account = username.trim().toLowerCase();
    // A browser where this account logged in before is not held back by others' failures on it.
    const known = await limiter.knownDevice(getCookie(c, DEVICE_COOKIE), account);
    const wait = await limiter.retryAfter(ip, known ? null : account);
    if (wait) {
      c.header('Retry-After', String(wait));
      return loginPage(c, 429, t.login.tooMany.replace('{s}', String(wait)), String(form.next ?? '/'));
    }
    let outcome;
    try {
      outcome = await passwordLogin(db, ui.directory ?? { localLogin: true }, ui.log, username, password);
    } catch (error) {
      if (!(error instanceof BusyError)) throw error;
      c.header('Retry-After', '5');
      return loginPage(c, 429, t.login.tooMany.replace('{s}', '5'), String(form.next ?? '/'));
    }
    if (!outcome.ok) {
      // A directory that does not answer is not the user's failure; the rest counts against them.
      if (outcome.reason !== 'unavailable') await limiter.fail(ip, account);
      if (outcome.reason === 'failed') ui.log.warn({ username, ip }, 'failed login');
      const [status, message] = { failed: [401, t.login.failed], 'no-group': [403, t.directory.noGroup], conflict: [409, t.directory.conflict], unavailable: [503, t.directory.unavailable] }[outcome.reason] as [401 | 403 | 409 | 503, string];
      return loginPage(c, status, message, String(form.next ?? '/'));
    }
    const user = outcome.user;
    await limiter.succeed(ip, account);
    const session = await createSession(db, user.id);
    await recordAudit(db, { actor: { kind: 'user', name: user.username, ip }, action: 'session.login' });
    setSessionCookie(c, session.cookie);
    setCookie(c, DEVICE_COOKIE, await limiter.deviceFor(account), { httpOnly: true, sameSite: 'Strict', path: '/login', secure: isSecure(c), maxAge: 180 * 86400 });
    ui.log.info({ username: user.username, ip }, 'login');
    return c.redirect(user.must_change_password ? '/account/password' : safeNext(String(form.next ?? '/')), 302);
  });
  app.post('/logout', async (c) => {
    await endSession(db, getCookie(c, SESSION_COOKIE));
    clearSessionCookie(c);
    return c.redirect('/login', 302);
  });

  app.get('/account/password', (c) => c.html(<PasswordPage ctx={ctxOf(c)} />));
  app.post('/account/password', async (c) => {
    const form = await c.req.parseBody();
    const ctx = ctxOf(c);
    const user = ctx.session!.user;
    const hash = await passwordHashOf(db, user.id);
    if (!(await verifyPassword(String(form.current ?? ''), hash ?? ''))) return c.html(<PasswordPage ctx={ctx} error={ctx.t.password.wrong} />, 400);
    if (form.password !== form.confirm) return c.html(<PasswordPage ctx={ctx} error={ctx.t.password.mismatch} />, 400);
    try {
      await audited(db, actor(c), (trx) => setPassword(trx, user.username, String(form.password ?? '')), () => ({ action: 'user.password', object: user.username, details: 'own password' }));
    } catch (error) {
      if (error instanceof AccountError) return c.html(<PasswordPage ctx={ctx} error={error.message} />, 400);
      throw error;
    }
    // Every session ended with the change: a new one for this browser.
    const session = await createSession(db, user.id);
    setSessionCookie(c, session.cookie);
    return c.redirect('/', 302);
  });

  app.get('/', async (c) => {
    const classifier = ui.classifier();
    const wanted = c.req.query('confidence');
    const confidence = isMinConfidence(wanted) ? wanted : undefined;
    const map = await cachedMap(db, classifier, { unclassifiedLimit: 20, confidence });
    const h = await history(db);
    const overall = map.totals.hosts ? (await cachedAssessment(db, classifier)).overall : null;
    const trend = {
      exposure: overall?.exposure ?? null,
      lock_in: overall?.lock_in ?? null,
      priority: overall?.priority ?? null,
      days: h.days,
      values: h.series.exposure,
      targets: h.targets.filter((x) => x.indicator === 'exposure'),
    };
    return c.html(<OverviewPage ctx={ctxOf(c)} map={map} top={await withAlternatives(classifier)} trend={trend} />);
  });

  app.get('/report', async (c) => {
    const classifier = ui.classifier();
    const map = await cachedMap(db, classifier, { unclassifiedLimit: 0 });
    const authority = authorityLabel(await getAuthority(db));
    return c.html(<ReportPage ctx={ctxOf(c)} map={map} top={await withAlternatives(classifier)} authority={authority} assessment={await cachedAssessment(db, classifier)} />);
  });

  // The diagnostic as Markdown (what `tiebreak-collector report --format md` prints), in the page's language.
  app.get('/report.md', async (c) => {
    const classifier = ui.classifier();
    const markdown = reportMarkdown(await cachedAssessment(db, classifier), await history(db), await getAuthority(db), ctxOf(c).lang);
    const stamp = new Date().toISOString().slice(0, 10);
    return c.body(`${markdown}\n`, 200, { 'Content-Type': 'text/markdown; charset=utf-8', 'Content-Disposition': `attachment; filename="tiebreak-diagnostic-${stamp}.md"` });
  });

  // Lists and their exports: the same filters, all rows in the export.
  const exportTable = (c: Context, name: string, table: Table) => {
    const format = c.req.path.endsWith('.xlsx') ? 'xlsx' : 'csv';
    const stamp = new Date().toISOString().slice(0, 10);
    if (format === 'csv')
      return c.body(toCsv(table), 200, { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': `attachment; filename="tiebreak-${name}-${stamp}.csv"` });
    return c.body(toXlsx(table, name) as Uint8Array<ArrayBuffer>, 200, {
      'Content-Type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      'Content-Disposition': `attachment; filename="tiebreak-${name}-${stamp}.xlsx"`,
    });
  };

  /** `PATH.csv` and `PATH.xlsx` (Hono's router takes no parameter after a dot inside a segment). */
  const exportRoute = (path: string, handler: (c: Context<Env>) => Promise<Response>) => {
    for (const format of ['csv', 'xlsx']) app.get(`${path}.${format}`, handler);
  };

  const hostAgents = () => values<string>(db, sql`SELECT DISTINCT agent_name FROM hosts${indexedBy(db, 'hosts_by_agent')} ORDER BY agent_name`);
  app.get('/hosts', async (c) => c.html(<HostsPage ctx={ctxOf(c)} page={await listHosts(db, query(c) as HostFilters)} query={query(c)} agents={await hostAgents()} />));
  exportRoute('/hosts', async (c) => {
    const t = ctxOf(c).t;
    const page = await listHosts(db, { ...(query(c) as HostFilters), page: '1' }, EXPORT_LIMIT);
    return exportTable(c, 'hosts', {
      columns: [
        { key: 'hostname', label: t.hostname },
        { key: 'domain', label: t.domain },
        { key: 'role', label: t.role },
        { key: 'os_name', label: t.os },
        { key: 'os_version', label: t.osVersion },
        { key: 'agent_name', label: t.agent },
        { key: 'last_seen', label: t.lastSeen },
        { key: 'software_count', label: t.softwareCount },
      ],
      rows: page.rows as unknown as Record<string, unknown>[],
    });
  });
  app.get('/hosts/:id{[0-9]+}', async (c) => {
    const host = await hostById(db, Number(c.req.param('id')));
    if (!host) return c.notFound();
    return c.html(<HostDetailPage ctx={ctxOf(c)} host={host} items={await hostInstallations(db, host.id)} />);
  });

  const productColumns = (t: PageContext['t']) => [
    { key: 'name', label: t.name },
    { key: 'publisher', label: t.publisher },
    { key: 'source', label: t.source },
    { key: 'kind', label: t.kind },
    { key: 'vendor_id', label: t.vendor },
    { key: 'product_id', label: t.product },
    { key: 'country', label: t.country },
    { key: 'owner_country', label: t.ownerCountry },
    { key: 'origin', label: t.origin },
    { key: 'licence', label: t.licence },
    { key: 'area', label: t.area },
    { key: 'category', label: t.category },
    { key: 'hosts', label: t.hosts },
    { key: 'installs', label: t.installations },
    { key: 'rule', label: t.rule },
    { key: 'evidence', label: t.evidence },
    { key: 'confidence', label: t.confidence },
  ];
  app.get('/products', async (c) => c.html(<ProductsPage ctx={ctxOf(c)} page={await listProducts(db, query(c) as ProductFilters)} query={query(c)} categories={categoryOptions(ctxOf(c).lang)} />));
  app.get('/unknown', async (c) => {
    const ctx = ctxOf(c);
    return c.html(
      <ProductsPage ctx={ctx} page={await listProducts(db, { ...(query(c) as ProductFilters), unknown: '1' })} query={query(c)} categories={[]} title={ctx.t.nav.unknown} active="unknown" />,
    );
  });
  for (const list of ['products', 'unknown'] as const) {
    exportRoute(`/${list}`, async (c) => {
      const filters = { ...(query(c) as ProductFilters), page: '1', ...(list === 'unknown' ? { unknown: '1' } : {}) };
      return exportTable(c, list, { columns: productColumns(ctxOf(c).t), rows: (await listProducts(db, filters, EXPORT_LIMIT)).rows as unknown as Record<string, unknown>[] });
    });
  }

  /** The product's exposure, priority and cost in the assessment (in the entry's area), for its detail page. */
  const assessedProduct = async (vendorId: string | null, productId: string | null, category: string | null, area: string | null) => {
    if (!vendorId) return null;
    const key = productId ? `${vendorId}/${productId}` : `${vendorId}/*${category ?? 'other'}`;
    const p = (await cachedAssessment(db, ui.classifier())).products.find((x) => x.product_key === key && x.area === (area ?? 'software'));
    return p ? { exposure: p.exposure, priority: p.priority, spend_eur: p.spend_eur, estimated_spend_eur: p.estimated_spend_eur } : null;
  };

  const productPage = async (c: Context<Env>, id: number, error?: string, status: 200 | 400 = 200) => {
    const entry = await productById(db, id);
    if (!entry) return c.notFound();
    const classifier = ui.classifier();
    const ctx = ctxOf(c);
    const vendor = entry.vendor_id ? classifier.vendor(entry.vendor_id) : undefined;
    const owner = entry.vendor_id ? classifier.ultimateOwner(entry.vendor_id) : null;
    const product = entry.vendor_id && entry.product_id ? classifier.product(entry.vendor_id, entry.product_id) : undefined;
    const productChoices = (): [string, string][] => {
      const out: [string, string][] = [];
      for (const v of classifier.rules.vendors.values()) for (const p of v.products) out.push([`${v.id}/${p.id}`, `${v.name} — ${p.name}`]);
      return out.sort((a, b) => a[1].localeCompare(b[1]));
    };
    const assign = entry.kind === 'software' && (entry.origin === 'unknown' || !entry.product_id) ? (
      <AssignForm ctx={ctx} entryId={entry.id} products={productChoices()} categories={categoryOptions(ctx.lang)} error={error} />
    ) : null;
    return c.html(
      <ProductDetailPage
        ctx={ctx}
        page={pageNumber(c.req.query('page'))}
        assign={assign}
        d={{
          entry,
          vendorName: vendor?.name ?? null,
          owner: owner?.name ?? null,
          productName: product?.name ?? null,
          alternatives: entry.vendor_id && entry.product_id ? classifier.alternativesOf(entry.vendor_id, entry.product_id) : [],
          versions: await productVersions(db, entry.id),
          hosts: await productHosts(db, entry.id, pageNumber(c.req.query('page'))),
          criticality: entry.origin === 'unknown' ? null : await (await criticalityResolver(db, classifier))(entry.vendor_id, entry.product_id, entry.category),
          assessed: await assessedProduct(entry.vendor_id, entry.product_id, entry.category, entry.area),
        }}
      />,
      status,
    );
  };
  app.get('/products/:id{[0-9]+}', (c) => productPage(c, Number(c.req.param('id'))));
  app.post('/products/:id{[0-9]+}/assign', async (c) => {
    const id = Number(c.req.param('id'));
    const entry = await productById(db, id);
    if (!entry) return c.notFound();
    const form = await c.req.parseBody();
    const field = (k: string) => (typeof form[k] === 'string' ? (form[k] as string).trim() : '');
    const target = field('target')
      ? { vendor_id: field('target').split('/')[0]!, product_id: field('target').split('/').slice(1).join('/') }
      : {
          vendor: { name: field('vendor_name'), country: field('vendor_country') || null, owner: field('vendor_owner') || null },
          product: { name: field('product_name'), area: field('area'), category: field('category'), licence: field('licence') },
        };
    try {
      await audited(
        db,
        actor(c),
        (trx) => decide(trx, ui.classifier(), { source: entry.source, name: entry.name, publisher: entry.publisher }, target, c.get('session')!.user.username),
        () => ({ action: 'local-rule.assign', object: `${entry.source}: ${entry.name}`, details: 'vendor_id' in target ? `to ${target.vendor_id}/${target.product_id}` : `to new product ${target.product.name} of ${target.vendor.name}` }),
      );
    } catch (error) {
      if (error instanceof LocalRuleError) return productPage(c, id, error.message, 400);
      throw error;
    }
    const changed = await ui.applyLocalRules();
    ui.log.info({ item: entry.name, changed, by: c.get('session')!.user.username }, 'local rule recorded');
    return c.redirect(`/products/${id}`, 302);
  });

  app.get('/vendors', async (c) => c.html(<VendorsPage ctx={ctxOf(c)} page={await listVendors(db, ui.classifier(), query(c) as VendorFilters)} query={query(c)} />));
  exportRoute('/vendors', async (c) => {
    const t = ctxOf(c).t;
    const rows = (await listVendors(db, ui.classifier(), { ...(query(c) as VendorFilters), page: '1' }, EXPORT_LIMIT)).rows;
    return exportTable(c, 'vendors', {
      columns: [
        { key: 'vendor', label: t.vendor },
        { key: 'vendor_id', label: t.vendorId },
        { key: 'country', label: t.country },
        { key: 'owner', label: t.owner },
        { key: 'owner_country', label: t.ownerCountry },
        { key: 'origin', label: t.origin },
        { key: 'hosts', label: t.hosts },
        { key: 'installs', label: t.installations },
        { key: 'products', label: t.products },
      ],
      rows: rows as unknown as Record<string, unknown>[],
    });
  });
  app.get('/vendors/:id{[a-z0-9-]+}', async (c) => {
    const classifier = ui.classifier();
    const id = c.req.param('id');
    const vendor = classifier.vendor(id);
    if (!vendor) return c.notFound();
    const owner = classifier.ultimateOwner(id);
    const origin = (await value<string>(db, sql`SELECT origin FROM catalogue WHERE vendor_id = ${id} LIMIT 1`)) ?? null;
    const hosts = (await value<number>(db, sql`SELECT hosts FROM facet_counts WHERE facet = 'vendor' AND value = ${id}`)) ?? 0;
    return c.html(
      <VendorDetailPage
        ctx={ctxOf(c)}
        vendor={{
          id,
          name: vendor.name,
          country: vendor.country ?? null,
          website: vendor.website ?? null,
          owner: owner?.name ?? null,
          owner_country: owner?.country ?? vendor.country ?? null,
          origin,
          note: vendor.note ?? null,
          sources: vendor.sources.map((s) => ({ url: s.url, date: s.as_of, fact: s.note })),
        }}
        products={await listProducts(db, { vendor: id, page: c.req.query('page') })}
        hosts={hosts}
      />,
    );
  });

  const agentsPage = async (c: Context<Env>, newToken?: string) =>
    c.html(<AgentsPage ctx={ctxOf(c)} tokens={(await listTokens(db)) as TokenRow[]} agents={(await listAgents(db)) as AgentRow[]} stale={await staleHosts(db)} newToken={newToken} />);
  app.get('/agents', (c) => agentsPage(c));
  app.post('/agents/tokens', async (c) => {
    const form = await c.req.parseBody();
    const positive = (v: unknown) => {
      const n = Number(v);
      return v !== '' && v !== undefined && Number.isInteger(n) && n > 0 ? n : null;
    };
    const days = positive(form.expires_days);
    const name = String(form.name ?? 'web').slice(0, 100) || 'web';
    const maxUses = positive(form.max_uses);
    const { token } = await audited(
      db,
      actor(c),
      (trx) => createToken(trx, { name, maxUses, expiresAt: days ? new Date(Date.now() + days * 86_400_000) : null }),
      (created) => ({ action: 'enrolment-token.create', object: created.id, details: `"${name}"${maxUses ? `, ${maxUses} uses` : ''}${days ? `, ${days} days` : ''}` }),
    );
    ui.log.info({ by: c.get('session')!.user.username }, 'enrolment token created');
    return agentsPage(c, token);
  });
  app.post('/agents/tokens/:id{[0-9]+}/revoke', async (c) => {
    const id = Number(c.req.param('id'));
    await audited(db, actor(c), (trx) => revokeToken(trx, id), (done) => (done ? { action: 'enrolment-token.revoke', object: id } : null));
    return c.redirect('/agents', 302);
  });
  app.post('/agents/:id{[0-9]+}/revoke', async (c) => {
    const id = Number(c.req.param('id'));
    await audited(db, actor(c), (trx) => revokeAgent(trx, id), (done) => (done ? { action: 'agent.revoke', object: id } : null));
    return c.redirect('/agents', 302);
  });
  app.post('/agents/:id{[0-9]+}/approve', async (c) => {
    const id = Number(c.req.param('id'));
    if (await audited(db, actor(c), (trx) => approveAgent(trx, id), (done) => (done ? { action: 'agent.approve', object: id } : null))) ui.log.info({ agent_id: Number(c.req.param('id')), by: c.get('session')!.user.username }, 'agent approved for a known host');
    return c.redirect('/agents', 302);
  });
  app.post('/agents/:id{[0-9]+}/refuse', async (c) => {
    const id = Number(c.req.param('id'));
    if (await audited(db, actor(c), (trx) => refuseAgent(trx, id), (done) => (done ? { action: 'agent.refuse', object: id } : null))) ui.log.info({ agent_id: Number(c.req.param('id')), by: c.get('session')!.user.username }, 'agent refused for a known host');
    return c.redirect('/agents', 302);
  });

  const settingsPage = async (
    c: Context<Env>,
    extra: { newPassword?: { username: string; password: string }; newApiToken?: { name: string; token: string }; error?: string } = {},
    status: 200 | 400 = 200,
  ) => {
    const ctx = ctxOf(c);
    const classifier = ui.classifier();
    const levels = new Map((await rows<{ scope: string; key: string; level: number }>(db, sql`SELECT scope, key, level FROM criticality`)).map((r) => [`${r.scope}:${r.key}`, r.level]));
    const categories = [...ui.rules().categories.values()].map((cat) => ({ id: cat.id, name: cat.name[ctx.lang] ?? cat.id, default: cat.criticality, level: levels.get(`category:${cat.id}`) ?? null }));
    const products = [...levels.entries()]
      .filter(([k]) => k.startsWith('product:'))
      .map(([k, level]) => {
        const [vendorId, productId] = k.slice(8).split('/') as [string, string];
        return { key: k.slice(8), name: `${classifier.vendor(vendorId)?.name ?? vendorId} — ${classifier.product(vendorId, productId)?.name ?? productId}`, level };
      });
    const installed = await rows<{ vendor_id: string; product_id: string }>(db, sql`SELECT DISTINCT vendor_id, product_id FROM catalogue WHERE product_id IS NOT NULL AND installs > 0`);
    const productChoices = installed
      .map((p) => [`${p.vendor_id}/${p.product_id}`, `${classifier.vendor(p.vendor_id)?.name ?? p.vendor_id} — ${classifier.product(p.vendor_id, p.product_id)?.name ?? p.product_id}`] as [string, string])
      .sort((a, b) => a[1].localeCompare(b[1]));
    return c.html(
      <SettingsPage
        ctx={ctx}
        categories={categories}
        products={products}
        productChoices={productChoices}
        users={await listUsers(db)}
        assignments={(await readLocalRules(db)).assignments}
        apiTokens={isAdmin(ctx) ? await listApiTokens(db) : undefined}
        authority={await getAuthority(db)}
        {...extra}
      />,
      status,
    );
  };
  // The dependency assessment (docs/methodology.md): indicators, trajectory, spend, assets, scenario.
  const assessmentPage = async (c: Context<Env>, extra: Partial<Omit<AssessmentPageProps, 'ctx' | 'a' | 'h' | 'assets'>> = {}, status: 200 | 400 = 200) => {
    const ctx = ctxOf(c);
    const a = await cachedAssessment(db, ui.classifier());
    const q = { product: c.req.query('product'), alternative: c.req.query('alternative'), hosts: c.req.query('hosts') };
    let scenario: ScenarioResult | undefined;
    let error = extra.error;
    if (q.product && q.alternative && q.hosts) {
      try {
        scenario = runScenario(a, ui.classifier(), { product: q.product, alternative: q.alternative, hosts: /^\d{1,9}$/.test(q.hosts) ? Number(q.hosts) : NaN });
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        error = e.message;
        status = 400;
      }
    }
    return c.html(<AssessmentPage ctx={ctx} a={a} h={await history(db)} assets={await listAssets(db)} scenario={scenario} scenarioQuery={q} {...extra} error={error} />, status);
  };
  app.get('/assessment', (c) => assessmentPage(c));
  app.get('/assessment/methodology.md', (c) => c.body(readFileSync(METHODOLOGY, 'utf8'), 200, { 'Content-Type': 'text/markdown; charset=utf-8' }));
  app.post('/assessment/spend', async (c) => {
    const form = await c.req.parseBody();
    const file = form.file;
    if (!(file instanceof File) || !file.size) return assessmentPage(c, { error: ctxOf(c).t.assessment.chooseCsv }, 400);
    if (file.size > 8 * 1024 * 1024) return assessmentPage(c, { error: 'CSV > 8 MiB' }, 400);
    try {
      const text = await file.text();
      const result = await audited(
        db,
        actor(c),
        (trx) => importSpend(trx, ui.classifier(), text, file.name || 'upload.csv'),
        (r) => ({ action: 'spend.import', object: file.name || 'upload.csv', details: `${r.lines} lines, ${r.years.join(', ')}, ${r.total_eur} €` }),
      );
      ui.dataChanged();
      return assessmentPage(c, { notice: plural(ctxOf(c), result.lines, ctxOf(c).t.assessment.imported) });
    } catch (e) {
      if (e instanceof LineErrors) return assessmentPage(c, { error: e.message.split('\n')[0], errorLines: e.errors }, 400);
      if (e instanceof InputError) return assessmentPage(c, { error: e.message }, 400);
      throw e;
    }
  });
  app.post('/assessment/assets', async (c) => {
    const form = await c.req.parseBody();
    const str = (k: string) => (typeof form[k] === 'string' ? (form[k] as string) : null);
    const checked = validateAsset({ name: str('name'), vendor: str('vendor'), area: str('area'), users: str('users'), cost: str('cost'), year: str('year'), contract: str('contract'), note: str('note') });
    if ('problems' in checked) return assessmentPage(c, { error: checked.problems.join('; ') }, 400);
    await audited(db, actor(c), (trx) => addAsset(trx, checked.asset, c.get('session')!.user.username), (id) => ({ action: 'asset.add', object: id, details: checked.asset.name }));
    ui.dataChanged();
    return c.redirect('/assessment#assets', 302);
  });
  app.post('/assessment/assets/:id{[0-9]+}/remove', async (c) => {
    const id = Number(c.req.param('id'));
    await audited(db, actor(c), (trx) => removeAsset(trx, id), (done) => (done ? { action: 'asset.remove', object: id } : null));
    ui.dataChanged();
    return c.redirect('/assessment#assets', 302);
  });
  app.post('/assessment/targets', async (c) => {
    const form = await c.req.parseBody();
    const value = String(form.value ?? '').trim().replace(',', '.');
    try {
      const indicator = String(form.indicator ?? '');
      await audited(
        db,
        actor(c),
        (trx) => setTarget(trx, indicator, Number(form.year), value === '' ? null : Number(value)),
        () => (value === '' ? { action: 'target.remove', object: `${indicator} ${form.year}` } : { action: 'target.set', object: `${indicator} ${form.year}`, details: value }),
      );
    } catch (e) {
      if (e instanceof InputError) return assessmentPage(c, { error: e.message }, 400);
      throw e;
    }
    return c.redirect('/assessment#trend', 302);
  });

  app.get('/settings', (c) => settingsPage(c));
  app.post('/settings/criticality', async (c) => {
    const form = await c.req.parseBody();
    const rules = ui.rules();
    await audited(
      db,
      actor(c),
      async (trx) => {
        const current = new Map((await rows<{ key: string; level: number }>(trx, sql`SELECT key, level FROM criticality WHERE scope = 'category'`)).map((r) => [r.key, r.level]));
        const changed: string[] = [];
        for (const [key, value] of Object.entries(form)) {
          if (!key.startsWith('category:')) continue;
          const id = key.slice(9);
          const category = rules.categories.get(id);
          const level = Number(value);
          if (!category || ![1, 2, 3].includes(level)) continue;
          if ((current.get(id) ?? category.criticality) !== level) changed.push(`${id}=${level}`);
          if (level === category.criticality) await run(trx, sql`DELETE FROM criticality WHERE scope = 'category' AND key = ${id}`);
          else await setCriticality(trx, 'category', id, level);
        }
        return changed;
      },
      (changed) => (changed.length ? { action: 'criticality.category', details: changed.join(', ') } : null),
    );
    ui.dataChanged();
    return c.redirect('/settings', 302);
  });
  app.post('/settings/criticality/product', async (c) => {
    const form = await c.req.parseBody();
    const key = String(form.product ?? '');
    const [vendorId, productId] = key.split('/');
    if (!vendorId || !productId || !ui.classifier().product(vendorId, productId)) return settingsPage(c, { error: `unknown product ${key}` }, 400);
    const level = Number(form.level);
    await audited(
      db,
      actor(c),
      async (trx) => {
        if ([1, 2, 3].includes(level)) await setCriticality(trx, 'product', key, level);
        else await run(trx, sql`DELETE FROM criticality WHERE scope = 'product' AND key = ${key}`);
      },
      () => ({ action: 'criticality.product', object: key, details: [1, 2, 3].includes(level) ? `level ${level}` : 'default level' }),
    );
    ui.dataChanged();
    return c.redirect('/settings', 302);
  });
  app.post('/settings/users', async (c) => {
    const form = await c.req.parseBody();
    const username = String(form.username ?? '');
    const role = form.role === 'admin' ? 'admin' : 'viewer';
    const password = generatePassword();
    try {
      await audited(db, actor(c), (trx) => createUser(trx, username, role, password, true), () => ({ action: 'user.add', object: username.trim().toLowerCase(), details: role }));
    } catch (error) {
      if (error instanceof AccountError) return settingsPage(c, { error: error.message }, 400);
      throw error;
    }
    return settingsPage(c, { newPassword: { username, password } });
  });
  app.post('/settings/users/:name/remove', async (c) => {
    const name = c.req.param('name');
    if (name.trim().toLowerCase() === c.get('session')!.user.username.toLowerCase()) return settingsPage(c, { error: 'you cannot remove your own account' }, 400);
    try {
      await audited(db, actor(c), (trx) => removeUser(trx, name), () => ({ action: 'user.remove', object: name }));
    } catch (error) {
      if (error instanceof AccountError) return settingsPage(c, { error: error.message }, 400);
      throw error;
    }
    return c.redirect('/settings', 302);
  });
  app.route('/', auditRoutes({ db, ctxOf, exportTable }));
  app.post('/settings/authority', async (c) => {
    const form = await c.req.parseBody();
    const change = { name: String(form.name ?? ''), siren: String(form.siren ?? '') };
    try {
      await audited(db, actor(c), (trx) => setAuthority(trx, change), (a) => ({ action: 'settings.authority', details: `${a.name ?? '–'}, SIREN ${a.siren ?? '–'}` }));
    } catch (error) {
      if (error instanceof InputError) return settingsPage(c, { error: error.message }, 400);
      throw error;
    }
    return c.redirect('/settings#authority', 302);
  });
  app.get('/settings/api', (c) => c.html(<ApiPage ctx={ctxOf(c)} operations={apiOperations()} />));
  app.post('/settings/api-tokens', async (c) => {
    const form = await c.req.parseBody();
    const name = String(form.name ?? '');
    const days = String(form.expires_days ?? '').trim();
    if (days && !/^\d{1,9}$/.test(days)) return settingsPage(c, { error: `a token's expiry is a whole number of days, not ${days}` }, 400);
    try {
      const role = form.role === 'admin' ? 'admin' : 'viewer';
      const { id, token } = await audited(
        db,
        actor(c),
        (trx) => createApiToken(trx, { name, role, expiresInDays: days ? Number(days) : null, createdBy: c.get('session')!.user.username }),
        (created) => ({ action: 'api-token.create', object: created.id, details: `"${name.trim()}" (${role})${days ? `, ${days} days` : ''}` }),
      );
      ui.log.info({ api_token_id: id, by: c.get('session')!.user.username }, 'API token created');
      return settingsPage(c, { newApiToken: { name: name.trim(), token } });
    } catch (error) {
      if (error instanceof AccountError) return settingsPage(c, { error: error.message }, 400);
      throw error;
    }
  });
  app.post('/settings/api-tokens/:id{[0-9]+}/revoke', async (c) => {
    const id = Number(c.req.param('id'));
    if (await audited(db, actor(c), (trx) => revokeApiToken(trx, id), (done) => (done ? { action: 'api-token.revoke', object: id } : null))) ui.log.info({ api_token_id: Number(c.req.param('id')), by: c.get('session')!.user.username }, 'API token revoked');
    return c.redirect('/settings', 302);
  });
  app.get('/settings/local-rules.yaml', async (c) => {
    const files = await exportLocalRules(db, ui.rules());
    const body = files.length
      ? files.map((f) => `# rules/${f.file}\n${f.yaml}`).join('---\n')
      : '# No local rules yet: classify unknown items in the web interface.\n';
    return c.body(body, 200, { 'Content-Type': 'application/yaml; charset=utf-8', 'Content-Disposition': 'attachment; filename="tiebreak-local-rules.yaml"' });
  });
  app.post('/settings/local-rules/:id{[0-9]+}/remove', async (c) => {
    const id = Number(c.req.param('id'));
    await audited(db, actor(c), (trx) => removeAssignment(trx, id), (done) => (done ? { action: 'local-rule.remove', object: id } : null));
    await ui.applyLocalRules();
    ui.dataChanged();
    return c.redirect('/settings', 302);
  });

  return app;
}
