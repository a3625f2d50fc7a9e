// Numbers, percentages, amounts, dates, plurals and punctuation in the page's language: the one
// place the web pages (and the French report) format a value. French follows the Imprimerie
// nationale's usage: decimal comma, a narrow no-break space between thousands, before % and €, and
// before the high punctuation (: ; ? !), dates as "2 décembre 2026", 0 and 1 singular.
export type Lang = 'fr' | 'en';

/** Narrow no-break space (U+202F): thousands, units, high punctuation in French. */
export const NNBSP = '\u202f';

const locale = (lang: Lang) => (lang === 'fr' ? 'fr-FR' : 'en-GB');
const numberFormats = new Map<string, Intl.NumberFormat>();
const numberFormat = (lang: Lang, digits: number) => {
  const key = `${lang}:${digits}`;
  let f = numberFormats.get(key);
  if (!f) numberFormats.set(key, (f = new Intl.NumberFormat(locale(lang), { maximumFractionDigits: digits })));
  return f;
};

/** At most `digits` decimals; '–' for none. French: "1 234,5" with narrow no-break spaces. */
export function formatNumber(lang: Lang, n: number | null | undefined, digits = 1): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  // Intl's French grouping is already U+202F; normalise in case an ICU build uses U+00A0.
  const s = numberFormat(lang, digits).format(n);
  return lang === 'fr' ? s.replace(/[\u00a0 ]/g, NNBSP) : s;
}

/** A share already in percent (75 for 75 %): "75 %" in French, "75%" in English. */
export function formatPercent(lang: Lang, n: number | null | undefined, digits = 1): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  return lang === 'fr' ? `${formatNumber(lang, n, digits)}${NNBSP}%` : `${formatNumber(lang, n, digits)}%`;
}

/** Whole euros: "1 234 €" in French, "€1,234" in English. */
export function formatEuro(lang: Lang, n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  return lang === 'fr' ? `${formatNumber(lang, Math.round(n), 0)}${NNBSP}€` : `€${formatNumber(lang, Math.round(n), 0)}`;
}

const dateFormats: Record<Lang, Intl.DateTimeFormat> = {
  fr: new Intl.DateTimeFormat('fr-FR', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }),
  en: new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }),
};

/** "2 décembre 2026" / "2 December 2026" (UTC day); "1er" for the first of the month in French. */
export function formatDate(lang: Lang, iso: string | number | Date | null | undefined): string {
  if (iso === null || iso === undefined || iso === '') return '–';
  const d = iso instanceof Date ? iso : new Date(typeof iso === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(iso) ? `${iso}T00:00:00Z` : iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const s = dateFormats[lang].format(d);
  return lang === 'fr' ? s.replace(/^1 /, '1er ') : s;
}

/** A date and its time of day, UTC: "2 décembre 2026 à 08:52" / "2 December 2026, 08:52". */
export function formatDateTime(lang: Lang, iso: string | null | undefined, seconds = false): string {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const time = d.toISOString().slice(11, seconds ? 19 : 16);
  return lang === 'fr' ? `${formatDate(lang, d)} à ${time}` : `${formatDate(lang, d)}, ${time}`;
}

/** The singular or plural form: French counts 0 and 1 as singular ("0 ligne"), English only 1. */
export function plural(lang: Lang, n: number, one: string, many: string): string {
  return (lang === 'fr' ? Math.abs(n) < 2 : n === 1) ? one : many;
}

/** "3 lignes", "1 ligne", "0 ligne" (French) / "0 lines" (English), the number formatted. */
export function count(lang: Lang, n: number, one: string, many: string): string {
  return `${formatNumber(lang, n, 0)} ${plural(lang, n, one, many)}`;
}

/**
 * French high punctuation and quotes: the space typed before : ; ? ! » and after « (or none) becomes a narrow
 * no-break space, so the sign never starts a line. Only where the sign ends a word and is followed
 * by a space or the end: "https://", "10:30", "a:b" and "file.csv:12" are left as they are.
 */
export function typeset(text: string): string {
  return text
    .replace(/«[ \u00a0]*/g, `«${NNBSP}`)
    .replace(/[ \u00a0]*»/g, `${NNBSP}»`)
    .replace(/(\S)?[ \u00a0\u202f]*([:;?!])(?=\s|$)/g, (all, before: string | undefined, sign: string) => {
      if (before === undefined) return all; // a sign at the start: nothing to attach to
      if (sign === ':' && !/[ \u00a0\u202f]/.test(all)) return all; // "Note:" with no space is a label, a key or code
      return `${before}${NNBSP}${sign}`;
    });
}

/** The separator between a label and its value: "Exposition : 25" / "Exposure: 25". */
export const colon = (lang: Lang) => (lang === 'fr' ? `${NNBSP}: ` : ': ');

/** Every string of a dictionary typeset for French (keys and shape unchanged). */
export function typesetAll<T>(value: T): T {
  if (typeof value === 'string') return typeset(value) as T;
  if (Array.isArray(value)) return value.map((v) => typesetAll(v)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typesetAll(v)])) as T;
  return value;
}
