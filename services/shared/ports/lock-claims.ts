import type { LockClaim } from '../../core/plan/types.js';

/** Each lock once, in name order: two builds that need the same locks never hold one each and wait forever. */
export function uniqueClaims(claims: readonly LockClaim[]): LockClaim[] {
  return [...new Map(claims.map((c) => [c.name, c])).values()].sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * What a waiting stage says it waits for, e.g. `for lock "db", held by b123, 2 ahead`:
 * `ahead` is how many waiters are before it in line.
 */
export function waitingFor(claim: LockClaim, holders: readonly string[], ahead = 0): string {
  const kind = claim.capacity > 1 ? `a slot of pool "${claim.name}" (${claim.capacity} slots)` : `lock "${claim.name}"`;
  return `for ${kind}, held by ${holders.join(', ') || 'another build'}${ahead > 0 ? `, ${ahead} ahead` : ''}`;
}
