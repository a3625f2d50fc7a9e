import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Classifier } from './classifier.ts';
import { checkRules } from './check-rules.ts';
import { DEFAULT_RULES_DIR, RulesError, formatProblem, loadRuleTrees } from './load-rules.ts';

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tiebreak-rules-'));
  mkdirSync(join(dir, 'vendors'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const COUNTRIES = 'countries:\n  - { code: FR, name: France, region: eea }\n  - { code: US, name: United States, region: other }\n  - { code: CH, name: Switzerland, region: europe }\n';

describe('classifier', () => {
  const classifier = new Classifier(loadRuleTrees([DEFAULT_RULES_DIR]));

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
    expect(classifier.classify({ name: 'google-chrome-stable', publisher: 'Chrome Linux Team <@chromium.org>', source: 'dpkg' }).rule).toBe('google/google-chrome:package');
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
        'id: petitco', 'name: PetitCo', 'country: FR', 'owner: bigco', 'publishers: [PetitCo SAS]',
        'defaults: { area: software, category: finance, licence: proprietary }',
      ].join('\n'),
    });
    const c = new Classifier(loadRuleTrees([dir])).classify({ name: 'PetitCo Finances', publisher: 'PetitCo S.A.S.' });
    expect(c).toMatchObject({ vendor_id: 'petitco', country: 'FR', owner_id: 'bigco', owner_country: 'US', origin: 'non_eu', rule: 'petitco:publisher' });
  });

  it('lets a local rules tree replace a shipped vendor', () => {
    const local = tree({
      'vendors/zoom.yaml': 'id: zoom\nname: Zoom (local)\ncountry: CH\npublishers: [Zoom Video Communications, Inc.]\ndefaults: { area: workstation, category: messaging-collaboration, licence: proprietary }\n',
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
      'vendors/regex.yaml': 'id: regex\nname: Regex\ncountry: FR\nproducts:\n  - id: p\n    name: P\n    area: software\n    category: other\n    licence: proprietary\n    name_patterns: ["(unclosed"]\n    examples: [{ name: p }]\n',
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
});
