import { Writable } from 'node:stream';
import type { Outcome } from '../../services/cli/command.js';
import { runCli } from '../../services/cli/run-cli.js';

/** What one `slipway …` command line did: its exit code and what it printed on each stream. */
export interface CliRun {
  /** The exit code, or `serving` for a command that keeps running (server, executor). */
  code: Outcome;
  stdout: string;
  stderr: string;
}

/** Runs one `slipway ARGS` command line in this process with `env` (and `stdin`), as `bin/slipway.js` would. */
export async function runSlipway(
  args: string[],
  env: NodeJS.ProcessEnv,
  stdin?: NodeJS.ReadableStream,
): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (chunks: string[]) =>
    new Writable({
      write(chunk, _encoding, done) {
        chunks.push(String(chunk));
        done();
      },
    });
  const code = await runCli(args, { env, stdout: sink(out), stderr: sink(err), ...(stdin ? { stdin } : {}) });
  return { code, stdout: out.join(''), stderr: err.join('') };
}
