import type { Redis } from 'ioredis';

/** Where cancellations are announced; the message is the build id. */
export const CANCEL_CHANNEL = 'slipway:cancel';
const key = (buildId: string) => `slipway:cancel:${buildId}`;

/**
 * Asks for a build to be cancelled. Kept in Redis (an executor that starts the build later
 * still sees it) and announced to running executors.
 */
export async function requestCancel(redis: Redis, buildId: string, reason: string): Promise<void> {
  await redis.multi().set(key(buildId), reason, 'EX', 7 * 24 * 3600).publish(CANCEL_CHANNEL, buildId).exec();
}

/** The reason a build was cancelled, if it was. */
export async function cancelReason(redis: Redis, buildId: string): Promise<string | undefined> {
  return (await redis.get(key(buildId))) ?? undefined;
}
