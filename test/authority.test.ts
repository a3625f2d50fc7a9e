// The authority's name and SIREN: validated (9 digits, Luhn key), set from the settings page and the
// command line, shown at the head of the report, its Markdown and JSON exports and the API.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { luhnValid, parseSiren } from '../collector/src/store/authority.ts';
import { ENGINES, newDatabaseLocation } from '../collector/src/store/test-database.ts';
import { runCli, startCollector, tempDir, type RunningCollector } from './helpers.ts';

describe('SIREN', () => {
  it('is 9 digits whose last is the Luhn key of the others', () => {
    expect(parseSiren('217500016')).toBe('217500016');
    expect(parseSiren(' 217 500 016 ')).toBe('217500016');
    expect(parseSiren('217.500.016')).toBe('217500016');
    expect(() => parseSiren('217500017')).toThrow(/fails its check digit/);
    expect(() => parseSiren('21750001')).toThrow(/9 digits/);
    expect(() => parseSiren('2175000160')).toThrow(/9 digits/);
    expect(() => parseSiren('21750001A')).toThrow(/9 digits/);
    // Every 8 digits have exactly one key that makes them valid.
    for (const head of ['00000000', '12345678', '98765432', '21345120']) expect([...'0123456789'].filter((k) => luhnValid(head + k)).length).toBe(1);
  });
});

describe.each(ENGINES)('authority settings (%s)', (engine) => {
  let dbFile: string;
  let collector: RunningCollector;

  beforeAll(async () => {
    dbFile = await newDatabaseLocation(engine, join(tempDir('tiebreak-authority-'), 'tiebreak.db'));
    collector = await startCollector(dbFile);
  });
  afterAll(async () => {
    await collector?.stop();
  });

  const cli = (args: string[]) => runCli('collector', [...args, '--db', dbFile]);

  it('are set from the command line, refused when the SIREN is wrong, and shown in the report and its exports', async () => {
    const bad = await cli(['settings', 'set', '--name', 'Mauvaise', '--siren', '123456789']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/SIREN 123456789 fails its check digit/);
    const unchanged = await cli(['settings', 'show', '--json']);
    expect(JSON.parse(unchanged.stdout)).toEqual({ name: null, siren: null });

    const set = await cli(['settings', 'set', '--name', 'Commune de Testville', '--siren', '217 500 016']);
    expect(set.stderr).toBe('');
    expect(set.code).toBe(0);
    expect(set.stdout).toBe('authority: Commune de Testville (SIREN 217 500 016)\n');
    expect((await cli(['settings', 'show'])).stdout).toBe('name:  Commune de Testville\nSIREN: 217 500 016\n');
    const usage = await cli(['settings', 'set']);
    expect(usage.code).toBe(2);

    const md = await cli(['report', '--format', 'md']);
    expect(md.stdout).toContain('# Digital dependency diagnostic — Commune de Testville\n\nSIREN 217 500 016\n');
    const french = await cli(['report', '--format', 'md', '--lang', 'fr']);
    expect(french.code, french.stderr).toBe(0);
    expect(french.stdout).toContain('# Diagnostic de dépendance numérique — Commune de Testville\n\nSIREN 217 500 016\n');
    expect(french.stdout).toContain('**Indice d’exposition\u202f: ');
    const german = await cli(['report', '--format', 'md', '--lang', 'de']);
    expect(german.code).toBe(2);
    expect(german.stderr).toMatch(/--lang must be en or fr, not de/);
    const json = JSON.parse((await cli(['report', '--format', 'json'])).stdout);
    expect(json.authority).toEqual({ name: 'Commune de Testville', siren: '217500016' });
    const api = (await (await collector.get('/api/v1/assessment')).json()) as { authority: unknown };
    expect(api.authority).toEqual({ name: 'Commune de Testville', siren: '217500016' });
    const report = await (await collector.get('/report')).text();
    expect(report).toContain('Commune de Testville (SIREN 217 500 016)');
  });

  it('are set from the settings page by an admin, with the reason when the SIREN is wrong', async () => {
    const post = (fields: Record<string, string>) =>
      fetch(`${collector.url}/settings/authority`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: collector.session.cookie },
        body: new URLSearchParams({ _csrf: collector.session.csrf, ...fields }),
      });
    const settings = await (await collector.get('/settings')).text();
    expect(settings).toContain('Collectivité');
    expect(settings).toContain('value="Commune de Testville"');
    expect(settings).toContain('value="217 500 016"');

    const wrong = await post({ name: 'Ville Nouvelle', siren: '217500061' });
    expect(wrong.status).toBe(400);
    // The reason in the page's language (French by default).
    expect(await wrong.text()).toContain('Le SIREN 217500061 a une clé de contrôle fausse (Luhn)');
    expect(JSON.parse((await cli(['settings', 'show', '--json'])).stdout).name).toBe('Commune de Testville');

    const right = await post({ name: '  Communauté  de communes  du Test ', siren: '200 054 781' });
    expect(right.status).toBe(302);
    expect(JSON.parse((await cli(['settings', 'show', '--json'])).stdout)).toEqual({ name: 'Communauté de communes du Test', siren: '200054781' });
    expect(await (await collector.get('/report?lang=en')).text()).toContain('Communauté de communes du Test (SIREN 200 054 781)');

    // Cleared with empty values; each change is in the audit log.
    expect((await post({ name: '', siren: '' })).status).toBe(302);
    expect(JSON.parse((await cli(['settings', 'show', '--json'])).stdout)).toEqual({ name: null, siren: null });
    const audit = await (await collector.get('/settings/audit.csv?action=settings.authority')).text();
    expect(audit).toContain('Commune de Testville, SIREN 217500016');
    expect(audit).toContain('Communauté de communes du Test, SIREN 200054781');
    expect(audit.match(/settings\.authority/g)?.length).toBe(3);
  });
});
