/** @jsxImportSource hono/jsx */
// The products (inventory lines grouped by the rules' product, each line one click away), the
// unrecognised items' queue, their exports (raw lines), a line's page and the admin's decision on
// an unrecognised line (a local rule).
import { alternativesOfProduct } from '../../assessment/alternatives.ts';
import { cachedAssessment } from '../../assessment/cached.ts';
import { criticalityResolver } from '../../assessment/compute.ts';
import type { Classifier } from '../../classify/classifier.ts';
import { decide } from '../../classify/local-rules.ts';
import type { Table } from '../../exports/tables.ts';
import type { PageContext } from '../layout.tsx';
import { AssignForm, ProductDetailPage, ProductsPage } from '../pages.tsx';
import { listProductGroups, listProducts, pageNumber, productById, productHosts, productVersions, type ProductFilters, type ProductGroup } from '../queries.ts';
import { categoryOptions, EXPORT_LIMIT, exportTable, feature, field, queryOf, type Ctx, type UiContext } from './context.ts';

const productColumns = (t: PageContext['t']): Table['columns'] => [
  { key: 'name', label: t.name },
  { key: 'publisher', label: t.publisher },
  { key: 'source', label: t.source },
  { key: 'kind', label: t.kind },
  { key: 'vendor_id', label: t.vendor },
  { key: 'product_id', label: t.product },
  { key: 'country', label: t.country },
  { key: 'owner_country', label: t.ownerCountry },
  { key: 'origin', label: t.origin },
  { key: 'licence', label: t.licence },
  { key: 'area', label: t.area },
  { key: 'category', label: t.category },
  { key: 'hosts', label: t.hosts },
  { key: 'installs', label: t.installations },
  { key: 'rule', label: t.rule },
  { key: 'evidence', label: t.evidence },
  { key: 'confidence', label: t.confidence },
];

/** The rules' names of the groups' vendors and products, by `vendor` and `vendor/product`. */
function namesOf(classifier: Classifier, groups: ProductGroup[]): Record<string, string> {
  const names: Record<string, string> = {};
  for (const g of groups) {
    if (!g.vendor_id) continue;
    names[g.vendor_id] = classifier.vendor(g.vendor_id)?.name ?? g.vendor_id;
    if (g.key && g.product_id) names[g.key] = classifier.product(g.vendor_id, g.product_id)?.name ?? g.name;
  }
  return names;
}

/** Every product of the rules, as the choices of the assignment form. */
function productChoices(classifier: Classifier): [string, string][] {
  const out: [string, string][] = [];
  for (const v of classifier.rules.vendors.values()) for (const p of v.products) out.push([`${v.id}/${p.id}`, `${v.name} — ${p.name}`]);
  return out.sort((a, b) => a[1].localeCompare(b[1]));
}

