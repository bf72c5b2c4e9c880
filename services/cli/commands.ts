import { apiCommands } from './api-commands.js';
import { artifactCommands } from './artifact-commands.js';
import { appCommand } from './app-command.js';
import { mergeCommands } from './merge-commands.js';
import { buildCommands } from './build-commands.js';
import { defineCommand, UsageError, type Command } from './command.js';
import { commandHelp, overviewHelp, unknownCommand } from './help.js';
import { loginCommand } from './login-command.js';
import { serviceCommands } from './service-commands.js';
import { specCommands } from './spec-commands.js';

/**
 * Every `slipway` command, in the order `slipway --help` lists them. A new command group is a
 * file exporting its `Command[]` (see command.ts), added here.
 */
export function commandTable(): Command[] {
  const table: Command[] = [
    ...serviceCommands,
    ...specCommands,
    ...buildCommands,
    ...apiCommands,
    ...artifactCommands,
    ...mergeCommands,
    loginCommand,
    appCommand,
  ];
  table.push(helpCommand(table));
  return table;
}

/** `slipway help [COMMAND]`, which knows the table it is in. */
function helpCommand(table: readonly Command[]): Command {
  return defineCommand({
    name: 'help',
    group: 'Help',
    summary: "the list of commands, or one command's arguments, options and examples",
    description: 'Prints the help of COMMAND, or without it the list of commands. Same as COMMAND --help.',
    args: [{ name: 'COMMAND', optional: true, help: 'the command to explain' }],
    options: {},
    examples: ['slipway help trigger', 'slipway help  # the list of commands'],
    exit: '0 success · 2 usage error, such as a command that does not exist',
    async run({ positionals: [name] }, io) {
      if (name === undefined) {
        io.stdout.write(overviewHelp(table));
        return 0;
      }
      const command = table.find((c) => c.name === name);
      if (!command) throw new UsageError(unknownCommand(name, table));
      io.stdout.write(commandHelp(command));
      return 0;
    },
  });
}
