// A host's installations, one row each in `installations`, and what the map counts from them kept
// exact in the same transaction: each catalogue entry's installation and host counters
// (catalogue.installs, catalogue.hosts), each host's facets and the host count of each facet
// (host_facets, facet_counts, store/facets.ts). A write applies what the host gained or lost (the
// counters summed over the transaction's inventories and written once before it commits); a read
// only reads.
import { bumpDataVersion, rows, run, sql, transaction, value, values, type Db } from './db.ts';
import { lockRowsInOrder, retryOnConflict } from './dialect.ts';
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

/** Rows per multi-row statement: a few thousand parameters, well under both engines' limits. */
export const ROWS_PER_STATEMENT = 500;

/** `list` in slices of at most `size`. */
export function chunks<T>(list: readonly T[], size = ROWS_PER_STATEMENT): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/** A host's installations as stored, in canonical order. */
export async function installationsOf(db: Db, hostId: number): Promise<InstallationRow[]> {
  const stored = await rows<{ catalogue_id: number; version: string; scope: string; arch: string }>(
    db,
    sql`SELECT catalogue_id, version, scope, arch FROM installations WHERE host_id = ${hostId}`,
  );
  return stored.map((r): InstallationRow => [r.catalogue_id, r.version, r.scope, r.arch]).sort(compareRows);
}

/**
 * What the ingests of a transaction gained or lost, summed per catalogue entry and per facet: an
 * entry common to a batch's hosts is written once, not once per host. `write` before the commit.
 */
export class CounterChanges {
  /** Installations and hosts gained (negative: lost), by catalogue entry. */
  private readonly entries = new Map<number, [number, number]>();
  readonly facets = new FacetChanges();
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
  /**
   * Adds the summed changes to the counters, as increments: other transactions may be adding to
   * the same entries at once (several collectors on one PostgreSQL). The rows are locked in id
   * order first, so two transactions never wait for each other's rows in opposite orders.
   */
  async write(db: Db): Promise<void> {
    const changed = [...this.entries].filter(([, [installs, hosts]]) => installs || hosts).sort((a, b) => a[0] - b[0]);
    this.entries.clear();
    for (const part of chunks(changed)) {
      await lockRowsInOrder(
        db,
        'catalogue',
        part.map(([id]) => id),
      );
      const list = sql.join(part.map(([id, [installs, hosts]]) => sql`(CAST(${id} AS BIGINT), CAST(${installs} AS BIGINT), CAST(${hosts} AS BIGINT))`));
      // A CTE names the VALUES' columns on both engines (SQLite has no column list on a derived table).
      await sql`WITH d (id, installs, hosts) AS (VALUES ${list})
        UPDATE catalogue SET installs = catalogue.installs + d.installs, hosts = catalogue.hosts + d.hosts FROM d WHERE catalogue.id = d.id`.execute(db);
    }
    await this.facets.flush(db);
  }
}

/**
 * Replace a host's installations by `next` (canonical rows), writing only the rows that changed,
 * and add to `changes` what the host gained or lost. To be called inside the transaction that
 * writes the host, which writes `changes` before it ends. `stored` are the host's rows as they are
 * (read here when not given: a new host has none). Returns whether anything changed.
 */
export async function replaceInstallations(
  db: Db,
  entryFacets: EntryFacets,
  hostId: number,
  next: readonly InstallationRow[],
  changes: CounterChanges,
  stored?: readonly InstallationRow[],
): Promise<boolean> {
  stored ??= await installationsOf(db, hostId);
  const removed: InstallationRow[] = [];
  const added: InstallationRow[] = [];
  let entriesChanged = false;
  // Both lists sorted by entry: walked side by side, entry by entry.
  for (let i = 0, j = 0; i < stored.length || j < next.length; ) {
    const id = Math.min(stored[i]?.[0] ?? Infinity, next[j]?.[0] ?? Infinity);
    const oldEnd = endOfEntry(stored, i, id);
    const newEnd = endOfEntry(next, j, id);
    const before = removed.length + added.length;
    let delta = 0;
    for (let a = i, b = j; a < oldEnd || b < newEnd; ) {
      const order = a >= oldEnd ? 1 : b >= newEnd ? -1 : compareRows(stored[a]!, next[b]!);
      if (order === 0) {
        a++;
        b++;
      } else if (order < 0) {
        removed.push(stored[a++]!);
        delta--;
      } else {
        added.push(next[b++]!);
        delta++;
      }
    }
    if (removed.length + added.length > before) {
      const hosts = oldEnd === i ? 1 : newEnd === j ? -1 : 0;
      if (hosts) entriesChanged = true;
      changes.entry(id, delta, hosts);
    }
    i = oldEnd;
    j = newEnd;
  }
  for (const part of chunks(removed)) {
    const list = sql.join(part.map(([catalogueId, version, scope, arch]) => sql`(CAST(${catalogueId} AS BIGINT), ${version}, ${scope}, ${arch})`));
    await sql`DELETE FROM installations WHERE host_id = ${hostId} AND (catalogue_id, version, scope, arch) IN (VALUES ${list})`.execute(db);
  }
  for (const part of chunks(added)) {
    const list = sql.join(part.map(([catalogueId, version, scope, arch]) => sql`(${hostId}, ${catalogueId}, ${version}, ${scope}, ${arch})`));
    await sql`INSERT INTO installations (host_id, catalogue_id, version, scope, arch) VALUES ${list}`.execute(db);
  }
  // Facets follow the entries a host has, not their versions.
  if (entriesChanged) {
    const before = stored.length ? await storedFacets(db, hostId) : new Set<string>();
    await changes.facets.move(db, hostId, before, await entryFacets.ofHost(db, next));
  }
  return removed.length + added.length > 0;
}

