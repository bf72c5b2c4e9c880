import { ApiClient } from './api-client.js';
import { accepted, API_ENV, API_EXIT, API_GROUP, JSON_OPTION, printJson } from './build-commands.js';
import { defineCommand, UsageError, type Command } from './command.js';

/** `--as` is gone: who acts is who the token belongs to. */
const AS_OPTION = {
  as: { type: 'string' as const, value: 'LOGIN', help: 'no longer accepted: the token says who you are' },
};
const AS_REFUSED =
  '--as is no longer accepted: Slipway records who acts from the token. Make a personal token at ' +
  "<slipway>/settings/tokens (it acts as you) and set SLIPWAY_API_TOKEN to it, or run 'slipway login'";

const buildPath = (build: string) => `/api/v1/builds/${encodeURIComponent(build)}`;

/** trigger, approve, reject, gate, cancel: each one POST to API v1, its answer said in a line (or --json). */
export const apiCommands: Command[] = [
  defineCommand({
    name: 'trigger',
    group: API_GROUP,
    summary: 'start a build of a branch or commit, with parameters, as a manual run',
    description:
      'Starts a build of REF in OWNER/REPO through POST /api/v1/builds, the way a push would,\n' +
      "with the repository's .buildspec.yml at that commit. REF is a branch (Slipway asks GitHub\n" +
      'for its head) or a commit sha. Each parameter reaches every step as an environment\n' +
      'variable; a secret parameter does too, but its value is masked in logs and never stored\n' +
      'in the build (-s NAME alone takes the value from your environment variable NAME, so it\n' +
      'stays out of your shell history). Prints the new build id.',
    args: [
      { name: 'OWNER/REPO', help: 'the repository, as on GitHub' },
      { name: 'REF', help: 'a branch name (main) or a commit sha' },
    ],
    options: {
      param: {
        type: 'string',
        short: 'p',
        multiple: true,
        value: 'NAME=VALUE',
        help: 'a parameter, passed to every step as env NAME; repeat for more',
      },
      secret: {
        type: 'string',
        short: 's',
        multiple: true,
        value: 'NAME[=VALUE]',
        help: 'a secret parameter (masked, never stored); NAME alone reads $NAME',
      },
      ...JSON_OPTION,
      ...AS_OPTION,
    },
    env: API_ENV,
    examples: [
      'slipway trigger octo-org/widget main  # build the head of main',
      'slipway trigger octo-org/widget release -p TARGET=eu -p DRY_RUN=1  # with two parameters',
      'DEPLOY_KEY=… slipway trigger octo-org/widget main -s DEPLOY_KEY  # a secret from the environment',
      'slipway trigger octo-org/widget 6113728f27ae82c7b1a177c8d03f9e96e0adf246  # one commit',
    ],
    exit: API_EXIT,
    async run({ values, positionals: [repo, ref] }, io) {
      if (values.as !== undefined) throw new UsageError(AS_REFUSED);
      if (!/^[\w.-]+\/[\w.-]+$/.test(repo!)) throw new UsageError(`OWNER/REPO is owner/name, not '${repo}'`);
      const params = parseParams('--param', values.param ?? []);
      const secrets = parseParams('--secret', values.secret ?? [], io.env);
      const body = accepted(
        await new ApiClient(io).post('/api/v1/builds', {
          repo,
          ref,
          ...(Object.keys(params).length ? { params } : {}),
          ...(Object.keys(secrets).length ? { secret_params: secrets } : {}),
        }),
      ) as { build?: string; buildId?: string; id?: string };
      if (values.json) return printJson(io, body);
      const id = body.build ?? body.buildId ?? body.id ?? '';
      io.stdout.write(`build ${id} queued for ${repo} ${ref}: slipway show ${id}\n`);
      return 0;
    },
  }),
  ...(['approve', 'reject'] as const).map((decision) =>
    defineCommand({
      name: decision,
      group: API_GROUP,
      summary: `${decision} a deploy waiting for approval, as yourself`,
      description:
        `Records that you ${decision} the deploy BUILD waits for, as a /${decision} comment on the\n` +
        'pull request would. You are the owner of the personal token (SLIPWAY_API_TOKEN or the\n' +
        "one 'slipway login' stored; the operator's token cannot decide); it counts when your\n" +
        "permission and teams on GitHub are what the environment's approval asks for.",
      args: [{ name: 'BUILD', help: 'the build id (b followed by 11 hex digits)' }],
      options: {
        environment: { type: 'string', value: 'ENV', help: 'the environment whose deploy you decide on' },
        ...JSON_OPTION,
        ...AS_OPTION,
      },
      env: API_ENV,
      examples: [
        `slipway ${decision} b1a2b3c4d5e6  # you ${decision} the deploy of that build`,
        `slipway ${decision} b1a2b3c4d5e6 --environment production`,
      ],
      exit: API_EXIT,
      run: async ({ values, positionals: [build] }, io) => {
        if (values.as !== undefined) throw new UsageError(AS_REFUSED);
        const body = accepted(
          await new ApiClient(io).post(`${buildPath(build!)}/${decision}`, {
            ...(values.environment !== undefined ? { environment: values.environment } : {}),
          }),
        );
        if (values.json) return printJson(io, body);
        io.stdout.write(`${decision === 'approve' ? 'approval' : 'rejection'} of ${build} recorded\n`);
        return 0;
      },
    }),
  ),
  defineCommand({
    name: 'gate',
    group: API_GROUP,
    summary: 'pass or fail a manual test a build is held for, as yourself',
    description:
      "Records that you pass or fail the manual test BUILD's e2e stage is held for, as a /pass or\n" +
      '/fail comment on the pull request would (POST /api/v1/builds/BUILD/gate). The first decision\n' +
      'that counts settles it: pass runs the next stage (the deploy), fail stops the pipeline with\n' +
      "your reason. It counts when you are among the spec's manual.people with write permission\n" +
      '(or, when it names nobody, have maintain permission). You are the owner of the personal token.',
    args: [
      { name: 'BUILD', help: 'the build id (b followed by 11 hex digits)' },
      { name: 'pass|fail', help: 'your decision' },
    ],
    options: {
      reason: { type: 'string', short: 'r', value: 'TEXT', help: 'what you found, shown on the build and its status' },
      ...JSON_OPTION,
    },
    env: API_ENV,
    examples: [
      'slipway gate b1a2b3c4d5e6 pass  # the manual test passed: the deploy runs',
      "slipway gate b1a2b3c4d5e6 fail -r 'the total is wrong'  # the pipeline stops",
    ],
    exit: API_EXIT,
    run: async ({ values, positionals: [build, decision] }, io) => {
      if (decision !== 'pass' && decision !== 'fail')
        throw new UsageError(`the decision is pass or fail, not '${decision}'`);
      const body = accepted(
        await new ApiClient(io).post(`${buildPath(build!)}/gate`, {
          decision,
          via: 'cli',
          ...(values.reason !== undefined ? { reason: values.reason } : {}),
        }),
      );
      if (values.json) return printJson(io, body);
      io.stdout.write(`${decision === 'pass' ? 'pass' : 'fail'} of the manual test of ${build} recorded\n`);
      return 0;
    },
  }),
  defineCommand({
    name: 'cancel',
    group: API_GROUP,
    summary: 'cancel a build that is queued or running',
    description:
      'Asks Slipway to cancel BUILD: steps that run are stopped, the rest never start, and the\n' +
      'statuses say it was cancelled. A build that is over is refused (409, exit 1).',
    args: [{ name: 'BUILD', help: 'the build id' }],
    options: { ...JSON_OPTION },
    env: API_ENV,
    examples: ['slipway cancel b1a2b3c4d5e6'],
    exit: API_EXIT,
    run: async ({ values, positionals: [build] }, io) => {
      const body = accepted(await new ApiClient(io).post(`${buildPath(build!)}/cancel`, {}));
      if (values.json) return printJson(io, body);
      io.stdout.write(`cancelling ${build}\n`);
      return 0;
    },
  }),
];

/** `-p NAME=VALUE` options as an object; the value may itself hold `=`; with `env`, `NAME` alone reads $NAME. */
function parseParams(option: string, list: string[], env?: NodeJS.ProcessEnv): Record<string, string> {
  const params: Record<string, string> = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq === -1 && env && /^[A-Za-z_]\w*$/.test(item)) {
      const value = env[item];
      if (value === undefined) throw new UsageError(`${option} ${item}: the environment variable ${item} is not set`);
      params[item] = value;
      continue;
    }
    if (eq <= 0) throw new UsageError(`${option} takes NAME=VALUE${env ? ' or NAME' : ''}, not '${item}'`);
    params[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return params;
}
