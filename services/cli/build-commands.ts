import { ApiClient, refusal, type ApiAnswer } from './api-client.js';
import { defineCommand, UsageError, type CliIo, type Command } from './command.js';
import { followLog } from './follow-log.js';
import { buildReport, buildsTable, stepsInOrder, table, duration, type BuildView } from './format.js';
import type { StatusAnswer } from '../receiver/api-v1/status-route.js';

export const API_GROUP = "Builds, through a running Slipway's API";

export const API_ENV: Array<[string, string]> = [
  ['SLIPWAY_URL', 'where Slipway listens (default http://localhost:3000)'],
  [
    'SLIPWAY_API_TOKEN',
    "a personal token (made at /settings/tokens: it acts as you); else the one 'slipway login' stored",
  ],
];

export const API_EXIT = '0 done · 1 the API refused it or could not be reached · 2 usage error';

export const JSON_OPTION = {
  json: { type: 'boolean' as const, help: "print the API's JSON answer as it is, for scripts" },
};

const LOGS_EXIT = [
  '0 done (with -f: the step succeeded)',
  '1 refused, unreachable, or (with -f) the step did not succeed',
  '2 usage error',
].join(' · ');

const STATES = 'queued, waiting, running, success, failure, error, skipped, cancelled';

/** The answer's body when it is 2xx; else the API's reason as a CliError (exit 1). */
export function accepted(answer: ApiAnswer): unknown {
  if (!answer.ok) throw refusal(answer);
  return answer.body;
}

export function printJson(io: CliIo, value: unknown): number {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  return 0;
}

const buildPath = (build: string) => `/api/v1/builds/${encodeURIComponent(build)}`;

