// Bundles the agent into one JavaScript file (dist/agent/tiebreak-agent.cjs): what the single
// executables and the Linux packages ship, and what the benchmarks measure.
import { mkdirSync } from 'node:fs';
import { build } from 'esbuild';

export const AGENT_BUNDLE = new URL('../dist/agent/tiebreak-agent.cjs', import.meta.url).pathname;

export async function bundleAgent(outfile = AGENT_BUNDLE): Promise<string> {
  mkdirSync(new URL('.', `file://${outfile}`).pathname, { recursive: true });
  await build({
    entryPoints: [new URL('../agent/src/cli.ts', import.meta.url).pathname],
    bundle: true,
    platform: 'node',
    target: 'node20',
    // CommonJS: Node's single executable applications run a CommonJS script.
    format: 'cjs',
    outfile,
    // Smaller to ship and to parse at every start (less memory too); names kept for error messages.
    minify: true,
    keepNames: true,
    legalComments: 'eof',
    logLevel: 'warning',
    // Some dependencies (node-cron) read import.meta.url, empty in CommonJS: give it this file's URL.
    define: { 'import.meta.url': '__tiebreakImportMetaUrl' },
    banner: { js: "const __tiebreakImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
  return outfile;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await bundleAgent());
}
