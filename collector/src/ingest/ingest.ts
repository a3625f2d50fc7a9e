// Ingestion of one inventory, in one transaction: the host is found or created (never merging two
// machines), its items are linked to catalogue entries (classified once, when first seen), and its
// installations replaced, with what the map and the pages count brought along in the same
// transaction (store/installations.ts).
import { inventoryContentHash, type Hardware, type Inventory, type InventoryPart, type Os, type SoftwareItem, type SoftwareSource, type UnchangedReport } from '@tiebreak/shared';
import type { Classification, Classifier } from '../classify/classifier.ts';
import { getMeta, setMeta, type Db } from '../store/db.ts';
import { EntryFacets, FacetChanges, rebuildFacets, RULES_META_KEY, storedFacets } from '../store/facets.ts';
import { canonicalRows, CounterChanges, hostsOf, installationsOf as storedInstallations, replaceInstallations, type InstallationRow } from '../store/installations.ts';
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

/** Classification of a catalogue item, with the area of OS and hardware taken from the host role. */
export function classifyItem(classifier: Classifier, item: CatalogueItem): Classification {
  const result = classifier.classify(item.host_os ? { ...item, distribution: classifier.distributionOf(item.host_os) } : item);
  if (item.kind === 'software') return result;
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
      if (known.kind === item.kind && known.source === item.source && known.role === item.role && known.package === item.package && (known.host_os ?? '') === (item.host_os ?? '')) return id;
    }
    return undefined;
  }
  set(item: CatalogueItem, id: number): void {
    if (this.size >= RAW_CACHE_LIMIT) this.clear();
    let byPublisher = this.byName.get(item.name);
    if (!byPublisher) this.byName.set(item.name, (byPublisher = new Map()));
    const publisher = item.publisher ?? '';
    const candidates = byPublisher.get(publisher);
    const entry: [CatalogueItem, number] = [{ kind: item.kind, source: item.source, role: item.role, name: item.name, publisher: item.publisher, package: item.package, host_os: item.host_os ?? '' }, id];
    if (candidates) candidates.push(entry);
    else byPublisher.set(publisher, [entry]);
    this.size++;
  }
  clear(): void {
    this.byName.clear();
    this.size = 0;
  }
}

/** Past this many reclassified entries, or this share of hosts having them, every host's facets are rebuilt at once. */
const INCREMENTAL_RECLASSIFY_LIMIT = 2_000;
const INCREMENTAL_RECLASSIFY_SHARE = 0.05;

const RAW_CACHE_LIMIT = 500_000;

/** Whether a host id is that of a computer (a workstation or a server) already known here. */
export function isComputerHost(db: Db, hostKey: string): boolean {
  return db.prepare("SELECT 1 FROM hosts WHERE host_key = ? AND role IN ('workstation', 'server') LIMIT 1").get(hostKey) !== undefined;
}

export class Ingestor {
  private readonly entryIds = new EntryIds();
  /** The facets of catalogue entries, valid for the classification of this fingerprint of the rules. */
  private entryFacets: { rules: string | undefined; facets: EntryFacets } | null = null;
  private readonly stmt;
  /** One inventory in its own transaction (a savepoint inside a batch). */
  private readonly ingestTransaction: (inventory: Inventory, now: string, changes: CounterChanges) => IngestResult;