/** Remove a host, its installations taken off the counters and facets first. */
export async function deleteHost(db: Db, hostId: number): Promise<boolean> {
  return retryOnConflict(db, () =>
    transaction(db, async (trx) => {
      const changes = new CounterChanges();
      await replaceInstallations(trx, new EntryFacets(), hostId, [], changes);
      await changes.write(trx);
      const deleted = (await run(trx, sql`DELETE FROM hosts WHERE id = ${hostId}`)) > 0;
      if (deleted) await bumpDataVersion(trx);
      return deleted;
    }),
  );
}

/** The hosts that have any of these catalogue entries, ascending. */
export async function hostsOf(db: Db, catalogueIds: readonly number[]): Promise<number[]> {
  const hosts = new Set<number>();
  for (const ids of chunks(catalogueIds)) {
    for (const host of await values<number>(db, sql`SELECT DISTINCT host_id FROM installations WHERE catalogue_id IN (${sql.join(ids)})`)) hosts.add(host);
  }
  return [...hosts].sort((a, b) => a - b);
}

/** The most common versions of a catalogue entry, with their host counts. */
export async function versionCounts(db: Db, catalogueId: number, limit = 20): Promise<{ version: string; hosts: number }[]> {
  const counted = await rows<{ version: string; hosts: number }>(
    db,
    sql`SELECT version, COUNT(DISTINCT host_id) AS hosts FROM installations WHERE catalogue_id = ${catalogueId} GROUP BY version ORDER BY hosts DESC, version LIMIT ${limit}`,
  );
  return counted;
}

/** The versions of a catalogue entry on each of these hosts (at most a page of them). */
export async function versionsOn(db: Db, catalogueId: number, hostIds: readonly number[]): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>(hostIds.map((id) => [id, []]));
  for (const ids of chunks(hostIds)) {
    const found = await rows<{ host_id: number; version: string }>(
      db,
      sql`SELECT DISTINCT host_id, version FROM installations WHERE catalogue_id = ${catalogueId} AND host_id IN (${sql.join(ids)}) ORDER BY host_id, version`,
    );
    for (const { host_id, version } of found) out.get(host_id)!.push(version);
  }
  return out;
}

const BITS_SET = Uint8Array.from({ length: 256 }, (_, byte) => {
  let n = 0;
  for (let b = byte; b; b &= b - 1) n++;
  return n;
});

/** Installations read per query by hostCounts: a bounded page, however large the fleet. */
const HOST_COUNT_PAGE = 50_000;

/**
 * Exact host counts of groups of catalogue entries: for each label, the hosts that have at least one
 * of its entries, each host counted once. Reads the hosts of the labelled entries from the
 * installations' index, entries grouped so that a query returns about `pageSize` rows (from the
 * entries' installation counters; an entry with more is read alone).
 */
export async function hostCounts(db: Db, labelsOf: ReadonlyMap<number, readonly string[]>, pageSize = HOST_COUNT_PAGE): Promise<Map<string, number>> {
  const maxHost = ((await value<number>(db, sql`SELECT COALESCE(MAX(id), 0) FROM hosts`)) ?? 0) + 1;
  const bitmaps = new Map<string, Uint8Array>();
  for (const labels of labelsOf.values()) for (const label of labels) if (!bitmaps.has(label)) bitmaps.set(label, new Uint8Array(Math.ceil(maxHost / 8)));
  const installs = new Map(
    (await rows<{ id: number; installs: number }>(db, sql`SELECT id, installs FROM catalogue WHERE installs > 0`)).map((r) => [r.id, r.installs]),
  );
  const labelled = [...labelsOf]
    .filter(([id, labels]) => labels.length && installs.has(id))
    .map(([id]) => id)
    .sort((a, b) => a - b);
  let group: number[] = [];
  let expected = 0;
  const read = async () => {
    if (!group.length) return;
    const found = await rows<{ catalogue_id: number; host_id: number }>(
      db,
      sql`SELECT catalogue_id, host_id FROM installations WHERE catalogue_id IN (${sql.join(group)})`,
    );
    for (const row of found) for (const label of labelsOf.get(row.catalogue_id)!) bitmaps.get(label)![row.host_id >> 3]! |= 1 << (row.host_id & 7);
    group = [];
    expected = 0;
  };
  for (const id of labelled) {
    const n = installs.get(id)!;
    if (group.length && (expected + n > pageSize || group.length >= ROWS_PER_STATEMENT)) await read();
    group.push(id);
    expected += n;
  }
  await read();
  const counts = new Map<string, number>();
  for (const [label, bits] of bitmaps) {
    let n = 0;
    for (let i = 0; i < bits.length; i++) n += BITS_SET[bits[i]!]!;
    counts.set(label, n);
  }
  return counts;
}
