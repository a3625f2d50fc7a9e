// `pnpm build:msi` as a user runs it, then the MSI's tables read back with msiinfo (msitools).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, beforeAll } from 'vitest';
import { ROOT, pnpmScript, tempDir } from './helpers.ts';

const MSI = `${ROOT}/dist/tiebreak-agent.msi`;
const table = (name: string) =>
  execFileSync('msiinfo', ['export', MSI, name], { encoding: 'utf8' })
    .split(/\r?\n/)
    .slice(3)
    .filter(Boolean)
    .map((line) => line.split('\t'));

beforeAll(async () => {
  await pnpmScript('build:msi');
}, 600_000);

describe('the Windows installer', () => {
  it('installs the executable under Program Files (64-bit) and keeps data under ProgramData', () => {
    expect(table('File')).toContainEqual(expect.arrayContaining(['AgentExe', 'AgentExecutable', 'tiebreak-agent.exe']));
    const directories = new Map(table('Directory').map(([id, parent, name]) => [id, { parent, name }]));
    expect(directories.get('INSTALLDIR')).toEqual({ parent: 'ProgramFiles64Folder', name: 'tiebreak' });
    expect(directories.get('DATADIR')).toEqual({ parent: 'CommonAppDataFolder', name: 'tiebreak' });
    expect(table('Component').find(([id]) => id === 'AgentExecutable')![3]).toBe('256'); // 64-bit component
  });

  it('takes SERVER, TOKEN and SCHEDULE, secure for managed installs, the token hidden from logs', () => {
    const properties = new Map(table('Property').map(([name, value]) => [name, value]));
    expect(properties.get('SecureCustomProperties')!.split(';')).toEqual(expect.arrayContaining(['SERVER', 'TOKEN', 'SCHEDULE', 'CA_FILE']));
    expect(properties.get('MsiHiddenProperties')).toBe('TOKEN');
    expect(properties.get('SCHEDULE')).toBe('0 9 * * *');
    expect(properties.get('ALLUSERS')).toBe('1');
  });

  it('upgrades in place: a stable UpgradeCode with major upgrade and downgrade protection', () => {
    const properties = new Map(table('Property').map(([name, value]) => [name, value]));
    expect(properties.get('UpgradeCode')).toBe('{6D1B2C1E-7A48-4C3F-9E55-2B8A0C4D9F31}');
    const upgrades = table('Upgrade');
    expect(upgrades.map((row) => row.at(-1))).toEqual(expect.arrayContaining(['WIX_UPGRADE_DETECTED', 'WIX_DOWNGRADE_DETECTED']));
    expect(table('InstallExecuteSequence').map(([action]) => action)).toContain('RemoveExistingProducts');
  });

  it('writes the configuration and registers the task as SYSTEM, and undoes both', () => {
    const actions = new Map(table('CustomAction').map(([action, type, source, target]) => [action, { type: Number(type), source, target }]));
    const deferredSystem = 1024 | 2048;
    expect(actions.get('WriteConfiguration')).toMatchObject({
      source: 'AgentExe',
      target: expect.stringContaining('configure --server "[SERVER]" --token "[TOKEN]"'),
    });
    expect(actions.get('WriteConfiguration')!.target).toContain('--ca "[CA_FILE]"');
    expect(actions.get('WriteConfiguration')!.type & deferredSystem).toBe(deferredSystem);
    expect(actions.get('RegisterTasks')!.type & deferredSystem).toBe(deferredSystem);
    expect(actions.get('RegisterTasks')!.target).toMatch(/^task install/);
    expect(actions.get('RemoveTasks')!.target).toMatch(/^task remove --config/);
    expect(actions.get('RollbackConfiguration')!.type & 256).toBe(256);
    const sequence = new Map(table('InstallExecuteSequence').map(([action, condition, order]) => [action, { condition, order: Number(order) }]));
    const at = (action: string) => sequence.get(action)!.order;
    expect(at('WriteConfiguration')).toBeGreaterThan(at('InstallFiles'));
    expect(at('RollbackConfiguration')).toBeLessThan(at('WriteConfiguration'));
    expect(at('RegisterTasks')).toBeGreaterThan(at('WriteConfiguration'));
    expect(at('RemoveTasks')).toBeGreaterThan(at('InstallInitialize'));
    expect(at('RemoveTasks')).toBeLessThan(at('RemoveFiles'));
    for (const action of ['WriteConfiguration', 'RegisterTasks', 'RemoveTasks']) expect(at(action)).toBeLessThan(at('InstallFinalize'));
    expect(sequence.get('WriteConfiguration')!.condition).toBe('SERVER AND TOKEN AND NOT REMOVE');
    expect(sequence.get('RemoveTasks')!.condition).toBe('REMOVE="ALL" AND NOT UPGRADINGPRODUCTCODE');
  });
});

/** A code-signing certificate as an authority's PKI issues it: a CA, and a leaf for code signing. */
function codeSigningCertificate(): { dir: string; ca: string; cert: string; key: string } {
  const dir = tempDir('tiebreak-sign-');
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Mairie Test Code Signing CA');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'sign.key', '-out', 'sign.csr', '-subj', '/CN=Mairie de Test/O=Mairie de Test');
  writeFileSync(join(dir, 'ext.cnf'), 'extendedKeyUsage=codeSigning\nkeyUsage=digitalSignature\n');
  openssl('x509', '-req', '-in', 'sign.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'sign.pem', '-days', '2', '-extfile', 'ext.cnf');
  return { dir, ca: join(dir, 'ca.pem'), cert: join(dir, 'sign.pem'), key: join(dir, 'sign.key') };
}

function pnpm(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('pnpm', ['-s', ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('code signing', () => {
  it('signs the executable and the MSI with the authority certificate given to the build', async () => {
    const signing = codeSigningCertificate();
    const built = await pnpm(['build:msi', '--sign-cert', signing.cert, '--sign-key', signing.key]);
    expect(built.stderr).not.toMatch(/could not sign/);
    expect(built.code).toBe(0);
    for (const file of [MSI, `${ROOT}/dist/tiebreak-agent-win-x64.exe`]) {
      const verify = spawnSync('osslsigncode', ['verify', '-CAfile', signing.ca, '-in', file], { encoding: 'utf8' });
      expect(verify.stdout, verify.stderr).toMatch(/Signature verification: ok/);
      expect(verify.stdout).toContain('Mairie de Test');
    }
    // Signed by someone else's CA: the verification fails.
    const other = codeSigningCertificate();
    expect(spawnSync('osslsigncode', ['verify', '-CAfile', other.ca, '-in', MSI], { encoding: 'utf8' }).status).not.toBe(0);
  }, 900_000);

  it('refuses half a signing configuration before building anything', async () => {
    const signing = codeSigningCertificate();
    const refused = await pnpm(['build:msi', '--sign-cert', signing.cert]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/--sign-cert and --sign-key together/);
  }, 120_000);
});
