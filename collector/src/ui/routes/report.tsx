/** @jsxImportSource hono/jsx */
// The printable report (the diagnostic with the map and the assessment) and its Markdown version.
import { cachedAssessment, cachedMap } from '../../assessment/cached.ts';
import { history } from '../../assessment/history.ts';
import { reportMarkdown } from '../../assessment/report.ts';
import { authorityLabel, getAuthority } from '../../store/authority.ts';
import { ReportPage } from '../admin-pages.tsx';
import { topWithAlternatives } from '../queries.ts';
import { feature, type UiContext } from './context.ts';

export function reportRoutes(ui: UiContext) {
  const { app, ctxOf } = feature(ui);
  const { db } = ui;

  app.get('/report', async (c) => {
    const classifier = ui.classifier();
    const map = await cachedMap(db, classifier, { unclassifiedLimit: 0 });
    const authority = authorityLabel(await getAuthority(db));
    return c.html(
      <ReportPage
        ctx={ctxOf(c)}
        map={map}
        top={await topWithAlternatives(db, classifier)}
        authority={authority}
        assessment={await cachedAssessment(db, classifier)}
      />,
    );
  });

  // The diagnostic as Markdown (what `tiebreak-collector report --format md` prints), in the page's language.
  app.get('/report.md', async (c) => {
    const markdown = reportMarkdown(await cachedAssessment(db, ui.classifier()), await history(db), await getAuthority(db), ctxOf(c).lang);
    const stamp = new Date().toISOString().slice(0, 10);
    return c.body(`${markdown}\n`, 200, {
      'Content-Type': 'text/markdown; charset=utf-8',
      'Content-Disposition': `attachment; filename="tiebreak-diagnostic-${stamp}.md"`,
    });
  });
  return app;
}