  constructor(
    private readonly db: Db,
    private classifier: Classifier,
  ) {
    this.stmt = {
      receipt: db.prepare('SELECT host_id FROM inventory_receipts WHERE id = ?'),
      addReceipt: db.prepare('INSERT INTO inventory_receipts (id, host_id, received_at, collected_at, items, partial) VALUES (?, ?, ?, ?, ?, ?)'),
      storedHost: db.prepare(`SELECT os_family, os_name, os_version, os_build, os_arch, os_kernel, os_edition, hardware_json, role
        FROM hosts WHERE id = ?`),
      storedEntries: db.prepare(`SELECT DISTINCT c.id, c.kind, c.source, c.name, c.publisher, c.package
        FROM installations i JOIN catalogue c ON c.id = i.catalogue_id WHERE i.host_id = ?`),
      hostsByKey: db.prepare('SELECT id, hostname, serial_hash, content_hash FROM hosts WHERE host_key = ?'),
      insertHost: db.prepare(`INSERT INTO hosts (host_key, id_source, hostname, domain, serial_hash, role, os_family, os_name, os_version,
        os_build, os_arch, os_kernel, os_edition, hardware_json, agent_name, agent_version, first_seen, last_seen, collected_at, software_count,
        content_hash)
        VALUES (@host_key, @id_source, @hostname, @domain, @serial_hash, @role, @os_family, @os_name, @os_version, @os_build, @os_arch,
        @os_kernel, @os_edition, @hardware_json, @agent_name, @agent_version, @now, @now, @collected_at, @software_count, @content_hash)`),
      updateHost: db.prepare(`UPDATE hosts SET id_source = @id_source, hostname = @hostname, domain = @domain,
        serial_hash = COALESCE(@serial_hash, serial_hash), role = @role, os_family = @os_family, os_name = @os_name, os_version = @os_version,
        os_build = @os_build, os_arch = @os_arch, os_kernel = @os_kernel, os_edition = @os_edition, hardware_json = @hardware_json,
        agent_name = @agent_name, agent_version = @agent_version, last_seen = @now, collected_at = @collected_at,
        software_count = @software_count, content_hash = @content_hash WHERE id = @id`),
      flagDuplicates: db.prepare('UPDATE hosts SET duplicate_id = 1 WHERE host_key = ?'),
      catalogueByKey: db.prepare(
        'SELECT id FROM catalogue WHERE source = ? AND role = ? AND host_os = ? AND name_norm = ? AND publisher_norm = ? AND package_norm = ?',
      ),
      insertCatalogue: db.prepare(`INSERT INTO catalogue (kind, source, role, host_os, name, publisher, package, name_norm, publisher_norm,
        package_norm, vendor_id, product_id, country, owner_country, origin, licence, area, category, platform, rule, evidence, confidence, first_seen)
        VALUES (@kind, @source, @role, @host_os, @name, @publisher, @package, @name_norm, @publisher_norm, @package_norm, @vendor_id, @product_id,
        @country, @owner_country, @origin, @licence, @area, @category, @platform, @rule, @evidence, @confidence, @now)`),
    };
    this.ingestTransaction = db.transaction((inventory: Inventory, now: string, changes: CounterChanges) => this.ingestUnsafe(inventory, now, changes));
  }

  /** Ingest a validated inventory. All or nothing: on any error, the database is unchanged. */
  ingest(inventory: Inventory, now = new Date()): IngestResult {
    const [result] = this.ingestMany([inventory], now);
    if (result instanceof Error) throw result;
    return result!;
  }

