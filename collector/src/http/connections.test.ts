// Slow connections: one address holds only its share of connections, a request that trickles in is
// cut at its timeout, and the health check answers throughout.
import { connect, type Socket } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SERVER_LIMITS, createCollector, listen, type Collector } from '../collector.ts';
import type { ServerType } from '@hono/node-server';
import type { Server } from 'node:http';

let collector: Collector;
let server: ServerType;
let port: number;

beforeAll(async () => {
  collector = await createCollector({ dbFile: join(mkdtempSync(join(tmpdir(), 'tiebreak-conns-')), 'test.db'), log: pino({ level: 'silent' }) });
  const limits = { ...DEFAULT_SERVER_LIMITS, maxConnectionsPerAddress: 20, headersTimeoutMs: 1_000, requestTimeoutMs: 2_000 };
  ({ server, port } = await listen(collector, 0, '127.0.0.1', undefined, limits));
});
afterAll(async () => {
  (server as Server).closeAllConnections();
  await new Promise((done) => server.close(done));
  await collector.close();
});

/** A connection from another loopback address that starts a login and sends its body a byte at a time. */
function slowLogin(): Promise<{ socket: Socket; closed: Promise<number> }> {
  return new Promise((resolve) => {
    const opened = performance.now();
    const socket = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2' }, () => {
      socket.write(`POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 4000\r\n\r\n`);
      const timer = setInterval(() => socket.writable && socket.write('a'), 200);
      socket.once('close', () => clearInterval(timer));
    });
    socket.on('error', () => {});
    const closed = new Promise<number>((done) => socket.once('close', () => done(performance.now() - opened)));
    resolve({ socket, closed });
  });
}

async function health(): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const res = await fetch(`http://127.0.0.1:${port}/healthz`);
  await res.arrayBuffer();
  return { status: res.status, ms: performance.now() - started };
}

describe('connections', () => {
  it('caps the connections of one address, cuts slow requests at their timeout, and keeps answering the health check', async () => {
    const flood = await Promise.all(Array.from({ length: 200 }, () => slowLogin()));
    const checks = [];
    for (let i = 0; i < 5; i++) {
      checks.push(await health());
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const check of checks) expect(check.status).toBe(200);
    // Answered at once: a generous bound, the machine may be busy.
    expect(Math.max(...checks.map((c) => c.ms))).toBeLessThan(1_000);
    const lifetimes = await Promise.all(flood.map((f) => f.closed));
    // All but the address's 20 were closed on arrival; those 20 at the request timeout (2 s).
    expect(lifetimes.filter((ms) => ms < 1_000).length).toBeGreaterThanOrEqual(180);
    expect(Math.max(...lifetimes)).toBeLessThan(10_000);
  });
});
