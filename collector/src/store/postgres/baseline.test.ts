// baseline.sql, the PostgreSQL schema, against the SQLite schema the real migrations make: the
// same tables, columns (order, type as translated, nullability, defaults), keys, indexes, checks
// and views, and the same outcome for the same statements.
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testPostgres, type PostgresServer } from '../../../../test/postgres-server.ts';
import { openSqliteFile, POSTGRES_BASELINE_VERSION } from '../db.ts';
import type Database from 'better-sqlite3';
import { MIGRATIONS } from '../migrations.ts';

const BASELINE = readFileSync(new URL('./baseline.sql', import.meta.url), 'utf8');

interface Table {
  columns: string[];
  primaryKey: string;
  unique: string[];
  foreignKeys: string[];
  checks: string[];
}
interface Schema {
  tables: Record<string, Table>;
  /** Indexes made by CREATE INDEX (those of keys and UNIQUE constraints are in their table). */
  indexes: Record<string, string>;
  views: Record<string, string[]>;
}

const list = (columns: readonly string[]) => `(${columns.join(', ')})`;
/** An expression compared as text: lower case, without parentheses nor PostgreSQL's casts, spaces collapsed. */
const expression = (sql: string) =>
  sql
    .replace(/::[a-z ]+/gi, '')
    .replace(/[()]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();

/** A CHECK by what it can be compared on across both dialects: the columns it reads and its literals. */
function check(columns: readonly string[], sql: string): string {
  const strings = [...sql.matchAll(/'((?:[^']|'')*)'/g)].map((m) => `'${m[1]}'`);
  const numbers = sql.replace(/'((?:[^']|'')*)'/g, '').match(/(?<![\w.])\d+(?:\.\d+)?(?![\w.])/g) ?? [];
  return `${list([...columns].sort())} ${[...strings, ...numbers].sort().join(' ')}`;
}

/** The parts of a parenthesised list at its top level: a table's definitions, an index's columns. */
function topLevel(sql: string): string[] {
  const body = sql.replace(/--[^\n]*/g, '');
  const open = body.indexOf('(');
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = open + 1;
  for (let i = open; i < body.length; i++) {
    const c = body[i];
    if (c === "'") quoted = !quoted;
    if (quoted) continue;
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) {
      parts.push(body.slice(start, i).trim());
      break;
    } else if (c === ',' && depth === 1) {
      parts.push(body.slice(start, i).trim());
      start = i + 1;
    }
  }
  return parts;
}

