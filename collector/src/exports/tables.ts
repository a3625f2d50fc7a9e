// Lists as CSV and XLSX. Strings from agents are untrusted: a cell that starts with = + - @ (or a
// tab or carriage return) is a formula to a spreadsheet, so it is prefixed with an apostrophe
// (OWASP's CSV injection advice). The CSV is ; separated, but a spreadsheet set to another
// separator (`,` in English locales, a tab) splits a cell there: the text after any of those is a
// cell of its own, and is neutralised too. XLSX cells are written as inline strings, never formulas.
import { strToU8, zipSync } from 'fflate';

export interface Table {
  columns: { key: string; label: string }[];
  rows: Record<string, unknown>[];
}

export function neutralise(value: string): string {
  const start = /^[\t\r]/.test(value) ? `'${value}` : value;
  // At the start and after any separator some spreadsheet may use, past the quotes and spaces a
  // reader may skip there.
  return start.replace(/(^|[,;\t\r\n|])([\s"']*)(?=[=+\-@])/g, "$1$2'");
}

const cellText = (value: unknown): string => (value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value));

/** CSV (RFC 4180, ; separated as French spreadsheets expect), with a BOM so Excel reads UTF-8. */
export function toCsv(table: Table): string {
  const quote = (s: string) => (/[";\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const line = (cells: string[]) => cells.map((c) => quote(c)).join(';');
  const out = [line(table.columns.map((c) => neutralise(c.label)))];
  for (const row of table.rows)
    out.push(line(table.columns.map((c) => (typeof row[c.key] === 'number' ? String(row[c.key]) : neutralise(cellText(row[c.key]))))));
  return `\uFEFF${out.join('\r\n')}\r\n`;
}

const xml = (s: string) =>
  s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

function column(index: number): string {
  let n = index + 1;
  let s = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(65 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

/** A one-sheet XLSX workbook (Office Open XML), numbers as numbers and text as inline strings. */
export function toXlsx(table: Table, sheetName = 'tiebreak'): Uint8Array {
  const rowXml = (cells: unknown[], r: number) =>
    `<row r="${r}">${cells
      .map((value, i) => {
        const ref = `${column(i)}${r}`;
        if (typeof value === 'number' && Number.isFinite(value)) return `<c r="${ref}"><v>${value}</v></c>`;
        return `<c r="${ref}" t="inlineStr"><is><t xml:space="preserve">${xml(neutralise(cellText(value)))}</t></is></c>`;
      })
      .join('')}</row>`;
  const rows = [
    rowXml(
      table.columns.map((c) => c.label),
      1,
    ),
    ...table.rows.map((row, i) =>
      rowXml(
        table.columns.map((c) => row[c.key]),
        i + 2,
      ),
    ),
  ];
  const sheet = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${rows.join('')}</sheetData></worksheet>`;
  const files: Record<string, Uint8Array> = {
    '[Content_Types].xml': strToU8(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`),
    '_rels/.rels': strToU8(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`),
    'xl/workbook.xml': strToU8(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="${xml(sheetName.slice(0, 31))}" sheetId="1" r:id="rId1"/></sheets></workbook>`),
    'xl/_rels/workbook.xml.rels': strToU8(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`),
    'xl/worksheets/sheet1.xml': strToU8(sheet),
  };
  return zipSync(files, { level: 6 });
}
