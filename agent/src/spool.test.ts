import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatSpoolHeader, parseSpoolHeader, type SpoolState } from '@tiebreak/shared';
import { makeInventory } from '../../test/fixtures.ts';
import { tempDir } from '../../test/helpers.ts';
import { silentLogger } from './log.ts';
import { SendError } from './send.ts';
import { Spool, backoffDelay } from './spool.ts';

describe('spool', () => {
  it('keeps the newest inventories only, and leaves no temporary file', () => {
    const spool = new Spool({ dir: tempDir(), maxEntries: 3 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const inventory = makeInventory();
      inventory.collected_at = new Date(Date.UTC(2026, 10, 23, 8, i)).toISOString();
      ids.push(inventory.id);
      spool.add(inventory);
    }
    const files = readdirSync(join(spool.dir, 'pending'));
    expect(files).toHaveLength(3);
    expect(files.map((f) => f.slice(-41, -5))).toEqual(ids.slice(2));
  });

  it('sends oldest first, stops at a failure worth retrying, sets aside a refusal', async () => {
    const spool = new Spool({ dir: tempDir() });
    const inventories = [0, 1, 2].map((i) => {
      const inventory = makeInventory();
      inventory.collected_at = new Date(Date.UTC(2026, 10, 23, 8, i)).toISOString();
      spool.add(inventory);
      return inventory;
    });
    const seen: string[] = [];
    const states: SpoolState[] = [];
    const refuseFirst = async (inventory: (typeof inventories)[number], state: SpoolState) => {
      seen.push(inventory.id);
      states.push(state);
      if (inventory.id === inventories[0]!.id) throw new SendError('HTTP 400: invalid inventory', 400);
      if (inventory.id === inventories[2]!.id) throw new SendError('HTTP 503: unavailable', 503);
      return { status: 200, body: {} };
    };
    const result = await spool.flush(refuseFirst, silentLogger);
    expect(seen).toEqual(inventories.map((i) => i.id));
    expect(result).toMatchObject({ sent: 1, rejected: 1, pending: 1 });
    expect(result.lastError?.status).toBe(503);
    // What the collector is told each time: inventories behind this one, refused ones, the oldest.
    expect(states).toEqual([
      { waiting: 2, rejected: 0, oldest: inventories[0]!.collected_at },
      { waiting: 1, rejected: 1, oldest: inventories[1]!.collected_at },
      { waiting: 0, rejected: 1, oldest: inventories[2]!.collected_at },
    ]);
  });

  it('skips an inventory another run on the same spool delivered meanwhile, without setting anything aside', async () => {
    const spool = new Spool({ dir: tempDir() });
    const [first, second] = [0, 1].map((i) => {
      const inventory = makeInventory();
      inventory.collected_at = new Date(Date.UTC(2026, 10, 23, 8, i)).toISOString();
      spool.add(inventory);
      return inventory;
    });
    const other = new Spool({ dir: spool.dir });
    const seen: string[] = [];
    // While this run sends the first, another run delivers and removes the second.
    const result = await spool.flush(async (inventory) => {
      seen.push(inventory.id);
      if (inventory.id === first!.id) await other.flush(async () => ({ status: 200, body: {} }), silentLogger);
      return { status: 200, body: {} };
    }, silentLogger);
    expect(seen).toEqual([first!.id]);
    expect(result).toMatchObject({ sent: 1, rejected: 0, pending: 0 });
    expect(existsSync(join(spool.dir, 'rejected')) ? readdirSync(join(spool.dir, 'rejected')) : []).toEqual([]);
    expect(second).toBeDefined();
  });

  it("keeps a revoked agent's refused inventories bounded: the newest, the older ones dropped and counted", async () => {
    const spool = new Spool({ dir: tempDir(), maxRejected: 3 });
    const ids: string[] = [];
    const states: SpoolState[] = [];
    const revoked = async (_inventory: unknown, state: SpoolState) => {
      states.push(state);
      throw new SendError('HTTP 401: this agent was revoked', 401);
    };
    let dropped = 0;
    // One scan a day for a week, each refused.
    for (let day = 0; day < 7; day++) {
      const inventory = makeInventory();
      inventory.collected_at = new Date(Date.UTC(2026, 10, 23 + day, 9)).toISOString();
      ids.push(inventory.id);
      spool.add(inventory);
      const result = await spool.flush(revoked, silentLogger);
      expect(result).toMatchObject({ sent: 0, rejected: 1, pending: 0 });
      dropped += result.dropped;
    }
    const kept = readdirSync(join(spool.dir, 'rejected')).filter((name) => name.endsWith('.json'));
    expect(kept.map((f) => f.slice(-41, -5))).toEqual(ids.slice(4));
    expect(dropped).toBe(4);
    expect(spool.dropped()).toBe(4);
    // The collector is still told how many were refused in all, dropped ones included.
    expect(states.map((s) => s.rejected)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    // The count survives a restart.
    expect(new Spool({ dir: spool.dir, maxRejected: 3 }).dropped()).toBe(4);
  });

  it('removes at start the temporary file of a write killed before its rename, and only a stale one', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'pending'), { recursive: true });
    // What kill -9 between the temporary file and the rename leaves: the spool's own naming.
    const name = `2026-11-23T08-00-00-000Z_${randomUUID()}.json`;
    const stale = join(dir, 'pending', `.${name}.${randomUUID()}.tmp`);
    writeFileSync(stale, '{"schema_version":1,"id":"half-writ');
    const anHourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(stale, anHourAgo, anHourAgo);
    // Another process writing right now: left alone.
    const live = join(dir, 'pending', `.${name}.${randomUUID()}.tmp`);
    writeFileSync(live, '{');
    const spool = new Spool({ dir });
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(spool.pending()).toBe(0);
    spool.add(makeInventory());
    expect(readdirSync(join(dir, 'pending')).filter((f) => f.endsWith('.tmp'))).toEqual([live.split('/').pop()]);
    expect(readFileSync(join(dir, 'pending', readdirSync(join(dir, 'pending')).find((f) => f.endsWith('.json'))!), 'utf8')).toMatch(/^\{"schema_version":1/);
  });

  it('formats the spool state for its header and reads back only a well-formed one', () => {
    const state = { waiting: 3, rejected: 1, oldest: '2026-11-23T08:00:00.000Z' };
    expect(formatSpoolHeader(state)).toBe('waiting=3; rejected=1; oldest=2026-11-23T08:00:00.000Z');
    expect(parseSpoolHeader(formatSpoolHeader(state))).toEqual(state);
    expect(parseSpoolHeader('waiting=0; rejected=0')).toEqual({ waiting: 0, rejected: 0, oldest: null });
    for (const bad of [undefined, '', 'waiting=-1; rejected=0', 'waiting=1', 'waiting=1; rejected=0; oldest=<script>', 'x'.repeat(300)])
      expect(parseSpoolHeader(bad), String(bad)).toBeNull();
  });

  it('backs off exponentially with jitter, capped at an hour', () => {
    expect(backoffDelay(0, () => 1)).toBe(30_000);
    expect(backoffDelay(3, () => 1)).toBe(240_000);
    expect(backoffDelay(30, () => 1)).toBe(3_600_000);
    expect(backoffDelay(5, () => 0)).toBe(0);
  });
});
