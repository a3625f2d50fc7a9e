/** @jsxImportSource hono/jsx */
// The overview: the map, the most installed non-European products with their alternatives, the trend.
import { cachedAssessment, cachedMap } from '../../assessment/cached.ts';
import { history } from '../../assessment/history.ts';
import { isMinConfidence } from '../../classify/evidence.ts';
import { listEntities, scopeOf, WHOLE_COLLECTOR } from '../../entities/entities.ts';
import { computeScopedMap } from '../../entities/scoped-map.ts';
import { entityName, ScopeSelector } from '../entities-page.tsx';
import { isAdmin } from '../layout.tsx';
import { OverviewPage } from '../pages.tsx';
import { topWithAlternatives } from '../queries.ts';
import { feature, type UiContext } from './context.ts';

export function overviewRoutes(ui: UiContext) {
  const { app, ctxOf } = feature(ui);
  const { db } = ui;

  app.get('/', async (c) => {
    const classifier = ui.classifier();
    const wanted = c.req.query('confidence');
    const options = { unclassifiedLimit: 20, confidence: isMinConfidence(wanted) ? wanted : undefined };
    // An admin may look at one entity's map (entities/scoped-map.ts); the others see the whole collector.
    const entities = isAdmin(ctxOf(c)) ? await listEntities(db) : [];
    const scope = entities.length ? await scopeOf(db, c.req.query('entity'), c.req.query('alone') === '1') : WHOLE_COLLECTOR;
    const map = scope === WHOLE_COLLECTOR ? await cachedMap(db, classifier, options) : await computeScopedMap(db, classifier, scope, options);
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
    const ctx = ctxOf(c);
    const selector = entities.length ? (
      <ScopeSelector ctx={ctx} entities={entities} scope={scope} name={entityName(ctx.t, entities, scope.entity)} />
    ) : undefined;
    return c.html(<OverviewPage ctx={ctx} map={map} top={await topWithAlternatives(db, classifier)} trend={trend} scope={selector} />);
  });
  return app;
}
