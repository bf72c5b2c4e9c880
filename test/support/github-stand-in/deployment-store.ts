import type { RestEndpointMethodTypes } from '@octokit/rest';

/** A deployment as GitHub returns it from `GET /repos/{owner}/{repo}/deployments/{deployment_id}`. */
export type Deployment = RestEndpointMethodTypes['repos']['getDeployment']['response']['data'];

/** A deployment status as GitHub returns it from `POST .../deployments/{deployment_id}/statuses`. */
export type DeploymentStatus = RestEndpointMethodTypes['repos']['getDeploymentStatus']['response']['data'];

/** The states GitHub accepts for a deployment status. */
export const DEPLOYMENT_STATES = [
  'error',
  'failure',
  'inactive',
  'in_progress',
  'queued',
  'pending',
  'success',
] as const;

/** One of {@link DEPLOYMENT_STATES}. */
export type DeploymentState = (typeof DEPLOYMENT_STATES)[number];

/** A deployment with what GitHub keeps about it but does not return. */
export interface StoredDeployment {
  /** The wire object; replaced when a status moves the deployment to another environment. */
  deployment: Deployment;
  /** As sent (default true). The stand-in never merges; it only records the flag. */
  auto_merge: boolean;
  /** As sent, or null when the request left it out (GitHub then checks every context). */
  required_contexts: string[] | null;
  /** The deployment's statuses, oldest first. */
  statuses: DeploymentStatus[];
}

/** Deployments per repository, in creation order, each with its statuses. */
export class DeploymentStore {
  private readonly byRepo = new Map<string, StoredDeployment[]>();
  private nextDeploymentId = 1;
  private nextStatusId = 1;

  /** A fresh deployment id (GitHub's ids increase). */
  allocateDeploymentId(): number {
    return this.nextDeploymentId++;
  }

  /** A fresh deployment status id (a sequence of its own, as on GitHub). */
  allocateStatusId(): number {
    return this.nextStatusId++;
  }

  /** Records a new deployment of `owner/repo`. */
  add(owner: string, repo: string, stored: StoredDeployment): void {
    const key = repoKey(owner, repo);
    this.byRepo.set(key, [...(this.byRepo.get(key) ?? []), stored]);
  }

  /** Every deployment of `owner/repo`, oldest first. */
  list(owner: string, repo: string): readonly StoredDeployment[] {
    return this.byRepo.get(repoKey(owner, repo)) ?? [];
  }

  /** The deployment `id` of `owner/repo`, or undefined (ids of other repositories included). */
  get(owner: string, repo: string, id: number): StoredDeployment | undefined {
    return this.list(owner, repo).find((d) => d.deployment.id === id);
  }
}

function repoKey(owner: string, repo: string): string {
  // GitHub owner and repository names are case-insensitive.
  return `${owner.toLowerCase()}/${repo.toLowerCase()}`;
}
