// What both command-line programs share: option parsing that reports usage errors, --help and
// --version, and one way of turning failures into a message and an exit code.
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Wrong words on the command line: exit code 2 and a pointer to --help. */
export class UsageError extends Error {}
/** Bad input the user can fix (a file, a rules tree): exit code 2, the message alone. */
export class InputError extends Error {}

/** The text of FILE, or of standard input for no FILE or '-'; an InputError names what failed. */
export function readInput(file: string | undefined): string {
  try {
    return readFileSync(file && file !== '-' ? file : 0, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read ${file ?? 'standard input'}: ${(error as Error).message}`);
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

export interface CommandLine<O extends Options> {
  values: ReturnType<typeof parseArgs<{ options: O; allowPositionals: true }>>['values'];
  command: string | undefined;
  args: string[];
}

export function parseCommandLine<O extends Options>(argv: string[], options: O): CommandLine<O> {
  try {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options });
    const [command, ...args] = positionals;
    return { values, command, args } as CommandLine<O>;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export const COMMON_OPTIONS = {
  version: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

/** --version, --help and a missing command: the answer, or null to go on. */
export function helpOrVersion(line: CommandLine<typeof COMMON_OPTIONS>, help: string, version: string): number | null {
  if (line.values.version) {
    process.stdout.write(`${version}\n`);
    return 0;
  }
  if (line.values.help || !line.command) {
    process.stdout.write(help);
    return line.values.help ? 0 : 2;
  }
  return null;
}

export function noMoreArguments(args: string[]): void {
  if (args.length) throw new UsageError(`unexpected argument: ${args[0]}`);
}

/** Run a CLI's main function: its result is the exit code; errors become one line on stderr. */
export function runMain(program: string, main: (argv: string[]) => Promise<number | undefined>, userErrors: (new (...args: never[]) => Error)[] = []): void {
  main(process.argv.slice(2)).then(
    (code) => {
      if (typeof code === 'number') process.exitCode = code;
    },
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof UsageError) {
        process.stderr.write(`${program}: ${message}\nRun '${program} --help' for usage.\n`);
        process.exitCode = 2;
      } else if (error instanceof InputError || userErrors.some((type) => error instanceof type)) {
        process.stderr.write(`${program}: ${message}\n`);
        process.exitCode = 2;
      } else {
        process.stderr.write(`${program}: ${message}\n`);
        process.exitCode = 1;
      }
    },
  );
}
