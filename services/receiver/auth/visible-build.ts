import type { Context } from 'koa';
import type { BuildRecord } from '../../core/builds/record.js';
import type { BuildStore } from '../../shared/ports/build-store.js';
import { principalOf } from './principal-of.js';
import type { RepoAccess } from './repo-access.js';

/**
 * The build `id` when it exists, is readable as a record, and the request's principal may
 * read its repository; otherwise undefined, and the caller answers the same 404 either way.
 */
export async function visibleBuild(
  ctx: Context,
  builds: BuildStore,
  access: RepoAccess,
  id: string,
): Promise<BuildRecord | undefined> {
  const build = await builds.get(id);
  const repo = build?.request?.repo;
  if (!build || typeof repo?.owner !== 'string' || typeof repo.name !== 'string') return undefined;
  const visibility = build.request.private === false ? { private: false } : { private: true };
  return (await access.canRead(principalOf(ctx), { ...repo, ...visibility })) ? build : undefined;
}

/** Of `builds`, those the request's principal may read, in order. Each repository is judged once. */
export async function visibleBuilds(
  ctx: Context,
  builds: readonly BuildRecord[],
  access: RepoAccess,
): Promise<BuildRecord[]> {
  const principal = principalOf(ctx);
  const verdicts = new Map<string, Promise<boolean>>();
  const visible: BuildRecord[] = [];
  for (const build of builds) {
    const repo = build?.request?.repo;
    if (typeof repo?.owner !== 'string' || typeof repo.name !== 'string') continue;
    const isPrivate = build.request.private !== false;
    const key = `${repo.owner}/${repo.name}:${isPrivate}`;
    if (!verdicts.has(key)) verdicts.set(key, access.canRead(principal, { ...repo, private: isPrivate }));
    if (await verdicts.get(key)) visible.push(build);
  }
  return visible;
}
