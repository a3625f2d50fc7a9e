/** @jsxImportSource hono/jsx */
// Federation's routes, mounted by http/app.tsx: on every collector, the publication page (the exact
// document, what is excluded, the local rules proposed) and its JSON preview; on an observatory
// (serve --observatory), the endpoint that accepts documents, the aggregate page, JSON and CSV, and
// the proposed rules as YAML. Changes are for admins with the CSRF token (http/auth.ts).
import { Hono, type Context } from 'hono';
import type { Classifier } from '../classify/classifier.ts';
import { readLocalRules } from '../classify/local-rules.ts';
import { toCsv } from '../exports/tables.ts';
import type { BlockList } from 'node:net';
import { audited, httpActor, recordAudit } from '../accounts/audit.ts';
import { actorOf, bearer, type AuthVariables } from '../http/auth.ts';
import { BodyError, parseJson, readBody } from '../http/body.ts';
import type { Db } from '../store/db.ts';
import { DICTS, fill } from '../ui/i18n.ts';
import { Csrf, formatDateTime, formatNumber, isAdmin, Layout, pageContextOf, type PageContext } from '../ui/layout.tsx';
import { submitForm, type FormStatus } from '../ui/routes/forms.ts';
import {
  authority,
  buildPublication,
  exclude,
  exclusions,
  include,
  publications,
  publishToObservatory,
  savedObservatory,
  setAuthority,
  sharedRules,
  shareRule,
} from './document.ts';
import { publicKeyPem } from './keys.ts';
import {
  acceptDocument,
  aggregateTable,
  computeAggregate,
  documentHistory,
  listAuthorities,
  proposalsYaml,
  registerAuthority,
  revokeAuthority,
  type Aggregate,
  type Stats,
} from './observatory.ts';

export interface FederationContext {
  db: Db;
  classifier: () => Classifier;
  /** serve --observatory: this collector accepts and aggregates other collectors' documents. */
  observatory: boolean;
  /** The proxies whose X-Forwarded-For is believed, for the audit log's addresses. */
  trustProxy?: BlockList | null;
}

type Env = { Variables: AuthVariables };

/** A document of a large authority is a few hundred KiB; 8 MiB on the wire, 32 MiB inflated. */
export const DOCUMENT_LIMITS = { maxCompressed: 8 * 1024 * 1024, maxDecompressed: 32 * 1024 * 1024 };

