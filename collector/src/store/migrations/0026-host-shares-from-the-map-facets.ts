import { facetsAt } from './0025-map-facets-by-confidence-and-data-version.ts';
import type { Migration } from './migration.ts';

// The map's cells and origins now leave drivers and runtimes out of their installations and
// products as of their hosts, so the assessment reads its host shares from the map's own facets:
// `assessed_origin` and `assessed_cell` said the same and go. `assessed_area` (hosts with any item of
// an area) stays. Nothing is recounted: the other facets are unchanged.
const facets = `
DROP VIEW catalogue_facets;
CREATE VIEW catalogue_facets (catalogue_id, facet, value) AS
  SELECT id, 'cell', COALESCE(area, 'unknown') || '|' || origin FROM catalogue WHERE platform = 0
  UNION ALL SELECT id, 'origin', origin FROM catalogue WHERE platform = 0
  UNION ALL SELECT id, 'licence', licence FROM catalogue
  UNION ALL SELECT id, 'vendor', vendor_id FROM catalogue WHERE vendor_id IS NOT NULL
  UNION ALL SELECT id, 'country', country FROM catalogue WHERE country IS NOT NULL
  UNION ALL SELECT id, 'owner_country', COALESCE(owner_country, country) FROM catalogue WHERE COALESCE(owner_country, country) IS NOT NULL${facetsAt('@high', "'high'")}${facetsAt('@medium', "'high', 'medium'")}
  UNION ALL SELECT id, 'assessed_area', area FROM catalogue WHERE platform = 0 AND area IS NOT NULL;
DELETE FROM host_facets WHERE facet IN ('assessed_origin', 'assessed_cell');
DELETE FROM facet_counts WHERE facet IN ('assessed_origin', 'assessed_cell');
`;

export default {
  version: 26,
  name: 'host shares from the map facets',
  sql: facets,
  postgres: facets,
} satisfies Migration;
