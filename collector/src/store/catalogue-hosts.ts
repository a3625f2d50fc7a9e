// The hosts of each catalogue entry, with how many of them have each version: for drill-downs
// ("which hosts run this?", "which versions?") and exact host counts. Kept as host sets per entry
// and block of host ids (store/host-set.ts), brought up to date in bulk by store/catch-up.ts, which
// the functions reading the sets call first.
import { addCounts, catchUp, type VersionCounts } from './catch-up.ts';
import type { Db } from './db.ts';
import { compareText, distinctVersions, endOfEntry, parseInstallations } from './host-installations.ts';
import { BLOCK_SIZE, offsets } from './host-set.ts';

const statements = new WeakMap<Db, ReturnType<typeof prepare>>();

function prepare(db: Db) {
  return {
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

/** The versions of a catalogue entry on each of these hosts (read from the installations themselves). */
export function versionsOn(db: Db, catalogueId: number, hostIds: readonly number[]): Map<number, string[]> {
  const rows = stmts(db).installationsOf.all(JSON.stringify(hostIds)) as { host_id: number; installations: string }[];
  return new Map(
    rows.map((r) => {
      const installations = parseInstallations(r.installations);
      const from = installations.findIndex(([id]) => id === catalogueId);
      return [r.host_id, from < 0 ? [] : distinctVersions(installations, from, endOfEntry(installations, from, catalogueId))];
    }),
  );
}
