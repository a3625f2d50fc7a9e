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

/** Each entry of a host's installations with its distinct versions. */
export function versionsByEntry(rows: readonly InstallationRow[]): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const [id, version] of rows) {
    const versions = out.get(id);
    if (!versions) out.set(id, [version]);
    else if (versions.at(-1) !== version) versions.push(version); // rows are sorted by entry, then version
  }
  return out;
}
