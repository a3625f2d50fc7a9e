// Local rules decided in the web interface: "this unknown item is that product", or a new vendor
// and product. They are stored in the database, layered over the rule files as a rules tree of the
// same shape (so they check, classify and export like any rule), and win over every other rule
// for the exact items they were decided on.
import { createHash } from 'node:crypto';
import { AREAS, LICENCES, MATCH_SOURCES, VendorSchema, normalizeName, type Product, type Vendor } from '@tiebreak/shared';
import { stringify } from 'yaml';
import { DomainError, type ErrorKey, type ErrorParams } from '../errors.ts';
import { first, rows, run, sql, transaction, type Db } from '../store/db.ts';
import { Classifier, overrideKey } from './classifier.ts';
import type { RuleSet } from './load-rules.ts';

export interface LocalVendor {
  id: string;
  name: string;
  country: string | null;
  owner: string | null;
}
export interface LocalProduct {
  vendor_id: string;
  id: string;
  name: string;
  area: string;
  category: string;
  licence: string;
}
export interface LocalAssignment {
  id: number;
  source: string;
  name: string;
  publisher: string | null;
  vendor_id: string;
  product_id: string;
  created_by: string;
  created_at: string;
}

export interface LocalRules {
  vendors: LocalVendor[];
  products: LocalProduct[];
  assignments: LocalAssignment[];
}

/** A decision the rules refuse: bad input, with its message key for the pages (errors.ts). */
export class LocalRuleError extends DomainError {
  constructor(message: string, key: ErrorKey, params: ErrorParams = {}) {
    super('invalid', message, key, params);
    this.name = 'LocalRuleError';
  }
}

export async function readLocalRules(db: Db): Promise<LocalRules> {
  return {
    vendors: await rows<LocalVendor>(db, sql`SELECT id, name, country, owner FROM local_vendors ORDER BY id`),
    products: await rows<LocalProduct>(db, sql`SELECT vendor_id, id, name, area, category, licence FROM local_products ORDER BY vendor_id, id`),
    assignments: await rows<LocalAssignment>(
      db,
      sql`SELECT id, source, name, publisher, vendor_id, product_id, created_by, created_at FROM local_assignments ORDER BY id`,
    ),
  };
}

/** An id from a display name: lower case ASCII words joined by dashes. */
export function slug(name: string): string {
  return (
    name
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'local'
  );
}

/** The shipped (and --local-rules) rules with the database's local rules on top. */
export function overlayRules(base: RuleSet, local: LocalRules): RuleSet {
  if (!local.vendors.length && !local.assignments.length) return base;
  const vendors = new Map(base.vendors);
  const vendorFiles = new Map(base.vendorFiles);
  const editable = (id: string): Vendor => {
    const existing = vendors.get(id);
    if (!existing) throw new LocalRuleError(`unknown vendor ${id}`, 'unknownVendor', { vendor: id });
    const copy: Vendor = { ...existing, products: existing.products.map((p) => ({ ...p, names: [...p.names], examples: [...p.examples] })) };
    vendors.set(id, copy);
    return copy;
  };
  for (const v of local.vendors) {
    const products = local.products.filter((p) => p.vendor_id === v.id);
    const vendor = VendorSchema.parse({
      id: v.id,
      name: v.name,
      kind: 'company',
      ...(v.country ? { country: v.country } : {}),
      ...(v.owner ? { owner: v.owner } : {}),
      note: 'Local rule decided in the tiebreak web interface.',
      products: products.map((p) => ({ id: p.id, name: p.name, area: p.area, category: p.category, licence: p.licence, examples: [{ name: p.name }] })),
    });
    vendors.set(v.id, vendor);
    vendorFiles.set(v.id, `local rules (database): vendor ${v.id}`);
  }
  for (const a of local.assignments) {
    const vendor = editable(a.vendor_id);
    const product = vendor.products.find((p) => p.id === a.product_id);
    if (!product) throw new LocalRuleError(`unknown product ${a.vendor_id}/${a.product_id}`, 'unknownProduct', { product: `${a.vendor_id}/${a.product_id}` });
    const name = normalizeName(a.name);
    if (name && !product.names.includes(name)) product.names.push(name);
    const source = (MATCH_SOURCES as readonly string[]).includes(a.source) ? (a.source as Product['examples'][number]['source']) : undefined;
    product.examples.push({ name: a.name, ...(a.publisher ? { publisher: a.publisher } : {}), ...(source ? { source } : {}) });
    // A new vendor's examples start with its product's own name; the decided item is the real one.
    if (local.vendors.some((v) => v.id === vendor.id)) product.examples = product.examples.filter((e) => e.name !== product.name || e.publisher);
    if (!product.examples.length) product.examples.push({ name: product.name });
  }
  const digest = createHash('sha256')
    .update(JSON.stringify(local.vendors))
    .update(JSON.stringify(local.products))
    .update(JSON.stringify(local.assignments.map((a) => [a.source, a.name, a.publisher, a.vendor_id, a.product_id])))
    .digest('hex')
    .slice(0, 12);
  return { ...base, vendors, vendorFiles, fingerprint: `${base.fingerprint}+local:${digest}` };
}

/** A classifier of the rules with the local rules on top; decided items are matched exactly first. */
export async function classifierWithLocalRules(base: RuleSet, db: Db): Promise<Classifier> {
  const local = await readLocalRules(db);
  const classifier = new Classifier(overlayRules(base, local));
  for (const a of local.assignments) classifier.override(overrideKey(a.source, a.name, a.publisher), a.vendor_id, a.product_id);
  return classifier;
}

