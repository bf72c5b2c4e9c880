import type { BuildRequest } from '../build/types.js';

/** What the receiver does with one delivery. */
export type TriggerDecision =
  | { action: 'build'; request: BuildRequest }
  | { action: 'ignore'; reason: string };

const ZERO_SHA = /^0{40}$/;

/** Rewrites clone URLs (e.g. to a mirror or an internal git server), first matching prefix wins. */
export type CloneUrlRewrite = ReadonlyArray<{ from: string; to: string }>;

/**
 * Maps a GitHub event and its payload to a build request, or says why it starts nothing.
 * Pure: the delivery id makes the request id, so a redelivery maps to the same request.
 */
export function mapEvent(
  event: string,
  deliveryId: string,
  payload: unknown,
  rewrite: CloneUrlRewrite = [],
): TriggerDecision {
  if (event === 'push') return mapPush(deliveryId, payload as PushPayload, rewrite);
  return { action: 'ignore', reason: `event "${event}" starts no build` };
}

interface PushPayload {
  ref: string;
  after: string;
  deleted?: boolean;
  repository: { name: string; owner: { login?: string; name?: string | null }; clone_url: string };
  sender?: { login: string };
  pusher?: { name: string };
}

function mapPush(deliveryId: string, p: PushPayload, rewrite: CloneUrlRewrite): TriggerDecision {
  if (p.deleted || ZERO_SHA.test(p.after)) return { action: 'ignore', reason: `${p.ref} was deleted` };
  if (!p.ref.startsWith('refs/heads/')) return { action: 'ignore', reason: `${p.ref} is not a branch` };
  const owner = p.repository.owner.login ?? p.repository.owner.name ?? '';
  return {
    action: 'build',
    request: {
      id: deliveryId,
      event: 'push',
      repo: { owner, name: p.repository.name },
      sha: p.after,
      ref: p.ref,
      cloneUrl: rewriteCloneUrl(p.repository.clone_url, rewrite),
      sender: p.sender?.login ?? p.pusher?.name ?? 'unknown',
    },
  };
}

export function rewriteCloneUrl(url: string, rewrite: CloneUrlRewrite): string {
  const rule = rewrite.find((r) => url.startsWith(r.from));
  return rule ? rule.to + url.slice(rule.from.length) : url;
}
