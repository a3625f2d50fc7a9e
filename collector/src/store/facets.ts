// A host's facets (the map's cell, origin, licence, vendor, countries) are those of the catalogue
// entries it has; the map counts hosts per facet. host_facets and facet_counts follow each ingest
// (store/installations.ts), and are rebuilt here when the classification changes widely.
import { confidencesFrom, MIN_CONFIDENCES, type Confidence, type MinConfidence } from '../classify/evidence.ts';
import { rows, sql, type Db } from './db.ts';
import { chunks, compareText, type InstallationRow } from './installations.ts';

/** The classification columns of a catalogue entry that the map and the facets read. */
export interface CatalogueFacts {
  area: string | null;
  origin: string;
  vendor_id: string | null;
  country: string | null;
  owner_country: string | null;
  licence: string;
  platform: number;
  /** The classification's confidence (null for an unrecognised entry). */
  confidence: string | null;
}

/** The facets the map counts hosts by. */
export const MAP_FACETS = ['cell', 'origin', 'licence', 'vendor', 'country', 'owner_country'] as const;

/**
 * The name of a map facet counted with only the evidence of at least `confidence` (`cell@high`):
 * an entry below it gives its hosts the facets of an unrecognised one.
 */
export const facetAt = (facet: string, confidence: MinConfidence | undefined) => (confidence ? `${facet}@${confidence}` : facet);

/** The map's facets of an entry: the host shares by cell and origin leave drivers and runtimes out, as the method's (docs/methodology.md). */
function mapFacets(facts: CatalogueFacts, suffix: string, out: string[]): void {
  if (!facts.platform) out.push(`cell${suffix}\u0000${facts.area ?? 'unknown'}|${facts.origin}`, `origin${suffix}\u0000${facts.origin}`);
  out.push(`licence${suffix}\u0000${facts.licence}`);
  if (facts.vendor_id) out.push(`vendor${suffix}\u0000${facts.vendor_id}`);
  const country = facts.owner_country ?? facts.country;
  if (facts.country) out.push(`country${suffix}\u0000${facts.country}`);
  // A community project has no controlling company: no country of control (its author's is not one).
  if (country && facts.origin !== 'community') out.push(`owner_country${suffix}\u0000${country}`);
}

/**
 * The facets a catalogue entry gives each host it is installed on, as `facet\0value`; the view
 * catalogue_facets (migration 26) says the same in SQL.
 */
export function facetsOf(facts: CatalogueFacts): string[] {
  const facets: string[] = [];
  mapFacets(facts, '', facets);
  // The same counted with only the evidence of at least each level (the map's confidence filter).
  for (const level of MIN_CONFIDENCES) {
    const trusted = facts.origin !== 'unknown' && confidencesFrom(level).includes(facts.confidence as Confidence);
    const seen = trusted ? facts : { ...facts, origin: 'unknown', vendor_id: null, country: null, owner_country: null, licence: 'unknown' };
    mapFacets(seen, `@${level}`, facets);
  }
  // The assessment's hosts of an area (any origin, drivers and runtimes out); by origin it reads the map's.
  if (!facts.platform && facts.area) facets.push(`assessed_area\u0000${facts.area}`);
  return facets;
}

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
  /** Reads the entries not known yet, all at once (through `db`: a transaction sees its own new entries). */
  private async load(db: Db, ids: readonly number[]): Promise<void> {
    let missing = ids.filter((id) => !this.byId.has(id));
    if (!missing.length) return;
    if (this.byId.size + missing.length > FACTS_CACHE_LIMIT) {
      this.byId.clear();
      missing = [...ids];
    }
    for (const part of chunks(missing)) {
      const found = await rows<CatalogueFacts & { id: number }>(
        db,
        sql`SELECT id, area, origin, vendor_id, country, owner_country, licence, platform, confidence FROM catalogue WHERE id IN (${sql.join(part)})`,
      );
      for (const row of found) {
        const facets = facetsOf(row);
        const key = facets.join('\u0001');
        let list = this.lists.get(key);
        if (!list) this.lists.set(key, (list = facets));
        this.byId.set(row.id, list);
      }
    }
    for (const id of missing) if (!this.byId.has(id)) throw new Error(`catalogue entry ${id} not found`);
  }
  /** The facets of a host that has these installations. */
  async ofHost(db: Db, installed: readonly InstallationRow[]): Promise<Set<string>> {
    const ids: number[] = [];
    for (const [id] of installed) if (id !== ids[ids.length - 1]) ids.push(id); // rows are sorted by entry
    await this.load(db, ids);
    const lists = new Set<string[]>();
    for (const id of ids) lists.add(this.byId.get(id)!);
    const facets = new Set<string>();
    for (const list of lists) for (const facet of list) facets.add(facet);
    return facets;
  }
}

