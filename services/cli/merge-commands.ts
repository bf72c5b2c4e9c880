import { ApiClient } from './api-client.js';
import { accepted, API_ENV, API_EXIT, JSON_OPTION, printJson } from './build-commands.js';
import { defineCommand, UsageError, type CliIo, type Command } from './command.js';

/** POSTs to API v1 and says what was accepted in a line (or the answer, with --json). */
async function send(io: CliIo, path: string, body: object, json: boolean, said: string): Promise<number> {
  const answer = accepted(await new ApiClient(io).post(path, body));
  if (json) return printJson(io, answer);
  io.stdout.write(`${said}\n`);
  return 0;
}

const GROUP = "The merge queue, through a running Slipway's API";

/** merge (queue or take out a pull request) and promote (open and queue a promotion), as yourself. */
export const mergeCommands: Command[] = [
  defineCommand({
    name: 'merge',
    group: GROUP,
    summary: 'queue a pull request to be merged by fast-forward, or take it out (--cancel)',
    description:
      "Puts pull request NUMBER of OWNER/REPO into its base branch's merge queue, as a /merge\n" +
      'comment would: Slipway moves the base to its head by fast-forward once it is up to date\n' +
      'and its required checks are green. You need write permission; you are the owner of the\n' +
      'personal token in SLIPWAY_API_TOKEN (or of slipway login).',
    args: [
      { name: 'OWNER/REPO', help: 'the repository, as on GitHub' },
      { name: 'NUMBER', help: 'the pull request' },
    ],
    options: { cancel: { type: 'boolean', help: 'take it out of the queue instead (/merge cancel)' }, ...JSON_OPTION },
    env: API_ENV,
    examples: ['slipway merge octo-org/widget 42', 'slipway merge octo-org/widget 42 --cancel'],
    exit: API_EXIT,
    async run({ values, positionals: [repo, number] }, io) {
      if (!/^\d+$/.test(number ?? '')) throw new UsageError(`NUMBER must be a pull request number, not "${number}"`);
      const cancel = values.cancel === true;
      return send(
        io,
        '/api/v1/merge-queue',
        { repo, pull_request: Number(number), cancel },
        values.json === true,
        cancel
          ? `taking ${repo}#${number} out of the merge queue`
          : `queueing ${repo}#${number}: its place shows as the slipway/merge-queue status`,
      );
    },
  }),
  defineCommand({
    name: 'promote',
    group: GROUP,
    summary: 'open the pull request that promotes a tested commit to production, and queue it',
    description:
      'Opens a pull request from a branch at SHA (slipway/promote-<sha>) into the branch of the\n' +
      "environment (the spec's one environment other than staging, or --environment), and\n" +
      'queues it: Slipway merges it by fast-forward once slipway/staging-verified is green for\n' +
      "SHA and the environment's approvals are met (approving reviews of that pull request\n" +
      'count). The deploy that follows needs no second approval.',
    args: [
      { name: 'OWNER/REPO', help: 'the repository, as on GitHub' },
      { name: 'SHA', help: 'the commit to promote (40 hex digits)' },
    ],
    options: {
      environment: { type: 'string', value: 'NAME', help: 'the environment (default: the one that is not staging)' },
      ...JSON_OPTION,
    },
    env: API_ENV,
    examples: ['slipway promote octo-org/widget 6113728f27ae82c7b1a177c8d03f9e96e0adf246'],
    exit: API_EXIT,
    async run({ values, positionals: [repo, sha] }, io) {
      if (!/^[0-9a-f]{40}$/.test(sha ?? ''))
        throw new UsageError(`SHA must be a full commit sha (40 hex digits), not "${sha}"`);
      return send(
        io,
        '/api/v1/promotions',
        { repo, sha, ...(typeof values.environment === 'string' ? { environment: values.environment } : {}) },
        values.json === true,
        `opening the pull request that promotes ${sha!.slice(0, 7)} in ${repo}, and queueing it`,
      );
    },
  }),
];
