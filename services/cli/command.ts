/**
 * The shape of a `slipway` command. Each command group (services, specs, the API) is a file
 * that exports its commands; `commands.ts` lists them all, and `run-cli.ts` parses the
 * command line with `node:util` `parseArgs` (strict), answers `--help`, checks the
 * positional arguments against `args`, then calls `run` with what it parsed.
 */

/** Where a command reads its settings and writes its output; tests pass their own. */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** What `slipway login` reads the token from (process.stdin; tests give their own). */
  stdin?: NodeJS.ReadableStream;
}

/** Exit codes, the same for every command (and written in the help). */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/**
 * What a command ends with: its exit code, or `serving` for a service (`server`, `executor`)
 * that keeps the process running until a signal stops it.
 */
export type Outcome = number | 'serving';

/** An option, as `parseArgs` takes it, with what its help says. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** The value's placeholder in the help (`BRANCH`, `NAME=VALUE`). */
  value?: string;
  /** The command cannot run without it (a usage error otherwise). */
  required?: boolean;
  help: string;
}

/** A positional argument; optional ones come last. */
export interface ArgSpec {
  name: string;
  help: string;
  optional?: boolean;
}

/** The values `parseArgs` gives for a set of options, typed from their specs. */
export type OptionValues<O extends Record<string, OptionSpec>> = {
  [K in keyof O]?: O[K]['type'] extends 'boolean'
    ? O[K]['multiple'] extends true
      ? boolean[]
      : boolean
    : O[K]['multiple'] extends true
      ? string[]
      : string;
};

interface CommandText {
  name: string;
  /** The heading it is listed under in `slipway --help`. */
  group: string;
  /** One line for `slipway --help`. */
  summary: string;
  /** What the command does, for `slipway help NAME`: sentences, wrapped by the help. */
  description: string;
  args: ArgSpec[];
  /** Environment variables the command reads, with what they mean. */
  env?: Array<[name: string, help: string]>;
  /** Command lines a user can copy, each with a `# comment` saying what it does. */
  examples: string[];
  /** What its exit codes mean, when it says more than the common line. */
  exit?: string;
}

/** A command as `run-cli.ts` sees it: its texts, its options, and `run`, given parsed arguments. */
export interface Command extends CommandText {
  options: Record<string, OptionSpec>;
  run(args: { values: Record<string, unknown>; positionals: string[] }, io: CliIo): Promise<Outcome>;
}

/** Defines a command whose `run` sees its option values typed from `options`. */
export function defineCommand<const O extends Record<string, OptionSpec>>(
  spec: CommandText & {
    options: O;
    run(args: { values: OptionValues<O>; positionals: string[] }, io: CliIo): Promise<Outcome>;
  },
): Command {
  return { ...spec, run: (args, io) => spec.run(args as { values: OptionValues<O>; positionals: string[] }, io) };
}

/**
 * A command line the user got wrong: unknown flag, missing or extra argument, a malformed
 * value. The CLI prints the message with the command's usage and exits 2; retrying the same
 * line cannot help.
 */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    message: string,
    /** The command whose usage to show, when the error is about one. */
    readonly command?: Command,
  ) {
    super(message);
  }
}

/**
 * A failure the user can act on, said in one line without a stack: a file that cannot be
 * read, a Slipway that cannot be reached. The CLI exits 1.
 */
export class CliError extends Error {
  override name = 'CliError';
}
