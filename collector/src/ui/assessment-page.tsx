// The assessment page: exposure first (per area and overall), then lock-in and priority, the
// trajectory and targets, spend by origin, critical dependencies with their alternatives, products
// with their exposure, replaceability (and the alternative that gave it), priority and SEAL
// levels, declared assets, spend import and the replacement scenario.
import { AREAS } from '@tiebreak/shared';
import type { Child } from 'hono/jsx';
import type { Assessment, ProductAssessment } from '../assessment/compute.ts';
import type { history } from '../assessment/history.ts';
import type { DeclaredAsset } from '../assessment/inputs.ts';
import type { ScenarioResult } from '../assessment/scenario.ts';
import { Bars, Kpi, TrendLine } from './charts.tsx';
import {
  colon,
  Csrf,
  formatDate,
  formatEuro,
  formatNumber,
  formatPercent,
  label,
  lawLabel,
  Layout,
  maturityLabel,
  OriginTag,
  plural,
  isAdmin,
  type PageContext,
} from './layout.tsx';

type History = Awaited<ReturnType<typeof history>>;

const pct = (ctx: PageContext, n: number | null | undefined) => formatPercent(ctx, n);
const eur = (ctx: PageContext, n: number | null | undefined) => formatEuro(ctx, n);
const AREA_COLOURS: Record<string, string> = { infrastructure: '#7b3fa0', workstation: '#0b7a8a', software: '#c25e00' };
const OBJECTIVE_MARK: Record<string, string> = { met: '✔', partial: '◐', not_met: '✘', not_applicable: '–', unknown: '?' };

export interface AssessmentPageProps {
  ctx: PageContext;
  a: Assessment;
  h: History;
  assets: DeclaredAsset[];
  scenario?: ScenarioResult;
  scenarioQuery?: { product?: string; alternative?: string; hosts?: string };
  notice?: string;
  error?: string;
  errorLines?: { line: number; message: string }[];
}

function Alternatives(props: { ctx: PageContext; items: ProductAssessment['alternatives'] }) {
  const items = props.items.filter((a) => a.qualifies);
  if (!items.length) return <span class="muted">–</span>;
  return (
    <ul style="margin:0;padding-left:1.1rem">
      {items.slice(0, 4).map((a) => (
        <li>
          {a.name}
          <span class="muted">{` (${a.country ?? props.ctx.t.communityProject}${a.sill ? ', SILL' : ''}, ${maturityLabel(props.ctx, a.maturity)})`}</span>
        </li>
      ))}
    </ul>
  );
}

