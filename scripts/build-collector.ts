// `pnpm build`: the collector compiled to run with Node alone, no tsx and no node_modules, in
// dist/collector/: one CommonJS bundle, better-sqlite3's native addon beside it, the rules tree, the
// PostgreSQL baseline schema, and the methodology the web UI serves, and a launcher. What the collector's Linux packages ship (scripts/build-collector-packages.ts).
import { chmodSync, copyFileSync, cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { REPORT_WORKER_BUNDLE } from '../collector/src/protocols/report-decoders.ts';

const ROOT = new URL('..', import.meta.url).pathname;
export const COLLECTOR_DIST = join(ROOT, 'dist/collector');
export const COLLECTOR_BUNDLE_NAME = 'tiebreak-collector.cjs';
export const SQLITE_ADDON_NAME = 'better_sqlite3.node';

/** The native addon better-sqlite3 loads, as built by its install script against this Node. */
export function sqliteAddon(): string {
  const fromCollector = createRequire(join(ROOT, 'collector/package.json'));
  return join(dirname(fromCollector.resolve('better-sqlite3/package.json')), 'build/Release', SQLITE_ADDON_NAME);
}

// better-sqlite3 finds its addon with the `bindings` package, which walks up from the caller's file
// to a package.json: inside a bundle there is none. The addon is shipped beside the bundle instead.
const addonBesideBundle: Plugin = {
  name: 'addon-beside-bundle',
  setup(build) {
    build.onResolve({ filter: /^bindings$/ }, () => ({ path: 'bindings', namespace: 'addon-beside-bundle' }));
    build.onLoad({ filter: /.*/, namespace: 'addon-beside-bundle' }, () => ({
      contents: "module.exports = (name) => require(require('node:path').join(__dirname, name));",
      loader: 'js',
    }));
  },
};

export async function buildCollector(out = COLLECTOR_DIST): Promise<string> {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  // The collector, and the worker that decodes peer reports (started from its own file).
  for (const [entry, file] of [
    ['collector/src/cli.ts', COLLECTOR_BUNDLE_NAME],
    ['collector/src/protocols/report-worker.ts', REPORT_WORKER_BUNDLE],
  ] as const)
    await build({
      entryPoints: [join(ROOT, entry)],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      outfile: join(out, file),
      // Readable stack traces in the journal matter more than a few hundred kilobytes on a server.
      minify: false,
      keepNames: true,
      sourcemap: 'linked',
      legalComments: 'eof',
      logLevel: 'warning',
      plugins: [addonBesideBundle],
      // The sources find the shipped rules/ and docs/methodology.md three folders up from theirs
      // (collector/src/<area>/): import.meta.url stands for such a folder under the bundle's own, so
      // that the bundle's folder plays the repository's root.
      define: { 'import.meta.url': '__tiebreakSourceUrl' },
      banner: { js: "const __tiebreakSourceUrl = require('node:url').pathToFileURL(__dirname + '/collector/src/classify/').href;" },
    });
  copyFileSync(sqliteAddon(), join(out, SQLITE_ADDON_NAME));
  cpSync(join(ROOT, 'rules'), join(out, 'rules'), { recursive: true });
  // The PostgreSQL baseline schema, where store/db.ts looks for it from the bundle's import.meta.url.
  mkdirSync(join(out, 'collector/src/store/postgres'), { recursive: true });
  copyFileSync(join(ROOT, 'collector/src/store/postgres/baseline.sql'), join(out, 'collector/src/store/postgres/baseline.sql'));
  mkdirSync(join(out, 'docs'));
  copyFileSync(join(ROOT, 'docs/methodology.md'), join(out, 'docs/methodology.md'));
  const launcher = join(out, 'tiebreak-collector');
  writeFileSync(launcher, `#!/bin/sh\nexec node "$(dirname "$(readlink -f "$0")")/${COLLECTOR_BUNDLE_NAME}" "$@"\n`);
  chmodSync(launcher, 0o755);
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await buildCollector());
}
