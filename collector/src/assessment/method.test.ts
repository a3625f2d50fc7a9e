// Each formula of docs/methodology.md, pinned with values worked out by hand.
import { describe, expect, it } from 'vitest';
import type { Region } from '@tiebreak/shared';
import { parseAmount } from './inputs.ts';
import { dependencyScore, indexRange, originWeight, replaceability, seal, weightedIndex } from './method.ts';

const regions: Record<string, Region> = { FR: 'eea', DE: 'eea', SK: 'eea', GB: 'europe', CH: 'europe', US: 'other', CN: 'other' };
const regionOf = (c: string | undefined) => (c ? (regions[c] ?? 'other') : 'other');

describe('origin weight', () => {
  it('follows the table of the method', () => {
    expect(originWeight('non_eu', 'proprietary', 'other')).toBe(1);
    expect(originWeight('non_eu', 'proprietary', 'eea')).toBe(0.75); // Vade (FR) owned by Proofpoint (US)
    expect(originWeight('non_eu', 'proprietary', 'europe')).toBe(0.75); // Sophos (GB) owned by Thoma Bravo (US)
    expect(originWeight('europe', 'proprietary', 'europe')).toBe(0.5);
    expect(originWeight('eu', 'proprietary', 'eea')).toBe(0.25);
    expect(originWeight('eu', 'open_source', 'eea')).toBe(0);
    expect(originWeight('community', 'open_source', null)).toBe(0.1);
    expect(originWeight('unknown', 'unknown', null)).toBeNull();
  });
});

describe('replaceability', () => {
  const alt = (id: string, licence: 'open_source' | 'proprietary', country: string | undefined, maturity: 'mature' | 'usable' | 'emerging', migration?: 'easy' | 'moderate' | 'hard') => ({
    id,
    name: id,
    licence,
    country,
    maturity,
    migration,
  });
  it('is the best qualifying alternative: maturity × migration', () => {
    // LibreOffice (mature, open source) for an office suite (hard): 1 × 0.4.
    expect(replaceability([alt('libreoffice', 'open_source', 'DE', 'mature')], 'hard', regionOf)).toEqual({ score: 0.4, best: { id: 'libreoffice', name: 'libreoffice', maturity: 'mature', migration: 'hard' } });
    // A usable European alternative, moderate by default: 0.6 × 0.7 = 0.42; an emerging easy one: 0.3.
    expect(replaceability([alt('a', 'proprietary', 'FR', 'usable'), alt('b', 'open_source', undefined, 'emerging', 'easy')], 'moderate', regionOf).score).toBe(0.42);
    // A UK alternative counts (European outside the EEA); a US proprietary one does not.
    expect(replaceability([alt('uk', 'proprietary', 'GB', 'mature')], 'easy', regionOf).score).toBe(1);
    expect(replaceability([alt('us', 'proprietary', 'US', 'mature')], 'easy', regionOf)).toEqual({ score: 0, best: null });
    expect(replaceability([], 'easy', regionOf).score).toBe(0);
  });
});

describe('dependency score and index', () => {
  it('scores 100 × w × c/3 × (1 − r)', () => {
    expect(dependencyScore(1, 3, 0.4)).toBe(60); // Microsoft 365 Apps
    expect(dependencyScore(0.75, 3, 0.7)).toBe(22.5); // Sophos
    expect(dependencyScore(0.1, 1, 0)).toBe(3.33); // a Debian package
    expect(dependencyScore(1, 2, 1)).toBe(0);
  });
  it('weights the index by installations, and gives its range with the unknown items', () => {
    const items = [
      { score: 60, installations: 200 },
      { score: 10, installations: 50 },
    ];
    // (200 × 60 + 50 × 10) / 250 = 12 500 / 250 = 50.
    expect(weightedIndex(items)).toBe(50);
    expect(weightedIndex([])).toBeNull();
    // With 250 unknown installations: 12 500 / 500 = 25 to (12 500 + 25 000) / 500 = 75.
    expect(indexRange(items, 250)).toEqual({ low: 25, high: 75 });
    expect(indexRange([], 0)).toBeNull();
  });
});

describe('SEAL levels by the weakest link', () => {
  const base = { ownerLaws: [] as string[], hardware: false };
  it('places each case of the method', () => {
    expect(seal({ ...base, origin: 'eu', licence: 'open_source', headquartersRegion: 'eea' }).level).toBe(4);
    expect(seal({ ...base, origin: 'eu', licence: 'proprietary', headquartersRegion: 'eea' })).toEqual({
      level: 3,
      objectives: { 'SOV-1': 'met', 'SOV-2': 'met', 'SOV-5': 'not_applicable', 'SOV-6': 'not_met' },
    });
    expect(seal({ ...base, origin: 'europe', licence: 'proprietary', headquartersRegion: 'europe' }).level).toBe(2);
    expect(seal({ origin: 'non_eu', licence: 'proprietary', headquartersRegion: 'eea', ownerLaws: ['CLOUD Act'], hardware: false })).toEqual({
      level: 1,
      objectives: { 'SOV-1': 'not_met', 'SOV-2': 'not_met', 'SOV-5': 'not_applicable', 'SOV-6': 'not_met' },
    });
    expect(seal({ origin: 'non_eu', licence: 'proprietary', headquartersRegion: 'other', ownerLaws: ['National Intelligence Law'], hardware: true }).objectives['SOV-5']).toBe('not_met');
    expect(seal({ ...base, origin: 'community', licence: 'open_source', headquartersRegion: null })).toEqual({
      level: null,
      objectives: { 'SOV-1': 'not_applicable', 'SOV-2': 'not_applicable', 'SOV-5': 'not_applicable', 'SOV-6': 'met' },
    });
  });
});

describe('amounts as finance exports write them', () => {
  it('reads French and English notations, and refuses what is not an amount', () => {
    expect(parseAmount('12 345,67 €')).toBe(1_234_567);
    expect(parseAmount('12345.67')).toBe(1_234_567);
    expect(parseAmount('1.234,50')).toBe(123_450);
    expect(parseAmount('1,234.50')).toBe(123_450);
    expect(parseAmount('1.234')).toBe(123_400);
    expect(parseAmount('1,5')).toBe(150);
    expect(parseAmount('95000 EUR')).toBe(9_500_000);
    for (const bad of ['', 'abc', '-5', '12,3456', '1,23,4', '1.', '€']) expect(parseAmount(bad), bad).toBeNull();
  });
});
