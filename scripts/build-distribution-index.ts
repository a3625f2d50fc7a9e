// Rebuilds a distribution package index of rules/distributions/: the binary package names of one
// release, one per line, sorted, gzipped, from the distribution's own archive.
//
//   tsx scripts/build-distribution-index.ts debian <suite> <file>   e.g. debian trixie debian-13-trixie.txt.gz
//     reads the Debian archive (suite, suite-updates and suite-security, main, amd64) with apt in a
//     private state directory: the machine's own apt configuration is neither read nor changed.
//   tsx scripts/build-distribution-index.ts ubuntu <suite> <file>   e.g. ubuntu noble ubuntu-24.04-noble.txt.gz
//     reads the Ubuntu archive (suite, suite-updates and suite-security, components main, restricted
//     and universe, amd64) the same way. Debian ships no Ubuntu archive keyring: the lists are read
//     unverified ([trusted=yes]); only package names are kept, and the result is reviewed as a diff.
//   tsx scripts/build-distribution-index.ts list <names.txt> <file>
//     any other distribution: a list of names made on a machine of it, e.g.
//     `dnf repoquery --repo baseos,appstream --qf '%{name}' > names.txt` on Rocky Linux, or
//     `apt-cache pkgnames` on Ubuntu (with only the archive's sources enabled).
// Then record the release, the source and the date in rules/distributions/distributions.yaml.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const DIR = new URL('../rules/distributions/', import.meta.url).pathname;
const DEBIAN_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

/** Where a distribution's archive is read: its suites, components and the key that signs it. */
const ARCHIVES = {
  debian: (suite: string) => ({
    lines: [`debian ${suite}`, `debian ${suite}-updates`, `debian-security ${suite}-security`].map((where) => {
      const [path, dist] = where.split(' ');
      return `deb [signed-by=${DEBIAN_KEYRING}] http://deb.debian.org/${path} ${dist} main`;
    }),
  }),
  ubuntu: (suite: string) => ({
    lines: [suite, `${suite}-updates`, `${suite}-security`].map(
      (dist) => `deb [trusted=yes] http://archive.ubuntu.com/ubuntu ${dist} main restricted universe`,
    ),
  }),
} as const;

/** Names of the binary packages of a suite of a Debian-format archive, read with apt. */
function archiveNames(archive: keyof typeof ARCHIVES, suite: string): string[] {
  const state = mkdtempSync(join(tmpdir(), 'tiebreak-apt-'));
  try {
    for (const sub of ['lists/partial', 'cache/archives/partial']) mkdirSync(join(state, sub), { recursive: true });
    writeFileSync(join(state, 'status'), '');
    const sources = join(state, 'sources.list');
    writeFileSync(
      sources,
      ARCHIVES[archive](suite)
        .lines.map((line) => `${line}\n`)
        .join(''),
    );
    const options = [
      `Dir::State=${state}`,
      `Dir::State::Lists=${join(state, 'lists')}`,
      `Dir::State::status=${join(state, 'status')}`,
      `Dir::Cache=${join(state, 'cache')}`,
      `Dir::Etc::SourceList=${sources}`,
      'Dir::Etc::SourceParts=/nonexistent',
      'APT::Architecture=amd64',
    ].flatMap((o) => ['-o', o]);
    execFileSync('apt-get', [...options, '-qq', 'update'], { stdio: ['ignore', 'ignore', 'inherit'] });
    const dump = execFileSync('apt-cache', [...options, 'dumpavail'], { maxBuffer: 1 << 30, encoding: 'utf8' });
    return [...dump.matchAll(/^Package: (\S+)$/gm)].map((m) => m[1]!);
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
}

function listNames(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
}

const [kind, from, out] = process.argv.slice(2);
if (!kind || !from || !out || !['debian', 'ubuntu', 'list'].includes(kind)) {
  console.error('usage: build-distribution-index.ts debian|ubuntu <suite> <file.txt.gz> | list <names.txt> <file.txt.gz>');
  process.exit(2);
}
const names = [...new Set((kind === 'list' ? listNames(from) : archiveNames(kind as keyof typeof ARCHIVES, from)).map((n) => n.toLowerCase()))].sort();
if (names.length < 100) {
  console.error(`only ${names.length} names: not an archive's index, nothing written`);
  process.exit(1);
}
// mtime 0 in the gzip header: the same names always give the same bytes (and the same rules fingerprint).
writeFileSync(join(DIR, out), gzipSync(`${names.join('\n')}\n`, { level: 9 }));
console.log(`${out}: ${names.length} names`);
