// The bundle as it ships (scripts/bundle-agent.ts, built once by test/global-setup.ts): the loader
// runs the code as a top-level script, which must neither clobber Node's globals nor lose its
// memory saving.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { AGENT_CODE } from '../../scripts/bundle-agent.ts';
import { AGENT_VERSION } from './version.ts';

const LOADER = (JSON.parse(process.env.TIEBREAK_TEST_BUILD!) as { agent: string }).agent;
const CODE = join(dirname(LOADER), AGENT_CODE);

/** Peak RSS (KiB) of a command, by GNU time. */
function peakKiB(args: string[]): number {
  const run = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, ...args], { encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  return Number(run.stderr.trim().split('\n').pop());
}

describe('agent bundle', () => {
  it('runs through its loader', () => {
    const run = spawnSync(process.execPath, [LOADER, '--version'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe(AGENT_VERSION);
  });

  it("declares no top-level name that is already one of Node's globals", () => {
    const source = ts.createSourceFile(CODE, readFileSync(CODE, 'utf8'), ts.ScriptTarget.Latest, false, ts.ScriptKind.JS);
    const names: string[] = [];
    const bind = (name: ts.BindingName) => {
      if (ts.isIdentifier(name)) names.push(name.text);
      else for (const element of name.elements) if (!ts.isOmittedExpression(element)) bind(element.name);
    };
    for (const statement of source.statements) {
      if (ts.isVariableStatement(statement)) statement.declarationList.declarations.forEach((d) => bind(d.name));
      else if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && statement.name) names.push(statement.name.text);
    }
    expect(names.length).toBeGreaterThan(100);
    const globals = new Set(Object.getOwnPropertyNames(globalThis));
    expect(names.filter((name) => globals.has(name))).toEqual([]);
  });

  it('keeps its source one byte per character (else V8 holds it as UTF-16, twice the memory)', () => {
    const wide = [...readFileSync(CODE, 'utf8')].filter((c) => c.codePointAt(0)! > 0xff);
    expect(wide).toEqual([]);
  });

  it.runIf(existsSync('/usr/bin/time'))('peaks lower run by the loader than run as a CommonJS module', () => {
    const loaded = peakKiB([LOADER, '--version']);
    const asModule = peakKiB([CODE, '--version']);
    // About 7 MB apart with Node 20 (10 with Node 22); 3 MB leaves room for noise.
    expect(asModule - loaded).toBeGreaterThan(3 * 1024);
  });
});
