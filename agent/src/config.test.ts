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
