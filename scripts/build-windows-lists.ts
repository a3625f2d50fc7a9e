// Rebuilds the Windows negative corpus (rules/corpus/windows-programs.tsv) and the Windows
// workstation coverage fixture (rules/coverage/windows-workstation-public.csv) from the extracts
// of public inventories in rules/corpus/windows-extracts/ (one "publisher<TAB>name<TAB>version"
// line per "Programs and Features" entry; see rules/corpus/README.md for where each comes from).
// Extracts named server-*.tsv feed the corpus only. Checked origins already written in the
// fixture's expected_origin column are kept. Run: npx tsx scripts/build-windows-lists.ts
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCsvLines } from '../collector/src/classify/input.ts';

interface Entry {
  publisher: string;
  name: string;
  version: string;
  server: boolean;
}

const root = fileURLToPath(new URL('..', import.meta.url));
const extractsDir = join(root, 'rules/corpus/windows-extracts');
const corpusFile = join(root, 'rules/corpus/windows-programs.tsv');
const fixtureFile = join(root, 'rules/coverage/windows-workstation-public.csv');

const keyOf = (name: string, publisher: string) => `${name}\u0000${publisher}`;

const entries: Entry[] = [];
for (const file of readdirSync(extractsDir)
  .filter((f) => f.endsWith('.tsv'))
  .sort()) {
  for (const line of readFileSync(join(extractsDir, file), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const [publisher = '', name = '', version = ''] = line.split('\t').map((cell) => cell.trim());
    if (!name) throw new Error(`${file}: a line without a name: ${JSON.stringify(line)}`);
    entries.push({ publisher, name, version, server: file.startsWith('server-') });
  }
}

// One line per distinct (name, publisher), first version seen.
const distinct = new Map<string, Entry>();
for (const entry of entries) if (!distinct.has(keyOf(entry.name, entry.publisher))) distinct.set(keyOf(entry.name, entry.publisher), entry);
const sorted = [...distinct.values()].sort((a, b) => a.name.localeCompare(b.name, 'en') || a.publisher.localeCompare(b.publisher, 'en'));
const onWorkstations = new Set(entries.filter((e) => !e.server).map((e) => keyOf(e.name, e.publisher)));

const tsvCell = (text: string) => text.replace(/[\t\r\n]+/g, ' ');
writeFileSync(corpusFile, `${['source\tname\tpublisher', ...sorted.map((e) => `windows\t${tsvCell(e.name)}\t${tsvCell(e.publisher)}`)].join('\n')}\n`);

const checked = new Map<string, string>();
if (existsSync(fixtureFile)) {
  for (const { line, cells } of parseCsvLines(readFileSync(fixtureFile, 'utf8'), ',')) {
    const [name = '', publisher = '', , expected = ''] = cells;
    if (line > 1 && expected) checked.set(keyOf(name, publisher), expected);
  }
}
const csvCell = (text: string) => (/[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
const rows = sorted
  .filter((e) => onWorkstations.has(keyOf(e.name, e.publisher)))
  .map((e) => [e.name, e.publisher, e.version, checked.get(keyOf(e.name, e.publisher)) ?? ''].map(csvCell).join(','));
writeFileSync(fixtureFile, `${['name,publisher,version,expected_origin', ...rows].join('\n')}\n`);
console.log(
  `${entries.length} entries, ${sorted.length} distinct programs in the corpus, ${rows.length} in the workstation fixture, ${checked.size} checked origins kept`,
);
