import { loadConfig } from '../shared/config.js';
import { createLogger } from '../shared/logger.js';
import { closeOnSignals } from '../shared/service.js';
import { defineCommand, type CliIo, type Command } from './command.js';

const GROUP = 'Services (settings from the environment: docs/operations.md)';

const SERVICE_EXIT =
  'runs until SIGINT or SIGTERM, then closes cleanly (0) · 1 a setting is missing or wrong · 2 usage error';

const COMMON_ENV: Array<[string, string]> = [
  ['SLIPWAY_REDIS_URL', 'Redis (default redis://127.0.0.1:6379)'],
  ['SLIPWAY_GITHUB_TOKEN', 'the GitHub API token (or SLIPWAY_GITHUB_APP_ID and its key)'],
  ['SLIPWAY_LOG_LEVEL', 'debug, info (default), warn, error; SLIPWAY_LOG=silent for none'],
];

/** server, executor: the two deployable services, each a process that runs until it is stopped. */
export const serviceCommands: Command[] = [
  defineCommand({
    name: 'server',
    group: GROUP,
    summary: 'the receiver (webhooks, API) with the planner, reporter and approver workers',
    description:
      "Runs the receiver: GitHub's webhooks at POST /webhooks, the API, live logs and build pages.\n" +
      'The planner, reporter, approver and merge queue run as workers in the same process. JSON logs go to\n' +
      'stderr.',
    args: [],
    options: {},
    env: [
      ['SLIPWAY_WEBHOOK_SECRET', "the webhook's secret (required)"],
      ['SLIPWAY_PORT', 'the HTTP port (default 3000)'],
      ['SLIPWAY_PUBLIC_URL', 'where people reach it; statuses link there'],
      ['SLIPWAY_WEBHOOK_HOOKS', 'repository hooks (owner/repo#id) whose failed deliveries are redelivered'],
      ['SLIPWAY_RECONCILE_INTERVAL_MS', 'how often failed deliveries are looked for (default 300000)'],
      ...COMMON_ENV,
    ],
    examples: ['SLIPWAY_WEBHOOK_SECRET=… SLIPWAY_GITHUB_TOKEN=… slipway server  # webhooks at :3000/webhooks'],
    exit: SERVICE_EXIT,
    async run(_args, io) {
      const config = loadConfig(io.env, ['webhookSecret']);
      const logger = serviceLogger('server', io);
      // Loaded only here: Redis, BullMQ and Koa are not needed to print help or check a spec.
      const [
        { startPlanner },
        { startReporter },
        { startApprover },
        { startMerger },
        { startReceiver },
        { startReconciler },
      ] = await Promise.all([
        import('../planner/start-planner.js'),
        import('../reporter/start-reporter.js'),
        import('../approver/start-approver.js'),
        import('../merger/start-merger.js'),
        import('../receiver/start-receiver.js'),
        import('../reconciler/start-reconciler.js'),
      ]);
      const parts = [
        startPlanner(config, logger),
        startReporter(config, logger),
        startApprover(config, logger),
        startMerger(config, logger),
        (await import('../outgoing/start-outgoing.js')).startOutgoing(config, logger),
        await startReceiver(config, logger),
        // After the receiver listens: what it asks GitHub to redeliver comes back to it.
        startReconciler(config, logger),
      ];
      closeOnSignals(parts);
      return 'serving';
    },
  }),
  defineCommand({
    name: 'executor',
    group: GROUP,
    summary: 'the executor: runs builds as Swarm services',
    description:
      "Takes builds from Redis and runs each step as a Swarm service through this machine's Docker\n" +
      'API, which must be a swarm manager. Run more executors to run more builds at once. JSON\n' +
      'logs go to stderr.',
    args: [],
    options: {},
    env: [
      ['SLIPWAY_EXECUTOR_CONCURRENCY', 'builds this executor runs at once (default 4)'],
      ['SLIPWAY_INSTANCE', 'names this installation on the swarm (default "default")'],
      ...COMMON_ENV,
    ],
    examples: ['SLIPWAY_REDIS_URL=redis://redis:6379 slipway executor'],
    exit: SERVICE_EXIT,
    async run(_args, io) {
      const config = loadConfig(io.env);
      const logger = serviceLogger('executor', io);
      const { startExecutor } = await import('../executor/start-executor.js');
      closeOnSignals([await startExecutor(config, logger)]);
      logger.info('executor waiting for builds', { concurrency: config.executorConcurrency });
      return 'serving';
    },
  }),
];

function serviceLogger(service: string, io: CliIo) {
  return createLogger(service, io.env.SLIPWAY_LOG === 'silent', { level: io.env.SLIPWAY_LOG_LEVEL ?? 'info' });
}
