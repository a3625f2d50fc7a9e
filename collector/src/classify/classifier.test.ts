import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { classifyItem } from '../ingest/ingest.ts';
import { Classifier } from './classifier.ts';
import { checkRules } from './check-rules.ts';
import { DEFAULT_RULES_DIR, RulesError, formatProblem, loadRuleTrees } from './load-rules.ts';

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tiebreak-rules-'));
  mkdirSync(join(dir, 'vendors'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

// The shipped rules, loaded once for the file: a classifier only reads them.
const classifier = new Classifier(loadRuleTrees([DEFAULT_RULES_DIR]));

const COUNTRIES =
  'countries:\n  - { code: FR, name: France, region: eea }\n  - { code: US, name: United States, region: other }\n  - { code: CH, name: Switzerland, region: europe }\n';

describe('classifier', () => {
  it('recognises a product by publisher and name, with the vendor, countries and rule', () => {
    expect(classifier.classify({ name: 'Google Chrome', publisher: 'Google LLC', source: 'registry' })).toMatchObject({
      vendor_id: 'google',
      country: 'US',
      owner: 'Alphabet',
      owner_country: 'US',
      origin: 'non_eu',
      licence: 'proprietary',
      area: 'workstation',
      category: 'browser',
      product_id: 'google-chrome',
      rule: 'google/google-chrome:name',
    });
  });

  it('recognises third-party repository packages by package name before their maintainer', () => {
    expect(classifier.classify({ name: 'google-chrome-stable', publisher: 'Chrome Linux Team <@chromium.org>', source: 'dpkg' }).rule).toBe(
      'google/google-chrome:package',
    );
  });

  it('classifies a distribution package by its maintainer as the distribution, open source', () => {
    expect(classifier.classify({ name: 'libssl3', publisher: 'Debian OpenSSL Team <@lists.alioth.debian.org>', source: 'dpkg' })).toMatchObject({
      vendor_id: 'debian',
      origin: 'community',
      licence: 'open_source',
      rule: 'debian:publisher',
    });
  });

  it('says unknown, with no rule, for what it does not recognise', () => {
    expect(classifier.classify({ name: 'Logiciel Maison de la Mairie', publisher: 'Prestataire Inconnu SARL', source: 'registry' })).toMatchObject({
      origin: 'unknown',
      licence: 'unknown',
      vendor_id: null,
      rule: null,
    });
  });

  it('follows the ultimate owner: a European brand owned by a US group is non_eu with both countries', () => {
    const dir = tree({
      'countries.yaml': COUNTRIES,
      'vendors/bigco.yaml': 'id: bigco\nname: BigCo\ncountry: US\n',
      'vendors/petitco.yaml': [
        'id: petitco',
        'name: PetitCo',
        'country: FR',
        'owner: bigco',
        'publishers: [PetitCo SAS]',
        'defaults: { area: software, category: finance, licence: proprietary }',
      ].join('\n'),
    });
    const c = new Classifier(loadRuleTrees([dir])).classify({ name: 'PetitCo Finances', publisher: 'PetitCo S.A.S.' });
    expect(c).toMatchObject({ vendor_id: 'petitco', country: 'FR', owner_id: 'bigco', owner_country: 'US', origin: 'non_eu', rule: 'petitco:publisher' });
  });

  it('lets a local rules tree replace a shipped vendor', () => {
    const local = tree({
      'vendors/zoom.yaml':
        'id: zoom\nname: Zoom (local)\ncountry: CH\npublishers: [Zoom Video Communications, Inc.]\ndefaults: { area: workstation, category: messaging-collaboration, licence: proprietary }\n',
    });
    const c = new Classifier(loadRuleTrees([DEFAULT_RULES_DIR, local])).classify({ name: 'Zoom Workplace', publisher: 'Zoom Video Communications, Inc.' });
    expect(c).toMatchObject({ vendor: 'Zoom (local)', origin: 'europe' });
  });

  it('accepts a nine-digit SIREN and reports any other with its line', () => {
    const dir = tree({
      'countries.yaml': COUNTRIES,
      'vendors/good.yaml': "id: good\nname: Good\ncountry: FR\nsiren: '331518498'\n",
      'vendors/short.yaml': "id: short\nname: Short\ncountry: FR\nsiren: '3315184'\n",
    });
    const rules = loadRuleTrees([dir]);
    expect(rules.problems.map(formatProblem)).toEqual([expect.stringMatching(/vendors\/short\.yaml:4: siren: a SIREN is 9 digits/)]);
    expect(rules.vendors.get('good')?.siren).toBe('331518498');
  });

  it('reports invalid rules with file and line', () => {
    const dir = tree({
      'countries.yaml': COUNTRIES,
      'vendors/bad.yaml': 'id: bad\nname: Bad\ncountry: france\n',
      'vendors/owner.yaml': 'id: owner\nname: Owner\ncountry: XX\nowner: nobody\n',
      'vendors/regex.yaml':
        'id: regex\nname: Regex\ncountry: FR\nproducts:\n  - id: p\n    name: P\n    area: software\n    category: other\n    licence: proprietary\n    name_patterns: ["(unclosed"]\n    examples: [{ name: p }]\n',
    });
    const rules = loadRuleTrees([dir]);
    expect(rules.problems.map(formatProblem)).toEqual([expect.stringMatching(/vendors\/bad\.yaml:3: country: an ISO 3166-1 alpha-2 code/)]);
    rules.vendors.delete('bad');
    let error: unknown;
    try {
      new Classifier(rules);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RulesError);
    const messages = (error as RulesError).problems.map((p) => p.message).join('\n');
    expect(messages).toMatch(/unknown owner 'nobody'/);
    expect(messages).toMatch(/unknown country code XX/);
    expect(messages).toMatch(/invalid regular expression \(unclosed/);
  });
});

describe('no confidently wrong origins (issue 15)', () => {
  const XSF = 'Debian X Strike Force <@lists.debian.org>';

  it("gives a distribution's packages to the distribution, not to a vendor whose pattern looks alike", () => {
    for (const name of ['x11proto-dev', 'x11proto-core-dev', 'x11vnc']) {
      expect(classifier.classify({ name, publisher: XSF, source: 'dpkg' })).toMatchObject({ vendor_id: 'debian', origin: 'community' });
      // Without a maintainer (OCS Inventory), a package name is no display name: never Supermicro,
      // but Debian's own index holds it.
      expect(classifier.classify({ name, source: 'dpkg' })).toMatchObject({ vendor_id: 'debian', rule: 'distribution-index:debian' });
    }
    for (const name of ['gnupg', 'gnupg-utils']) {
      expect(classifier.classify({ name, publisher: 'Debian GnuPG Maintainers <@lists.alioth.debian.org>', source: 'dpkg' })).toMatchObject({
        vendor_id: 'debian',
      });
      expect(classifier.classify({ name, source: 'dpkg' }).vendor_id).not.toBe('gpg4win');
    }
    expect(classifier.classify({ name: 'podman', publisher: 'Debian Go Packaging Team <@lists.debian.org>', source: 'dpkg' }).vendor_id).toBe('debian');
    expect(classifier.classify({ name: 'podman', publisher: 'Red Hat, Inc.', source: 'rpm' }).vendor_id).toBe('red-hat');
  });

  it("keeps the archive's builds the distribution's when their maintainer field says so", () => {
    // Debian's own packer and vagrant (HashiCorp ships packages of those names from its repository),
    // Debian Med's loki (no Grafana Loki), Debian's mysql-common: built by Debian's teams.
    for (const [name, publisher] of <[string, string][]>[
      ['packer', 'Debian Go Packaging Team <@tracker.debian.org>'],
      ['vagrant', 'Debian Ruby Team <@lists.alioth.debian.org>'],
      ['loki', 'Debian Med Packaging Team <@lists.alioth.debian.org>'],
      ['mysql-common', 'Debian MySQL Maintainers <@lists.alioth.debian.org>'],
      ['influxdb', 'Debian Go Packaging Team <@tracker.debian.org>'],
    ]) {
      expect(classifier.classify({ name, publisher, source: 'dpkg' }), name).toMatchObject({ vendor_id: 'debian', origin: 'community' });
    }
    // The bare label an agent prints for any dpkg package leaves HashiCorp's own build HashiCorp's.
    expect(classifier.classify({ name: 'packer', publisher: 'Debian', source: 'dpkg' }).vendor_id).toBe('hashicorp');
    expect(classifier.classify({ name: 'packer', publisher: 'HashiCorp <@hashicorp.com>', source: 'dpkg' }).vendor_id).toBe('hashicorp');
    // Debian packages maintained by Ubuntu developers in person, or by Ubuntu's team at debian.org,
    // are Debian's builds; Ubuntu's teams write from lists.ubuntu.com.
    for (const [name, publisher] of <[string, string][]>[
      ['colord', 'Christopher James Halse Rogers <@ubuntu.com>'],
      ['libtss2-mu0', 'Mathieu Trudel-Lapierre <@ubuntu.com>'],
      ['ubuntu-dev-tools', 'Ubuntu Developers <@packages.debian.org>'],
    ]) {
      expect(classifier.classify({ name, publisher, source: 'dpkg' }), name).toMatchObject({ vendor_id: 'debian', origin: 'community' });
    }
    expect(classifier.classify({ name: 'colord', publisher: 'Ubuntu Developers <@lists.ubuntu.com>', source: 'dpkg' }).vendor_id).toBe('canonical');
    expect(
      classifier.classify({ name: 'colord', publisher: 'Christopher James Halse Rogers <@ubuntu.com>', source: 'dpkg', distribution: 'ubuntu' }).vendor_id,
    ).toBe('canonical');
  });

  it("keeps a vendor's own packages its own whatever maintainer the agent reports (GLPI says Debian)", () => {
    expect(classifier.classify({ name: 'docker-ce', publisher: 'Debian', source: 'dpkg' })).toMatchObject({ vendor_id: 'docker', product_id: 'docker-engine' });
    expect(classifier.classify({ name: 'google-chrome-stable', publisher: 'Debian', source: 'dpkg' }).vendor_id).toBe('google');
  });

  it('needs the publisher for common words: a family portal, a file manager, an audio driver', () => {
    expect(classifier.classify({ name: 'Espace Famille', publisher: 'Portail Famille Éditeur SAS', source: 'registry' }).vendor_id).not.toBe('huawei');
    expect(classifier.classify({ name: 'Espace Famille', source: 'registry' }).vendor_id).toBeNull();
    expect(classifier.classify({ name: 'One Commander', publisher: 'One Commander', source: 'registry' }).vendor_id).not.toBe('mitel');
    expect(classifier.classify({ name: 'ZOOM H6 Driver', publisher: 'ZOOM Corporation', source: 'registry' }).vendor_id).not.toBe('zoom');
    // The real products still come out with their publisher.
    expect(classifier.classify({ name: 'Zoom Workplace', publisher: 'Zoom Video Communications, Inc.', source: 'registry' }).vendor_id).toBe('zoom');
    expect(classifier.classify({ name: 'eSpace', publisher: 'Huawei Technologies Co., Ltd.', source: 'registry' }).vendor_id).toBe('huawei');
  });

  it('classifies containers, hypervisors and clouds as the platform hosting the machine', () => {
    const hardware = (name: string, part: string, publisher: string | null = null) =>
      classifyItem(classifier, { kind: 'hardware', source: 'hardware', role: 'server', name, publisher, package: part });
    const container = hardware('Docker Container', 'system');
    expect(container).toMatchObject({ vendor_id: 'linux-kernel', product_id: 'linux-container', origin: 'community' });
    expect(container.rule).toMatch(/:hosting$/);
    expect(hardware('Docker', 'hypervisor').product_id).toBe('linux-container');
    expect(hardware('Xen', 'hypervisor')).toMatchObject({ vendor_id: 'xen-project', origin: 'community' });
    expect(hardware('KVM', 'hypervisor')).toMatchObject({ vendor_id: 'linux-kernel', product_id: 'kvm' });
    expect(hardware('Hyper-V', 'hypervisor')).toMatchObject({ vendor_id: 'microsoft', product_id: 'hyper-v' });
    expect(hardware('VMware Virtual Platform', 'system', 'VMware, Inc.')).toMatchObject({ product_id: 'vmware-virtual-platform', owner_id: 'broadcom' });
    expect(hardware('VirtualBox', 'hypervisor').product_id).toBe('virtualbox-host');
    expect(hardware('WSL', 'system').product_id).toBe('wsl-host');
    expect(hardware('Amazon EC2', 'cloud').product_id).toBe('amazon-ec2');
    expect(hardware('Microsoft Azure', 'cloud').product_id).toBe('azure-virtual-machines');
    expect(hardware('Scaleway', 'cloud')).toMatchObject({ vendor_id: 'scaleway', origin: 'eu' });
    // A hypervisor line names nothing installed, and what is installed never names the platform.
    expect(hardware('Docker Engine', 'hypervisor').vendor_id).toBeNull();
    expect(classifier.classify({ name: 'Xen', source: 'registry' }).vendor_id).not.toBe('xen-project');
    expect(classifier.classify({ name: 'docker-ce', publisher: 'Docker <@docker.com>', source: 'dpkg' }).product_id).toBe('docker-engine');
  });

  it('matches hardware models on hardware lines only', () => {
    expect(classifier.classify({ name: 'Prime Video', source: 'registry' }).vendor_id).not.toBe('asus');
    expect(classifier.classify({ name: 'Latitude 5420', publisher: 'Dell Inc.', source: 'hardware' }).product_id).toBe('dell-pc');
  });
});

describe('the facts an audit found wrong (issue 15), each with its dated source in the vendor file', () => {
  type Expected = { vendor_id: string | null; owner_id?: string | null; origin: string };
  const CASES: [string, string | null, Expected][] = [
    ['GeoGebra Classic', 'International GeoGebra Institute', { vendor_id: 'geogebra', owner_id: 'byjus', origin: 'non_eu' }],
    ['Threema', 'Threema GmbH', { vendor_id: 'threema', owner_id: 'comitis-capital', origin: 'eu' }],
    ['LIFEBOOK U7411', 'FUJITSU CLIENT COMPUTING LIMITED', { vendor_id: 'fujitsu-client-computing', owner_id: 'lenovo', origin: 'non_eu' }],
    ['DeskUpdate', 'FUJITSU CLIENT COMPUTING LIMITED', { vendor_id: 'fujitsu-client-computing', owner_id: 'lenovo', origin: 'non_eu' }],
    ['PaperStream IP (TWAIN)', 'PFU Limited', { vendor_id: 'pfu', owner_id: 'ricoh', origin: 'non_eu' }],
    ['ScanSnap Home', 'Fujitsu', { vendor_id: 'pfu', owner_id: 'ricoh', origin: 'non_eu' }],
    ['Sourcetree', 'Atlassian', { vendor_id: 'atlassian', owner_id: null, origin: 'non_eu' }],
    ['VMware Horizon Client', 'VMware, Inc.', { vendor_id: 'omnissa', owner_id: 'kkr', origin: 'non_eu' }],
    ['App Volumes Agent', 'VMware, Inc.', { vendor_id: 'omnissa', owner_id: 'kkr', origin: 'non_eu' }],
    ['VMware Dynamic Environment Manager Enterprise', 'VMware, Inc.', { vendor_id: 'omnissa', owner_id: 'kkr', origin: 'non_eu' }],
    ['Workspace ONE Intelligent Hub', 'VMware, Inc.', { vendor_id: 'omnissa', owner_id: 'kkr', origin: 'non_eu' }],
    ['VMware ThinApp', 'VMware, Inc.', { vendor_id: 'omnissa', owner_id: 'kkr', origin: 'non_eu' }],
    // What Broadcom kept stays Broadcom's.
    ['VMware Tools', 'VMware, Inc.', { vendor_id: 'vmware', owner_id: 'broadcom', origin: 'non_eu' }],
    ['WithSecure Elements Agent', 'WithSecure Corporation', { vendor_id: 'withsecure', owner_id: null, origin: 'eu' }],
    ['F-Secure SAFE', 'F-Secure Corporation', { vendor_id: 'f-secure', owner_id: null, origin: 'eu' }],
    ['PRONOTE 2024', 'INDEX EDUCATION', { vendor_id: 'index-education', owner_id: 'la-poste', origin: 'eu' }],
    ['CorelDRAW Graphics Suite 2024', 'Corel Corporation', { vendor_id: 'corel', owner_id: 'kkr', origin: 'non_eu' }],
    ['WinZip 28.0', 'WinZip Computing', { vendor_id: 'winzip', owner_id: 'kkr', origin: 'non_eu' }],
    ['Cegid Expert', 'Cegid', { vendor_id: 'cegid', owner_id: 'silver-lake', origin: 'non_eu' }],
    ['Citrix XenCenter', 'Citrix Systems, Inc.', { vendor_id: 'citrix', origin: 'non_eu' }],
    ['WinPcap 4.1.3', 'Riverbed Technology, Inc.', { vendor_id: 'riverbed', origin: 'non_eu' }],
    ['WinPcap 4.1.3', null, { vendor_id: 'riverbed', origin: 'non_eu' }],
    ['USBPcap 1.5.4.0', 'The Wireshark developer community, https://www.wireshark.org', { vendor_id: 'wireshark-foundation', origin: 'community' }],
    ['Lexmark Universal v2', 'Lexmark International, Inc.', { vendor_id: 'lexmark', owner_id: 'xerox', origin: 'non_eu' }],
  ];

  it.each(CASES)('%s (%s)', (name, publisher, expected) => {
    expect(classifier.classify({ name, publisher, source: 'registry' })).toMatchObject(expected);
  });

  it('has a dated source for each of these ownerships', () => {
    for (const id of [
      'geogebra',
      'threema',
      'fujitsu-client-computing',
      'pfu',
      'atlassian',
      'omnissa',
      'withsecure',
      'f-secure',
      'index-education',
      'corel',
      'winzip',
      'cegid',
      'riverbed',
      'lexmark',
    ]) {
      const sources = classifier.vendor(id)?.sources ?? [];
      expect(sources.length, id).toBeGreaterThan(0);
      for (const source of sources) expect(source.as_of, id).toMatch(/^\d{4}(-\d{2}(-\d{2})?)?$/);
    }
  });

  it("gives nginx.org's packages to F5, whose maintainer they name, and Debian's to Debian", () => {
    for (const source of ['dpkg', 'rpm'] as const) {
      for (const name of ['nginx', 'nginx-module-njs']) {
        expect(classifier.classify({ name, publisher: 'NGINX Packaging <@f5.com>', source }), `${source} ${name}`).toMatchObject({
          vendor_id: 'f5',
          product_id: 'nginx-oss',
          origin: 'non_eu',
          licence: 'open_source',
        });
      }
    }
    expect(classifier.classify({ name: 'nginx', publisher: 'Nginx, Inc.', source: 'rpm' }).vendor_id).toBe('f5');
    // Must not match: Debian's own nginx, with its team as maintainer or none (OCS Inventory).
    expect(classifier.classify({ name: 'nginx', publisher: 'Debian Nginx Maintainers <@alioth-lists.debian.net>', source: 'dpkg' })).toMatchObject({
      vendor_id: 'debian',
      origin: 'community',
    });
    expect(classifier.classify({ name: 'nginx', source: 'dpkg' })).toMatchObject({ vendor_id: 'debian', rule: 'distribution-index:debian' });
    expect(classifier.classify({ name: 'nginx', publisher: 'Fedora Project', source: 'rpm' }).vendor_id).toBe('fedora-project');
  });
});

describe("a distribution's package maintained by a person (issue 15)", () => {
  // Maintainer fields as Debian's archive writes them, mailboxes reduced to their domain as the agent does.
  const PERSONS: [string, string][] = [
    ['thunderbird', 'Carsten Schoenert <@t-online.de>'],
    ['e2fsprogs', "Theodore Y. Ts'o <@mit.edu>"],
    // A personal mailbox at a webmail is no vendor's.
    ['git', 'Jonathan Nieder <@gmail.com>'],
    ['logrotate', 'Christian Göttsche <@googlemail.com>'],
  ];

  it("is the distribution's when the index holds it and no third-party rule claims it", () => {
    for (const [name, publisher] of PERSONS) {
      const item = { name, publisher, source: 'dpkg' as const };
      expect(classifier.classify(item), name).toMatchObject({
        vendor_id: 'debian',
        product_id: null,
        origin: 'community',
        licence: 'open_source',
        rule: 'distribution-index:debian',
        evidence: 'distribution_index',
        confidence: 'medium',
      });
      expect(classifier.classify({ ...item, distribution: 'debian' }), name).toMatchObject({ vendor_id: 'debian', confidence: 'high' });
      // All four are in Ubuntu's own index too.
      expect(classifier.classify({ ...item, distribution: 'ubuntu' }), name).toMatchObject({
        vendor_id: 'canonical',
        rule: 'distribution-index:ubuntu',
        confidence: 'high',
      });
      // The same package without its maintainer (OCS Inventory) comes out the same.
      expect(classifier.classify({ name, source: 'dpkg' }).rule, name).toBe('distribution-index:debian');
    }
  });

  it("is the vendor's when its maintainer or publisher names a vendor, or a vendor's rule names the package", () => {
    expect(classifier.classify({ name: 'thunderbird', publisher: 'Mozilla', source: 'dpkg' })).toMatchObject({
      vendor_id: 'mozilla',
      product_id: 'thunderbird-product',
      evidence: 'name_publisher',
    });
    for (const distribution of [null, 'debian']) {
      expect(classifier.classify({ name: 'nginx', publisher: 'F5, Inc.', source: 'dpkg', distribution })).toMatchObject({
        vendor_id: 'f5',
        product_id: 'nginx-oss',
      });
      expect(classifier.classify({ name: 'git', publisher: 'Microsoft Corporation', source: 'dpkg', distribution })).toMatchObject({
        vendor_id: 'microsoft',
        rule: 'microsoft:publisher',
        evidence: 'maintainer',
        confidence: 'high',
      });
    }
    // A distribution's maintainer keeps its own build (not the index's first distribution).
    expect(classifier.classify({ name: 'git', publisher: 'Ubuntu Developers <@lists.ubuntu.com>', source: 'dpkg' })).toMatchObject({
      vendor_id: 'canonical',
      evidence: 'maintainer',
    });
    // In Debian's index too, but named by Zabbix's rule: the product, whoever maintains it.
    expect(classifier.classify({ name: 'zabbix-agent', publisher: 'Dmitry Smirnov <@debian.org>', source: 'dpkg' }).vendor_id).toBe('debian');
    expect(classifier.classify({ name: 'zabbix-agent', publisher: 'Jean Dupont <@example.org>', source: 'dpkg' })).toMatchObject({
      vendor_id: 'zabbix',
      evidence: 'package',
    });
  });

  it('is unknown when no index holds it, or when it is no package', () => {
    for (const distribution of [null, 'debian', 'ubuntu']) {
      expect(
        classifier.classify({ name: 'logiciel-metier-maison', publisher: 'Jean Dupont <@mairie-exemple.fr>', source: 'dpkg', distribution }),
      ).toMatchObject({
        origin: 'unknown',
        vendor_id: null,
        rule: null,
        evidence: null,
        confidence: null,
      });
    }
    // A dpkg name on an rpm host whose distribution has no index, an rpm by a person on a Debian host.
    expect(classifier.classify({ name: 'thunderbird', publisher: 'Carsten Schoenert <@t-online.de>', source: 'dpkg', distribution: 'rocky' }).origin).toBe(
      'unknown',
    );
    expect(classifier.classify({ name: 'e2fsprogs', publisher: "Theodore Y. Ts'o <@mit.edu>", source: 'rpm', distribution: 'debian' }).origin).toBe('unknown');
    expect(classifier.classify({ name: 'e2fsprogs', publisher: "Theodore Y. Ts'o <@mit.edu>", source: 'registry' }).origin).toBe('unknown');
  });

  it('works the same for rpm packages and their packager', () => {
    const dir = tree({ 'countries.yaml': COUNTRIES });
    mkdirSync(join(dir, 'distributions'));
    writeFileSync(
      join(dir, 'distributions', 'distributions.yaml'),
      "distributions:\n- id: acmelinux\n  name: Acme Linux\n  vendor: acme-linux\n  format: rpm\n  os_pattern: ^acme linux\\b\n  indexes:\n  - {release: '1', file: acme-1.txt.gz, source: test, as_of: 2026-12-02}\n",
    );
    writeFileSync(join(dir, 'distributions', 'acme-1.txt.gz'), gzipSync('acme-tools\nlibfoo\nfoo-agent\n'));
    writeFileSync(
      join(dir, 'vendors', 'acme-linux.yaml'),
      'id: acme-linux\nname: Acme Linux Project\nkind: community\ndistribution: true\npublishers: [Acme Linux]\ndefaults: {area: software, category: distribution-package, licence: open_source}\n',
    );
    writeFileSync(
      join(dir, 'vendors', 'fooco.yaml'),
      'id: fooco\nname: FooCo\ncountry: US\npublishers: [FooCo Inc.]\ndefaults: {area: software, category: monitoring, licence: proprietary}\nproducts:\n- {id: foo-agent, name: Foo Agent, area: software, category: monitoring, licence: proprietary, shipped_in_distributions: true, packages: {rpm: [foo-agent]}, examples: [{name: foo-agent, source: rpm}]}\n',
    );
    const loaded = loadRuleTrees([dir]);
    expect(loaded.problems.map(formatProblem)).toEqual([]);
    const local = new Classifier(loaded);
    const rpm = (name: string, publisher: string | null, distribution: string | null = 'acmelinux') =>
      local.classify({ name, publisher, source: 'rpm', distribution });
    expect(rpm('libfoo', 'Jane Packager <@example.net>')).toMatchObject({
      vendor_id: 'acme-linux',
      rule: 'distribution-index:acmelinux',
      evidence: 'distribution_index',
      confidence: 'high',
    });
    expect(rpm('libfoo', 'Jane Packager <@example.net>', null)).toMatchObject({ vendor_id: 'acme-linux', confidence: 'medium' });
    expect(rpm('libfoo', 'FooCo Inc.')).toMatchObject({ vendor_id: 'fooco', rule: 'fooco:publisher', evidence: 'maintainer' });
    expect(rpm('foo-agent', 'Jane Packager <@example.net>')).toMatchObject({ vendor_id: 'fooco', product_id: 'foo-agent', evidence: 'package' });
    expect(rpm('libbar', 'Jane Packager <@example.net>')).toMatchObject({ origin: 'unknown', rule: null });
    expect(local.classify({ name: 'libfoo', publisher: 'Jane Packager <@example.net>', source: 'dpkg', distribution: null }).origin).toBe('unknown');
  });
});

describe('rules check', () => {
  it('reports a shadowed rule and an example that matches nothing, with file and line', () => {
    const dir = tree({
      'countries.yaml': COUNTRIES,
      'vendors/acme.yaml': [
        'id: acme',
        'name: Acme',
        'country: FR',
        'products:',
        '  - id: acme-suite',
        '    name: Acme Suite',
        '    area: software',
        '    category: finance',
        '    licence: proprietary',
        "    name_patterns: ['^acme']",
        '    examples: [{ name: Acme Suite }]',
        '  - id: acme-finance',
        '    name: Acme Finance',
        '    area: software',
        '    category: finance',
        '    licence: proprietary',
        '    names: [acme finance]',
        '    examples: [{ name: Acme Finances 2 }]',
      ].join('\n'),
    });
    const { problems } = checkRules([dir]);
    expect(problems.map(formatProblem)).toEqual([
      expect.stringMatching(/vendors\/acme\.yaml:18: products\.1\.examples\.0: example "Acme Finances 2" is shadowed by rule acme\/acme-suite:pattern/),
    ]);
  });

  const acme = (product: string[]) =>
    [
      'id: acme',
      'name: Acme',
      'country: FR',
      'publishers: [Acme SAS]',
      'products:',
      '  - id: acme-suite',
      '    name: Acme Suite',
      '    area: software',
      '    category: finance',
      '    licence: proprietary',
      ...product,
    ].join('\n');
  const corpus =
    'source\tname\tpublisher\ndpkg\tacmetool\tDebian Acme Team <@lists.debian.org>\nwindows\tAcmeCorp Viewer 2\tAcme Corporation Japan\nwindows\tAcmeCorp Studio\tAcme SAS\n';

  it("fails on a rule that hits another vendor's item of the negative corpus, with the rule, the string and the file", () => {
    const dir = tree({
      'countries.yaml': COUNTRIES,
      'vendors/debian.yaml':
        'id: debian\nname: Debian\nkind: community\ndistribution: true\npublisher_patterns: [^debian\\b]\ndefaults: {area: software, category: os, licence: open_source}\n',
      'vendors/acme.yaml': acme(["    name_patterns: ['^acmecorp\\b']", '    examples: [{ name: AcmeCorp Studio, publisher: Acme SAS }]']),
    });
    mkdirSync(join(dir, 'corpus'));
    writeFileSync(join(dir, 'corpus', 'windows-test.tsv.gz'), gzipSync(corpus));
    const { problems, corpus: lines } = checkRules([dir]);
    expect(lines).toBe(3);
    expect(problems.map(formatProblem)).toEqual([
      expect.stringMatching(
        /vendors\/acme\.yaml:6: products\.0: rule acme\/acme-suite:pattern matches "AcmeCorp Viewer 2", published by "Acme Corporation Japan" \(corpus\/windows-test\.tsv\.gz:3\)/,
      ),
    ]);
    // Listed as an accepted example, the same line passes.
    writeFileSync(
      join(dir, 'vendors', 'acme.yaml'),
      acme(["    name_patterns: ['^acmecorp\\b']", '    examples: [{ name: AcmeCorp Studio, publisher: Acme SAS }, { name: AcmeCorp Viewer 2 }]']),
    );
    expect(checkRules([dir]).problems).toEqual([]);
  });

  it('enforces the matching policy: a common word or short token alone needs the publisher', () => {
    const dir = tree({
      'countries.yaml': COUNTRIES,
      'vendors/acme.yaml': acme(['    names: [suite, acme suite]', "    name_patterns: ['^(acme|abc)\\b']", '    examples: [{ name: Acme Suite }]']),
    });
    mkdirSync(join(dir, 'corpus'));
    writeFileSync(join(dir, 'corpus', 'common-words.txt.gz'), gzipSync('office\nsuite\n'));
    expect(checkRules([dir]).problems.map(formatProblem)).toEqual([
      expect.stringMatching(/acme\.yaml:\d+: products\.0\.names\.0: 'suite' is a common word or a short token/),
      expect.stringMatching(/acme\.yaml:\d+: products\.0\.name_patterns\.0: pattern matches the common word or short token 'abc'/),
    ]);
    writeFileSync(
      join(dir, 'vendors', 'acme.yaml'),
      acme([
        '    publisher_required: true',
        '    names: [suite, acme suite]',
        "    name_patterns: ['^(acme|abc)\\b']",
        '    examples: [{ name: Acme Suite, publisher: Acme SAS }]',
      ]),
    );
    expect(checkRules([dir]).problems).toEqual([]);
  });

  it('refuses a corpus file without its header', () => {
    const dir = tree({ 'countries.yaml': COUNTRIES, 'vendors/acme.yaml': acme(['    names: [acme suite]', '    examples: [{ name: Acme Suite }]']) });
    mkdirSync(join(dir, 'corpus'));
    writeFileSync(join(dir, 'corpus', 'bad.tsv'), 'name\tpublisher\nfoo\tbar\n');
    expect(checkRules([dir]).problems.map(formatProblem)).toEqual([
      expect.stringMatching(/corpus\/bad\.tsv:1: the header must be 'source<TAB>name<TAB>publisher'/),
    ]);
  });
});

describe('network equipment, IP phones and mobile phones as GLPI/SNMP inventories report them', () => {
  const device = (name: string, manufacturer: string | null, role: 'network' | 'phone' = 'network', part = 'system') =>
    classifyItem(classifier, { kind: 'hardware', source: 'hardware', role, name, publisher: manufacturer, package: part });

  // [model, manufacturer string, role, vendor, owner, origin]
  const DEVICES: [string, string, 'network' | 'phone', string, string | null, string][] = [
    ['DGS-1210-28', 'D-Link', 'network', 'd-link', null, 'non_eu'],
    ['DAP-2660', 'D-Link Corporation', 'network', 'd-link', null, 'non_eu'],
    ['DIR-842', 'D-Link Systems, Inc.', 'network', 'd-link', null, 'non_eu'],
    ['GS1920-24HPv2', 'ZyXEL Communications Corp.', 'network', 'zyxel', null, 'non_eu'],
    ['CCR2004-1G-12S+2XS', 'MikroTik', 'network', 'mikrotik', null, 'eu'],
    ['RB4011iGS+', 'Mikrotīkls SIA', 'network', 'mikrotik', null, 'eu'],
    ['Vigor2927ax', 'DrayTek Corp.', 'network', 'draytek', null, 'non_eu'],
    ['R750', 'Ruckus Wireless', 'network', 'ruckus', 'commscope', 'non_eu'],
    ['ICX 7450-48 HPOE Switch', 'Brocade', 'network', 'ruckus', 'commscope', 'non_eu'],
    ['ePMP 3000', 'Cambium Networks, Ltd.', 'network', 'cambium-networks', null, 'non_eu'],
    ['snom D785', 'Snom Technology GmbH', 'phone', 'snom', 'vtech', 'non_eu'],
    ['N870 IP PRO', 'Gigaset Communications GmbH', 'phone', 'gigaset', 'vtech', 'non_eu'],
    ['GXP2170', 'Grandstream Networks, Inc.', 'phone', 'grandstream', null, 'non_eu'],
    ['X4U', 'Fanvil Technology Co., Ltd', 'phone', 'fanvil', null, 'non_eu'],
    ['OpenScape Desk Phone CP600', 'Unify Software and Solutions GmbH & Co. KG', 'phone', 'unify', 'mitel', 'non_eu'],
    ['2201117TG', 'Xiaomi', 'phone', 'xiaomi', null, 'non_eu'],
    ['CPH2387', 'OPPO', 'phone', 'oppo', null, 'non_eu'],
    ['CPH2449', 'OnePlus', 'phone', 'oneplus', 'oppo', 'non_eu'],
    ['V2111', 'vivo', 'phone', 'vivo', null, 'non_eu'],
    ['ANY-NX1', 'HONOR', 'phone', 'honor', null, 'non_eu'],
    ['Nokia G21', 'HMD Global', 'phone', 'hmd-global', null, 'eu'],
    ['FP5', 'Fairphone', 'phone', 'fairphone', null, 'eu'],
    ['CORE-X5', 'Crosscall', 'phone', 'crosscall', null, 'eu'],
    ['moto g54 5G', 'motorola', 'phone', 'motorola-mobility', 'lenovo', 'non_eu'],
    ['W-K610', 'WIKO', 'phone', 'wiko', 'tinno', 'non_eu'],
    ['LGS328PC', 'Linksys', 'network', 'linksys', 'foxconn', 'non_eu'],
    ['RUT240', 'Teltonika', 'network', 'teltonika', null, 'eu'],
    ['AT-x510-28GTX', 'Allied Telesyn', 'network', 'allied-telesis', null, 'non_eu'],
    ['Netgate 4100', 'Netgate', 'network', 'netgate', null, 'non_eu'],
  ];

  it.each(DEVICES)('%s by "%s" is %s', (model, manufacturer, role, vendor, owner, origin) => {
    expect(device(model, manufacturer, role)).toMatchObject({ vendor_id: vendor, owner_id: owner, origin, area: 'infrastructure' });
  });

  it('names the vendor by its manufacturer string alone, whatever the model', () => {
    for (const [manufacturer, vendor] of <[string, string][]>[
      ['D-Link', 'd-link'],
      ['Zyxel', 'zyxel'],
      ['MikroTik', 'mikrotik'],
      ['DrayTek', 'draytek'],
      ['Ruckus Networks', 'ruckus'],
      ['Cambium Networks', 'cambium-networks'],
      ['Gigaset', 'gigaset'],
      ['snom', 'snom'],
      ['Grandstream', 'grandstream'],
      ['Fanvil', 'fanvil'],
      ['Xiaomi', 'xiaomi'],
      ['OPPO', 'oppo'],
      ['OnePlus', 'oneplus'],
      ['vivo', 'vivo'],
      ['HONOR', 'honor'],
      ['HMD Global Oy', 'hmd-global'],
      ['Fairphone B.V.', 'fairphone'],
      ['Crosscall', 'crosscall'],
      ['Motorola Mobility LLC', 'motorola-mobility'],
      ['Wiko', 'wiko'],
      ['CommScope', 'commscope'],
      ['VTech Holdings Limited', 'vtech'],
      ['Linksys', 'linksys'],
      ['Teltonika Networks', 'teltonika'],
      ['Allied Telesis', 'allied-telesis'],
      ['Netgate', 'netgate'],
      // As GLPI names the makers of devices it knows by their SNMP enterprise number.
      ['Checkpoint', 'check-point'],
      ['Lancom', 'lancom'],
      ['Juniper', 'juniper'],
    ]) {
      const result = device('Unlisted model 123', manufacturer);
      expect(result.vendor_id, manufacturer).toBe(vendor);
      expect(result.product_id, manufacturer).toBeNull();
      // The firmware line of the same device (its OS) names the same vendor.
      expect(
        classifyItem(classifier, { kind: 'os', source: 'os', role: 'network', name: 'Unlisted model 123 firmware', publisher: manufacturer, package: null })
          .vendor_id,
        manufacturer,
      ).toBe(vendor);
    }
  });

  it('does not take short model codes or shared words for these vendors without their manufacturer', () => {
    // A Dell PowerEdge is an R750 too; a Cisco or Arista model, a Hikvision camera, Ubiquiti's USG, NETGEAR's GS108.
    expect(device('R750', 'Dell Inc.').vendor_id).toBe('dell');
    expect(device('R750', null).vendor_id).toBeNull();
    expect(device('DS-2CD2143G2-I', 'Hikvision').vendor_id).not.toBe('d-link');
    expect(device('DCS-7000', 'Arista Networks').vendor_id).not.toBe('d-link');
    expect(device('USG-PRO-4', 'Ubiquiti Networks, Inc.').vendor_id).toBe('ubiquiti');
    expect(device('GS108Tv3', 'NETGEAR, Inc.').vendor_id).toBe('netgear');
    expect(device('Nokia 7750 SR-1', 'Nokia').vendor_id).not.toBe('hmd-global');
    expect(device('ELS-NX9', 'HUAWEI', 'phone').vendor_id).toBe('huawei');
    expect(device('VivoBook_ASUSLaptop X515EA_X515EA', 'ASUSTeK COMPUTER INC.').vendor_id).toBe('asus');
    for (const model of ['FP5', 'CPH2387', 'LE2123', 'V2111', 'X4U', 'HT802', 'CORE-X5', 'T10', 'D735', 'N670 IP PRO', '2201117TG']) {
      expect(device(model, null, 'phone').vendor_id, model).toBeNull();
    }
    // Brocade's Fibre Channel switches went to Broadcom, not with the ICX line to Ruckus.
    expect(device('Fibre Channel Switch', 'Brocade').vendor_id).not.toBe('ruckus');
    // "motorola" alone is also Motorola Solutions (radios) and the old Motorola, Inc.: no vendor from it.
    expect(device('motorola', 'motorola', 'phone', 'bios').vendor_id).toBeNull();
    expect(device('APX 8000', 'Motorola Solutions, Inc.').vendor_id).not.toBe('motorola-mobility');
  });

  it("names the firewall systems of a firmware line: pfSense CE open source, pfSense Plus not, OPNsense Deciso's", () => {
    const os = (name: string) => classifyItem(classifier, { kind: 'os', source: 'os', role: 'network', name, publisher: null, package: null });
    expect(os('pfSense')).toMatchObject({ vendor_id: 'netgate', product_id: 'pfsense-ce', licence: 'open_source', origin: 'non_eu' });
    expect(os('pfSense Plus')).toMatchObject({ vendor_id: 'netgate', product_id: 'pfsense-plus', licence: 'proprietary' });
    expect(os('OPNsense').vendor_id).toBe('deciso');
    expect(os('RouterOS')).toMatchObject({ vendor_id: 'mikrotik', origin: 'eu' });
  });

  it("leaves Debian's packages and other software to their own makers", () => {
    for (const [name, publisher] of <[string, string][]>[
      ['desmume', 'Debian Games Team <@lists.alioth.debian.org>'],
      ['dapl2-utils', 'Debian HPC Team <@lists.debian.org>'],
      ['chrony', 'Vincent Blut <@free.fr>'],
      ['capstats', 'Hilko Bengen <@debian.org>'],
      ['sg3-utils', 'Ritesh Raj Sarraf <@debian.org>'],
    ]) {
      expect(classifier.classify({ name, publisher, source: 'dpkg' }), name).toMatchObject({ vendor_id: 'debian', origin: 'community' });
    }
    for (const name of ['Honor', 'Core i5', 'Nord VPN', 'Vigor', 'Action', 'Ruckus', 'RouterBOARD']) {
      expect(classifier.classify({ name, source: 'registry' }).vendor_id, name).toBeNull();
    }
    // Their own software still comes out with its maker.
    expect(classifier.classify({ name: 'D-Link Network Assistant', publisher: 'D-Link Corporation', source: 'registry' }).product_id).toBe('d-link-utilities');
    expect(classifier.classify({ name: 'Motorola Device Manager', publisher: 'Motorola Mobility LLC', source: 'registry' })).toMatchObject({
      vendor_id: 'motorola-mobility',
      owner_id: 'lenovo',
    });
  });

  it('has a dated source for each of these ownerships', () => {
    for (const id of [
      'ruckus',
      'commscope',
      'snom',
      'gigaset',
      'vtech',
      'oneplus',
      'honor',
      'motorola-mobility',
      'wiko',
      'tinno',
      'unify',
      'mikrotik',
      'fairphone',
      'crosscall',
      'hmd-global',
      'linksys',
      'teltonika',
      'netgate',
    ]) {
      const sources = classifier.vendor(id)?.sources ?? [];
      expect(sources.length, id).toBeGreaterThan(0);
      for (const source of sources) expect(source.as_of, id).toMatch(/^\d{4}(-\d{2}(-\d{2})?)?$/);
    }
  });
});
