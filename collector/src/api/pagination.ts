// Page/limit pagination of the API's lists: the query checked by a zod schema (a 400 naming the bad
// parameter), one envelope for every list ({items, total, page, pages, limit, next, prev}) and the
// same links in a Link header (RFC 8288), so that a BI tool or a script follows `next` to the end.
import { describeIssues } from '@tiebreak/shared';
import type { Context, MiddlewareHandler } from 'hono';
import { z } from 'zod';
import type { Page } from '../ui/queries.ts';

/** The largest page a client may ask for, and the page it gets without asking. */
export const MAX_PAGE_SIZE = 500;
export const DEFAULT_PAGE_SIZE = 100;
/** pageNumber() of ui/queries.ts reads pages below a million. */
const MAX_PAGE = 999_999;

/** A whole number from a query string, between min and max. */
export function wholeNumber(min: number, max: number, what: string) {
  return z.coerce
    .number({ error: `${what} must be a whole number` })
    .int({ error: `${what} must be a whole number` })
    .min(min, { error: `${what} must be at least ${min}` })
    .max(max, { error: `${what} must be at most ${max}` });
}

/** One of fixed values, the error naming them. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T, description: string) {
  return z
    .enum(values, { error: (issue) => `expected one of ${values.join(', ')}, not "${String(issue.input).slice(0, 40)}"` })
    .optional()
    .describe(description);
}

/** Free text of a filter: at most 200 characters. */
export const text = (description: string) => z.string().max(200, { error: 'at most 200 characters' }).optional().describe(description);

export const PAGE_PARAMETERS = {
  page: wholeNumber(1, MAX_PAGE, 'page').default(1).describe('the page, from 1'),
  limit: wholeNumber(1, MAX_PAGE_SIZE, 'limit').default(DEFAULT_PAGE_SIZE).describe(`rows per page, 1 to ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE})`),
};

/** A list's query: its filters, the page and the limit; any other parameter is refused (a typo would otherwise filter nothing). */
export function listQuery<S extends z.ZodRawShape>(filters: S) {
  return z.strictObject({ ...filters, ...PAGE_PARAMETERS });
}

/** The envelope of a page of `item`, as documented. */
export function pageOf(item: z.ZodType, description: string) {
  return z
    .object({
      items: z.array(item),
      total: z.number().int().describe('rows matching the filters, on every page'),
      page: z.number().int(),
      pages: z.number().int().describe('the number of pages (at least 1)'),
      limit: z.number().int(),
      next: z.string().nullable().describe('the next page (path and query), or null on the last one; also in the Link header'),
      prev: z.string().nullable(),
    })
    .describe(description);
}

export type Variables = { query: Record<string, unknown> };

/** Validates the query string with `schema`: the parsed value in c.var.query, or a 400 with the reasons. */
export function validateQuery(schema: z.ZodType): MiddlewareHandler<{ Variables: Variables }> {
  return async (c, next) => {
    const parsed = schema.safeParse(c.req.query());
    if (!parsed.success) {
      const issues = describeIssues(parsed.error);
      return c.json({ error: `bad query: ${issues.map((i) => (i.path === '(root)' ? i.message : `${i.path}: ${i.message}`)).join('; ')}`, issues }, 400);
    }
    c.set('query', parsed.data as Record<string, unknown>);
    return next();
  };
}

/** The path and query of another page of this request. */
function pageLink(c: Context, page: number): string {
  const url = new URL(c.req.url);
  url.searchParams.set('page', String(page));
  return `${url.pathname}?${url.searchParams.toString()}`;
}

/**
 * The answer for one page: the envelope, and its links in the Link header. A page past the last
 * one is empty (the read functions give the last page instead: a client looping until an empty
 * page must not read the last one forever).
 */
export function pageResponse<T>(c: Context, found: Page<T>, requested: number, limit: number): Response {
  const page = requested;
  const items = found.page === requested ? found.rows : [];
  const next = page < found.pages ? pageLink(c, page + 1) : null;
  const prev = page > 1 ? pageLink(c, Math.min(page - 1, found.pages)) : null;
  const links = [
    next && `<${next}>; rel="next"`,
    prev && `<${prev}>; rel="prev"`,
    `<${pageLink(c, 1)}>; rel="first"`,
    `<${pageLink(c, found.pages)}>; rel="last"`,
  ].filter(Boolean);
  c.header('Link', links.join(', '));
  c.header('X-Total-Count', String(found.total));
  return c.json({ items, total: found.total, page, pages: found.pages, limit, next, prev });
}

/** A page of a list already in memory (the assessment's), in the shape of the read functions' pages. */
export function pageOfArray<T>(all: readonly T[], page: number, limit: number): Page<T> {
  const pages = Math.max(1, Math.ceil(all.length / limit));
  const current = Math.min(page, pages);
  return { rows: all.slice((current - 1) * limit, current * limit), total: all.length, page: current, pages };
}
