// Writes schema.sql, the schema the migrations make, readable in one place (`pnpm schema:db`):
// each table with its indexes, then the views; and tables.ts, the same tables as the types Kysely
// checks queries against. A test fails when either is out of date.
import { writeFileSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { openSqliteFile } from './db.ts';

export const SCHEMA_FILE = new URL('./schema.sql', import.meta.url);
export const TABLES_FILE = new URL('./tables.ts', import.meta.url);

/** A statement as SQLite keeps it, its lines dedented to the first one's level. */
function tidy(sql: string): string {
  const lines = sql.split('\n');
  const indent = (l: string) => l.match(/^ */)![0].length;
  const rest = lines.slice(1).filter((l) => l.trim());
  // A table's closing parenthesis goes to the margin, its columns one level in; other statements'
  // continued lines one level in.
  const strip = rest.at(-1)?.trim().startsWith(')') ? indent(rest.at(-1)!) : Math.max(0, Math.min(...rest.map(indent)) - 2);
  return `${lines
    .map((l, i) => (i === 0 ? l.trim() : l.slice(Math.min(strip, indent(l)))))
    .join('\n')
    .trimEnd()};`;
}

type SchemaObject = { type: string; name: string; tbl_name: string; sql: string };

function withSchema<T>(read: (db: Database.Database, objects: SchemaObject[]) => T): T {
  const db = openSqliteFile(':memory:');
  try {
    const objects = db
      .prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY tbl_name, type DESC, name")
      .all() as SchemaObject[];
    return read(db, objects);
  } finally {
    db.close();
  }
}

export function renderSchema(): string {
  return withSchema((db, objects) => {
    const version = db.prepare('SELECT MAX(version) FROM schema_migrations').pluck().get() as number;
    const out = [
      `-- The collector's database schema after migration ${version} (collector/src/store/migrations/).`,
      '-- Written by `pnpm schema:db`: do not edit.',
      '',
    ];
    const tables = objects.filter((o) => o.type === 'table');
    for (const table of tables) {
      out.push(tidy(table.sql));
      for (const index of objects.filter((o) => o.type === 'index' && o.tbl_name === table.name)) out.push(tidy(index.sql));
      out.push('');
    }
    for (const other of objects.filter((o) => o.type !== 'table' && o.type !== 'index')) out.push(tidy(other.sql), '');
    return `${out.join('\n').trimEnd()}\n`;
  });
}

const TS_TYPE: Record<string, string> = { INTEGER: 'number', REAL: 'number', TEXT: 'string', BLOB: 'Buffer' };

/** The tables and views as Kysely's database interface: a column with a default is Generated. */
export function renderTables(): string {
  return withSchema((db, objects) => {
    const out = [
      "// The collector's tables as Kysely sees them (store/db.ts). Written by `pnpm schema:db`: do not edit.",
      "import type { Generated } from 'kysely';",
      '',
    ];
    const names: string[] = [];
    for (const object of objects.filter((o) => o.type === 'table' || o.type === 'view')) {
      const columns = db.prepare(`PRAGMA table_info(${JSON.stringify(object.name)})`).all() as {
        name: string;
        type: string;
        notnull: number;
        dflt_value: string | null;
        pk: number;
      }[];
      const rowid = columns.filter((c) => c.pk).length === 1 && columns.some((c) => c.pk && c.type === 'INTEGER');
      const type = `${object.name.replace(/(^|_)([a-z])/g, (_m, _u, c: string) => c.toUpperCase())}${object.type === 'view' ? 'View' : 'Table'}`;
      names.push(`  ${object.name}: ${type};`);
      out.push(`export interface ${type} {`);
      for (const c of columns) {
        let ts = TS_TYPE[c.type.toUpperCase()] ?? 'string | number | null';
        if (!c.notnull && !c.pk) ts += ' | null';
        if ((c.pk && rowid) || c.dflt_value !== null) ts = `Generated<${ts}>`;
        out.push(`  ${c.name}: ${ts};`);
      }
      out.push('}', '');
    }
    out.push('export interface Tables {', ...names, '}', '');
    return out.join('\n');
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(SCHEMA_FILE, renderSchema());
  writeFileSync(TABLES_FILE, renderTables());
  console.log(`wrote ${SCHEMA_FILE.pathname} and ${TABLES_FILE.pathname}`);
}
