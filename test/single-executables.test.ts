// `pnpm build:agent` as a user runs it, then both executables run a real scan: the Linux one here,
// the Windows one under wine with an entry added to wine's registry Uninstall keys.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InventorySchema } from '@tiebreak/shared';
import { ROOT, pnpmScript, tempDir } from './helpers.ts';

const WINE = ['/usr/lib/wine/wine64', '/usr/bin/wine64'].find((path) => existsSync(path));
const LINUX_EXE = join(ROOT, 'dist', 'tiebreak-agent-linux-x64');
const WINDOWS_EXE = join(ROOT, 'dist', 'tiebreak-agent-win-x64.exe');

beforeAll(async () => {
  await pnpmScript('build:agent');
}, 600_000);

describe('single executables', () => {
  it('the linux-x64 executable scans this machine into a valid inventory', () => {
    const out = join(tempDir(), 'scan.json');
    const run = spawnSync(LINUX_EXE, ['scan', '--output', out], { encoding: 'utf8', timeout: 120_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(InventorySchema.safeParse(JSON.parse(readFileSync(out, 'utf8'))).success).toBe(true);
    expect(spawnSync(LINUX_EXE, ['--version'], { encoding: 'utf8' }).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('the executables trust the operating system certificate store (the Windows store on Windows)', async () => {
    const dir = tempDir();
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Mairie Test CA');
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
    writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
    openssl(
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.pem',
      '-days',
      '2',
      '-extfile',
      'ext.cnf',
    );
    // A real TLS server signed by the test CA; it answers every request with a refusal the agent prints.
    const server = createServer({ key: readFileSync(join(dir, 'server.key')), cert: readFileSync(join(dir, 'server.pem')) }, (_req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"reached over verified TLS"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const send = (stateDir: string, env: NodeJS.ProcessEnv) =>
      new Promise<string>((resolve) => {
        const child = spawn(LINUX_EXE, ['send', '--server', url, '--token', 'tbk_0123456789abcdef', '--state-dir', join(dir, stateDir)], {
          env: { ...process.env, ...env },
        });
        let stderr = '';
        child.stderr.on('data', (d) => (stderr += d));
        child.on('exit', () => resolve(stderr));
      });
    try {
      // The CA is in no store: refused.
      expect(await send('a1', { SSL_CERT_FILE: '/nonexistent.pem', SSL_CERT_DIR: '/nonexistent' })).toMatch(/unable to verify|self-signed|local issuer/);
      // The CA in the system store (OpenSSL's on Linux): trusted with no --ca, by the baked --use-system-ca.
      expect(await send('a2', { SSL_CERT_FILE: join(dir, 'ca.pem') })).toMatch(/HTTP 401\): reached over verified TLS/);
    } finally {
      server.close();
    }
  }, 120_000);

  it.runIf(process.platform === 'linux')('wine is installed (the CI installs it: the Windows smoke test must not be skipped)', () => {
    expect(WINE, 'wine64 not found: apt-get install wine64').toBeDefined();
  });

  it.runIf(!!WINE)('the win-x64 executable scans under wine and sees entries added to the Uninstall keys', () => {
    const prefix = tempDir('tiebreak-wine-');
    const env = { ...process.env, WINEPREFIX: prefix, WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree,mshtml=' };
    const wine = (args: string[]) => spawnSync(WINE!, args, { env, encoding: 'utf8', timeout: 300_000 });
    wine(['wineboot', '--init']);
    // Node 22 refuses Windows versions older than 8.1: declare Windows 10, as on a real workstation.
    wine(['reg', 'add', 'HKCU\\Software\\Wine', '/v', 'Version', '/d', 'win10', '/f']);
    const key = 'HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\TiebreakSmokeTest';
    expect(wine(['reg', 'add', key, '/v', 'DisplayName', '/d', 'Logiciel Métier de Test', '/f']).status).toBe(0);
    expect(wine(['reg', 'add', key, '/v', 'Publisher', '/d', 'Éditeur Régional', '/f']).status).toBe(0);
    expect(wine(['reg', 'add', key, '/v', 'DisplayVersion', '/d', '2.4.1', '/f']).status).toBe(0);
    const out = join(prefix, 'scan.json');
    // Under wine, Node's standard output must go to a file, not a pipe.
    const run = spawnSync(
      'sh',
      ['-c', `"${WINE}" "${WINDOWS_EXE}" scan --output "Z:${out.replaceAll('/', '\\')}" > "${prefix}/stdout.txt" 2> "${prefix}/stderr.txt"`],
      {
        env,
        timeout: 300_000,
      },
    );
    expect(run.status, readFileSync(`${prefix}/stderr.txt`, 'utf8')).toBe(0);
    const inventory = InventorySchema.parse(JSON.parse(readFileSync(out, 'utf8')));
    expect(inventory.os.family).toBe('windows');
    expect(inventory.os.vendor).toBe('Microsoft Corporation');
    expect(inventory.software).toContainEqual(
      expect.objectContaining({ name: 'Logiciel Métier de Test', publisher: 'Éditeur Régional', version: '2.4.1', source: 'registry', scope: 'machine' }),
    );
  });
});
