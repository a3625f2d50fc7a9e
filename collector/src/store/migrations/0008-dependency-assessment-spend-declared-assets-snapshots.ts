import type { Migration } from './migration.ts';

export default {
  version: 8,
  name: 'dependency assessment: spend, declared assets, snapshots and targets',
  sql: `
      -- Annual spend imported from the finance software, one row per line of the imported file.
      -- Amounts in euro cents; the vendor and product as the file names them, matched by the rules.
      CREATE TABLE spend_lines (
        id INTEGER PRIMARY KEY,
        year INTEGER NOT NULL,
        amount_cents INTEGER NOT NULL,
        vendor_text TEXT,
        product_text TEXT,
        contract_ref TEXT,
        supplier TEXT,
        source_file TEXT NOT NULL,
        source_line INTEGER NOT NULL,
        imported_at TEXT NOT NULL
      );
      CREATE INDEX spend_by_year ON spend_lines (year);
      -- SaaS, cloud, hosting, telecom and services no agent inventories.
      CREATE TABLE declared_assets (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        vendor_text TEXT NOT NULL,
        area TEXT NOT NULL CHECK (area IN ('infrastructure', 'workstation', 'software')),
        users INTEGER NOT NULL DEFAULT 0,
        annual_cost_cents INTEGER,
        note TEXT,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      -- The indicators of each day that had new data, kept for the trajectory.
      CREATE TABLE assessment_snapshots (
        day TEXT PRIMARY KEY,
        computed_at TEXT NOT NULL,
        indicators TEXT NOT NULL
      );
      -- Targets the authority sets itself, e.g. index 30 in 2030.
      CREATE TABLE assessment_targets (
        indicator TEXT NOT NULL,
        year INTEGER NOT NULL,
        value REAL NOT NULL,
        PRIMARY KEY (indicator, year)
      );
    `,
} satisfies Migration;
