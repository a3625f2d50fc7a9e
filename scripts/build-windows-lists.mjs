#!/usr/bin/env node
// Rebuilds the Windows negative corpus (rules/corpus/windows-programs.tsv) and the Windows
// workstation coverage fixture (rules/coverage/windows-workstation-public.csv) from the extracts
// of public inventories in rules/corpus/windows-extracts/ (one "publisher<TAB>name<TAB>version"
// line per "Programs and Features" entry; see rules/corpus/README.md for where each comes from).
// Checked origins already written in the fixture's expected_origin column are kept.
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const extractsDir = join(root, 'rules/corpus/windows-extracts');
const corpusFile = join(root, 'rules/corpus/windows-programs.tsv');
const fixtureFile = join(root, 'rules/coverage/windows-workstation-public.csv');

const entries = [];
for (const file of readdirSync(extractsDir).filter((f) => f.endsWith('.tsv')).sort()) {
  for (const line of readFileSync(join(extractsDir, file), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const [publisher = '', name = '', version = ''] = line.split('\t').map((cell) => cell.trim());
    if (!name) throw new Error(`${file}: a line without a name: ${JSON.stringify(line)}`);
    entries.push({ publisher, name, version, server: file.startsWith('server-') });
  }
}

// One line per distinct (name, publisher), first version seen.
const seen = new Map();
for (const entry of entries) {
  const key = `${entry.name}\u0000${entry.publisher}`;
  if (!seen.has(key)) seen.set(key, entry);
}
const distinct = [...seen.values()].sort((a, b) => a.name.localeCompare(b.name, 'en') || a.publisher.localeCompare(b.publisher, 'en'));

const tsvCell = (text) => text.replace(/[\t\r\n]+/g, ' ');
writeFileSync(corpusFile, ['source\tname\tpublisher', ...distinct.map((e) => `windows\t${tsvCell(e.name)}\t${tsvCell(e.publisher)}`)].join('\n') + '\n');

const csvCell = (text) => (/[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
const checked = new Map();
if (existsSync(fixtureFile)) {
  const [, ...lines] = readFileSync(fixtureFile, 'utf8').split('\n');
  for (const line of lines) {
    const cells = parseCsvLine(line);
    if (cells.length >= 4 && cells[3]) checked.set(`${cells[0]}\u0000${cells[1]}`, cells[3]);
  }
}
// The fixture measures workstations: server inventories feed the negative corpus only.
const rows = distinct.filter((e) => !e.server || entries.some((o) => !o.server && o.name === e.name && o.publisher === e.publisher)).map((e) => [e.name, e.publisher, e.version, checked.get(`${e.name}\u0000${e.publisher}`) ?? ''].map(csvCell).join(','));
writeFileSync(fixtureFile, ['name,publisher,version,expected_origin', ...rows].join('\n') + '\n');
console.log(`${entries.length} entries, ${distinct.length} distinct programs in the corpus, ${rows.length} in the workstation fixture, ${checked.size} checked origins kept`);

function parseCsvLine(line) {
  const cells = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') cells.push(field), (field = '');
    else field += ch;
  }
  cells.push(field);
  return cells;
}
