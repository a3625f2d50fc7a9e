// `tiebreak-collector api-token` as a process (e2e tier): create, list (table and JSON) and revoke
// API tokens that a collector on the same database then accepts or refuses; bad arguments refused
// with a message and a non-zero exit. The tokens in process: collector/src/accounts/api-tokens.test.ts.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createCollector, type Collector } from '../collector/src/collector.ts';
import type { Engine } from '../collector/src/store/db.ts';
import { ENGINES, newDatabaseLocation } from '../collector/src/store/test-database.ts';
import { runCli } from './helpers.ts';

const collectors: Collector[] = [];
const tempDb = (engine: Engine) => newDatabaseLocation(engine, join(mkdtempSync(join(tmpdir(), 'tiebreak-api-token-cli-')), 'test.db'));
async function make(dbFile: string): Promise<Collector> {
  const collector = await createCollector({ dbFile, log: pino({ level: 'silent' }) });
  collectors.push(collector);
  return collector;
}
afterAll(async () => {
  for (const c of collectors) await c.close();
});

const withToken = (token: string, init: RequestInit = {}): RequestInit => ({
  ...init,
  headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) },
});
const asset = { name: 'Parapheur', vendor: 'Libriciel SCOP', area: 'logiciel', users: '40', annual_cost: '1200', year: '2026' };
const postAsset = (token: string) => withToken(token, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(asset) });

describe.each(ENGINES)('%s', (engine) => {
  describe('tiebreak-collector api-token', () => {
    it('creates, lists (table and JSON) and revokes tokens that the API then accepts or refuses', async () => {
      const db = await tempDb(engine);
      const created = await runCli('collector', ['api-token', 'create', '--db', db, '--name', 'power bi', '--role', 'viewer', '--expires-in-days', '30']);
      expect(created.code).toBe(0);
      expect(created.stdout).toMatch(/^tbt_[A-Za-z0-9_-]{43}\n$/);
      expect(created.stderr).toMatch(/API token 1 "power bi" \(viewer\) created, valid until \d{4}-.*shown only this once/);
      const adminToken = await runCli('collector', ['api-token', 'create', '--db', db, '--name', 'sync', '--role', 'admin']);
      expect(adminToken.stderr).toContain('valid until revoked');

      const table = await runCli('collector', ['api-token', 'list', '--db', db]);
      expect(table.code).toBe(0);
      const lines = table.stdout.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^ID\s+NAME\s+ROLE\s+STATE\s+CREATED\s+EXPIRES\s+LAST USED$/);
      expect(lines[1]).toMatch(/^1\s+power bi\s+viewer\s+active\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+-$/);
      expect(lines[2]).toMatch(/^2\s+sync\s+admin\s+active\s+.*\s+never\s+-$/);
      const json = JSON.parse((await runCli('collector', ['api-token', 'list', '--json', '--db', db])).stdout);
      expect(json.map((t: { name: string; role: string }) => [t.name, t.role])).toEqual([
        ['power bi', 'viewer'],
        ['sync', 'admin'],
      ]);
      expect(JSON.stringify(json)).not.toContain(created.stdout.trim());

      const collector = await make(db);
      const viewerToken = created.stdout.trim();
      expect((await collector.app.request('/api/v1/map', withToken(viewerToken))).status).toBe(200);
      expect((await collector.app.request('/api/v1/assessment/assets', postAsset(viewerToken))).status).toBe(403);
      expect((await collector.app.request('/api/v1/assessment/assets', postAsset(adminToken.stdout.trim()))).status).toBe(201);

      const revoked = await runCli('collector', ['api-token', 'revoke', '1', '--db', db]);
      expect(revoked).toMatchObject({ code: 0, stdout: 'API token 1 revoked\n' });
      expect((await collector.app.request('/api/v1/map', withToken(viewerToken))).status).toBe(401);
      expect((await runCli('collector', ['api-token', 'list', '--db', db])).stdout).toMatch(/\n1\s+power bi\s+viewer\s+revoked/);
      const again = await runCli('collector', ['api-token', 'revoke', '1', '--db', db]);
      expect(again.code).not.toBe(0);
      expect(again.stderr).toContain('no API token 1 to revoke (unknown or already revoked)');
    });

    it('refuses a missing role, a bad role, a bad expiry or ID with a message and a non-zero exit', async () => {
      const db = await tempDb(engine);
      const cases: [string[], RegExp][] = [
        [['create', '--name', 'x'], /needs --role viewer or --role admin/],
        [['create', '--name', 'x', '--role', 'root'], /--role admin, not root/],
        [['create', '--role', 'viewer'], /needs --name NAME/],
        [['create', '--name', 'x', '--role', 'viewer', '--expires-in-days', 'soon'], /whole number of days, not soon/],
        [['create', '--name', 'x', '--role', 'viewer', '--expires-in-days', '0'], /from 1 to 3650, not 0/],
        [['revoke'], /needs an ID/],
        [['revoke', 'abc'], /positive whole number, not abc/],
        [['rotate'], /unknown api-token command: rotate/],
      ];
      for (const [args, message] of cases) {
        const result = await runCli('collector', ['api-token', ...args, '--db', db]);
        expect(result.code, args.join(' ')).not.toBe(0);
        expect(result.stderr, args.join(' ')).toMatch(message);
        expect(result.stdout).toBe('');
      }
      expect((await runCli('collector', ['api-token', 'list', '--db', db])).stdout).toMatch(/^no API tokens/);
    });
  });
});
