// What is derived from the installations, brought up to date in bulk: each catalogue entry's hosts
// (catalogue_hosts: host sets, host counts by version), its installation and host counters
// (catalogue.installs, catalogue.hosts), each host's facets and the host count of each facet
// (host_facets, facet_counts). Ingest writes none of it: storing a host's installations queues the
// host, with what the derived state showed of it until then (triggers of migration 10). The queue
// is applied here a second after new data, and always before any of it is read: every reader calls
// `catchUp` first. A chunk of hosts then writes each entry's set and counters once, instead of
// hundreds of scattered rows per inventory.
import { getMeta, type Db } from './db.ts';
import { EntryFacets, FacetChanges, RULES_META_KEY } from './facets.ts';
import { compareRows, distinctVersions, endOfEntry, parseInstallations, type InstallationRow } from './host-installations.ts';
import { applyChanges, blockOf, encode, offsetOf, size, union, type HostChange } from './host-set.ts';

/**
 * Hosts applied per transaction. Each chunk writes every entry its hosts touch once, and a fleet's
 * long tail of rare items makes that a large part of the cost: smaller chunks cost more per host
 * (BENCHMARKS.md, ingest, steps of 500 against 2,000).
 */
export const CHUNK_HOSTS = 2_000;

const statements = new WeakMap<Db, ReturnType<typeof prepare>>();
const facetCaches = new WeakMap<Db, { rules: string | undefined; facets: EntryFacets }>();

/** The facets of catalogue entries, kept from one chunk to the next while the classification stays the same. */
function facetsFor(db: Db): EntryFacets {
  const rules = getMeta(db, RULES_META_KEY);
  let cache = facetCaches.get(db);
  if (!cache || cache.rules !== rules) facetCaches.set(db, (cache = { rules, facets: new EntryFacets(db) }));
  return cache.facets;
}

function prepare(db: Db) {
  return {
    queued: db.prepare(`SELECT q.host_id, q.shown, hi.installations AS current
      FROM catalogue_hosts_queue q LEFT JOIN host_installations hi ON hi.host_id = q.host_id ORDER BY q.host_id LIMIT ?`),
    anyQueued: db.prepare('SELECT 1 FROM catalogue_hosts_queue LIMIT 1').pluck(),
    done: db.prepare('DELETE FROM catalogue_hosts_queue WHERE host_id <= ?'),
    entry: db.prepare('SELECT members, versions FROM catalogue_hosts WHERE catalogue_id = ? AND block = ?'),
    insert: db.prepare('INSERT INTO catalogue_hosts (catalogue_id, block, hosts, members, versions) VALUES (?, ?, ?, ?, ?)'),
    update: db.prepare('UPDATE catalogue_hosts SET hosts = ?, members = ?, versions = ? WHERE catalogue_id = ? AND block = ?'),
    drop: db.prepare('DELETE FROM catalogue_hosts WHERE catalogue_id = ? AND block = ?'),
    count: db.prepare('UPDATE catalogue SET installs = installs + ?, hosts = hosts + ? WHERE id = ?'),
  };
}

function stmts(db: Db) {
  let s = statements.get(db);
  if (!s) statements.set(db, (s = prepare(db)));
  return s;
}

export type VersionCounts = Record<string, number>;

/** `b`'s host counts by version added to `a`'s (versions left with none dropped). */
export function addCounts(a: VersionCounts, b: VersionCounts): VersionCounts {
  for (const [version, n] of Object.entries(b)) {
    const total = (a[version] ?? 0) + n;
    if (total) a[version] = total;
    else delete a[version];
  }
  return a;
}

/** What changes for one entry in one block: hosts in or out, host counts by version, counters. */
interface EntryChange {
  catalogueId: number;
  block: number;
  hosts: HostChange[];
  onlyAdded: boolean;
  versions: VersionCounts;
  /** Installations and hosts gained (or lost, negative). */
  installs: number;
  hostCount: number;
}

