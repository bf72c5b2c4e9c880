import { describe, expect, it } from '@jest/globals';
import type { BuildRequest } from '../../../services/core/builds/types.js';
import type { BuildSpec } from '../../../services/core/buildspec/types.js';
import { supersedesOlder } from '../../../services/core/plan/supersede-rule.js';
import { stageStatus } from '../../../services/core/status/stage-status.js';

const spec = {
  version: 1,
  test: [{ name: 'unit', image: 'x', commands: ['true'] }],
  deploy: {
    environments: {
      staging: { branch: 'master', steps: [] },
      production: { branch: 'production', steps: [] },
    },
  },
} as unknown as BuildSpec;
const request = (ref: string, pullRequest?: number): BuildRequest =>
  ({
    id: 'r',
    event: pullRequest ? 'pull_request' : 'push',
    repo: { owner: 'acme', name: 'app' },
    sha: 'a'.repeat(40),
    ref,
    cloneUrl: 'x',
    sender: 'octocat',
    ...(pullRequest ? { pullRequest } : {}),
  }) as BuildRequest;

describe('superseding by branch', () => {
  it('a pull request and an ordinary branch: the newer push supersedes the older build', () => {
    expect(supersedesOlder(spec, request('refs/pull/7/head', 7), {})).toBe(true);
    expect(supersedesOlder(spec, request('refs/heads/feature'), {})).toBe(true);
  });
  it('master and production: every commit is tested by default', () => {
    expect(supersedesOlder(spec, request('refs/heads/master'), {})).toBe(false);
    expect(supersedesOlder(spec, request('refs/heads/production'), {})).toBe(false);
  });
  it('the repository policy changes both', () => {
    expect(supersedesOlder(spec, request('refs/heads/master'), { supersedeEnvironmentBranches: true })).toBe(true);
    expect(supersedesOlder(spec, request('refs/pull/7/head', 7), { supersedePullRequests: false })).toBe(false);
  });
});

describe('the status of a superseded build', () => {
  const links = { build: 'http://slipway/builds/b1', stepLog: () => 'http://slipway/log' };
  it('says superseded by which commit and does not turn the commit red', () => {
    const status = stageStatus({ stage: 'test', state: 'cancelled', reason: 'superseded by abc1234' }, links);
    expect(status).toMatchObject({ state: 'success', description: 'Not run to the end: superseded by abc1234' });
  });
  it('a cancellation still is an error', () => {
    const status = stageStatus({ stage: 'test', state: 'cancelled', reason: 'cancelled by walt' }, links);
    expect(status).toMatchObject({ state: 'error', description: 'Cancelled: cancelled by walt' });
  });
});