export function productRoutes(ui: UiContext) {
  const { app, ctxOf, audit, submit, username, exportRoute } = feature(ui);
  const { db } = ui;

  app.get('/products', async (c) => {
    const ctx = ctxOf(c);
    const page = await listProductGroups(db, queryOf(c) as ProductFilters);
    return c.html(
      <ProductsPage ctx={ctx} page={page} names={namesOf(ui.classifier(), page.rows)} query={queryOf(c)} categories={categoryOptions(ui, ctx.lang)} />,
    );
  });
  app.get('/unknown', async (c) => {
    const ctx = ctxOf(c);
    const page = await listProductGroups(db, { ...(queryOf(c) as ProductFilters), unknown: '1' });
    return c.html(
      <ProductsPage
        ctx={ctx}
        page={page}
        names={namesOf(ui.classifier(), page.rows)}
        query={queryOf(c)}
        categories={[]}
        title={ctx.t.nav.unknown}
        active="unknown"
      />,
    );
  });
  for (const list of ['products', 'unknown'] as const) {
    exportRoute(`/${list}`, async (c) => {
      const filters = { ...(queryOf(c) as ProductFilters), page: '1', ...(list === 'unknown' ? { unknown: '1' } : {}) };
      return exportTable(c, list, {
        columns: productColumns(ctxOf(c).t),
        rows: (await listProducts(db, filters, EXPORT_LIMIT)).rows as unknown as Record<string, unknown>[],
      });
    });
  }

  /** The product's exposure, priority and cost in the assessment (in the entry's area), for its detail page. */
  const assessedProduct = async (vendorId: string | null, productId: string | null, category: string | null, area: string | null) => {
    if (!vendorId) return null;
    const key = productId ? `${vendorId}/${productId}` : `${vendorId}/*${category ?? 'other'}`;
    const p = (await cachedAssessment(db, ui.classifier())).products.find((x) => x.product_key === key && x.area === (area ?? 'software'));
    return p ? { exposure: p.exposure, priority: p.priority, spend_eur: p.spend_eur, estimated_spend_eur: p.estimated_spend_eur } : null;
  };

  const productPage = async (c: Ctx, id: number, error?: string, status: 200 | 400 | 403 | 404 | 409 | 503 = 200) => {
    const entry = await productById(db, id);
    if (!entry) return c.notFound();
    const classifier = ui.classifier();
    const ctx = ctxOf(c);
    const vendor = entry.vendor_id ? classifier.vendor(entry.vendor_id) : undefined;
    const owner = entry.vendor_id ? classifier.ultimateOwner(entry.vendor_id) : null;
    const product = entry.vendor_id && entry.product_id ? classifier.product(entry.vendor_id, entry.product_id) : undefined;
    const assign =
      entry.kind === 'software' && (entry.origin === 'unknown' || !entry.product_id) ? (
        <AssignForm ctx={ctx} entryId={entry.id} products={productChoices(classifier)} categories={categoryOptions(ui, ctx.lang)} error={error} />
      ) : null;
    const page = pageNumber(c.req.query('page'));
    return c.html(
      <ProductDetailPage
        ctx={ctx}
        page={page}
        assign={assign}
        d={{
          entry,
          vendorName: vendor?.name ?? null,
          owner: owner?.name ?? null,
          productName: product?.name ?? null,
          alternatives: entry.vendor_id && entry.product_id ? alternativesOfProduct(classifier, entry.vendor_id, entry.product_id) : [],
          versions: await productVersions(db, entry.id),
          hosts: await productHosts(db, entry.id, page),
          criticality: entry.origin === 'unknown' ? null : await (await criticalityResolver(db, classifier))(entry.vendor_id, entry.product_id, entry.category),
          assessed: await assessedProduct(entry.vendor_id, entry.product_id, entry.category, entry.area),
        }}
      />,
      status,
    );
  };
  app.get('/products/:id{[0-9]+}', (c) => productPage(c, Number(c.req.param('id'))));
  app.post('/products/:id{[0-9]+}/assign', async (c) => {
    const id = Number(c.req.param('id'));
    const entry = await productById(db, id);
    if (!entry) return c.notFound();
    const form = await c.req.parseBody();
    const value = (k: string) => field(form, k).trim();
    const [vendorId = '', ...productId] = value('target').split('/');
    const target = value('target')
      ? { vendor_id: vendorId, product_id: productId.join('/') }
      : {
          vendor: { name: value('vendor_name'), country: value('vendor_country') || null, owner: value('vendor_owner') || null },
          product: { name: value('product_name'), area: value('area'), category: value('category'), licence: value('licence') },
        };
    return submit(
      c,
      async () => {
        await audit(
          c,
          (trx) => decide(trx, ui.classifier(), { source: entry.source, name: entry.name, publisher: entry.publisher }, target, username(c)),
          () => ({
            action: 'local-rule.assign',
            object: `${entry.source}: ${entry.name}`,
            details: 'vendor_id' in target ? `to ${target.vendor_id}/${target.product_id}` : `to new product ${target.product.name} of ${target.vendor.name}`,
          }),
        );
        const changed = await ui.applyLocalRules();
        ui.log.info({ item: entry.name, changed, by: username(c) }, 'local rule recorded');
        return c.redirect(`/products/${id}`, 302);
      },
      (refusal) => productPage(c, id, refusal.message, refusal.status),
    );
  });
  return app;
}
