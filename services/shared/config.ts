import { readFileSync } from 'node:fs';
import type { CloneUrlRewrite } from '../core/trigger/map-event.js';
import { parseHookTargets, type HookTarget } from '../core/reconcile/hook-target.js';
import { redisTargetOf, sentinelUrl, withPassword } from './redis-target.js';
import { readProvisioningConfig, type ProvisioningConfig } from './provision-config.js';

/** Everything an operator can set, read once from the environment at start-up. */
export interface Config {
  /** Secret shared with GitHub's webhook settings. The receiver refuses to start without it. */
  webhookSecret: string;
  /**
   * Where Redis is (shared/redis-target.ts): SLIPWAY_REDIS_URL, or SLIPWAY_REDIS_SENTINELS
   * (host:port,…) with SLIPWAY_REDIS_MASTER_NAME (default `slipway`); SLIPWAY_REDIS_PASSWORD[_FILE] either way.
   */
  redisUrl: string;
  /** GitHub REST API base URL (GitHub Enterprise: https://HOST/api/v3). */
  githubApiUrl: string;
  githubToken: string;
  /** Base URL where people reach Slipway's HTTP API; statuses link here. */
  publicUrl: string;
  port: number;
  cloneUrlRewrite: CloneUrlRewrite;
  gitImage: string;
  /** Concurrent builds per executor process. */
  executorConcurrency: number;
  /** How long a step may wait to be scheduled on a node before it is an error. */
  schedulingTimeoutMs: number;
  /**
   * SLIPWAY_RESERVE_STEP_RESOURCES (`true`, `1`, `yes`, `on`; default off): a step's `resources` are
   * reserved as well as limited, so the swarm holds a step back until a node has them free
   * (within SLIPWAY_SCHEDULING_TIMEOUT_MS), and the capacity loop may provision a node for it.
   */
  reserveStepResources: boolean;
  /** Default time limit for one step. */
  stepTimeoutMs: number;
  /** How long an executor holds a build job's lock without renewing it; a dead executor's build resumes after it. */
  buildLockMs: number;
  /** How long a planner holds a request job's lock without renewing it; a dead planner's jobs are planned after it. */
  planLockMs: number;
  /** JSON file with the secrets builds may use: `{"name": "value", "repos": {"owner/repo": {"name": "value"}}}`. */
  secretsFile: string;
  /** Volume driver of build workspaces (`local` pins each build to one node). */
  volumeDriver: string;
  /** Names this installation on the swarm: its reaper leaves other installations' objects alone. */
  instance: string;
  /** SLIPWAY_CLEANUP_IMAGE: an image with `node` on every node, for the job removing builds' leftovers there. */
  cleanupImage: string;
  /** SLIPWAY_APP_HOST: the host name people reach manual tests' applications at (default: the node's address). */
  appHost: string;
  /** Bearer token for the API's requests that change something (cancel); unset, they are refused. */
  apiToken: string;
  /** How long the node running a step may be down before the step ends in error. */
  nodeLossGraceMs: number;
  /** SLIPWAY_GITHUB_WRITE_GAP_MS: least time between two GitHub writes (statuses, deployments), default 1000. */
  githubWriteGapMs: number;
  /** JSON file saying what each repository's spec may do (host access, limits); see repo-policy.ts. */
  policyFile: string;
  /** How often the merge queue looks again at a head that waits, without an event (SLIPWAY_MERGE_RECHECK_MS). */
  mergeRecheckMs: number;
  /** Token for cloning private repositories over HTTPS; defaults to the GitHub token. */
  gitToken: string;
  /** Where repositories are cloned from for manual runs: https://github.com/ or the Enterprise host. */
  gitBaseUrl: string;
  /**
   * Authenticate as a GitHub App instead of with a token: each repository as its own
   * installation (from the webhook, or looked up with the App's JWT). `installationId`
   * (SLIPWAY_GITHUB_APP_INSTALLATION_ID, optional) is used for repositories whose installation cannot be found.
   */
  githubApp?: { appId: string; privateKey: string; installationId?: number };
  /** SLIPWAY_STATUSES: in App mode, post commit statuses beside check runs (default on; always on with a token). */
  statuses: boolean;
  /** Sign in with GitHub (the App's or an OAuth App's client id and secret, and the cookies' signing secret). */
  signIn?: { clientId: string; clientSecret: string; sessionSecret: string };
  /** How long a browser session lasts. */
  sessionTtlMs: number;
  /** SLIPWAY_PUBLIC_READS: anyone may read public repositories' builds and logs (default off). */
  publicReads: boolean;
  /** SLIPWAY_ADMINS: GitHub logins that hold the `admin` scope (the audit trail, every build). */
  admins: string[];
  /** SLIPWAY_HOST: the address the receiver binds (default every address). */
  host: string;
  /** SLIPWAY_TRUST_PROXY: take the client's address from `X-Forwarded-For` (behind a TLS proxy). */
  trustProxy: boolean;
  /** SLIPWAY_CORS_ORIGINS: origins allowed to call the API from a browser (none by default). */
  corsOrigins: string[];
  /** SLIPWAY_WEBHOOK_HOOKS: repository hooks (`owner/repo#id`) the reconciler checks; App mode adds the App's. */
  webhookHooks: HookTarget[];
  /** SLIPWAY_RECONCILE_INTERVAL_MS: how often the reconciler looks for deliveries without a 2xx (default 5 minutes). */
  reconcileIntervalMs: number;
  /** SLIPWAY_RECONCILE_DELAY_MS: its first pass after start-up (default 5 s). */
  reconcileDelayMs: number;
  /** SLIPWAY_RECONCILE_MIN_AGE_MS: attempts younger than this wait for the next pass (default 10 s). */
  reconcileMinAgeMs: number;
  /**
   * SLIPWAY_HEALTH_PORT: where a process without the receiver (the executor) serves /healthz,
   * /readyz and /metrics; unset, it serves none. The receiver serves them on its own port.
   */
  healthPort?: number;
  /**
   * SLIPWAY_ARTIFACTS_DIR: where builds' artifacts are kept (a directory the executor writes
   * and the receiver reads: one volume in the stack). Default `.slipway/artifacts` under the
   * working directory.
   */
  artifactsDir: string;
  /** SLIPWAY_ARTIFACT_MAX_FILE_BYTES (default 20 MiB) and SLIPWAY_ARTIFACT_MAX_BUILD_BYTES (default 50 MiB). */
  artifactLimits: { maxFileBytes: number; maxBuildBytes: number };
  /** SLIPWAY_ARTIFACT_RETENTION_DAYS: how long a build's artifacts are kept after its last one (default 7). */
  artifactRetentionMs: number;
  /**
   * SLIPWAY_CACHE_DIR: where steps' caches are kept, per repository (a directory every executor
   * may share: one volume in the stack). Default `.slipway/caches` under the working directory.
   */
  cacheDir: string;
  /**
   * SLIPWAY_CACHE_MAX_ENTRY_BYTES (default 100 MiB): the largest cache entry saved;
   * SLIPWAY_CACHE_MAX_REPO_BYTES (default 1 GiB): the most one repository's caches hold, least
   * recently used entries removed past it.
   */
  cacheLimits: { maxEntryBytes: number; maxScopeBytes: number };
  /** Node provisioners and their callback (provision-config.ts); none by default. */
  provisioning: ProvisioningConfig;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads the configuration; `need` lists settings the calling service cannot do without. */
export function loadConfig(rawEnv: NodeJS.ProcessEnv = process.env, needed: Array<keyof Config> = []): Config {
  let need = needed;
  const env = withFileSecrets(rawEnv);
  const port = Number(env.SLIPWAY_PORT ?? 3000);
  const config: Config = {
    webhookSecret: env.SLIPWAY_WEBHOOK_SECRET ?? '',
    redisUrl: redisSetting(env),
    githubApiUrl: (env.SLIPWAY_GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, ''),
    githubToken: env.SLIPWAY_GITHUB_TOKEN ?? '',
    publicUrl: (env.SLIPWAY_PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    port,
    cloneUrlRewrite: parseRewrite(env.SLIPWAY_CLONE_URL_REWRITE ?? ''),
    gitImage: env.SLIPWAY_GIT_IMAGE ?? 'slipway/git:1',
    executorConcurrency: Number(env.SLIPWAY_EXECUTOR_CONCURRENCY ?? 4),
    schedulingTimeoutMs: Number(env.SLIPWAY_SCHEDULING_TIMEOUT_MS ?? 120_000),
    reserveStepResources: /^(1|true|yes|on)$/i.test(env.SLIPWAY_RESERVE_STEP_RESOURCES ?? ''),
    stepTimeoutMs: Number(env.SLIPWAY_STEP_TIMEOUT_MS ?? 3_600_000),
    buildLockMs: Number(env.SLIPWAY_BUILD_LOCK_MS ?? 30_000),
    planLockMs: Number(env.SLIPWAY_PLAN_LOCK_MS ?? 30_000),
    secretsFile: env.SLIPWAY_SECRETS_FILE ?? '',
    volumeDriver: env.SLIPWAY_VOLUME_DRIVER ?? 'local',
    instance: env.SLIPWAY_INSTANCE ?? 'default',
    cleanupImage: env.SLIPWAY_CLEANUP_IMAGE ?? '',
    appHost: env.SLIPWAY_APP_HOST ?? '',
    apiToken: env.SLIPWAY_API_TOKEN ?? '',
    nodeLossGraceMs: Number(env.SLIPWAY_NODE_LOSS_GRACE_MS ?? 15_000),
    githubWriteGapMs: Number(env.SLIPWAY_GITHUB_WRITE_GAP_MS ?? 1_000),
    policyFile: env.SLIPWAY_POLICY_FILE ?? '',
    mergeRecheckMs: Number(env.SLIPWAY_MERGE_RECHECK_MS ?? 30_000),
    gitToken: env.SLIPWAY_GIT_TOKEN ?? env.SLIPWAY_GITHUB_TOKEN ?? '',
    gitBaseUrl: env.SLIPWAY_GIT_BASE_URL ?? 'https://github.com/',
    sessionTtlMs: Number(env.SLIPWAY_SESSION_TTL_MS ?? 12 * 3_600_000),
    publicReads: /^(1|true|yes|on)$/i.test(env.SLIPWAY_PUBLIC_READS ?? ''),
    admins: list(env.SLIPWAY_ADMINS),
    host: env.SLIPWAY_HOST ?? '',
    trustProxy: /^(1|true|yes|on)$/i.test(env.SLIPWAY_TRUST_PROXY ?? ''),
    corsOrigins: list(env.SLIPWAY_CORS_ORIGINS),
    webhookHooks: hookTargets(env.SLIPWAY_WEBHOOK_HOOKS ?? ''),
    reconcileIntervalMs: Number(env.SLIPWAY_RECONCILE_INTERVAL_MS ?? 300_000),
    reconcileDelayMs: Number(env.SLIPWAY_RECONCILE_DELAY_MS ?? 5_000),
    reconcileMinAgeMs: Number(env.SLIPWAY_RECONCILE_MIN_AGE_MS ?? 10_000),
    statuses: !/^(0|false|no|off)$/i.test(env.SLIPWAY_STATUSES ?? ''),
    artifactsDir: env.SLIPWAY_ARTIFACTS_DIR ?? '.slipway/artifacts',
    artifactLimits: {
      maxFileBytes: Number(env.SLIPWAY_ARTIFACT_MAX_FILE_BYTES ?? 20 * 1024 * 1024),
      maxBuildBytes: Number(env.SLIPWAY_ARTIFACT_MAX_BUILD_BYTES ?? 50 * 1024 * 1024),
    },
    artifactRetentionMs: Number(env.SLIPWAY_ARTIFACT_RETENTION_DAYS ?? 7) * 86_400_000,
    cacheDir: env.SLIPWAY_CACHE_DIR ?? '.slipway/caches',
    cacheLimits: {
      maxEntryBytes: Number(env.SLIPWAY_CACHE_MAX_ENTRY_BYTES ?? 100 * 1024 * 1024),
      maxScopeBytes: Number(env.SLIPWAY_CACHE_MAX_REPO_BYTES ?? 1024 * 1024 * 1024),
    },
    provisioning: provisioningOf(env),
    ...(env.SLIPWAY_HEALTH_PORT ? { healthPort: Number(env.SLIPWAY_HEALTH_PORT) } : {}),
    ...(env.SLIPWAY_GITHUB_CLIENT_ID
      ? {
          signIn: {
            clientId: env.SLIPWAY_GITHUB_CLIENT_ID,
            clientSecret: env.SLIPWAY_GITHUB_CLIENT_SECRET ?? '',
            sessionSecret: env.SLIPWAY_SESSION_SECRET ?? '',
          },
        }
      : {}),
    ...(env.SLIPWAY_GITHUB_APP_ID
      ? {
          githubApp: {
            appId: env.SLIPWAY_GITHUB_APP_ID,
            privateKey: (env.SLIPWAY_GITHUB_APP_PRIVATE_KEY ?? '').replace(/\\n/g, '\n'),
            ...(env.SLIPWAY_GITHUB_APP_INSTALLATION_ID
              ? { installationId: Number(env.SLIPWAY_GITHUB_APP_INSTALLATION_ID) }
              : {}),
          },
        }
      : {}),
  };
  if (config.githubApp && !config.githubApp.privateKey) {
    throw new ConfigError('SLIPWAY_GITHUB_APP_ID needs SLIPWAY_GITHUB_APP_PRIVATE_KEY (or _FILE)');
  }
  if (config.githubApp?.installationId !== undefined && !Number.isInteger(config.githubApp.installationId)) {
    throw new ConfigError('SLIPWAY_GITHUB_APP_INSTALLATION_ID must be a number (or be left out)');
  }
  if (config.signIn && (!config.signIn.clientSecret || config.signIn.sessionSecret.length < 32)) {
    throw new ConfigError(
      'SLIPWAY_GITHUB_CLIENT_ID needs SLIPWAY_GITHUB_CLIENT_SECRET and SLIPWAY_SESSION_SECRET (32 characters or more)',
    );
  }
  if (config.healthPort !== undefined && !(Number.isInteger(config.healthPort) && config.healthPort >= 0)) {
    throw new ConfigError('SLIPWAY_HEALTH_PORT must be a port number (0 picks a free one)');
  }
  if (config.githubApp && need.includes('githubToken')) need = need.filter((n) => n !== 'githubToken');
  const names: Partial<Record<keyof Config, string>> = {
    webhookSecret: 'SLIPWAY_WEBHOOK_SECRET',
    githubToken: 'SLIPWAY_GITHUB_TOKEN',
  };
  for (const key of need) {
    if (!config[key]) throw new ConfigError(`${names[key] ?? key} is not set; Slipway cannot start without it`);
  }
  for (const key of [
    'port',
    'executorConcurrency',
    'schedulingTimeoutMs',
    'stepTimeoutMs',
    'buildLockMs',
    'planLockMs',
    'nodeLossGraceMs',
    'sessionTtlMs',
    'mergeRecheckMs',
    'reconcileIntervalMs',
  ] as const) {
    if (!Number.isFinite(config[key]) || config[key] <= 0) throw new ConfigError(`${key} must be a positive number`);
  }
  for (const [name, value] of [
    ['SLIPWAY_ARTIFACT_MAX_FILE_BYTES', config.artifactLimits.maxFileBytes],
    ['SLIPWAY_ARTIFACT_MAX_BUILD_BYTES', config.artifactLimits.maxBuildBytes],
    ['SLIPWAY_ARTIFACT_RETENTION_DAYS', config.artifactRetentionMs],
    ['SLIPWAY_CACHE_MAX_ENTRY_BYTES', config.cacheLimits.maxEntryBytes],
    ['SLIPWAY_CACHE_MAX_REPO_BYTES', config.cacheLimits.maxScopeBytes],
  ] as const) {
    if (!Number.isFinite(value) || value <= 0) throw new ConfigError(`${name} must be a positive number`);
  }
  if (!Number.isFinite(config.githubWriteGapMs) || config.githubWriteGapMs < 0)
    throw new ConfigError('SLIPWAY_GITHUB_WRITE_GAP_MS must be a number of milliseconds, 0 or more');
  return config;
}

function provisioningOf(env: NodeJS.ProcessEnv): ProvisioningConfig {
  try {
    return readProvisioningConfig(env);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}

function redisSetting(env: NodeJS.ProcessEnv): string {
  const password = env.SLIPWAY_REDIS_PASSWORD ?? '';
  const url = env.SLIPWAY_REDIS_SENTINELS
    ? sentinelUrl({
        sentinels: env.SLIPWAY_REDIS_SENTINELS,
        masterName: env.SLIPWAY_REDIS_MASTER_NAME ?? 'slipway',
        password,
      })
    : withPassword(env.SLIPWAY_REDIS_URL ?? 'redis://127.0.0.1:6379', password);
  try {
    redisTargetOf(url);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  return url;
}

function hookTargets(text: string): HookTarget[] {
  try {
    return parseHookTargets(text);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}

/** A comma-separated setting as a list, without blanks. */
function list(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

/** `https://github.com/=git://mirror/,https://a/=https://b/` → rules, first match wins. */
function parseRewrite(text: string): CloneUrlRewrite {
  return text
    .split(',')
    .map((rule) => rule.trim())
    .filter(Boolean)
    .map((rule) => {
      const eq = rule.indexOf('=');
      if (eq <= 0) throw new ConfigError(`SLIPWAY_CLONE_URL_REWRITE: "${rule}" is not FROM=TO`);
      return { from: rule.slice(0, eq), to: rule.slice(eq + 1) };
    });
}

/**
 * `SLIPWAY_X_FILE=/run/secrets/x` sets `SLIPWAY_X` from that file (Docker secrets), so
 * secrets need not sit in the service's environment.
 */
function withFileSecrets(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const [key, path] of Object.entries(env)) {
    if (!key.startsWith('SLIPWAY_') || !key.endsWith('_FILE') || !path) continue;
    try {
      out[key.slice(0, -'_FILE'.length)] = readFileSync(path, 'utf8').trim();
    } catch (err) {
      throw new ConfigError(`${key}: cannot read ${path}: ${(err as Error).message}`);
    }
  }
  return out;
}

/** Reads a JSON file named by a setting, or says which setting points at what could not be read. */
export function readJsonSetting<T>(setting: string, path: string): T {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (err) {
    throw new ConfigError(`${setting}: cannot read ${path}: ${(err as Error).message}`);
  }
}
