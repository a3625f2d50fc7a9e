// `pnpm build:deb` and `pnpm build:rpm` as a user runs them, the packages inspected with dpkg-deb and
// rpm, and the .deb installed, configured from the environment and purged with dpkg for real.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import pkg from '../agent/package.json' with { type: 'json' };
import { ROOT, dpkg, pnpmScript } from './helpers.ts';

const DEB = `${ROOT}/dist/tiebreak-agent_${pkg.version}_amd64.deb`;
const RPM = `${ROOT}/dist/tiebreak-agent-${pkg.version}-1.x86_64.rpm`;
const run = (command: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
  execFileSync(command, args, { encoding: 'utf8', env: { ...process.env, ...env } });

beforeAll(async () => {
  await pnpmScript('build:deb');
  await pnpmScript('build:rpm');
}, 900_000);

describe('the .deb package', () => {
  it('holds the executable, a hardened systemd unit and its configuration file', () => {
    const info = run('dpkg-deb', ['--info', DEB]);
    expect(info).toMatch(/Package: tiebreak-agent/);
    expect(info).toMatch(/Architecture: amd64/);
    expect(info).toMatch(/Depends: adduser, debconf/);
    for (const script of ['postinst', 'prerm', 'postrm', 'config', 'templates', 'conffiles']) expect(info).toContain(script);
    const contents = run('dpkg-deb', ['--contents', DEB]);
    expect(contents).toMatch(/-rwxr-xr-x root\/root .* \.\/usr\/bin\/tiebreak-agent/);
    expect(contents).toContain('./lib/systemd/system/tiebreak-agent.service');
    expect(contents).toContain('./etc/default/tiebreak-agent');
    expect(run('dpkg-deb', ['--field', DEB, 'Version']).trim()).toBe(pkg.version);
    // The unit as shipped in the package.
    const unit = run('sh', ['-c', `dpkg-deb --fsys-tarfile "${DEB}" | tar -xOf - ./lib/systemd/system/tiebreak-agent.service`]);
    for (const setting of [
      'User=tiebreak',
      'ExecStart=/usr/bin/tiebreak-agent run',
      'NoNewPrivileges=yes',
      'ProtectSystem=strict',
      'CapabilityBoundingSet=',
      'StateDirectory=tiebreak',
    ])
      expect(unit).toContain(setting);
  });

  it.runIf(process.getuid?.() === 0 && existsSync('/usr/bin/dpkg'))('installs, writes the configuration from the environment, and purges cleanly', () => {
    const env = { DEBIAN_FRONTEND: 'noninteractive', TIEBREAK_SERVER: 'https://tiebreak.mairie.test', TIEBREAK_TOKEN: 'tbk_package_test_token' };
    try {
      dpkg(['-i', DEB], env);
      expect(run('/usr/bin/tiebreak-agent', ['--version']).trim()).toBe(pkg.version);
      const config = JSON.parse(readFileSync('/etc/tiebreak/agent.json', 'utf8'));
      expect(config).toMatchObject({ server: 'https://tiebreak.mairie.test', token: 'tbk_package_test_token' });
      expect(statSync('/etc/tiebreak/agent.json').mode & 0o777).toBe(0o640);
      expect(run('stat', ['-c', '%U:%G', '/etc/tiebreak/agent.json']).trim()).toBe('root:tiebreak');
      expect(run('getent', ['passwd', 'tiebreak'])).toMatch(/nologin/);
      expect(run('dpkg-query', ['-W', '-f=${db:Status-Status}', 'tiebreak-agent'])).toBe('installed');
    } finally {
      dpkg(['--purge', 'tiebreak-agent']);
    }
    expect(existsSync('/usr/bin/tiebreak-agent')).toBe(false);
    expect(existsSync('/etc/tiebreak')).toBe(false);
  });
});

describe('the .rpm package', () => {
  it('holds the executable, the unit and its configuration file, with its scriptlets', () => {
    const info = run('rpm', ['-qip', RPM]);
    expect(info).toMatch(/Name\s*: tiebreak-agent/);
    expect(info).toMatch(new RegExp(`Version\\s*: ${pkg.version.replaceAll('.', '\\.')}`));
    expect(info).toMatch(/Architecture: x86_64/);
    const files = run('rpm', ['-qlp', RPM]).trim().split('\n');
    expect(files).toEqual(
      expect.arrayContaining(['/usr/bin/tiebreak-agent', '/usr/lib/systemd/system/tiebreak-agent.service', '/etc/sysconfig/tiebreak-agent']),
    );
    expect(run('rpm', ['-qcp', RPM]).trim()).toBe('/etc/sysconfig/tiebreak-agent');
    const scripts = run('rpm', ['-qp', '--scripts', RPM]);
    expect(scripts).toMatch(/postinstall scriptlet[\s\S]*configure-on-install\.sh/);
    expect(scripts).toMatch(/preuninstall scriptlet[\s\S]*systemctl disable --now tiebreak-agent/);
    // Not stripped: the agent injected into the executable is intact.
    expect(run('rpm', ['-qp', '--dump', RPM])).toMatch(/\/usr\/bin\/tiebreak-agent \d{9,}/);
  });
});
