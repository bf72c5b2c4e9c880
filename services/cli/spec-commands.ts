import { readFileSync } from 'node:fs';
import { formatIssues } from '../core/buildspec/format-issues.js';
import type { SpecResult } from '../core/buildspec/types.js';
import { compilePlan } from '../core/plan/compile-plan.js';
import { loadConfig } from '../shared/config.js';
import { specParser } from '../shared/spec-parser.js';
import { CliError, defineCommand, type CliIo, type Command } from './command.js';

const GROUP = 'Specs, on this machine';

const FILE = { name: 'FILE', optional: true, help: 'the spec to read (default ./.buildspec.yml)' };

/** validate, plan, run: a `.buildspec.yml` checked, compiled, or run on the local swarm. */
export const specCommands: Command[] = [
  defineCommand({
    name: 'validate',
    group: GROUP,
    summary: 'check a .buildspec.yml: every problem with its line, column and a hint',
    description:
      'Reads the spec the way the planner does (YAML, the JSON schema, then the checks beyond it)\n' +
      'and prints every problem as FILE:LINE:COLUMN, the path in the spec, what is wrong and a hint.',
    args: [FILE],
    options: {},
    examples: [
      'slipway validate  # ./.buildspec.yml',
      'slipway validate ci/.buildspec.yml && git push  # push only a spec that is valid',
    ],
    exit: '0 the spec is valid · 1 it has problems, or cannot be read · 2 usage error',
    async run({ positionals: [file = '.buildspec.yml'] }, io) {
      if (!parsed(file, io).ok) return 1;
      io.stdout.write(`${file} is valid\n`);
      return 0;
    },
  }),
  defineCommand({
    name: 'plan',
    group: GROUP,
    summary: 'print the plan a spec compiles to, as JSON, without running anything',
    description:
      'Compiles the spec into the plan the executor would run, for a manual run of the working\n' +
      'tree: stages, steps with their images, scripts, env, limits, placement and service names\n' +
      '(matrices expanded, `when` evaluated). Problems are printed as by validate.',
    args: [FILE],
    options: {},
    env: [['SLIPWAY_GIT_IMAGE', 'the image of the checkout step (default slipway/git:1)']],
    examples: [
      'slipway plan | jq ".stages[].steps[].key"  # the steps that would run',
      'slipway plan .buildspec.example.yml > plan.json',
    ],
    exit: '0 the plan was printed · 1 the spec has problems, or cannot be read · 2 usage error',
    async run({ positionals: [file = '.buildspec.yml'] }, io) {
      const result = parsed(file, io);
      if (!result.ok) return 1;
      const request = {
        id: 'local',
        event: 'manual' as const,
        repo: { owner: 'local', name: 'local' },
        sha: 'HEAD',
        ref: 'refs/heads/local',
        cloneUrl: '.',
        sender: 'local',
      };
      const plan = compilePlan(result.spec, request, { gitImage: loadConfig(io.env).gitImage });
      io.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
      return 0;
    },
  }),
  defineCommand({
    name: 'run',
    group: GROUP,
    summary: 'run a spec on the local swarm, the working tree as its workspace',
    description:
      "Runs the spec with Slipway's real executor on this machine's swarm, without GitHub or a\n" +
      "server. The workspace is the working tree of FILE's folder (files git ignores left out).\n" +
      "Each step's output is printed live, prefixed with its name, then a line per stage. Ctrl-C\n" +
      "cancels the build and removes what it started. Needs Docker in swarm mode and the steps'\n" +
      'images on this machine. With --step, only that step runs (after the checkout, with its\n' +
      "stage's sidecars): the command every step's log begins with, to reproduce it here.",
    args: [FILE],
    options: {
      step: { type: 'string', value: 'KEY', help: "run only this step (its key, as in the build's log and API)" },
    },
    env: [
      ['SLIPWAY_SECRETS_FILE', 'the secrets steps may name, as for the server'],
      ['SLIPWAY_INSTANCE', 'labels what the run starts on the swarm (default "default")'],
    ],
    examples: [
      'slipway run  # ./.buildspec.yml, with this folder as the workspace',
      'slipway run .buildspec.example.yml',
      'slipway run --step unit  # only the step unit, as its log in Slipway says',
    ],
    exit: '0 the build succeeded · 1 it failed, or the spec has problems · 2 usage error',
    async run({ values, positionals: [file = '.buildspec.yml'] }, io) {
      const config = loadConfig(io.env);
      const text = readSpec(file);
      // Loaded only here: the Docker client and the executor are not needed to print help.
      const { runLocal } = await import('./run-local.js');
      const step = typeof values.step === 'string' ? values.step : undefined;
      return runLocal(file, text, config, io.stdout, step);
    },
  }),
];

/** The spec in `file`, parsed; its problems are printed on stderr. */
function parsed(file: string, io: CliIo): SpecResult {
  const result = specParser()(readSpec(file));
  if (!result.ok) {
    io.stderr.write(`${formatIssues(result.issues, file)}\n${result.issues.length} problem(s) in ${file}\n`);
  }
  return result;
}

function readSpec(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : String(err);
    throw new CliError(`cannot read ${file}: ${why}`);
  }
}
