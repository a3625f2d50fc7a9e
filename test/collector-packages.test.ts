// `pnpm build` and `pnpm build:collector-deb` as a user runs them; the .deb inspected, then installed
// with dpkg for real, the collector started exactly as its systemd unit says (systemd does not run
// in the test machine), upgraded in place to a newer version with its database kept, and purged.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pkg from '../collector/package.json' with { type: 'json' };
import { ROOT, dpkg, pnpmScript, tempDir } from './helpers.ts';

const DEB = `${ROOT}/dist/tiebreak-collector_${pkg.version}_amd64.deb`;
const RPM = `${ROOT}/dist/tiebreak-collector-${pkg.version}-1.x86_64.rpm`;
const NEXT_VERSION = `${pkg.version}+upgrade1`;
const NEXT_DEB = `${ROOT}/dist/tiebreak-collector_${NEXT_VERSION}_amd64.deb`;
const UNIT = '/lib/systemd/system/tiebreak-collector.service';
const ENV_FILE = '/etc/tiebreak/collector.env';
const canInstall = process.getuid?.() === 0 && existsSync('/usr/bin/dpkg');
const run = (command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) =>
  execFileSync(command, args, { encoding: 'utf8', env: { ...process.env, ...options.env }, cwd: options.cwd });
const unitFromDeb = (deb: string) => run('sh', ['-c', `dpkg-deb --fsys-tarfile "${deb}" | tar -xOf - .${UNIT}`]);

/** KEY=VALUE lines of a systemd EnvironmentFile (comments, blank lines and quotes as systemd reads them). */
function environmentFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    const value = m[2]!.trim();
    env[m[1]!] = /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value;
  }
  return env;
}

