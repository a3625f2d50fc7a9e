/** @jsxImportSource hono/jsx */
// The overview (the map, the most installed non-European products, the trend) and the printable
// report with its Markdown version.
import { computeAssessment } from '../../assessment/compute.ts';
import { history } from '../../assessment/history.ts';
import { reportMarkdown } from '../../assessment/report.ts';
import type { Classifier } from '../../classify/classifier.ts';
import { isMinConfidence } from '../../classify/evidence.ts';
import { computeMap } from '../../map/map.ts';
import { authorityLabel, getAuthority } from '../../store/authority.ts';
import type { Db } from '../../store/db.ts';
import { ReportPage } from '../admin-pages.tsx';
import { OverviewPage } from '../pages.tsx';
import { topNonEuProducts } from '../queries.ts';
import { feature, type UiContext } from './context.ts';

/** The most installed non-European products, each with its alternatives. */
const topWithAlternatives = async (db: Db, classifier: Classifier) =>
  (await topNonEuProducts(db, classifier, 12)).map((p) => ({ ...p, alternatives: classifier.alternativesOf(p.vendor_id, p.product_id) }));

export function overviewRoutes(ui: UiContext) {
  const { app, ctxOf } = feature(ui);
  const { db } = ui;

  app.get('/', async (c) => {
    const classifier = ui.classifier();
    const wanted = c.req.query('confidence');
    const map = await computeMap(db, classifier, { unclassifiedLimit: 20, confidence: isMinConfidence(wanted) ? wanted : undefined });
    const h = await history(db);
    const overall = map.totals.hosts ? (await computeAssessment(db, classifier)).overall : null;
    const trend = {
      exposure: overall?.exposure ?? null,
      lock_in: overall?.lock_in ?? null,
      priority: overall?.priority ?? null,
      days: h.days,
      values: h.series.exposure,
      targets: h.targets.filter((x) => x.indicator === 'exposure'),
    };
    return c.html(<OverviewPage ctx={ctxOf(c)} map={map} top={await topWithAlternatives(db, classifier)} trend={trend} />);
  });
  return app;
}

export function reportRoutes(ui: UiContext) {
  const { app, ctxOf } = feature(ui);
  const { db } = ui;

  app.get('/report', async (c) => {
    const classifier = ui.classifier();
    const map = await computeMap(db, classifier, { unclassifiedLimit: 0 });
    const authority = authorityLabel(await getAuthority(db));
    return c.html(<ReportPage ctx={ctxOf(c)} map={map} top={await topWithAlternatives(db, classifier)} authority={authority} assessment={await computeAssessment(db, classifier)} />);
  });

  // The diagnostic as Markdown (what `tiebreak-collector report --format md` prints), in the page's language.
  app.get('/report.md', async (c) => {
    const markdown = reportMarkdown(await computeAssessment(db, ui.classifier()), await history(db), await getAuthority(db), ctxOf(c).lang);
    const stamp = new Date().toISOString().slice(0, 10);
    return c.body(`${markdown}\n`, 200, { 'Content-Type': 'text/markdown; charset=utf-8', 'Content-Disposition': `attachment; filename="tiebreak-diagnostic-${stamp}.md"` });
  });
  return app;
}
