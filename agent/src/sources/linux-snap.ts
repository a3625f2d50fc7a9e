// Snap packages (Ubuntu and others), from `snap list`.
import type { SoftwareItem } from '@tiebreak/shared';
import { clean, skipped, type InventorySource } from './types.ts';

/** `snap list` prints aligned columns: Name Version Rev Tracking Publisher Notes. */
export function parseSnapList(stdout: string): SoftwareItem[] {
  const lines = stdout.split('\n').filter((line) => line.trim());
  const header = lines.shift();
  if (!header || !/^Name\s+Version/.test(header)) return [];
  const items: SoftwareItem[] = [];
  for (const line of lines) {
    const [name, version, , , publisher] = line.trim().split(/\s+/);
    if (!name) continue;
    // Verified publishers carry a mark: "canonical**" (--unicode=never) or "canonical✓" (or ✪).
    // Escaped: one character above U+00FF in the bundle makes V8 hold all its source as UTF-16.
    const publisherName = publisher && publisher !== '-' ? publisher.replace(/(\*\*|\u2713|\u272a)$/u, '') : null;
    items.push({
      name: clean(name)!,
      version: clean(version, 256),
      publisher: clean(publisherName),
      source: 'snap',
      scope: 'machine',
      package: clean(name),
    });
  }
  return items;
}

export const linuxSnap: InventorySource = {
  id: 'linux-snap',
  platforms: ['linux'],
  async collect(context) {
    const result = await context.run('snap', ['list', '--unicode=never', '--color=never']);
    if (!result.ok) return skipped(context, this.id, result.detail);
    return { software: parseSnapList(result.stdout) };
  },
};
