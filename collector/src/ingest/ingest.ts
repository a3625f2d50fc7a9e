// Ingestion of one inventory, in one transaction: the host is found or created (never merging two
// machines), its items are linked to catalogue entries (classified once, when first seen), and its
// installations replaced, with what the map and the pages count brought along in the same
// transaction (store/installations.ts).
import {
  inventoryContentHash,
  type Hardware,
  type Inventory,
  type InventoryPart,
  type Os,
  type SoftwareItem,
  type SoftwareSource,
  type UnchangedReport,
} from '@tiebreak/shared';
import { isIP } from 'node:net';
import type { Classification, Classifier } from '../classify/classifier.ts';
import { automaticEntity, loadAssignment, type Assignment, type IngestOrigin } from '../entities/assign.ts';
import { bumpDataVersion, first, getMeta, rows, setMeta, sql, transaction, value, type Db } from '../store/db.ts';
import { isTransientConflict, lockKeysForTransaction, retryOnConflict } from '../store/dialect.ts';
import { EntryFacets, FacetChanges, rebuildFacets, RULES_META_KEY, storedFacets } from '../store/facets.ts';
import {
  canonicalRows,
  chunks,
  compareText,
  CounterChanges,
  hostsOf,
  installationsOf as storedInstallations,
  replaceInstallations,
  type InstallationRow,
} from '../store/installations.ts';
import { catalogueKey, hostRole, installationsOf, isInfrastructure, type CatalogueItem, type HostRole } from './items.ts';

export interface IngestResult {
  host_id: number;
  /** The same inventory id was already accepted: nothing changed. */
  replay: boolean;
  items: number;
  new_catalogue_entries: number;
  /** Another machine reports the same stable id: kept as a separate, flagged host. */
  duplicate_id: boolean;
  /** The host was known and its inventory says the same as before (a rescan with no change). */
  unchanged: boolean;
}

const PART_CATEGORY: Record<string, string> = {
  system: 'computer',
  board: 'motherboard',
  bios: 'firmware',
  cpu: 'processor',
  gpu: 'graphics',
  disk: 'storage',
  component: 'hardware',
  hypervisor: 'virtualisation',
  cloud: 'cloud',
};

// A network device's own hardware is its kind of equipment.
const DEVICE_CATEGORY: Partial<Record<HostRole, string>> = { network: 'network', printer: 'printing', phone: 'telephony', storage: 'storage' };

/** Classification of a catalogue item, with the area of OS and hardware taken from the host role (a change here bumps CLASSIFICATION_VERSION). */
export function classifyItem(classifier: Classifier, item: CatalogueItem): Classification {
  const result = classifier.classify(item.host_os ? { ...item, distribution: classifier.distributionOf(item.host_os) } : item);
  // Software of a known vendor whose rules give no area is software (docs/methodology.md § 1).
  if (item.kind === 'software') return result.origin !== 'unknown' && !result.area ? { ...result, area: 'software' } : result;
  const device = item.role ? DEVICE_CATEGORY[item.role] : undefined;
  const partCategory = (item.package === 'system' || item.package === 'component') && device ? device : (PART_CATEGORY[item.package ?? ''] ?? 'hardware');
  return {
    ...result,
    area: isInfrastructure(item.role) ? 'infrastructure' : 'workstation',
    category: result.product_id ? result.category : item.kind === 'os' ? 'os' : partCategory,
  };
}

/**
 * Catalogue ids of items as they were spelt, before normalisation: by name, then publisher, then
 * the few other fields, so that a lookup builds no key string.
 */
