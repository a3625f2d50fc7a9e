// Progress of a long command (an import, the demo's generation) on the standard error: redrawn in
// place on a terminal, or as plain lines at every tenth of the way with --progress (a log, a CI job).
// Never on the standard output, which stays the command's result; never with --json.

export interface Progress {
  /** `done` of the total are done. */
  update(done: number): void;
  /** The end of the line on a terminal (the last count stays shown). */
  finish(): void;
}

type Stream = Pick<NodeJS.WriteStream, 'write'> & { isTTY?: boolean };

/** Whether to show progress: asked for with --progress, or a terminal to show it on; never with --json. */
export function progressWanted(flag: boolean | undefined, json: boolean | undefined, stream: Stream = process.stderr): boolean {
  return !json && (!!flag || !!stream.isTTY);
}

const SILENT: Progress = { update: () => {}, finish: () => {} };
const WIDTH = 30;

/** A progress of `total` units named `unit`, shown after `label` ("import: 12/45 files (27%)"). */
export function startProgress(label: string, unit: string, total: number, enabled: boolean, stream: Stream = process.stderr): Progress {
  if (!enabled || total <= 0) return SILENT;
  const tty = !!stream.isTTY;
  let shown = -1;
  let drawn = false;
  return {
    update(done) {
      const percent = Math.floor((Math.min(done, total) / total) * 100);
      // A terminal is redrawn at each percent; a log gets a line at each tenth, and at the end.
      const step = tty ? percent : done >= total ? 100 : Math.floor(percent / 10) * 10;
      if (step === shown) return;
      shown = step;
      const text = `${label}: ${done}/${total} ${unit} (${percent}%)`;
      if (tty) {
        const filled = Math.round((Math.min(done, total) / total) * WIDTH);
        stream.write(`\r[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${text}`);
        drawn = true;
      } else stream.write(`${text}\n`);
    },
    finish() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}