/** Exposure, lock-in, priority and the weakest link per TIE Break area (assessment page and report). */
export function AreaIndexTable(props: { ctx: PageContext; a: Assessment }) {
  const { ctx, a } = props;
  const t = ctx.t;
  const s = t.assessment;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">{t.area}</th>
          <th scope="col" class="n">
            {s.exposure}
          </th>
          <th scope="col" class="n">
            {s.lockIn}
          </th>
          <th scope="col" class="n">
            {s.priority}
          </th>
          <th scope="col" class="n">
            {t.nonEuShare}
          </th>
          <th scope="col" class="n">
            {s.nonEuSpend}
          </th>
          <th scope="col">{s.weakest}</th>
        </tr>
      </thead>
      <tbody>
        {AREAS.map((area) => {
          const i = a.areas[area];
          return (
            <tr>
              <th scope="row">{label(ctx, 'areas', area)}</th>
              <td class="n">{formatNumber(ctx, i.exposure)}</td>
              <td class="n">{pct(ctx, i.lock_in)}</td>
              <td class="n">{formatNumber(ctx, i.priority)}</td>
              <td class="n">{pct(ctx, i.installations.by_origin.non_eu.share)}</td>
              <td class="n">{pct(ctx, i.spend.by_origin.non_eu.share)}</td>
              <td>{i.weakest_link ? `${i.weakest_link.name} (${formatNumber(ctx, i.weakest_link.exposure)})` : '–'}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** Critical, non-European, hard-to-replace products with their alternatives (assessment page and report). */
export function CriticalTable(props: { ctx: PageContext; a: Assessment }) {
  const { ctx, a } = props;
  const t = ctx.t;
  const s = t.assessment;
  return (
    <>
      {a.critical.length ? (
        <table>
          <thead>
            <tr>
              <th scope="col">{t.product}</th>
              <th scope="col">{t.ownerCountry}</th>
              <th scope="col">{t.area}</th>
              <th scope="col" class="n">
                {s.exposure}
              </th>
              <th scope="col" class="n">
                {s.priority}
              </th>
              <th scope="col" class="n">
                {t.hosts}
              </th>
              <th scope="col" class="n">
                {s.users}
              </th>
              <th scope="col" class="n">
                {s.replaceability}
              </th>
              <th scope="col" class="n">
                {s.spend}
              </th>
              <th scope="col">{t.alternatives}</th>
            </tr>
          </thead>
          <tbody>
            {a.critical.map((c) => (
              <tr>
                <td>{`${c.name} (${c.vendor})`}</td>
                <td>{c.owner_country ?? '–'}</td>
                <td>{label(ctx, 'areas', c.area)}</td>
                <td class="n">{formatNumber(ctx, c.exposure)}</td>
                <td class="n">{formatNumber(ctx, c.priority)}</td>
                <td class="n">{formatNumber(ctx, c.hosts, 0)}</td>
                <td class="n">{c.users === null ? '–' : formatNumber(ctx, c.users, 0)}</td>
                <td class="n">{formatNumber(ctx, c.replaceability, 2)}</td>
                <td class="n">{eur(ctx, c.spend_eur)}</td>
                <td>
                  <Alternatives ctx={ctx} items={c.alternatives} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>{s.none}</p>
      )}
    </>
  );
}

export function AssessmentPage(props: AssessmentPageProps): Child {
  const { ctx, a, h } = props;
  const t = ctx.t;
  const s = t.assessment;
  const admin = isAdmin(ctx);
  const trackedLabel = (key: string) => {
    const [indicator, area] = key.split('.') as [string, string | undefined];
    const name =
      indicator === 'exposure'
        ? s.exposure
        : indicator === 'priority'
          ? s.priority
          : indicator === 'lock_in'
            ? s.lockIn
            : ((s.tracked as Record<string, string>)[indicator] ?? key);
    return area ? `${name} — ${label(ctx, 'areas', area)}` : name;
  };
  const series = [
    { label: s.exposure, colour: '#1b1b1b', values: h.series.exposure },
    ...AREAS.map((area) => ({ label: label(ctx, 'areas', area), colour: AREA_COLOURS[area]!, values: h.series[`exposure.${area}`] })),
    { label: s.priority, colour: '#8a8a8a', values: h.series.priority },
  ];
  const indexTargets = h.targets.filter((x) => x.indicator === 'exposure').map((x) => ({ label: s.target, year: x.year, value: x.value }));
  const undated = a.spend.declared.filter((d) => d.reason === 'undated');
  const spend = a.overall.spend;
  const business = a.products.filter((p) => !p.platform);
  return (
    <Layout ctx={ctx} title={s.title} active="assessment">
      <p class="muted">
        {s.intro} <a href="/assessment/methodology.md">{s.method}</a>
      </p>
      {props.error && (
        <div class="error" role="alert">
          <p style="margin:0">{props.error}</p>
          {props.errorLines?.length ? (
            <ul>
              {props.errorLines.slice(0, 50).map((l) => (
                <li>{`${ctx.t.line} ${l.line}${colon(ctx)}${l.message}`}</li>
              ))}
            </ul>
          ) : null}
        </div>
      )}
      {props.notice && (
        <p class="notice" role="status">
          {props.notice}
        </p>
      )}
      <div class="kpis">
        <Kpi value={a.overall.exposure === null ? '–' : `${formatNumber(ctx, a.overall.exposure)} / 100`} label={s.exposure} help={s.exposureHelp} />
        <Kpi value={pct(ctx, a.overall.lock_in)} label={s.lockIn} help={`${s.lockInHelp} · ${s.priority} ${formatNumber(ctx, a.overall.priority)} / 100`} />
        <Kpi
          value={
            a.uncertainty.exposure_range
              ? `${formatNumber(ctx, a.uncertainty.exposure_range.low)} – ${formatNumber(ctx, a.uncertainty.exposure_range.high)}`
              : '–'
          }
          label={s.range}
          help={`${pct(ctx, a.uncertainty.unknown_share)} ${t.unknownShare.toLowerCase()}`}
        />
        <Kpi
          value={pct(ctx, spend.by_origin.non_eu.share)}
          label={`${s.nonEuSpend} ${a.year}`}
          help={`${eur(ctx, spend.by_origin.non_eu.count)} / ${eur(ctx, spend.total_eur)}`}
        />
        <Kpi
          value={String(a.overall.critical_dependencies)}
          label={s.critical}
          help={a.overall.weakest_link ? `${s.weakest}${colon(ctx)}${a.overall.weakest_link.name}` : undefined}
        />
      </div>

      <div class="grid2">
        <section aria-labelledby="by-area">
          <h2 id="by-area">{s.byArea}</h2>
          <Bars
            lang={ctx.lang}
            title={s.byArea}
            format={(v) => formatNumber(ctx, v)}
            rows={AREAS.map((area) => ({ label: label(ctx, 'areas', area), value: a.areas[area].exposure ?? 0, origin: 'non_eu' }))}
          />
          <AreaIndexTable ctx={ctx} a={a} />
        </section>
        <section aria-labelledby="trend">
          <h2 id="trend">{s.trend}</h2>
          {h.days.length ? (
            <TrendLine lang={ctx.lang} title={s.trend} days={h.days} series={series} targets={indexTargets} />
          ) : (
            <p class="muted">{s.noHistory}</p>
          )}
          <p>
            {series.map((x) => (
              <span style="margin-right:1rem">
                <span style={`display:inline-block;width:12px;height:3px;background:${x.colour};vertical-align:middle`}></span> {x.label}
              </span>
            ))}
          </p>
          <details>
            <summary>{t.table}</summary>
            <table>
              <thead>
                <tr>
                  <th scope="col">{s.day}</th>
                  {series.map((x) => (
                    <th scope="col" class="n">
                      {x.label}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {h.days.map((day, i) => (
                  <tr>
                    <th scope="row">{formatDate(ctx, day)}</th>
                    {series.map((x) => (
                      <td class="n">{formatNumber(ctx, x.values[i])}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
          <h3>{s.targets}</h3>
          {h.targets.length ? (
            <ul>
              {h.targets.map((x) => (
                <li>{`${trackedLabel(x.indicator)}${colon(ctx)}${formatNumber(ctx, x.value)} (${x.year})`}</li>
              ))}
            </ul>
          ) : (
            <p class="muted">{s.none}</p>
          )}
          {admin && (
            <form method="post" action="/assessment/targets" class="filters">
              <Csrf ctx={ctx} />
              <label>
                {s.indicator}
                <select name="indicator">
                  {[
                    'exposure',
                    ...AREAS.map((x) => `exposure.${x}`),
                    'lock_in',
                    'priority',
                    'non_eu_installations_share',
                    'non_eu_spend_share',
                    'unknown_share',
                  ].map((key) => (
                    <option value={key}>{trackedLabel(key)}</option>
                  ))}
                </select>
              </label>
              <label>
                {s.year}
                <input name="year" inputmode="numeric" value="2030" size={5} />
              </label>
              <label>
                {s.value}
                <input name="value" inputmode="decimal" size={5} />
              </label>
              <button class="primary" type="submit">
                {s.setTarget}
              </button>
            </form>
          )}
        </section>
      </div>

      <section aria-labelledby="spend">
        <h2 id="spend">{`${s.spend} ${a.year}`}</h2>
        {a.spend.lines || spend.total_eur ? (
          <table>
            <thead>
              <tr>
                <th scope="col">{t.origin}</th>
                <th scope="col" class="n">
                  {s.spendReal}
                </th>
                <th scope="col" class="n">
                  %
                </th>
                <th scope="col" class="n">
                  {s.spendEstimate}
                </th>
              </tr>
            </thead>
            <tbody>
              {(['non_eu', 'europe', 'eu', 'community', 'unknown'] as const).map((o) => (
                <tr>
                  <th scope="row">
                    <OriginTag ctx={ctx} origin={o} />
                  </th>
                  <td class="n">{eur(ctx, spend.by_origin[o].count)}</td>
                  <td class="n">{pct(ctx, spend.by_origin[o].share)}</td>
                  <td class="n">{eur(ctx, spend.estimated_by_origin[o].count)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p class="muted">{`${s.noSpend} ${s.spendEstimate}${colon(ctx)}${eur(ctx, spend.estimated_total_eur)}.`}</p>
        )}
        {undated.length ? (
          <p class="muted">{`${s.undated}${colon(ctx)}${undated.map((d) => `${d.name} (${eur(ctx, d.amount_eur)})`).join(t.listSep)}`}</p>
        ) : null}
        {a.spend.unmatched.length ? (
          <details>
            <summary>{`${s.unmatched} (${a.spend.unmatched.length})`}</summary>
            <ul>
              {a.spend.unmatched.map((u) => (
                <li>{`${u.source_file}:${u.line} — ${u.vendor ?? u.supplier ?? ''}${u.product ? ` / ${u.product}` : ''} (${eur(ctx, u.amount_eur)})`}</li>
              ))}
            </ul>
          </details>
        ) : null}
        {admin && (
          <form method="post" action="/assessment/spend" enctype="multipart/form-data" class="filters">
            <Csrf ctx={ctx} />
            <label>
              {s.importSpend}
              <input type="file" name="file" accept=".csv,text/csv" required />
            </label>
            <button class="primary" type="submit">
              {s.import}
            </button>
          </form>
        )}
      </section>

      <section aria-labelledby="critical">
        <h2 id="critical">{s.critical}</h2>
        <p class="muted">{s.criticalHelp}</p>
        <CriticalTable ctx={ctx} a={a} />
      </section>

      <section aria-labelledby="scenario">
        <h2 id="scenario">{s.scenario}</h2>
        <p class="muted">{s.scenarioHelp}</p>
        <form method="get" action="/assessment" class="filters">
          <label>
            {t.product}
            <select name="product">
              {business
                .filter((p) => p.alternatives.length && p.hosts > 0)
                .map((p) => (
                  <option value={p.key} selected={props.scenarioQuery?.product === p.key}>
                    {`${p.name} (${p.hosts})`}
                  </option>
                ))}
            </select>
          </label>
          <label>
            {t.alternatives}
            <select name="alternative">
              {/* Each product's own alternatives (its category's, lowering the dependency), under its name. */}
              {business
                .filter((p) => p.alternatives.length && p.hosts > 0)
                .map((p) => (
                  <optgroup label={p.name}>
                    {p.alternatives.map((x) => (
                      <option value={x.id} selected={props.scenarioQuery?.product === p.key && props.scenarioQuery?.alternative === x.id}>
                        {x.name}
                      </option>
                    ))}
                  </optgroup>
                ))}
            </select>
          </label>
          <label>
            {s.hostsCount}
            <input name="hosts" inputmode="numeric" size={6} value={props.scenarioQuery?.hosts ?? ''} required />
          </label>
          <button class="primary" type="submit">
            {s.compute}
          </button>
        </form>
        {props.scenario && <ScenarioTable ctx={ctx} r={props.scenario} />}
      </section>

      <section aria-labelledby="products">
        <h2 id="products">{s.products}</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">{t.product}</th>
              <th scope="col">{t.origin}</th>
              <th scope="col">{t.area}</th>
              <th scope="col" class="n">
                {t.criticality}
              </th>
              <th scope="col" class="n">
                {t.hosts}
              </th>
              <th scope="col" class="n">
                {s.prevalence}
              </th>
              <th scope="col" class="n">
                {t.installations}
              </th>
              <th scope="col" class="n">
                {s.users}
              </th>
              <th scope="col" class="n">
                {s.weight}
              </th>
              <th scope="col" class="n">
                {s.exposure}
              </th>
              <th scope="col" class="n">
                {s.replaceability}
              </th>
              <th scope="col" class="n">
                {s.priority}
              </th>
              <th scope="col">{s.seal}</th>
              <th scope="col">{s.objectives}</th>
              <th scope="col" class="n">
                {s.spend}
              </th>
            </tr>
          </thead>
          <tbody>
            {business.slice(0, 100).map((p) => (
              <tr data-key={p.key}>
                <td>
                  {p.name}
                  <span class="muted">{` [${p.sources.map((x) => s.sourceNames[x]).join(' + ')}]`}</span>
                  <span class="muted">{` — ${p.vendor}${p.owner ? ` (${p.owner})` : ''}`}</span>
                  {p.jurisdiction.length ? (
                    <div class="muted" style="font-size:.8rem">
                      {p.jurisdiction.map((law) => lawLabel(ctx, law)).join(' · ')}
                    </div>
                  ) : null}
                </td>
                <td>
                  <OriginTag ctx={ctx} origin={p.origin} />
                </td>
                <td>{label(ctx, 'areas', p.area)}</td>
                <td class="n">{String(p.criticality.level)}</td>
                <td class="n">{formatNumber(ctx, p.hosts, 0)}</td>
                <td class="n">{pct(ctx, p.prevalence)}</td>
                <td class="n">{formatNumber(ctx, p.installations, 0)}</td>
                <td class="n">{p.users === null ? '–' : formatNumber(ctx, p.users, 0)}</td>
                <td class="n">{formatNumber(ctx, p.weight, 0)}</td>
                <td class="n">{formatNumber(ctx, p.exposure)}</td>
                <td class="n">
                  {formatNumber(ctx, p.replaceability.score, 2)}
                  {p.replaceability.best ? (
                    <div
                      class="muted"
                      style="font-size:.8rem"
                    >{`${p.replaceability.best.name}${p.replaceability.from === 'category' ? ` (${s.fromCategory})` : ''}`}</div>
                  ) : null}
                </td>
                <td class="n">{formatNumber(ctx, p.priority)}</td>
                <td>{p.seal.level === null ? t.notApplicable : `SEAL-${p.seal.level}`}</td>
                <td>
                  {Object.values(p.seal.objectives)
                    .map((o) => OBJECTIVE_MARK[o])
                    .join(' ')}
                </td>
                <td class="n">
                  {p.spend_eur !== null ? eur(ctx, p.spend_eur) : p.estimated_spend_eur !== null ? `${eur(ctx, p.estimated_spend_eur)} (${s.estimate})` : '–'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <p class="muted">{`${s.platform}${colon(ctx)}${plural(ctx, a.platform.products, s.platformProducts)}, ${plural(ctx, a.platform.installations, s.platformInstallations)}.`}</p>
      </section>

      <section aria-labelledby="assets">
        <h2 id="assets">{s.assets}</h2>
        {props.assets.length ? (
          <table>
            <thead>
              <tr>
                <th scope="col">{s.assetName}</th>
                <th scope="col">{s.assetVendor}</th>
                <th scope="col">{t.origin}</th>
                <th scope="col">{t.area}</th>
                <th scope="col" class="n">
                  {s.users}
                </th>
                <th scope="col" class="n">
                  {s.annualCost}
                </th>
                <th scope="col" class="n">
                  {s.costYear}
                </th>
                <th scope="col">{s.contract}</th>
                {admin && <th scope="col"></th>}
              </tr>
            </thead>
            <tbody>
              {props.assets.map((asset) => {
                const assessed = a.products.find((p) => p.declared_assets.some((x) => x.id === asset.id));
                return (
                  <tr>
                    <td>{asset.name}</td>
                    <td>{asset.vendor_text}</td>
                    <td>
                      <OriginTag ctx={ctx} origin={assessed?.origin ?? 'unknown'} />
                    </td>
                    <td>{label(ctx, 'areas', asset.area)}</td>
                    <td class="n">{formatNumber(ctx, asset.users, 0)}</td>
                    <td class="n">{asset.annual_cost_cents === null ? '–' : eur(ctx, asset.annual_cost_cents / 100)}</td>
                    <td class="n">{asset.cost_year === null ? '–' : String(asset.cost_year)}</td>
                    <td>{asset.contract_ref ?? '–'}</td>
                    {admin && (
                      <td>
                        <form method="post" action={`/assessment/assets/${asset.id}/remove`}>
                          <Csrf ctx={ctx} />
                          <button type="submit">{s.remove}</button>
                        </form>
                      </td>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
        ) : (
          <p class="muted">{s.none}</p>
        )}
        {admin && (
          <form method="post" action="/assessment/assets" class="filters">
            <Csrf ctx={ctx} />
            <label>
              {s.assetName}
              <input name="name" required />
            </label>
            <label>
              {s.assetVendor}
              <input name="vendor" required />
            </label>
            <label>
              {t.area}
              <select name="area">
                {AREAS.map((x) => (
                  <option value={x}>{label(ctx, 'areas', x)}</option>
                ))}
              </select>
            </label>
            <label>
              {s.users}
              <input name="users" inputmode="numeric" size={6} />
            </label>
            <label>
              {s.annualCost}
              <input name="cost" inputmode="decimal" size={10} />
            </label>
            <label>
              {s.costYear}
              <input name="year" inputmode="numeric" size={5} />
            </label>
            <label>
              {s.contract}
              <input name="contract" size={12} />
            </label>
            <button class="primary" type="submit">
              {s.add}
            </button>
          </form>
        )}
      </section>
    </Layout>
  );
}

function ScenarioTable(props: { ctx: PageContext; r: ScenarioResult }) {
  const { ctx, r } = props;
  const s = ctx.t.assessment;
  const row = (label: string, v: { before: number | null; after: number | null }, f: (n: number | null) => string) => (
    <tr>
      <th scope="row">{label}</th>
      <td class="n">{f(v.before)}</td>
      <td class="n">{f(v.after)}</td>
    </tr>
  );
  return (
    <div role="status" aria-live="polite">
      <p>{`${r.product.name} → ${r.alternative.name}, ${r.hosts} ${s.hostsCount.toLowerCase()}`}</p>
      <table>
        <thead>
          <tr>
            <th scope="col"></th>
            <th scope="col" class="n">
              {s.before}
            </th>
            <th scope="col" class="n">
              {s.after}
            </th>
          </tr>
        </thead>
        <tbody>
          {row(s.exposure, r.exposure.overall, (n) => formatNumber(ctx, n))}
          {row(`${s.exposure} — ${label(ctx, 'areas', r.exposure.area.area)}`, r.exposure.area, (n) => formatNumber(ctx, n))}
          {row(s.priority, r.priority.overall, (n) => formatNumber(ctx, n))}
          {row(ctx.t.nonEuShare, r.non_eu_installations_share, (n) => pct(ctx, n))}
          {row(s.nonEuSpend, r.spend.non_eu_eur, (n) => eur(ctx, n))}
        </tbody>
      </table>
      <ul class="muted">
        {r.notes.map((n) => (
          <li>{n}</li>
        ))}
      </ul>
    </div>
  );
}
