// The alternatives offered for the products of the shipped rules: only those of the product's
// category, of another vendor and owner, European or community, and of a lower origin weight.
import { describe, expect, it } from 'vitest';
import { Classifier } from '../classify/classifier.ts';
import { DEFAULT_RULES_DIR, loadRuleTrees } from '../classify/load-rules.ts';
import { alternativeOrigin, alternativesOfProduct, misfitOf } from './alternatives.ts';

const classifier = new Classifier(loadRuleTrees([DEFAULT_RULES_DIR]));
const ids = (vendor: string, product: string) => alternativesOfProduct(classifier, vendor, product).map((a) => a.id);

describe('alternatives offered for a product', () => {
  it('are never Firefox ESR (Mozilla, US) for a browser, though the rules name it for Chrome, Edge and Firefox', () => {
    for (const [vendor, product] of [
      ['google', 'google-chrome'],
      ['microsoft', 'microsoft-edge'],
      ['mozilla', 'firefox'],
    ] as const) {
      expect(classifier.product(vendor, product)?.alternatives, product).toContain('firefox-esr');
      expect(ids(vendor, product), product).not.toContain('firefox-esr');
      expect(ids(vendor, product), product).toContain('vivaldi');
    }
    const firefox = classifier.rules.alternatives.get('firefox-esr')!;
    expect(alternativeOrigin(classifier, firefox).origin).toBe('non_eu');
    expect(misfitOf(classifier, { vendor_id: 'mozilla', product_id: 'firefox', category: 'browser', origin_weight: 1 }, firefox)).toBe('same_vendor');
  });

  it('are of the category they replace: no backup tool for Windows', () => {
    expect(ids('microsoft', 'windows')).not.toContain('atempo');
    expect(ids('microsoft', 'windows')).toContain('debian');
    expect(
      misfitOf(classifier, { vendor_id: 'microsoft', product_id: 'windows', category: 'os', origin_weight: 1 }, classifier.rules.alternatives.get('atempo')!),
    ).toBe('other_category');
    // A video-conferencing tool replaces the meetings of a messaging suite, which its entry says
    // (also_for); it does not replace a remote-control tool, which it does not say.
    expect(classifier.product('microsoft', 'microsoft-teams')?.alternatives).toContain('jitsi-meet');
    expect(ids('microsoft', 'microsoft-teams')).toEqual(expect.arrayContaining(['jitsi-meet', 'visio-dinum', 'tchap']));
    expect(classifier.product('goto', 'goto-products')?.alternatives).toContain('jitsi-meet');
    expect(ids('goto', 'goto-products')).not.toContain('jitsi-meet');
    expect(ids('microsoft', 'active-directory-tools')).toContain('samba-ad');
  });

  it('fit every product of the rules', () => {
    let offered = 0;
    for (const vendor of classifier.rules.vendors.values())
      for (const product of vendor.products) {
        const own = new Set([vendor.id, classifier.ultimateOwner(vendor.id)?.id].filter((v) => v !== undefined));
        const facts = classifier.classifyVendor(vendor.id)!;
        for (const a of alternativesOfProduct(classifier, vendor.id, product.id)) {
          const where = `${vendor.id}/${product.id} → ${a.id}`;
          expect([a.category, ...a.also_for], where).toContain(product.category);
          expect(['eu', 'europe', 'community'], where).toContain(a.origin);
          expect(a.vendor !== undefined && own.has(a.vendor), where).toBe(false);
          // Lower than the product's own weight: never a community alternative to a community product.
          if (facts.origin === 'community') expect(a.origin_weight, where).toBeLessThan(0.1);
          if (facts.origin === 'non_eu') expect(a.origin_weight, where).toBeLessThanOrEqual(0.5);
          offered++;
        }
      }
    expect(offered).toBeGreaterThan(500);
  });
});
