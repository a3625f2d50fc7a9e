// Input of `tiebreak-collector classify`: an inventory JSON, a JSON array or JSON lines of items,
// or a CSV export (comma or semicolon separated, with a header naming at least the name column).
import { InputError, InventorySchema, MATCH_SOURCES, type MatchSource } from '@tiebreak/shared';
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

/** RFC 4180 CSV: quoted fields may hold separators, quotes ("") and line breaks. */
export function parseCsv(text: string, separator: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === separator) {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (quoted) throw new InputError('CSV: a quoted field is not closed');
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.some((cell) => cell.trim() !== ''));
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

function fromCsv(text: string): InputItem[] {
  const firstLine = text.slice(0, text.indexOf('\n') === -1 ? undefined : text.indexOf('\n'));
  const separator = (firstLine.match(/;/g)?.length ?? 0) > (firstLine.match(/,/g)?.length ?? 0) ? ';' : firstLine.includes('\t') && !firstLine.includes(',') ? '\t' : ',';
  const [header, ...rows] = parseCsv(text, separator);
  if (!header) throw new InputError('CSV: empty input');
  const fold = (s: string) => s.trim().toLowerCase().replace(/[_-]/g, ' ');
  const columns = header.map(fold);
  const index = Object.fromEntries(
    (Object.keys(COLUMN_ALIASES) as (keyof InputFields)[]).map((key) => [key, columns.findIndex((c) => COLUMN_ALIASES[key].includes(c))]),
  ) as Record<keyof InputFields, number>;
  if (index.name < 0) throw new InputError(`CSV: no name column in the header (found: ${header.join(', ')}); expected one of: ${COLUMN_ALIASES.name.join(', ')}`);
  return rows.map((row, i) => {
    const cell = (key: keyof InputFields) => (index[key] >= 0 ? row[index[key]]?.trim() || null : null);
    const name = cell('name');
    if (!name) throw new InputError(`CSV line ${i + 2}: empty name`);
    return toInput({
      name,
      publisher: cell('publisher'),
      version: cell('version'),
      source: asSource(cell('source')),
      package: cell('package'),
      expected_origin: cell('expected_origin'),
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
      if (!parsed.success) throw new InputError(`not a valid inventory: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
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
