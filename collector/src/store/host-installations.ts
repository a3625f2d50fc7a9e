// A host's installations as stored: one row per host in host_installations, a JSON array of
// [catalogue_id, version, scope, arch] sorted by entry then version, scope and architecture.
export type InstallationRow = [catalogueId: number, version: string, scope: string, arch: string];

/** Strings in code-unit order, the same on every machine (no locale). */
export const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export const compareRows = (a: InstallationRow, b: InstallationRow) =>
  a[0] - b[0] || compareText(a[1], b[1]) || compareText(a[2], b[2]) || compareText(a[3], b[3]);

/** Rows sorted and without duplicates: the text of equal installations is equal. */
export function canonicalRows(rows: InstallationRow[]): InstallationRow[] {
  rows.sort(compareRows);
  return rows.filter((row, i) => i === 0 || compareRows(rows[i - 1]!, row) !== 0);
}

export const parseInstallations = (text: string | null | undefined): InstallationRow[] => (text ? (JSON.parse(text) as InstallationRow[]) : []);

/** Where the rows of entry `id` that start at `from` end (`from` itself when there are none). */
export function endOfEntry(rows: readonly InstallationRow[], from: number, id: number): number {
  let end = from;
  while (end < rows.length && rows[end]![0] === id) end++;
  return end;
}

/** The distinct versions of rows[from..to) of one entry (sorted by version within an entry). */
export function distinctVersions(rows: readonly InstallationRow[], from: number, to: number): string[] {
  const versions: string[] = [];
  for (let k = from; k < to; k++) if (versions.at(-1) !== rows[k]![1]) versions.push(rows[k]![1]);
  return versions;
}
