import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, readConfig, writeConfig } from './config.ts';
import { dailyTime, taskXml } from './windows/tasks.ts';
import { tempDir } from '../../test/helpers.ts';

describe('agent configuration', () => {
  it('is written readable by its owner only, and read back', () => {
    const file = join(tempDir(), 'etc', 'agent.json');
    writeConfig({ server: 'https://tiebreak.mairie.fr', token: 'tbk_0123456789abcdef' }, file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readConfig(file)).toEqual({ server: 'https://tiebreak.mairie.fr', token: 'tbk_0123456789abcdef', schedule: '0 9 * * *' });
  });

  it('names the wrong value and writes nothing', () => {
    const file = join(tempDir(), 'agent.json');
    expect(() => writeConfig({ server: 'not a url', token: 'tbk_0123456789abcdef' }, file)).toThrow(/server must be a URL/);
    expect(() => readFileSync(file)).toThrow();
    writeFileSync(file, '{"server": "https://x.fr", "token": "tbk_0123456789", "colour": "blue"}');
    expect(() => readConfig(file)).toThrow(ConfigError);
    expect(() => readConfig(file)).toThrow(/colour/);
    expect(readConfig(join(tempDir(), 'missing.json'))).toBeNull();
  });
});

describe('Windows scheduled task', () => {
  it('runs send as SYSTEM at startup and daily at the configured time with a random delay', () => {
    const xml = taskXml('C:\\Program Files\\tiebreak\\tiebreak-agent.exe', '30 8 * * *');
    expect(xml).toContain('<UserId>S-1-5-18</UserId>');
    expect(xml).toContain('<StartBoundary>2026-01-01T08:30:00</StartBoundary>');
    expect(xml).toContain('<RandomDelay>PT2H</RandomDelay>');
    expect(xml).toContain('<Command>C:\\Program Files\\tiebreak\\tiebreak-agent.exe</Command><Arguments>send</Arguments>');
    expect(dailyTime('*/5 * * * *')).toBe('09:00:00');
    expect(taskXml('C:\\a&b<c>\\x.exe')).toContain('C:\\a&amp;b&lt;c&gt;\\x.exe');
  });
});

describe('the authority CA given at installation', () => {
  it('configure --ca copies a valid PEM beside the configuration, private, and names it in ca_file', async () => {
    const { execFileSync } = await import('node:child_process');
    const { runCli } = await import('../../test/helpers.ts');
    const dir = tempDir();
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(dir, 'ca.key'),
        '-out',
        join(dir, 'share-ca.pem'),
        '-days',
        '2',
        '-subj',
        '/CN=Mairie Test CA',
      ],
      { stdio: 'ignore' },
    );
    const config = join(dir, 'etc', 'agent.json');
    const args = ['configure', '--server', 'https://tiebreak.mairie.fr', '--token', 'tbk_0123456789abcdef', '--config', config];
    const done = await runCli('agent', [...args, '--ca', join(dir, 'share-ca.pem')]);
    expect(done.stderr).toBe('');
    const copied = join(dir, 'etc', 'ca.pem');
    expect(readConfig(config)?.ca_file).toBe(copied);
    expect(statSync(copied).mode & 0o777).toBe(0o600);
    expect(readFileSync(copied, 'utf8')).toContain('-----BEGIN CERTIFICATE-----');
    // The MSI passes an empty CA_FILE when none is given.
    expect((await runCli('agent', [...args, '--ca', ''])).code).toBe(0);
    expect(readConfig(config)?.ca_file).toBeUndefined();
    writeFileSync(join(dir, 'not-a-ca.pem'), 'hello');
    const refused = await runCli('agent', [...args, '--ca', join(dir, 'not-a-ca.pem')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/holds no PEM certificate/);
    const missing = await runCli('agent', [...args, '--ca', join(dir, 'nowhere.pem')]);
    expect(missing.stderr).toMatch(/cannot read the CA file/);
  }, 30_000);
});