/** The expressions of the CHECKs in a definition. */
function checksIn(definition: string): string[] {
  const found: string[] = [];
  for (const m of definition.matchAll(/\bCHECK\s*\(/gi)) {
    let depth = 0;
    for (let i = m.index + m[0].length - 1; i < definition.length; i++) {
      if (definition[i] === '(') depth++;
      else if (definition[i] === ')' && --depth === 0) {
        found.push(definition.slice(m.index + m[0].length, i));
        break;
      }
    }
  }
  return found;
}

const SQLITE_TYPES: Record<string, string> = { INTEGER: 'bigint', TEXT: 'text', REAL: 'double precision', BLOB: 'bytea' };

/** The SQLite schema, with its types and keys as baseline.sql translates them (see its header). */
function sqliteSchema(db: Database.Database): Schema {
  const objects = db.prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name").all() as {
    type: string;
    name: string;
    sql: string;
  }[];
  const schema: Schema = { tables: {}, indexes: {}, views: {} };
  for (const { name, sql } of objects.filter((o) => o.type === 'table')) {
    const info = db.prepare(`PRAGMA table_info("${name}")`).all() as { name: string; type: string; notnull: number; dflt_value: string | null; pk: number }[];
    const definitions = topLevel(sql);
    const definitionOf = (column: string) => definitions.find((d) => d.replace(/^"/, '').split(/[\s"]/)[0] === column) ?? '';
    const pk = info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
    const rowidAlias = pk.length === 1 && pk[0]!.type.toUpperCase() === 'INTEGER' && !/WITHOUT\s+ROWID\s*$/i.test(sql) ? pk[0]!.name : null;
    const columns = info.map((c) => {
      const type = /\bCOLLATE\s+NOCASE\b/i.test(definitionOf(c.name)) ? 'citext' : (SQLITE_TYPES[c.type.toUpperCase()] ?? `? ${c.type}`);
      // A key column is NOT NULL in PostgreSQL; SQLite lets a non-integer one hold NULL (a quirk nothing relies on).
      const notNull = c.notnull === 1 || c.pk > 0;
      return [c.name, type, notNull && 'NOT NULL', c.dflt_value !== null && `DEFAULT ${c.dflt_value}`, c.name === rowidAlias && 'IDENTITY']
        .filter(Boolean)
        .join(' ');
    });
    const checks: string[] = [];
    for (const definition of definitions) {
      const own = /^(CONSTRAINT|PRIMARY|UNIQUE|CHECK|FOREIGN)\b/i.test(definition) ? null : definition.replace(/^"/, '').split(/[\s"]/)[0];
      for (const expr of checksIn(definition)) {
        const read = info.map((c) => c.name).filter((c) => c === own || new RegExp(`\\b${c}\\b`).test(expr.replace(/'((?:[^']|'')*)'/g, '')));
        checks.push(check(read, expr));
      }
    }
    const unique: string[] = [];
    for (const index of db.prepare(`PRAGMA index_list("${name}")`).all() as { name: string; unique: number; origin: string; partial: number }[]) {
      // The SQL of an index made by CREATE INDEX (a key's or UNIQUE constraint's has none).
      const indexSql = (db.prepare('SELECT sql FROM sqlite_master WHERE name = ?').pluck().get(index.name) as string | null) ?? '';
      const indexColumns = (db.prepare(`PRAGMA index_info("${index.name}")`).all() as { seqno: number; name: string | null }[])
        .sort((a, b) => a.seqno - b.seqno)
        // No name: an expression, as written in the index's column list.
        .map((c, i) => c.name ?? expression(topLevel(indexSql.replace(/^[^(]*\bON\s+\S+\s*/i, ''))[i] ?? '?'));
      if (index.origin === 'u') unique.push(list(indexColumns));
      if (index.origin !== 'c') continue;
      const where = indexSql.match(/\bWHERE\b([\s\S]*)$/i)?.[1];
      schema.indexes[index.name] = `${index.unique ? 'UNIQUE ' : ''}ON ${name} ${list(indexColumns)}${where ? ` WHERE ${expression(where)}` : ''}`;
    }
    const keys = new Map<number, { table: string; from: string[]; to: (string | null)[]; onDelete: string; onUpdate: string }>();
    for (const fk of db.prepare(`PRAGMA foreign_key_list("${name}")`).all() as {
      id: number;
      seq: number;
      table: string;
      from: string;
      to: string | null;
      on_delete: string;
      on_update: string;
    }[]) {
      const key = keys.get(fk.id) ?? { table: fk.table, from: [], to: [], onDelete: fk.on_delete, onUpdate: fk.on_update };
      key.from[fk.seq] = fk.from;
      key.to[fk.seq] = fk.to;
      keys.set(fk.id, key);
    }
    const foreignKeys = [...keys.values()].map((k) => {
      // REFERENCES t without columns: t's primary key.
      const parentKey = (db.prepare(`PRAGMA table_info("${k.table}")`).all() as { name: string; pk: number }[])
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => c.name);
      const to = k.to.map((c, i) => c ?? parentKey[i]!);
      return `${list(k.from)} REFERENCES ${k.table} ${list(to)} ON DELETE ${k.onDelete} ON UPDATE ${k.onUpdate}`;
    });
    schema.tables[name] = { columns, primaryKey: list(pk.map((c) => c.name)), unique: unique.sort(), foreignKeys: foreignKeys.sort(), checks: checks.sort() };
  }
  for (const { name } of objects.filter((o) => o.type === 'view')) {
    schema.views[name] = (db.prepare(`PRAGMA table_info("${name}")`).all() as { name: string }[]).map((c) => c.name);
  }
  return schema;
}

