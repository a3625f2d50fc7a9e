/** @jsxImportSource hono/jsx */
// The vendors with installed items (their export) and a vendor's page: who owns it, from where,
// with the sources of those facts, and its products installed here.
import { VendorDetailPage, VendorsPage } from '../pages.tsx';
import { listProducts, listVendors, vendorFootprint, type VendorFilters } from '../queries.ts';
import { EXPORT_LIMIT, exportTable, feature, queryOf, type UiContext } from './context.ts';

export function vendorRoutes(ui: UiContext) {
  const { app, ctxOf, exportRoute } = feature(ui);
  const { db } = ui;

  app.get('/vendors', async (c) =>
    c.html(<VendorsPage ctx={ctxOf(c)} page={await listVendors(db, ui.classifier(), queryOf(c) as VendorFilters)} query={queryOf(c)} />),
  );
  exportRoute('/vendors', async (c) => {
    const t = ctxOf(c).t;
    const { rows } = await listVendors(db, ui.classifier(), { ...(queryOf(c) as VendorFilters), page: '1' }, EXPORT_LIMIT);
    return exportTable(c, 'vendors', {
      columns: [
        { key: 'vendor', label: t.vendor },
        { key: 'vendor_id', label: t.vendorId },
        { key: 'country', label: t.country },
        { key: 'owner', label: t.owner },
        { key: 'owner_country', label: t.ownerCountry },
        { key: 'origin', label: t.origin },
        { key: 'hosts', label: t.hosts },
        { key: 'installs', label: t.installations },
        { key: 'products', label: t.products },
      ],
      rows: rows as unknown as Record<string, unknown>[],
    });
  });
  app.get('/vendors/:id{[a-z0-9-]+}', async (c) => {
    const classifier = ui.classifier();
    const id = c.req.param('id');
    const vendor = classifier.vendor(id);
    if (!vendor) return c.notFound();
    const owner = classifier.ultimateOwner(id);
    const { origin, hosts } = await vendorFootprint(db, id);
    return c.html(
      <VendorDetailPage
        ctx={ctxOf(c)}
        vendor={{
          id,
          name: vendor.name,
          country: vendor.country ?? null,
          website: vendor.website ?? null,
          owner: owner?.name ?? null,
          owner_country: owner?.country ?? vendor.country ?? null,
          origin,
          note: vendor.note ?? null,
          sources: vendor.sources.map((s) => ({ url: s.url, date: s.as_of, fact: s.note })),
        }}
        products={await listProducts(db, { vendor: id, page: c.req.query('page') })}
        hosts={hosts}
      />,
    );
  });
  return app;
}
