// The command-line programs as a user meets them: help, bad arguments, and classify on exports.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeInventory } from './fixtures.ts';
import { runCli, tempDir } from './helpers.ts';

const lines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

describe('tiebreak-collector classify', () => {
  it('classifies a CSV export (semicolons, quotes, BOM) line by line, in order', async () => {
    const csv =
      '\uFEFFNom;Éditeur;Version\n"Google Chrome";"Google LLC";131.0\n"Mozilla Firefox (x64 fr)";Mozilla;133.0\n"Logiciel; maison";"Régie ""Info""";1\n';
    const result = await runCli('collector', ['classify'], { input: csv });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = lines(result.stdout);
    expect(out.map((o) => o.name)).toEqual(['Google Chrome', 'Mozilla Firefox (x64 fr)', 'Logiciel; maison']);
    expect(out[0]).toMatchObject({
      publisher: 'Google LLC',
      vendor: 'Google',
      country: 'US',
      owner_country: 'US',
      origin: 'non_eu',
      licence: 'proprietary',
      area: 'workstation',
      category: 'browser',
      rule: 'google/google-chrome:name',
    });
    expect(out[1]).toMatchObject({ vendor: 'Mozilla', licence: 'open_source', category: 'browser' });
    expect(out[2]).toMatchObject({ publisher: 'Régie "Info"', origin: 'unknown', rule: null });
    for (const o of out)
      for (const key of ['name', 'publisher', 'vendor', 'country', 'owner_country', 'origin', 'licence', 'area', 'category', 'rule'])
        expect(o).toHaveProperty(key);
  });

  it('classifies JSON lines and an inventory file', async () => {
    const jsonl = '{"name":"TeamViewer","publisher":"TeamViewer"}\n{"name":"zoom","publisher":"Zoom Video Communications, Inc.","source":"dpkg"}\n';
    const out = lines((await runCli('collector', ['classify'], { input: jsonl })).stdout);
    expect(out.map((o) => [o.vendor, o.origin])).toEqual([
      ['TeamViewer', 'eu'],
      ['Zoom Video Communications', 'non_eu'],
    ]);

    const file = join(tempDir(), 'inventory.json');
    writeFileSync(file, JSON.stringify(makeInventory()));
    const fromFile = lines((await runCli('collector', ['classify', file])).stdout);
    expect(fromFile.map((o) => o.name)).toEqual(expect.arrayContaining(['Google Chrome', 'Microsoft Windows 11 Pro', 'OptiPlex 7010']));
    expect(fromFile.find((o) => o.name === 'OptiPlex 7010')).toMatchObject({ vendor: 'Dell Technologies', area: 'workstation', category: 'computer' });
  });

  it('prints the evidence and confidence of each item; distribution packages without a maintainer by the host OS of an inventory', async () => {
    const jsonl = '{"name":"Google Chrome","publisher":"Google LLC"}\n{"name":"Google Chrome"}\n{"name":"apt","source":"dpkg"}\n{"name":"Logiciel maison"}\n';
    const out = lines((await runCli('collector', ['classify'], { input: jsonl })).stdout);
    expect(out.map((o) => [o.evidence, o.confidence])).toEqual([
      ['name_publisher', 'high'],
      ['name', 'low'],
      ['distribution_index', 'medium'],
      [null, null],
    ]);
    const file = join(tempDir(), 'ubuntu.json');
    const ubuntu = makeInventory({
      osFamily: 'linux',
      osName: 'Ubuntu 24.04.1 LTS',
      software: [
        { name: 'adduser', version: '3.137', source: 'dpkg' },
        { name: 'org.gnome.Platform', source: 'flatpak', package: 'org.gnome.Platform' },
      ],
    });
    writeFileSync(file, JSON.stringify(ubuntu));
    const fromFile = lines((await runCli('collector', ['classify', file])).stdout);
    expect(fromFile.find((o) => o.name === 'adduser')).toMatchObject({
      vendor: 'Canonical',
      rule: 'distribution-index:ubuntu',
      evidence: 'distribution_index',
    });
    expect(fromFile.find((o) => o.name === 'org.gnome.Platform')).toMatchObject({
      vendor: 'GNOME Foundation',
      origin: 'community',
      evidence: 'app_id_domain',
      confidence: 'medium',
    });
  }, 120_000);

  it('explains bad input and exits non-zero', async () => {
    const noName = await runCli('collector', ['classify'], { input: 'foo,bar\n1,2\n' });
    expect(noName.code).toBe(2);
    expect(noName.stderr).toMatch(/no name column/);
    const badLine = await runCli('collector', ['classify'], { input: '{"name":"a"}\n{oops\n' });
    expect(badLine.code).toBe(2);
    expect(badLine.stderr).toMatch(/line 2: not valid JSON/);
    const missing = await runCli('collector', ['classify', '/nonexistent/file.csv']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read/);
  });
});

describe('command-line usage', () => {
  it('prints help and version, and refuses unknown commands and options', async () => {
    expect((await runCli('agent', ['--help'])).stdout).toMatch(/tiebreak-agent scan/);
    expect((await runCli('collector', ['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    const unknown = await runCli('collector', ['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command: frobnicate/);
    const badOption = await runCli('agent', ['scan', '--colour']);
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toMatch(/Unknown option '--colour'/);
    const noServer = await runCli('agent', ['send', '--token', 'x'], { env: { TIEBREAK_SERVER: '' } });
    expect(noServer.code).toBe(2);
    expect(noServer.stderr).toMatch(/send needs --server/);
    const unreachable = await runCli('agent', ['send', '--server', 'http://127.0.0.1:1', '--token', 'x', '--state-dir', tempDir()]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/cannot reach the collector/);
    expect(unreachable.stderr).toMatch(/1 inventory kept in .*spool, sent at the next attempt/);
    const badPort = await runCli('collector', ['serve', '--port', 'eighty']);
    expect(badPort.code).toBe(2);
  });

  it('the agent writes its scan to a file that validates', async () => {
    const file = join(tempDir(), 'scan.json');
    const result = await runCli('agent', ['scan', '--output', file]);
    expect(result.code).toBe(0);
    const { InventorySchema } = await import('@tiebreak/shared');
    const { readFileSync } = await import('node:fs');
    expect(InventorySchema.safeParse(JSON.parse(readFileSync(file, 'utf8'))).success).toBe(true);
  });
});
