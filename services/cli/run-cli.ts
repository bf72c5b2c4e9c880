import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { closest } from '../core/buildspec/closest.js';
import { ConfigError } from '../shared/config.js';
import { projectRoot } from '../shared/project-root.js';
import { CliError, EXIT, UsageError, type CliIo, type Command, type Outcome } from './command.js';
import { commandTable } from './commands.js';
import { commandHelp, HELP_OPTION, overviewHelp, unknownCommand, usageLine } from './help.js';

/**
 * Runs one `slipway` command line (`argv` without node and the script) and says how it ended.
 * Called once per process by slipway.ts, and by tests with their own `io`. It never throws:
 * a usage error is printed with the command's usage (exit 2), a failure the user can act on
 * in one line (exit 1), anything else with its stack (exit 1).
 */
export async function runCli(
  argv: string[],
  io: CliIo,
  commands: readonly Command[] = commandTable(),
): Promise<Outcome> {
  try {
    return await dispatch(argv, io, commands);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(usageErrorText(err));
      return EXIT.usage;
    }
    const known = err instanceof CliError || err instanceof ConfigError;
    io.stderr.write(`slipway: ${known ? err.message : err instanceof Error ? err.stack : String(err)}\n`);
    return EXIT.failure;
  }
}

async function dispatch(argv: string[], io: CliIo, commands: readonly Command[]): Promise<Outcome> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    io.stdout.write(overviewHelp(commands));
    return EXIT.ok;
  }
  if (name === '--version' || name === '-V') {
    io.stdout.write(`slipway ${version()}\n`);
    return EXIT.ok;
  }
  if (name.startsWith('-')) throw new UsageError(`unknown option '${name}' (options come after the command)`);
  const command = commands.find((c) => c.name === name);
  if (!command) throw new UsageError(unknownCommand(name, commands));
  const { values, positionals } = parseCommandLine(command, rest);
  if (values.help) {
    io.stdout.write(commandHelp(command));
    return EXIT.ok;
  }
  checkArguments(command, values, positionals);
  try {
    return await command.run({ values, positionals }, io);
  } catch (err) {
    // A command that finds a value malformed (`-p NAME=VALUE`) says so; the usage is added here.
    if (err instanceof UsageError && !err.command) throw new UsageError(err.message, command);
    throw err;
  }
}

/** The command's options parsed strictly: an unknown flag, a missing or needless value is a usage error. */
function parseCommandLine(command: Command, args: string[]) {
  const options: ParseArgsConfig['options'] = {};
  for (const [name, o] of Object.entries({ ...command.options, help: HELP_OPTION })) {
    options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  }
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(unknownOption(args, options), command);
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) {
      throw new UsageError((err as Error).message, command);
    }
    throw err;
  }
}

/** "unknown option '--rev' (did you mean '--ref'?)", found again without `strict` to name it. */
function unknownOption(args: string[], options: NonNullable<ParseArgsConfig['options']>): string {
  const { tokens } = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true });
  const unknown = tokens.find((t) => t.kind === 'option' && !(t.name in options));
  if (unknown?.kind !== 'option') return 'unknown option';
  const near = unknown.rawName.startsWith('--') ? closest(unknown.name, Object.keys(options)) : undefined;
  return `unknown option '${unknown.rawName}'${near ? ` (did you mean '--${near}'?)` : ''}`;
}

function checkArguments(command: Command, values: Record<string, unknown>, positionals: string[]): void {
  for (const [name, o] of Object.entries(command.options)) {
    if (o.required && values[name] === undefined)
      throw new UsageError(`missing --${name} ${o.value ?? ''}`.trim(), command);
  }
  const required = command.args.filter((a) => !a.optional);
  if (positionals.length < required.length) {
    throw new UsageError(`missing ${required[positionals.length]!.name}`, command);
  }
  if (positionals.length > command.args.length) {
    throw new UsageError(`unexpected argument '${positionals[command.args.length]}'`, command);
  }
}

function usageErrorText(err: UsageError): string {
  if (!err.command) return `slipway: ${err.message}\nRun 'slipway --help' for the list of commands.\n`;
  const name = err.command.name;
  return `slipway ${name}: ${err.message}\nusage: ${usageLine(err.command)}\nRun 'slipway help ${name}' for more.\n`;
}

function version(): string {
  return (JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
