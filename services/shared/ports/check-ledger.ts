/** What was posted of one check run: its GitHub id, the look last posted, and how many annotations went with it. */
export interface CheckEntry {
  /** GitHub's check run id, once created. */
  id?: number;
  /** A digest of the status, conclusion, output and buttons last posted. */
  fingerprint?: string;
  /** How many of the run's annotations were sent (GitHub adds each batch to what it has). */
  annotationsSent: number;
}

/** One check run of a build: the commit it is on and its name (`slipway/test`). */
export interface CheckRunKey {
  buildId: string;
  sha: string;
  name: string;
}

/**
 * The check runs each build posted, so no run is created twice and no update is posted twice,
 * whichever reporter replica handles a build's jobs.
 *
 * Caller: the reporter, per check run of a build it reconciles: `claim` the run (one
 * reporter at a time posts to it; `false` means another holds it, and the job is retried
 * later), `get` what was posted, create or update the run on GitHub, `save` what it posted,
 * `release`. Must tolerate: a holder that dies (its claim lapses after `ttlMs`); a claim by
 * its own holder again (renewed); `save` never replacing an id once recorded; `release` by
 * someone who does not hold the claim (does nothing).
 */
export interface CheckLedger {
  get(run: CheckRunKey): Promise<CheckEntry>;
  save(run: CheckRunKey, entry: CheckEntry): Promise<void>;
  claim(run: CheckRunKey, owner: string, ttlMs: number): Promise<boolean>;
  release(run: CheckRunKey, owner: string): Promise<void>;
}
