// Name patterns indexed by the first word they require, so that an item is tested only against the
// patterns that can match it (plus those that cannot be indexed), not against the whole corpus.
// The first pattern in rule order that matches wins, as with one combined expression.

interface Entry<T> {
  order: number;
  pattern: string;
  ref: T;
}

interface Group<T> {
  regex: RegExp;
  entries: Entry<T>[];
}

const WORD = /^((?:[a-z0-9]|\\\+|\\#|\+|#)+)/;

/** After a literal word: a word boundary that is not optional (a space, \b or $). The end of the
 * pattern is none: "^wapt" also matches "waptsetup". */
function boundary(next: string): boolean {
  if (next.startsWith(' ')) return !/^ [?*{]/.test(next);
  return next.startsWith('\\b') || next.startsWith('$');
}

function closingParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\') i++;
    else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return i;
  }
  return -1;
}

function splitAlternatives(group: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < group.length; i++) {
    const ch = group[i];
    if (ch === '\\') i++;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === '|' && depth === 0) {
      out.push(group.slice(start, i));
      start = i + 1;
    }
  }
  out.push(group.slice(start));
  return out;
}

function literalWord(text: string, after: string): string | null {
  const match = WORD.exec(text);
  if (!match) return null;
  const rest = text.slice(match[1]!.length);
  if (!boundary(rest === '' ? after : rest)) return null;
  return match[1]!.replace(/\\/g, '');
}

/** The words one of which a name must start with for the pattern to match, or null if unknown. */
export function requiredFirstWords(pattern: string): string[] | null {
  if (!pattern.startsWith('^')) return null;
  const rest = pattern.slice(1);
  if (rest.startsWith('(') && !rest.startsWith('(?')) {
    const close = closingParen(rest, 0);
    if (close < 0) return null;
    const after = rest.slice(close + 1);
    if (/^[?*{]/.test(after)) return null;
    const words: string[] = [];
    for (const alternative of splitAlternatives(rest.slice(1, close))) {
      const word = literalWord(alternative, after);
      if (!word) return null;
      words.push(word);
    }
    return words;
  }
  const word = literalWord(rest, '');
  return word ? [word] : null;
}

function group<T>(entries: Entry<T>[]): Group<T> {
  // Each alternative is anchored at the start: the first pattern in order that matches anywhere wins.
  return { regex: new RegExp(entries.map((e, i) => `(?<r${i}>^.*?(?:${e.pattern}))`).join('|'), 'u'), entries };
}

function firstIn<T>(g: Group<T> | undefined, text: string): Entry<T> | null {
  const match = g?.regex.exec(text);
  if (!match?.groups) return null;
  for (const key in match.groups) if (match.groups[key] !== undefined) return g!.entries[Number(key.slice(1))] ?? null;
  return null;
}

export class PatternIndex<T> {
  private readonly byWord = new Map<string, Group<T>>();
  private readonly general: Group<T> | undefined;

  constructor(patterns: { pattern: string; ref: T }[]) {
    const byWord = new Map<string, Entry<T>[]>();
    const general: Entry<T>[] = [];
    patterns.forEach(({ pattern, ref }, order) => {
      const entry = { order, pattern, ref };
      const words = requiredFirstWords(pattern);
      if (!words) general.push(entry);
      else for (const word of new Set(words)) byWord.set(word, [...(byWord.get(word) ?? []), entry]);
    });
    for (const [word, entries] of byWord) this.byWord.set(word, group(entries));
    this.general = general.length ? group(general) : undefined;
  }

  match(text: string): T | null {
    const space = text.indexOf(' ');
    const first = space < 0 ? text : text.slice(0, space);
    const indexed = firstIn(this.byWord.get(first), text);
    const general = firstIn(this.general, text);
    if (indexed && general) return (indexed.order < general.order ? indexed : general).ref;
    return (indexed ?? general)?.ref ?? null;
  }
}
