import { readdirSync } from 'node:fs';
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

  it('formats the spool state for its header and reads back only a well-formed one', () => {
    const state = { waiting: 3, rejected: 1, oldest: '2026-11-23T08:00:00.000Z' };
    expect(formatSpoolHeader(state)).toBe('waiting=3; rejected=1; oldest=2026-11-23T08:00:00.000Z');
    expect(parseSpoolHeader(formatSpoolHeader(state))).toEqual(state);
    expect(parseSpoolHeader('waiting=0; rejected=0')).toEqual({ waiting: 0, rejected: 0, oldest: null });
    for (const bad of [undefined, '', 'waiting=-1; rejected=0', 'waiting=1', 'waiting=1; rejected=0; oldest=<script>', 'x'.repeat(300)]) expect(parseSpoolHeader(bad), String(bad)).toBeNull();
  });

  it('backs off exponentially with jitter, capped at an hour', () => {
    expect(backoffDelay(0, () => 1)).toBe(30_000);
    expect(backoffDelay(3, () => 1)).toBe(240_000);
    expect(backoffDelay(30, () => 1)).toBe(3_600_000);
    expect(backoffDelay(5, () => 0)).toBe(0);
  });
});
