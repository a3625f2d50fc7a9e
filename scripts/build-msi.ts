// `pnpm build:msi`: the Windows installer for Group Policy deployment, built with wixl (Debian
// package wixl) from agent/packaging/windows/tiebreak-agent.wxs and the win-x64 executable.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import pkg from '../agent/package.json' with { type: 'json' };
import { DIST, TARGETS, buildAgent, signFile, signingFromCommandLine, type SigningOptions } from './build-agent.ts';

export const MSI = join(DIST, 'tiebreak-agent.msi');

/** With `signing`, the executable inside and the MSI itself are signed (Authenticode, osslsigncode). */
export async function buildMsi(signing: SigningOptions | null = null): Promise<string> {
  // From the current sources: an MSI must never ship a stale executable.
  await buildAgent({ signing });
  try {
    execFileSync('wixl', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('wixl is not installed: apt-get install wixl');
  }
  const wxs = new URL('../agent/packaging/windows/tiebreak-agent.wxs', import.meta.url).pathname;
  // wixl looks up sources relative to its working directory.
  execFileSync('wixl', ['-a', 'x64', '-D', `Version=${pkg.version}`, '-D', `AgentExe=${TARGETS['win-x64'].output}`, '-o', MSI, wxs], {
    cwd: DIST,
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  // Public properties reach the elevated part of a managed (GPO) installation only when secure;
  // wixl writes SecureCustomProperties itself, so the row is extended here.
  const secure = execFileSync('msiinfo', ['export', MSI, 'Property'], { encoding: 'utf8' })
    .split('\n')
    .find((line) => line.startsWith('SecureCustomProperties\t'))
    ?.split('\t')[1]
    ?.trim();
  const value = [...new Set([...(secure ? secure.split(';') : []), 'SERVER', 'TOKEN', 'SCHEDULE', 'CA_FILE'])].join(';');
  execFileSync('msibuild', [MSI, '-q', `UPDATE \`Property\` SET \`Value\` = '${value}' WHERE \`Property\` = 'SecureCustomProperties'`]);
  // wixl ignores Execute="rollback": EXE from a file (18) + ignore exit code (64) + rollback (256)
  // + in-script (1024) + no impersonation (2048).
  execFileSync('msibuild', [MSI, '-q', "UPDATE `CustomAction` SET `Type` = 3410 WHERE `Action` = 'RollbackConfiguration'"]);
  // Signed last: any later change to the tables would break the signature.
  if (signing) signFile(MSI, signing, 'tiebreak agent installer');
  return MSI;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await buildMsi(signingFromCommandLine()));
}
