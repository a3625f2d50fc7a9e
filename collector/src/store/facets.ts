// A host's facets (the map's cell, origin, licence, vendor, countries) are those of the catalogue
// entries it has; the map counts hosts per facet. host_facets and facet_counts follow each ingest
// (store/installations.ts), and are rebuilt here when the classification changes widely.
import type { Db } from './db.ts';
import type { InstallationRow } from './installations.ts';

/** The classification columns of a catalogue entry that the map and the facets read. */
export interface CatalogueFacts {
  area: string | null;
  origin: string;
  vendor_id: string | null;
  country: string | null;
  owner_country: string | null;
  licence: string;
  platform: number;
}

/**
 * The facets a catalogue entry gives each host it is installed on, as `facet\0value`; the view
 * catalogue_facets (migration 17) says the same in SQL.
 */
export function facetsOf(facts: CatalogueFacts): string[] {
  const facets = [`cell\u0000${facts.area ?? 'unknown'}|${facts.origin}`, `origin\u0000${facts.origin}`, `licence\u0000${facts.licence}`];
  if (facts.vendor_id) facets.push(`vendor\u0000${facts.vendor_id}`);
  const country = facts.owner_country ?? facts.country;
  if (facts.country) facets.push(`country\u0000${facts.country}`);
  if (country) facets.push(`owner_country\u0000${country}`);
  // The assessment's host shares: every item but drivers and runtimes (platform items).
  if (!facts.platform) {
    facets.push(`assessed_origin\u0000${facts.origin}`);
    if (facts.area) facets.push(`assessed_area\u0000${facts.area}`, `assessed_cell\u0000${facts.area}|${facts.origin}`);
  }
  return facets;
}

const FACTS_COLUMNS = 'id, area, origin, vendor_id, country, owner_country, licence, platform';

/** Meta key of the fingerprint of the rules the catalogue is classified with (set by reclassification). */
export const RULES_META_KEY = 'rules_fingerprint';

const FACTS_CACHE_LIMIT = 500_000;

/**
 * The facets of catalogue entries, read from the catalogue when first asked for. Entries share a
 * few distinct lists, kept as one array each, so a host's facets are the union of a few arrays.
 * Valid while the catalogue keeps its classification (see `RULES_META_KEY`).
 */
export class EntryFacets {
  private readonly byId = new Map<number, string[]>();
  private readonly lists = new Map<string, string[]>();
  private readonly read;
  constructor(db: Db) {
    this.read = db.prepare(`SELECT ${FACTS_COLUMNS} FROM catalogue WHERE id = ?`);
  }
  private of(id: number): string[] {
    let list = this.byId.get(id);
    if (list) return list;
    const row = this.read.get(id) as CatalogueFacts | undefined;
    if (!row) throw new Error(`catalogue entry ${id} not found`);
    const facets = facetsOf(row);
    const key = facets.join('\u0001');
    list = this.lists.get(key);
    if (!list) this.lists.set(key, (list = facets));
    if (this.byId.size >= FACTS_CACHE_LIMIT) this.byId.clear();
    this.byId.set(id, list);
    return list;
  }
  /** The facets of a host that has these installations. */
  ofHost(rows: readonly InstallationRow[]): Set<string> {
    const lists = new Set<string[]>();
    let previous: number | undefined;
    for (const [id] of rows) {
      if (id === previous) continue; // rows are sorted by entry
      previous = id;
      lists.add(this.of(id));
    }
    const facets = new Set<string>();
    for (const list of lists) for (const facet of list) facets.add(facet);
    return facets;
  }
}

const facetStatements = new WeakMap<Db, ReturnType<typeof prepareFacets>>();

function prepareFacets(db: Db) {
  return {
    add: db.prepare('INSERT INTO host_facets (host_id, facet, value) VALUES (?, ?, ?)'),
    remove: db.prepare('DELETE FROM host_facets WHERE host_id = ? AND facet = ? AND value = ?'),
    count: db.prepare(
      'INSERT INTO facet_counts (facet, value, hosts) VALUES (?, ?, ?) ON CONFLICT (facet, value) DO UPDATE SET hosts = hosts + excluded.hosts',
    ),
    stored: db.prepare('SELECT facet, value FROM host_facets WHERE host_id = ?').raw(),
  };
}

function facetStmts(db: Db) {
  let s = facetStatements.get(db);
  if (!s) facetStatements.set(db, (s = prepareFacets(db)));
  return s;
}

/**
 * Changes of hosts' facets, written row by row, with the host counts per facet summed and written
 * once (by `flush`, before the transaction ends).
 */
export class FacetChanges {
  private readonly counts = new Map<string, number>();
  private readonly stmt;
  constructor(db: Db) {
    this.stmt = facetStmts(db);
  }
  /** Take over the summed counts of another (the changes of an inventory whose savepoint was kept). */
  addAll(other: FacetChanges): void {
    for (const [facet, n] of other.counts) this.counts.set(facet, (this.counts.get(facet) ?? 0) + n);
    other.counts.clear();
  }
  /** A host's facets go from `before` to `after`. */
  move(hostId: number, before: ReadonlySet<string>, after: ReadonlySet<string>): void {
    for (const facet of after) if (!before.has(facet)) this.change(hostId, facet, 1);
    for (const facet of before) if (!after.has(facet)) this.change(hostId, facet, -1);
  }
  private change(hostId: number, facet: string, delta: number): void {
    const [name, value] = facet.split('\u0000') as [string, string];
    (delta > 0 ? this.stmt.add : this.stmt.remove).run(hostId, name, value);
    this.counts.set(facet, (this.counts.get(facet) ?? 0) + delta);
  }
  /** Write the summed host counts. */
  flush(): void {
    for (const [facet, hosts] of this.counts) {
      if (!hosts) continue;
      const [name, value] = facet.split('\u0000') as [string, string];
      this.stmt.count.run(name, value, hosts);
    }
    this.counts.clear();
  }
}

/** The facets a host has stored. */
export function storedFacets(db: Db, hostId: number): Set<string> {
  const rows = facetStmts(db).stored.all(hostId) as [string, string][];
  return new Set(rows.map(([facet, value]) => `${facet}\u0000${value}`));
}

/** Every host's facets and the counts rebuilt from the installations, in SQL (the classification changed widely). */
export function rebuildFacets(db: Db): void {
  db.exec(`
    DELETE FROM host_facets;
    DELETE FROM facet_counts;
    INSERT INTO host_facets (host_id, facet, value)
      SELECT DISTINCT i.host_id, f.facet, f.value FROM installations i JOIN catalogue_facets f ON f.catalogue_id = i.catalogue_id;
    INSERT INTO facet_counts (facet, value, hosts) SELECT facet, value, COUNT(*) FROM host_facets GROUP BY facet, value;
  `);
}
