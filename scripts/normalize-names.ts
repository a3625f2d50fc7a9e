// Prints the normalised form of each line of standard input (normalizeName), one per line: for
// rule authors, to write `names:` entries exactly as the engine compares them.
import { readFileSync } from 'node:fs';
import { normalizeName } from '@tiebreak/shared';

const lines = readFileSync(0, 'utf8').split('\n');
if (lines.at(-1) === '') lines.pop();
process.stdout.write(`${lines.map((line) => normalizeName(line)).join('\n')}\n`);
