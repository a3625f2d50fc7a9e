// The packages of Debian's own default installations, resolved by apt from an empty dpkg status (a
// new machine) with recommendations (apt's default), each with its maintainer from the archive
// reduced to the domain of its mailbox as the agent reports it. Real public data: Debian's
// priorities and tasksel tasks define the sets, not the rules. Run after `apt-get update`.
//
//   pnpm tsx scripts/build-debian-server-list.ts [out.csv]
//     Rebuilds rules/coverage/debian-server.csv: what the installer puts on a server, i.e. the
//     archive's Priority required, important and standard packages ("standard system utilities"),
//     tasksel's task-ssh-server and task-web-server, task-french (a French authority's locale), the
//     kernel and the boot loader. Each line's expected origin is Debian's (community): every
//     package is a build of Debian's archive, which the matching policy gives to the distribution.
//   pnpm tsx scripts/build-debian-server-list.ts --unclaimed
//     Prints the packages of every desktop, server, laptop, French and English task whose
//     maintainer no rule recognises (individual Debian members with a mailbox outside Debian's
//     domains): those the distribution index must hold for them to be Debian's.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withoutMailbox } from '../agent/src/sources/linux-dpkg.ts';
import { Classifier } from '../collector/src/classify/classifier.ts';
import { DEFAULT_RULES_DIR, loadRuleTrees } from '../collector/src/classify/load-rules.ts';

const SERVER = ['task-ssh-server', 'task-web-server', 'task-french', 'linux-image-amd64', 'grub-pc'];
const BASE_PRIORITIES = new Set(['required', 'important', 'standard']);
const run = (command: string, args: string[]) => execFileSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 30 });

// The archive's records: priority per package, maintainer per package and version.
const priority = new Map<string, string>();
const maintainer = new Map<string, string>();
for (const record of run('apt-cache', ['dumpavail']).split('\n\n')) {
  const field = (name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(record)?.[1]?.trim();
  const name = field('Package');
  const arch = field('Architecture');
  if (!name || (arch !== 'amd64' && arch !== 'all') || !field('Filename')) continue;
  if (field('Priority')) priority.set(name, field('Priority')!);
  if (field('Maintainer')) maintainer.set(`${name}=${field('Version')}`, withoutMailbox(field('Maintainer')!));
}
if (priority.size < 10_000) throw new Error(`only ${priority.size} packages: run 'apt-get update' first`);
const base = [...priority].filter(([, p]) => BASE_PRIORITIES.has(p)).map(([name]) => name);

/** What apt installs on a new machine for these packages, sorted by name, with the archive's maintainer. */
function resolve(packages: string[]): { release: string; packages: { name: string; version: string; maintainer: string }[] } {
  const work = mkdtempSync(join(tmpdir(), 'debian-install-'));
  try {
    const status = join(work, 'status');
    writeFileSync(status, '');
    const simulation = run('apt-get', ['-o', `Dir::State::status=${status}`, '-o', 'APT::Install-Recommends=true', 'install', '--simulate', '-q', ...packages]);
    const installed = [...simulation.matchAll(/^Inst (\S+) \((\S+) /gm)].map(([, name, version]) => {
      const bare = name!.replace(/:amd64$/, '');
      const packager = maintainer.get(`${bare}=${version}`);
      if (!packager) throw new Error(`no maintainer in the archive for ${bare} ${version}`);
      return { name: bare, version: version!, maintainer: packager };
    });
    if (installed.length < 200) throw new Error(`apt resolved only ${installed.length} packages`);
    const release = /^Inst \S+ \(\S+ Debian:([^/\s]+)/m.exec(simulation)?.[1] ?? 'unknown';
    return { release, packages: installed.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--unclaimed') {
  const tasks = run('apt-cache', ['search', '--names-only', '^task-'])
    .split('\n')
    .map((line) => line.split(' ')[0]!)
    .filter((name) => /^task-(.*-desktop|.*-server|laptop|french|english)$/.test(name));
  const classifier = new Classifier(loadRuleTrees([DEFAULT_RULES_DIR]));
  const unclaimed = resolve([...base, ...tasks, 'linux-image-amd64', 'grub-pc']).packages.filter(
    (p) => !classifier.classify({ name: p.name, publisher: p.maintainer, source: 'dpkg' }).vendor_id,
  );
  process.stdout.write(`${unclaimed.map((p) => `${p.name}\t${p.maintainer}`).join('\n')}\n`);
} else {
  const csv = (value: string) => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
  const server = resolve([...base, ...SERVER]);
  // Every package is the archive's own build, so Debian's (a community project): the origin to check.
  const lines = server.packages.map((p) => [p.name, p.maintainer, p.version, 'dpkg', 'community'].map(csv).join(','));
  const out = process.argv[2] ?? new URL('../rules/coverage/debian-server.csv', import.meta.url).pathname;
  writeFileSync(out, `name,publisher,version,source,expected_origin\n${lines.join('\n')}\n`);
  process.stdout.write(
    `${out}: ${lines.length} packages (Debian ${server.release}; ${base.length} of priority required, important or standard; ${SERVER.join(', ')})\n`,
  );
}
