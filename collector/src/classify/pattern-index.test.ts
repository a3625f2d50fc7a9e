import { describe, expect, it } from 'vitest';
import { PatternIndex, requiredFirstWords } from './pattern-index.ts';

describe('pattern index', () => {
  it.each([
    ['^google cloud (cli|sdk)\\b', ['google']],
    ['^(optiplex|latitude|precision)\\b', ['optiplex', 'latitude', 'precision']],
    ['^notepad\\+\\+', null],
    ['^notepad\\+\\+ ', ['notepad++']],
    ['^wapt', null],
    ['^e ?magnus\\b', null],
    ['^(microsoft )?windows (10|11)\\b', null],
    ['^st\\d{3,5}[a-z]{2}', null],
    ['^(ms [0-9a-f]{4}|mag|mpg)\\b', ['ms', 'mag', 'mpg']],
    ['vlc', null],
  ])('%s needs a first word in %j', (pattern, words) => {
    expect(requiredFirstWords(pattern)).toEqual(words);
  });

  it('keeps rule order across indexed and general patterns', () => {
    const index = new PatternIndex([
      { pattern: '^(microsoft )?windows\\b', ref: 'general-first' },
      { pattern: '^windows server\\b', ref: 'indexed-second' },
      { pattern: '^wapt', ref: 'wapt' },
    ]);
    expect(index.match('windows server 2022')).toBe('general-first');
    expect(index.match('waptsetup')).toBe('wapt');
    expect(index.match('linux')).toBeNull();
    const reversed = new PatternIndex([
      { pattern: '^windows server\\b', ref: 'indexed-first' },
      { pattern: '^(microsoft )?windows\\b', ref: 'general-second' },
    ]);
    expect(reversed.match('windows server 2022')).toBe('indexed-first');
  });
});
