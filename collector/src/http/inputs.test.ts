// Hostile input that reaches the collector's edges: redirect targets, export cells, JSON strings,
// clients that go away, strings written into the Markdown report.
import { request as httpRequest } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeInventory } from '../../../test/fixtures.ts';
import { createSession, createUser } from '../accounts/users.ts';
import { computeAssessment } from '../assessment/compute.ts';
import { history } from '../assessment/history.ts';
import { importSpend } from '../assessment/inputs.ts';
import { reportMarkdown } from '../assessment/report.ts';
import { createCollector, listen, type Collector } from '../collector.ts';
import { toCsv } from '../exports/tables.ts';
import { rows, setMeta, sql, sqliteHandle, value } from '../store/db.ts';
import { ENGINES, newDatabaseLocation } from '../store/test-database.ts';
import { createToken, enrolAgent } from '../store/tokens.ts';

describe.each(ENGINES)('%s', (engine) => {
  const logLines: { level: number; msg: string; err?: unknown }[] = [];
  let collector: Collector;
  let admin: { cookie: string; csrf: string };

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
        done();
      },
    });
    collector = await createCollector({
      dbFile: await newDatabaseLocation(engine, join(mkdtempSync(join(tmpdir(), 'tiebreak-inputs-')), 'test.db')),
      log: pino({ level: 'info' }, sink),
    });
    const session = await createSession(collector.db, await createUser(collector.db, 'admin-user', 'admin', 'a long enough password'));
    admin = { cookie: `tb_session=${session.cookie}`, csrf: session.csrf };
  });
  afterAll(() => collector.close());

  async function agentCredential(machine: string): Promise<{ credential: string; hostId: string }> {
    const inventory = makeInventory({ machine });
    const token = await createToken(collector.db, 'inputs');
    const enrolment = await enrolAgent(collector.db, token.id, { id: inventory.host.id, hostname: inventory.host.hostname }, null);
    if (!enrolment.ok) throw new Error(enrolment.reason);
    return { credential: enrolment.credential, hostId: inventory.host.id };
  }

  describe('redirect targets', () => {
    const hostile = [
      '/%09/evil.example',
      '/%0a/evil.example',
      '/%0d%0a/evil.example',
      '%2F%2Fevil.example',
      '/%5Cevil.example',
      '/%0bx',
      '/%0d%0aSet-Cookie:%20x=1',
      'https://evil.example',
      '/%E2%80%A8',
    ];
    for (const next of hostile) {
      it(`sends /lang/en?next=${next} to the home page, never elsewhere, never a 500`, async () => {
        const res = await collector.app.request(`/lang/en?next=${next}`, { headers: { cookie: admin.cookie } });
        expect(res.status).toBe(302);
        expect(res.headers.get('location')).toBe('/');
      });
    }
    it('keeps a path of this site, query included', async () => {
      const res = await collector.app.request(`/lang/en?next=${encodeURIComponent('/hosts?q=%C3%A9t%C3%A9&page=2')}`, { headers: { cookie: admin.cookie } });
      expect(res.headers.get('location')).toBe('/hosts?q=%C3%A9t%C3%A9&page=2');
    });
    it('reads a login form whose next has CR, LF or a vertical tab: a 401 page, no 500', async () => {
      const form = await collector.app.request('/login');
      const csrf = /tb_login_csrf=([^;]+)/.exec(form.headers.get('set-cookie') ?? '')![1]!;
      for (const next of ['/\r\nSet-Cookie: x=1', '/\u000b', '/\t/evil.example']) {
        const res = await collector.app.request('/login', {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `tb_login_csrf=${csrf}` },
          body: new URLSearchParams({ _csrf: csrf, username: 'nobody', password: 'wrong password', next }),
        });
        expect(res.status).toBe(401);
        expect(await res.text()).toContain('name="next" value="/"');
      }
    });
  });

  /** A CSV reader as spreadsheets and common libraries read it, with any separator. */
  function readCsv(text: string, separator: string): string[][] {
    const rows: string[][] = [];
    let row: string[] = [];
    let field = '';
    let quoted = false;
    let atStart = true;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      if (quoted) {
        if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
        else if (ch === '"') quoted = false;
        else field += ch;
      } else if (ch === '"' && atStart) (quoted = true), (atStart = false);
      else if (ch === separator) row.push(field), (field = ''), (atStart = true);
      else if (ch === '\n' || (ch === '\r' && text[i + 1] === '\n')) {
        if (ch === '\r') i++;
        row.push(field), rows.push(row), (row = []), (field = ''), (atStart = true);
      } else (field += ch), (atStart = false);
    }
    if (field || row.length) row.push(field), rows.push(row);
    return rows;
  }

  describe('CSV exports', () => {
    const payloads = ["x,=cmd|' /C calc'!A0", 'a, =1+1', 'a,"=HYPERLINK(""http://evil"")"', 'a\t@SUM(1)', '-2+3', 'x;+1', "x, '=1", 'x|=1'];
    for (const separator of [';', ',', '\t', '|']) {
      it(`has no cell that starts a formula when read with "${separator === '\t' ? '\\t' : separator}" as separator`, () => {
        const csv = toCsv({
          columns: [
            { key: 'name', label: 'Nom' },
            { key: 'n', label: 'n' },
          ],
          rows: payloads.map((name, n) => ({ name, n })),
        });
        for (const cell of readCsv(csv.replace(/^\uFEFF/, ''), separator).flat()) expect(cell.trimStart()).not.toMatch(/^[=+\-@]/);
      });
    }
    it('keeps ordinary text as it is', () => {
      const csv = toCsv({
        columns: [{ key: 'name', label: 'Nom' }],
        rows: [{ name: 'Microsoft Visual C++ 2015-2019 Redistributable (x64)' }, { name: 'Zoom, Inc.' }],
      });
      expect(readCsv(csv.replace(/^\uFEFF/, ''), ';').flat()).toEqual(['Nom', 'Microsoft Visual C++ 2015-2019 Redistributable (x64)', 'Zoom, Inc.']);
    });
  });

  describe('JSON strings', () => {
    it('stores no lone surrogate: what SQLite holds is valid UTF-8 for every reader', async () => {
      const { credential } = await agentCredential('surrogates');
      const inventory = makeInventory({ machine: 'surrogates', software: [{ name: 'Lone SURROGATE_HIGH end', version: '1', publisher: 'Pub SURROGATE_LOW' }] });
      const body = JSON.stringify(inventory).replace('SURROGATE_HIGH', '\\ud800').replace('SURROGATE_LOW', '\\udfff x');
      const res = await collector.app.request('/api/v1/inventories', {
        method: 'POST',
        headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json' },
        body,
      });
      expect(res.status).toBe(200);
      const raw = sqliteHandle(collector.db);
      if (raw) {
        // SQLite stores what it is given: its bytes must be valid UTF-8 (a text read would hide them).
        const blobs = raw.prepare("SELECT CAST(name AS BLOB) AS name, CAST(publisher AS BLOB) AS publisher FROM catalogue WHERE name LIKE 'Lone%'").all() as {
          name: Buffer;
          publisher: Buffer;
        }[];
        expect(blobs).toHaveLength(1);
        for (const blob of [blobs[0]!.name, blobs[0]!.publisher]) expect(new TextDecoder('utf-8', { fatal: true }).decode(blob)).toContain('\ufffd');
      } else {
        // PostgreSQL refuses invalid UTF-8 outright: the report was stored, with replacement characters.
        const stored = await rows<{ name: string; publisher: string }>(collector.db, sql`SELECT name, publisher FROM catalogue WHERE name LIKE 'Lone%'`);
        expect(stored).toHaveLength(1);
        for (const text of [stored[0]!.name, stored[0]!.publisher]) expect(text).toContain('\ufffd');
      }
    });
  });

  describe('clients that go away', () => {
    it('logs an aborted upload at info level, without a stack', async () => {
      const { credential } = await agentCredential('aborts');
      const { server, port } = await listen(collector, 0, '127.0.0.1');
      try {
        const before = logLines.length;
        for (let i = 0; i < 3; i++) {
          await new Promise<void>((done) => {
            const req = httpRequest({
              host: '127.0.0.1',
              port,
              path: '/api/v1/inventories',
              method: 'POST',
              headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json', 'content-length': '100000' },
            });
            req.on('error', () => done());
            req.write('{"schema_version": 1, "software": [');
            setTimeout(() => req.destroy(), 100);
          });
        }
        await vi.waitFor(() => expect(logLines.slice(before).filter((l) => l.msg === 'client aborted the request')).toHaveLength(3));
        expect(logLines.slice(before).filter((l) => l.level >= 50)).toEqual([]);
      } finally {
        await new Promise((done) => server.close(done));
      }
    });
  });

  describe('a full disk', () => {
    // A full disk is made by capping SQLite's file (PostgreSQL's disk_full, SQLSTATE 53100, answers the same: dialect.ts isStorageFull).
    it.runIf(engine === 'sqlite')('refuses a report with 507 (the agent retries), stores none of it, and keeps serving', async () => {
      const { credential, hostId } = await agentCredential('disk-full');
      const receipts = () => value<number>(collector.db, sql`SELECT COUNT(*) FROM inventory_receipts`);
      const before = await receipts();
      const raw = sqliteHandle(collector.db)!;
      const pages = raw.pragma('page_count', { simple: true }) as number;
      raw.pragma(`max_page_count = ${pages}`);
      try {
        const inventory = makeInventory({
          machine: 'disk-full',
          software: Array.from({ length: 2000 }, (_, i) => ({ name: `Filler ${i} ${'x'.repeat(100)}`, version: '1' })),
        });
        const res = await collector.app.request('/api/v1/inventories', {
          method: 'POST',
          headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json' },
          body: JSON.stringify({ ...inventory, host: { ...inventory.host, id: hostId } }),
        });
        expect(res.status).toBe(507);
        expect(await receipts()).toBe(before);
        expect((await collector.app.request('/healthz')).status).toBe(200);
      } finally {
        raw.pragma('max_page_count = 4294967294');
      }
    });
  });

  describe('the Markdown report', () => {
    it('writes strings from an uploaded spend CSV as text', async () => {
      await importSpend(
        collector.db,
        collector.classifier,
        'vendor;amount;year\n<script>alert(1)</script> [x](javascript:alert(1)) ![i](http://evil/i.png) *b*;1000;2026\n',
        'spend.csv',
      );
      await setMeta(collector.db, 'authority_name', '<img src=x onerror=alert(1)>');
      const md = reportMarkdown(
        await computeAssessment(collector.db, collector.classifier, { year: 2026 }),
        await history(collector.db),
        '<img src=x onerror=alert(1)>',
      );
      expect(md).not.toMatch(/<script|<img|\]\(javascript|!\[i\]\(/);
      expect(md).toContain('&lt;script&gt;alert\\(1\\)&lt;/script&gt;');
    });
  });
});
