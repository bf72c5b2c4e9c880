const WRITE = new Set(['admin', 'maintain', 'write']);

/**
 * May this person put a pull request into (or take it out of) the merge queue? They need
 * write permission on the base repository, as pushing to it would. Pure.
 */
export function mayQueue(user: string, role: string): { ok: true } | { ok: false; why: string } {
  if (WRITE.has(role)) return { ok: true };
  return {
    ok: false,
    why: `@${user} has ${role} permission on this repository; /merge needs write permission`,
  };
}
