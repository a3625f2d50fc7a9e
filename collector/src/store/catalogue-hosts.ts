// The hosts of each catalogue entry, with how many of them have each version: for drill-downs
// ("which hosts run this?", "which versions?") and exact host counts. Ingest does not write it:
// storing a host's installations (host_installations) queues the host, with what the sets showed
// of it until then (triggers of migration 10), and the queue is applied later in bulk, a second
// after new data and always before anything here is read. A batch of hosts then rewrites each
// entry's set once, instead of writing one index row per installation.
import type { Db } from './db.ts';
import { compareText, parseInstallations, type InstallationRow } from './host-installations.ts';
import { applyChanges, blockOf, BLOCK_SIZE, offsetOf, offsets, size, union, type HostChange } from './host-set.ts';

const CHUNK = 2_000;

const statements = new WeakMap<Db, ReturnType<typeof prepare>>();

function prepare(db: Db) {
  db.function('host_set_union', { deterministic: true }, (a, b) => union(a as Uint8Array, b as Uint8Array));
  db.function('host_set_size', { deterministic: true }, (a) => size(a as Uint8Array));
  db.function('version_counts_sum', { deterministic: true }, (a, b) => JSON.stringify(addCounts(JSON.parse(a as string), JSON.parse(b as string))));
  return {
    queued: db.prepare(`SELECT q.host_id, q.shown, hi.installations AS current
      FROM catalogue_hosts_queue q LEFT JOIN host_installations hi ON hi.host_id = q.host_id ORDER BY q.host_id LIMIT ?`),
    anyQueued: db.prepare('SELECT 1 FROM catalogue_hosts_queue LIMIT 1').pluck(),
    done: db.prepare('DELETE FROM catalogue_hosts_queue WHERE host_id <= ?'),
    entry: db.prepare('SELECT members, versions FROM catalogue_hosts WHERE catalogue_id = ? AND block = ?'),
    store: db.prepare(`INSERT INTO catalogue_hosts (catalogue_id, block, hosts, members, versions) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (catalogue_id, block) DO UPDATE SET hosts = excluded.hosts, members = excluded.members, versions = excluded.versions`),
    add: db.prepare(`INSERT INTO catalogue_hosts (catalogue_id, block, hosts, members, versions) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (catalogue_id, block) DO UPDATE SET members = host_set_union(members, excluded.members),
        hosts = host_set_size(host_set_union(members, excluded.members)), versions = version_counts_sum(versions, excluded.versions)`),
    drop: db.prepare('DELETE FROM catalogue_hosts WHERE catalogue_id = ? AND block = ?'),
    sets: db.prepare('SELECT block, members FROM catalogue_hosts WHERE catalogue_id IN (SELECT value FROM json_each(?))'),
    versions: db.prepare('SELECT versions FROM catalogue_hosts WHERE catalogue_id = ?').pluck(),
    installationsOf: db.prepare('SELECT host_id, installations FROM host_installations WHERE host_id IN (SELECT value FROM json_each(?))'),
  };
}

function stmts(db: Db) {
  let s = statements.get(db);
  if (!s) statements.set(db, (s = prepare(db)));
  return s;
}

type VersionCounts = Record<string, number>;

function addCounts(a: VersionCounts, b: VersionCounts): VersionCounts {
  for (const [version, n] of Object.entries(b)) {
    const total = (a[version] ?? 0) + n;
    if (total) a[version] = total;
    else delete a[version];
  }
  return a;
}

/** What changes for one entry in one block: hosts in or out, host counts by version. */
interface EntryChange {
  catalogueId: number;
  block: number;
  hosts: HostChange[];
  onlyAdded: boolean;
  versions: VersionCounts;
}

/** Each entry of a host's installations with its distinct versions. */
function versionsByEntry(rows: readonly InstallationRow[]): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const [id, version] of rows) {
    const versions = out.get(id);
    if (!versions) out.set(id, [version]);
    else if (versions.at(-1) !== version) versions.push(version); // rows are sorted by entry, then version
  }
  return out;
}