class EntryIds {
  private readonly byName = new Map<string, Map<string, [CatalogueItem, number][]>>();
  private size = 0;
  get(item: CatalogueItem): number | undefined {
    const candidates = this.byName.get(item.name)?.get(item.publisher ?? '');
    if (!candidates) return undefined;
    for (const [known, id] of candidates) {
      if (
        known.kind === item.kind &&
        known.source === item.source &&
        known.role === item.role &&
        known.package === item.package &&
        (known.host_os ?? '') === (item.host_os ?? '')
      )
        return id;
    }
    return undefined;
  }
  set(item: CatalogueItem, id: number): void {
    if (this.size >= RAW_CACHE_LIMIT) this.clear();
    let byPublisher = this.byName.get(item.name);
    if (!byPublisher) this.byName.set(item.name, (byPublisher = new Map()));
    const publisher = item.publisher ?? '';
    const candidates = byPublisher.get(publisher);
    const entry: [CatalogueItem, number] = [
      { kind: item.kind, source: item.source, role: item.role, name: item.name, publisher: item.publisher, package: item.package, host_os: item.host_os ?? '' },
      id,
    ];
    if (candidates) candidates.push(entry);
    else byPublisher.set(publisher, [entry]);
    this.size++;
  }
  clear(): void {
    this.byName.clear();
    this.size = 0;
  }
  /** Take over another's ids (those a transaction found or created, once it committed). */
  addAll(other: EntryIds): void {
    for (const byPublisher of other.byName.values()) for (const candidates of byPublisher.values()) for (const [item, id] of candidates) this.set(item, id);
  }
}

/** The catalogue's unique key of an item, as one string (the columns of its UNIQUE constraint). */
function entryKey(item: CatalogueItem): string {
  const key = catalogueKey(item);
  return [item.source, item.role, item.host_os ?? '', key.name_norm, key.publisher_norm, key.package_norm].join('\u0000');
}

type KeyRow = { id: number; source: string; role: string; host_os: string; name_norm: string; publisher_norm: string; package_norm: string };
const keyOfRow = (r: KeyRow) => [r.source, r.role, r.host_os, r.name_norm, r.publisher_norm, r.package_norm].join('\u0000');

/** The catalogue ids of these keys that exist (read in chunks), by key. */
async function existingEntries(db: Db, keys: readonly string[], into: Map<string, number>): Promise<void> {
  for (const part of chunks(keys)) {
    const list = sql.join(part.map((key) => sql`(${sql.join(key.split('\u0000'))})`));
    const found = await rows<KeyRow>(
      db,
      sql`SELECT id, source, role, host_os, name_norm, publisher_norm, package_norm FROM catalogue
        WHERE (source, role, host_os, name_norm, publisher_norm, package_norm) IN (VALUES ${list})`,
    );
    for (const row of found) into.set(keyOfRow(row), row.id);
  }
}

/**
 * What one transaction of ingests found and changed: the catalogue ids it found or created (shared
 * with later ingests only once it committed: another transaction must not use an entry that may
 * yet be rolled back), the entries it created (each counted by the first inventory using it), and
 * the counters to add before it commits.
 */
class IngestRun {
  readonly ids = new EntryIds();
  readonly created = new Set<number>();
  changes = new CounterChanges();
  /** Something the map or the assessment reads changed: the data version is bumped before the commit. */
  dataChanged = false;
  /** The entities' assignment rules, read once per transaction. */
  assignment: Assignment | undefined;
}

/** Work done in an inventory's transaction once it is ingested (the agent marked as heard from): no commit of its own. */
export type AfterIngest = (trx: Db) => Promise<void>;

/** The catalogue's columns of a classification. */
function classificationColumns(c: Classification) {
  return {
    vendor_id: c.vendor_id,
    product_id: c.product_id,
    country: c.country,
    owner_country: c.owner_country,
    origin: c.origin,
    licence: c.licence,
    area: c.area,
    category: c.category,
    platform: c.platform ? 1 : 0,
    rule: c.rule,
    evidence: c.evidence,
    confidence: c.confidence,
  };
}

/** Past this many reclassified entries, or this share of hosts having them, every host's facets are rebuilt at once. */
const INCREMENTAL_RECLASSIFY_LIMIT = 2_000;
const INCREMENTAL_RECLASSIFY_SHARE = 0.05;

const RAW_CACHE_LIMIT = 500_000;

