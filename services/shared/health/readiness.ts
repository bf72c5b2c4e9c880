/**
 * Something a process needs to do its work, asked by `/readyz`: Redis for every service, the
 * Docker API for the executor. `check` resolves when it answers and rejects saying why not;
 * it must not hang (each is also given a deadline here).
 */
export interface ReadinessCheck {
  /** Named in the answer: `redis`, `docker`. */
  name: string;
  check(): Promise<void>;
}

/** What `/readyz` answers: ready when every check passed, with each check's result. */
export interface Readiness {
  ready: boolean;
  checks: Array<{ name: string; ok: boolean; reason?: string }>;
}

/** Runs the checks at once, each within `timeoutMs` (default 2 s): a check that hangs counts as failed. */
export async function readiness(checks: readonly ReadinessCheck[], timeoutMs = 2_000): Promise<Readiness> {
  const results = await Promise.all(
    checks.map(async ({ name, check }) => {
      try {
        await within(check(), timeoutMs, `${name} did not answer within ${timeoutMs} ms`);
        return { name, ok: true };
      } catch (err) {
        return { name, ok: false, reason: err instanceof Error ? err.message : String(err) };
      }
    }),
  );
  return { ready: results.every((r) => r.ok), checks: results };
}

async function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
