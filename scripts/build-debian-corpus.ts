// Rebuilds rules/corpus/debian-<codename>-main.tsv.gz, the Debian part of the negative corpus that
// `rules check` runs every rule against: every binary package of the archive apt knows on this
// machine (`apt-cache dumpavail`, after `apt-get update`), with its maintainer reduced to the domain
// of its mailbox as the agent reports it. Usage: pnpm tsx scripts/build-debian-corpus.ts [out.tsv.gz]
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { withoutMailbox } from '../agent/src/sources/linux-dpkg.ts';

const dump = execFileSync('apt-cache', ['dumpavail'], { encoding: 'utf8', maxBuffer: 1 << 30 });
const codename = /^VERSION_CODENAME=(\w+)$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'debian';

const maintainers = new Map<string, string>();
for (const record of dump.split('\n\n')) {
  const field = (name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(record)?.[1]?.trim();
  const name = field('Package');
  const maintainer = field('Maintainer');
  // Records without a Filename come from dpkg's status file (installed here), not from the archive.
  if (!name || !maintainer || !/^pool\/(updates\/)?main\//.test(field('Filename') ?? '')) continue;
  if (!maintainers.has(name)) maintainers.set(name, withoutMailbox(maintainer).replace(/[\t\n]/g, ' '));
}
if (maintainers.size < 10_000) throw new Error(`only ${maintainers.size} packages: run 'apt-get update' first`);

const lines = ['source\tname\tpublisher', ...[...maintainers].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, m]) => `dpkg\t${name}\t${m}`)];
const out = process.argv[2] ?? new URL(`../rules/corpus/debian-${codename}-main.tsv.gz`, import.meta.url).pathname;
writeFileSync(out, gzipSync(`${lines.join('\n')}\n`, { level: 9 }));
process.stdout.write(`${out}: ${maintainers.size} packages\n`);
