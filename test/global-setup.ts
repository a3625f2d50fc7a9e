// Once per test run: the collector and the agent built as they ship (scripts/build-collector.ts,
// scripts/bundle-agent.ts), so that the many processes the tests start run plain JavaScript with
// Node alone (about 0.6 s a start) instead of compiling TypeScript through tsx at each (about 2.3 s).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCollector, COLLECTOR_BUNDLE_NAME } from '../scripts/build-collector.ts';
import { bundleAgent } from '../scripts/bundle-agent.ts';

export default async function setup(): Promise<(() => void) | void> {
  // Both tiers share one build when run together (the setup runs once per project).
  if (process.env.TIEBREAK_TEST_BUILD) return;
  const dir = mkdtempSync(join(tmpdir(), 'tiebreak-test-build-'));
  const collector = await buildCollector(join(dir, 'collector'));
  const agent = await bundleAgent(join(dir, 'agent', 'tiebreak-agent.cjs'));
  process.env.TIEBREAK_TEST_BUILD = JSON.stringify({ collector: join(collector, COLLECTOR_BUNDLE_NAME), agent });
  return () => rmSync(dir, { recursive: true, force: true });
}
