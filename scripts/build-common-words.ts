// Rebuilds rules/corpus/common-words.txt.gz, the dictionary of common words that `rules check`
// holds names and patterns against (a product name that is a common word needs its publisher): the
// lower-case entries of Debian's English and French word lists (packages wamerican and wfrench,
// installed with apt-get), proper nouns and possessives left out, normalised as rule names are.
// Usage: apt-get install -y wamerican wfrench && pnpm tsx scripts/build-common-words.ts [out.txt.gz]
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { normalizeName } from '@tiebreak/shared';

const LISTS = ['/usr/share/dict/american-english', '/usr/share/dict/french'];
const words = new Set<string>();
for (const list of LISTS) {
  for (const entry of readFileSync(list, 'utf8').split('\n')) {
    // Capitalised entries are proper nouns (names of people, places and brands): not common words.
    if (!entry || entry !== entry.toLowerCase() || entry.includes("'")) continue;
    const word = normalizeName(entry);
    if (word && !word.includes(' ')) words.add(word);
  }
}
const out = process.argv[2] ?? new URL('../rules/corpus/common-words.txt.gz', import.meta.url).pathname;
writeFileSync(out, gzipSync(`${[...words].sort().join('\n')}\n`, { level: 9 }));
process.stdout.write(`${out}: ${words.size} words\n`);
