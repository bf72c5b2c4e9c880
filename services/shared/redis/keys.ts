/**
 * Every Redis key and channel of Slipway's own state, and how long each lives. (BullMQ keeps
 * its queues under `bull:slipway-*`.) Repositories are `owner/name`; refs are full refs.
 */
export const KEYS = {
  /** String: a build record (JSON). */
  build: (buildId: string) => `slipway:build:${buildId}`,
  /** Sorted set: build ids by creation time, for `recent`. */
  recentBuilds: 'slipway:builds',
  /** Sorted set: a repository's build ids by creation time, for the API's list by repository. */
  buildsOfRepo: (repo: string) => `slipway:builds:repo:${repo}`,
  /** Stream: build events (contract A), field `e` = the event's JSON; trimmed to the newest ~50,000. */
  events: 'slipway:events',
  /** Hash: outgoing webhook subscriptions (id → JSON). */
  hooks: 'slipway:hooks',
  /** List: a subscription's last deliveries, newest first (JSON each). */
  hookDeliveries: (id: string) => `slipway:hook-deliveries:${id}`,
  /** String: the last build event id the outgoing dispatcher handed on. */
  hookCursor: 'slipway:hooks:cursor',
  /** List: a step's log lines (JSON each). */
  log: (buildId: string, step: string) => `slipway:log:${buildId}:${step}`,
  /** Channel: a step's new lines (`{end, lines, done?}`). */
  logChannel: (buildId: string, step: string) => `slipway:log-live:${buildId}:${step}`,
  /** Channel: a build id, when a stop was recorded for it. */
  stopChannel: 'slipway:cancel',
  /** String: why a build was cancelled. */
  cancelled: (buildId: string) => `slipway:cancel:${buildId}`,
  /** String: why a build was superseded. */
  superseded: (buildId: string) => `slipway:superseded:${buildId}`,
  /** String: the newest build of a branch or pull request ref. */
  latest: (repo: string, ref: string) => `slipway:latest:${repo}:${ref}`,
  /** String: the status the reporter last posted on a context of a commit (JSON). */
  posted: (repo: string, sha: string, context: string) => `slipway:posted:${repo}:${sha}:${context}`,
  /** Hash: a build's GitHub deployment to an environment: `id`, `seq`. */
  deployment: (buildId: string, environment: string) => `slipway:deployment:${buildId}:${environment}`,
  /** String: the build that deployed a commit to staging. */
  stagingVerified: (repo: string, sha: string) => `slipway:staging-verified:${repo}:${sha}`,
  /** Hash: a check run a build posted: `id`, `fingerprint`, `sent` (annotations). */
  checkRun: (buildId: string, sha: string, name: string) => `slipway:check-run:${buildId}:${sha}:${name}`,
  /** String: the reporter replica posting to a check run now (expires). */
  checkClaim: (buildId: string, sha: string, name: string) => `slipway:check-claim:${buildId}:${sha}:${name}`,
  /** String: a parked deploy (JSON). */
  approval: (buildId: string) => `slipway:approval:${buildId}`,
  /** String: the build whose deploy of a commit waits for an approval. */
  approvalFor: (repo: string, sha: string) => `slipway:approval-for:${repo}:${sha}`,
  /** Set: ids of the builds whose parked deploy is still pending (for the approvals-waiting gauge). */
  approvalsPending: 'slipway:approvals-pending',
  /** String: a stage held for a manual test, with its plan (JSON). */
  manualGate: (buildId: string) => `slipway:manual-gate:${buildId}`,
  /** String: the build whose stage of a commit is held for a manual test. */
  manualGateFor: (repo: string, sha: string) => `slipway:manual-gate-for:${repo}:${sha}`,
  /** Hash: a lock's holders (owner → lease expiry, ms). */
  lockHolders: (name: string) => `slipway:lock:${name}:holders`,
  /** Sorted set: a lock's waiters by arrival. */
  lockQueue: (name: string) => `slipway:lock:${name}:queue`,
  /** Hash: a lock's waiters (owner → when their place in line lapses, ms), renewed by each poll. */
  lockWaiters: (name: string) => `slipway:lock:${name}:waiters`,
  /** Stream: every audit entry; the two below index it by build and repository with the same ids. */
  audit: 'slipway:audit',
  auditOfBuild: (buildId: string) => `slipway:audit:build:${buildId}`,
  auditOfRepo: (repo: string) => `slipway:audit:repo:${repo}`,
  /** Set: ids of audit entries appended, so an entry is appended once. */
  auditIds: 'slipway:audit-ids',
  /** String: a browser session (JSON), by the sha-256 of its cookie id; expires with the session. */
  session: (key: string) => `slipway:session:${key}`,
  /** String: a personal API token's record (JSON, the secret only as a hash); never expires. */
  personalToken: (id: string) => `slipway:token:${id}`,
  /** Set: the ids of a person's tokens. */
  tokensOf: (owner: string) => `slipway:tokens-of:${owner}`,
  /** String: a person's role on a repository as GitHub said it, for a short while. */
  permission: (login: string, repo: string) => `slipway:permission:${login.toLowerCase()}:${repo.toLowerCase()}`,
  /** String: the delivery id that first brought a webhook body (by its sha-256), for GitHub's 3-day window. */
  deliveryOfBody: (bodyHash: string) => `slipway:delivery-body:${bodyHash}`,
  /** Sorted set: a base branch's merge queue, pull request numbers scored by `mergeSeq`. */
  mergeQueue: (repo: string, base: string) => `slipway:merge-queue:${repo}:${base}`,
  /** Hash: a repository's queued pull requests (number → entry JSON), whatever their base. */
  mergeEntries: (repo: string) => `slipway:merge-entries:${repo}`,
  /** Counter: the order pull requests were queued in. */
  mergeSeq: 'slipway:merge-seq',
  /** String: a promotion Slipway merged with its approvals met (JSON). */
  promotion: (repo: string, sha: string, environment: string) => `slipway:promotion:${repo}:${sha}:${environment}`,
  /** Hash: a manual run's secret parameters (name → value), by request id, for the TTL given (3 days). */
  secretParams: (requestId: string) => `slipway:secret-params:${requestId}`,
  /** String: a redelivery the reconciler asked GitHub for (a hook's delivery id, its round; JSON), for 4 days. */
  redelivery: (hook: string, guid: string, round: number) => `slipway:redelivery:${hook}:${guid}:${round}`,
  /** Sorted set: executor ids by the time their last report expires. */
  executors: 'slipway:executors',
  /** String: an executor's last report (JSON), expiring with it. */
  executor: (id: string) => `slipway:executor:${id}`,
  /** String: a node asked of a provisioner (JSON), for a week after its last change. */
  provision: (id: string) => `slipway:provision:${id}`,
  /** Sorted set: provision request ids by the time they were asked for. */
  provisions: 'slipway:provisions',
  /** Hash: `BUILD NODE` per node an unfinished build keeps a workspace on (the capacity loop keeps those nodes). */
  provisionHolds: 'slipway:provision-holds',
  /** String: the capacity loop's acting lease (its holder), expiring unless renewed. */
  provisionLease: 'slipway:provision-lease',
} as const;

const DAY = 24 * 3600;

/** Seconds each kind of key lives; the audit trail never expires. */
export const TTL = {
  provision: 7 * DAY,
  build: 30 * DAY,
  stop: 7 * DAY,
  posted: 90 * DAY,
  deployment: 90 * DAY,
  checkRun: 90 * DAY,
  stagingVerified: 180 * DAY,
  approval: 90 * DAY,
  manualGate: 30 * DAY,
  promotion: 90 * DAY,
} as const;