/** The unit's ExecStart as systemd expands it: ${VAR} is one word, $VAR splits on white space. */
function execStart(unit: string, env: Record<string, string>): string[] {
  const line = /^ExecStart=(.*)$/m.exec(unit)?.[1];
  if (!line) throw new Error('no ExecStart in the unit');
  return line
    .split(/\s+/)
    .flatMap((word) => {
      const whole = /^\$\{(\w+)\}$/.exec(word);
      if (whole) return [env[whole[1]!] ?? ''];
      const split = /^\$(\w+)$/.exec(word);
      if (split) return (env[split[1]!] ?? '').split(/\s+/);
      return [word];
    })
    .filter((word) => word !== '');
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Runs the packaged service as its unit would: its user, its environment file, its directory. */
async function startAsUnit(): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const unit = readFileSync(UNIT, 'utf8');
  expect(unit).toContain(`EnvironmentFile=${ENV_FILE}`);
  const env = environmentFile(readFileSync(ENV_FILE, 'utf8'));
  const command = execStart(unit, env);
  const user = /^User=(.*)$/m.exec(unit)![1]!;
  const directory = /^WorkingDirectory=(.*)$/m.exec(unit)![1]!;
  const child = spawn('setpriv', [`--reuid=${user}`, `--regid=${user}`, '--init-groups', '--', ...command], {
    cwd: directory,
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const url = `http://${env.TIEBREAK_HOST}:${env.TIEBREAK_PORT}`;
  for (let i = 0; i < 240; i++) {
    if (child.exitCode !== null) throw new Error(`the collector exited (${child.exitCode}): ${output}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return { child, url, output: () => output };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  child.kill('SIGKILL');
  throw new Error(`the collector did not answer on ${url}/healthz: ${output}`);
}

/** SIGTERM, as systemctl stop sends: the collector closes its database and exits with 0. */
function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

const asTiebreak = (args: string[]) =>
  run('setpriv', ['--reuid=tiebreak', '--regid=tiebreak', '--init-groups', '--', '/usr/bin/tiebreak-collector', ...args], {
    cwd: '/var/lib/tiebreak-collector',
  });

beforeAll(async () => {
  await pnpmScript('build:collector-deb');
  if (existsSync('/usr/bin/rpmbuild')) await pnpmScript('build:collector-rpm');
}, 900_000);

describe('pnpm build', () => {
  it('compiles the collector to run with Node alone, the rules and its SQLite addon beside it', async () => {
    await pnpmScript('build');
    const out = join(ROOT, 'dist/collector');
    for (const name of ['tiebreak-collector.cjs', 'better_sqlite3.node', 'rules/vendors', 'docs/methodology.md'])
      expect(existsSync(join(out, name))).toBe(true);
    // Run from elsewhere, with no node_modules on the way: nothing but Node and these files.
    const cwd = tempDir();
    expect(run(join(out, 'tiebreak-collector'), ['--version'], { cwd }).trim()).toBe(pkg.version);
    expect(run('node', [join(out, 'tiebreak-collector.cjs'), 'rules', 'check'], { cwd })).toMatch(/^rules check: ok \(\d+ vendors/);
    const token = run('node', [join(out, 'tiebreak-collector.cjs'), 'token', 'create', '--db', join(cwd, 'c.db')], { cwd });
    expect(token).toMatch(/^tbk[0-9a-f]{32,}$/m);
  });
});

describe('the collector .deb', () => {
  it('holds the collector, its own Node, a hardened systemd unit and its settings', () => {
    const info = run('dpkg-deb', ['--info', DEB]);
    expect(info).toMatch(/Package: tiebreak-collector/);
    expect(info).toMatch(/Architecture: amd64/);
    for (const script of ['postinst', 'prerm', 'postrm', 'conffiles']) expect(info).toContain(script);
    const contents = run('dpkg-deb', ['--contents', DEB]);
    for (const path of [
      './usr/bin/tiebreak-collector',
      './usr/lib/tiebreak-collector/node',
      './usr/lib/tiebreak-collector/tiebreak-collector.cjs',
      './usr/lib/tiebreak-collector/better_sqlite3.node',
      './usr/lib/tiebreak-collector/rules/vendors/',
      `.${UNIT}`,
      `.${ENV_FILE}`,
    ])
      expect(contents).toContain(path);
    expect(run('sh', ['-c', `dpkg-deb --ctrl-tarfile "${DEB}" | tar -xOf - ./conffiles`])).toBe(`${ENV_FILE}\n`);
    const unit = unitFromDeb(DEB);
    for (const setting of [
      'User=tiebreak',
      `EnvironmentFile=${ENV_FILE}`,
      'ExecStart=/usr/bin/tiebreak-collector serve --host ${TIEBREAK_HOST} --port ${TIEBREAK_PORT} --db ${TIEBREAK_DB} $TIEBREAK_OPTIONS',
      'StateDirectory=tiebreak-collector',
      'ReadWritePaths=/var/lib/tiebreak-collector',
      'NoNewPrivileges=yes',
      'ProtectSystem=strict',
      'PrivateTmp=yes',
      'CapabilityBoundingSet=',
      'StandardOutput=journal',
    ])
      expect(unit).toContain(setting);
    expect(unit).not.toMatch(/^User=root/m);
  });
});

describe.runIf(existsSync('/usr/bin/rpmbuild'))('the collector .rpm (needs rpmbuild, skipped otherwise)', () => {
  it('holds the same files, the unit and its settings as configuration, with its scriptlets', () => {
    const info = run('rpm', ['-qip', RPM]);
    expect(info).toMatch(/Name\s*: tiebreak-collector/);
    expect(info).toMatch(/Architecture: x86_64/);
    const files = run('rpm', ['-qlp', RPM]).trim().split('\n');
    expect(files).toEqual(
      expect.arrayContaining([
        '/usr/bin/tiebreak-collector',
        '/usr/lib/tiebreak-collector/node',
        '/usr/lib/tiebreak-collector/tiebreak-collector.cjs',
        '/usr/lib/tiebreak-collector/better_sqlite3.node',
        '/usr/lib/systemd/system/tiebreak-collector.service',
        ENV_FILE,
      ]),
    );
    expect(files.some((f) => f.startsWith('/usr/lib/tiebreak-collector/rules/vendors/'))).toBe(true);
    expect(run('rpm', ['-qcp', RPM]).trim()).toBe(ENV_FILE);
    const scripts = run('rpm', ['-qp', '--scripts', RPM]);
    expect(scripts).toMatch(/postinstall scriptlet[\s\S]*configure-on-install\.sh/);
    expect(scripts).toMatch(/preuninstall scriptlet[\s\S]*systemctl disable --now tiebreak-collector/);
    // Erasing keeps the database: RPM has no purge to ask for its removal.
    expect(scripts).not.toMatch(/rm .*tiebreak\.db/);
  });
});

describe.runIf(canInstall)('the collector .deb installed with dpkg (needs root and dpkg, skipped otherwise)', () => {
  let running: { child: ChildProcess } | undefined;
  beforeAll(() => {
    execFileSync('pnpm', ['-s', 'build:collector-deb', '--version', NEXT_VERSION], { cwd: ROOT, stdio: 'ignore' });
    spawnSync('dpkg', ['--purge', 'tiebreak-collector']);
  }, 900_000);
  afterAll(() => {
    if (running?.child.exitCode === null) running.child.kill('SIGKILL');
    spawnSync('dpkg', ['--purge', 'tiebreak-collector']);
  });

  it('installs, serves as its unit says, upgrades in place keeping the database and settings, and purges cleanly', async () => {
    dpkg(['-i', DEB]);
    expect(run('dpkg-query', ['-W', '-f=${db:Status-Status} ${Version}', 'tiebreak-collector'])).toBe(`installed ${pkg.version}`);
    expect(run('getent', ['passwd', 'tiebreak'])).toMatch(/nologin/);
    expect(run('stat', ['-c', '%U:%G %a', ENV_FILE]).trim()).toBe('root:tiebreak 640');
    expect(run('stat', ['-c', '%U:%G %a', '/var/lib/tiebreak-collector']).trim()).toBe('tiebreak:tiebreak 700');
    expect(run('/usr/bin/tiebreak-collector', ['--version']).trim()).toBe(pkg.version);
    if (existsSync('/usr/bin/systemd-analyze')) {
      const verify = spawnSync('systemd-analyze', ['verify', UNIT], { encoding: 'utf8' });
      expect(verify.status, verify.stderr).toBe(0);
      // systemd's own rating of the sandbox, from 0 (locked down) to 10 (unprotected).
      const security = spawnSync('systemd-analyze', ['security', '--offline=true', UNIT], { encoding: 'utf8' });
      const exposure = /Overall exposure level for tiebreak-collector\.service: ([\d.]+)/.exec(security.stdout);
      if (exposure) expect(Number(exposure[1])).toBeLessThanOrEqual(2);
    }

    // The administrator's setting (another port), which the upgrade must keep.
    const port = await freePort();
    writeFileSync(ENV_FILE, readFileSync(ENV_FILE, 'utf8').replace(/^TIEBREAK_PORT=.*$/m, `TIEBREAK_PORT=${port}`));
    running = await startAsUnit();
    const { url } = running as Awaited<ReturnType<typeof startAsUnit>>;
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`${url}/login`)).status).toBe(200);
    expect((running as Awaited<ReturnType<typeof startAsUnit>>).output()).toMatch(/first start: web account "admin" created/);
    expect(asTiebreak(['token', 'create', '--name', 'before-upgrade', '--db', '/var/lib/tiebreak-collector/tiebreak.db'])).toMatch(/^tbk[0-9a-f]{32,}$/m);
    expect(await stop(running.child)).toBe(0);
    expect(run('stat', ['-c', '%U', '/var/lib/tiebreak-collector/tiebreak.db']).trim()).toBe('tiebreak');

    dpkg(['-i', NEXT_DEB]);
    expect(run('dpkg-query', ['-W', '-f=${db:Status-Status} ${Version}', 'tiebreak-collector'])).toBe(`installed ${NEXT_VERSION}`);
    expect(readFileSync(ENV_FILE, 'utf8')).toContain(`TIEBREAK_PORT=${port}`);
    running = await startAsUnit();
    const after = running as Awaited<ReturnType<typeof startAsUnit>>;
    expect((await fetch(`${after.url}/healthz`)).status).toBe(200);
    // The same database: the token is still there and no new first-start account was made.
    expect(after.output()).not.toMatch(/first start/);
    expect(JSON.parse(asTiebreak(['token', 'list', '--json', '--db', '/var/lib/tiebreak-collector/tiebreak.db']))).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'before-upgrade' })]),
    );
    expect(await stop(running.child)).toBe(0);

    dpkg(['--purge', 'tiebreak-collector']);
    expect(spawnSync('dpkg-query', ['-W', '-f=${db:Status-Status}', 'tiebreak-collector'], { encoding: 'utf8' }).stdout).not.toBe('installed');
    for (const path of ['/usr/bin/tiebreak-collector', '/usr/lib/tiebreak-collector', UNIT, ENV_FILE, '/var/lib/tiebreak-collector/tiebreak.db'])
      expect(existsSync(path)).toBe(false);
  });
});
