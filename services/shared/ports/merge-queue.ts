import type { QueuedPull } from '../../core/merge-queue/types.js';

/** A promotion Slipway merged with its approvals met: the deploy that follows needs no second approval. */
export interface Promotion {
  repo: string;
  sha: string;
  environment: string;
  pullRequest: number;
  approvers: string[];
  at: string;
}

/**
 * The merge queues: one per repository and base branch, oldest first, and the promotions
 * merged.
 *
 * Callers: the merge worker (one job at a time, so one writer) `enqueue`s on `/merge`,
 * `list`s a base's queue to find its head, `update`s an entry it rebased, `remove`s what
 * leaves; the API and dashboard `list` and `find`; the executor's approval gate reads
 * `promotionOf` before parking a deploy.
 *
 * Must tolerate: `enqueue` twice for a pull request (the first entry and place are kept,
 * whatever base the second names), `remove` of one not queued (undefined), a store restart.
 */
export interface MergeQueue {
  /** Appends to the end of its base's queue; `index` is its place (0 = head) after the call. */
  enqueue(entry: QueuedPull): Promise<{ index: number; added: boolean; entry: QueuedPull }>;
  /** Takes a pull request out of whatever queue it is in; the entry it had, if any. */
  remove(repo: string, number: number): Promise<QueuedPull | undefined>;
  /** Replaces a queued pull request's entry, keeping its place; nothing for one not queued. */
  update(entry: QueuedPull): Promise<void>;
  /** A base branch's queue, oldest first. */
  list(repo: string, base: string): Promise<QueuedPull[]>;
  /** Every pull request queued in a repository, whatever its base. */
  queued(repo: string): Promise<QueuedPull[]>;
  /** A pull request's entry, in whichever base's queue. */
  find(repo: string, number: number): Promise<QueuedPull | undefined>;
  recordPromotion(promotion: Promotion): Promise<void>;
  /** The promotion that merged `sha` into `environment`'s branch, if Slipway merged one. */
  promotionOf(repo: string, sha: string, environment: string): Promise<Promotion | undefined>;
}
