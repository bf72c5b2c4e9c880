/** A check run as the stand-in keeps it: what GitHub returns, plus every annotation and who posted it. */
export interface StoredCheckRun {
  id: number;
  owner: string;
  repo: string;
  head_sha: string;
  name: string;
  external_id: string;
  details_url: string | null;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: string | null;
  started_at: string | null;
  completed_at: string | null;
  output: { title: string | null; summary: string | null; text: string | null };
  annotations: Array<Record<string, unknown>>;
  actions: Array<{ label: string; description: string; identifier: string }>;
  suiteId: number;
  /** The installation whose token created the run. */
  installationId: number;
  /** Every status and conclusion it went through, oldest first (`in_progress`, `completed/success` …). */
  history: string[];
  /** How many requests posted to it (create and updates). */
  requests: number;
}

/** Check suites and runs per repository and commit: one suite per installation and commit, as GitHub makes. */
export class CheckStore {
  private readonly runs = new Map<number, StoredCheckRun>();
  private readonly suites = new Map<string, number>();
  private nextId = 1;

  /** The suite of an installation's runs on a commit, made on first use. */
  suiteFor(owner: string, repo: string, sha: string, installationId: number): number {
    const key = `${owner.toLowerCase()}/${repo.toLowerCase()}@${sha}#${installationId}`;
    let id = this.suites.get(key);
    if (id === undefined) {
      id = this.nextId++;
      this.suites.set(key, id);
    }
    return id;
  }

  allocateId(): number {
    return this.nextId++;
  }

  add(run: StoredCheckRun): void {
    this.runs.set(run.id, run);
  }

  get(owner: string, repo: string, id: number): StoredCheckRun | undefined {
    const run = this.runs.get(id);
    return run && run.owner.toLowerCase() === owner.toLowerCase() && run.repo.toLowerCase() === repo.toLowerCase()
      ? run
      : undefined;
  }

  /** The runs on a commit of a repository, oldest first. */
  list(owner: string, repo: string, sha: string): StoredCheckRun[] {
    return [...this.runs.values()].filter(
      (r) =>
        r.owner.toLowerCase() === owner.toLowerCase() &&
        r.repo.toLowerCase() === repo.toLowerCase() &&
        r.head_sha === sha,
    );
  }
}
