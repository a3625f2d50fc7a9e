import type { Migration } from './migration.ts';

// Two changes of the facets the map and the assessment count hosts by:
// - The map's cells and origins now leave drivers and runtimes out of their installations and
//   products as of their hosts, so the assessment reads its host shares from the map's own facets:
//   `assessed_origin` and `assessed_cell` said the same and go. `assessed_area` (hosts with any
//   item of an area) stays.
// - A community project has no controlling company, so no country of control: its author's country
//   (7-Zip's, Russia) is not an owner's, and counting it made Russia one of the main countries of
//   control of any Windows fleet (issue 19). The owner_country facets leave community entries out
//   (store/facets.ts), and are recounted here; the other facets are unchanged.
const trusted = (levels: string) => `origin <> 'unknown' AND confidence IN (${levels})`;
const ownerCountry = (suffix: string, condition: string) =>
  `SELECT id, 'owner_country${suffix}', COALESCE(owner_country, country) FROM catalogue WHERE COALESCE(owner_country, country) IS NOT NULL AND origin <> 'community'${condition}`;
const otherFacets = (suffix: string, levels: string) => `
  UNION ALL SELECT id, 'cell${suffix}', COALESCE(area, 'unknown') || '|' || CASE WHEN ${trusted(levels)} THEN origin ELSE 'unknown' END FROM catalogue WHERE platform = 0
  UNION ALL SELECT id, 'origin${suffix}', CASE WHEN ${trusted(levels)} THEN origin ELSE 'unknown' END FROM catalogue WHERE platform = 0
  UNION ALL SELECT id, 'licence${suffix}', CASE WHEN ${trusted(levels)} THEN licence ELSE 'unknown' END FROM catalogue
  UNION ALL SELECT id, 'vendor${suffix}', vendor_id FROM catalogue WHERE vendor_id IS NOT NULL AND ${trusted(levels)}
  UNION ALL SELECT id, 'country${suffix}', country FROM catalogue WHERE country IS NOT NULL AND ${trusted(levels)}
  UNION ALL ${ownerCountry(suffix, ` AND ${trusted(levels)}`)}`;
const OWNER_FACETS = "('owner_country', 'owner_country@high', 'owner_country@medium')";

const sql = `
DROP VIEW catalogue_facets;
CREATE VIEW catalogue_facets (catalogue_id, facet, value) AS
  SELECT id, 'cell', COALESCE(area, 'unknown') || '|' || origin FROM catalogue WHERE platform = 0
  UNION ALL SELECT id, 'origin', origin FROM catalogue WHERE platform = 0
  UNION ALL SELECT id, 'licence', licence FROM catalogue
  UNION ALL SELECT id, 'vendor', vendor_id FROM catalogue WHERE vendor_id IS NOT NULL
  UNION ALL SELECT id, 'country', country FROM catalogue WHERE country IS NOT NULL
  UNION ALL ${ownerCountry('', '')}${otherFacets('@high', "'high'")}${otherFacets('@medium', "'high', 'medium'")}
  UNION ALL SELECT id, 'assessed_area', area FROM catalogue WHERE platform = 0 AND area IS NOT NULL;
DELETE FROM host_facets WHERE facet IN ('assessed_origin', 'assessed_cell', 'owner_country', 'owner_country@high', 'owner_country@medium');
DELETE FROM facet_counts WHERE facet IN ('assessed_origin', 'assessed_cell', 'owner_country', 'owner_country@high', 'owner_country@medium');
INSERT INTO host_facets (host_id, facet, value)
  SELECT DISTINCT i.host_id, f.facet, f.value FROM installations i JOIN catalogue_facets f ON f.catalogue_id = i.catalogue_id WHERE f.facet IN ${OWNER_FACETS};
INSERT INTO facet_counts (facet, value, hosts) SELECT facet, value, COUNT(*) FROM host_facets WHERE facet IN ${OWNER_FACETS} GROUP BY facet, value;
UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'data_version';
`;

export default {
  version: 26,
  name: 'host shares from the map facets; no country of control for community projects',
  sql,
  postgres: sql,
} satisfies Migration;
