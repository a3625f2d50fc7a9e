// Listings of the command line as aligned tables for a person at a terminal (`--json` gives scripts
// the rows as they are). Names come from agents and people: control characters (a terminal's escape
// sequences) are shown as `?`, never sent to the terminal.
import type { User } from '../accounts/users.ts';
import type { AgentRow, TokenRow } from '../ui/admin-pages.tsx';

const printable = (text: string) => text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');

/** Rows under a header, columns padded to their widest cell, two spaces apart. */
export function formatTable(header: string[], rows: string[][]): string {
  const table = [header, ...rows.map((row) => row.map(printable))];
  const widths = header.map((_, i) => Math.max(...table.map((line) => line[i]!.length)));
  return `${table.map((line) => line.map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n')}\n`;
}

/** An ISO time to the minute, or '-'. */
export const minute = (iso: string | null | undefined) => (iso ? iso.slice(0, 16).replace('T', ' ') : '-');

/** The tokens as a table; with an ENTITY column (the names given) once a token is issued for an entity. */
export function formatEnrolmentTokens(rows: TokenRow[], now = new Date(), entityNames: ReadonlyMap<number, string> = new Map()): string {
  if (!rows.length) return "no enrolment tokens (create one with 'token create --name NAME')\n";
  const state = (r: TokenRow) =>
    r.revoked_at
      ? 'revoked'
      : r.expires_at && r.expires_at <= now.toISOString()
        ? 'expired'
        : r.max_uses !== null && r.uses >= r.max_uses
          ? 'used up'
          : 'active';
  const withEntities = rows.some((r) => r.entity_id !== null && r.entity_id !== undefined);
  const entity = (r: TokenRow) => (r.entity_id === null || r.entity_id === undefined ? 'root' : (entityNames.get(r.entity_id) ?? `#${r.entity_id}`));
  return formatTable(
    ['ID', 'NAME', 'STATE', 'USES', 'CREATED', 'EXPIRES', ...(withEntities ? ['ENTITY'] : [])],
    rows.map((r) => [
      String(r.id),
      r.name,
      state(r),
      r.max_uses === null ? String(r.uses) : `${r.uses}/${r.max_uses}`,
      minute(r.created_at),
      r.expires_at ? minute(r.expires_at) : 'never',
      ...(withEntities ? [entity(r)] : []),
    ]),
  );
}

export function formatAgents(rows: AgentRow[]): string {
  if (!rows.length) return 'no agents enrolled yet\n';
  const state = (r: AgentRow) =>
    r.approval === 'pending'
      ? `awaiting approval (host of agent ${r.claimed_by ?? '?'})`
      : r.approval === 'refused'
        ? 'refused'
        : r.revoked_at
          ? 'revoked'
          : 'active';
  const spool = (r: AgentRow) => (r.spool_waiting || r.spool_rejected ? `${r.spool_waiting ?? 0} waiting, ${r.spool_rejected ?? 0} rejected` : '-');
  return formatTable(
    ['ID', 'HOSTNAME', 'PROTOCOL', 'VERSION', 'STATE', 'ENROLLED', 'LAST SEEN', 'SPOOL'],
    rows.map((r) => [String(r.id), r.hostname, r.protocol, r.agent_version ?? '-', state(r), minute(r.enrolled_at), minute(r.last_seen_at), spool(r)]),
  );
}

export function formatUsers(rows: User[]): string {
  if (!rows.length) return "no accounts (add one with 'user add NAME --role admin')\n";
  return formatTable(
    ['USER', 'ROLE', 'CREATED', 'LAST LOGIN', 'PASSWORD'],
    rows.map((r) => [r.username, r.role, minute(r.created_at), minute(r.last_login_at), r.must_change_password ? 'one-time (to change at login)' : 'set']),
  );
}
