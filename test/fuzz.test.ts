// The fuzzing campaign's small corpus (scripts/fuzz.ts): a few dozen generated inputs per target
// through the real parsers and HTTP stack, every test run. The long run: pnpm fuzz --runs 1000000.
import { describe, expect, it } from 'vitest';
import { runFuzz, TARGETS } from '../scripts/fuzz.ts';

describe('fuzzing, small corpus', () => {
  it('finds no 500, nothing half stored, and the database intact, on every target', async () => {
    const fast = TARGETS.filter((t) => t.name !== 'rules-yaml').map((t) => t.name);
    const { outcomes, integrity } = await runFuzz({ runs: 40, only: fast });
    const rules = await runFuzz({ runs: 10, only: ['rules-yaml'] });
    expect([...outcomes, ...rules.outcomes].filter((o) => o.failure)).toEqual([]);
    expect([...outcomes, ...rules.outcomes].map((o) => o.target).sort()).toEqual(TARGETS.map((t) => t.name).sort());
    expect(integrity).toBe('ok');
  });
});