/** Whether a host id is that of a computer (a workstation or a server) already known here. */
export async function isComputerHost(db: Db, hostKey: string): Promise<boolean> {
  return (await first(db, sql`SELECT 1 AS known FROM hosts WHERE host_key = ${hostKey} AND role IN ('workstation', 'server') LIMIT 1`)) !== undefined;
}

type KnownHost = {
  id: number;
  hostname: string;
  serial_hash: string | null;
  content_hash: string | null;
  role: string;
  agent_name: string;
  entity_id: number | null;
  entity_by_hand: number;
  address: string | null;
};

export class Ingestor {
  /** Catalogue ids of committed entries, shared by every ingest. */
  private readonly entryIds = new EntryIds();
  /** The facets of catalogue entries, valid for the classification of this fingerprint of the rules. */
  private entryFacets: { rules: string | undefined; facets: EntryFacets } | null = null;

  constructor(
    private readonly db: Db,
    private classifier: Classifier,
  ) {}

  /** Ingest a validated inventory. All or nothing: on any error, the database is unchanged. */
  async ingest(inventory: Inventory, now = new Date()): Promise<IngestResult> {
    const [result] = await this.ingestMany([inventory], now);
    if (result instanceof Error) throw result;
    return result!;
  }

  /**
   * Ingest several inventories with one commit: each in its own savepoint, so one that fails is
   * rolled back alone and reported in its slot, while the others are kept. The commit is the
   * dominant cost of an ingest; sharing it is what lets the collector keep up with a burst. On
   * PostgreSQL, a transaction given up for a conflict with another collector's is run again.
   */
  async ingestMany(
    inventories: readonly Inventory[],
    now = new Date(),
    after: readonly (AfterIngest | undefined)[] = [],
    origins: readonly (IngestOrigin | undefined)[] = [],
  ): Promise<(IngestResult | Error)[]> {
    const at = now.toISOString();
    await this.checkFacets();
    return retryOnConflict(this.db, () => this.ingestBatch(inventories, at, after, origins));
  }

  /** The counters, then the data version when something shown changed: the last writes before the commit. */
  private async finish(trx: Db, run: IngestRun): Promise<void> {
    await run.changes.write(trx);
    if (run.dataChanged) await bumpDataVersion(trx);
  }

  private async ingestBatch(
    inventories: readonly Inventory[],
    at: string,
    after: readonly (AfterIngest | undefined)[],
    origins: readonly (IngestOrigin | undefined)[],
  ): Promise<(IngestResult | Error)[]> {
    // Fast path: the whole batch in one transaction without a savepoint per inventory (they cost
    // a tenth of an ingest). Inventories are validated, so one rarely fails; when one does, the
    // batch is rolled back whole and ingested again below, each inventory in its own savepoint.
    if (inventories.length > 1) {
      try {
        const run = new IngestRun();
        const results = await transaction(this.db, async (trx) => {
          await lockKeysForTransaction(
            trx,
            inventories.map((inventory) => inventory.host.id),
          );
          await this.prepareEntries(trx, inventories, at, run);
          const results: IngestResult[] = [];
          for (const [i, inventory] of inventories.entries()) {
            results.push(await this.ingestUnsafe(trx, inventory, at, run, origins[i]));
            await after[i]?.(trx);
          }
          await this.finish(trx, run);
          return results;
        });
        this.entryIds.addAll(run.ids);
        return results;
      } catch (error) {
        this.forgetEntries();
        if (isTransientConflict(error)) throw error;
      }
    }
    let failed = false;
    try {
      const run = new IngestRun();
      const results = await transaction(this.db, async (trx) => {
        await lockKeysForTransaction(
          trx,
          inventories.map((inventory) => inventory.host.id),
        );
        const results: (IngestResult | Error)[] = [];
        for (const [i, inventory] of inventories.entries()) {
          // The counters of an inventory count once its savepoint is kept.
          const changes = run.changes;
          run.changes = new CounterChanges();
          await sql`SAVEPOINT inventory`.execute(trx);
          try {
            results.push(await this.ingestUnsafe(trx, inventory, at, run, origins[i]));
            await after[i]?.(trx);
            await sql`RELEASE SAVEPOINT inventory`.execute(trx);
            changes.addAll(run.changes);
          } catch (error) {
            await sql`ROLLBACK TO SAVEPOINT inventory`.execute(trx);
            await sql`RELEASE SAVEPOINT inventory`.execute(trx);
            // A conflict with another transaction: the whole batch is run again.
            if (isTransientConflict(error)) throw error;
            failed = true;
            // Rolled back: the next inventories of the batch must not reuse its catalogue rows.
            run.ids.clear();
            this.forgetEntries();
            results.push(error instanceof Error ? error : new Error(String(error)));
          } finally {
            run.changes = changes;
          }
        }
        await this.finish(trx, run);
        return results;
      });
      if (!failed) this.entryIds.addAll(run.ids);
      return results;
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      // The caches may name catalogue rows that a rollback removed.
      if (failed) this.forgetEntries();
    }
  }