/**
 * Changes of hosts' facets, written host by host, with the host counts per facet summed and written
 * once (by `flush`, before the transaction ends).
 */
export class FacetChanges {
  private readonly counts = new Map<string, number>();
  /** Take over the summed counts of another (the changes of an inventory whose savepoint was kept). */
  addAll(other: FacetChanges): void {
    for (const [facet, n] of other.counts) this.counts.set(facet, (this.counts.get(facet) ?? 0) + n);
    other.counts.clear();
  }
  /** A host's facets go from `before` to `after`. */
  async move(db: Db, hostId: number, before: ReadonlySet<string>, after: ReadonlySet<string>): Promise<void> {
    const added = [...after].filter((facet) => !before.has(facet));
    const removed = [...before].filter((facet) => !after.has(facet));
    for (const facet of added) this.counts.set(facet, (this.counts.get(facet) ?? 0) + 1);
    for (const facet of removed) this.counts.set(facet, (this.counts.get(facet) ?? 0) - 1);
    for (const part of chunks(removed)) {
      const list = sql.join(part.map((facet) => sql`(${facetName(facet)}, ${facetValue(facet)})`));
      await sql`DELETE FROM host_facets WHERE host_id = ${hostId} AND (facet, value) IN (VALUES ${list})`.execute(db);
    }
    for (const part of chunks(added)) {
      const list = sql.join(part.map((facet) => sql`(${hostId}, ${facetName(facet)}, ${facetValue(facet)})`));
      await sql`INSERT INTO host_facets (host_id, facet, value) VALUES ${list}`.execute(db);
    }
  }
  /**
   * Adds the summed host counts, as increments (other transactions may count the same facets at
   * once), in the order of the facets: concurrent transactions lock the rows in one order.
   */
  async flush(db: Db): Promise<void> {
    const changed = [...this.counts].filter(([, hosts]) => hosts).sort(([a], [b]) => compareText(a, b));
    this.counts.clear();
    for (const part of chunks(changed)) {
      const list = sql.join(part.map(([facet, hosts]) => sql`(${facetName(facet)}, ${facetValue(facet)}, ${hosts})`));
      await sql`INSERT INTO facet_counts (facet, value, hosts) VALUES ${list}
        ON CONFLICT (facet, value) DO UPDATE SET hosts = facet_counts.hosts + excluded.hosts`.execute(db);
    }
  }
}

const facetName = (facet: string) => facet.slice(0, facet.indexOf('\u0000'));
const facetValue = (facet: string) => facet.slice(facet.indexOf('\u0000') + 1);

/** The facets a host has stored. */
export async function storedFacets(db: Db, hostId: number): Promise<Set<string>> {
  const stored = await rows<{ facet: string; value: string }>(db, sql`SELECT facet, value FROM host_facets WHERE host_id = ${hostId}`);
  return new Set(stored.map(({ facet, value }) => `${facet}\u0000${value}`));
}

/** Every host's facets and the counts rebuilt from the installations, in SQL (the classification changed widely). */
export async function rebuildFacets(db: Db): Promise<void> {
  await sql`DELETE FROM host_facets`.execute(db);
  await sql`DELETE FROM facet_counts`.execute(db);
  await sql`INSERT INTO host_facets (host_id, facet, value)
    SELECT DISTINCT i.host_id, f.facet, f.value FROM installations i JOIN catalogue_facets f ON f.catalogue_id = i.catalogue_id`.execute(db);
  await sql`INSERT INTO facet_counts (facet, value, hosts) SELECT facet, value, COUNT(*) FROM host_facets GROUP BY facet, value`.execute(db);
}
