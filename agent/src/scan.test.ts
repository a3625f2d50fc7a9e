import { describe, expect, it } from 'vitest';
import { InventorySchema, hostIdentity } from '@tiebreak/shared';
import { createLogger } from './log.ts';
import { dedupeSoftware, scan } from './scan.ts';
import type { InventorySource } from './sources/types.ts';

describe('scan', () => {
  it('scans this machine into a valid inventory', async () => {
    const inventory = await scan();
    expect(InventorySchema.safeParse(inventory).success).toBe(true);
    expect(inventory.host.id).toMatch(/^[0-9a-f]{64}$/);
    expect(inventory.os.family).toBe(process.platform === 'win32' ? 'windows' : 'linux');
    expect(inventory.os.name.length).toBeGreaterThan(0);
  });

  it('logs and skips a failing source instead of failing the scan', async () => {
    const lines: string[] = [];
    const broken: InventorySource = {
      id: 'linux-broken',
      platforms: ['linux'],
      collect: async () => {
        throw new Error('boom');
      },
    };
    const working: InventorySource = {
      id: 'linux-working',
      platforms: ['linux'],
      collect: async () => ({
        software: [{ name: 'pkg', version: '1', publisher: null, source: 'dpkg', scope: 'machine' }],
        identity: { machineId: 'abc123' },
      }),
    };
    const inventory = await scan({ sources: [broken, working], log: createLogger('debug', (l) => lines.push(l)) });
    expect(inventory.software.map((s) => s.name)).toEqual(['pkg']);
    expect(lines.some((l) => l.includes('source linux-broken failed: boom'))).toBe(true);
  });

  it('sends no user names: user-scope items carry no account', async () => {
    const inventory = await scan();
    const text = JSON.stringify(inventory);
    const user = process.env.USER ?? process.env.USERNAME;
    if (user && user !== 'root') expect(text).not.toContain(`/home/${user}`);
    expect(text).not.toMatch(/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[a-z]{2,}/);
  });

  it('merges duplicates reported twice by a source', () => {
    const item = { name: 'A', version: '1', publisher: 'P', source: 'registry' as const, scope: 'machine' as const };
    expect(dedupeSoftware([item, { ...item }, { ...item, version: '2' }])).toHaveLength(2);
  });
});

describe('host identity', () => {
  it('prefers the SMBIOS UUID, ignores firmware placeholders, hashes everything', () => {
    const a = hostIdentity({ smbiosUuid: '4C4C4544-0042-4310-8057-B4C04F4E3132', machineId: 'm1', hostname: 'PC-1', serial: 'ABC' });
    const b = hostIdentity({ smbiosUuid: '4c4c4544-0042-4310-8057-b4c04f4e3132', machineId: 'm2', hostname: 'PC-1' });
    expect(a.id).toBe(b.id);
    expect(a.id_source).toBe('smbios-uuid');
    expect(JSON.stringify(a)).not.toContain('4C4C4544');
    expect(JSON.stringify(a)).not.toContain('ABC');
    const placeholder = hostIdentity({ smbiosUuid: '03000200-0400-0500-0006-000700080009', machineId: 'm3', hostname: 'PC-2' });
    expect(placeholder.id_source).toBe('machine-id');
    expect(hostIdentity({ hostname: 'x' }).id_source).toBe('other');
  });
});
