// The agent's command line as an operator reads it.
import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/helpers.ts';

describe('tiebreak-agent --help', () => {
  it('prints the Windows paths with their backslashes, and no control character', async () => {
    const { stdout, code } = await runCli('agent', ['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain(String.raw`%ProgramData%\tiebreak\agent.json on Windows`);
    expect(stdout).toContain(String.raw`%ProgramData%\tiebreak):`);
    expect(stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
  });
});
