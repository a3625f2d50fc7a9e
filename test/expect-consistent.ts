// Checks shared by tests: what the collector keeps aside equals a recount from the installations.
import { expect } from 'vitest';
import { hostsOf, versionCounts } from '../collector/src/store/catalogue-hosts.ts';
import type { Db } from '../collector/src/store/db.ts';

/** The sets and version counts must equal a recount from the installations themselves. */
export function expectHostSetsConsistent(db: Db): void {
  const entries = db.prepare('SELECT id FROM catalogue ORDER BY id').pluck().all() as number[];
  for (const id of entries) {
    const hosts = db.prepare('SELECT DISTINCT host_id FROM installations WHERE catalogue_id = ? ORDER BY host_id').pluck().all(id);
    expect(hostsOf(db, [id]), `hosts of entry ${id}`).toEqual(hosts);
    const versions = db
      .prepare('SELECT version, COUNT(DISTINCT host_id) AS hosts FROM installations WHERE catalogue_id = ? GROUP BY version ORDER BY hosts DESC, version')
      .all(id);
    expect(versionCounts(db, id, 1000), `versions of entry ${id}`).toEqual(versions);
  }
  expect(db.prepare('SELECT COUNT(*) FROM catalogue_hosts_queue').pluck().get()).toBe(0);
  expect(db.prepare('SELECT COUNT(*) FROM catalogue_hosts WHERE hosts <= 0').pluck().get()).toBe(0);
}
