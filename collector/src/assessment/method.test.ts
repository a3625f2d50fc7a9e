// Each formula of docs/methodology.md, pinned with values worked out by hand.
import { describe, expect, it } from 'vitest';
import type { Origin } from '@tiebreak/shared';
import { parseAmount } from './inputs.ts';
import { weakestLink } from './compute.ts';
import {
  alternativeMisfit,
  candidateAlternatives,
  declaredWeight,
  exposureScore,
  indexRange,
  lockInIndex,
  originWeight,
  priorityScore,
  replaceability,
  seal,
  weightedIndex,
} from './method.ts';

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
  const alt = (id: string, maturity: 'mature' | 'usable' | 'emerging', migration?: 'easy' | 'moderate' | 'hard') => ({ id, name: id, maturity, migration });
  it('is the best alternative that replaces the product: maturity × migration, ties to the first', () => {
    // LibreOffice (mature) for an office suite (hard): 1 × 0.4.
    expect(replaceability([alt('libreoffice', 'mature')], 'hard')).toEqual({
      score: 0.4,
      best: { id: 'libreoffice', name: 'libreoffice', maturity: 'mature', migration: 'hard' },
    });
    // A usable alternative, moderate by default: 0.6 × 0.7 = 0.42; an emerging easy one: 0.3.
    expect(replaceability([alt('a', 'usable'), alt('b', 'emerging', 'easy')], 'moderate').score).toBe(0.42);
    expect(replaceability([alt('first', 'mature', 'moderate'), alt('second', 'usable', 'easy'), alt('third', 'mature')], 'moderate').best?.id).toBe('first');
    expect(replaceability([], 'easy')).toEqual({ score: 0, best: null });
  });
});

describe('alternatives that replace a product', () => {
  const windows = { category: 'os', vendors: new Set(['microsoft']), weight: 1 };
  const alt = (category: string, origin: Origin, weight: number | null, vendors: string[] = []) => ({ category, vendors, origin, weight });
  it('are of its category, of another vendor, European or community, and weigh less', () => {
    expect(alternativeMisfit(windows, alt('os', 'community', 0.1, ['debian']))).toBeNull();
    expect(alternativeMisfit(windows, alt('os', 'europe', 0.5, ['canonical']))).toBeNull();
    expect(alternativeMisfit(windows, alt('os', 'eu', 0, ['suse', 'eqt']))).toBeNull();
    // A backup tool is no operating system.
    expect(alternativeMisfit(windows, alt('backup', 'eu', 0.25, ['atempo']))).toBe('other_category');
    // Firefox ESR (Mozilla, US) lowers nothing; Firefox is no alternative to itself.
    const chrome = { category: 'browser', vendors: new Set(['google', 'alphabet']), weight: 1 };
    expect(alternativeMisfit(chrome, alt('browser', 'non_eu', 1, ['mozilla']))).toBe('not_european_or_community');
    expect(alternativeMisfit({ ...chrome, vendors: new Set(['mozilla']) }, alt('browser', 'non_eu', 1, ['mozilla']))).toBe('same_vendor');
    // A European brand owned from outside Europe is not European.
    expect(alternativeMisfit(chrome, alt('browser', 'non_eu', 0.75, ['sophos', 'thoma-bravo']))).toBe('not_european_or_community');
    // Same owner: a subsidiary of the product's owner.
    expect(
      alternativeMisfit({ category: 'security', vendors: new Set(['sophos', 'thoma-bravo']), weight: 0.75 }, alt('security', 'eu', 0.25, ['x', 'thoma-bravo'])),
    ).toBe('same_vendor');
    // Lower, not equal: AnyDesk (DE, proprietary, 0.25) does not lower TeamViewer (DE, proprietary, 0.25); a community tool (0.1) does.
    const teamviewer = { category: 'remote-access', vendors: new Set(['teamviewer']), weight: 0.25 };
    expect(alternativeMisfit(teamviewer, alt('remote-access', 'eu', 0.25, ['anydesk']))).toBe('not_lower');
    expect(alternativeMisfit(teamviewer, alt('remote-access', 'community', 0.1))).toBeNull();
    // Community LibreOffice (0.1): Collabora (GB, 0.5) does not lower it, an EU open-source suite (0) does.
    const libreoffice = { category: 'office-suite', vendors: new Set(['the-document-foundation']), weight: 0.1 };
    expect(alternativeMisfit(libreoffice, alt('office-suite', 'europe', 0.5, ['collabora']))).toBe('not_lower');
    expect(alternativeMisfit(libreoffice, alt('office-suite', 'eu', 0, ['ascensio']))).toBeNull();
    expect(alternativeMisfit(windows, alt('os', 'unknown', null))).toBe('not_european_or_community');
  });
});

