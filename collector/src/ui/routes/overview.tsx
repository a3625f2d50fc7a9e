/** @jsxImportSource hono/jsx */
// The overview: the map, the most installed non-European products with their alternatives, the trend.
import { cachedAssessment, cachedMap } from '../../assessment/cached.ts';
import { history } from '../../assessment/history.ts';
import { isMinConfidence } from '../../classify/evidence.ts';
import { OverviewPage } from '../pages.tsx';
import { topWithAlternatives } from '../queries.ts';
import { feature, type UiContext } from './context.ts';

export function overviewRoutes(ui: UiContext) {
  const { app, ctxOf } = feature(ui);
  const { db } = ui;

  app.get('/', async (c) => {
    const classifier = ui.classifier();
    const wanted = c.req.query('confidence');
    const map = await cachedMap(db, classifier, { unclassifiedLimit: 20, confidence: isMinConfidence(wanted) ? wanted : undefined });
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
    return c.html(<OverviewPage ctx={ctxOf(c)} map={map} top={await topWithAlternatives(db, classifier)} trend={trend} />);
  });
  return app;
}
