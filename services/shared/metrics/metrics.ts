import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Slipway's Prometheus metrics, one set per process (`metrics()`), served at `/metrics` by the
 * receiver and by the health server of processes without it (health/health-server.ts). The core
 * never sees them: adapters and wrappers record (the webhook middleware, the GitHub client's
 * request hook, the worker wrapper, the metered build store and backend), and gauges that are
 * questions to Redis (queue depths, approvals waiting) are asked when Prometheus scrapes.
 *
 * Labels stay few and bounded (event names, outcomes, queue names, operation names): never a
 * repository, build or person, which would grow without end and say more than a scrape should.
 */
export interface SlipwayMetrics {
  registry: Registry;
  /** Webhook deliveries by GitHub event and what Slipway answered (accepted, ignored, ping, refused …). */
  webhooks: Counter<'event' | 'outcome'>;
  /** Jobs per queue and state (waiting, active, delayed, failed), asked from the queues when scraped. */
  queueJobs: Gauge<'queue' | 'state'>;
  /** Age of the oldest job waiting per queue, in seconds (0 when none waits). */
  queueOldestWaiting: Gauge<'queue'>;
  /** Builds from start to end, by outcome (success, failure, error, cancelled, skipped). */
  buildDuration: Histogram<'outcome'>;
  /** Steps from start to end, by outcome. */
  stepDuration: Histogram<'outcome'>;
  /** Steps running now in this process's builds. */
  stepsRunning: Gauge;
  /** Attempts that failed and will be tried again: by queue (or `step`) and the error's code. */
  retries: Counter<'queue' | 'cause'>;
  /** Deploys parked waiting for people's approval (asked when scraped). */
  approvalsWaiting: Gauge;
  /** GitHub API requests by method and outcome (2xx, 3xx, 4xx, 5xx, rate-limited, unreachable). */
  githubRequests: Counter<'method' | 'outcome'>;
  /** What GitHub's `x-ratelimit-remaining` said last, per rate limit resource (core, graphql …). */
  githubRateLimitRemaining: Gauge<'resource'>;
  /** Calls to the Swarm backend (each one or a few Engine API requests), by operation and outcome (ok, error). */
  swarmApiDuration: Histogram<'operation' | 'outcome'>;
  /** Nodes asked of provisioners and not yet ended, by provisioner and state (starting, joined, draining). */
  provisionedNodes: Gauge<'provisioner' | 'state'>;
  /** Seconds provisioned nodes ran, from joining to removal, by provisioner (added as each is removed). */
  provisionedNodeSeconds: Counter<'provisioner'>;
  /** Node requests that ended without a node, by provisioner (a failed start or bootstrap, no join in time). */
  provisionFailures: Counter<'provisioner'>;
}

/** Buckets for builds and steps: from a second to two hours. */
const RUN_BUCKETS = [1, 2, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200];
/** Buckets for Engine API calls: from 5 ms to 30 s. */
const API_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

let current: SlipwayMetrics | undefined;

/** This process's metrics, made on first use with the Node.js process metrics (CPU, memory, event loop, GC). */
export function metrics(): SlipwayMetrics {
  current ??= createMetrics(true);
  return current;
}

/** A fresh set on a registry of its own (tests that read exact values); `metrics()` is the process's. */
export function createMetrics(processMetrics = false): SlipwayMetrics {
  const registry = new Registry();
  if (processMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    webhooks: new Counter({
      name: 'slipway_webhooks_total',
      help: 'Webhook deliveries by GitHub event and outcome',
      labelNames: ['event', 'outcome'] as const,
      registers,
    }),
    queueJobs: new Gauge({
      name: 'slipway_queue_jobs',
      help: 'Jobs per queue and state',
      labelNames: ['queue', 'state'] as const,
      registers,
    }),
    queueOldestWaiting: new Gauge({
      name: 'slipway_queue_oldest_waiting_seconds',
      help: 'Age of the oldest job waiting in each queue (0 when none waits)',
      labelNames: ['queue'] as const,
      registers,
    }),
    buildDuration: new Histogram({
      name: 'slipway_build_duration_seconds',
      help: 'Build durations from start to end, by outcome',
      labelNames: ['outcome'] as const,
      buckets: RUN_BUCKETS,
      registers,
    }),
    stepDuration: new Histogram({
      name: 'slipway_step_duration_seconds',
      help: 'Step durations from start to end, by outcome',
      labelNames: ['outcome'] as const,
      buckets: RUN_BUCKETS,
      registers,
    }),
    stepsRunning: new Gauge({ name: 'slipway_steps_running', help: 'Steps running now', registers }),
    retries: new Counter({
      name: 'slipway_retries_total',
      help: 'Failed attempts that will be tried again, by queue (or step) and cause',
      labelNames: ['queue', 'cause'] as const,
      registers,
    }),
    approvalsWaiting: new Gauge({
      name: 'slipway_approvals_waiting',
      help: "Deploys waiting for people's approval",
      registers,
    }),
    githubRequests: new Counter({
      name: 'slipway_github_requests_total',
      help: 'GitHub API requests by method and outcome',
      labelNames: ['method', 'outcome'] as const,
      registers,
    }),
    githubRateLimitRemaining: new Gauge({
      name: 'slipway_github_rate_limit_remaining',
      help: 'Requests left in the current GitHub rate limit window, per resource',
      labelNames: ['resource'] as const,
      registers,
    }),
    swarmApiDuration: new Histogram({
      name: 'slipway_swarm_api_duration_seconds',
      help: 'Swarm backend calls (Engine API requests) by operation and outcome',
      labelNames: ['operation', 'outcome'] as const,
      buckets: API_BUCKETS,
      registers,
    }),
    provisionedNodes: new Gauge({
      name: 'slipway_provisioned_nodes',
      help: 'Provisioned nodes not yet ended, by provisioner and state',
      labelNames: ['provisioner', 'state'] as const,
      registers,
    }),
    provisionedNodeSeconds: new Counter({
      name: 'slipway_provisioned_node_seconds_total',
      help: 'Seconds provisioned nodes ran, joined to removed, by provisioner',
      labelNames: ['provisioner'] as const,
      registers,
    }),
    provisionFailures: new Counter({
      name: 'slipway_provision_failures_total',
      help: 'Node requests that ended without a node, by provisioner',
      labelNames: ['provisioner'] as const,
      registers,
    }),
  };
}