const ACTIONS: Record<string, string> = { a: 'NO ACTION', r: 'RESTRICT', c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' };

/** The same description of a PostgreSQL database's public schema. */
async function postgresSchema(client: pg.Client): Promise<Schema> {
  const schema: Schema = { tables: {}, indexes: {}, views: {} };
  const relations = await client.query<{ name: string; kind: string }>(
    "SELECT c.relname AS name, c.relkind AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v') ORDER BY 1",
  );
  const columns = await client.query<{ relation: string; name: string; type: string; not_null: boolean; identity: string; default: string | null }>(`
    SELECT c.relname AS relation, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
      a.attidentity AS identity, pg_get_expr(d.adbin, d.adrelid) AS default
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v') AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY c.relname, a.attnum`);
  const constraints = await client.query<{
    relation: string;
    kind: string;
    def: string;
    columns: string[];
    parent: string | null;
    parent_columns: string[];
    on_delete: string;
    on_update: string;
  }>(`
    SELECT c.relname AS relation, k.contype AS kind, pg_get_constraintdef(k.oid) AS def,
      ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u (n, i) JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.i) AS columns,
      p.relname AS parent,
      ARRAY(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY u (n, i) JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.i) AS parent_columns,
      k.confdeltype AS on_delete, k.confupdtype AS on_update
    FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_class p ON p.oid = k.confrelid
    WHERE n.nspname = 'public'`);
  const indexes = await client.query<{ name: string; relation: string; unique: boolean; columns: string[]; predicate: string | null }>(`
    SELECT i.relname AS name, t.relname AS relation, x.indisunique AS unique,
      ARRAY(SELECT pg_get_indexdef(x.indexrelid, k, true) FROM generate_series(1, x.indnkeyatts) k ORDER BY k) AS columns,
      pg_get_expr(x.indpred, x.indrelid) AS predicate
    FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE n.nspname = 'public'
      AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.conrelid = x.indrelid AND k.contype IN ('p', 'u'))`);
  for (const { name, kind } of relations.rows) {
    const own = columns.rows.filter((c) => c.relation === name);
    if (kind === 'v') {
      schema.views[name] = own.map((c) => c.name);
      continue;
    }
    const keys = constraints.rows.filter((k) => k.relation === name);
    schema.tables[name] = {
      columns: own.map((c) =>
        [
          c.name,
          c.type,
          c.not_null && 'NOT NULL',
          c.default !== null && `DEFAULT ${c.default.replace(/::[a-z ]+$/i, '')}`,
          c.identity === 'd' ? 'IDENTITY' : c.identity === 'a' && 'IDENTITY ALWAYS (not BY DEFAULT)',
        ]
          .filter(Boolean)
          .join(' '),
      ),
      primaryKey: list(keys.find((k) => k.kind === 'p')?.columns ?? []),
      unique: keys
        .filter((k) => k.kind === 'u')
        .map((k) => list(k.columns))
        .sort(),
      foreignKeys: keys
        .filter((k) => k.kind === 'f')
        .map((k) => `${list(k.columns)} REFERENCES ${k.parent} ${list(k.parent_columns)} ON DELETE ${ACTIONS[k.on_delete]} ON UPDATE ${ACTIONS[k.on_update]}`)
        .sort(),
      checks: keys
        .filter((k) => k.kind === 'c')
        .map((k) => check(k.columns, k.def))
        .sort(),
    };
  }
  for (const index of indexes.rows) {
    schema.indexes[index.name] =
      `${index.unique ? 'UNIQUE ' : ''}ON ${index.relation} ${list(index.columns.map((c) => (/^\w+$/.test(c) ? c : expression(c))))}${index.predicate ? ` WHERE ${expression(index.predicate)}` : ''}`;
  }
  return schema;
}

/** What a statement did: its rows, or the kind of constraint that refused it. */
type Outcome = { rows: unknown[] } | { refused: string };
const SQLITE_REFUSALS: Record<string, string> = {
  SQLITE_CONSTRAINT_UNIQUE: 'unique',
  SQLITE_CONSTRAINT_PRIMARYKEY: 'unique',
  SQLITE_CONSTRAINT_FOREIGNKEY: 'foreign key',
  SQLITE_CONSTRAINT_CHECK: 'check',
  SQLITE_CONSTRAINT_NOTNULL: 'not null',
};
const POSTGRES_REFUSALS: Record<string, string> = { '23505': 'unique', '23503': 'foreign key', '23514': 'check', '23502': 'not null' };

function inSqlite(db: Database.Database, sql: string, params: unknown[]): Outcome {
  try {
    const statement = db.prepare(sql);
    return { rows: statement.reader ? statement.all(...params) : (statement.run(...params), []) };
  } catch (err) {
    const refused = SQLITE_REFUSALS[(err as { code?: string }).code ?? ''];
    if (refused) return { refused };
    throw err;
  }
}

async function inPostgres(client: pg.Client, sql: string, params: unknown[]): Promise<Outcome> {
  let n = 0;
  try {
    return {
      rows: (
        await client.query(
          sql.replace(/\?/g, () => `$${++n}`),
          params,
        )
      ).rows,
    };
  } catch (err) {
    const refused = POSTGRES_REFUSALS[(err as { code?: string }).code ?? ''];
    if (refused) return { refused };
    throw err;
  }
}

const NOW = '2026-12-02T10:00:00.000Z';
const HOST =
  'INSERT INTO hosts (host_key, id_source, hostname, role, os_family, os_name, hardware_json, agent_name, agent_version, first_seen, last_seen, collected_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id';
const CATALOGUE =
  'INSERT INTO catalogue (kind, source, name, publisher, name_norm, publisher_norm, package_norm, vendor_id, country, origin, licence, area, first_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id';
const ALICE = 'SELECT id, username FROM users WHERE username = ?';
const USER = 'INSERT INTO users (username, password_hash, role, created_at, source, external_id) VALUES (?, ?, ?, ?, ?, ?) RETURNING id';

/**
 * Statements of the application's kind, written once for both (`?` becomes `$n` for PostgreSQL).
 * A refused insert still consumes a value of PostgreSQL's identity sequence, where SQLite gives the
 * next insert MAX(rowid) + 1 again: ids may have gaps there, so each table's refusals come after
 * the rows whose ids are compared.
 */
const STATEMENTS: [string, unknown[]][] = [
  [HOST, ['mid:abc', 'machine-id', 'PC-ACCUEIL-01', 'workstation', 'windows', 'Windows 11 Pro', '{"cpu":"x"}', 'tiebreak', '0.1.0', NOW, NOW, NOW]],
  [HOST, ['mid:def', 'machine-id', 'srv-files', 'mainframe', 'linux', 'Debian', '{}', 'tiebreak', '0.1.0', NOW, NOW, NOW]],
  [
    CATALOGUE,
    [
      'software',
      'windows',
      'Microsoft Edge',
      'Microsoft Corporation',
      'microsoft edge',
      'microsoft',
      '',
      'microsoft',
      'US',
      'non_eu',
      'proprietary',
      'browser',
      NOW,
    ],
  ],
  [
    CATALOGUE,
    [
      'software',
      'windows',
      'Microsoft Edge',
      'Microsoft Corporation',
      'microsoft edge',
      'microsoft',
      '',
      'microsoft',
      'US',
      'non_eu',
      'proprietary',
      'browser',
      NOW,
    ],
  ],
  ['INSERT INTO installations (host_id, catalogue_id, scope) VALUES (?, ?, ?)', [1, 1, 'machine']],
  ['INSERT INTO installations (host_id, catalogue_id, version, scope) VALUES (?, ?, ?, ?)', [1, 1, '120.0', 'machine']],
  ['INSERT INTO installations (host_id, catalogue_id, scope) VALUES (?, ?, ?)', [1, 99, 'machine']],
  [USER, ['Alice', 'hash', 'admin', NOW, 'local', null]],
  [USER, ['Zed', 'hash', 'viewer', NOW, 'local', null]],
  [USER, ['bob', '!', 'viewer', NOW, 'ldap', 'uid=bob,dc=test']],
  [
    'INSERT INTO users (username, password_hash, role, created_at) VALUES (?, ?, ?, ?) RETURNING id, source, must_change_password',
    ['carol', 'hash', 'viewer', NOW],
  ],
  // NOCASE folds ASCII letters only, as citext does in a database whose LC_CTYPE is C: two accounts.
  [USER, ['Émile', 'hash', 'viewer', NOW, 'local', null]],
  [USER, ['émile', 'hash', 'viewer', NOW, 'local', null]],
  [USER, ['ALICE', 'hash', 'viewer', NOW, 'local', null]],
  [USER, ['mallory', 'hash', 'root', NOW, 'local', null]],
  [USER, ['robert', '!', 'viewer', NOW, 'ldap', 'uid=bob,dc=test']],
  [ALICE, ['alice']],
  ['SELECT username FROM users ORDER BY username', []],
  ['SELECT hostname FROM hosts ORDER BY hostname', []],
  ['SELECT * FROM hosts ORDER BY id', []],
  ['SELECT * FROM catalogue ORDER BY id', []],
  ['SELECT * FROM installations ORDER BY version', []],
  ['SELECT * FROM users ORDER BY id', []],
  ['SELECT * FROM catalogue_facets ORDER BY facet, value', []],
  ['INSERT INTO criticality (scope, key, level) VALUES (?, ?, ?)', ['category', 'browser', 4]],
  ['INSERT INTO assessment_targets (indicator, year, value) VALUES (?, ?, ?) RETURNING value', ['non_eu_share', 2027, 0.25]],
  ['DELETE FROM hosts WHERE id = ?', [1]],
  ['SELECT COUNT(*) AS n FROM installations', []],
];

describe('PostgreSQL baseline (postgres/baseline.sql)', () => {
  let server: PostgresServer;
  let client: pg.Client;
  let sqlite: Database.Database;

  beforeAll(async () => {
    server = await testPostgres();
    // BIGINT as a number, as better-sqlite3 gives it (node-postgres gives a string by default).
    const types = {
      getTypeParser: ((oid: number, format?: 'text') =>
        oid === pg.types.builtins.INT8 ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    };
    client = new pg.Client({ connectionString: await server.createDatabase('baseline'), types });
    await client.connect();
    await client.query(BASELINE);
    // Then what each later migration does on PostgreSQL, as store/db.ts runs them.
    const version = Number(BASELINE.match(/schema after migration (\d+)/)?.[1]);
    for (const migration of MIGRATIONS.filter((m) => m.version > version)) await client.query(migration.postgres ?? '');
    sqlite = openSqliteFile(':memory:');
  });

  afterAll(async () => {
    sqlite?.close();
    await client?.end();
    await server?.stop();
  });

  it('is the schema of the migration store/db.ts starts PostgreSQL from, and every later migration has its PostgreSQL SQL', () => {
    expect(Number(BASELINE.match(/schema after migration (\d+)/)?.[1])).toBe(POSTGRES_BASELINE_VERSION);
    const without = MIGRATIONS.filter((m) => m.version > POSTGRES_BASELINE_VERSION && m.postgres === undefined).map((m) => `${m.version} ${m.name}`);
    expect(without).toEqual([]);
  });

  it('has the tables, columns, keys, checks, indexes and views the SQLite migrations make', async () => {
    const expected = sqliteSchema(sqlite);
    const actual = await postgresSchema(client);
    // One comparison per part, so that a failure's diff is about one table.
    expect(Object.keys(actual.tables)).toEqual(Object.keys(expected.tables));
    for (const [name, table] of Object.entries(expected.tables)) expect({ [name]: actual.tables[name] }).toEqual({ [name]: table });
    expect(actual.indexes).toEqual(expected.indexes);
    expect(actual.views).toEqual(expected.views);
  });

  it('gives the same rows, defaults and refusals for the same statements', async () => {
    const expected: [string, Outcome][] = STATEMENTS.map(([sql, params]) => [sql, inSqlite(sqlite, sql, params)]);
    const actual: [string, Outcome][] = [];
    for (const [sql, params] of STATEMENTS) actual.push([sql, await inPostgres(client, sql, params)]);
    expect(actual).toEqual(expected);
    // The statements reach what they are meant to: a refusal of each kind, case-insensitive names.
    expect(expected.flatMap(([, o]) => ('refused' in o ? [o.refused] : []))).toEqual(['check', 'unique', 'foreign key', 'unique', 'check', 'unique', 'check']);
    expect(expected.find(([sql]) => sql === ALICE)?.[1]).toEqual({ rows: [{ id: 1, username: 'Alice' }] });
  });
});
