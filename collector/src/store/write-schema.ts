// Writes schema.sql, the schema the migrations make, readable in one place (`pnpm schema:db`):
// each table with its indexes, then the views. A test fails when it is out of date.
import { writeFileSync } from 'node:fs';
import { openDatabase } from './db.ts';

export const SCHEMA_FILE = new URL('./schema.sql', import.meta.url);

/** A statement as SQLite keeps it, its lines dedented to the first one's level. */
function tidy(sql: string): string {
  const lines = sql.split('\n');
  const indent = (l: string) => l.match(/^ */)![0].length;
  const rest = lines.slice(1).filter((l) => l.trim());
  // A table's closing parenthesis goes to the margin, its columns one level in; other statements'
  // continued lines one level in.
  const strip = rest.at(-1)?.trim().startsWith(')') ? indent(rest.at(-1)!) : Math.max(0, Math.min(...rest.map(indent)) - 2);
  return `${lines.map((l, i) => (i === 0 ? l.trim() : l.slice(Math.min(strip, indent(l))))).join('\n').trimEnd()};`;
}

export function renderSchema(): string {
  const db = openDatabase(':memory:');
  try {
    const version = db.prepare('SELECT MAX(version) FROM schema_migrations').pluck().get() as number;
    const objects = db
      .prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY tbl_name, type DESC, name")
      .all() as { type: string; name: string; tbl_name: string; sql: string }[];
    const out = [`-- The collector's database schema after migration ${version} (collector/src/store/migrations/).`, '-- Written by `pnpm schema:db`: do not edit.', ''];
    const tables = objects.filter((o) => o.type === 'table');
    for (const table of tables) {
      out.push(tidy(table.sql));
      for (const index of objects.filter((o) => o.type === 'index' && o.tbl_name === table.name)) out.push(tidy(index.sql));
      out.push('');
    }
    for (const other of objects.filter((o) => o.type !== 'table' && o.type !== 'index')) out.push(tidy(other.sql), '');
    return `${out.join('\n').trimEnd()}\n`;
  } finally {
    db.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(SCHEMA_FILE, renderSchema());
  console.log(`wrote ${SCHEMA_FILE.pathname}`);
}