  /**
   * "Nothing changed": accepted when the host's last inventory has this content hash, then the host
   * is marked seen and the report id recorded (a replay changes nothing). Otherwise the agent must
   * send the full inventory.
   */
  async acceptUnchanged(report: UnchangedReport, now = new Date(), origin?: IngestOrigin): Promise<{ accepted: boolean; host_id: number | null }> {
    return retryOnConflict(this.db, () =>
      transaction(this.db, async (trx) => {
        const replay = await this.receiptOf(trx, report.id);
        if (replay !== undefined) return { accepted: true, host_id: replay };
        const host = await first<{
          id: number;
          software_count: number;
          hostname: string;
          domain: string | null;
          address: string | null;
          entity_id: number | null;
          entity_by_hand: number;
        }>(
          trx,
          sql`SELECT id, software_count, hostname, domain, address, entity_id, entity_by_hand FROM hosts
            WHERE host_key = ${report.host_id} AND content_hash = ${report.content_hash} ORDER BY last_seen DESC LIMIT 1`,
        );
        if (!host) return { accepted: false, host_id: null };
        const at = now.toISOString();
        await sql`UPDATE hosts SET last_seen = ${at}, collected_at = ${report.collected_at} WHERE id = ${host.id}`.execute(trx);
        // The entity follows the sending agent's token and address as a full inventory's would.
        const assignment = await loadAssignment(trx);
        if (!assignment.none && !host.entity_by_hand) {
          const bySubnet = assignment.rules.some((rule) => rule.kind === 'subnet');
          const address = bySubnet && origin?.address && isIP(origin.address) ? origin.address : bySubnet ? host.address : null;
          const entity = await automaticEntity(trx, assignment, { hostname: host.hostname, domain: host.domain, address }, origin?.tokenId, host.entity_id);
          if (entity !== host.entity_id || address !== host.address)
            await sql`UPDATE hosts SET entity_id = ${entity}, address = ${address} WHERE id = ${host.id}`.execute(trx);
          if (entity !== host.entity_id) await bumpDataVersion(trx);
        }
        await this.addReceipt(trx, report.id, host.id, at, report.collected_at, host.software_count, false);
        return { accepted: true, host_id: host.id };
      }),
    );
  }

  private async receiptOf(db: Db, id: string): Promise<number | undefined> {
    return value<number>(db, sql`SELECT host_id FROM inventory_receipts WHERE id = ${id}`);
  }

  private async addReceipt(db: Db, id: string, hostId: number, at: string, collectedAt: string, items: number, partial: boolean): Promise<void> {
    await sql`INSERT INTO inventory_receipts (id, host_id, received_at, collected_at, items, partial)
      VALUES (${id}, ${hostId}, ${at}, ${collectedAt}, ${items}, ${partial ? 1 : 0})`.execute(db);
  }

  /** The hosts reporting this stable id, and the one that is this machine (same serial, else same name). */
  private async knownHost(db: Db, host: Inventory['host']) {
    const candidates = await rows<KnownHost>(
      db,
      sql`SELECT id, hostname, serial_hash, content_hash, role, agent_name, entity_id, entity_by_hand, address FROM hosts WHERE host_key = ${host.id} ORDER BY id`,
    );
    const serial = host.serial_hash ?? null;
    const same = candidates.find((c) => (c.serial_hash && serial ? c.serial_hash === serial : c.hostname.toLowerCase() === host.hostname.toLowerCase()));
    return { candidates, same };
  }