  /**
   * Ingest several inventories with one commit: each in its own savepoint, so one that fails is
   * rolled back alone and reported in its slot, while the others are kept. The commit is the
   * dominant cost of an ingest; sharing it is what lets the collector keep up with a burst.
   */
  ingestMany(inventories: readonly Inventory[], now = new Date()): (IngestResult | Error)[] {
    const at = now.toISOString();
    this.checkFacets();
    // Fast path: the whole batch in one transaction without a savepoint per inventory (they cost
    // a tenth of an ingest). Inventories are validated, so one rarely fails; when one does, the
    // batch is rolled back whole and ingested again below, each inventory in its own savepoint.
    if (inventories.length > 1) {
      try {
        return this.db.transaction(() => {
          const changes = new CounterChanges(this.db);
          const results = inventories.map((inventory) => this.ingestUnsafe(inventory, at, changes));
          changes.write();
          return results;
        })();
      } catch {
        this.forgetEntries();
      }
    }
    let failed = false;
    try {
      return this.db.transaction(() => {
        const changes = new CounterChanges(this.db);
        const results = inventories.map((inventory) => {
          // The counters of an inventory count once its savepoint is kept.
          const own = new CounterChanges(this.db);
          try {
            // A transaction inside a transaction is a savepoint in better-sqlite3.
            const result = this.ingestTransaction(inventory, at, own);
            changes.addAll(own);
            return result;
          } catch (error) {
            failed = true;
            // Rolled back: the next inventories of the batch must not reuse its catalogue rows.
            this.forgetEntries();
            return error instanceof Error ? error : new Error(String(error));
          }
        });
        changes.write();
        return results;
      })();
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
  acceptUnchanged(report: UnchangedReport, now = new Date()): { accepted: boolean; host_id: number | null } {
    return this.db.transaction(() => {
      const replay = this.stmt.receipt.pluck().get(report.id) as number | undefined;
      if (replay !== undefined) return { accepted: true, host_id: replay };
      const host = this.db
        .prepare('SELECT id, software_count FROM hosts WHERE host_key = ? AND content_hash = ? ORDER BY last_seen DESC LIMIT 1')
        .get(report.host_id, report.content_hash) as { id: number; software_count: number } | undefined;
      if (!host) return { accepted: false, host_id: null };
      const at = now.toISOString();
      this.db.prepare('UPDATE hosts SET last_seen = ?, collected_at = ? WHERE id = ?').run(at, report.collected_at, host.id);
      this.stmt.addReceipt.run(report.id, host.id, at, report.collected_at, host.software_count, 0);
      return { accepted: true, host_id: host.id };
    })();
  }

  /** The hosts reporting this stable id, and the one that is this machine (same serial, else same name). */
  private knownHost(host: Inventory['host']) {
    const candidates = this.stmt.hostsByKey.all(host.id) as { id: number; hostname: string; serial_hash: string | null; content_hash: string | null }[];
    const serial = host.serial_hash ?? null;
    const same = candidates.find((c) =>
      c.serial_hash && serial ? c.serial_hash === serial : c.hostname.toLowerCase() === host.hostname.toLowerCase(),
    );
    return { candidates, same };
  }

  /**
   * A partial report completed with what the host had: the parts it does not carry are taken from
   * the host's stored OS, hardware and installations, so that it replaces only the parts it carries.
   * A partial report of an unknown host is taken as it is.
   */
  private completePartial(inventory: Inventory): Inventory {
    const carried = new Set(inventory.partial);
    const { same } = this.knownHost(inventory.host);
    if (!same) return inventory;
    const stored = this.stmt.storedHost.get(same.id) as (Record<string, string | null> & { hardware_json: string }) | undefined;
    if (!stored) return inventory;
    const rows = storedInstallations(this.db, same.id);
    const entries = this.stmt.storedEntries.all(same.id) as { id: number; kind: string; source: string; name: string; publisher: string | null; package: string | null }[];
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
      for (const [entryId, version, scope, arch] of rows) {
        const entry = byId.get(entryId);
        if (entry?.kind !== 'software') continue;
        software.push({ name: entry.name, version: version || null, publisher: entry.publisher, source: entry.source as SoftwareSource, scope: scope as SoftwareItem['scope'], arch: arch || null, package: entry.package, installed_on: null });
      }
    }
    return { ...inventory, os, hardware, software, content_hash: undefined };
  }

  private resolveHost(inventory: Inventory, role: HostRole, now: string): { id: number; duplicate: boolean; unchanged: boolean } {
    const host = inventory.host;
    const { candidates, same } = this.knownHost(host);
    const serial = host.serial_hash ?? null;
    const row = {
      host_key: host.id,
      id_source: host.id_source,
      hostname: host.hostname,
      domain: host.domain ?? null,
      serial_hash: serial,
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
      now,
      collected_at: inventory.collected_at,
      software_count: inventory.software.length,
      // The agent's own hash when it sent one (it computes it for its delta reports anyway).
      content_hash: inventory.content_hash ?? inventoryContentHash(inventory),
    };
    if (same) {
      this.stmt.updateHost.run({ ...row, id: same.id });
      return { id: same.id, duplicate: candidates.length > 1, unchanged: same.content_hash === row.content_hash };
    }
    const id = Number(this.stmt.insertHost.run(row).lastInsertRowid);
    if (candidates.length) this.stmt.flagDuplicates.run(host.id);
    return { id, duplicate: candidates.length > 0, unchanged: false };
  }

  private catalogueId(item: CatalogueItem, now: string, created: { n: number }): number {
    const cached = this.entryIds.get(item);
    if (cached !== undefined) return cached;
    const key = catalogueKey(item);
    let id = this.stmt.catalogueByKey.pluck().get(item.source, item.role, item.host_os ?? '', key.name_norm, key.publisher_norm, key.package_norm) as
      | number
      | undefined;
    if (id === undefined) {
      const c = classifyItem(this.classifier, item);
      id = Number(
        this.stmt.insertCatalogue.run({
          kind: item.kind,
          source: item.source,
          role: item.role,
          host_os: item.host_os ?? '',
          name: item.name,
          publisher: item.publisher,
          package: item.package,
          ...key,
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
          now,
        }).lastInsertRowid,
      );
      created.n++;
    }
    this.entryIds.set(item, id);
    return id;
  }

  private ingestUnsafe(inventory: Inventory, now: string, changes: CounterChanges): IngestResult {
    const replayOf = this.stmt.receipt.pluck().get(inventory.id) as number | undefined;
    if (replayOf !== undefined) return { host_id: replayOf, replay: true, items: 0, new_catalogue_entries: 0, duplicate_id: false, unchanged: true };

    const partial = inventory.partial !== undefined;
    if (partial) inventory = this.completePartial(inventory);
    const role = hostRole(inventory);
    const host = this.resolveHost(inventory, role, now);
    const created = { n: 0 };

    // The host's installations after this inventory, in a canonical order: only the rows that
    // changed are written, with the counters and facets of what the host gained or lost.
    const rows: InstallationRow[] = [];
    for (const installation of installationsOf(inventory, role)) {
      rows.push([this.catalogueId(installation.item, now, created), installation.version, installation.scope, installation.arch]);
    }
    const next = canonicalRows(rows);
    replaceInstallations(this.db, this.entryFacets!.facets, host.id, next, changes);

    this.stmt.addReceipt.run(inventory.id, host.id, now, inventory.collected_at, inventory.software.length, partial ? 1 : 0);
    return { host_id: host.id, replay: false, items: next.length, new_catalogue_entries: created.n, duplicate_id: host.duplicate, unchanged: host.unchanged };
  }

  /**
   * Classify the whole catalogue again with the current rules and bring the host facets in line:
   * run when the rules changed, so the map follows without any rescan. Returns the entries changed.
   */
  reclassify(classifier: Classifier = this.classifier): number {
    this.classifier = classifier;
    // IMMEDIATE: the facets are derived from the whole state, which must not move meanwhile.
    const changed = this.db.transaction(() => {
      const rows = this.db.prepare('SELECT id, kind, source, role, host_os, name, publisher, package, vendor_id, product_id, country, owner_country, origin, licence, area, category, platform, rule, evidence, confidence FROM catalogue').all() as (CatalogueItem & Record<string, unknown> & { id: number })[];
      const update = this.db.prepare(`UPDATE catalogue SET vendor_id = @vendor_id, product_id = @product_id, country = @country, owner_country = @owner_country, origin = @origin, licence = @licence,
        area = @area, category = @category, platform = @platform, rule = @rule, evidence = @evidence, confidence = @confidence WHERE id = @id`);
      const changedEntries: number[] = [];
      for (const row of rows) {
        const c = classifyItem(classifier, row);
        const next = { vendor_id: c.vendor_id, product_id: c.product_id, country: c.country, owner_country: c.owner_country, origin: c.origin, licence: c.licence, area: c.area, category: c.category, platform: c.platform ? 1 : 0, rule: c.rule, evidence: c.evidence, confidence: c.confidence };
        if (Object.entries(next).some(([k, v]) => row[k] !== v)) {
          update.run({ ...next, id: row.id });
          changedEntries.push(row.id);
        }
      }
      if (changedEntries.length) this.refreshFacets(changedEntries);
      setMeta(this.db, RULES_META_KEY, classifier.fingerprint);
      return changedEntries.length;
    }).immediate();
    this.entryIds.clear();
    this.entryFacets = null;
    return changed;
  }

  /** Forget the cached catalogue ids and facets (after a rollback: an id may be given again to another entry). */
  private forgetEntries(): void {
    this.entryIds.clear();
    if (this.entryFacets) this.entryFacets.facets = new EntryFacets(this.db);
  }

  /** The entries' facets kept from one ingest to the next while the classification stays the same. */
  private checkFacets(): void {
    const rules = getMeta(this.db, RULES_META_KEY);
    if (!this.entryFacets || this.entryFacets.rules !== rules) this.entryFacets = { rules, facets: new EntryFacets(this.db) };
  }

  /** Reclassify only when the rules differ from those the catalogue was classified with. */
  reclassifyIfRulesChanged(): number | null {
    if (getMeta(this.db, RULES_META_KEY) === this.classifier.fingerprint) return null;
    return this.reclassify();
  }

  /**
   * The facets of the hosts that have these entries, and only theirs, when they are few: a local
   * rule decided in the web interface for an item on a few hosts is then applied in milliseconds
   * at any fleet size. Otherwise every host's facets are rebuilt at once, in SQL.
   */
  private refreshFacets(entries: readonly number[]): void {
    if (entries.length > INCREMENTAL_RECLASSIFY_LIMIT) return rebuildFacets(this.db);
    const hosts = hostsOf(this.db, entries);
    const allHosts = this.db.prepare('SELECT COUNT(*) FROM hosts').pluck().get() as number;
    if (hosts.length > allHosts * INCREMENTAL_RECLASSIFY_SHARE) return rebuildFacets(this.db);
    const entryFacets = new EntryFacets(this.db);
    const changes = new FacetChanges(this.db);
    for (const hostId of hosts) {
      changes.move(hostId, storedFacets(this.db, hostId), entryFacets.ofHost(storedInstallations(this.db, hostId)));
    }
    changes.flush();
  }
}
