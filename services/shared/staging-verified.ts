import type { Redis } from 'ioredis';

const key = (repo: string, sha: string) => `slipway:staging-verified:${repo}:${sha}`;

/** Records that this commit passed its stages and was deployed to staging, by which build. */
export async function markStagingVerified(redis: Redis, repo: string, sha: string, buildId: string): Promise<void> {
  await redis.set(key(repo, sha), buildId, 'EX', 180 * 24 * 3600);
}

/** The build that deployed this commit to staging, if one did. */
export async function stagingVerifiedBy(redis: Redis, repo: string, sha: string): Promise<string | undefined> {
  return (await redis.get(key(repo, sha))) ?? undefined;
}