class Changes {
  readonly entries = new Map<number, EntryChange>();
  private entry(catalogueId: number, hostId: number): EntryChange {
    const block = blockOf(hostId);
    const key = catalogueId * BLOCK_SIZE + block;
    let change = this.entries.get(key);
    if (!change) this.entries.set(key, (change = { catalogueId, block, hosts: [], onlyAdded: true, versions: {} }));
    return change;
  }
  version(catalogueId: number, hostId: number, version: string, delta: number) {
    const versions = this.entry(catalogueId, hostId).versions;
    versions[version] = (versions[version] ?? 0) + delta;
  }
  host(catalogueId: number, hostId: number, present: boolean) {
    const change = this.entry(catalogueId, hostId);
    change.hosts.push([offsetOf(hostId), present]);
    if (!present) change.onlyAdded = false;
  }
  /** The sets showed `shown` of this host; they must show `current`. */
  hostMoved(hostId: number, shown: readonly InstallationRow[], current: readonly InstallationRow[]) {
    if (!shown.length) {
      // A new host (the common case of a bulk load): rows are sorted by entry, then version.
      current.forEach(([id, version], i) => {
        const previous = current[i - 1];
        if (previous?.[0] !== id) this.host(id, hostId, true);
        if (previous?.[0] !== id || previous[1] !== version) this.version(id, hostId, version, 1);
      });
      return;
    }
    const before = versionsByEntry(shown);
    const after = versionsByEntry(current);
    for (const [id, versions] of after) {
      const old = before.get(id);
      if (!old) this.host(id, hostId, true);
      for (const version of versions) if (!old?.includes(version)) this.version(id, hostId, version, 1);
      if (old) for (const version of old) if (!versions.includes(version)) this.version(id, hostId, version, -1);
    }
    for (const [id, versions] of before) {
      if (after.has(id)) continue;
      this.host(id, hostId, false);
      for (const version of versions) this.version(id, hostId, version, -1);
    }
  }
}

/**
 * Apply the queue, up to `maxHosts` hosts of it (all by default), each chunk in its own
 * transaction. Returns whether hosts remain queued.
 */
export function catchUp(db: Db, maxHosts = Infinity): boolean {
  const s = stmts(db);
  const applyChunk = db.transaction((limit: number) => {
    const rows = s.queued.all(limit) as { host_id: number; shown: string | null; current: string | null }[];
    if (!rows.length) return 0;
    const changes = new Changes();
    for (const row of rows) changes.hostMoved(row.host_id, parseInstallations(row.shown), parseInstallations(row.current));
    for (const { catalogueId, block, hosts, onlyAdded, versions } of changes.entries.values()) {
      if (!hosts.length && Object.values(versions).every((n) => n === 0)) continue;
      if (onlyAdded) {
        // New hosts, mostly: one statement, merged with the stored set if there is one.
        const added = applyChanges(null, hosts);
        if (added) {
          s.add.run(catalogueId, block, size(added), added, JSON.stringify(versions));
          continue;
        }
      }
      const stored = s.entry.get(catalogueId, block) as { members: Uint8Array; versions: string } | undefined;
      const members = applyChanges(stored?.members ?? null, hosts);
      if (members) s.store.run(catalogueId, block, size(members), members, JSON.stringify(addCounts(JSON.parse(stored?.versions ?? '{}'), versions)));
      else s.drop.run(catalogueId, block);
    }
    s.done.run(rows.at(-1)!.host_id);
    return rows.length;
  });
  let budget = maxHosts;
  while (budget > 0) {
    // IMMEDIATE: another process (a CLI report) may be catching up at the same time.
    const applied = applyChunk.immediate(Math.min(CHUNK, budget));
    if (!applied) return false;
    budget -= applied;
  }
  return s.anyQueued.get() !== undefined;
}

/** The hosts that have any of these catalogue entries. */
export function hostsOf(db: Db, catalogueIds: readonly number[]): number[] {
  catchUp(db);
  const hosts = new Set<number>();
  for (const { block, members } of stmts(db).sets.all(JSON.stringify(catalogueIds)) as { block: number; members: Uint8Array }[]) {
    for (const offset of offsets(members)) hosts.add(block * BLOCK_SIZE + offset);
  }
  return [...hosts].sort((a, b) => a - b);
}

/** How many distinct hosts have any of these catalogue entries. */
export function countHosts(db: Db, catalogueIds: readonly number[]): number {
  return hostsOf(db, catalogueIds).length;
}

/** The most common versions of a catalogue entry, with their host counts. */
export function versionCounts(db: Db, catalogueId: number, limit = 20): { version: string; hosts: number }[] {
  catchUp(db);
  const counts: VersionCounts = {};
  for (const text of stmts(db).versions.all(catalogueId) as string[]) addCounts(counts, JSON.parse(text));
  return Object.entries(counts)
    .map(([version, hosts]) => ({ version, hosts }))
    .sort((a, b) => b.hosts - a.hosts || compareText(a.version, b.version))
    .slice(0, limit);
}

/** The versions of a catalogue entry on each of these hosts. */
export function versionsOn(db: Db, catalogueId: number, hostIds: readonly number[]): Map<number, string[]> {
  const rows = stmts(db).installationsOf.all(JSON.stringify(hostIds)) as { host_id: number; installations: string }[];
  return new Map(rows.map((r) => [r.host_id, versionsByEntry(parseInstallations(r.installations)).get(catalogueId) ?? []]));
}
