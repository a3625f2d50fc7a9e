// Normalisation of publisher and product strings, shared by the agent, the collector and the rules
// checker so that a rule written against a normalised string matches the same thing everywhere.

const COMBINING_MARKS = /[\u0300-\u036f]/g;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
// Trade marks would otherwise fold into letters ("Core™" -> "coretm").
const MARKS = /[\u2122\u00ae\u00a9\u2120]|\((?:tm|r|c)\)/gi;

/** Case, accents, control characters and white space folded. */
export function foldText(value: string): string {
  return value.replace(MARKS, ' ').normalize('NFKD').replace(COMBINING_MARKS, '').replace(CONTROL, ' ').toLowerCase();
}

// Legal forms stripped from the end of a publisher name ("Google LLC", "SAP SE", "Dassault Systèmes SA").
const LEGAL_FORMS = new Set([
  'inc',
  'incorporated',
  'corp',
  'corporation',
  'co',
  'company',
  'llc',
  'ltd',
  'limited',
  'plc',
  'lp',
  'llp',
  'gmbh',
  'mbh',
  'ag',
  'kg',
  'kgaa',
  'ohg',
  'ug',
  'se',
  'sa',
  'sas',
  'sasu',
  'sarl',
  'eurl',
  'sca',
  'snc',
  'spa',
  'srl',
  'sl',
  'slu',
  'bv',
  'nv',
  'ab',
  'as',
  'asa',
  'oy',
  'oyj',
  'aps',
  'sro',
  'as',
  'kk',
  'pty',
  'pte',
  'bhd',
  'sdn',
  'doo',
  'zrt',
  'kft',
  'spzoo',
  'zoo',
  'sp',
  'gesmbh',
  'ltda',
  'cv',
]);
// "& Co." style joiners left dangling once the legal form is gone.
const TRAILING_JOINERS = new Set(['and', '&', 'und', 'et', 'y']);

/** Version numbers, architectures and locales that appear in display names but not in product identity. */
const NAME_NOISE: RegExp[] = [
  // Parenthesised qualifiers: (x64), (64-bit), (fr-FR), (remove only), (KB5005565)...
  /\((?:[^()]*\b(?:x64|x86|x86_64|amd64|arm64|64[ -]?bits?|32[ -]?bits?|remove only|user|machine)\b[^()]*)\)/g,
  // Language tags such as en-US, fr-FR, pt-BR.
  /\b(?:en|fr|de|es|it|nl|pt|pl|ru|ja|zh|ko|sv|da|fi|nb|no|cs|hu|tr|el|ar|he|ro|sk|sl|hr|bg|uk|et|lv|lt)[-_](?:[a-z]{2})\b/g,
  // Dotted versions (1.2, 23.01, 10.0.19041.1, 2.4.1-beta3, v1.2).
  /\bv?\d+(?:\.\d+)+(?:[-+~][0-9a-z.]+)?\b/g,
  // Build numbers such as "build 1234".
  /\bbuild \d+\b/g,
  // Architectures.
  /\b(?:x64|x86_64|x86|amd64|i386|i686|arm64|aarch64|armhf|win64|win32|64[ -]?bits?|32[ -]?bits?)\b/g,
];
const PUNCTUATION = /[^\p{L}\p{N}+#]+/gu;
const SPACES = /\s+/g;

/** Normalised product or package name: lower case, no accents, versions, architectures or locales. */
export function normalizeName(value: string): string {
  let text = foldText(value);
  for (const pattern of NAME_NOISE) text = text.replace(pattern, ' ');
  return text.replace(PUNCTUATION, ' ').replace(SPACES, ' ').trim();
}

// A trailing "<...>" holds an e-mail domain (the agent keeps "<@debian.org>" of a maintainer
// address) or a URL.
const MAILBOX = /\s*<([^<>]*)>\s*$/;

/** The publisher's name and, when it carries one, the domain of its address. */
export function splitPublisher(value: string): { name: string; domain: string | null } {
  const match = MAILBOX.exec(value);
  if (!match) return { name: value, domain: null };
  const inside = match[1]!.trim();
  let domain: string | null = null;
  if (inside.includes('@')) domain = inside.slice(inside.lastIndexOf('@') + 1);
  else if (/^[a-z]+:\/\//i.test(inside)) {
    try {
      domain = new URL(inside).hostname;
    } catch {
      domain = null;
    }
  }
  return { name: value.slice(0, match.index), domain: domain ? domain.toLowerCase() : null };
}

/** Normalised publisher name: lower case, no accents, punctuation or address, legal forms removed. */
export function normalizePublisherName(value: string): string {
  const tokens = foldText(splitPublisher(value).name).replace(PUNCTUATION, ' ').trim().split(' ').filter(Boolean);
  // "S.A.S." became "s a s": join trailing single letters into one token before checking.
  let end = tokens.length;
  while (end > 0 && tokens[end - 1]!.length === 1 && /[a-z]/.test(tokens[end - 1]!)) end--;
  if (tokens.length - end >= 2) tokens.splice(end, tokens.length - end, tokens.slice(end).join(''));
  while (tokens.length > 1) {
    const last = tokens[tokens.length - 1]!;
    if (LEGAL_FORMS.has(last) || TRAILING_JOINERS.has(last)) tokens.pop();
    else break;
  }
  return tokens.join(' ');
}

/**
 * Normalised publisher with the domain of its address, if any, as trailing words:
 * "Debian Python Team <@lists.debian.org>" -> "debian python team lists debian org".
 * Publisher patterns are tested against this form; exact publishers against the name alone.
 */
export function normalizePublisher(value: string): string {
  const { domain } = splitPublisher(value);
  const name = normalizePublisherName(value);
  return domain ? `${name} ${domain.replace(PUNCTUATION, ' ')}`.trim() : name;
}

/** Package names compare case-insensitively and without surrounding space. */
export function normalizePackage(value: string): string {
  return value.trim().toLowerCase();
}
