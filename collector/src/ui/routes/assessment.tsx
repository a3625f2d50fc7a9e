/** @jsxImportSource hono/jsx */
// The dependency assessment (docs/methodology.md): indicators, trajectory and targets, spend,
// declared assets and the replacement scenario.
import { readFileSync } from 'node:fs';
import { cachedAssessment } from '../../assessment/cached.ts';
import { history, setTarget } from '../../assessment/history.ts';
import { addAsset, LineErrors, listAssets, removeAsset, validateAsset, importSpend } from '../../assessment/inputs.ts';
import { runScenario, type ScenarioResult } from '../../assessment/scenario.ts';
import { DomainError, domainErrorOf } from '../../errors.ts';
import { AssessmentPage, type AssessmentPageProps } from '../assessment-page.tsx';
import { plural } from '../layout.tsx';
import { field, feature, type Ctx, type UiContext } from './context.ts';
import { errorText, reasonsText, type FormStatus, type Refusal } from './forms.ts';

const METHODOLOGY = new URL('../../../../docs/methodology.md', import.meta.url).pathname;
const SPEND_CSV_MAX_MIB = 8;

type Extra = Partial<Omit<AssessmentPageProps, 'ctx' | 'a' | 'h' | 'assets'>>;

export function assessmentRoutes(ui: UiContext) {
  const { app, ctxOf, audit, submit, username } = feature(ui);
  const { db } = ui;

  const assessmentPage = async (c: Ctx, extra: Extra = {}, status: 200 | FormStatus = 200) => {
    const ctx = ctxOf(c);
    const a = await cachedAssessment(db, ui.classifier());
    const q = { product: c.req.query('product'), alternative: c.req.query('alternative'), hosts: c.req.query('hosts') };
    let scenario: ScenarioResult | undefined;
    let error = extra.error;
    if (q.product && q.alternative && q.hosts) {
      const hosts = /^\d{1,9}$/.test(q.hosts) ? Number(q.hosts) : NaN;
      try {
        scenario = runScenario(a, ui.classifier(), { product: q.product, alternative: q.alternative, hosts });
      } catch (e) {
        const refusal = domainErrorOf(e);
        if (!refusal) throw e;
        error = errorText(ctx.lang, refusal);
        status = refusal.status;
      }
    }
    return c.html(
      <AssessmentPage ctx={ctx} a={a} h={await history(db)} assets={await listAssets(db)} scenario={scenario} scenarioQuery={q} {...extra} error={error} />,
      status,
    );
  };
  /** The page again with the reason a change was refused (a CSV's bad lines listed). */
  const refused = (c: Ctx) => (refusal: Refusal) => {
    const lang = ctxOf(c).lang;
    return refusal.error instanceof LineErrors
      ? assessmentPage(
          c,
          { error: refusal.message, errorLines: refusal.error.errors.map((e) => ({ line: e.line, message: reasonsText(lang, e.reasons) })) },
          refusal.status,
        )
      : assessmentPage(c, { error: refusal.message }, refusal.status);
  };

  app.get('/assessment', (c) => assessmentPage(c));
  app.get('/assessment/methodology.md', (c) => c.body(readFileSync(METHODOLOGY, 'utf8'), 200, { 'Content-Type': 'text/markdown; charset=utf-8' }));

  app.post('/assessment/spend', async (c) => {
    const form = await c.req.parseBody();
    const t = ctxOf(c).t;
    const file = form.file;
    if (!(file instanceof File) || !file.size) return assessmentPage(c, { error: t.assessment.chooseCsv }, 400);
    return submit(
      c,
      async () => {
        if (file.size > SPEND_CSV_MAX_MIB * 1024 * 1024)
          throw new DomainError('invalid', `CSV > ${SPEND_CSV_MAX_MIB} MiB`, 'fileTooLarge', { max: SPEND_CSV_MAX_MIB });
        const text = await file.text();
        const name = file.name || 'upload.csv';
        const result = await audit(
          c,
          (trx) => importSpend(trx, ui.classifier(), text, name),
          (r) => ({ action: 'spend.import', object: name, details: `${r.lines} lines, ${r.years.join(', ')}, ${r.total_eur} €` }),
        );
        ui.dataChanged();
        return assessmentPage(c, { notice: plural(ctxOf(c), result.lines, t.assessment.imported) });
      },
      refused(c),
    );
  });

  app.post('/assessment/assets', async (c) => {
    const form = await c.req.parseBody();
    const text = (k: string) => (typeof form[k] === 'string' ? (form[k] as string) : null);
    const checked = validateAsset({
      name: text('name'),
      vendor: text('vendor'),
      area: text('area'),
      users: text('users'),
      cost: text('cost'),
      year: text('year'),
      contract: text('contract'),
      note: text('note'),
    });
    if ('problems' in checked) return assessmentPage(c, { error: reasonsText(ctxOf(c).lang, checked.problems, true) }, 400);
    await audit(
      c,
      (trx) => addAsset(trx, checked.asset, username(c)),
      (id) => ({ action: 'asset.add', object: id, details: checked.asset.name }),
    );
    ui.dataChanged();
    return c.redirect('/assessment#assets', 302);
  });
  app.post('/assessment/assets/:id{[0-9]+}/remove', async (c) => {
    const id = Number(c.req.param('id'));
    await audit(
      c,
      (trx) => removeAsset(trx, id),
      (done) => (done ? { action: 'asset.remove', object: id } : null),
    );
    ui.dataChanged();
    return c.redirect('/assessment#assets', 302);
  });

  app.post('/assessment/targets', async (c) => {
    const form = await c.req.parseBody();
    const value = field(form, 'value').trim().replace(',', '.');
    const indicator = field(form, 'indicator');
    const year = field(form, 'year');
    return submit(
      c,
      async () => {
        await audit(
          c,
          (trx) => setTarget(trx, indicator, Number(year), value === '' ? null : Number(value)),
          () =>
            value === ''
              ? { action: 'target.remove', object: `${indicator} ${year}` }
              : { action: 'target.set', object: `${indicator} ${year}`, details: value },
        );
        return c.redirect('/assessment#trend', 302);
      },
      refused(c),
    );
  });
  return app;
}