describe('exposure, priority, lock-in and the indices', () => {
  it('scores exposure 100 × w × c/3 and priority exposure × (1 − r)', () => {
    expect(exposureScore(1, 3)).toBe(100); // Microsoft 365 Apps
    expect(priorityScore(1, 3, 0.4)).toBe(60);
    expect(exposureScore(0.75, 3)).toBe(75); // Sophos
    expect(priorityScore(0.75, 3, 0.7)).toBe(22.5);
    expect(exposureScore(0.1, 1)).toBe(3.33); // a Debian package
    expect(priorityScore(1, 2, 1)).toBe(0); // Zoom: fully exposed, but easy to leave
    expect(exposureScore(1, 2)).toBe(66.67);
  });
  it('weights the index, and gives its range with the unknown items', () => {
    const items = [
      { score: 60, weight: 200 },
      { score: 10, weight: 50 },
    ];
    // (200 × 60 + 50 × 10) / 250 = 12 500 / 250 = 50.
    expect(weightedIndex(items)).toBe(50);
    expect(weightedIndex([])).toBeNull();
    // With 250 unknown installations: 12 500 / 500 = 25 to (12 500 + 25 000) / 500 = 75.
    expect(indexRange(items, 250)).toEqual({ low: 25, high: 75 });
    expect(indexRange([], 0)).toBeNull();
  });
  it('gives lock-in as the share of the exposure no alternative relieves', () => {
    // 100 exposed at 100 with r 0.4 (priority 60), 100 at 50 with r 1 (priority 0): 6 000 / 15 000.
    expect(
      lockInIndex([
        { exposure: 100, priority: 60, weight: 100 },
        { exposure: 50, priority: 0, weight: 100 },
      ]),
    ).toBe(40);
    expect(lockInIndex([{ exposure: 0, priority: 0, weight: 10 }])).toBeNull();
  });
  it('weighs a declared asset by its users capped by the fleet, at least 1', () => {
    expect(declaredWeight(20, 6)).toBe(6);
    expect(declaredWeight(3, 6)).toBe(3);
    expect(declaredWeight(0, 6)).toBe(1);
    expect(declaredWeight(50, 0)).toBe(1);
  });
  it('draws the candidates from the product, then its category, each once', () => {
    const a = (id: string) => ({ id });
    expect(candidateAlternatives([a('x'), a('y')], [a('libreoffice'), a('x'), a('collabora')]).map((c) => c.id)).toEqual([
      'x',
      'y',
      'libreoffice',
      'collabora',
    ]);
  });
});

describe('the weakest link', () => {
  it('is the highest exposure, then the highest priority, then the larger weight, then the key', () => {
    const p = (key: string, exposure: number, priority: number, weight: number) => ({ key, exposure, priority, weight });
    expect(weakestLink([p('a', 100, 0, 10), p('b', 75, 75, 100)])?.key).toBe('a');
    expect(weakestLink([p('a', 100, 0, 10), p('b', 100, 60, 1)])?.key).toBe('b');
    expect(weakestLink([p('a', 100, 60, 1), p('b', 100, 60, 5)])?.key).toBe('b');
    expect(weakestLink([p('b', 100, 60, 5), p('a', 100, 60, 5)])?.key).toBe('a');
    expect(weakestLink([])).toBeNull();
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
    expect(
      seal({ origin: 'non_eu', licence: 'proprietary', headquartersRegion: 'other', ownerLaws: ['National Intelligence Law'], hardware: true }).objectives[
        'SOV-5'
      ],
    ).toBe('not_met');
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
