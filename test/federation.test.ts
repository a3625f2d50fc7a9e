// Federation end to end: two real collector processes publish their signed, anonymised documents to
// a third one serving as an observatory, over loopback; forged, replayed, tampered and malformed
// documents are refused with a reason and stored nowhere; nothing that identifies a machine travels.
import { generateKeyPairSync, sign, type KeyObject, createPrivateKey } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../collector/src/federation/keys.ts';
import { getMeta, rows, sql, values } from '../collector/src/store/db.ts';
import { ENGINES, newDatabaseLocation } from '../collector/src/store/test-database.ts';
import { makeInventory, sha } from './fixtures.ts';
import { runCli, startCollector, tempDir, TEST_ADMIN, withDatabase, type RunningCollector } from './helpers.ts';

/** What identifies A's machines, as its agents sent it (hashes included). */
const A_HOSTS = [
  { machine: 'pc-compta-7', hostname: 'PC-COMPTA-7', serial: 'CZC1234XYZ', domain: 'ville-de-testbourg.fr' },
  { machine: 'srv-annuaire-2', hostname: 'SRV-ANNUAIRE-2', serial: 'VMW-42-ab-cd', domain: 'ville-de-testbourg.fr' },
];

describe.each(ENGINES)('federation between collectors and an observatory (%s)', (engine) => {
  const dir = tempDir('tiebreak-federation-');
  /** The databases of A, B and the observatory. */
  const files = { a: '', b: '', o: '' };
  let a: RunningCollector;
  let b: RunningCollector;
  let o: RunningCollector;
  const tokens = { a: '', b: '' };

  /** A form post as the logged-in admin of a running collector. */
  const post = (c: RunningCollector, path: string, form: Record<string, string>) =>
    c.get(path, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: c.session.csrf, ...form }),
    });

  const privateKeyOf = (location: string): Promise<KeyObject> =>
    withDatabase(location, async (db) => createPrivateKey((await getMeta(db, 'federation_private_key'))!));
  const signed = (doc: Record<string, unknown>, key: KeyObject) => {
    const { signature: _old, ...body } = doc;
    return { ...body, signature: { algorithm: 'ed25519', value: sign(null, Buffer.from(canonicalJson(body)), key).toString('base64') } };
  };
  const send = async (token: string, body: unknown) => {
    const response = await fetch(`${o.url}/api/v1/observatory/documents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as { error?: string; status?: string } };
  };
  const stored = () =>
    withDatabase(files.o, (db) => rows(db, sql<{ document_id: string; body: string }>`SELECT document_id, body FROM observatory_documents ORDER BY id`));
  /** A fresh document of collector c as it would be sent now (new id and date), unsigned. */
  const preview = async (c: RunningCollector) => (await (await c.get('/api/v1/federation/preview')).json()) as Record<string, any>;

  beforeAll(async () => {
    files.a = await newDatabaseLocation(engine, join(dir, 'a.db'));
    files.b = await newDatabaseLocation(engine, join(dir, 'b.db'));
    files.o = await newDatabaseLocation(engine, join(dir, 'observatory.db'));
    const inventories = [
      ...A_HOSTS.map((h, i) => {
        const inventory = makeInventory({
          machine: h.machine,
          hostname: h.hostname,
          serial: h.serial,
          osFamily: i ? 'linux' : 'windows',
          osName: i ? 'Debian GNU/Linux 12' : undefined,
        });
        return { file: join(dir, `a${i}.json`), inventory: { ...inventory, host: { ...inventory.host, domain: h.domain } } };
      }),
      {
        file: join(dir, 'b0.json'),
        inventory: makeInventory({
          machine: 'b-poste-1',
          software: [
            { name: 'Microsoft Teams', version: '24.1', publisher: 'Microsoft Corporation' },
            { name: 'Zoom Workplace (64-bit)', version: '6.2', publisher: 'Zoom Video Communications, Inc.' },
          ],
        }),
      },
    ];
    for (const { file, inventory } of inventories) writeFileSync(file, JSON.stringify(inventory));
    const imported = await Promise.all([
      runCli('collector', ['import', inventories[0]!.file, inventories[1]!.file, '--db', files.a]),
      runCli('collector', ['import', inventories[2]!.file, '--db', files.b]),
    ]);
    for (const r of imported) expect(r.code, r.stderr).toBe(0);
    // One after the other: three starting at once on a loaded machine can outlast the start's timer.
    a = await startCollector(files.a);
    b = await startCollector(files.b);
    o = await startCollector(files.o, ['--observatory']);
    // Each authority names itself and gives the observatory its public key.
    expect((await post(a, '/federation/authority', { name: 'Ville de Testbourg', siren: '213 100 019' })).status).toBe(303);
    expect((await post(b, '/federation/authority', { name: 'Communauté de Testville', siren: '200046977' })).status).toBe(303);
    const registered = await Promise.all(
      (['a', 'b'] as const).map(async (which) => {
        const pem = await (await (which === 'a' ? a : b).get('/federation/public-key.pem')).text();
        expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
        writeFileSync(join(dir, `${which}.pem`), pem);
        const name = which === 'a' ? 'Ville de Testbourg' : 'Communauté de Testville';
        return runCli('collector', [
          'observatory',
          'register',
          '--name',
          name,
          '--siren',
          which === 'a' ? '213100019' : '200046977',
          '--public-key',
          join(dir, `${which}.pem`),
          '--db',
          files.o,
        ]);
      }),
    );
    for (const r of registered) expect(r.code, r.stderr).toBe(0);
    tokens.a = registered[0]!.stdout.trim();
    tokens.b = registered[1]!.stdout.trim();
  }, 400_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), o?.stop()]);
  });

  it('shows the DSI the exact document, in French first, and leaves out what the DSI excludes', async () => {
    const page = await a.get('/federation');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Publication vers un observatoire');
    expect(html).toContain('tiebreak-publication');
    expect(html).toContain('Ville de Testbourg');
    expect(await (await a.get('/federation?lang=en')).text()).toContain('Publication to an observatory');
    // B leaves Zoom out of its document, from the page's form.
    expect((await post(b, '/federation/exclusions', { ref: 'zoom' })).status).toBe(303);
    const refused = await post(b, '/federation/exclusions', { ref: 'no-such-vendor' });
    expect(refused.status).toBe(400);
    // In the page's language (French here), naming what was typed.
    expect(await refused.text()).toMatch(/Fournisseur inconnu\u202f: no-such-vendor\./);
    const doc = await preview(b);
    expect(doc.vendors.map((v: { vendor_id: string }) => v.vendor_id)).toContain('microsoft');
    expect(JSON.stringify(doc)).not.toMatch(/zoom/i);
    expect(doc.excluded).toEqual({ vendors: 1, products: 0 });
    // Both changes are in the audit log, with who made them; the refused one is not.
    const audit = await withDatabase(files.b, (db) =>
      rows(db, sql`SELECT action, object, actor FROM audit_log WHERE action LIKE 'federation.%' OR action = 'settings.authority' ORDER BY id`),
    );
    expect(audit).toEqual([
      { action: 'settings.authority', object: null, actor: 'tester' },
      { action: 'federation.exclude', object: 'zoom', actor: 'tester' },
    ]);
  });

  it('both publish, and the aggregate shows both', async () => {
    const [pa, pb] = await Promise.all([
      runCli('collector', ['publish', '--to', o.url, '--token', tokens.a, '--db', files.a]),
      runCli('collector', ['publish', '--to', o.url, '--token', tokens.b, '--db', files.b]),
    ]);
    expect(pa.code, pa.stderr).toBe(0);
    expect(pa.stdout).toMatch(/published: document [0-9a-f-]{36} accepted/);
    expect(pb.code, pb.stderr).toBe(0);
    expect(await stored()).toHaveLength(2);

    const aggregate = (await (await o.get('/api/v1/observatory/aggregate')).json()) as Record<string, any>;
    expect(aggregate).toMatchObject({ authorities: 2, hosts: 3 });
    const overall = aggregate.indices.find((i: { scope: string }) => i.scope === 'overall');
    expect(overall.exposure.authorities).toBe(2);
    const dependency = (id: string) => aggregate.dependencies.find((d: { vendor_id: string; product_id: string }) => `${d.vendor_id}/${d.product_id}` === id);
    expect(dependency('microsoft/windows')).toMatchObject({ authorities: 2, hosts: 2 });
    expect(dependency('zoom/zoom-workplace')).toMatchObject({ authorities: 1 });
    expect(aggregate.size_bands.find((s: { band: string }) => s.band === '1-49')).toMatchObject({ authorities: 2, hosts: 3 });

    const html = await (await o.get('/observatory')).text();
    expect(html).toContain('Ville de Testbourg');
    expect(html).toContain('Communauté de Testville');
    expect(html).toContain('Dépendances hors Europe les plus fréquentes');
    const csv = await o.get('/observatory/aggregate.csv');
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    expect(await csv.text()).toMatch(/dependency;microsoft\/windows;Microsoft Windows;2;/);
    // The aggregate needs a login, like every page; a collector that is not an observatory has none.
    expect((await fetch(`${o.url}/api/v1/observatory/aggregate`)).status).toBe(401);
    expect((await a.get('/api/v1/observatory/aggregate')).status).toBe(404);
  });

  it('refuses forged, tampered, malformed and replayed documents with a reason, and stores none of them', async () => {
    const keyA = await privateKeyOf(files.a);
    const keyB = await privateKeyOf(files.b);
    const before = (await stored()).length;
    const refusedWith = async (token: string, body: unknown, status: number, reason: RegExp) => {
      const answer = await send(token, body);
      expect(answer.status, JSON.stringify(answer.body)).toBe(status);
      expect(answer.body.error).toMatch(reason);
      const id = (body as { document_id?: string }).document_id;
      if (id) expect((await stored()).map((s) => s.document_id)).not.toContain(id);
      expect(await stored()).toHaveLength(before);
    };
    const stranger = generateKeyPairSync('ed25519').privateKey;
    await refusedWith(tokens.a, signed(await preview(a), stranger), 403, /signature does not match the key registered for Ville de Testbourg/);
    await refusedWith(tokens.a, signed(await preview(a), keyB), 403, /signature does not match/);
    await refusedWith('tbo_not-a-registered-token', signed(await preview(a), keyA), 401, /unknown authority token/);
    await refusedWith('', signed(await preview(a), keyA), 401, /missing credentials/);
    const tampered = signed(await preview(a), keyA) as Record<string, any>;
    tampered.indicators.overall.exposure = 1;
    await refusedWith(tokens.a, tampered, 403, /changed after signing/);
    const { size: _size, ...withoutSize } = await preview(a);
    await refusedWith(tokens.a, signed(withoutSize, keyA), 400, /invalid document: size/);
    await refusedWith(
      tokens.a,
      signed({ ...(await preview(a)), vendors: [{ vendor_id: 'x', name: 'PC-COMPTA-7', hostname: 'PC-COMPTA-7' }] }, keyA),
      400,
      /invalid document: vendors\.0/,
    );
    await refusedWith(tokens.a, '{"format": "tiebreak-publication", ', 400, /not valid JSON/);
    await refusedWith(tokens.a, { ...(await preview(a)) }, 400, /no signature/);

    // A valid new document is accepted once; the same again, or an older one, is a replay.
    const fresh = signed(await preview(a), keyA) as Record<string, any>;
    expect(await send(tokens.a, fresh)).toMatchObject({ status: 201, body: { status: 'accepted', authority: 'Ville de Testbourg' } });
    const after = (await stored()).length;
    expect(after).toBe(before + 1);
    const again = await send(tokens.a, fresh);
    expect(again.status).toBe(409);
    expect(again.body.error).toMatch(/already received/);
    const older = signed({ ...(await preview(a)), created_at: new Date(Date.parse(fresh.created_at) - 60_000).toISOString() }, keyA) as Record<string, any>;
    const replayed = await send(tokens.a, older);
    expect(replayed.status).toBe(409);
    expect(replayed.body.error).toMatch(/not after the last one accepted/);
    expect((await stored()).map((s) => s.document_id)).not.toContain(older.document_id);
    expect(await stored()).toHaveLength(after);
    // B's token does not let A's key in: each authority publishes with its own registered key.
    const crossed = await send(tokens.b, signed(await preview(a), keyA));
    expect(crossed.status).toBe(403);
    expect(crossed.body.error).toMatch(/key registered for Communauté de Testville/);
    expect(await stored()).toHaveLength(after);
    // The history keeps every accepted document.
    expect(await (await o.get('/observatory')).text()).toContain(fresh.created_at);
  });

  it('explains bad input on the command line and exits non-zero', async () => {
    writeFileSync(join(dir, 'rsa.pem'), generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString());
    const [rsa, garbage, wrongToken, missing, again] = await Promise.all([
      runCli('collector', ['observatory', 'register', '--name', 'X', '--public-key', join(dir, 'rsa.pem'), '--db', files.o]),
      runCli('collector', ['observatory', 'register', '--name', 'X', '--siren', '12', '--public-key', join(dir, 'a.pem'), '--db', files.o]),
      runCli('collector', ['publish', '--to', o.url, '--token', 'tbo_wrong', '--db', files.b]),
      runCli('collector', ['publish', '--db', files.b]),
      runCli('collector', ['observatory', 'register', '--name', 'Ville de Testbourg bis', '--public-key', join(dir, 'a.pem'), '--db', files.o]),
    ]);
    expect(rsa.code).not.toBe(0);
    expect(rsa.stderr).toMatch(/an Ed25519 public key is expected, not rsa/);
    expect(garbage.code).not.toBe(0);
    expect(garbage.stderr).toMatch(/a SIREN is 9 digits/);
    expect(wrongToken.code).toBe(1);
    expect(wrongToken.stderr).toMatch(/refused by .* \(401\): unknown authority token/);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/publish needs --preview, or --to URL --token TOKEN/);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/already registered/);
  });

  it('never sends a host name, host id, serial, domain, IP address or user of the source collector', async () => {
    const secrets = new Set<string>();
    await withDatabase(files.a, async (db) => {
      for (const row of await rows(db, sql<Record<string, string | null>>`SELECT hostname, host_key, domain, serial_hash FROM hosts`))
        for (const value of Object.values(row)) if (value) secrets.add(value);
      for (const name of await values<string>(db, sql`SELECT username FROM users`)) secrets.add(name);
    });
    for (const h of A_HOSTS)
      for (const value of [h.machine, h.hostname, h.serial, h.domain, sha(`host:${h.machine}`), sha(`serial:${h.serial}`)]) secrets.add(value);
    secrets.add(TEST_ADMIN.username);
    expect(secrets.size).toBeGreaterThanOrEqual(10);

    // What the observatory received from A, and what A would send now.
    const authorityA = (await stored())
      .map((s) => JSON.parse(s.body) as Record<string, unknown>)
      .filter((d) => (d.authority as { name: string }).name === 'Ville de Testbourg');
    expect(authorityA.length).toBeGreaterThanOrEqual(1);
    const cli = await runCli('collector', ['publish', '--preview', '--db', files.a]);
    expect(cli.code, cli.stderr).toBe(0);
    const documents = [...authorityA, JSON.parse(cli.stdout) as Record<string, unknown>];

    const strings: string[] = [];
    const walk = (value: unknown) => {
      if (typeof value === 'string') strings.push(value);
      else if (Array.isArray(value)) value.forEach(walk);
      else if (value && typeof value === 'object')
        for (const [k, v] of Object.entries(value)) {
          strings.push(k);
          walk(v);
        }
    };
    documents.forEach(walk);
    expect(strings.length).toBeGreaterThan(200);
    const ipv4 = /\b(?:\d{1,3}\.){3}\d{1,3}\b/;
    const ipv6 = /\b[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){3,7}\b|::1\b/i;
    const leaks = strings.filter((s) => [...secrets].some((secret) => s.toLowerCase().includes(secret.toLowerCase())) || ipv4.test(s) || ipv6.test(s));
    expect(leaks).toEqual([]);
    // Still the real document: A's vendors and its authority are there.
    expect(strings).toContain('Ville de Testbourg');
    expect(strings).toContain('microsoft');
  });
});
