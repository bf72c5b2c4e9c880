import { closest } from '../core/buildspec/closest.js';
import type { Command, OptionSpec } from './command.js';

/** Every command takes it; `run-cli.ts` adds it to each command's options. */
export const HELP_OPTION: OptionSpec = { type: 'boolean', short: 'h', help: 'show this help and exit' };

export const EXIT_CODES = '0 success · 1 failure (an invalid spec, a failed build, a refused request) · 2 usage error';

const COLUMN = 26;

/** `slipway --help`: every command, by group, and how to learn more. */
export function overviewHelp(commands: readonly Command[]): string {
  const groups = [...new Set(commands.map((c) => c.group))];
  const sections = groups.map((group) => {
    const rows = commands.filter((c) => c.group === group).map((c) => row(`${c.name} ${argsLine(c)}`, c.summary));
    return `${group}:\n${rows.join('')}`;
  });
  return [
    'slipway: the Docker Swarm-native CI/CD engine, and the command line to try specs and drive builds',
    '',
    'usage: slipway <command> [arguments] [options]',
    '',
    ...sections,
    "Run 'slipway help COMMAND' or 'slipway COMMAND --help' for its arguments, options and examples.",
    'Options of every command: -h, --help. Of slipway itself: -V, --version.',
    '',
    `Exit status: ${EXIT_CODES}.`,
    '',
  ].join('\n');
}

/** `slipway help NAME`: usage, description, arguments, options, environment, examples, exit codes. */
export function commandHelp(command: Command): string {
  const options = { ...command.options, help: HELP_OPTION };
  const parts = [`usage: ${usageLine(command)}`, '', indent(command.description), ''];
  if (command.args.length > 0) {
    parts.push(
      'Arguments:',
      command.args.map((a) => row(a.name, a.optional ? `${a.help} (optional)` : a.help)).join(''),
    );
  }
  parts.push(
    'Options:',
    Object.entries(options)
      .map(([name, o]) => row(optionName(name, o), o.help))
      .join(''),
  );
  if (command.env?.length) parts.push('Environment:', command.env.map(([name, help]) => row(name, help)).join(''));
  parts.push('Examples:', `${command.examples.map((e) => `  ${e}`).join('\n')}\n`);
  parts.push(`Exit status: ${command.exit ?? EXIT_CODES}.`, '');
  return parts.join('\n');
}

/** One line: `slipway NAME ARGS [OPTIONS]`, the way the command is typed. */
export function usageLine(command: Command): string {
  const options = Object.entries(command.options).map(([name, o]) => {
    const text = `--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
    return `${o.required ? text : `[${text}]`}${o.multiple ? '...' : ''}`;
  });
  return ['slipway', command.name, argsLine(command), ...options].filter(Boolean).join(' ');
}

function argsLine(command: Command): string {
  return command.args.map((a) => (a.optional ? `[${a.name}]` : a.name)).join(' ');
}

function optionName(name: string, option: OptionSpec): string {
  const value = option.type === 'string' ? ` ${option.value ?? 'VALUE'}` : '';
  return `${option.short ? `-${option.short}, ` : '    '}--${name}${value}`;
}

/** A term and its text in two columns; a long term gets its text on the next line. */
function row(term: string, text: string): string {
  const lines = text.split('\n');
  const head = term.length < COLUMN - 3 ? `  ${term.padEnd(COLUMN - 2)}${lines[0]}` : `  ${term}\n${pad(lines[0]!)}`;
  return `${[head, ...lines.slice(1).map(pad)].join('\n')}\n`;
}

function pad(line: string): string {
  return `${' '.repeat(COLUMN)}${line}`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => (line ? `  ${line}` : line))
    .join('\n');
}

/** "unknown command 'valdate' (did you mean 'validate'?)". */
export function unknownCommand(name: string, commands: readonly Command[]): string {
  const near = closest(
    name,
    commands.map((c) => c.name),
  );
  return `unknown command '${name}'${near ? ` (did you mean '${near}'?)` : ''}`;
}
