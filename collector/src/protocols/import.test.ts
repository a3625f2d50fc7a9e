// The order a directory's reports are imported in: a sequence's full report before its partial and
// updated ones, whatever the locale would say.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listReportFiles } from './import.ts';

describe('listReportFiles', () => {
  it("walks a directory in its names' byte order: pc.json before pc_partial_cpu.json and pc_updated.json", () => {
    const dir = mkdtempSync(join(tmpdir(), 'tiebreak-import-'));
    const names = ['pc_updated.json', 'pc_partial_cpu.json', 'pc.json', 'pc-2.json', 'Zebra.xml', 'notes.txt'];
    for (const name of names) writeFileSync(join(dir, name), '{}');
    mkdirSync(join(dir, 'later'));
    writeFileSync(join(dir, 'later', 'a.ocs'), '<REQUEST/>');
    const { files, fromDirectory } = listReportFiles([dir]);
    expect(fromDirectory).toBe(true);
    // localeCompare would give pc_partial_cpu, pc_updated, then pc.json: the full report last.
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(['Zebra.xml', 'later/a.ocs', 'pc-2.json', 'pc.json', 'pc_partial_cpu.json', 'pc_updated.json']);
    expect(files.map((f) => basename(f))).not.toContain('notes.txt');
  });
});
