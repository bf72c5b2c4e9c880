import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { Server } from 'node:http';
import { createApp } from '../../../services/receiver/create-app.js';
import { createLogger } from '../../../services/shared/logger.js';
import { memoryState, type MemoryState } from '../../../services/shared/memory/memory-state.js';
import { examplePayload, signedHeaders } from '../../support/webhook-payloads.js';

const SECRET = 'merge-webhooks-secret';

/** GitHub's example payloads that speak to the merge queue, through the receiver's app on memory ports. */
describe('the receiver and the merge queue', () => {
  let state: MemoryState;
  let server: Server | undefined;
  let base: string;

  beforeEach(async () => {
    state = memoryState();
    const app = createApp({
      ...state,
      webhookSecret: SECRET,
      github: { roleOf: async () => 'none', isPrivate: async () => true },
      publicUrl: 'http://localhost',
      cloneUrlRewrite: [],
      logger: createLogger('test', true),
      apiToken: 'merge-webhooks-token',
      gitBaseUrl: 'https://github.com/',
    });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });

  afterEach(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  const deliver = (event: string, payload: unknown, delivery: string) => {
    const body = JSON.stringify(payload);
    return fetch(`${base}/webhooks`, { method: 'POST', headers: signedHeaders(event, body, SECRET, delivery), body });
  };
  const comment = (body: string) => {
    const payload = examplePayload('issue_comment', (p) => p.action === 'created');
    payload.issue.pull_request = { url: `https://api.github.com/repos/x/y/pulls/${payload.issue.number}` };
    payload.comment.body = body;
    return payload;
  };

  it('/merge and /merge cancel on a pull request become merge commands, as the commenter', async () => {
    const merge = comment('/merge');
    expect((await deliver('issue_comment', merge, 'd-merge')).status).toBe(202);
    expect((await deliver('issue_comment', comment('/merge cancel\nsorry'), 'd-cancel')).status).toBe(202);
    expect(state.queues.jobs('merges').map((j) => [j.jobId, j.payload])).toEqual([
      [
        'merge-d-merge',
        {
          kind: 'command',
          owner: merge.repository.owner.login,
          repo: merge.repository.name,
          pullRequest: merge.issue.number,
          user: merge.comment.user.login,
          command: 'merge',
          via: 'comment',
        },
      ],
      ['merge-d-cancel', expect.objectContaining({ kind: 'command', command: 'cancel' })],
    ]);
    expect(state.queues.jobs('approvals')).toEqual([]);
  });

  it('a /merge on an issue, or any other comment, queues nothing', async () => {
    const onIssue = comment('/merge');
    delete onIssue.issue.pull_request;
    await deliver('issue_comment', onIssue, 'd-issue');
    await deliver('issue_comment', comment('please /merge'), 'd-other');
    expect(state.queues.jobs('merges')).toEqual([]);
  });

  it('a status, a review, a push to a pull request or its closing makes the queue look again', async () => {
    const status = examplePayload('status');
    const review = examplePayload('pull_request_review', (p) => p.action === 'submitted');
    const closed = examplePayload('pull_request', (p) => p.action === 'closed');
    const labeled = examplePayload('pull_request', (p) => p.action === 'labeled');
    for (const [event, payload, id] of [
      ['status', status, 'd-status'],
      ['pull_request_review', review, 'd-review'],
      ['pull_request', closed, 'd-closed'],
      ['pull_request', labeled, 'd-labeled'],
    ] as const)
      expect((await deliver(event, payload, id)).status).toBeLessThan(300);
    expect(state.queues.jobs('merges').map((j) => [j.jobId, j.payload])).toEqual([
      ['merge-nudge-d-status', { kind: 'advance', owner: status.repository.owner.login, repo: status.repository.name }],
      [
        'merge-nudge-d-review',
        {
          kind: 'advance',
          owner: review.repository.owner.login,
          repo: review.repository.name,
          pullRequest: review.pull_request.number,
        },
      ],
      ['merge-nudge-d-closed', expect.objectContaining({ kind: 'advance', pullRequest: closed.pull_request.number })],
    ]);
  });
});
