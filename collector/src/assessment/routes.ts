// The assessment's JSON API under /api/v1/assessment: current indicators, critical dependencies,
// history with targets, scenarios; spend and declared assets in; targets set. Reads for every
// logged-in user; changes for admins with the session's CSRF token (http/auth.ts).
import { InputError } from '@tiebreak/shared';
import { Hono, type Context } from 'hono';
import type { Classifier } from '../classify/classifier.ts';
import type { AuthVariables } from '../http/auth.ts';
import type { Db } from '../store/db.ts';
import { computeAssessment } from './compute.ts';
import { history, setTarget } from './history.ts';
import { LineErrors, addAsset, importAssets, importSpend, listAssets, removeAsset, spendLines, validateAsset } from './inputs.ts';
import { runScenario } from './scenario.ts';

export interface AssessmentContext {
  db: Db;
  classifier: () => Classifier;
  /** New data arrived (spend, assets, targets): the day's snapshot is taken again. */
  dataChanged: () => void;
}

const MAX_CSV = 8 * 1024 * 1024;

/** A year from a query string, or undefined; a 400 names a bad one. */
function yearOf(c: Context): number | undefined {
  const text = c.req.query('year');
  if (text === undefined || text === '') return undefined;
  if (!/^\d{4}$/.test(text)) throw new InputError(`year must be four digits, not "${text.slice(0, 20)}"`);
  return Number(text);
}

export function assessmentApi(ctx: AssessmentContext): Hono<{ Variables: AuthVariables }> {
  const app = new Hono<{ Variables: AuthVariables }>();
  const assess = (c: Context) => computeAssessment(ctx.db, ctx.classifier(), { year: yearOf(c) });

  app.onError((error, c) => {
    if (error instanceof LineErrors) return c.json({ error: `${error.what}: ${error.errors.length} bad lines, nothing imported`, lines: error.errors.slice(0, 200) }, 400);
    if (error instanceof InputError) return c.json({ error: error.message }, 400);
    throw error;
  });

  app.get('/', (c) => c.json(assess(c)));
  app.get('/critical', (c) => {
    const a = assess(c);
    return c.json({ generated_at: a.generated_at, critical: a.critical });
  });
  app.get('/history', (c) => c.json(history(ctx.db)));
  app.get('/scenario', (c) => {
    const product = c.req.query('product') ?? '';
    const alternative = c.req.query('alternative') ?? '';
    const hostsText = c.req.query('hosts') ?? '';
    if (!product || !alternative || !hostsText) throw new InputError('a scenario needs product (vendor/product), alternative (an alternative id) and hosts (a number)');
    if (!/^\d{1,9}$/.test(hostsText)) throw new InputError(`hosts must be a whole number, not "${hostsText.slice(0, 20)}"`);
    return c.json(runScenario(assess(c), ctx.classifier(), { product, alternative, hosts: Number(hostsText) }));
  });

  const csvBody = async (c: Context) => {
    const length = Number(c.req.header('content-length') ?? 0);
    if (length > MAX_CSV) return null;
    const text = await c.req.text();
    return text.length > MAX_CSV ? null : text;
  };
  app.get('/spend', (c) => c.json({ lines: spendLines(ctx.db, yearOf(c)) }));
  app.post('/spend', async (c) => {
    const text = await csvBody(c);
    if (text === null) return c.json({ error: `the CSV is larger than ${MAX_CSV / 1024 / 1024} MiB` }, 413);
    const result = importSpend(ctx.db, ctx.classifier(), text, c.req.query('file') ?? 'api');
    ctx.dataChanged();
    return c.json(result, 200);
  });

  app.get('/assets', (c) => c.json({ assets: listAssets(ctx.db) }));
  app.post('/assets', async (c) => {
    const type = c.req.header('content-type') ?? '';
    const user = c.get('session')?.user.username ?? 'api';
    if (type.startsWith('text/csv')) {
      const text = await csvBody(c);
      if (text === null) return c.json({ error: `the CSV is larger than ${MAX_CSV / 1024 / 1024} MiB` }, 413);
      const added = importAssets(ctx.db, text, user);
      ctx.dataChanged();
      return c.json({ added }, 201);
    }
    let body: Record<string, unknown>;
    try {
      body = (await c.req.json()) as Record<string, unknown>;
    } catch {
      throw new InputError('send an asset as JSON {name, vendor, area, users, annual_cost} or assets as text/csv');
    }
    const str = (v: unknown) => (v === undefined || v === null ? null : String(v));
    const checked = validateAsset({ name: str(body.name), vendor: str(body.vendor), area: str(body.area), users: str(body.users), cost: str(body.annual_cost), note: str(body.note) });
    if ('problems' in checked) throw new InputError(`invalid asset: ${checked.problems.join('; ')}`);
    const id = addAsset(ctx.db, checked.asset, user);
    ctx.dataChanged();
    return c.json({ id }, 201);
  });
  app.delete('/assets/:id{[0-9]+}', (c) => {
    if (!removeAsset(ctx.db, Number(c.req.param('id')))) return c.json({ error: `no asset ${c.req.param('id')}` }, 404);
    ctx.dataChanged();
    return c.body(null, 204);
  });

  app.put('/targets', async (c) => {
    let body: { indicator?: unknown; year?: unknown; value?: unknown };
    try {
      body = (await c.req.json()) as typeof body;
    } catch {
      throw new InputError('send a target as JSON {indicator, year, value} (value null removes it)');
    }
    setTarget(ctx.db, String(body.indicator ?? ''), Number(body.year), body.value === null ? null : Number(body.value));
    return c.json(history(ctx.db).targets);
  });
  return app;
}

/**
 * Takes the day's snapshot a moment after new data arrived, once for a burst of inventories: the
 * trajectory keeps one snapshot per day with new data, the last state of that day.
 */
export class SnapshotScheduler {
  private timer: NodeJS.Timeout | null = null;
  constructor(
    private readonly take: () => void,
    private readonly delayMs = 5_000,
  ) {}
  dataChanged = (): void => {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.take();
    }, this.delayMs);
    this.timer.unref();
  };
  /** Take a pending snapshot now (before closing). */
  flush(): void {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = null;
    this.take();
  }
}