  /**
   * A partial report completed with what the host had: the parts it does not carry are taken from
   * the host's stored OS, hardware and installations, so that it replaces only the parts it carries.
   * A partial report of an unknown host is taken as it is.
   */
  private async completePartial(db: Db, inventory: Inventory): Promise<Inventory> {
    const carried = new Set(inventory.partial);
    const { same } = await this.knownHost(db, inventory.host);
    if (!same) return inventory;
    const stored = await first<Record<string, string | null> & { hardware_json: string }>(
      db,
      sql`SELECT os_family, os_name, os_version, os_build, os_arch, os_kernel, os_edition, hardware_json, role FROM hosts WHERE id = ${same.id}`,
    );
    if (!stored) return inventory;
    const installed = await storedInstallations(db, same.id);
    const entries = await rows<{ id: number; kind: string; source: string; name: string; publisher: string | null; package: string | null }>(
      db,
      sql`SELECT DISTINCT c.id, c.kind, c.source, c.name, c.publisher, c.package
        FROM installations i JOIN catalogue c ON c.id = i.catalogue_id WHERE i.host_id = ${same.id} ORDER BY c.id`,
    );
    const byId = new Map(entries.map((e) => [e.id, e]));
    const os: Os = carried.has('os')
      ? inventory.os
      : {
          family: stored.os_family as Os['family'],
          name: stored.os_name!,
          version: stored.os_version,
          build: stored.os_build,
          arch: stored.os_arch,
          vendor: entries.find((e) => e.kind === 'os')?.publisher ?? null,
          kernel: stored.os_kernel,
          edition: stored.os_edition,
        };
    const had = JSON.parse(stored.hardware_json) as Hardware;
    const pick = <K extends keyof Hardware>(key: K, part: InventoryPart): Hardware[K] => (carried.has(part) ? inventory.hardware[key] : had[key]);
    const hardware: Hardware = {
      system: pick('system', 'system'),
      board: pick('board', 'board'),
      bios: pick('bios', 'bios'),
      cpus: pick('cpus', 'cpus') ?? [],
      gpus: pick('gpus', 'gpus') ?? [],
      disks: pick('disks', 'disks') ?? [],
      ...(pick('components', 'components') ? { components: pick('components', 'components') } : {}),
      virtualization: pick('virtualization', 'virtualization'),
      cloud: pick('cloud', 'system'),
    };
    let software: SoftwareItem[] = inventory.software;
    if (!carried.has('software')) {
      software = [];
      for (const [entryId, version, scope, arch] of installed) {
        const entry = byId.get(entryId);
        if (entry?.kind !== 'software') continue;
        software.push({
          name: entry.name,
          version: version || null,
          publisher: entry.publisher,
          source: entry.source as SoftwareSource,
          scope: scope as SoftwareItem['scope'],
          arch: arch || null,
          package: entry.package,
          installed_on: null,
        });
      }
    }
    return { ...inventory, os, hardware, software, content_hash: undefined };
  }

