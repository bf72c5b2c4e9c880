import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { processDeployment } from '../../../services/reporter/process-deployment.js';
import { processStatus } from '../../../services/reporter/process-status.js';
import { createGitHub } from '../../../services/shared/github.js';
import { MemoryDeploymentLedger } from '../../../services/shared/memory/memory-deployment-ledger.js';
import { MemoryStatusLedger } from '../../../services/shared/memory/memory-status-ledger.js';
import type { DeploymentJob, StatusJob } from '../../../services/shared/queues.js';
import { GitHubStandIn, lostAnswer } from '../../support/github-stand-in.js';

const OWNER = 'acme';
const REPO = 'reporter';
const TOKEN = 'reporter-token';

/** The reporter's handlers on memory ledgers, posting to the GitHub stand-in through the real client. */
describe('the reporter', () => {
  let standIn: GitHubStandIn;
  let github: ReturnType<typeof createGitHub>;
  let sha: string;

  beforeAll(async () => {
    standIn = await GitHubStandIn.start({ gitHost: '127.0.0.1', token: TOKEN });
    github = createGitHub(standIn.apiUrl, { token: TOKEN });
    await standIn.createRepo(OWNER, REPO);
    sha = await standIn.commit(OWNER, REPO, 'master', { 'README.md': 'hi\n' });
  });

  afterAll(async () => {
    expect(standIn.violations).toEqual([]);
    await standIn?.stop();
  });

  const status = (buildId: string, seq: number, state: StatusJob['status']['state'], description: string) =>
    ({
      buildId,
      owner: OWNER,
      repo: REPO,
      sha,
      seq,
      status: { context: `slipway/${buildId}`, state, description, target_url: `http://slipway/builds/${buildId}` },
    }) satisfies StatusJob;
  const posted = (context: string) => standIn.statuses(OWNER, REPO, sha).filter((s) => s.context === context);

  it('posts a status only when it changes what GitHub shows', async () => {
    const deps = { github, ledger: new MemoryStatusLedger() };
    expect(await processStatus(status('b1', 0, 'pending', 'Queued'), deps)).toBe('posted');
    expect(await processStatus(status('b1', 0, 'pending', 'Queued'), deps)).toBe('unchanged');
    expect(await processStatus(status('b1', 2, 'pending', 'Queued'), deps)).toBe('unchanged');
    expect(await processStatus(status('b1', 2, 'pending', 'Running'), deps)).toBe('posted');
    expect(posted('slipway/b1').map((s) => s.description)).toEqual(['Queued', 'Running']);
  });

  it('never lets a late, lower-ranked status of a build replace a later one; a newer build may', async () => {
    const deps = { github, ledger: new MemoryStatusLedger() };
    await processStatus(status('b2', 3, 'success', 'Passed'), deps);
    expect(await processStatus(status('b2', 2, 'pending', 'Running'), deps)).toBe('stale');
    expect(standIn.latestStatus(OWNER, REPO, sha, 'slipway/b2')?.state).toBe('success');
    // Another build on the same commit and context (a re-run) starts over.
    const rerun = { ...status('b2', 0, 'pending', 'Queued'), buildId: 'b2-again' };
    expect(await processStatus(rerun, deps)).toBe('posted');
    expect(standIn.latestStatus(OWNER, REPO, sha, 'slipway/b2')?.state).toBe('pending');
  });

  it('throws while GitHub fails, so the job is retried, and posts on the next attempt', async () => {
    // The client's own retries off, so the one failure reaches the handler.
    const deps = {
      github: createGitHub(standIn.apiUrl, { token: TOKEN }, undefined, { retries: 0 }),
      ledger: new MemoryStatusLedger(),
    };
    standIn.failNext(1, 502);
    await expect(processStatus(status('b3', 0, 'pending', 'Queued'), deps)).rejects.toMatchObject({
      status: 502,
      retryable: true,
    });
    expect(await deps.ledger.last({ owner: OWNER, name: REPO }, sha, 'slipway/b3')).toBeUndefined();
    expect(await processStatus(status('b3', 0, 'pending', 'Queued'), deps)).toBe('posted');
    expect(posted('slipway/b3')).toHaveLength(1);
  });

  it('creates a deployment once per build and environment, and never posts its statuses backwards', async () => {
    const deps = { github, ledger: new MemoryDeploymentLedger() };
    const job = (seq: number, state: DeploymentJob['state']): DeploymentJob => ({
      buildId: 'b4',
      owner: OWNER,
      repo: REPO,
      sha,
      environment: 'staging',
      production: false,
      state,
      description: state === 'in_progress' ? 'Deploying to staging' : 'Deployed to staging',
      environmentUrl: 'https://staging.example.com',
      logUrl: 'http://slipway/builds/b4/steps/ship/log',
      seq,
    });
    expect(await processDeployment(job(0, 'in_progress'), deps)).toBe('posted');
    // The same job run again (a stalled worker) adds a status to the same deployment.
    expect(await processDeployment(job(0, 'in_progress'), deps)).toBe('posted');
    expect(await processDeployment(job(1, 'success'), deps)).toBe('posted');
    expect(await processDeployment(job(0, 'in_progress'), deps)).toBe('stale');
    const deployments = standIn.deployments(OWNER, REPO).filter((d) => d.environment === 'staging');
    expect(deployments).toHaveLength(1);
    expect(deployments[0]).toMatchObject({ sha, auto_merge: false, required_contexts: [] });
    expect(deployments[0]!.statuses.map((s) => s.state)).toEqual(['in_progress', 'in_progress', 'success']);
  });
});

describe('the reporter when GitHub made a deployment but its answer was lost', () => {
  let standIn: GitHubStandIn;
  let sha: string;

  beforeAll(async () => {
    standIn = await GitHubStandIn.start({ gitHost: '127.0.0.1', token: TOKEN });
    await standIn.createRepo(OWNER, REPO);
    sha = await standIn.commit(OWNER, REPO, 'master', { 'README.md': 'hi\n' });
  });

  afterAll(async () => {
    expect(standIn.violations).toEqual([]);
    await standIn?.stop();
  });

  it('finds the deployment on the job retry rather than making a second', async () => {
    // The client's in-place retries on, as in production: the create must still not be sent twice.
    const deps = {
      github: createGitHub(standIn.apiUrl, { token: TOKEN }, undefined, { retryBaseMs: 10 }),
      ledger: new MemoryDeploymentLedger(),
    };
    const job: DeploymentJob = {
      buildId: 'lost1',
      owner: OWNER,
      repo: REPO,
      sha,
      environment: 'staging',
      production: false,
      state: 'in_progress',
      description: 'Deploying to staging',
      logUrl: 'http://slipway/builds/lost1/steps/ship/log',
      seq: 0,
    };
    standIn.failNext(1, lostAnswer(502), 'repos/create-deployment');
    await expect(processDeployment(job, deps)).rejects.toMatchObject({ status: 502, retryable: true });
    expect(standIn.deployments(OWNER, REPO)).toHaveLength(1);
    expect(await processDeployment(job, deps)).toBe('posted');
    const deployments = standIn.deployments(OWNER, REPO);
    expect(deployments).toHaveLength(1);
    expect(deployments[0]!.statuses.map((s) => s.state)).toEqual(['in_progress']);
    expect(standIn.requests.filter((r) => r.operationId === 'repos/create-deployment').map((r) => r.status)).toEqual([
      502,
    ]);
  });
});
