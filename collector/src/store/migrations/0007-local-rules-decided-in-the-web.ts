import type { Migration } from './migration.ts';

export default {
  version: 7,
  name: 'local rules decided in the web interface, and criticality settings',
  sql: `
      -- Vendors and products the DSI created for items the shared rules do not know.
      CREATE TABLE local_vendors (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        country TEXT,
        owner TEXT,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE TABLE local_products (
        vendor_id TEXT NOT NULL,
        id TEXT NOT NULL,
        name TEXT NOT NULL,
        area TEXT NOT NULL,
        category TEXT NOT NULL,
        licence TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (vendor_id, id)
      );
      -- "This item is that product": the item as it appears in the catalogue.
      CREATE TABLE local_assignments (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        name TEXT NOT NULL,
        publisher TEXT,
        vendor_id TEXT NOT NULL,
        product_id TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (source, name, publisher)
      );
      -- Criticality set by the DSI (1 low, 2 medium, 3 high), per category or per vendor/product.
      CREATE TABLE criticality (
        scope TEXT NOT NULL CHECK (scope IN ('category', 'product')),
        key TEXT NOT NULL,
        level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 3),
        PRIMARY KEY (scope, key)
      );
    `,
} satisfies Migration;