  private async resolveHost(
    db: Db,
    inventory: Inventory,
    role: HostRole,
    now: string,
    run: IngestRun,
    origin: IngestOrigin | undefined,
  ): Promise<{ id: number; isNew: boolean; duplicate: boolean; unchanged: boolean; shownChanged: boolean }> {
    const host = inventory.host;
    const { candidates, same } = await this.knownHost(db, host);
    const serial = host.serial_hash ?? null;
    // The entity (entities/assign.ts): one moved by hand stays. The address an inventory came from is
    // kept only while a subnet rule reads it (data minimisation: nothing else needs it).
    run.assignment ??= await loadAssignment(db);
    const bySubnet = run.assignment.rules.some((rule) => rule.kind === 'subnet');
    const address = bySubnet && origin?.address && isIP(origin.address) ? origin.address : null;
    const current = same?.entity_id ?? null;
    const entity = same?.entity_by_hand
      ? current
      : await automaticEntity(
          db,
          run.assignment,
          { hostname: host.hostname, domain: host.domain ?? null, address: address ?? same?.address ?? null },
          origin?.tokenId,
          current,
        );
    const row = {
      id_source: host.id_source,
      hostname: host.hostname,
      domain: host.domain ?? null,
      role,
      os_family: inventory.os.family,
      os_name: inventory.os.name,
      os_version: inventory.os.version ?? null,
      os_build: inventory.os.build ?? null,
      os_arch: inventory.os.arch ?? null,
      os_kernel: inventory.os.kernel ?? null,
      os_edition: inventory.os.edition ?? null,
      hardware_json: JSON.stringify(inventory.hardware),
      agent_name: inventory.agent.name,
      agent_version: inventory.agent.version,
      last_seen: now,
      collected_at: inventory.collected_at,
      software_count: inventory.software.length,
      // The agent's own hash when it sent one (it computes it for its delta reports anyway).
      content_hash: inventory.content_hash ?? inventoryContentHash(inventory),
      entity_id: entity,
    };
    if (same) {
      await db
        .updateTable('hosts')
        .set({
          ...row,
          serial_hash: sql<string | null>`COALESCE(${serial}, serial_hash)`,
          address: bySubnet ? sql<string | null>`COALESCE(${address}, address)` : null,
        })
        .where('id', '=', same.id)
        .execute();
      // The map counts hosts by role and by agent; an entity's map, its hosts.
      const shownChanged = same.role !== role || same.agent_name !== row.agent_name || same.entity_id !== entity;
      return { id: same.id, isNew: false, duplicate: candidates.length > 1, unchanged: same.content_hash === row.content_hash, shownChanged };
    }
    const { id } = await db
      .insertInto('hosts')
      .values({ ...row, host_key: host.id, serial_hash: serial, first_seen: now, address })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (candidates.length) await sql`UPDATE hosts SET duplicate_id = 1 WHERE host_key = ${host.id}`.execute(db);
    return { id, isNew: true, duplicate: candidates.length > 0, unchanged: false, shownChanged: true };
  }

  /**
   * The catalogue ids of these items, in their order: found in the caches, else in the catalogue,
   * else created (classified once, when first seen). Entries are looked up and created a chunk at
   * a time, in the order of their keys: two collectors creating the same entries at once wait for
   * each other in one order, and the one that finds an entry created meanwhile reads it back.
   */
  private async entryIdsOf(db: Db, items: readonly CatalogueItem[], now: string, run: IngestRun): Promise<number[]> {
    const ids: (number | undefined)[] = items.map((item) => run.ids.get(item) ?? this.entryIds.get(item));
    const missing = new Map<string, CatalogueItem>();
    items.forEach((item, i) => {
      if (ids[i] === undefined) missing.set(entryKey(item), item);
    });
    if (missing.size) {
      const keys = [...missing.keys()].sort(compareText);
      const found = new Map<string, number>();
      await existingEntries(db, keys, found);
      const absent = keys.filter((key) => !found.has(key));
      for (const part of chunks(absent)) {
        const list = sql.join(
          part.map((key) => {
            const item = missing.get(key)!;
            const [source, role, hostOs, nameNorm, publisherNorm, packageNorm] = key.split('\u0000');
            const c = classifyItem(this.classifier, item);
            return sql`(${item.kind}, ${source}, ${role}, ${hostOs}, ${item.name}, ${item.publisher}, ${item.package}, ${nameNorm}, ${publisherNorm}, ${packageNorm},
              ${c.vendor_id}, ${c.product_id}, ${c.country}, ${c.owner_country}, ${c.origin}, ${c.licence}, ${c.area}, ${c.category}, ${c.platform ? 1 : 0},
              ${c.rule}, ${c.evidence}, ${c.confidence}, ${now})`;
          }),
        );
        const inserted = await rows<KeyRow>(
          db,
          sql`INSERT INTO catalogue (kind, source, role, host_os, name, publisher, package, name_norm, publisher_norm, package_norm, vendor_id, product_id,
              country, owner_country, origin, licence, area, category, platform, rule, evidence, confidence, first_seen)
            VALUES ${list}
            ON CONFLICT (source, role, host_os, name_norm, publisher_norm, package_norm) DO NOTHING
            RETURNING id, source, role, host_os, name_norm, publisher_norm, package_norm`,
        );
        for (const row of inserted) {
          found.set(keyOfRow(row), row.id);
          run.created.add(row.id);
        }
      }
      // Created by another transaction since the first look: read back.
      const raced = absent.filter((key) => !found.has(key));
      if (raced.length) await existingEntries(db, raced, found);
      items.forEach((item, i) => {
        if (ids[i] !== undefined) return;
        const id = found.get(entryKey(item));
        if (id === undefined) throw new Error(`catalogue entry of "${item.name}" neither found nor created`);
        ids[i] = id;
        run.ids.set(item, id);
      });
    }
    return ids as number[];
  }

