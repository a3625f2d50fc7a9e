// Method 2 on a database of method 1: declared costs without a year are kept (listed apart, in no
// year's spend), targets and snapshots of the former combined index become the priority's. SQLite
// only: databases of method 1 are SQLite files.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Classifier } from '../classify/classifier.ts';
import { DEFAULT_RULES_DIR, loadRuleTrees } from '../classify/load-rules.ts';
import { closeDatabase, migrateSqlite, openDatabase, openSqliteFile } from '../store/db.ts';
import { MIGRATIONS } from '../store/migrations.ts';
import { computeAssessment } from './compute.ts';
import { history } from './history.ts';
import { importSpend, listAssets } from './inputs.ts';

const classifier = new Classifier(loadRuleTrees([DEFAULT_RULES_DIR]));

describe('migration 15', () => {
  it('keeps the declared assets, targets and snapshots of a database of method 1', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tiebreak-upgrade-')), 'test.db');
    const old = openSqliteFile(
      file,
      MIGRATIONS.filter((m) => m.version < 15),
    );
    old
      .prepare(
        "INSERT INTO declared_assets (name, vendor_text, area, users, annual_cost_cents, note, created_by, created_at) VALUES ('Google Workspace', 'Google', 'software', 12, 168000, 'n', 'cli', '2026-01-01')",
      )
      .run();
    old
      .prepare(
        "INSERT INTO assessment_targets (indicator, year, value) VALUES ('index', 2030, 30), ('index.workstation', 2030, 40), ('unknown_share', 2028, 5)",
      )
      .run();
    old
      .prepare('INSERT INTO assessment_snapshots (day, computed_at, indicators) VALUES (?, ?, ?)')
      .run(
        '2026-01-02',
        '2026-01-02T10:00:00Z',
        JSON.stringify({ values: { index: 44.17, 'index.workstation': 50.5, unknown_share: 1.01 }, overall: {}, areas: {}, uncertainty: {} }),
      );

    expect(migrateSqlite(old)).toEqual(MIGRATIONS.filter((m) => m.version >= 15).map((m) => m.version));
    old.close();
    const db = await openDatabase(file);
    expect(await listAssets(db)).toEqual([
      {
        id: 1,
        name: 'Google Workspace',
        vendor_text: 'Google',
        area: 'software',
        users: 12,
        annual_cost_cents: 168000,
        cost_year: null,
        contract_ref: null,
        note: 'n',
      },
    ]);
    const h = await history(db);
    expect(h.targets).toEqual([
      { indicator: 'priority', year: 2030, value: 30 },
      { indicator: 'priority.workstation', year: 2030, value: 40 },
      { indicator: 'unknown_share', year: 2028, value: 5 },
    ]);
    expect(h.series.priority).toEqual([44.17]);
    expect(h.series['priority.workstation']).toEqual([50.5]);
    expect(h.series.exposure).toEqual([null]);
    expect(h.series.unknown_share).toEqual([1.01]);

    // The undated cost is in no year: a 2024 view of spend shows none of it.
    await importSpend(db, classifier, 'vendor;amount;year\nBerger-Levrault;500;2024\n', 'f.csv');
    const a = await computeAssessment(db, classifier, { year: 2024 });
    expect(a.overall.spend.total_eur).toBe(500);
    expect(a.overall.spend.by_origin.non_eu.count).toBe(0);
    expect(a.spend.declared).toEqual([{ asset: 1, name: 'Google Workspace', amount_eur: 1680, year: null, contract: null, counted: false, reason: 'undated' }]);
    // Declared only: 12 users, no host; its weight is capped by the fleet (empty here: 1).
    expect(a.products.find((p) => p.key === 'google/google-workspace')).toMatchObject({
      hosts: 0,
      installations: 0,
      users: 12,
      weight: 1,
      sources: ['declared'],
    });
    await closeDatabase(db);
  });
});
