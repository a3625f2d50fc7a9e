// A host's installations, one row each in `installations`, and what the map counts from them kept
// exact in the same transaction: each catalogue entry's installation and host counters
// (catalogue.installs, catalogue.hosts), each host's facets and the host count of each facet
// (host_facets, facet_counts, store/facets.ts). A write applies what the host gained or lost (the
// counters summed over the transaction's inventories and written once before it commits); a read
// only reads.
import type { Db } from './db.ts';
import { EntryFacets, FacetChanges, storedFacets } from './facets.ts';

export type InstallationRow = [catalogueId: number, version: string, scope: string, arch: string];

/** Strings in code-unit order, the same on every machine (no locale). */
export const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export const compareRows = (a: InstallationRow, b: InstallationRow) =>
  a[0] - b[0] || compareText(a[1], b[1]) || compareText(a[2], b[2]) || compareText(a[3], b[3]);

/** Rows sorted and without duplicates (the same item reported twice is one installation). */
export function canonicalRows(rows: InstallationRow[]): InstallationRow[] {
  rows.sort(compareRows);
  return rows.filter((row, i) => i === 0 || compareRows(rows[i - 1]!, row) !== 0);
}

/** Where the rows of entry `id` that start at `from` end (`from` itself when there are none). */
function endOfEntry(rows: readonly InstallationRow[], from: number, id: number): number {
  let end = from;
  while (end < rows.length && rows[end]![0] === id) end++;
  return end;
}

const statements = new WeakMap<Db, ReturnType<typeof prepare>>();

function prepare(db: Db) {
  return {
    rowsOf: db.prepare('SELECT catalogue_id, version, scope, arch FROM installations WHERE host_id = ?').raw(),
    insert: db.prepare('INSERT INTO installations (host_id, catalogue_id, version, scope, arch) VALUES (?, ?, ?, ?, ?)'),
    remove: db.prepare('DELETE FROM installations WHERE host_id = ? AND catalogue_id = ? AND version = ? AND scope = ? AND arch = ?'),
    count: db.prepare('UPDATE catalogue SET installs = installs + ?, hosts = hosts + ? WHERE id = ?'),
    deleteHost: db.prepare('DELETE FROM hosts WHERE id = ?'),
  };
}

function stmts(db: Db) {
  let s = statements.get(db);
  if (!s) statements.set(db, (s = prepare(db)));
  return s;
}

/** A host's installations as stored, in canonical order. */
export function installationsOf(db: Db, hostId: number): InstallationRow[] {
  return (stmts(db).rowsOf.all(hostId) as InstallationRow[]).sort(compareRows);
}

/**
 * What the ingests of a transaction gained or lost, summed per catalogue entry and per facet: an
 * entry common to a batch's hosts is written once, not once per host. `write` before the commit.
 */
export class CounterChanges {
  /** Installations and hosts gained (negative: lost), by catalogue entry. */
  private readonly entries = new Map<number, [number, number]>();
  readonly facets: FacetChanges;
  constructor(private readonly db: Db) {
    this.facets = new FacetChanges(db);
  }
  entry(id: number, installs: number, hosts: number): void {
    const counts = this.entries.get(id);
    if (counts) {
      counts[0] += installs;
      counts[1] += hosts;
    } else this.entries.set(id, [installs, hosts]);
  }
  /** Take over another's changes (an inventory whose savepoint was kept). */
  addAll(other: CounterChanges): void {
    for (const [id, [installs, hosts]] of other.entries) this.entry(id, installs, hosts);
    other.entries.clear();
    this.facets.addAll(other.facets);
  }
  write(): void {
    const count = stmts(this.db).count;
    for (const [id, [installs, hosts]] of this.entries) if (installs || hosts) count.run(installs, hosts, id);
    this.entries.clear();
    this.facets.flush();
  }
}

/**
 * Replace a host's installations by `next` (canonical rows), writing only the rows that changed,
 * and add to `changes` what the host gained or lost. To be called inside the transaction that
 * writes the host, which writes `changes` before it ends. Returns whether anything changed.
 */
