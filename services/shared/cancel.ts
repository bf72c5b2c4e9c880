import type { Redis } from 'ioredis';

/** Where cancellations and supersessions are announced; the message is the build id. */
export const CANCEL_CHANNEL = 'slipway:cancel';
const key = (buildId: string) => `slipway:cancel:${buildId}`;
const supersededKey = (buildId: string) => `slipway:superseded:${buildId}`;
const latestKey = (repo: string, ref: string) => `slipway:latest:${repo}:${ref}`;

/**
 * Asks for a build to be cancelled. Kept in Redis (an executor that starts the build later
 * still sees it) and announced to running executors.
 */
export async function requestCancel(redis: Redis, buildId: string, reason: string): Promise<void> {
  await redis
    .multi()
    .set(key(buildId), reason, 'EX', 7 * 24 * 3600)
    .publish(CANCEL_CHANNEL, buildId)
    .exec();
}

/** The reason a build was cancelled, if it was. */
export async function cancelReason(redis: Redis, buildId: string): Promise<string | undefined> {
  return (await redis.get(key(buildId))) ?? undefined;
}

/**
 * Records `buildId` as the newest build of a branch; the build it replaces, if any, is
 * superseded: it stops, except a deploy already under way, which finishes.
 */
export async function supersedeOlder(
  redis: Redis,
  repo: string,
  ref: string,
  buildId: string,
  sha: string,
): Promise<string | undefined> {
  const previous = await redis.getset(latestKey(repo, ref), buildId);
  if (!previous || previous === buildId) return undefined;
  await redis
    .multi()
    .set(supersededKey(previous), `superseded by ${sha.slice(0, 7)}`, 'EX', 7 * 24 * 3600)
    .publish(CANCEL_CHANNEL, previous)
    .exec();
  return previous;
}

/** Why a build was superseded, if it was. */
export async function supersededReason(redis: Redis, buildId: string): Promise<string | undefined> {
  return (await redis.get(supersededKey(buildId))) ?? undefined;
}

/** Cancels the newest build of a branch or pull request, if it has one (a closed pull request). */
export async function cancelLatest(
  redis: Redis,
  repo: string,
  ref: string,
  reason: string,
): Promise<string | undefined> {
  const latest = await redis.get(latestKey(repo, ref));
  if (latest) await requestCancel(redis, latest, reason);
  return latest ?? undefined;
}
