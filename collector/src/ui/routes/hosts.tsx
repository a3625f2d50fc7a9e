/** @jsxImportSource hono/jsx */
// The hosts list (with each host's dependency, its export) and a host's page: its facts, its own
// dependency summary and its installations, searched and paginated.
import { listEntities } from '../../entities/entities.ts';
import { entityName } from '../entities-page.tsx';
import { HostDetailPage, HostsPage } from '../pages.tsx';
import {
  hostById,
  hostDependencies,
  hostDependency,
  hostInstallationsPage,
  hostAgentNames,
  listHosts,
  type HostFilters,
  type HostItemFilters,
} from '../queries.ts';
import { EXPORT_LIMIT, exportTable, feature, queryOf, type UiContext } from './context.ts';

/** Hosts whose dependency is read at once for an export. */
const DEPENDENCY_BATCH = 500;

export function hostRoutes(ui: UiContext) {
  const { app, ctxOf, exportRoute } = feature(ui);
  const { db } = ui;

  app.get('/hosts', async (c) => {
    const page = await listHosts(db, queryOf(c) as HostFilters);
    const dependencies = await hostDependencies(
      db,
      page.rows.map((h) => h.id),
    );
    return c.html(
      <HostsPage
        ctx={ctxOf(c)}
        page={page}
        dependencies={dependencies}
        query={queryOf(c)}
        agents={await hostAgentNames(db)}
        entities={await listEntities(db)}
      />,
    );
  });
  exportRoute('/hosts', async (c) => {
    const t = ctxOf(c).t;
    const entities = await listEntities(db);
    const { rows } = await listHosts(db, { ...(queryOf(c) as HostFilters), page: '1' }, EXPORT_LIMIT);
    const shares = new Map<number, number | null>();
    for (let i = 0; i < rows.length; i += DEPENDENCY_BATCH)
      for (const [id, d] of await hostDependencies(
        db,
        rows.slice(i, i + DEPENDENCY_BATCH).map((h) => h.id),
      ))
        shares.set(id, d.nonEuShare === null ? null : Math.round(1000 * d.nonEuShare) / 10);
    return exportTable(c, 'hosts', {
      columns: [
        { key: 'hostname', label: t.hostname },
        { key: 'domain', label: t.domain },
        { key: 'role', label: t.role },
        { key: 'os_name', label: t.os },
        { key: 'os_version', label: t.osVersion },
        { key: 'agent_name', label: t.agent },
        { key: 'last_seen', label: t.lastSeen },
        { key: 'software_count', label: t.softwareCount },
        ...(entities.length ? [{ key: 'entity', label: t.entities.entity }] : []),
        { key: 'non_eu_share', label: t.hostDependency.column },
      ],
      rows: rows.map((h) => ({ ...h, non_eu_share: shares.get(h.id) ?? null, entity: entityName(t, entities, h.entity_id) })),
    });
  });

  app.get('/hosts/:id{[0-9]+}', async (c) => {
    const host = await hostById(db, Number(c.req.param('id')));
    if (!host) return c.notFound();
    const query = queryOf(c);
    const filters: HostItemFilters = { q: query.q?.slice(0, 200), origin: query.origin, page: query.page };
    const items = await hostInstallationsPage(db, host.id, filters);
    const classifier = ui.classifier();
    const vendorNames = Object.fromEntries(
      items.rows.flatMap((i) => (i.vendor_id ? [[i.vendor_id, classifier.vendor(i.vendor_id)?.name ?? i.vendor_id]] : [])),
    );
    return c.html(
      <HostDetailPage
        ctx={ctxOf(c)}
        host={host}
        items={items}
        vendorNames={vendorNames}
        dependency={await hostDependency(db, host.id)}
        query={{ q: filters.q, origin: filters.origin }}
        entities={await listEntities(db)}
      />,
    );
  });
  return app;
}
