// The assessment's JSON API under /api/v1/assessment: current indicators, history with targets,
// scenarios; spend and declared assets in; targets set (its paginated lists are in api/lists.ts).
// Reads for every logged-in user or API token; changes for admins, with the session's CSRF token or an admin API token (http/auth.ts).
import { InputError } from '@tiebreak/shared';
import { Hono, type Context } from 'hono';
import type { BlockList } from 'node:net';
import { audited, httpActor } from '../accounts/audit.ts';
import { getAuthority } from '../store/authority.ts';
import type { Classifier } from '../classify/classifier.ts';
import { actorOf, type AuthVariables } from '../http/auth.ts';
import { BodyError, parseJson, readBody, type BodyLimits } from '../http/body.ts';
import type { Db } from '../store/db.ts';
import { cachedAssessment } from './cached.ts';
import { history, setTarget } from './history.ts';
import { LineErrors, addAsset, importAssets, importSpend, listAssets, removeAsset, spendLines, validateAsset } from './inputs.ts';
import { runScenario } from './scenario.ts';

export interface AssessmentContext {
  db: Db;
  classifier: () => Classifier;
  /** New data arrived (spend, assets, targets): the day's snapshot is taken again. */
  dataChanged: () => void | Promise<void>;
  /** The proxies whose X-Forwarded-For is believed, for the audit log's addresses. */
  trustProxy?: BlockList | null;
}

/** Spend and asset files: 8 MiB, on the wire and decompressed. */
const BODY_LIMITS: BodyLimits = { maxCompressed: 8 * 1024 * 1024, maxDecompressed: 8 * 1024 * 1024 };

/** A year from a query string, or undefined; a 400 names a bad one. */
function yearOf(c: Context): number | undefined {
  const text = c.req.query('year');
  if (text === undefined || text === '') return undefined;
  if (!/^\d{4}$/.test(text)) throw new InputError(`year must be four digits, not "${text.slice(0, 20)}"`);
  return Number(text);
}

export function assessmentApi(ctx: AssessmentContext): Hono<{ Variables: AuthVariables }> {
  const app = new Hono<{ Variables: AuthVariables }>();
  const actor = (c: Context<{ Variables: AuthVariables }>) => httpActor(c, ctx.trustProxy ?? null);
  const assess = (c: Context) => cachedAssessment(ctx.db, ctx.classifier(), { year: yearOf(c) });

  app.onError((error, c) => {
    if (error instanceof LineErrors)
      return c.json(
        {
          error: `${error.what}: ${error.errors.length} bad lines, nothing imported`,
          lines: error.errors.slice(0, 200).map(({ line, message }) => ({ line, message })),
        },
        400,
      );
    if (error instanceof InputError) return c.json({ error: error.message }, 400);
    if (error instanceof BodyError) return c.json({ error: error.message }, error.status);
    throw error;
  });

  app.get('/', async (c) => {
    const a = await assess(c);
    return c.json({ authority: await getAuthority(ctx.db), ...a });
  });
  app.get('/history', async (c) => c.json(await history(ctx.db)));
  app.get('/scenario', async (c) => {
    const product = c.req.query('product') ?? '';
    const alternative = c.req.query('alternative') ?? '';
    const hostsText = c.req.query('hosts') ?? '';
    if (!product || !alternative || !hostsText)
      throw new InputError('a scenario needs product (vendor/product), alternative (an alternative id) and hosts (a number)');
    if (!/^\d{1,9}$/.test(hostsText)) throw new InputError(`hosts must be a whole number, not "${hostsText.slice(0, 20)}"`);
    return c.json(runScenario(await assess(c), ctx.classifier(), { product, alternative, hosts: Number(hostsText) }));
  });

  /** The body within the size limits of the collector's other endpoints (a BodyError otherwise). */
  const body = (c: Context) => readBody(c.req.raw, BODY_LIMITS);
  const json = async (c: Context, what: string): Promise<Record<string, unknown>> => {
    let value: unknown;
    try {
      value = parseJson(await body(c));
    } catch (error) {
      if (error instanceof BodyError) throw error;
      throw new InputError(what);
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new InputError(what);
    return value as Record<string, unknown>;
  };
  app.get('/spend', async (c) => c.json({ lines: await spendLines(ctx.db, yearOf(c)) }));
  app.post('/spend', async (c) => {
    const text = await body(c);
    const file = c.req.query('file') ?? 'api';
    const result = await audited(
      ctx.db,
      actor(c),
      (trx) => importSpend(trx, ctx.classifier(), text, file),
      (r) => ({ action: 'spend.import', object: file, details: `${r.lines} lines, ${r.years.join(', ')}, ${r.total_eur} €` }),
    );
    await ctx.dataChanged();
    return c.json(result, 200);
  });

  app.get('/assets', async (c) => c.json({ assets: await listAssets(ctx.db) }));
  app.post('/assets', async (c) => {
    const type = c.req.header('content-type') ?? '';
    const user = actorOf(c);
    if (type.startsWith('text/csv')) {
      const text = await body(c);
      const added = await audited(
        ctx.db,
        actor(c),
        (trx) => importAssets(trx, text, user),
        (n) => ({ action: 'asset.import', details: `${n} assets` }),
      );
      await ctx.dataChanged();
      return c.json({ added }, 201);
    }
    const asset = await json(c, 'send an asset as JSON {name, vendor, area, users, annual_cost, year, contract} or assets as text/csv');
    const str = (v: unknown) => (v === undefined || v === null ? null : String(v));
    const checked = validateAsset({
      name: str(asset.name),
      vendor: str(asset.vendor),
      area: str(asset.area),
      users: str(asset.users),
      cost: str(asset.annual_cost),
      year: str(asset.year),
      contract: str(asset.contract),
      note: str(asset.note),
    });
    if ('problems' in checked) throw new InputError(`invalid asset: ${checked.problems.map((p) => p.message).join('; ')}`);
    const id = await audited(
      ctx.db,
      actor(c),
      (trx) => addAsset(trx, checked.asset, user),
      (added) => ({ action: 'asset.add', object: added, details: checked.asset.name }),
    );
    await ctx.dataChanged();
    return c.json({ id }, 201);
  });
  app.delete('/assets/:id{[0-9]+}', async (c) => {
    const id = Number(c.req.param('id'));
    if (
      !(await audited(
        ctx.db,
        actor(c),
        (trx) => removeAsset(trx, id),
        (done) => (done ? { action: 'asset.remove', object: id } : null),
      ))
    )
      return c.json({ error: `no asset ${c.req.param('id')}` }, 404);
    await ctx.dataChanged();
    return c.body(null, 204);
  });

  app.put('/targets', async (c) => {
    const target = await json(c, 'send a target as JSON {indicator, year, value} (value null removes it)');
    const indicator = String(target.indicator ?? '');
    const value = target.value === null ? null : Number(target.value);
    await audited(
      ctx.db,
      actor(c),
      (trx) => setTarget(trx, indicator, Number(target.year), value),
      () =>
        value === null
          ? { action: 'target.remove', object: `${indicator} ${target.year}` }
          : { action: 'target.set', object: `${indicator} ${target.year}`, details: String(value) },
    );
    return c.json((await history(ctx.db)).targets);
  });
  return app;
}
