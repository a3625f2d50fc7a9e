// The load of issue 16's storage benchmarks (bench/storage.ts), in a process of its own so that it
// does not share the collector's event loop: agents enrolling and sending inventories over HTTP
// (gzip JSON, concurrent), or a DSI reading the pages in a loop.
// Usage (by bench/storage.ts):
//   tsx bench/load.ts enrol URL TOKEN FROM COUNT OUT.json
//   tsx bench/load.ts send URL CREDENTIALS.json FROM COUNT first|rescan CONCURRENCY [discard]
//   tsx bench/load.ts read URL USER PASSWORD   (until SIGTERM; prints the latencies of each page)
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { InventorySchema, inventoryContentHash, type Inventory } from '@tiebreak/shared';
import { Agent, request } from 'undici';
import { fleetSoftware, makeInventory } from '../test/fixtures.ts';

const [mode, url, ...args] = process.argv.slice(2);
const dispatcher = new Agent({ connections: 64, keepAliveTimeout: 30_000 });
const hostName = (i: number) => `bench-${i}`;

function inventory(i: number, rescan: boolean): Inventory {
  const software = fleetSoftware(i);
  if (rescan) {
    // A day's changes: two items updated, one replaced by another.
    software[0] = { ...software[0], version: '9.1' };
    software[1] = { ...software[1], version: '9.1' };
    software[software.length - 1] = fleetSoftware(i + 1).at(-1)!;
  }
  const parsed = InventorySchema.parse(makeInventory({ machine: hostName(i), software }));
  return { ...parsed, content_hash: inventoryContentHash(parsed) };
}

/** Runs `work(i)` for i in [from, from + count) with `concurrency` at a time. */
async function pool(from: number, count: number, concurrency: number, work: (i: number) => Promise<void>) {
  let next = from;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < from + count) await work(next++);
    }),
  );
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
const summary = (times: number[]) => {
  const sorted = [...times].sort((a, b) => a - b);
  const r = (n: number) => Math.round(n * 10) / 10;
  return {
    requests: sorted.length,
    p50_ms: r(percentile(sorted, 50)),
    p95_ms: r(percentile(sorted, 95)),
    max_ms: r(sorted.at(-1) ?? 0),
    over_1s: sorted.filter((t) => t > 1000).length,
  };
};

if (mode === 'enrol') {
  const [token, from, count, out] = args as [string, string, string, string];
  const credentials: Record<number, string> = {};
  await pool(Number(from), Number(count), 16, async (i) => {
    const inv = inventory(i, false);
    const response = await request(`${url}/api/v1/enrol`, {
      dispatcher,
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ host_id: inv.host.id, hostname: inv.host.hostname, agent_version: '0.1.0' }),
    });
    const body = (await response.body.json()) as { credential?: string };
    if (response.statusCode !== 201 || !body.credential) throw new Error(`enrol ${i}: HTTP ${response.statusCode} ${JSON.stringify(body)}`);
    credentials[i] = body.credential;
  });
  writeFileSync(out, JSON.stringify(credentials));
} else if (mode === 'send') {
  const [file, from, count, kind, concurrency] = args as [string, string, string, string, string];
  const credentials = JSON.parse(readFileSync(file, 'utf8')) as Record<number, string>;
  const start = Number(from);
  // Bodies made beforehand: the timing is the collector's, not the generator's.
  const bodies = Array.from({ length: Number(count) }, (_, k) => gzipSync(JSON.stringify(inventory(start + k, kind === 'rescan'))));
  const latencies: number[] = [];
  let acknowledged = 0;
  const began = performance.now();
  await pool(start, Number(count), Number(concurrency), async (i) => {
    const t = performance.now();
    const response = await request(`${url}/api/v1/inventories`, {
      dispatcher,
      method: 'POST',
      headers: { authorization: `Bearer ${credentials[i]}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: bodies[i - start]!,
    });
    const text = await response.body.text();
    if (response.statusCode !== 200) throw new Error(`inventory ${i}: HTTP ${response.statusCode} ${text.slice(0, 200)}`);
    latencies.push(performance.now() - t);
    acknowledged++;
  });
  const seconds = (performance.now() - began) / 1000;
  process.stdout.write(`${JSON.stringify({ acknowledged, seconds, per_s: acknowledged / seconds, latency: summary(latencies) })}\n`);
} else if (mode === 'read') {
  const [user, password] = args as [string, string];
  // Logging in as a browser does: the login form's CSRF cookie, then the session cookie.
  const form = await request(`${url}/login`, { dispatcher });
  const html = await form.body.text();
  const loginCookie = String(form.headers['set-cookie']).split(';')[0]!;
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  const login = await request(`${url}/login`, {
    dispatcher,
    method: 'POST',
    headers: { cookie: loginCookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf ?? '', username: user, password }).toString(),
  });
  await login.body.text();
  const session = ([] as string[])
    .concat(login.headers['set-cookie'] ?? [])
    .map((c) => c.split(';')[0])
    .filter((c) => c && !c.endsWith('='))
    .join('; ');
  if (login.statusCode !== 302 || !session) throw new Error(`login: HTTP ${login.statusCode}`);
  const get = async (path: string) => {
    const response = await request(`${url}${path}`, { dispatcher, headers: { cookie: session } });
    const body = await response.body.text();
    if (response.statusCode !== 200) throw new Error(`${path}: HTTP ${response.statusCode}`);
    return body;
  };
  const times: Record<string, number[]> = { overview: [], map: [], product: [], hosts: [] };
  let stop = false;
  process.on('SIGTERM', () => (stop = true));
  let productId: string | undefined;
  while (!stop) {
    // The drill-down of a common product, once the list shows one (found untimed).
    productId ??= /href="\/products\/(\d+)"/.exec(await get('/products?q=Application%20C1'))?.[1];
    const pages: [string, string | undefined][] = [
      ['overview', '/'],
      ['map', '/api/v1/map'],
      ['hosts', '/hosts'],
      ['product', productId && `/products/${productId}`],
    ];
    for (const [name, path] of pages) {
      if (!path) continue;
      const t = performance.now();
      await get(path);
      times[name]!.push(performance.now() - t);
    }
  }
  process.stdout.write(`${JSON.stringify(Object.fromEntries(Object.entries(times).map(([k, v]) => [k, summary(v)])))}\n`);
}
await dispatcher.close();