export function replaceInstallations(db: Db, entryFacets: EntryFacets, hostId: number, next: readonly InstallationRow[], changes: CounterChanges): boolean {
  const s = stmts(db);
  const stored = installationsOf(db, hostId);
  let changed = false;
  let entriesChanged = false;
  // Both lists sorted by entry: walked side by side, entry by entry.
  for (let i = 0, j = 0; i < stored.length || j < next.length; ) {
    const id = Math.min(stored[i]?.[0] ?? Infinity, next[j]?.[0] ?? Infinity);
    const oldEnd = endOfEntry(stored, i, id);
    const newEnd = endOfEntry(next, j, id);
    let removed = 0;
    let added = 0;
    for (let a = i, b = j; a < oldEnd || b < newEnd; ) {
      const order = a >= oldEnd ? 1 : b >= newEnd ? -1 : compareRows(stored[a]!, next[b]!);
      if (order === 0) {
        a++;
        b++;
      } else if (order < 0) {
        s.remove.run(hostId, ...stored[a++]!);
        removed++;
      } else {
        s.insert.run(hostId, ...next[b++]!);
        added++;
      }
    }
    if (removed || added) {
      changed = true;
      const hosts = oldEnd === i ? 1 : newEnd === j ? -1 : 0;
      if (hosts) entriesChanged = true;
      changes.entry(id, added - removed, hosts);
    }
    i = oldEnd;
    j = newEnd;
  }
  // Facets follow the entries a host has, not their versions.
  if (entriesChanged) changes.facets.move(hostId, storedFacets(db, hostId), entryFacets.ofHost(next));
  return changed;
}

/** Remove a host, its installations taken off the counters and facets first. */
export function deleteHost(db: Db, hostId: number): boolean {
  return db.transaction(() => {
    const changes = new CounterChanges(db);
    replaceInstallations(db, new EntryFacets(db), hostId, [], changes);
    changes.write();
    return stmts(db).deleteHost.run(hostId).changes > 0;
  })();
}

/** `?, ?, ?` for a list of values bound as parameters. */
const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');

/** Bound parameters per statement, well under SQLite's limit. */
const CHUNK = 500;

/** The hosts that have any of these catalogue entries, ascending. */
export function hostsOf(db: Db, catalogueIds: readonly number[]): number[] {
  const hosts = new Set<number>();
  for (let i = 0; i < catalogueIds.length; i += CHUNK) {
    const ids = catalogueIds.slice(i, i + CHUNK);
    const rows = db.prepare(`SELECT DISTINCT host_id FROM installations WHERE catalogue_id IN (${placeholders(ids.length)})`).pluck().all(...ids) as number[];
    for (const host of rows) hosts.add(host);
  }
  return [...hosts].sort((a, b) => a - b);
}

/** The most common versions of a catalogue entry, with their host counts. */
export function versionCounts(db: Db, catalogueId: number, limit = 20): { version: string; hosts: number }[] {
  return db
    .prepare('SELECT version, COUNT(DISTINCT host_id) AS hosts FROM installations WHERE catalogue_id = ? GROUP BY version ORDER BY hosts DESC, version LIMIT ?')
    .all(catalogueId, limit) as { version: string; hosts: number }[];
}

/** The versions of a catalogue entry on each of these hosts (at most a page of them). */
export function versionsOn(db: Db, catalogueId: number, hostIds: readonly number[]): Map<number, string[]> {
  const out = new Map<number, string[]>(hostIds.map((id) => [id, []]));
  for (let i = 0; i < hostIds.length; i += CHUNK) {
    const ids = hostIds.slice(i, i + CHUNK);
    const rows = db
      .prepare(`SELECT DISTINCT host_id, version FROM installations WHERE catalogue_id = ? AND host_id IN (${placeholders(ids.length)}) ORDER BY host_id, version`)
      .raw()
      .all(catalogueId, ...ids) as [number, string][];
    for (const [host, version] of rows) out.get(host)!.push(version);
  }
  return out;
}

const BITS_SET = Uint8Array.from({ length: 256 }, (_, byte) => {
  let n = 0;
  for (let b = byte; b; b &= b - 1) n++;
  return n;
});

/**
 * Exact host counts of groups of catalogue entries: for each label, the hosts that have at least one
 * of its entries, each host counted once. Reads the hosts of each labelled entry from the
 * installations' index.
 */
export function hostCounts(db: Db, labelsOf: ReadonlyMap<number, readonly string[]>): Map<string, number> {
  const maxHost = (db.prepare('SELECT COALESCE(MAX(id), 0) FROM hosts').pluck().get() as number) + 1;
  const bitmaps = new Map<string, Uint8Array>();
  for (const labels of labelsOf.values()) for (const label of labels) if (!bitmaps.has(label)) bitmaps.set(label, new Uint8Array(Math.ceil(maxHost / 8)));
  const hostsOfEntry = db.prepare('SELECT host_id FROM installations WHERE catalogue_id = ?').pluck();
  for (const [id, labels] of labelsOf) {
    if (!labels.length) continue;
    const targets = labels.map((label) => bitmaps.get(label)!);
    for (const host of hostsOfEntry.iterate(id) as Iterable<number>) for (const bits of targets) bits[host >> 3]! |= 1 << (host & 7);
  }
  const counts = new Map<string, number>();
  for (const [label, bits] of bitmaps) {
    let n = 0;
    for (let i = 0; i < bits.length; i++) n += BITS_SET[bits[i]!]!;
    counts.set(label, n);
  }
  return counts;
}
