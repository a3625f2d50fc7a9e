// Coverage rules: distribution indexes, Flatpak prefixes, snap publishers, and the evidence and
// confidence every result carries.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Classifier } from './classifier.ts';
import { DEFAULT_RULES_DIR, RulesError, formatProblem, loadRuleTrees } from './load-rules.ts';

const classifier = new Classifier(loadRuleTrees([DEFAULT_RULES_DIR]));

function tree(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tiebreak-rules-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

describe('distribution indexes', () => {
  it('hold the real names of Debian 13 and 12, loaded with the rules', () => {
    const debian = classifier.rules.distributions.get('debian')!;
    expect(debian.indexes.map((i) => i.release)).toEqual(['13 (trixie), stable', '12 (bookworm), oldstable']);
    expect(debian.names.size).toBeGreaterThan(60_000);
    for (const name of ['adduser', 'apt', 'grep', 'gzip', 'grub-pc', 'x11proto-dev', 'gnupg']) expect(debian.names.has(name), name).toBe(true);
  });

  it('say which distribution a host OS is', () => {
    expect(classifier.distributionOf('Debian GNU/Linux 12 (bookworm)')).toBe('debian');
    expect(classifier.distributionOf('Ubuntu 24.04.1 LTS')).toBe('ubuntu');
    expect(classifier.distributionOf('Red Hat Enterprise Linux 9.4 (Plow)')).toBe('rhel');
    expect(classifier.distributionOf('Rocky Linux 9.3 (Blue Onyx)')).toBe('rocky');
    expect(classifier.distributionOf('AlmaLinux 9.4 (Seafoam Ocelot)')).toBe('alma');
    expect(classifier.distributionOf('Fedora Linux 40 (Workstation Edition)')).toBe('fedora');
    expect(classifier.distributionOf('Microsoft Windows 11 Pro')).toBeNull();
  });

  it("classify a package without a maintainer as its host distribution's, Debian first without a host", () => {
    for (const name of ['adduser', 'apt', 'grep', 'gzip', 'grub-pc']) {
      expect(classifier.classify({ name, source: 'dpkg', distribution: 'debian' }), name).toMatchObject({
        vendor_id: 'debian',
        origin: 'community',
        category: 'distribution-package',
        rule: 'distribution-index:debian',
        evidence: 'distribution_index',
        confidence: 'high',
      });
      // Without a host: the first index that holds it, with less certainty about which distribution.
      expect(classifier.classify({ name, source: 'dpkg' }), name).toMatchObject({
        vendor_id: 'debian',
        rule: 'distribution-index:debian',
        confidence: 'medium',
      });
    }
    // On Ubuntu, a name of Ubuntu's own index is Canonical's build of it.
    expect(classifier.classify({ name: 'apt', source: 'dpkg', distribution: 'ubuntu' })).toMatchObject({
      vendor_id: 'canonical',
      origin: 'europe',
      rule: 'distribution-index:ubuntu',
      evidence: 'distribution_index',
      confidence: 'high',
    });
    // A name only Debian's archive has (Ubuntu's is built from it): still Canonical's there, less surely.
    expect(classifier.classify({ name: 'libtie-aliashash-perl', source: 'dpkg', distribution: 'ubuntu' })).toMatchObject({
      vendor_id: 'canonical',
      rule: 'distribution-index:ubuntu',
      confidence: 'medium',
    });
    // Without a host, a name only Ubuntu's index holds is Ubuntu's; one both hold, Debian's first.
    expect(classifier.classify({ name: 'ubuntu-artwork', source: 'dpkg' })).toMatchObject({
      vendor_id: 'canonical',
      rule: 'distribution-index:ubuntu',
      confidence: 'medium',
    });
    expect(classifier.classify({ name: 'landscape-common', source: 'dpkg', distribution: 'debian' }).rule ?? '').not.toMatch(/^distribution-index/);
  });

  it('leave packages claimed by a vendor, maintained packages and other formats alone', () => {
    // VideoLAN's rule names its Debian package: the product wins over the index.
    expect(classifier.classify({ name: 'vlc', source: 'dpkg', distribution: 'debian' })).toMatchObject({
      vendor_id: 'videolan',
      evidence: 'package',
      confidence: 'high',
    });
    // A package with its maintainer is decided by the maintainer, not by the index.
    expect(
      classifier.classify({ name: 'apt', publisher: 'APT Development Team <@lists.debian.org>', source: 'dpkg', distribution: 'debian' }).rule,
    ).not.toMatch(/^distribution-index/);
    // An rpm on a Debian host, a dpkg package on a Rocky host (no Rocky index yet), a name in no index.
    expect(classifier.classify({ name: 'apt', source: 'rpm', distribution: 'debian' }).rule ?? '').not.toMatch(/^distribution-index/);
    expect(classifier.classify({ name: 'apt', source: 'dpkg', distribution: 'rocky' }).rule ?? '').not.toMatch(/^distribution-index/);
    expect(classifier.classify({ name: 'logiciel-metier-maison', source: 'dpkg', distribution: 'debian' })).toMatchObject({
      origin: 'unknown',
      evidence: null,
      confidence: null,
    });
    // Not a package source.
    expect(classifier.classify({ name: 'apt', source: 'registry' }).rule ?? '').not.toMatch(/^distribution-index/);
  });

  it('come from a rules tree, with clear errors for a missing index or an unknown vendor', () => {
    const distributions = (vendor: string, file: string) =>
      `distributions:\n- id: acmelinux\n  name: Acme Linux\n  vendor: ${vendor}\n  format: dpkg\n  os_pattern: ^acme linux\\b\n  indexes:\n  - {release: '1', file: ${file}, source: test, as_of: 2026-12-02}\n`;
    const good = tree({
      'vendors/acme.yaml': 'id: acme\nname: Acme\nkind: community\ndefaults: {area: software, category: distribution-package, licence: open_source}\n',
      'distributions/distributions.yaml': distributions('acme', 'acme-1.txt.gz'),
      'distributions/acme-1.txt.gz': gzipSync('acme-tools\nlibacme1\n'),
    });
    const local = new Classifier(loadRuleTrees([DEFAULT_RULES_DIR, good]));
    expect(local.distributionOf('Acme Linux 1')).toBe('acmelinux');
    expect(local.classify({ name: 'libacme1', source: 'dpkg', distribution: 'acmelinux' })).toMatchObject({
      vendor_id: 'acme',
      rule: 'distribution-index:acmelinux',
      confidence: 'high',
    });
    // Debian stays first for a host of no known distribution.
    expect(local.classify({ name: 'apt', source: 'dpkg' }).rule).toBe('distribution-index:debian');

    const missing = loadRuleTrees([tree({ 'distributions/distributions.yaml': distributions('acme', 'nowhere.txt.gz') })]);
    expect(missing.problems.map(formatProblem)).toEqual([
      expect.stringMatching(/distributions\.yaml:8: distributions\.0\.indexes\.0\.file: index file nowhere\.txt\.gz not found/),
    ]);
    const unknownVendor = loadRuleTrees([
      DEFAULT_RULES_DIR,
      tree({ 'distributions/distributions.yaml': distributions('nobody', 'a.txt.gz'), 'distributions/a.txt.gz': gzipSync('a\n') }),
    ]);
    // Built once: the rules are the shipped tree's, slow to index twice.
    const refused = (() => {
      try {
        return new Classifier(unknownVendor);
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toBeInstanceOf(RulesError);
    expect((refused as Error).message).toMatch(/acmelinux: unknown vendor 'nobody'/);
  });
});

describe('Flatpak ids and snap publishers', () => {
  it('name their project by the reverse-DNS prefix of the id', () => {
    expect(classifier.classify({ name: 'GNOME Application Platform version 47', source: 'flatpak', package: 'org.gnome.Platform' })).toMatchObject({
      vendor_id: 'gnome-foundation',
      origin: 'community',
      rule: 'gnome-foundation:flatpak-prefix',
      evidence: 'app_id_domain',
      confidence: 'medium',
    });
    expect(classifier.classify({ name: 'Freedesktop SDK', source: 'flatpak', package: 'org.freedesktop.Sdk' })).toMatchObject({
      vendor_id: 'freedesktop',
      origin: 'community',
      platform: true,
    });
    expect(classifier.classify({ name: 'Freedesktop Platform GL default', source: 'flatpak', package: 'org.freedesktop.Platform.GL.default' })).toMatchObject({
      vendor_id: 'freedesktop',
      evidence: 'app_id_domain',
    });
    expect(classifier.classify({ name: 'OBS Studio', source: 'flatpak', package: 'com.obsproject.Studio' })).toMatchObject({
      vendor_id: 'obs-project',
      product_id: 'obs-studio',
    });
    // The prefix names the vendor, and the vendor's product names say which product.
    expect(classifier.classify({ name: 'Okular', source: 'flatpak', package: 'org.kde.okular' })).toMatchObject({ vendor_id: 'kde' });
    expect(classifier.classify({ name: 'LibreOffice', source: 'flatpak', package: 'org.libreoffice.LibreOffice' })).toMatchObject({
      vendor_id: 'the-document-foundation',
      confidence: 'high',
    });
    // A prefix is a whole domain: org.gnomelike.App is not GNOME's; nor is a registry item.
    expect(classifier.classify({ name: 'Gnomelike', source: 'flatpak', package: 'org.gnomelike.App' }).vendor_id).toBeNull();
    expect(classifier.classify({ name: 'Platform', source: 'registry', package: 'org.gnome.Platform' }).vendor_id).not.toBe('gnome-foundation');
  });

  it('name the vendor of a snap by its publisher account', () => {
    expect(classifier.classify({ name: 'vlc-nightly-build', publisher: 'videolan', source: 'snap' })).toMatchObject({
      vendor_id: 'videolan',
      evidence: 'publisher',
      confidence: 'medium',
    });
    expect(classifier.classify({ name: 'spotify', publisher: 'spotify', source: 'snap' })).toMatchObject({ vendor_id: 'spotify' });
    expect(classifier.classify({ name: 'core22', publisher: 'canonical', source: 'snap' })).toMatchObject({ vendor_id: 'canonical', origin: 'europe' });
  });

  it('are validated: a malformed or twice claimed prefix is an error with its file', () => {
    const bad = loadRuleTrees([tree({ 'vendors/acme.yaml': 'id: acme\nname: Acme\nkind: community\nflatpak_prefixes: [org.acme.]\n' })]);
    expect(bad.problems.map(formatProblem)).toEqual([expect.stringMatching(/acme\.yaml:4: flatpak_prefixes\.0: a reverse-DNS prefix/)]);
    const twice = loadRuleTrees([DEFAULT_RULES_DIR, tree({ 'vendors/acme.yaml': 'id: acme\nname: Acme\nkind: community\nflatpak_prefixes: [org.gnome]\n' })]);
    expect(() => new Classifier(twice)).toThrow(/Flatpak prefix 'org\.gnome' is also claimed by vendor 'gnome-foundation'/);
  });
});

describe('evidence and confidence', () => {
  it('say what matched and how far to trust it', () => {
    const cases: [Parameters<Classifier['classify']>[0], string | null, string | null][] = [
      [{ name: 'Google Chrome', publisher: 'Google LLC' }, 'name_publisher', 'high'],
      [{ name: 'Google Chrome' }, 'name', 'low'],
      [{ name: 'firefox', source: 'snap' }, 'package', 'high'],
      [{ name: 'Outil maison Google', publisher: 'Google LLC' }, 'publisher', 'medium'],
      // A distribution package by its maintainer: what the repository says.
      [{ name: 'adduser', publisher: 'Debian Adduser Developers <@lists.alioth.debian.org>', source: 'dpkg' }, 'maintainer', 'high'],
      [{ name: 'Logiciel Métier Inconnu', publisher: 'Éditeur Régional SARL' }, null, null],
    ];
    for (const [item, evidence, confidence] of cases) expect(classifier.classify(item), item.name).toMatchObject({ evidence, confidence });
    // Every recognised result has both, every unknown neither.
    const patterned = classifier.classify({ name: 'Microsoft Visual C++ 2015-2022 Redistributable (x64) - 14.38.33135', publisher: 'Microsoft Corporation' });
    expect(patterned.evidence).toMatch(/^(name|pattern)_publisher$/);
  });
});