export function federationRoutes(ctx: FederationContext): Hono<Env> {
  const app = new Hono<Env>();
  const { db } = ctx;

  const page = async (c: Context<Env>, error?: string, status: 200 | FormStatus | 502 = 200, notice?: string) => {
    const doc = await buildPublication(db, ctx.classifier());
    const local = await readLocalRules(db);
    const localProducts = [
      ...new Set([...local.products.map((p) => `${p.vendor_id}/${p.id}`), ...local.assignments.map((a) => `${a.vendor_id}/${a.product_id}`)]),
    ].sort();
    return c.html(
      <PublicationPage
        ctx={pageContextOf(c)}
        doc={JSON.stringify(doc, null, 2)}
        counts={{
          hosts: doc.size.hosts,
          vendors: doc.vendors.length,
          products: doc.products.length,
          critical: doc.critical.length,
          days: doc.trajectory.length,
          proposals: doc.proposals.length,
        }}
        authority={await authority(db)}
        publicKey={await publicKeyPem(db)}
        excluded={await exclusions(db)}
        localProducts={localProducts}
        shared={new Set(await sharedRules(db))}
        sent={await publications(db)}
        observatory={ctx.observatory}
        target={await savedObservatory(db)}
        error={error}
        notice={notice}
      />,
      status,
    );
  };
  const formOf = async (c: Context<Env>) =>
    Object.fromEntries(Object.entries(await c.req.parseBody()).map(([k, v]) => [k, typeof v === 'string' ? v : ''])) as Record<string, string>;
  /** A change from the page's forms; a refused one shows the page again with the reason. */
  const change = (audit: string, action: (trx: Db, form: Record<string, string>, user: string) => Promise<unknown>) => async (c: Context<Env>) => {
    const form = await formOf(c);
    return submitForm(
      pageContextOf(c).lang,
      async () => {
        // Recorded in the audit log in the change's transaction, as the settings pages' changes are.
        await audited(
          db,
          httpActor(c, ctx.trustProxy ?? null),
          (trx: Db) => action(trx, form, actorOf(c)),
          () => ({
            action:
              audit === 'federation.rule'
                ? form.action === 'unshare'
                  ? 'federation.unshare'
                  : 'federation.share'
                : audit === 'federation.exclusion'
                  ? form.action === 'include'
                    ? 'federation.include'
                    : 'federation.exclude'
                  : audit,
            object: form.ref || null,
            details: audit === 'settings.authority' ? `${form.name ?? '–'}, SIREN ${form.siren || '–'}` : null,
          }),
        );
        return c.redirect('/federation', 303);
      },
      (refusal) => page(c, refusal.message, refusal.status),
    );
  };

  app.get('/federation', (c) => page(c));
  app.get('/federation/public-key.pem', async (c) =>
    c.body(await publicKeyPem(db), 200, {
      'Content-Type': 'application/x-pem-file',
      'Content-Disposition': 'attachment; filename="tiebreak-collector.pub.pem"',
    }),
  );
  app.post(
    '/federation/authority',
    change('settings.authority', (trx, form) => setAuthority(trx, form.name ?? '', form.siren?.trim() ? form.siren : undefined)),
  );
  app.post(
    '/federation/exclusions',
    change('federation.exclusion', async (trx, form, user) => {
      if (form.action === 'include') await include(trx, form.ref ?? '');
      else await exclude(trx, ctx.classifier(), form.ref ?? '', user);
    }),
  );
  app.post(
    '/federation/shared',
    change('federation.rule', (trx, form, user) => shareRule(trx, form.ref ?? '', user, form.action !== 'unshare')),
  );
  // Sending from the page: no transaction is held while the observatory answers; the audit entry
  // follows the answer, accepted or refused.
  app.post('/federation/send', async (c) => {
    const form = await formOf(c);
    const t = pageContextOf(c).t;
    return submitForm(
      pageContextOf(c).lang,
      async () => {
        const result = await publishToObservatory(db, ctx.classifier(), { url: form.url, token: form.token, remember: form.remember === 'on' });
        const { origin } = result;
        await recordAudit(db, {
          actor: httpActor(c, ctx.trustProxy ?? null),
          action: 'federation.publish',
          object: origin,
          details: `${result.document.document_id}: ${result.status}`,
        });
        if (result.status >= 200 && result.status < 300)
          return page(c, undefined, 200, fill(t.federation.accepted, { origin, id: result.document.document_id }));
        return page(
          c,
          fill(t.federation.refused, { origin, status: result.status, reason: String(result.answer.error ?? JSON.stringify(result.answer)).slice(0, 500) }),
          502,
        );
      },
      (refusal) => page(c, refusal.message, refusal.status),
    );
  });
  app.get('/api/v1/federation/preview', async (c) => c.json(await buildPublication(db, ctx.classifier())));

  // Observatory: everything below answers 404 with the reason on a collector that is not one.
  const notObservatory = (c: Context) => c.json({ error: DICTS.en.observatory.notEnabled }, 404);
  for (const path of ['/observatory', '/observatory/*', '/api/v1/observatory/*'])
    app.use(path, async (c, next) => {
      if (!ctx.observatory) return notObservatory(c);
      return next();
    });

  app.post('/api/v1/observatory/documents', async (c) => {
    const token = bearer(c.req.header('authorization'));
    // The token first: nobody unregistered gets its body read.
    if (!token) return c.json({ error: 'missing credentials: send Authorization: Bearer <authority token>' }, 401, { 'WWW-Authenticate': 'Bearer' });
    let text: string;
    try {
      text = await readBody(c.req.raw, DOCUMENT_LIMITS);
    } catch (error) {
      if (error instanceof BodyError) return c.json({ error: error.message }, error.status);
      throw error;
    }
    let body: unknown;
    try {
      body = parseJson(text);
    } catch (error) {
      return c.json({ error: `the document is not valid JSON: ${(error as Error).message}` }, 400);
    }
    const result = await acceptDocument(db, token, body);
    if (!result.ok) return c.json({ error: result.reason }, result.status, result.status === 401 ? { 'WWW-Authenticate': 'Bearer error="invalid_token"' } : {});
    return c.json({ status: 'accepted', id: result.id, authority: result.authority }, 201);
  });
  app.get('/api/v1/observatory/aggregate', async (c) => c.json(await computeAggregate(db)));
  const observatoryPage = async (
    c: Context<Env>,
    shown: { error?: string; registered?: { id: number; name: string; token: string; key_id: string } } = {},
    status: 200 | 201 | FormStatus = 200,
  ) =>
    c.html(
      <ObservatoryPage
        ctx={pageContextOf(c)}
        aggregate={await computeAggregate(db)}
        authorities={await listAuthorities(db)}
        history={await documentHistory(db, 100)}
        error={shown.error}
        registered={shown.registered}
      />,
      status,
    );
  app.get('/observatory', (c) => observatoryPage(c));
  // Registering an authority shows its token once, as the CLI does; only its hash is kept.
  app.post('/observatory/authorities', async (c) => {
    const form = await formOf(c);
    return submitForm(
      pageContextOf(c).lang,
      async () => {
        const created = await audited(
          db,
          httpActor(c, ctx.trustProxy ?? null),
          (trx: Db) => registerAuthority(trx, { name: form.name ?? '', siren: form.siren, publicKey: form.public_key ?? '' }),
          (r) => ({ action: 'observatory.register', object: r.id, details: `${(form.name ?? '').trim()} (${r.key_id})` }),
        );
        return observatoryPage(c, { registered: { ...created, name: (form.name ?? '').trim() } }, 201);
      },
      (refusal) => observatoryPage(c, { error: refusal.message }, refusal.status),
    );
  });
  app.post('/observatory/authorities/:id/revoke', async (c) => {
    const id = Number(c.req.param('id'));
    const done =
      Number.isSafeInteger(id) &&
      (await audited(
        db,
        httpActor(c, ctx.trustProxy ?? null),
        (trx: Db) => revokeAuthority(trx, id),
        (ok) => (ok ? { action: 'observatory.revoke', object: id } : null),
      ));
    if (!done) return observatoryPage(c, { error: fill(pageContextOf(c).t.observatory.noSuchAuthority, { id: c.req.param('id').slice(0, 20) }) }, 400);
    return c.redirect('/observatory', 303);
  });
  app.get('/observatory/aggregate.csv', async (c) =>
    c.body(toCsv(aggregateTable(await computeAggregate(db, { dependencyLimit: 1000 }))), 200, {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="tiebreak-observatory-${new Date().toISOString().slice(0, 10)}.csv"`,
    }),
  );
  app.get('/observatory/proposals.yaml', async (c) =>
    c.body(proposalsYaml(await computeAggregate(db)), 200, {
      'Content-Type': 'application/yaml; charset=utf-8',
      'Content-Disposition': 'attachment; filename="tiebreak-proposed-rules.yaml"',
    }),
  );
  return app;
}

function PublicationPage(props: {
  ctx: PageContext;
  doc: string;
  counts: Record<'hosts' | 'vendors' | 'products' | 'critical' | 'days' | 'proposals', number>;
  authority: { name: string | null; siren: string | null };
  publicKey: string;
  excluded: string[];
  localProducts: string[];
  shared: Set<string>;
  sent: { document_id: string; created_at: string; sent_to: string; status: number; answer: string }[];
  observatory: boolean;
  target: { url: string | null; hasToken: boolean };
  error?: string;
  notice?: string;
}) {
  const { ctx } = props;
  const t = ctx.t.federation;
  const admin = isAdmin(ctx);
  return (
    <Layout ctx={ctx} title={t.title} active="federation">
      {props.error && (
        <p class="error" role="alert">
          {props.error}
        </p>
      )}
      {props.notice && (
        <p class="notice" role="status">
          {props.notice}
        </p>
      )}
      <p>{t.intro}</p>
      {props.observatory && (
        <p>
          <a href="/observatory">{t.observatory}</a>
        </p>
      )}
      <section aria-labelledby="authority">
        <h2 id="authority">{t.authority}</h2>
        {admin ? (
          <form method="post" action="/federation/authority" class="filters">
            <Csrf ctx={ctx} />
            <label>
              {t.authorityName}
              <input name="name" value={props.authority.name ?? ''} required maxlength={300} size={40} />
            </label>
            <label>
              {t.siren}
              <input name="siren" value={props.authority.siren ?? ''} pattern="[0-9 ]{9,11}" size={12} />
            </label>
            <button class="primary" type="submit">
              {t.save}
            </button>
          </form>
        ) : (
          <p>{`${props.authority.name ?? '–'}${props.authority.siren ? ` (SIREN ${props.authority.siren})` : ''}`}</p>
        )}
        <h3>{t.publicKey}</h3>
        <pre>{props.publicKey}</pre>
      </section>
      <section aria-labelledby="send">
        <h2 id="send">{t.sendTitle}</h2>
        <p class="muted">{t.sendHelp}</p>
        {admin ? (
          <form method="post" action="/federation/send" class="filters">
            <Csrf ctx={ctx} />
            <label>
              {t.observatoryUrl}
              <input
                name="url"
                type="url"
                value={props.target.url ?? ''}
                required={!props.target.url}
                maxlength={500}
                size={50}
                placeholder="https://observatoire.example.fr"
              />
            </label>
            <label>
              {t.token}
              <input name="token" type="password" autocomplete="off" maxlength={200} size={50} placeholder={props.target.hasToken ? t.tokenSaved : ''} />
            </label>
            <label>
              <input type="checkbox" name="remember" checked={!props.target.hasToken} /> {t.remember}
            </label>
            <button class="primary" type="submit">
              {t.sendButton}
            </button>
          </form>
        ) : (
          <p>{props.target.url ?? t.none}</p>
        )}
        <p class="muted">{t.send}</p>
      </section>
      <section aria-labelledby="exclusions">
        <h2 id="exclusions">{t.exclusions}</h2>
        <p class="muted">{t.excludeHelp}</p>
        {props.excluded.length ? (
          <ul>
            {props.excluded.map((ref) => (
              <li>
                <code>{ref}</code>{' '}
                {admin && (
                  <form method="post" action="/federation/exclusions" style="display:inline">
                    <Csrf ctx={ctx} />
                    <input type="hidden" name="ref" value={ref} />
                    <input type="hidden" name="action" value="include" />
                    <button type="submit">{t.include}</button>
                  </form>
                )}
              </li>
            ))}
          </ul>
        ) : (
          <p>{t.none}</p>
        )}
        {admin && (
          <form method="post" action="/federation/exclusions" class="filters">
            <Csrf ctx={ctx} />
            <label>
              {t.ref}
              <input name="ref" required maxlength={241} placeholder="microsoft/teams" />
            </label>
            <button class="primary" type="submit">
              {t.exclude}
            </button>
          </form>
        )}
      </section>
      <section aria-labelledby="shared">
        <h2 id="shared">{t.shared}</h2>
        <p class="muted">{t.sharedHelp}</p>
        {props.localProducts.length ? (
          <ul>
            {props.localProducts.map((ref) => (
              <li>
                <code>{ref}</code> {props.shared.has(ref) && <strong>{t.proposed}</strong>}{' '}
                {admin && (
                  <form method="post" action="/federation/shared" style="display:inline">
                    <Csrf ctx={ctx} />
                    <input type="hidden" name="ref" value={ref} />
                    <input type="hidden" name="action" value={props.shared.has(ref) ? 'unshare' : 'share'} />
                    <button type="submit">{props.shared.has(ref) ? t.unshare : t.share}</button>
                  </form>
                )}
              </li>
            ))}
          </ul>
        ) : (
          <p>{t.none}</p>
        )}
      </section>
      <section aria-labelledby="preview">
        <h2 id="preview">{t.preview}</h2>
        <p>{fill(t.summary, props.counts)}</p>
        <p class="muted">{t.previewHelp}</p>
        <pre id="document" style="max-height:40rem;overflow:auto;background:#f7f7f9;padding:.6rem">
          {props.doc}
        </pre>
      </section>
      <section aria-labelledby="sent">
        <h2 id="sent">{t.sent}</h2>
        {props.sent.length ? (
          <table>
            <tbody>
              {props.sent.map((s) => (
                <tr>
                  <td>{s.created_at ? <time datetime={s.created_at}>{formatDateTime(ctx, s.created_at)}</time> : '–'}</td>
                  <td>{s.sent_to}</td>
                  <td class="n">{s.status}</td>
                  <td>{s.answer}</td>
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

function StatCells(props: { ctx: PageContext; s: Stats }) {
  const f = (n: number | null) => formatNumber(props.ctx, n, 1);
  return (
    <>
      <td class="n">{props.s.authorities}</td>
      <td class="n">{f(props.s.mean)}</td>
      <td class="n">{f(props.s.median)}</td>
      <td class="n">{f(props.s.min)}</td>
      <td class="n">{f(props.s.max)}</td>
    </>
  );
}

function ObservatoryPage(props: {
  ctx: PageContext;
  aggregate: Aggregate;
  authorities: Awaited<ReturnType<typeof listAuthorities>>;
  history: Awaited<ReturnType<typeof documentHistory>>;
  error?: string;
  registered?: { id: number; name: string; token: string; key_id: string };
}) {
  const { ctx, aggregate: a } = props;
  const t = ctx.t.observatory;
  const admin = isAdmin(ctx);
  const scopeName = (s: string) => (s === 'overall' ? t.overall : ((ctx.t.areas as Record<string, string>)[s] ?? s));
  const indicators = [
    ['exposure', t.exposure],
    ['lock_in', t.lockIn],
    ['priority', t.priority],
    ['non_eu_installations_share', t.nonEuShare],
  ] as const;
  const statHead = (
    <>
      <th class="n">{t.count}</th>
      <th class="n">{t.mean}</th>
      <th class="n">{t.median}</th>
      <th class="n">{t.min}</th>
      <th class="n">{t.max}</th>
    </>
  );
  return (
    <Layout ctx={ctx} title={t.title}>
      {props.error && (
        <p class="error" role="alert">
          {props.error}
        </p>
      )}
      {props.registered && (
        <div class="notice" role="status">
          <p>{fill(t.registered, { name: props.registered.name, key: props.registered.key_id })}</p>
          <pre id="authority-token">{props.registered.token}</pre>
        </div>
      )}
      <p>{fill(t.summary, { authorities: a.authorities, hosts: formatNumber(ctx, a.hosts, 0) })}</p>
      <p class="exports">
        <a href="/observatory/aggregate.csv">{t.exportCsv}</a>
        <a href="/api/v1/observatory/aggregate">JSON</a>
        <a href="/observatory/proposals.yaml">{t.exportYaml}</a>
      </p>
      <section aria-labelledby="indices">
        <h2 id="indices">{t.indices}</h2>
        <table>
          <thead>
            <tr>
              <th>{t.scope}</th>
              <th>{t.indicator}</th>
              {statHead}
            </tr>
          </thead>
          <tbody>
            {a.indices.flatMap((i) =>
              indicators.map(([key, name]) => (
                <tr>
                  <td>{scopeName(i.scope)}</td>
                  <td>{name}</td>
                  <StatCells ctx={ctx} s={i[key]} />
                </tr>
              )),
            )}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="dependencies">
        <h2 id="dependencies">{t.dependencies}</h2>
        <table>
          <thead>
            <tr>
              <th>{ctx.t.product}</th>
              <th>{ctx.t.ownerCountry}</th>
              <th class="n">{t.concerned}</th>
              <th class="n">{t.criticalFor}</th>
              <th class="n">{ctx.t.hosts}</th>
              <th class="n">{t.spend}</th>
            </tr>
          </thead>
          <tbody>
            {a.dependencies.map((d) => (
              <tr>
                <td>
                  {d.name ?? d.vendor_id} <span class="muted">{`${d.vendor_id}/${d.product_id ?? `*${d.category ?? 'other'}`}`}</span>
                </td>
                <td>{d.owner_country ?? '–'}</td>
                <td class="n">{d.authorities}</td>
                <td class="n">{d.critical_for}</td>
                <td class="n">{formatNumber(ctx, d.hosts, 0)}</td>
                <td class="n">{formatNumber(ctx, d.spend_eur, 0)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="bands">
        <h2 id="bands">{t.sizeBands}</h2>
        <table>
          <thead>
            <tr>
              <th>{t.band}</th>
              <th class="n">{ctx.t.hosts}</th>
              <th>{t.indicator}</th>
              {statHead}
            </tr>
          </thead>
          <tbody>
            {a.size_bands.flatMap((b) =>
              (
                [
                  ['exposure', t.exposure],
                  ['priority', t.priority],
                  ['non_eu_installations_share', t.nonEuShare],
                ] as const
              ).map(([key, name]) => (
                <tr>
                  <td>{b.band}</td>
                  <td class="n">{formatNumber(ctx, b.hosts, 0)}</td>
                  <td>{name}</td>
                  <StatCells ctx={ctx} s={b[key]} />
                </tr>
              )),
            )}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="proposals">
        <h2 id="proposals">{t.proposals}</h2>
        {a.proposals.length ? (
          <table>
            <thead>
              <tr>
                <th>{ctx.t.vendor}</th>
                <th>{ctx.t.product}</th>
                <th>{ctx.t.origin}</th>
                <th>{ctx.t.country}</th>
                <th>{t.proposedBy}</th>
              </tr>
            </thead>
            <tbody>
              {a.proposals.map((p) => (
                <tr>
                  <td>{p.vendor}</td>
                  <td>{p.product}</td>
                  <td>{(ctx.t.origins as Record<string, string>)[p.origin] ?? p.origin}</td>
                  <td>{p.country ?? '–'}</td>
                  <td>{p.authorities.join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p>{ctx.t.federation.none}</p>
        )}
      </section>
      <section aria-labelledby="authorities">
        <h2 id="authorities">{t.authorities}</h2>
        <table>
          <thead>
            <tr>
              <th>{ctx.t.name}</th>
              <th>SIREN</th>
              <th class="n">{t.documents}</th>
              <th>{t.lastDocument}</th>
              {admin && <th />}
            </tr>
          </thead>
          <tbody>
            {props.authorities.map((x) => (
              <tr>
                <td>
                  {x.name} {x.revoked_at && <span class="muted">{`(${t.revoked})`}</span>}
                </td>
                <td>{x.siren ?? '–'}</td>
                <td class="n">{x.documents}</td>
                <td>{x.last_created_at ? <time datetime={x.last_created_at}>{formatDateTime(ctx, x.last_created_at)}</time> : '–'}</td>
                {admin && (
                  <td>
                    {!x.revoked_at && (
                      <form method="post" action={`/observatory/authorities/${x.id}/revoke`} style="display:inline">
                        <Csrf ctx={ctx} />
                        <button type="submit">{t.revoke}</button>
                      </form>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
        {admin && (
          <form method="post" action="/observatory/authorities" class="filters">
            <Csrf ctx={ctx} />
            <h3>{t.register}</h3>
            <p class="muted">{t.registerHelp}</p>
            <label>
              {ctx.t.federation.authorityName}
              <input name="name" required maxlength={300} size={40} />
            </label>
            <label>
              {ctx.t.federation.siren}
              <input name="siren" pattern="[0-9 ]{9,11}" size={12} />
            </label>
            <label>
              {t.publicKey}
              <textarea name="public_key" required rows={5} cols={66} placeholder="-----BEGIN PUBLIC KEY-----" />
            </label>
            <button class="primary" type="submit">
              {t.registerButton}
            </button>
          </form>
        )}
      </section>
      <section aria-labelledby="history">
        <h2 id="history">{t.history}</h2>
        {props.history.length ? (
          <table>
            <thead>
              <tr>
                <th>{ctx.t.name}</th>
                <th>{t.created}</th>
                <th>{t.received}</th>
                <th class="n">{ctx.t.hosts}</th>
              </tr>
            </thead>
            <tbody>
              {props.history.map((h) => (
                <tr>
                  <td>{h.authority}</td>
                  <td>{h.created_at ? <time datetime={h.created_at}>{formatDateTime(ctx, h.created_at)}</time> : '–'}</td>
                  <td>{h.received_at ? <time datetime={h.received_at}>{formatDateTime(ctx, h.received_at)}</time> : '–'}</td>
                  <td class="n">{h.hosts}</td>
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
