/** @jsxImportSource hono/jsx */
// The page frame: header, navigation, language switch, logout. Every value is rendered through JSX,
// which escapes it: strings that came from agents never become markup.
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Child } from 'hono/jsx';
import type { Session } from '../accounts/users.ts';
import type { AuthVariables } from '../http/auth.ts';
import * as format from './format.ts';
import { DICTS, type Dict, type Lang } from './i18n.ts';

export interface PageContext {
  lang: Lang;
  t: Dict;
  session: Session | null;
  /** The current path with its query, to switch language in place. */
  path: string;
  /** A category's name in this language (from the rules), for its id. */
  categoryName?: (id: string) => string | undefined;
}

/** The cookie the language switch sets. */
export const LANG_COOKIE = 'tb_lang';

/** The page's language: `?lang=`, else the language switch's cookie, else French. */
export function langOf(c: Context): Lang {
  const asked = c.req.query('lang');
  return asked === 'en' || asked === 'fr' ? asked : getCookie(c, LANG_COOKIE) === 'en' ? 'en' : 'fr';
}

/** What every page is rendered with, for this request. */
export function pageContextOf(c: Context<{ Variables: AuthVariables }>, categoryName?: PageContext['categoryName']): PageContext {
  const lang = langOf(c);
  const url = new URL(c.req.url);
  return { lang, t: DICTS[lang], session: c.get('session'), path: url.pathname + url.search, ...(categoryName ? { categoryName } : {}) };
}

export const CSS = `
*{box-sizing:border-box}body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1b1b1b;background:#f4f5f7;line-height:1.45}
a{color:#0b4f9c}a:focus,button:focus,input:focus,select:focus,summary:focus{outline:3px solid #f0a000;outline-offset:2px}
header{background:#102a52;color:#fff;padding:.6rem 1.5rem;display:flex;flex-wrap:wrap;align-items:center;gap:1rem}
header a{color:#fff}header .brand{font-weight:700;font-size:1.15rem;text-decoration:none}
nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:.2rem 1rem;margin:0;padding:0}nav a[aria-current=page]{text-decoration:underline;font-weight:700}
header .right{margin-left:auto;display:flex;gap:.8rem;align-items:center}header button{background:none;border:1px solid #fff;color:#fff;padding:.2rem .6rem;cursor:pointer}
main{padding:1rem 1.5rem;max-width:1280px}section,.card{background:#fff;border-radius:6px;padding:1rem;margin:1rem 0;box-shadow:0 1px 2px #0002}
h1{font-size:1.5rem;margin:.5rem 0}h2{font-size:1.15rem;margin:0 0 .6rem}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(180px,1fr));gap:1rem}.kpi{background:#fff;border-radius:6px;padding:.8rem 1rem;box-shadow:0 1px 2px #0002}
.kpi .v{font-size:1.8rem;font-weight:700}.kpi .l{color:#444}
table{border-collapse:collapse;width:100%;font-size:.92rem}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #e2e4e8;vertical-align:top}
th{background:#f0f2f5}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:flex-end}.filters label{display:flex;flex-direction:column;font-size:.85rem}
input,select,button{font:inherit;padding:.3rem .5rem}button.primary{background:#0b4f9c;color:#fff;border:0;border-radius:4px;padding:.4rem .9rem;cursor:pointer}a.button.primary{display:inline-block;background:#0b4f9c;color:#fff;border-radius:4px;padding:.4rem .9rem;text-decoration:none}
.pager{display:flex;gap:1rem;align-items:center;margin:.6rem 0}.muted{color:#555}.tag{display:inline-block;padding:0 .4rem;border-radius:3px;font-size:.8rem;color:#fff}
.o-non_eu{background:#b3261e}.o-europe{background:#8a5a00}.o-eu{background:#1f5fae}.o-community{background:#2e7d4f}.o-unknown{background:#5f5f5f}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:1rem}.notice{background:#fff7d6;border-left:4px solid #f0a000;padding:.6rem 1rem}
.error{background:#fde7e7;border-left:4px solid #b3261e;padding:.6rem 1rem}.token{font-family:monospace;font-size:1.05rem;background:#eef;padding:.3rem .5rem;user-select:all}
details summary{cursor:pointer;color:#0b4f9c}svg text{font-family:inherit}.exports a{margin-right:.8rem}
.trend{max-width:720px}.login{max-width:380px;margin:4rem auto}.login label{display:block;margin:.6rem 0}.login input{width:100%}
@media print{header,nav,.filters,.pager,.exports,.noprint{display:none!important}body{background:#fff}section,.card,.kpi{box-shadow:none;border:1px solid #ccc;break-inside:avoid}main{max-width:none;padding:0}a{color:#000;text-decoration:none}}
`;