  /** The catalogue entries of a batch's full inventories, looked up and created at once, in key order. */
  private async prepareEntries(db: Db, inventories: readonly Inventory[], now: string, run: IngestRun): Promise<void> {
    const items: CatalogueItem[] = [];
    for (const inventory of inventories) {
      if (inventory.partial !== undefined) continue;
      for (const installation of installationsOf(inventory)) items.push(installation.item);
    }
    await this.entryIdsOf(db, items, now, run);
  }

  private async ingestUnsafe(db: Db, inventory: Inventory, now: string, run: IngestRun, origin?: IngestOrigin): Promise<IngestResult> {
    const replayOf = await this.receiptOf(db, inventory.id);
    if (replayOf !== undefined) return { host_id: replayOf, replay: true, items: 0, new_catalogue_entries: 0, duplicate_id: false, unchanged: true };

    const partial = inventory.partial !== undefined;
    if (partial) inventory = await this.completePartial(db, inventory);
    const role = hostRole(inventory);
    const host = await this.resolveHost(db, inventory, role, now, run, origin);

    // The host's installations after this inventory, in a canonical order: only the rows that
    // changed are written, with the counters and facets of what the host gained or lost.
    const installations = installationsOf(inventory, role);
    const ids = await this.entryIdsOf(
      db,
      installations.map((installation) => installation.item),
      now,
      run,
    );
    let created = 0;
    const rows: InstallationRow[] = installations.map((installation, i) => {
      // An entry created by this run counts as new for the first inventory that has it.
      if (run.created.delete(ids[i]!)) created++;
      return [ids[i]!, installation.version, installation.scope, installation.arch];
    });
    const next = canonicalRows(rows);
    const replaced = await replaceInstallations(db, this.entryFacets!.facets, host.id, next, run.changes, host.isNew ? [] : undefined);
    if (replaced || host.shownChanged || !host.unchanged) run.dataChanged = true;

    await this.addReceipt(db, inventory.id, host.id, now, inventory.collected_at, inventory.software.length, partial);
    return { host_id: host.id, replay: false, items: next.length, new_catalogue_entries: created, duplicate_id: host.duplicate, unchanged: host.unchanged };
  }

