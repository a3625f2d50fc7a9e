// `pnpm build:collector-deb` and `pnpm build:collector-rpm`: `pnpm build`'s collector with a private
// copy of the Node binary that builds it (the one better-sqlite3's addon was compiled against: a
// native addon only loads in the Node major it was built for), in /usr/lib/tiebreak-collector, and a
// hardened systemd unit running `tiebreak-collector serve` as the user `tiebreak`.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pkg from '../collector/package.json' with { type: 'json' };
import { COLLECTOR_BUNDLE_NAME, SQLITE_ADDON_NAME, buildCollector } from './build-collector.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const DIST = join(ROOT, 'dist');
const PACKAGING = join(ROOT, 'collector/packaging/linux');
const file = (name: string) => join(PACKAGING, name);
export const INSTALL_DIR = '/usr/lib/tiebreak-collector';
export const collectorDeb = (version = pkg.version) => join(DIST, `tiebreak-collector_${version}_amd64.deb`);
export const collectorRpm = (version = pkg.version) => join(DIST, `tiebreak-collector-${version}-1.x86_64.rpm`);

const LAUNCHER = `#!/bin/sh\nexec ${INSTALL_DIR}/node ${INSTALL_DIR}/${COLLECTOR_BUNDLE_NAME} "$@"\n`;

function install(source: string, target: string, mode: number): void {
  mkdirSync(join(target, '..'), { recursive: true });
  copyFileSync(source, target);
  chmodSync(target, mode);
}

/** The compiled collector and the Node that runs it, checked to load the addon together. */
async function application(into: string): Promise<void> {
  const built = await buildCollector();
  cpSync(built, into, { recursive: true });
  rmSync(join(into, 'tiebreak-collector'));
  install(process.execPath, join(into, 'node'), 0o755);
  execFileSync(join(into, 'node'), ['-e', `require(${JSON.stringify(join(into, SQLITE_ADDON_NAME))})`], { stdio: 'pipe' });
}

export async function buildCollectorDeb(version = pkg.version): Promise<string> {
  const root = join(DIST, 'collector-deb-root');
  rmSync(root, { recursive: true, force: true });
  await application(join(root, INSTALL_DIR.slice(1)));
  mkdirSync(join(root, 'usr/bin'), { recursive: true });
  writeFileSync(join(root, 'usr/bin/tiebreak-collector'), LAUNCHER, { mode: 0o755 });
  install(file('tiebreak-collector.service'), join(root, 'lib/systemd/system/tiebreak-collector.service'), 0o644);
  install(file('collector.env'), join(root, 'etc/tiebreak/collector.env'), 0o640);
  install(file('configure-on-install.sh'), join(root, 'usr/share/tiebreak-collector/configure-on-install.sh'), 0o644);
  for (const script of ['postinst', 'prerm', 'postrm']) install(file(`debian/${script}`), join(root, 'DEBIAN', script), 0o755);
  // The settings are the administrator's: an upgrade keeps their version.
  writeFileSync(join(root, 'DEBIAN/conffiles'), '/etc/tiebreak/collector.env\n');
  const doc = join(root, 'usr/share/doc/tiebreak-collector');
  install(join(ROOT, 'docs/deploy-collector.md'), join(doc, 'deploy-collector.md'), 0o644);
  writeFileSync(
    join(doc, 'copyright'),
    `tiebreak collector\nLicense: EUPL-1.2\nIncludes Node.js ${process.version} (MIT License, https://nodejs.org) and the licences listed at the end of ${INSTALL_DIR}/${COLLECTOR_BUNDLE_NAME}\n`,
  );
  const size = Math.ceil(Number(execFileSync('du', ['-sk', root], { encoding: 'utf8' }).split('\t')[0]));
  writeFileSync(
    join(root, 'DEBIAN/control'),
    [
      'Package: tiebreak-collector',
      `Version: ${version}`,
      'Architecture: amd64',
      'Maintainer: tiebreak <contact@tiebreak.eu>',
      `Installed-Size: ${size}`,
      'Depends: adduser, libc6 (>= 2.28), libstdc++6 (>= 8)',
      'Section: admin',
      'Priority: optional',
      'Homepage: https://tiebreak.eu',
      'Description: tiebreak collector: inventories in, dependency map out',
      ' Receives the inventories of tiebreak agents (and GLPI, FusionInventory and OCS Inventory',
      ' agents), classifies every item with the tiebreak rules commons, and serves the map of the',
      ' dependency on non-European digital vendors (TIE Break): web interface, API and exports.',
      '',
    ].join('\n'),
  );
  const deb = collectorDeb(version);
  // gzip: a tenth of xz's build time for 30% more bytes, and every dpkg reads it.
  execFileSync('dpkg-deb', ['--build', '--root-owner-group', '-Zgzip', root, deb], { stdio: 'ignore' });
  rmSync(root, { recursive: true, force: true });
  return deb;
}

export async function buildCollectorRpm(version = pkg.version): Promise<string> {
  const top = join(DIST, 'collector-rpmbuild');
  rmSync(top, { recursive: true, force: true });
  const sources = join(top, 'SOURCES');
  await application(join(sources, 'tiebreak-collector'));
  writeFileSync(join(sources, 'launcher'), LAUNCHER);
  for (const name of ['tiebreak-collector.service', 'collector.env', 'configure-on-install.sh']) copyFileSync(file(name), join(sources, name));
  execFileSync(
    'rpmbuild',
    // gzip: as for the .deb, a tenth of xz's build time.
    ['-bb', '--define', `_topdir ${top}`, '--define', `version ${version}`, '--define', '_binary_payload w6.gzdio', file('tiebreak-collector.spec')],
    { stdio: 'ignore' },
  );
  const rpm = collectorRpm(version);
  copyFileSync(join(top, 'RPMS', 'x86_64', `tiebreak-collector-${version}-1.x86_64.rpm`), rpm);
  rmSync(top, { recursive: true, force: true });
  return rpm;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // --version: a package of another version number (the upgrade test; a local rebuild).
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { version: { type: 'string' } } });
  const which = positionals[0];
  if (which !== 'deb' && which !== 'rpm') throw new Error('usage: build-collector-packages.ts deb|rpm [--version X.Y.Z]');
  console.log(which === 'deb' ? await buildCollectorDeb(values.version) : await buildCollectorRpm(values.version));
}
