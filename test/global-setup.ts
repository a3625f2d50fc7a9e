// Once per test run: the collector and the agent built as they ship (scripts/build-collector.ts,
// scripts/bundle-agent.ts), so that the many processes the tests start run plain JavaScript with
// Node alone (about 0.6 s a start) instead of compiling TypeScript through tsx at each (about 2.3 s);
// and a throwaway PostgreSQL server (test/postgres-server.ts), started meanwhile, its URL provided
// to the tests as `postgresUrl`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildCollector, COLLECTOR_BUNDLE_NAME } from '../scripts/build-collector.ts';
import { bundleAgent } from '../scripts/bundle-agent.ts';
import { POSTGRES_URL_ENV, startPostgres } from './postgres-server.ts';

const POSTGRES_ERROR_ENV = 'TIEBREAK_TEST_POSTGRES_ERROR';

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | void> {
  const providePostgres = () => {
    project.provide('postgresUrl', process.env[POSTGRES_URL_ENV] ?? '');
    project.provide('postgresError', process.env[POSTGRES_ERROR_ENV] ?? '');
  };
  // Both tiers share one build and one server when run together (the setup runs once per project).
  if (process.env.TIEBREAK_TEST_BUILD) return providePostgres();
  // A run without PostgreSQL installed still runs the other tests: those needing it fail with why.
  const postgres = startPostgres().catch((err: Error) => err);
  const dir = mkdtempSync(join(tmpdir(), 'tiebreak-test-build-'));
  try {
    const collector = await buildCollector(join(dir, 'collector'));
    const agent = await bundleAgent(join(dir, 'agent', 'tiebreak-agent.cjs'));
    process.env.TIEBREAK_TEST_BUILD = JSON.stringify({ collector: join(collector, COLLECTOR_BUNDLE_NAME), agent });
  } catch (err) {
    await postgres.then((server) => (server instanceof Error ? undefined : server.stop()));
    throw err;
  }
  const server = await postgres;
  if (server instanceof Error) process.env[POSTGRES_ERROR_ENV] = server.message;
  else process.env[POSTGRES_URL_ENV] = server.url;
  providePostgres();
  return async () => {
    rmSync(dir, { recursive: true, force: true });
    if (!(server instanceof Error)) await server.stop();
  };
}
