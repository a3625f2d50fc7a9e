// What every feature of the web interface is built with: the collector's services, the request's
// page context, and the exports' plumbing. Reads for every logged-in user; changes for admins only,
// each with the session's CSRF token (checked in http/auth.ts).
import type { BlockList } from 'node:net';
import { Hono, type Context } from 'hono';
import type { Logger } from 'pino';
import { audited, httpActor, type AuditEntry } from '../../accounts/audit.ts';
import type { DirectoryConfig } from '../../accounts/directory-config.ts';
import type { Classifier } from '../../classify/classifier.ts';
import type { RuleSet } from '../../classify/load-rules.ts';
import { toCsv, toXlsx, type Table } from '../../exports/tables.ts';
import type { AuthVariables } from '../../http/auth.ts';
import type { Db } from '../../store/db.ts';
import type { Lang } from '../i18n.ts';
import { langOf, pageContextOf, type PageContext } from '../layout.tsx';
import { submitForm, type Refusal } from './forms.ts';

export interface UiContext {
  db: Db;
  classifier: () => Classifier;
  rules: () => RuleSet;
  applyLocalRules: () => Promise<number>;
  log: Logger;
  /** New data or settings: the assessment's snapshot of the day is taken again. */
  dataChanged: () => void;
  /** The proxies whose X-Forwarded-For is believed (serve --trust-proxy). */
  trustProxy?: BlockList | null;
  /** Local accounts, LDAP, OpenID Connect (accounts/directory-config.ts); local accounts only without it. */
  directory?: DirectoryConfig;
}

export type Env = { Variables: AuthVariables };
export type Ctx = Context<Env>;

/** Rows in an export: the lists' filters, every row. */
export const EXPORT_LIMIT = 200_000;

/** A feature's sub-app, with what its handlers share. */
export function feature(ui: UiContext) {
  const app = new Hono<Env>();
  /** The page's language, dictionary and session, with the rules' category names. */
  const ctxOf = (c: Ctx): PageContext => pageContextOf(c, (id) => ui.rules().categories.get(id)?.name[langOf(c)]);
  return {
    app,
    ctxOf,
    /** A change made in one transaction with its audit entry, recorded as this request's user (accounts/audit.ts). */
    audit: <T>(c: Ctx, change: (trx: Db) => T | Promise<T>, describe: (result: T) => Omit<AuditEntry, 'actor'> | null) =>
      audited(ui.db, httpActor(c, ui.trustProxy ?? null), change, describe),
    /** A form's change, or the form again with the domain's reason (forms.ts). */
    submit: (c: Ctx, change: () => Promise<Response>, rerender: (refusal: Refusal) => Response | Promise<Response>) => submitForm(langOf(c), change, rerender),
    /** The logged-in user's name (a change is always made by one: http/auth.ts). */
    username: (c: Ctx) => c.get('session')!.user.username,
    /** `PATH.csv` and `PATH.xlsx` (Hono's router takes no parameter after a dot inside a segment). */
    exportRoute: (path: string, handler: (c: Ctx) => Promise<Response>) => {
      for (const format of ['csv', 'xlsx']) app.get(`${path}.${format}`, handler);
    },
  };
}

export const queryOf = (c: Context) => c.req.query() as Record<string, string | undefined>;

/** The rules' categories as options of a select, by name in the page's language. */
export const categoryOptions = (ui: UiContext, lang: Lang): [string, string][] =>
  [...ui.rules().categories.values()].map((cat) => [cat.id, cat.name[lang] ?? cat.id] as [string, string]).sort((a, b) => a[1].localeCompare(b[1]));

/** A table as the CSV or XLSX file the path asked for. */
export function exportTable(c: Context, name: string, table: Table): Response {
  const format = c.req.path.endsWith('.xlsx') ? 'xlsx' : 'csv';
  const stamp = new Date().toISOString().slice(0, 10);
  if (format === 'csv')
    return c.body(toCsv(table), 200, {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="tiebreak-${name}-${stamp}.csv"`,
    });
  return c.body(toXlsx(table, name) as Uint8Array<ArrayBuffer>, 200, {
    'Content-Type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    'Content-Disposition': `attachment; filename="tiebreak-${name}-${stamp}.xlsx"`,
  });
}

/** A whole positive number from a form or a query, or null. */
export function positiveInteger(v: unknown): number | null {
  const n = Number(v);
  return v !== '' && v !== undefined && v !== null && Number.isInteger(n) && n > 0 ? n : null;
}

/** A form's text field, or '' (a file or an absent field). */
export const field = (form: Record<string, unknown>, key: string): string => (typeof form[key] === 'string' ? (form[key] as string) : '');
