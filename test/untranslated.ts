// What must never reach a page as such, in either language: the ids the code and the rules use
// (categories, origins, areas, licences, maturities, evidences, roles, sources, audit actions,
// tracked indicators) and a dictionary's key or placeholder left unfilled. Used in process by
// collector/src/ui/i18n.test.ts and in Chromium by web-ui.test.ts.
import { AREAS, MATURITIES } from '@tiebreak/shared';
import { AUDIT_ACTIONS } from '../collector/src/accounts/audit.ts';
import { TRACKED } from '../collector/src/assessment/history.ts';
import type { RuleSet } from '../collector/src/classify/load-rules.ts';
import { DICTS, type Lang } from '../collector/src/ui/i18n.ts';

/** Ids the code uses that must never reach a page as such. */
export function rawIds(rules: RuleSet): string[] {
  const fr = DICTS.fr;
  return [
    ...rules.categories.keys(),
    ...Object.keys(fr.origins),
    ...AREAS,
    ...Object.keys(fr.licences),
    ...MATURITIES,
    ...Object.keys(fr.evidences),
    ...Object.keys(fr.roles),
    ...Object.keys(fr.criticalitySources),
    ...Object.keys(fr.sources),
    ...AUDIT_ACTIONS,
    ...TRACKED,
    ...Object.keys(fr.audit.groups),
  ];
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Dictionary groups, for keys shown as such ("assessment.title", "errors.csvEmpty"). */
const GROUPS = Object.entries(DICTS.fr)
  .filter(([, v]) => v && typeof v === 'object')
  .map(([k]) => k);

/** Every string of a dictionary. */
function leaves(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return value && typeof value === 'object' ? Object.values(value).flatMap(leaves) : [];
}

/**
 * A checker of a page's texts (its text nodes, or its lines and cells) in a language: the problems
 * it finds. An id is refused as a whole text (a cell, an option, a label) unless the language's own
 * word is the same (English "hardware"), and inside a sentence when it holds a dash or an underscore
 * (`distribution-package`, `non_eu`); a key as `group.key`; a placeholder as `{name}`.
 */
export function untranslatedChecker(rules: RuleSet, lang: Lang): (texts: string[]) => string[] {
  const words = new Set(leaves(DICTS[lang]));
  const ids = new Set(rawIds(rules).filter((id) => !words.has(id)));
  const compound = [...ids].filter((id) => /[-_]/.test(id)).sort((a, b) => b.length - a.length);
  // One pattern for every compound id: far cheaper than one per id and per text.
  const inSentence = new RegExp(`(?:^|[^\\w-])(${compound.map(escapeRegExp).join('|')})(?:[^\\w-]|$)`);
  const key = new RegExp(`(?:^|[^\\w./-])((?:${GROUPS.map(escapeRegExp).join('|')})\\.[a-z]\\w*)(?:[^\\w./-]|$)`);
  return (texts) => {
    const problems: string[] = [];
    for (const text of texts) {
      if (ids.has(text)) problems.push(`raw id "${text}"`);
      const id = inSentence.exec(text);
      if (id) problems.push(`raw id "${id[1]}" in "${text}"`);
      const shown = key.exec(text);
      if (shown) problems.push(`dictionary key "${shown[1]}" in "${text}"`);
      const placeholder = /\{[a-zA-Z]\w*\}/.exec(text);
      if (placeholder) problems.push(`unfilled "${placeholder[0]}" in "${text}"`);
    }
    return problems;
  };
}
