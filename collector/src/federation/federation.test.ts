// The publication document (schema, signature, exclusions, proposals) and the observatory's
// aggregate, in process on SQLite and PostgreSQL; test/federation.test.ts runs the processes end to end.
import { createPublicKey, verify } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VendorSchema } from '@tiebreak/shared';
import { Ajv2020 } from 'ajv/dist/2020.js';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { makeInventory } from '../../../test/fixtures.ts';
import { decide } from '../classify/local-rules.ts';
import { createCollector, listen, type Collector } from '../collector.ts';
import { createSession, createUser } from '../accounts/users.ts';
import { openApiDocument } from '../http/openapi.ts';
import { rows, sql } from '../store/db.ts';
import { closeDatabase, ENGINES, newDatabaseLocation, testDatabase } from '../store/test-database.ts';
import { buildPublication, exclude, publish, PublicationSchema, setAuthority, shareRule, signedPublication, type Publication } from './document.ts';
import { canonicalJson, publicKeyPem } from './keys.ts';
import { acceptDocument, aggregateTable, computeAggregate, listAuthorities, proposalsYaml, registerAuthority } from './observatory.ts';

const temp = () => join(mkdtempSync(join(tmpdir(), 'tiebreak-federation-')), 'test.db');

describe.each(ENGINES)('%s', (engine) => {
  const open = async (observatory = false) =>
    createCollector({ dbFile: await newDatabaseLocation(engine, temp()), log: pino({ level: 'silent' }), observatory });

  let a: Collector;
  let b: Collector;
  let observatory: Collector;
  beforeAll(async () => {
    a = await open();
    b = await open();
    observatory = await open(true);
    await a.ingestor.ingest(makeInventory({ machine: 'a1' }));
    await a.ingestor.ingest(
      makeInventory({ machine: 'a2', software: [{ name: 'Zoom Workplace (64-bit)', version: '6.2', publisher: 'Zoom Video Communications, Inc.' }] }),
    );
    await a.takeSnapshot();
    await b.ingestor.ingest(makeInventory({ machine: 'b1' }));
    await b.takeSnapshot();
  });
  afterAll(async () => {
    for (const c of [a, b, observatory]) await c?.close();
  });

  describe('the publication document', () => {
    it('fits its schema, carries the versions and the authority, and is signed over its canonical JSON', async () => {
      await setAuthority(a.db, 'Commune de Test', '213 100 019');
      const doc = await signedPublication(a.db, a.classifier);
      expect(PublicationSchema.safeParse(doc).success).toBe(true);
      expect(doc).toMatchObject({
        authority: { name: 'Commune de Test', siren: '213100019' },
        rules: { fingerprint: a.classifier.fingerprint },
        method: { version: 3 },
        size: { hosts: 2 },
      });
      expect(doc.trajectory.length).toBe(1);
      const { signature, ...signed } = doc;
      const key = createPublicKey(await publicKeyPem(a.db));
      expect(verify(null, Buffer.from(canonicalJson(signed)), key, Buffer.from(signature.value, 'base64'))).toBe(true);
      // Key order does not matter; a changed value does.
      const reordered = Object.fromEntries(Object.entries(signed).reverse());
      expect(verify(null, Buffer.from(canonicalJson(reordered)), key, Buffer.from(signature.value, 'base64'))).toBe(true);
      expect(verify(null, Buffer.from(canonicalJson({ ...signed, size: { ...signed.size, hosts: 3 } })), key, Buffer.from(signature.value, 'base64'))).toBe(
        false,
      );
      // The key pair is made once: the same key signs the next document.
      expect((await signedPublication(a.db, a.classifier)).key_id).toBe(doc.key_id);
      expect(JSON.stringify(doc)).not.toContain('PRIVATE KEY');
      await expect(publish(a.db, a.classifier, 'http://127.0.0.1:9', 'tbo_x')).rejects.toThrow(/cannot reach http:\/\/127\.0\.0\.1:9/);
      await expect(publish(a.db, a.classifier, 'ftp://observatory', 'tbo_x')).rejects.toThrow(/http\(s\) URL/);
      // The schema the OpenAPI document publishes accepts it too, and refuses a field of more.
      const ajv = new Ajv2020({ strict: false, validateFormats: false });
      const schemas = (openApiDocument() as { components: { schemas: Record<string, object> } }).components.schemas;
      for (const [name, schema] of Object.entries(schemas)) ajv.addSchema(schema, `#/components/schemas/${name}`);
      const validate = ajv.getSchema('#/components/schemas/Publication')!;
      expect(validate(JSON.parse(JSON.stringify(doc)))).toBe(true);
      expect(validate({ ...doc, hostnames: ['PC-A1'] })).toBe(false);
    });

    it('leaves an excluded vendor or product unnamed, and counts what was left out', async () => {
      const before = await buildPublication(b.db, b.classifier);
      expect(before.vendors.map((v) => v.vendor_id)).toContain('zoom');
      await exclude(b.db, b.classifier, 'zoom', 'test');
      await exclude(b.db, b.classifier, 'google/google-chrome', 'test');
      const after = await buildPublication(b.db, b.classifier);
      expect(after.vendors.map((v) => v.vendor_id)).not.toContain('zoom');
      expect(after.vendors.map((v) => v.vendor_id)).toContain('google');
      expect(after.products.map((p) => `${p.vendor_id}/${p.product_id}`)).not.toContain('google/google-chrome');
      expect(JSON.stringify(after)).not.toMatch(/zoom|Chrome/i);
      expect(after.excluded).toEqual({ vendors: 1, products: 1 });
      // Still counted in the indicators: the document names less, it does not measure less.
      expect(after.indicators.overall.exposure).toBe(before.indicators.overall.exposure);
      await expect(exclude(b.db, b.classifier, 'no-such-vendor', 'test')).rejects.toThrow(/unknown vendor/);
      await expect(exclude(b.db, b.classifier, '../../etc', 'test')).rejects.toThrow(/not a vendor id/);
    });

    it('carries the local rules the authority proposes, and the observatory exports them as valid rule files', async () => {
      const decided = await decide(
        a.db,
        a.classifier,
        { source: 'registry', name: 'Logiciel Métier Inconnu', publisher: 'Éditeur Régional SARL' },
        {
          vendor: { name: 'Éditeur Régional', country: 'FR' },
          product: { name: 'Logiciel Métier', area: 'software', category: 'utility', licence: 'proprietary' },
        },
        'test',
      );
      // Items decided on the same product whose text names a machine of the fleet, or an address: left out.
      await a.applyLocalRules();
      await a.ingestor.ingest(makeInventory({ machine: 'a3', hostname: 'MAIRIE-PC-42' }));
      const target = { vendor_id: decided.vendor_id, product_id: decided.product_id };
      await decide(a.db, a.classifier, { source: 'registry', name: 'Connecteur mairie-pc-42', publisher: null }, target, 'test');
      await decide(a.db, a.classifier, { source: 'registry', name: 'Connecteur métier', publisher: 'support@editeur-regional.fr' }, target, 'test');
      await decide(a.db, a.classifier, { source: 'registry', name: 'Passerelle 10.1.2.3', publisher: null }, target, 'test');
      await a.applyLocalRules();
      await expect(shareRule(a.db, 'google/google-chrome', 'test', true)).rejects.toThrow(/no local rule/);
      await shareRule(a.db, `${decided.vendor_id}/${decided.product_id}`, 'test', true);
      const doc = await signedPublication(a.db, a.classifier);
      expect(doc.proposals).toEqual([
        expect.objectContaining({
          vendor_id: 'editeur-regional',
          vendor: 'Éditeur Régional',
          country: 'FR',
          product_id: 'logiciel-metier',
          origin: 'eu',
          examples: [{ name: 'Logiciel Métier Inconnu', publisher: 'Éditeur Régional SARL', source: 'registry' }],
        }),
      ]);

      const registered = await registerAuthority(observatory.db, { name: 'Commune de Test', publicKey: await publicKeyPem(a.db) });
      await expect(registerAuthority(observatory.db, { name: 'Again', publicKey: await publicKeyPem(a.db) })).rejects.toThrow(/already registered/);
      expect(await acceptDocument(observatory.db, registered.token, doc)).toMatchObject({ ok: true });
      // The same document again is a replay; one with a changed count no longer matches its signature.
      expect(await acceptDocument(observatory.db, registered.token, doc)).toMatchObject({ ok: false, status: 409 });
      const later = await signedPublication(a.db, a.classifier);
      expect(await acceptDocument(observatory.db, registered.token, { ...later, size: { ...later.size, hosts: 1 } })).toMatchObject({ ok: false, status: 403 });
      // Two copies of a new document sent at once: one is accepted, the other is a replay.
      const both = await Promise.all([acceptDocument(observatory.db, registered.token, later), acceptDocument(observatory.db, registered.token, later)]);
      expect(both.map((r) => r.ok).sort()).toEqual([false, true]);
      const yaml = proposalsYaml(await computeAggregate(observatory.db));
      const files = parseAllDocuments(yaml).map((d) => d.toJS());
      expect(files).toHaveLength(1);
      const vendor = VendorSchema.parse(files[0]);
      expect(vendor).toMatchObject({
        id: 'editeur-regional',
        country: 'FR',
        products: [{ id: 'logiciel-metier', category: 'utility', examples: [{ name: 'Logiciel Métier Inconnu' }] }],
      });
      expect(vendor.note).toMatch(/Commune de Test/);
    });
  });

  describe('the aggregate', () => {
    /** A document of `hosts` hosts whose overall and workstation exposure is `exposure`, with Windows on all its hosts. */
    const fake = (base: Publication, hosts: number, exposure: number, spend: number): Publication => ({
      ...base,
      size: { ...base.size, hosts },
      indicators: {
        ...base.indicators,
        overall: { ...base.indicators.overall, exposure },
        areas: { ...base.indicators.areas, workstation: { ...base.indicators.areas.workstation, exposure } },
      },
      products: [{ ...base.products.find((p) => p.product_id === 'windows')!, hosts, spend_eur: spend }],
      critical: [],
      proposals: [],
    });

    it('gives the indices per area across authorities, the common non-European dependencies and the size bands', async () => {
      // An observatory's database alone: the aggregate reads nothing else (no rules to load).
      const db = { db: await testDatabase(engine) };
      try {
        const base = await signedPublication(a.db, a.classifier);
        const docs = [fake(base, 30, 20, 1000), fake(base, 120, 40, 5000.5), fake(base, 200, 90, 0)];
        for (const [i, doc] of docs.entries()) {
          const { rows } = await sql<{
            id: number;
          }>`INSERT INTO observatory_authorities (name, public_key, key_id, token_hash, created_at) VALUES (${`A${i}`}, 'pem', ${`k${i}`}, ${`h${i}`}, ${base.created_at}) RETURNING id`.execute(
            db.db,
          );
          await sql`INSERT INTO observatory_documents (authority_id, document_id, created_at, received_at, hosts, body) VALUES (${rows[0]!.id}, ${`d${i}`}, ${doc.created_at}, ${doc.created_at}, ${doc.size.hosts}, ${JSON.stringify(doc)})`.execute(
            db.db,
          );
        }
        const aggregate = await computeAggregate(db.db);
        expect(aggregate).toMatchObject({ authorities: 3, hosts: 350 });
        expect(aggregate.indices.find((i) => i.scope === 'workstation')!.exposure).toEqual({ authorities: 3, mean: 50, median: 40, min: 20, max: 90 });
        expect(aggregate.indices.find((i) => i.scope === 'infrastructure')!.exposure.authorities).toBe(0);
        expect(aggregate.dependencies[0]).toMatchObject({ vendor_id: 'microsoft', product_id: 'windows', authorities: 3, hosts: 350, spend_eur: 6000.5 });
        expect(aggregate.size_bands.find((s) => s.band === '1-49')!.exposure).toMatchObject({ authorities: 1, median: 20 });
        expect(aggregate.size_bands.find((s) => s.band === '50-249')!.exposure).toMatchObject({ authorities: 2, median: 65 });
        const table = aggregateTable(aggregate);
        expect(table.rows).toContainEqual(expect.objectContaining({ section: 'dependency', key: 'microsoft/windows', authorities: 3 }));
      } finally {
        await closeDatabase(db.db);
      }
    });
  });

  describe('from the web pages', () => {
    /** An admin's (or viewer's) session on a collector: its cookie and CSRF token. */
    const sessionOn = async (c: Collector, role: 'admin' | 'viewer') => {
      const session = await createSession(c.db, await createUser(c.db, `${role}-${Math.random().toString(36).slice(2, 8)}`, role, 'a long enough password'));
      return { cookie: `tb_session=${session.cookie}; tb_lang=fr`, csrf: session.csrf };
    };
    const post = (c: Collector, path: string, s: { cookie: string; csrf: string }, form: Record<string, string>) =>
      c.app.request(path, {
        method: 'POST',
        headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ ...form, _csrf: s.csrf }).toString(),
      });
    const auditActions = async (c: Collector) =>
      (await rows<{ action: string; object: string | null }>(c.db, sql`SELECT action, object FROM audit_log ORDER BY id`)).map((r) =>
        `${r.action} ${r.object ?? ''}`.trim(),
      );

    it('registers an authority on the observatory page, which then accepts what that authority sends from its publication page', async () => {
      const obs = await open(true);
      // The file's second authority: its key is registered with no observatory, nothing audited yet.
      const authority = b;
      const listening = await listen(obs, 0, '127.0.0.1');
      try {
        await authority.ingestor.ingest(makeInventory({ machine: 'pc-commune' }));
        await setAuthority(authority.db, 'Commune Page', undefined);
        const obsAdmin = await sessionOn(obs, 'admin');
        const page = await (await obs.app.request('/observatory', { headers: { cookie: obsAdmin.cookie } })).text();
        expect(page).toContain('Inscrire une collectivité');
        // A viewer cannot register; a bad key is refused with its reason and registers nothing.
        const viewer = await sessionOn(obs, 'viewer');
        expect((await post(obs, '/observatory/authorities', viewer, { name: 'Commune Page', public_key: await publicKeyPem(authority.db) })).status).toBe(403);
        const bad = await post(obs, '/observatory/authorities', obsAdmin, { name: 'Commune Page', public_key: 'not a key' });
        expect(bad.status).toBe(400);
        expect(await bad.text()).toMatch(/role="alert"/);
        expect(await listAuthorities(obs.db)).toEqual([]);

        const registered = await post(obs, '/observatory/authorities', obsAdmin, {
          name: 'Commune Page',
          siren: '',
          public_key: await publicKeyPem(authority.db),
        });
        expect(registered.status).toBe(201);
        const token = /<pre id="authority-token">([^<]+)<\/pre>/.exec(await registered.text())?.[1];
        expect(token).toMatch(/^tbo_/);
        // Only the token's hash is kept: the page never shows it again.
        expect(await (await obs.app.request('/observatory', { headers: { cookie: obsAdmin.cookie } })).text()).not.toContain(token);

        const url = `http://127.0.0.1:${listening.port}`;
        const authorityAdmin = await sessionOn(authority, 'admin');
        // A wrong token: the observatory's refusal is shown, nothing is remembered.
        const refused = await post(authority, '/federation/send', authorityAdmin, { url, token: 'tbo_wrong', remember: 'on' });
        expect(refused.status).toBe(502);
        expect(await refused.text()).toMatch(/Refusé par http:\/\/127\.0\.0\.1:\d+ \(401\)/);
        // The right one: accepted, and the address and token remembered for the next send.
        const sent = await post(authority, '/federation/send', authorityAdmin, { url, token: token!, remember: 'on' });
        expect(sent.status).toBe(200);
        expect(await sent.text()).toMatch(/Document [0-9a-f-]+ accepté par http:\/\/127\.0\.0\.1/);
        const again = await post(authority, '/federation/send', authorityAdmin, { url: '', token: '' });
        expect(again.status).toBe(200);
        // A remembered token is never sent to another address typed in place of the remembered one.
        const elsewhere = await post(authority, '/federation/send', authorityAdmin, { url: 'http://127.0.0.1:9', token: '' });
        expect(elsewhere.status).toBe(400);
        expect(await elsewhere.text()).toMatch(/Le jeton que l’observatoire a donné à cette collectivité/);
        const [listed] = await listAuthorities(obs.db);
        expect(listed).toMatchObject({ name: 'Commune Page', documents: 2 });
        expect(await auditActions(authority)).toEqual([`federation.publish ${url}`, `federation.publish ${url}`, `federation.publish ${url}`]);

        // Revoked from the page: the authority's next send is refused.
        expect((await post(obs, `/observatory/authorities/${listed!.id}/revoke`, obsAdmin, {})).status).toBe(303);
        expect((await post(obs, `/observatory/authorities/${listed!.id}/revoke`, obsAdmin, {})).status).toBe(400);
        const afterRevoke = await post(authority, '/federation/send', authorityAdmin, {});
        expect(afterRevoke.status).toBe(502);
        expect(await afterRevoke.text()).toMatch(/révoqu|revoked/);
        expect(await auditActions(obs)).toEqual([`observatory.register ${listed!.id}`, `observatory.revoke ${listed!.id}`]);
      } finally {
        listening.server.close();
        await obs.close();
      }
    });
  });
});