  /**
   * Classify the whole catalogue again with the current rules and bring the host facets in line:
   * run when the rules changed, so the map follows without any rescan. Returns the entries changed.
   */
  /** `onProgress` hears how many catalogue entries are classified again, of how many (a long command shows it). */
  async reclassify(classifier: Classifier = this.classifier, onProgress?: (done: number, total: number) => void): Promise<number> {
    this.classifier = classifier;
    // A write transaction from its start: the facets are derived from the whole state, which must not move meanwhile.
    const changed = await retryOnConflict(this.db, () =>
      transaction(this.db, async (trx) => {
        const entries = await rows<CatalogueItem & Record<string, unknown> & { id: number }>(
          trx,
          sql`SELECT id, kind, source, role, host_os, name, publisher, package, vendor_id, product_id, country, owner_country, origin, licence, area, category, platform, rule, evidence, confidence
            FROM catalogue ORDER BY id`,
        );
        const changed: (ReturnType<typeof classificationColumns> & { id: number })[] = [];
        for (const [i, row] of entries.entries()) {
          const next = classificationColumns(classifyItem(classifier, row));
          if (Object.entries(next).some(([k, v]) => row[k] !== v)) changed.push({ ...next, id: row.id });
          if (onProgress && ((i + 1) % 1000 === 0 || i + 1 === entries.length)) onProgress(i + 1, entries.length);
        }
        // Written a chunk of entries per statement (in id order, as they were read).
        for (const part of chunks(changed)) {
          const list = sql.join(
            part.map(
              (
                c,
              ) => sql`(CAST(${c.id} AS BIGINT), ${c.vendor_id}, ${c.product_id}, ${c.country}, ${c.owner_country}, ${c.origin}, ${c.licence}, ${c.area}, ${c.category},
                CAST(${c.platform} AS BIGINT), ${c.rule}, ${c.evidence}, ${c.confidence})`,
            ),
          );
          await sql`WITH c (id, vendor_id, product_id, country, owner_country, origin, licence, area, category, platform, rule, evidence, confidence) AS (VALUES ${list})
            UPDATE catalogue SET vendor_id = c.vendor_id, product_id = c.product_id, country = c.country, owner_country = c.owner_country, origin = c.origin,
              licence = c.licence, area = c.area, category = c.category, platform = c.platform, rule = c.rule, evidence = c.evidence, confidence = c.confidence
            FROM c WHERE catalogue.id = c.id`.execute(trx);
        }
        const changedEntries = changed.map((c) => c.id);
        if (changedEntries.length) await this.refreshFacets(trx, changedEntries);
        await setMeta(trx, RULES_META_KEY, classifier.fingerprint);
        await bumpDataVersion(trx);
        return changedEntries.length;
      }),
    );
    this.entryIds.clear();
    this.entryFacets = null;
    return changed;
  }

  /** Forget the cached facets (after a rollback: an SQLite id may be given again to another entry). */
  private forgetEntries(): void {
    if (this.entryFacets) this.entryFacets.facets = new EntryFacets();
  }

  /** The entries' facets kept from one ingest to the next while the classification stays the same. */
  private async checkFacets(): Promise<void> {
    const rules = await getMeta(this.db, RULES_META_KEY);
    if (!this.entryFacets || this.entryFacets.rules !== rules) this.entryFacets = { rules, facets: new EntryFacets() };
  }

  /** Reclassify only when the rules differ from those the catalogue was classified with. */
  async reclassifyIfRulesChanged(onProgress?: (done: number, total: number) => void): Promise<number | null> {
    if ((await getMeta(this.db, RULES_META_KEY)) === this.classifier.fingerprint) return null;
    return this.reclassify(this.classifier, onProgress);
  }

  /**
   * The facets of the hosts that have these entries, and only theirs, when they are few: a local
   * rule decided in the web interface for an item on a few hosts is then applied in milliseconds
   * at any fleet size. Otherwise every host's facets are rebuilt at once, in SQL.
   */
  private async refreshFacets(db: Db, entries: readonly number[]): Promise<void> {
    if (entries.length > INCREMENTAL_RECLASSIFY_LIMIT) return rebuildFacets(db);
    const hosts = await hostsOf(db, entries);
    const allHosts = (await value<number>(db, sql`SELECT COUNT(*) FROM hosts`)) ?? 0;
    if (hosts.length > allHosts * INCREMENTAL_RECLASSIFY_SHARE) return rebuildFacets(db);
    const entryFacets = new EntryFacets();
    const changes = new FacetChanges();
    for (const hostId of hosts) {
      await changes.move(db, hostId, await storedFacets(db, hostId), await entryFacets.ofHost(db, await storedInstallations(db, hostId)));
    }
    await changes.flush(db);
  }
}
