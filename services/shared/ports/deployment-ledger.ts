/** What is known of one build's GitHub deployment to one environment. */
export interface DeploymentEntry {
  /** GitHub's deployment id, once created. */
  id?: number;
  /** The rank of the newest deployment status posted (0 in progress, 1 the end). */
  seq?: number;
}

/**
 * The GitHub deployment of each build and environment: its id, so it is created once, and
 * the newest status posted, so a deployment status never goes backwards.
 *
 * Caller: the reporter, for each deployment job: `get`; when there is no id, creates the
 * deployment on GitHub and `saveId`s it; posts the status and `saveSeq`s it. Must tolerate:
 * a job run twice; two reporters creating one deployment at once: `saveId` keeps the first
 * id and returns the one kept, and `saveSeq` keeps the highest.
 */
export interface DeploymentLedger {
  get(buildId: string, environment: string): Promise<DeploymentEntry>;
  /** Records the deployment's id unless one is recorded; returns the id recorded. */
  saveId(buildId: string, environment: string, id: number): Promise<number>;
  /** Records that a status of rank `seq` was posted, unless a higher one was. */
  saveSeq(buildId: string, environment: string, seq: number): Promise<void>;
}