export function Layout(props: { ctx: PageContext; title: string; active?: keyof Dict['nav']; children: Child }) {
  const { ctx, title, active } = props;
  const t = ctx.t;
  const other = ctx.lang === 'fr' ? 'en' : 'fr';
  const switchUrl = `/lang/${other}?next=${encodeURIComponent(ctx.path)}`;
  const items = Object.entries(t.nav) as [keyof Dict['nav'], string][];
  const href: Record<keyof Dict['nav'], string> = {
    overview: '/',
    vendors: '/vendors',
    products: '/products',
    hosts: '/hosts',
    unknown: '/unknown',
    assessment: '/assessment',
    agents: '/agents',
    settings: '/settings',
    report: '/report',
    federation: '/federation',
  };
  return (
    <html lang={ctx.lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · tiebreak`}</title>
        <link rel="stylesheet" href="/assets/app.css" />
        <link rel="icon" href="/assets/icon.svg" type="image/svg+xml" />
      </head>
      <body>
        <header>
          <a class="brand" href="/">
            tiebreak
          </a>
          {ctx.session && (
            <nav aria-label={t.mainNav}>
              <ul>
                {items.map(([key, label]) => (
                  <li>
                    <a href={href[key]} aria-current={key === active ? 'page' : undefined}>
                      {label}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
          )}
          <div class="right">
            <a href={switchUrl} lang={other}>
              {t.otherLang}
            </a>
            {ctx.session && (
              <form method="post" action="/logout">
                <input type="hidden" name="_csrf" value={ctx.session.csrf} />
                <span
                  class="muted"
                  style="color:#dde"
                >{`${ctx.session.user.username} (${ctx.session.user.role === 'admin' ? t.roleAdmin : t.roleViewer}) `}</span>
                <button type="submit">{t.logout}</button>
              </form>
            )}
          </div>
        </header>
        <main id="main">
          <h1>{title}</h1>
          {props.children}
        </main>
      </body>
    </html>
  );
}

/** A hidden CSRF field for every form. */
export function Csrf(props: { ctx: PageContext }) {
  return <input type="hidden" name="_csrf" value={props.ctx.session?.csrf ?? ''} />;
}

export function OriginTag(props: { ctx: PageContext; origin: string }) {
  return <span class={`tag o-${props.origin}`}>{props.ctx.t.origins[props.origin as keyof Dict['origins']] ?? props.origin}</span>;
}

export const isAdmin = (ctx: PageContext) => ctx.session?.user.role === 'admin';

/** A word of the dictionary for a key of a group (areas, origins...), the key itself if unknown. */
export const label = <K extends 'areas' | 'origins' | 'licences' | 'roles' | 'kinds' | 'evidences' | 'confidences' | 'sources'>(
  ctx: PageContext,
  group: K,
  key: string | null,
) => (key ? ((ctx.t[group] as Record<string, string>)[key] ?? key) : '–');

/** A number in the page's language, with at most `digits` decimals; '–' for none (format.ts). */
export const formatNumber = (ctx: PageContext, n: number | null | undefined, digits = 1) => format.formatNumber(ctx.lang, n, digits);
export const formatPercent = (ctx: PageContext, n: number | null | undefined, digits = 1) => format.formatPercent(ctx.lang, n, digits);
export const formatEuro = (ctx: PageContext, n: number | null | undefined) => format.formatEuro(ctx.lang, n);
export const formatDate = (ctx: PageContext, iso: string | null | undefined) => format.formatDate(ctx.lang, iso);
export const formatDateTime = (ctx: PageContext, iso: string | null | undefined, seconds = false) => format.formatDateTime(ctx.lang, iso, seconds);
/** "Label : " in French, "Label: " in English. */
export const colon = (ctx: PageContext) => format.colon(ctx.lang);
/** "{n} ligne(s)" with the right plural, the number formatted. */
export const count = (ctx: PageContext, n: number, forms: { one: string; many: string }) => format.count(ctx.lang, n, forms.one, forms.many);
/** A `{ one, many }` dictionary entry's form for n, with {n} filled in. */
export const plural = (ctx: PageContext, n: number, forms: { one: string; many: string }) =>
  format.plural(ctx.lang, n, forms.one, forms.many).replace('{n}', format.formatNumber(ctx.lang, n, 0));

/** A category's name for its id (the id only if the rules do not know it). */
export const categoryLabel = (ctx: PageContext, id: string | null | undefined) => (id ? (ctx.categoryName?.(id) ?? id) : '–');
/** An extraterritorial law's note (countries.yaml, in English) in the page's language. */
export const lawLabel = (ctx: PageContext, text: string) => ctx.t.laws[text] ?? text;
export const maturityLabel = (ctx: PageContext, m: string) => (ctx.t.maturities as Record<string, string>)[m] ?? m;

/** The page's other query parameters, kept by a filter form that sets only its own (the scope, the evidence). */
export function KeptQuery(props: { ctx: PageContext; except: string[] }) {
  const kept = [...new URL(props.ctx.path, 'http://page').searchParams].filter(([name]) => !props.except.includes(name));
  return (
    <>
      {kept.map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
    </>
  );
}
