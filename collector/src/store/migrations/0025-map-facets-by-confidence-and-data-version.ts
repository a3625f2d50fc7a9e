import type { Migration } from './migration.ts';

// Two things the map and the overview need to answer at once at 50,000 hosts:
// - The map's host counts with only the evidence of at least a confidence level (`cell@high`,
//   `vendor@medium`...), kept at ingest like the other facets: an entry below the level gives its
//   hosts the facets of an unrecognised one. The map's shares by cell and origin leave drivers and
//   runtimes (platform items) out, as the method's do (docs/methodology.md, § 1).
// - A data version (meta `data_version`) that every change of what the map and the assessment read
//   bumps in its own transaction: ingest, host removal, reclassification and the authority bump it
//   in code (ingest/ingest.ts, store/installations.ts, store/authority.ts), the DSI's inputs by these
//   triggers (whichever module or command writes them), so a process caches the computed figures
//   per version (assessment/cached.ts) and another process's change is seen at once.
// The facets are rebuilt from the installations, as a rebuild does (store/facets.ts).

const trusted = (levels: string) => `origin <> 'unknown' AND confidence IN (${levels})`;
const facetsAt = (suffix: string, levels: string) => `
  UNION ALL SELECT id, 'cell${suffix}', COALESCE(area, 'unknown') || '|' || CASE WHEN ${trusted(levels)} THEN origin ELSE 'unknown' END FROM catalogue WHERE platform = 0
  UNION ALL SELECT id, 'origin${suffix}', CASE WHEN ${trusted(levels)} THEN origin ELSE 'unknown' END FROM catalogue WHERE platform = 0
  UNION ALL SELECT id, 'licence${suffix}', CASE WHEN ${trusted(levels)} THEN licence ELSE 'unknown' END FROM catalogue
  UNION ALL SELECT id, 'vendor${suffix}', vendor_id FROM catalogue WHERE vendor_id IS NOT NULL AND ${trusted(levels)}
  UNION ALL SELECT id, 'country${suffix}', country FROM catalogue WHERE country IS NOT NULL AND ${trusted(levels)}
  UNION ALL SELECT id, 'owner_country${suffix}', COALESCE(owner_country, country) FROM catalogue WHERE COALESCE(owner_country, country) IS NOT NULL AND ${trusted(levels)}`;

const facets = `
DROP VIEW catalogue_facets;
CREATE VIEW catalogue_facets (catalogue_id, facet, value) AS
  SELECT id, 'cell', COALESCE(area, 'unknown') || '|' || origin FROM catalogue WHERE platform = 0
  UNION ALL SELECT id, 'origin', origin FROM catalogue WHERE platform = 0
  UNION ALL SELECT id, 'licence', licence FROM catalogue
  UNION ALL SELECT id, 'vendor', vendor_id FROM catalogue WHERE vendor_id IS NOT NULL
  UNION ALL SELECT id, 'country', country FROM catalogue WHERE country IS NOT NULL
  UNION ALL SELECT id, 'owner_country', COALESCE(owner_country, country) FROM catalogue WHERE COALESCE(owner_country, country) IS NOT NULL${facetsAt('@high', "'high'")}${facetsAt('@medium', "'high', 'medium'")}
  UNION ALL SELECT id, 'assessed_origin', origin FROM catalogue WHERE platform = 0
  UNION ALL SELECT id, 'assessed_area', area FROM catalogue WHERE platform = 0 AND area IS NOT NULL
  UNION ALL SELECT id, 'assessed_cell', area || '|' || origin FROM catalogue WHERE platform = 0 AND area IS NOT NULL;
DELETE FROM host_facets;
DELETE FROM facet_counts;
INSERT INTO host_facets (host_id, facet, value)
  SELECT DISTINCT i.host_id, f.facet, f.value FROM installations i JOIN catalogue_facets f ON f.catalogue_id = i.catalogue_id;
INSERT INTO facet_counts (facet, value, hosts) SELECT facet, value, COUNT(*) FROM host_facets GROUP BY facet, value;
INSERT INTO meta (key, value) VALUES ('data_version', '1') ON CONFLICT (key) DO UPDATE SET value = '1';
`;

/** The inputs of the assessment and the map that people change (settings, spend, assets, targets, local rules). */
const INPUTS = [
  'criticality',
  'declared_assets',
  'spend_lines',
  'assessment_targets',
  'local_assignments',
  'local_products',
  'local_vendors',
  'federation_exclusions',
  'federation_shared_rules',
];
const BUMP = `UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'data_version'`;

const sqliteTriggers = [
  ...INPUTS.flatMap((table) =>
    ['INSERT', 'UPDATE', 'DELETE'].map((event) => `CREATE TRIGGER ${table}_${event.toLowerCase()}_data_version AFTER ${event} ON ${table} BEGIN ${BUMP}; END;`),
  ),
].join('\n');

const postgresTriggers = [
  `CREATE FUNCTION bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN ${BUMP}; RETURN NULL; END $$;`,
  ...INPUTS.map(
    (table) =>
      `CREATE TRIGGER ${table}_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();`,
  ),
].join('\n');

export default {
  version: 25,
  name: 'map facets by confidence level and a data version',
  sql: facets + sqliteTriggers,
  postgres: facets + postgresTriggers,
} satisfies Migration;
