// Bundles the agent (dist/agent/): tiebreak-agent-code.cjs, the whole agent in one CommonJS file,
// and tiebreak-agent.cjs, the small loader that runs it (`node dist/agent/tiebreak-agent.cjs`). The
// single executables embed the loader as their main script and the code as an asset. The Linux
// packages ship the executables; the tests and the benchmarks run the loader with Node.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

export const AGENT_BUNDLE = new URL('../dist/agent/tiebreak-agent.cjs', import.meta.url).pathname;
/** The code's file name beside the loader, and its asset name in the single executables. */
export const AGENT_CODE = 'tiebreak-agent-code.cjs';

/**
 * Run as the body of a CommonJS module (a function, as Node's loader and a SEA's main script run it),
 * the agent's 1.4 MB of code costs about 10 MB more peak memory than run as a top-level script:
 * V8 then keeps scope data for every function nested in that body (measured in BENCHMARKS.md). So
 * the loader runs the code with vm.runInThisContext, CommonJS's free variables made global. Its
 * top-level names become globals of this process, which runs nothing else.
 */
export const AGENT_LOADER = `#!/usr/bin/env node
"use strict";
// tiebreak-agent: loader of ${AGENT_CODE} (see scripts/bundle-agent.ts for why).
(() => {
  const sea = require("node:sea");
  const code = sea.isSea()
    ? sea.getAsset(${JSON.stringify(AGENT_CODE)}, "utf8")
    : require("node:fs").readFileSync(require("node:path").join(__dirname, ${JSON.stringify(AGENT_CODE)}), "utf8");
  Object.assign(globalThis, { require, module, exports, __filename, __dirname });
  require("node:vm").runInThisContext(code, { filename: ${JSON.stringify(AGENT_CODE)} });
})();
`;

/** Writes the loader to `outfile` and the code beside it; returns the loader's path. */
export async function bundleAgent(outfile = AGENT_BUNDLE): Promise<string> {
  mkdirSync(dirname(outfile), { recursive: true });
  await build({
    entryPoints: [new URL('../agent/src/cli.ts', import.meta.url).pathname],
    bundle: true,
    platform: 'node',
    target: 'node20',
    // CommonJS: what the loader runs (and what `node tiebreak-agent-code.cjs` would run too).
    format: 'cjs',
    outfile: join(dirname(outfile), AGENT_CODE),
    // Smaller to ship and to parse at every start (less memory too); names kept for error messages.
    minify: true,
    keepNames: true,
    legalComments: 'eof',
    logLevel: 'warning',
    // Some dependencies (node-cron) read import.meta.url, empty in CommonJS: give it this file's URL.
    define: { 'import.meta.url': '__tiebreakImportMetaUrl' },
    banner: { js: "const __tiebreakImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
  writeFileSync(outfile, AGENT_LOADER, { mode: 0o755 });
  return outfile;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await bundleAgent());
}