/** The changes of a chunk of queued hosts, summed per entry and block before they are written. */
class Changes {
  private readonly byBlock = new Map<number, Map<number, EntryChange>>();
  *entries(): IterableIterator<EntryChange> {
    for (const changes of this.byBlock.values()) yield* changes.values();
  }
  /** The changes of one block, by entry (blocks apart: keys stay small integers, fast to look up). */
  private block(block: number): Map<number, EntryChange> {
    let changes = this.byBlock.get(block);
    if (!changes) this.byBlock.set(block, (changes = new Map()));
    return changes;
  }
  private entry(changes: Map<number, EntryChange>, catalogueId: number, block: number): EntryChange {
    let change = changes.get(catalogueId);
    if (!change) changes.set(catalogueId, (change = { catalogueId, block, hosts: [], onlyAdded: true, versions: {}, installs: 0, hostCount: 0 }));
    return change;
  }
  /**
   * The derived state showed `shown` of this host; it must show `current`. Returns whether the
   * host gained or lost an entry (else its facets stay as they are).
   */
  hostMoved(hostId: number, shown: readonly InstallationRow[], current: readonly InstallationRow[]): boolean {
    const block = blockOf(hostId);
    const offset = offsetOf(hostId);
    const changes = this.block(block);
    if (!shown.length) {
      // A new host (the common case of a bulk load): rows are sorted by entry, then version.
      for (let i = 0; i < current.length; ) {
        const id = current[i]![0];
        const change = this.entry(changes, id, block);
        change.hosts.push([offset, true]);
        change.hostCount++;
        let previous: string | undefined;
        for (; i < current.length && current[i]![0] === id; i++) {
          const version = current[i]![1];
          change.installs++;
          if (version !== previous) change.versions[version] = (change.versions[version] ?? 0) + 1;
          previous = version;
        }
      }
      return current.length > 0;
    }
    // A rescan: both lists sorted by entry, walked side by side; entries whose rows are the same
    // (most of them) are passed over.
    let entriesChanged = false;
    for (let i = 0, j = 0; i < shown.length || j < current.length; ) {
      const id = Math.min(shown[i]?.[0] ?? Infinity, current[j]?.[0] ?? Infinity);
      const oldEnd = endOfEntry(shown, i, id);
      const newEnd = endOfEntry(current, j, id);
      if (!sameRows(shown, i, oldEnd, current, j, newEnd)) {
        const change = this.entry(changes, id, block);
        const before = distinctVersions(shown, i, oldEnd);
        const after = distinctVersions(current, j, newEnd);
        for (const version of after) if (!before.includes(version)) change.versions[version] = (change.versions[version] ?? 0) + 1;
        for (const version of before) if (!after.includes(version)) change.versions[version] = (change.versions[version] ?? 0) - 1;
        change.installs += newEnd - j - (oldEnd - i);
        if (oldEnd === i || newEnd === j) {
          const present = newEnd > j;
          change.hosts.push([offset, present]);
          change.hostCount += present ? 1 : -1;
          if (!present) change.onlyAdded = false;
          entriesChanged = true;
        }
      }
      i = oldEnd;
      j = newEnd;
    }
    return entriesChanged;
  }
}

/** Whether a[i..iEnd) and b[j..jEnd) hold the same rows. */
function sameRows(a: readonly InstallationRow[], i: number, iEnd: number, b: readonly InstallationRow[], j: number, jEnd: number): boolean {
  if (iEnd - i !== jEnd - j) return false;
  for (let k = 0; k < iEnd - i; k++) if (compareRows(a[i + k]!, b[j + k]!) !== 0) return false;
  return true;
}

/**
 * Apply the queue, up to `maxHosts` hosts of it (all by default), each chunk in its own
 * transaction. Returns whether hosts remain queued.
 */
export function catchUp(db: Db, maxHosts = Infinity): boolean {
  const s = stmts(db);
  // Nothing queued (most reads): no transaction, no write lock.
  if (s.anyQueued.get() === undefined) return false;
  const applyChunk = db.transaction((limit: number) => {
    const rows = (s.queued.all(limit) as { host_id: number; shown: string | null; current: string | null }[]).map((row) => ({
      hostId: row.host_id,
      shown: parseInstallations(row.shown),
      current: parseInstallations(row.current),
    }));
    if (!rows.length) return 0;
    const changes = new Changes();
    const entryFacets = facetsFor(db);
    const facetChanges = new FacetChanges(db);
    for (const { hostId, shown, current } of rows) {
      if (changes.hostMoved(hostId, shown, current)) facetChanges.move(hostId, entryFacets.ofHost(shown), entryFacets.ofHost(current));
    }
    for (const change of changes.entries()) {
      const { catalogueId, block, hosts, onlyAdded, versions, installs, hostCount } = change;
      if (installs || hostCount) s.count.run(installs, hostCount, catalogueId);
      if (!hosts.length && Object.values(versions).every((n) => n === 0)) continue;
      const stored = s.entry.get(catalogueId, block) as { members: Uint8Array; versions: string } | undefined;
      // Hosts only added (new hosts, mostly) come in ascending order: the queue is read by host id.
      const members = !hosts.length
        ? (stored?.members ?? null) // versions changed only
        : onlyAdded
          ? union(stored?.members ?? null, encode(hosts.map(([offset]) => offset))!)
          : applyChanges(stored?.members ?? null, hosts);
      const counts = JSON.stringify(stored ? addCounts(JSON.parse(stored.versions), versions) : versions);
      if (!members) s.drop.run(catalogueId, block);
      else if (stored) s.update.run(size(members), members, counts, catalogueId, block);
      else s.insert.run(catalogueId, block, size(members), members, counts);
    }
    facetChanges.flush();
    s.done.run(rows.at(-1)!.hostId);
    return rows.length;
  });
  let budget = maxHosts;
  while (budget > 0) {
    // IMMEDIATE: another process (a CLI report) may be catching up at the same time.
    const applied = applyChunk.immediate(Math.min(CHUNK_HOSTS, budget));
    if (!applied) return false;
    budget -= applied;
  }
  return s.anyQueued.get() !== undefined;
}
