// GET /metrics in Prometheus format, behind an API token: it counts the inventories a real collector
// accepted and refused over HTTP, times the ingest and the requests by route, and gauges the agents
// seen and the database's size.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInventory, sha } from './fixtures.ts';
import { ENGINES, newDatabaseLocation } from '../collector/src/store/test-database.ts';
import { enrolHost, postApi, runCli, startCollector, tempDir, type RunningCollector } from './helpers.ts';

describe.each(ENGINES)('%s', (engine) => {
  const dir = tempDir('tiebreak-metrics-');
  let dbFile: string;
  let collector: RunningCollector;
  let viewerToken: string;

  beforeAll(async () => {
    dbFile = await newDatabaseLocation(engine, join(dir, 'tiebreak.db'));
    const created = await runCli('collector', ['api-token', 'create', '--name', 'prometheus', '--role', 'viewer', '--db', dbFile]);
    expect(created.code).toBe(0);
    viewerToken = created.stdout.trim();
    collector = await startCollector(dbFile);
  });
  afterAll(async () => {
    await collector?.stop();
  });

  /** One scrape: each sample's value by its name and labels as written (`name{a="b"}`). */
  async function scrape(token = viewerToken): Promise<Map<string, number>> {
    const response = await fetch(`${collector.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const samples = new Map<string, number>();
    for (const line of (await response.text()).split('\n')) {
      if (!line || line.startsWith('#')) continue;
      const at = line.lastIndexOf(' ');
      samples.set(line.slice(0, at), Number(line.slice(at + 1)));
    }
    return samples;
  }

  describe('GET /metrics', () => {
    it('needs a token: none, a wrong one or a revoked one is refused', async () => {
      expect((await fetch(`${collector.url}/metrics`, { redirect: 'manual' })).status).toBe(401);
      expect((await fetch(`${collector.url}/metrics`, { headers: { authorization: 'Bearer tbt_not-a-token' } })).status).toBe(401);
      const other = await runCli('collector', ['api-token', 'create', '--name', 'old', '--role', 'viewer', '--db', dbFile]);
      const revoked = await runCli('collector', ['api-token', 'revoke', /API token (\d+)/.exec(other.stderr)![1]!, '--db', dbFile]);
      expect(revoked.code).toBe(0);
      expect((await fetch(`${collector.url}/metrics`, { headers: { authorization: `Bearer ${other.stdout.trim()}` } })).status).toBe(401);
    });

    it('counts inventories accepted and refused by reason after real ingests, with their latency', async () => {
      const before = await scrape();
      const at = (samples: Map<string, number>, key: string) => samples.get(key) ?? 0;
      const token = (await runCli('collector', ['token', 'create', '--db', dbFile])).stdout.trim();
      const credentials: string[] = [];
      const inventories = [0, 1, 2].map((i) => makeInventory({ machine: `metrics-${i}` }));
      for (const inventory of inventories) {
        const enrolled = await enrolHost(collector.url, token, inventory.host);
        expect(enrolled.status).toBe(201);
        credentials.push(enrolled.body.credential);
        expect((await postApi(collector.url, '/api/v1/inventories', enrolled.body.credential, inventory)).status).toBe(200);
      }
      // The same inventory again (an agent that did not get the answer): a replay.
      expect((await postApi(collector.url, '/api/v1/inventories', credentials[0]!, inventories[0])).body.status).toBe('already-received');
      // Refusals: a broken inventory, an unknown credential, another host's inventory, an unknown content hash.
      expect((await postApi(collector.url, '/api/v1/inventories', credentials[0]!, { ...inventories[0], host: { id: 42 } })).status).toBe(400);
      expect((await postApi(collector.url, '/api/v1/inventories', 'tba_unknown', inventories[0])).status).toBe(401);
      expect((await postApi(collector.url, '/api/v1/inventories', credentials[0]!, { ...inventories[1], id: randomUUID() })).status).toBe(403);
      const unchanged = { id: randomUUID(), host_id: inventories[2]!.host.id, collected_at: new Date().toISOString(), content_hash: sha('nothing like it') };
      expect((await postApi(collector.url, '/api/v1/inventories/unchanged', credentials[2]!, unchanged)).status).toBe(409);
      // Two host pages (ids as the database gave them: a PostgreSQL sequence may skip some).
      const hostIds = [...(await (await collector.get('/hosts')).text()).matchAll(/href="\/hosts\/(\d+)"/g)].map((m) => m[1]!);
      expect(new Set(hostIds).size).toBe(3);
      for (const id of [...new Set(hostIds)].slice(0, 2)) expect((await collector.get(`/hosts/${id}`)).status).toBe(200);

      const after = await scrape();
      const delta = (key: string) => at(after, key) - at(before, key);
      expect(delta('tiebreak_inventories_total{result="accepted",reason="stored",endpoint="tiebreak"}')).toBe(3);
      expect(delta('tiebreak_inventories_total{result="accepted",reason="replay",endpoint="tiebreak"}')).toBe(1);
      expect(delta('tiebreak_inventories_total{result="refused",reason="invalid",endpoint="tiebreak"}')).toBe(1);
      expect(delta('tiebreak_inventories_total{result="refused",reason="unauthenticated",endpoint="tiebreak"}')).toBe(1);
      expect(delta('tiebreak_inventories_total{result="refused",reason="wrong-host",endpoint="tiebreak"}')).toBe(1);
      expect(delta('tiebreak_inventories_total{result="refused",reason="unchanged-unknown",endpoint="tiebreak-unchanged"}')).toBe(1);
      // Four inventories went through the ingest, each timed.
      expect(delta('tiebreak_ingest_duration_seconds_count')).toBe(4);
      expect(delta('tiebreak_ingest_duration_seconds_sum')).toBeGreaterThan(0);
      expect(at(after, 'tiebreak_ingest_duration_seconds_bucket{le="+Inf"}')).toBe(at(after, 'tiebreak_ingest_duration_seconds_count'));
      // Requests by route as registered, not by raw path.
      expect(delta('tiebreak_http_request_duration_seconds_count{method="POST",route="/api/v1/inventories",status="200"}')).toBe(4);
      expect(delta('tiebreak_http_request_duration_seconds_count{method="POST",route="/api/v1/enrol",status="201"}')).toBe(3);
      expect(delta('tiebreak_http_request_duration_seconds_count{method="GET",route="/hosts/:id{[0-9]+}",status="200"}')).toBe(2);
      expect([...after.keys()].some((k) => k.includes('route="/hosts/1"'))).toBe(false);
      expect(at(after, 'tiebreak_agents_seen{within="1d"}')).toBe(3);
      expect(at(after, 'tiebreak_agents{state="active"}')).toBe(3);
      expect(at(after, 'tiebreak_hosts')).toBe(3);
      expect(at(after, 'tiebreak_database_bytes')).toBeGreaterThan(100_000);
      expect(at(after, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    });
  });
});
