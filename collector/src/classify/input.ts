// Input of `tiebreak-collector classify`: an inventory JSON, a JSON array or JSON lines of items,
// or a CSV export (comma or semicolon separated, with a header naming at least the name column).
import { InputError, InventorySchema, MATCH_SOURCES, type MatchSource } from '@tiebreak/shared';
import { DomainError } from '../errors.ts';
import { installationsOf, type CatalogueItem } from '../ingest/items.ts';

interface InputFields {
  expected_origin: string | null;
  name: string;
  publisher: string | null;
  version: string | null;
  source: MatchSource | null;
  package: string | null;
}

/** One line of input: the item as the catalogue would see it, and its version. */
export interface InputItem {
  item: CatalogueItem;
  version: string | null;
  /** An origin a person checked, to compare with the rules' (coverage fixtures). */
  expectedOrigin?: string | null;
}

function toInput(fields: InputFields): InputItem {
  return {
    item: { kind: 'software', source: fields.source ?? 'other', role: '', name: fields.name, publisher: fields.publisher, package: fields.package },
    version: fields.version,
    expectedOrigin: fields.expected_origin,
  };
}

const COLUMN_ALIASES: Record<keyof InputFields, string[]> = {
  name: ['name', 'displayname', 'display name', 'software', 'product', 'nom', 'logiciel', 'produit'],
  publisher: ['publisher', 'vendor', 'manufacturer', 'maintainer', 'editeur', 'éditeur', 'fabricant'],
  version: ['version', 'displayversion', 'display version'],
  source: ['source', 'type'],
  package: ['package', 'package name', 'paquet', 'id'],
  expected_origin: ['expected origin', 'expected_origin'],
};

/**
 * RFC 4180 CSV (quoted fields may hold separators, quotes ("") and line breaks): the records with
 * the line each starts on; blank records are dropped.
 */
export function parseCsvLines(text: string, separator: string): { line: number; cells: string[] }[] {
  const rows: { line: number; cells: string[] }[] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === '\n') line++;
        field += ch;
      }
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === separator) {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push({ line: rowLine, cells: row });
      row = [];
      field = '';
      rowLine = ++line;
    } else field += ch;
  }
  if (quoted) throw new DomainError('invalid', 'CSV: a quoted field is not closed', 'csvUnclosedQuote');
  if (field !== '' || row.length) {
    row.push(field);
    rows.push({ line: rowLine, cells: row });
  }
  return rows.filter((r) => r.cells.some((cell) => cell.trim() !== ''));
}

function asSource(value: unknown): MatchSource | null {
  return typeof value === 'string' && (MATCH_SOURCES as readonly string[]).includes(value) ? (value as MatchSource) : null;
}

function fromObject(value: unknown, where: string): InputItem {
  return toInput(fieldsOf(value, where));
}

function fieldsOf(value: unknown, where: string): InputFields {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new InputError(`${where}: expected an object with a "name"`);
  const o = value as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v : typeof v === 'number' ? String(v) : null);
  const name = str(o.name) ?? str(o.DisplayName) ?? str(o.displayName);
  if (!name) throw new InputError(`${where}: missing "name"`);
  return {
    name,
    publisher: str(o.publisher) ?? str(o.Publisher) ?? str(o.vendor),
    version: str(o.version) ?? str(o.DisplayVersion),
    source: asSource(o.source),
    package: str(o.package),
    expected_origin: str(o.expected_origin),
  };
}

/** One data line of a CSV file read by its header: its line number and its cells by column key. */
export interface CsvRecord<K extends string> {
  line: number;
  cell(key: K): string | null;
}

/**
 * A CSV export read by its header: the separator (`,`, `;` or tab) found from the header line,
 * columns found by their aliases (case, `_` and `-` ignored). Throws when a required one is missing.
 */
export function readCsvRecords<K extends string>(text: string, aliases: Record<K, string[]>, required: NoInfer<K>[]): CsvRecord<K>[] {
  const body = text.replace(/^\uFEFF/, '');
  const firstLine = body.slice(0, body.indexOf('\n') === -1 ? undefined : body.indexOf('\n'));
  const separator =
    (firstLine.match(/;/g)?.length ?? 0) > (firstLine.match(/,/g)?.length ?? 0) ? ';' : firstLine.includes('\t') && !firstLine.includes(',') ? '\t' : ',';
  const [header, ...rows] = parseCsvLines(body, separator);
  if (!header) throw new DomainError('invalid', 'CSV: empty input', 'csvEmpty');
  const fold = (s: string) => s.trim().toLowerCase().replace(/[_-]/g, ' ');
  const columns = header.cells.map(fold);
  const index = Object.fromEntries((Object.keys(aliases) as K[]).map((key) => [key, columns.findIndex((c) => aliases[key].includes(c))])) as Record<K, number>;
  for (const key of required)
    if (index[key] < 0)
      throw new DomainError(
        'invalid',
        `CSV: no ${key} column in the header (found: ${header.cells.join(', ')}); expected one of: ${aliases[key].join(', ')}`,
        'csvNoColumn',
        { expected: aliases[key].join(', '), found: header.cells.join(', ').slice(0, 300) },
      );
  return rows.map((row) => ({ line: row.line, cell: (key: K) => (index[key] >= 0 ? row.cells[index[key]]?.trim() || null : null) }));
}

function fromCsv(text: string): InputItem[] {
  return readCsvRecords<keyof InputFields>(text, COLUMN_ALIASES, ['name']).map((record) => {
    const name = record.cell('name');
    if (!name) throw new InputError(`CSV line ${record.line}: empty name`);
    return toInput({
      name,
      publisher: record.cell('publisher'),
      version: record.cell('version'),
      source: asSource(record.cell('source')),
      package: record.cell('package'),
      expected_origin: record.cell('expected_origin'),
    });
  });
}

export function parseClassifyInput(raw: string): InputItem[] {
  const text = raw.replace(/^\uFEFF/, '');
  const trimmed = text.trim();
  if (!trimmed) throw new InputError('empty input');
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let whole: unknown;
    try {
      whole = JSON.parse(trimmed);
    } catch {
      whole = undefined;
    }
    if (Array.isArray(whole)) return whole.map((item, i) => fromObject(item, `item ${i + 1}`));
    if (whole && typeof whole === 'object' && 'software' in whole) {
      const parsed = InventorySchema.safeParse(whole);
      if (!parsed.success)
        throw new InputError(
          `not a valid inventory: ${parsed.error.issues
            .slice(0, 3)
            .map((i) => `${i.path.join('.')}: ${i.message}`)
            .join('; ')}`,
        );
      return installationsOf(parsed.data).map(({ item, version }) => ({ item, version: version || null }));
    }
    if (whole && typeof whole === 'object') return [fromObject(whole, 'line 1')];
    // JSON lines: one object per line.
    return trimmed.split(/\r?\n/).flatMap((line, i) => {
      if (!line.trim()) return [];
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (error) {
        throw new InputError(`line ${i + 1}: not valid JSON (${(error as Error).message})`);
      }
      return [fromObject(value, `line ${i + 1}`)];
    });
  }
  return fromCsv(text);
}
