// What an agent's spool holds when it sends, reported to the collector in a request header so that
// the DSI sees agents with a backlog: inventories waiting behind this one, set aside as refused,
// and when the oldest waiting one was collected.
export const SPOOL_HEADER = 'x-tiebreak-spool';

export interface SpoolState {
  /** Inventories waiting behind the one being sent. */
  waiting: number;
  /** Inventories the collector refused, set aside and not retried. */
  rejected: number;
  /** Collection time of the oldest inventory still to deliver (the one being sent). */
  oldest: string | null;
}

export function formatSpoolHeader(state: SpoolState): string {
  return `waiting=${state.waiting}; rejected=${state.rejected}${state.oldest ? `; oldest=${state.oldest}` : ''}`;
}

/** The state an agent reported, or null for a missing or malformed header (never trusted further). */
export function parseSpoolHeader(value: string | null | undefined): SpoolState | null {
  if (!value || value.length > 200) return null;
  const fields = new Map<string, string>();
  for (const part of value.split(';')) {
    const [key, ...rest] = part.split('=');
    if (!key || !rest.length) return null;
    fields.set(key.trim(), rest.join('=').trim());
  }
  const count = (key: string) => {
    const text = fields.get(key);
    return text !== undefined && /^\d{1,6}$/.test(text) ? Number(text) : null;
  };
  const waiting = count('waiting');
  const rejected = count('rejected');
  const oldest = fields.get('oldest') ?? null;
  if (waiting === null || rejected === null) return null;
  if (oldest !== null && (!/^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(oldest) || Number.isNaN(Date.parse(oldest)))) return null;
  return { waiting, rejected, oldest };
}
