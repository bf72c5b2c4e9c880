import { CliError, defineCommand, UsageError, type CliIo, type Command } from './command.js';

const GROUP = "Builds, through a running Slipway's API";

export const API_ENV: Array<[string, string]> = [
  ['SLIPWAY_URL', 'where Slipway listens (default http://localhost:3000)'],
  [
    'SLIPWAY_API_TOKEN',
    'a personal token (made at /settings/tokens: it acts as you) or, for automation, the operator token',
  ],
];

/** `--as` is gone: who acts is who the token belongs to. */
const AS_OPTION = {
  as: { type: 'string' as const, value: 'LOGIN', help: 'no longer accepted: the token says who you are' },
};
const AS_REFUSED =
  '--as is no longer accepted: Slipway records who acts from the token. Make a personal token at ' +
  '<slipway>/settings/tokens (it acts as you) and set SLIPWAY_API_TOKEN to it';

export const API_EXIT = '0 the API accepted it · 1 it refused it or could not be reached · 2 usage error';

/** trigger, approve, reject, cancel: each one POST to the API, whose answer is printed as `STATUS BODY`. */
export const apiCommands: Command[] = [
  defineCommand({
    name: 'trigger',
    group: GROUP,
    summary: 'start a build of a commit, with parameters, as a manual run',
    description:
      'Starts a build of SHA in OWNER/REPO through POST /builds, the way a push would, with the\n' +
      "repository's .buildspec.yml at that commit. Each parameter reaches every step as an\n" +
      'environment variable. Prints the status code and the answer, which names the build.',
    args: [
      { name: 'OWNER/REPO', help: 'the repository, as on GitHub' },
      { name: 'SHA', help: 'the commit to build' },
    ],
    options: {
      ref: { type: 'string', value: 'BRANCH', help: 'the branch the build is for (its deploys, its statuses)' },
      param: {
        type: 'string',
        short: 'p',
        multiple: true,
        value: 'NAME=VALUE',
        help: 'a parameter, passed to every step as env NAME; repeat for more',
      },
      ...AS_OPTION,
    },
    env: API_ENV,
    examples: [
      'slipway trigger octo-org/widget 6113728f27ae82c7b1a177c8d03f9e96e0adf246 --ref main  # build a commit of main',
      'slipway trigger octo-org/widget 6113728f --ref=release -p TARGET=eu -p DRY_RUN=1  # with two parameters',
    ],
    exit: API_EXIT,
    async run({ values, positionals: [repo, sha] }, io) {
      if (values.as !== undefined) throw new UsageError(AS_REFUSED);
      const params = parseParams(values.param ?? []);
      return post(io, '/builds', {
        repo,
        sha,
        ...(values.ref !== undefined ? { ref: values.ref } : {}),
        ...(Object.keys(params).length ? { params } : {}),
      });
    },
  }),
  ...(['approve', 'reject'] as const).map((decision) =>
    defineCommand({
      name: decision,
      group: GROUP,
      summary: `${decision} a deploy waiting for approval, as yourself`,
      description:
        `Records that you ${decision} the deploy BUILD waits for, as a /${decision} comment on the\n` +
        'pull request would. You are the owner of the personal token in SLIPWAY_API_TOKEN (the\n' +
        "operator's token cannot decide); it counts when your permission and teams on GitHub are\n" +
        "what the environment's approval asks for. Prints the status code and the answer.",
      args: [{ name: 'BUILD', help: 'the build id (b followed by 11 hex digits)' }],
      options: { ...AS_OPTION },
      env: API_ENV,
      examples: [
        `SLIPWAY_API_TOKEN=slw_… slipway ${decision} b1a2b3c4d5e6  # you ${decision} the deploy of that build`,
      ],
      exit: API_EXIT,
      run: async ({ values, positionals: [build] }, io) => {
        if (values.as !== undefined) throw new UsageError(AS_REFUSED);
        return post(io, `/builds/${encodeURIComponent(build!)}/${decision}`, {});
      },
    }),
  ),
  defineCommand({
    name: 'cancel',
    group: GROUP,
    summary: 'cancel a build that is queued or running',
    description:
      'Asks Slipway to cancel BUILD: steps that run are stopped, the rest never start, and the\n' +
      'statuses say it was cancelled. A build that is over is refused (409).',
    args: [{ name: 'BUILD', help: 'the build id' }],
    options: {},
    env: API_ENV,
    examples: ['slipway cancel b1a2b3c4d5e6'],
    exit: API_EXIT,
    run: async ({ positionals: [build] }, io) => post(io, `/builds/${encodeURIComponent(build!)}/cancel`, {}),
  }),
];

/** `-p NAME=VALUE` options as an object; the value may itself hold `=`. */
function parseParams(list: string[]): Record<string, string> {
  const params: Record<string, string> = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param takes NAME=VALUE, not '${item}'`);
    params[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return params;
}

/** POSTs `body` to Slipway's API with the token of SLIPWAY_API_TOKEN and prints `STATUS BODY`; 0 when accepted. */
export async function post(io: CliIo, path: string, body: object): Promise<number> {
  const base = (io.env.SLIPWAY_URL || 'http://localhost:3000').replace(/\/+$/, '');
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(io.env.SLIPWAY_API_TOKEN ? { authorization: `Bearer ${io.env.SLIPWAY_API_TOKEN}` } : {}),
      },
      body: JSON.stringify(body),
    });
  } catch (err) {
    // fetch says only "fetch failed"; why (ECONNREFUSED, ENOTFOUND) is in its cause.
    const cause = (err as { cause?: { message?: string; code?: string } }).cause;
    const why = cause?.message || cause?.code || String(err);
    throw new CliError(`cannot reach Slipway at ${base} (${why}): is it running, and does SLIPWAY_URL say where?`);
  }
  io.stdout.write(`${res.status} ${await res.text()}\n`);
  return res.ok ? 0 : 1;
}