/** builds, show, logs, rerun, status: reading builds and their logs, and re-running them. */
export const buildCommands: Command[] = [
  defineCommand({
    name: 'builds',
    group: API_GROUP,
    summary: 'list builds, newest first, filtered by repository, branch, pull request, state',
    description:
      'Lists the builds you may read, newest first, one page at a time (GET /api/v1/builds).\n' +
      'When there are more, the last line says how to ask for the next page (--cursor).',
    args: [],
    options: {
      repo: { type: 'string', value: 'OWNER/REPO', help: 'only this repository' },
      branch: { type: 'string', value: 'BRANCH', help: 'only builds of this branch' },
      pr: { type: 'string', value: 'NUMBER', help: 'only builds of this pull request' },
      state: { type: 'string', value: 'STATE', help: `only builds in this state (${STATES})` },
      trigger: { type: 'string', value: 'EVENT', help: 'only builds started by push, pull_request, manual, rerun …' },
      since: { type: 'string', value: 'TIME', help: 'only builds created at or after this ISO time' },
      limit: { type: 'string', value: 'N', help: 'builds per page (default 20)' },
      cursor: { type: 'string', value: 'CURSOR', help: 'the page after the one that gave this cursor' },
      ...JSON_OPTION,
    },
    env: API_ENV,
    examples: [
      'slipway builds --repo octo-org/widget --state failure  # the failed builds of a repository',
      'slipway builds --repo octo-org/widget --branch main --limit 5  # the last five of main',
      "slipway builds --json | jq -r '.builds[].id'  # ids, for a script",
    ],
    exit: API_EXIT,
    async run({ values }, io) {
      if (values.limit !== undefined && !/^[1-9]\d*$/.test(values.limit))
        throw new UsageError(`--limit takes a positive number, not '${values.limit}'`);
      const client = new ApiClient(io);
      const page = accepted(
        await client.get('/api/v1/builds', {
          repo: values.repo,
          branch: values.branch,
          pr: values.pr,
          state: values.state,
          trigger: values.trigger,
          since: values.since,
          limit: values.limit,
          cursor: values.cursor,
        }),
      ) as { builds?: BuildView[]; next_cursor?: string };
      if (values.json) return printJson(io, page);
      io.stdout.write(buildsTable(page.builds ?? [], Date.now()));
      if (page.next_cursor) io.stdout.write(`more: add --cursor ${page.next_cursor}\n`);
      return 0;
    },
  }),
  defineCommand({
    name: 'show',
    group: API_GROUP,
    summary: 'one build: its stages and steps with state, exit code, attempts and time',
    description:
      'Shows BUILD (GET /api/v1/builds/BUILD): the commit, who or what started it, each stage and\n' +
      'step with its state, exit code, attempt and how long it took, the approval it waits for,\n' +
      'and the problems of a spec that could not be used (with line and column).',
    args: [{ name: 'BUILD', help: 'the build id (b followed by 11 hex digits)' }],
    options: { ...JSON_OPTION },
    env: API_ENV,
    examples: ['slipway show b1a2b3c4d5e6', 'slipway show b1a2b3c4d5e6 --json  # everything the API says of it'],
    exit: API_EXIT,
    async run({ values, positionals: [build] }, io) {
      const body = accepted(await new ApiClient(io).get(buildPath(build!))) as BuildView;
      if (values.json) return printJson(io, body);
      io.stdout.write(buildReport(body, Date.now()));
      return 0;
    },
  }),
  defineCommand({
    name: 'logs',
    group: API_GROUP,
    summary: "a step's log, or every step's; -f follows a running step live",
    description:
      "Prints STEP's log (GET /api/v1/builds/BUILD/steps/STEP/log), or without STEP every step's\n" +
      'log in the order they ran, each under a heading. With -f it follows STEP live through\n' +
      'the log stream until the step ends; a dropped connection is made again and resumes after\n' +
      'the last line printed (Last-Event-ID), so no line is printed twice. Its exit code is then\n' +
      "the step's: 0 when it succeeded, 1 otherwise. The first lines of each step's log say how\n" +
      'to run the same step on your machine (slipway run).',
    args: [
      { name: 'BUILD', help: 'the build id' },
      { name: 'STEP', help: 'the step key, as `slipway show` lists it (all steps when left out)', optional: true },
    ],
    options: {
      follow: { type: 'boolean', short: 'f', help: 'follow the step live until it ends (needs STEP)' },
      ...JSON_OPTION,
    },
    env: API_ENV,
    examples: [
      'slipway logs b1a2b3c4d5e6 unit  # the log of the step unit',
      'slipway logs b1a2b3c4d5e6 unit -f  # follow it while it runs',
      'slipway logs b1a2b3c4d5e6  # every step, in order',
      'slipway logs b1a2b3c4d5e6 unit --json  # JSON lines {n, ts, text}',
    ],
    exit: LOGS_EXIT,
    async run({ values, positionals: [build, step] }, io) {
      const client = new ApiClient(io);
      if (values.follow) {
        if (step === undefined) throw new UsageError('-f follows one step: name STEP (slipway show lists them)');
        const state = await followLog(client, build!, step, (line) =>
          io.stdout.write(values.json ? `${JSON.stringify(line)}\n` : `${line.text}\n`),
        );
        if (!values.json) io.stderr.write(`-- ${step} ended: ${state}\n`);
        return state === 'success' ? 0 : 1;
      }
      const format = values.json ? { format: 'jsonl' } : {};
      if (step !== undefined) {
        io.stdout.write(
          logText(accepted(await client.get(`${buildPath(build!)}/steps/${encodeURIComponent(step)}/log`, format))),
        );
        return 0;
      }
      const record = accepted(await client.get(buildPath(build!))) as BuildView;
      for (const s of stepsInOrder(record)) {
        const answer = await client.get(`${buildPath(build!)}/steps/${encodeURIComponent(s.key)}/log`, format);
        if (answer.status === 404) continue;
        if (!values.json) io.stdout.write(`== ${s.key} (${s.state ?? ''})\n`);
        io.stdout.write(logText(accepted(answer)));
      }
      return 0;
    },
  }),
  defineCommand({
    name: 'rerun',
    group: API_GROUP,
    summary: 'run a build again as a new build, or only its failed steps',
    description:
      'Starts a new build of the same commit and ref with the same plan (POST\n' +
      '/api/v1/builds/BUILD/rerun), linked to BUILD. With --failed only the steps that failed\n' +
      'run again (with --stage, only those of that stage); the ones that passed are shown as\n' +
      'skipped, "passed in build BUILD". Needs the trigger scope.',
    args: [{ name: 'BUILD', help: 'the build to run again' }],
    options: {
      failed: { type: 'boolean', help: 'only the steps that failed' },
      stage: { type: 'string', value: 'STAGE', help: 'with --failed: only the failed steps of this stage' },
      ...JSON_OPTION,
    },
    env: API_ENV,
    examples: [
      'slipway rerun b1a2b3c4d5e6  # the whole build again',
      'slipway rerun b1a2b3c4d5e6 --failed  # only what failed',
      'slipway rerun b1a2b3c4d5e6 --failed --stage e2e  # only the failed e2e steps',
    ],
    exit: API_EXIT,
    async run({ values, positionals: [build] }, io) {
      if (values.stage !== undefined && !values.failed) throw new UsageError('--stage goes with --failed');
      const body = accepted(
        await new ApiClient(io).post(`${buildPath(build!)}/rerun`, {
          ...(values.failed ? { failed_only: true } : {}),
          ...(values.stage !== undefined ? { stage: values.stage } : {}),
        }),
      ) as { buildId?: string; build?: string; id?: string };
      if (values.json) return printJson(io, body);
      const id = body.buildId ?? body.build ?? body.id ?? '';
      io.stdout.write(`re-run of ${build} queued as ${id}: slipway logs ${id} STEP -f\n`);
      return 0;
    },
  }),
  defineCommand({
    name: 'status',
    group: API_GROUP,
    summary: 'queue depths, executors and their builds, swarm nodes',
    description:
      'Shows what Slipway is doing (GET /api/v1/status): each queue with its jobs waiting,\n' +
      'running, delayed and failed and how long the oldest has waited; each executor with the\n' +
      "builds it runs; the swarm's nodes with their state and availability.",
    args: [],
    options: { ...JSON_OPTION },
    env: API_ENV,
    examples: ['slipway status', "slipway status --json | jq '.queues'"],
    exit: API_EXIT,
    async run({ values }, io) {
      const body = accepted(await new ApiClient(io).get('/api/v1/status')) as StatusView;
      if (values.json) return printJson(io, body);
      io.stdout.write(statusReport(body));
      return 0;
    },
  }),
];

