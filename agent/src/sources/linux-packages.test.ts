import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SoftwareItemSchema } from '@tiebreak/shared';
import { runCommand } from '../exec.ts';
import { silentLogger } from '../log.ts';
import { linuxDpkg, parseDpkgQuery, withoutMailbox } from './linux-dpkg.ts';
import { linuxFlatpak, parseFlatpakList } from './linux-flatpak.ts';
import { linuxRpm, parseRpmQuery } from './linux-rpm.ts';
import { parseSnapList } from './linux-snap.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const hasDpkg = (() => {
  try {
    execFileSync('dpkg-query', ['--version']);
    return true;
  } catch {
    return false;
  }
})();

describe('dpkg', () => {
  it.runIf(hasDpkg)("reads every installed package of this machine's dpkg database", async () => {
    // Counted independently from dpkg's own listing: lines whose status is "ii" (or held "hi").
    const listing = execFileSync('dpkg', ['-l'], { encoding: 'utf8', env: { ...process.env, COLUMNS: '300' } });
    const expected = listing.split('\n').filter((line) => /^[ih]i /.test(line)).length;
    const result = await linuxDpkg.collect({ run: runCommand, log: silentLogger });
    expect(result.software!.length).toBe(expected);
    expect(expected).toBeGreaterThan(50);
    const dpkg = result.software!.find((item) => item.name === 'dpkg')!;
    expect(dpkg.version).toMatch(/^\d/);
    expect(dpkg.publisher).toMatch(/debian/i);
    for (const item of result.software!) expect(SoftwareItemSchema.safeParse(item).success).toBe(true);
  });

  it('keeps installed packages only and drops the local part of maintainer addresses', () => {
    const items = parseDpkgQuery(
      'installed\tgit\t1:2.39.5-0+deb12u2\tamd64\tJonathan Nieder <jrnieder@gmail.com>\n' +
        'config-files\told-package\t1.0\tamd64\tSomeone <x@y.org>\n' +
        'installed\tgoogle-cloud-cli\t500.0.0-0\tall\tGoogle Cloud CLI Authors <https://code.google.com/p/google-cloud-sdk/>\n',
    );
    expect(items.map((i) => i.name)).toEqual(['git', 'google-cloud-cli']);
    expect(items[0]).toMatchObject({ version: '1:2.39.5-0+deb12u2', publisher: 'Jonathan Nieder <@gmail.com>', source: 'dpkg', arch: 'amd64' });
    expect(items[1]!.publisher).toBe('Google Cloud CLI Authors <https://code.google.com/p/google-cloud-sdk/>');
    expect(withoutMailbox('A <b@c.d>, E <f@g.h>')).toBe('A <@c.d>, E <@g.h>');
  });
});

describe('rpm (recorded output of a RHEL 9 machine)', () => {
  it('parses name, epoch-less version, vendor or packager, install date; skips signing keys', () => {
    const items = parseRpmQuery(fixture('rpm-qa-rhel9.txt'));
    expect(items.map((i) => i.name)).toEqual(['bash', 'google-chrome-stable', 'zoom', 'kernel-core']);
    expect(items[0]).toMatchObject({ version: '0:5.1.8-9.el9', publisher: 'Red Hat, Inc.', arch: 'x86_64', installed_on: '2024-04-25' });
    expect(items[1]).toMatchObject({ version: '124.0.6367.91-1', publisher: 'Google Inc.' });
    expect(items[2]!.publisher).toBe('Zoom Video Communications, Inc. <@zoom.us>');
    expect(items[3]!.installed_on).toBeNull();
  });

  it('is skipped, not failed, where rpm is absent', async () => {
    const result = await linuxRpm.collect({ run: async () => ({ ok: false, reason: 'missing', detail: 'rpm not found' }), log: silentLogger });
    expect(result).toEqual({});
  });
});

describe('snap (recorded output of Ubuntu 24.04)', () => {
  it('parses the columns and removes the verified-publisher mark', () => {
    const items = parseSnapList(fixture('snap-list-ubuntu2404.txt'));
    expect(items).toHaveLength(8);
    expect(items.find((i) => i.name === 'firefox')).toMatchObject({ version: '125.0.2-1', publisher: 'mozilla', source: 'snap', package: 'firefox' });
    expect(items.find((i) => i.name === 'zoom-client')!.publisher).toBe('ogra');
    expect(parseSnapList('No snaps are installed yet.\n')).toEqual([]);
  });
});

describe('flatpak (recorded output of Fedora 40)', () => {
  it('parses applications and runtimes with their installation scope', () => {
    const items = parseFlatpakList(fixture('flatpak-list-fedora40.txt'));
    expect(items).toHaveLength(4);
    expect(items[0]).toMatchObject({ name: 'Firefox', package: 'org.mozilla.firefox', version: '125.0.2', scope: 'machine', source: 'flatpak' });
    expect(items[3]).toMatchObject({ name: 'Zoom', scope: 'user' });
  });

  it('passes its columns to the real command line', async () => {
    const calls: string[][] = [];
    await linuxFlatpak.collect({
      run: async (command, args) => {
        calls.push([command, ...args]);
        return { ok: true, stdout: fixture('flatpak-list-fedora40.txt') };
      },
      log: silentLogger,
    });
    expect(calls[0]).toEqual(['flatpak', 'list', '--columns=application,name,version,branch,arch,installation,origin']);
  });
});
