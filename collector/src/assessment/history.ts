// The trajectory: one snapshot of the indicators for each day that had new data, kept, and the
// targets the authority sets itself per indicator and year (e.g. an exposure of 30 in 2030).
import { AREAS } from '@tiebreak/shared';
import { DomainError } from '../errors.ts';
import { rows, sql, type Db } from '../store/db.ts';
import type { Assessment, Indicators } from './compute.ts';

/** The indicators a snapshot keeps, and a target may be set for (all 0 to 100). */
export const TRACKED = [
  'exposure',
  ...AREAS.map((a) => `exposure.${a}` as const),
  'lock_in',
  'priority',
  ...AREAS.map((a) => `priority.${a}` as const),
  'non_eu_installations_share',
  'non_eu_spend_share',
  'unknown_share',
  'critical_dependencies',
] as const;
export type Tracked = (typeof TRACKED)[number];

export interface Snapshot {
  day: string;
  computed_at: string;
  values: Partial<Record<Tracked, number | null>>;
  overall: Indicators;
  areas: Assessment['areas'];
  uncertainty: Assessment['uncertainty'];
}

/** The tracked values of an assessment. */
export function trackedValues(a: Assessment): Record<Tracked, number | null> {
  return {
    exposure: a.overall.exposure,
    'exposure.infrastructure': a.areas.infrastructure.exposure,
    'exposure.workstation': a.areas.workstation.exposure,
    'exposure.software': a.areas.software.exposure,
    lock_in: a.overall.lock_in,
    priority: a.overall.priority,
    'priority.infrastructure': a.areas.infrastructure.priority,
    'priority.workstation': a.areas.workstation.priority,
    'priority.software': a.areas.software.priority,
    non_eu_installations_share: a.overall.installations.by_origin.non_eu.share,
    non_eu_spend_share: a.overall.spend.by_origin.non_eu.share,
    unknown_share: a.uncertainty.unknown_share,
    critical_dependencies: a.overall.critical_dependencies,
  };
}

/**
 * Keep the assessment as the snapshot of its day: the latest computation of a day wins, whichever
 * commits last. One upsert, so collector processes taking it at once neither fail nor duplicate.
 */
export async function recordSnapshot(db: Db, a: Assessment, day = a.generated_at.slice(0, 10)): Promise<string> {
  const snapshot = { values: trackedValues(a), overall: a.overall, areas: a.areas, uncertainty: a.uncertainty };
  await sql`INSERT INTO assessment_snapshots (day, computed_at, indicators) VALUES (${day}, ${a.generated_at}, ${JSON.stringify(snapshot)})
    ON CONFLICT (day) DO UPDATE SET computed_at = excluded.computed_at, indicators = excluded.indicators
    WHERE assessment_snapshots.computed_at <= excluded.computed_at`.execute(db);
  return day;
}

/**
 * Snapshots before method 2 kept one combined "index" per scope: the same formula as today's
 * priority index, so they are read as such (their exposure was not computed: left empty).
 */
function upgradeValues(values: Record<string, number | null | undefined>): Snapshot['values'] {
  const out: Record<string, number | null | undefined> = { ...values };
  for (const [key, value] of Object.entries(values))
    if (key === 'index' || key.startsWith('index.')) {
      out[`priority${key.slice(5)}`] ??= value;
      delete out[key];
    }
  return out as Snapshot['values'];
}

export async function snapshots(db: Db): Promise<Snapshot[]> {
  const stored = await rows<{ day: string; computed_at: string; indicators: string }>(
    db,
    sql`SELECT day, computed_at, indicators FROM assessment_snapshots ORDER BY day`,
  );
  return stored.map((r) => {
    const stored = JSON.parse(r.indicators) as Omit<Snapshot, 'day' | 'computed_at'>;
    return { day: r.day, computed_at: r.computed_at, ...stored, values: upgradeValues(stored.values as Record<string, number | null>) };
  });
}

export interface Target {
  indicator: Tracked;
  year: number;
  value: number;
}

export async function setTarget(db: Db, indicator: string, year: number, value: number | null): Promise<void> {
  if (!(TRACKED as readonly string[]).includes(indicator))
    throw new DomainError('invalid', `unknown indicator "${indicator.slice(0, 60)}"; one of: ${TRACKED.join(', ')}`, 'targetIndicator', {
      indicator: indicator.slice(0, 60),
    });
  if (!Number.isInteger(year) || year < 2000 || year > 2100)
    throw new DomainError('invalid', `the year of a target is between 2000 and 2100, not ${year}`, 'targetYear');
  if (value === null) {
    await sql`DELETE FROM assessment_targets WHERE indicator = ${indicator} AND year = ${year}`.execute(db);
    return;
  }
  const max = indicator === 'critical_dependencies' ? 1_000_000 : 100;
  if (!Number.isFinite(value) || value < 0 || value > max)
    throw new DomainError('invalid', `the target of ${indicator} is a number from 0 to ${max}, not ${value}`, 'targetValue', { max });
  await sql`INSERT INTO assessment_targets (indicator, year, value) VALUES (${indicator}, ${year}, ${value})
    ON CONFLICT (indicator, year) DO UPDATE SET value = excluded.value`.execute(db);
}

export async function targets(db: Db): Promise<Target[]> {
  return rows<Target>(db, sql`SELECT indicator, year, value FROM assessment_targets ORDER BY indicator, year`);
}

/** The history as the API and the report give it: a series per tracked indicator, with its targets. */
export interface History {
  days: string[];
  series: Record<Tracked, (number | null)[]>;
  targets: Target[];
}

export async function history(db: Db): Promise<History> {
  const all = await snapshots(db);
  const series = Object.fromEntries(TRACKED.map((t) => [t, all.map((s) => s.values[t] ?? null)])) as Record<Tracked, (number | null)[]>;
  return { days: all.map((s) => s.day), series, targets: await targets(db) };
}