export interface NewProduct {
  vendor: { id?: string; name: string; country?: string | null; owner?: string | null };
  product: { name: string; area: string; category: string; licence: string };
}

/**
 * Record a decision for a catalogue item: assign it to a known product, or create the vendor and
 * product first. Checked against the rules (countries, categories, ids) before anything is stored.
 */
export async function decide(
  db: Db,
  classifier: Classifier,
  item: { source: string; name: string; publisher: string | null },
  target: { vendor_id: string; product_id: string } | NewProduct,
  user: string,
): Promise<{ vendor_id: string; product_id: string }> {
  const rules = classifier.rules;
  const now = new Date().toISOString();
  const isLocalVendor = async (trx: Db, id: string) => (await first(trx, sql`SELECT 1 AS local FROM local_vendors WHERE id = ${id}`)) !== undefined;
  return transaction(db, async (trx) => {
    let vendorId: string;
    let productId: string;
    if ('vendor_id' in target) {
      if (!classifier.product(target.vendor_id, target.product_id)) {
        const ref = `${target.vendor_id}/${target.product_id}`.slice(0, 200);
        throw new LocalRuleError(`unknown product ${ref}`, 'unknownProduct', { product: ref });
      }
      vendorId = target.vendor_id;
      productId = target.product_id;
    } else {
      const { vendor, product } = target;
      if (!vendor.name.trim() || vendor.name.length > 200) throw new LocalRuleError('the vendor needs a name (200 characters at most)', 'vendorNameNeeded');
      if (!product.name.trim() || product.name.length > 200) throw new LocalRuleError('the product needs a name (200 characters at most)', 'productNameNeeded');
      if (!(AREAS as readonly string[]).includes(product.area)) throw new LocalRuleError(`area must be one of ${AREAS.join(', ')}`, 'localArea');
      if (!(LICENCES as readonly string[]).includes(product.licence)) throw new LocalRuleError(`licence must be one of ${LICENCES.join(', ')}`, 'localLicence');
      if (!rules.categories.has(product.category))
        throw new LocalRuleError(`unknown category ${product.category}`, 'unknownCategory', { category: product.category.slice(0, 60) });
      const country = vendor.country?.trim().toUpperCase() || null;
      if (country && !rules.countries.has(country))
        throw new LocalRuleError(`unknown country code ${country}`, 'unknownCountry', { country: country.slice(0, 20) });
      const owner = vendor.owner?.trim() || null;
      if (owner && !classifier.vendor(owner)) throw new LocalRuleError(`unknown owner vendor ${owner}`, 'unknownOwner', { owner: owner.slice(0, 120) });
      vendorId = vendor.id?.trim() || slug(vendor.name);
      const existing = classifier.vendor(vendorId);
      if (existing && !(await isLocalVendor(trx, vendorId))) {
        // A vendor of the shared rules keeps its definition; the new product goes under it.
      } else if (!existing) {
        if (!country) throw new LocalRuleError('a new vendor needs its headquarters country', 'countryNeeded');
        await trx.insertInto('local_vendors').values({ id: vendorId, name: vendor.name.trim(), country, owner, created_by: user, created_at: now }).execute();
      }
      productId = slug(product.name);
      if (classifier.product(vendorId, productId))
        throw new LocalRuleError(`product ${vendorId}/${productId} already exists: assign the item to it`, 'productExists', {
          product: `${vendorId}/${productId}`,
        });
      if (existing && !(await isLocalVendor(trx, vendorId)))
        throw new LocalRuleError(
          `vendor ${vendorId} is in the shared rules: assign the item to one of its products, or propose the product there`,
          'sharedVendor',
          { vendor: existing.name },
        );
      await trx
        .insertInto('local_products')
        .values({
          vendor_id: vendorId,
          id: productId,
          name: product.name.trim(),
          area: product.area,
          category: product.category,
          licence: product.licence,
          created_by: user,
          created_at: now,
        })
        .execute();
    }
    await sql`INSERT INTO local_assignments (source, name, publisher, vendor_id, product_id, created_by, created_at)
      VALUES (${item.source}, ${item.name}, ${item.publisher}, ${vendorId}, ${productId}, ${user}, ${now})
      ON CONFLICT (source, name, publisher) DO UPDATE SET vendor_id = excluded.vendor_id, product_id = excluded.product_id, created_by = excluded.created_by, created_at = excluded.created_at`.execute(
      trx,
    );
    return { vendor_id: vendorId, product_id: productId };
  });
}

export async function removeAssignment(db: Db, id: number): Promise<boolean> {
  return (await run(db, sql`DELETE FROM local_assignments WHERE id = ${id}`)) > 0;
}

/** The local rules as rule files (one YAML document per vendor, named as in rules/vendors/). */
export async function exportLocalRules(db: Db, base: RuleSet): Promise<{ file: string; yaml: string }[]> {
  const local = await readLocalRules(db);
  const merged = overlayRules(base, local);
  const ids = new Set([...local.vendors.map((v) => v.id), ...local.assignments.map((a) => a.vendor_id)]);
  return [...ids].sort().map((id) => {
    const vendor = merged.vendors.get(id)!;
    // Defaults the schema fills in are left out: the file reads as a hand-written one.
    const clean = JSON.parse(
      JSON.stringify(vendor, (_k, v) =>
        Array.isArray(v) && v.length === 0
          ? undefined
          : v === false || (v && typeof v === 'object' && !Array.isArray(v) && !Object.keys(v).length)
            ? undefined
            : v,
      ),
    );
    return { file: `vendors/${id}.yaml`, yaml: stringify(clean, { lineWidth: 120 }) };
  });
}
