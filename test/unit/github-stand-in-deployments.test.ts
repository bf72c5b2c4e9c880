import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Octokit } from '@octokit/rest';
import { GitHubStandIn, quietLog } from '../support/github-stand-in.js';

const OWNER = 'octo-org';
const REPO = 'deployed';

describe('GitHubStandIn deployments', () => {
  let standIn: GitHubStandIn;
  let octokit: Octokit;
  let sha: string;

  beforeAll(async () => {
    standIn = await GitHubStandIn.start({ gitHost: '127.0.0.1' });
    octokit = new Octokit({ baseUrl: standIn.apiUrl, auth: 'x', log: quietLog });
    await standIn.createRepo(OWNER, REPO);
    await standIn.commit(OWNER, REPO, 'main', { 'README.md': '# deployed\n' }, 'Initial commit');
    sha = await standIn.commit(OWNER, REPO, 'main', { 'app.txt': 'v2\n' });
  });

  afterAll(async () => {
    await standIn?.stop();
  });

  it('creates a deployment without checks and records it', async () => {
    const violations = await standIn.violationsDuring(async () => {
      const { status, data } = await octokit.rest.repos.createDeployment({
        owner: OWNER,
        repo: REPO,
        ref: 'main',
        environment: 'staging',
        auto_merge: false,
        required_contexts: [],
        payload: { build: 7 },
        description: 'Deploy build 7',
      });
      expect(status).toBe(201);
      expect(data).toMatchObject({
        sha,
        ref: 'main',
        task: 'deploy',
        payload: { build: 7 },
        environment: 'staging',
        original_environment: 'staging',
        description: 'Deploy build 7',
        transient_environment: false,
        production_environment: false,
        creator: { type: 'User' },
      });
    });
    expect(violations).toEqual([]);
    expect(standIn.deployments(OWNER, REPO)).toEqual([
      {
        id: expect.any(Number),
        sha,
        ref: 'main',
        environment: 'staging',
        auto_merge: false,
        required_contexts: [],
        production_environment: false,
        statuses: [],
      },
    ]);
  });

  it('records deployment statuses in order, with the environment URL', async () => {
    const [deployment] = standIn.deployments(OWNER, REPO);
    if (deployment === undefined) throw new Error('no deployment recorded');
    const violations = await standIn.violationsDuring(async () => {
      const progress = await octokit.rest.repos.createDeploymentStatus({
        owner: OWNER,
        repo: REPO,
        deployment_id: deployment.id,
        state: 'in_progress',
        log_url: 'https://ci.example.com/builds/7',
        description: 'Deploying',
      });
      expect(progress.status).toBe(201);
      expect(progress.data).toMatchObject({
        state: 'in_progress',
        environment: 'staging',
        target_url: 'https://ci.example.com/builds/7',
        log_url: 'https://ci.example.com/builds/7',
        environment_url: '',
      });
      const done = await octokit.rest.repos.createDeploymentStatus({
        owner: OWNER,
        repo: REPO,
        deployment_id: deployment.id,
        state: 'success',
        environment_url: 'https://staging.example.com',
      });
      expect(done.status).toBe(201);
      expect(done.data).toMatchObject({ state: 'success', description: '', target_url: '' });

      const listed = await octokit.rest.repos.listDeploymentStatuses({
        owner: OWNER,
        repo: REPO,
        deployment_id: deployment.id,
      });
      expect(listed.data.map((s) => s.state)).toEqual(['success', 'in_progress']);
    });
    expect(violations).toEqual([]);
    expect(standIn.deployments(OWNER, REPO)[0]?.statuses).toEqual([
      {
        state: 'in_progress',
        environment_url: null,
        log_url: 'https://ci.example.com/builds/7',
        description: 'Deploying',
      },
      { state: 'success', environment_url: 'https://staging.example.com', log_url: null, description: null },
    ]);
  });

  it('answers 422 for a ref that names no commit', async () => {
    await expect(
      octokit.rest.repos.createDeployment({
        owner: OWNER,
        repo: REPO,
        ref: 'no-such-branch',
        auto_merge: false,
        required_contexts: [],
      }),
    ).rejects.toMatchObject({ status: 422, response: { data: { message: 'No ref found for: no-such-branch' } } });
    expect(standIn.deployments(OWNER, REPO)).toHaveLength(1);
  });

  it('answers 409 while a required context is not success, and creates once it is', async () => {
    const create = () =>
      octokit.rest.repos.createDeployment({
        owner: OWNER,
        repo: REPO,
        ref: sha,
        environment: 'production',
        auto_merge: false,
        required_contexts: ['ci/x'],
      });
    const violations = await standIn.violationsDuring(async () => {
      await expect(create()).rejects.toMatchObject({
        status: 409,
        response: {
          data: {
            message: `Conflict: Commit status checks failed for ${sha}.`,
            errors: [
              {
                resource: 'Deployment',
                field: 'required_contexts',
                code: 'invalid',
                contexts: [{ context: 'ci/x', state: 'missing' }],
              },
            ],
          },
        },
      });
      await octokit.rest.repos.createCommitStatus({ owner: OWNER, repo: REPO, sha, state: 'pending', context: 'ci/x' });
      await expect(create()).rejects.toMatchObject({
        status: 409,
        response: { data: { errors: [{ contexts: [{ context: 'ci/x', state: 'pending' }] }] } },
      });
      await octokit.rest.repos.createCommitStatus({ owner: OWNER, repo: REPO, sha, state: 'success', context: 'ci/x' });
      const { status, data } = await create();
      expect(status).toBe(201);
      expect(data).toMatchObject({ sha, ref: sha, environment: 'production', production_environment: true });
    });
    expect(violations).toEqual([]);
    expect(standIn.deployments(OWNER, REPO).at(-1)).toMatchObject({
      sha,
      environment: 'production',
      auto_merge: false,
      required_contexts: ['ci/x'],
      production_environment: true,
    });
  });

  it('answers 422 for an invalid state and 404 for an unknown deployment', async () => {
    const [deployment] = standIn.deployments(OWNER, REPO);
    if (deployment === undefined) throw new Error('no deployment recorded');
    const violations = await standIn.violationsDuring(async () => {
      await expect(
        octokit.rest.repos.createDeploymentStatus({
          owner: OWNER,
          repo: REPO,
          deployment_id: deployment.id,
          state: 'bogus' as 'success',
        }),
      ).rejects.toMatchObject({ status: 422 });
    });
    expect(violations).toEqual([
      expect.stringContaining('request body/state must be equal to one of the allowed values'),
    ]);
    await expect(
      octokit.rest.repos.createDeploymentStatus({ owner: OWNER, repo: REPO, deployment_id: 999_999, state: 'success' }),
    ).rejects.toMatchObject({ status: 404 });
    expect(standIn.deployments(OWNER, REPO)[0]?.statuses).toHaveLength(2);
  });

  it('lists deployments newest first, filtered', async () => {
    const violations = await standIn.violationsDuring(async () => {
      const all = await octokit.rest.repos.listDeployments({ owner: OWNER, repo: REPO });
      expect(all.data.map((d) => d.environment)).toEqual(['production', 'staging']);
      const staging = await octokit.rest.repos.listDeployments({
        owner: OWNER,
        repo: REPO,
        environment: 'staging',
        sha,
      });
      expect(staging.data.map((d) => d.ref)).toEqual(['main']);
      const none = await octokit.rest.repos.listDeployments({ owner: OWNER, repo: REPO, task: 'deploy:migrations' });
      expect(none.data).toEqual([]);
    });
    expect(violations).toEqual([]);
  });

  it('marks an earlier successful deployment of the environment inactive on a new success', async () => {
    const violations = await standIn.violationsDuring(async () => {
      const { data } = await octokit.rest.repos.createDeployment({
        owner: OWNER,
        repo: REPO,
        ref: 'main',
        environment: 'staging',
        auto_merge: false,
        required_contexts: [],
      });
      if (!('id' in data)) throw new Error('expected a deployment, not a merge');
      await octokit.rest.repos.createDeploymentStatus({
        owner: OWNER,
        repo: REPO,
        deployment_id: data.id,
        state: 'success',
      });
    });
    expect(violations).toEqual([]);
    const staging = standIn.deployments(OWNER, REPO).filter((d) => d.environment === 'staging');
    expect(staging.map((d) => d.statuses.map((s) => s.state))).toEqual([
      ['in_progress', 'success', 'inactive'],
      ['success'],
    ]);
  });

  it('recorded no violations besides the deliberate one', () => {
    expect(standIn.violations.filter((v) => !/request body\/state must/.test(v))).toEqual([]);
  });
});