/** What `slipway status` reads of GET /api/v1/status (its `Status` schema). */
type StatusView = Pick<StatusAnswer, 'queues' | 'executors' | 'nodes'> &
  Partial<Pick<StatusAnswer, 'provisionedNodes'>>;

function statusReport(s: StatusView): string {
  const queues = [['QUEUE', 'WAITING', 'RUNNING', 'DELAYED', 'FAILED', 'OLDEST WAITING']];
  for (const q of s.queues)
    queues.push([
      q.queue,
      String(q.waiting),
      String(q.active),
      String(q.delayed),
      String(q.failed),
      q.oldestWaitingMs ? duration(q.oldestWaitingMs) : '',
    ]);
  const executors = [['EXECUTOR', 'RUNNING', 'BUILDS']];
  for (const e of s.executors) {
    const count = e.builds.length + e.otherBuilds;
    const others = e.otherBuilds ? `${e.builds.length ? ' ' : ''}(+${e.otherBuilds} you may not read)` : '';
    executors.push([e.id, `${count}/${e.concurrency}`, count ? `${e.builds.join(' ')}${others}` : '(idle)']);
  }
  const nodes = [['NODE', 'HOSTNAME', 'ROLE', 'STATE', 'AVAILABILITY', 'LABELS']];
  for (const n of s.nodes)
    nodes.push([
      n.id.slice(0, 12),
      n.hostname,
      n.role,
      n.state,
      n.availability,
      Object.entries(n.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    ]);
  // Nodes started on demand, newest first; the list is left out when none was this week.
  const provisioned = [['PROVISIONED', 'PROVISIONER', 'LABELS', 'STATE', 'RAN FOR', 'WHY']];
  for (const p of s.provisionedNodes ?? [])
    provisioned.push([
      p.node ?? '-',
      p.provisioner,
      Object.entries(p.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
      p.state,
      p.joinedAt ? duration(p.ranForSeconds * 1000) : '',
      p.failure ?? p.reason,
    ]);
  return [
    table(queues),
    executors.length > 1 ? table(executors) : 'no executor running (none reported in the last 30 s)\n',
    nodes.length > 1 ? table(nodes) : 'no swarm nodes reported\n',
    ...(provisioned.length > 1 ? [table(provisioned)] : []),
  ].join('\n');
}

/** A log answer as text: the API's text as it is, JSON lines as they are. */
function logText(body: unknown): string {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return text.endsWith('\n') || text === '' ? text : `${text}\n`;
}
