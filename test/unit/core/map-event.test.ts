import { describe, expect, it } from '@jest/globals';
import { mapEvent, rewriteCloneUrl } from '../../../services/core/trigger/map-event.js';
import { examplePayload, pushPayload } from '../../support/webhook-payloads.js';

const SHA = '9f1c2b3a4d5e6f708192a3b4c5d6e7f809a1b2c3';
const BEFORE = '1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c';
const DELIVERY = '72d3162e-cc78-11e3-81ab-4c9367dc0958';

const branchPush = () =>
  pushPayload({
    owner: 'octo-org',
    repo: 'widget',
    cloneUrl: 'https://github.com/octo-org/widget.git',
    branch: 'feature/login',
    before: BEFORE,
    after: SHA,
  });

describe('mapEvent: push to a branch', () => {
  it('asks for a build of the pushed commit, with repository, ref and sender from the payload', () => {
    const decision = mapEvent('push', DELIVERY, branchPush());
    expect(decision).toEqual({
      action: 'build',
      request: {
        id: DELIVERY,
        event: 'push',
        repo: { owner: 'octo-org', name: 'widget' },
        sha: SHA,
        ref: 'refs/heads/feature/login',
        cloneUrl: 'https://github.com/octo-org/widget.git',
        sender: 'Codertocat', // the sender of GitHub's example payload
        subject: 'Initial commit', // the head commit message's first line, for the dashboard
        private: false, // the example repository is public: its visibility is carried to the build
        installationId: 1, // the example came through a GitHub App installation: the build uses its tokens
        defaultBranch: 'master', // the repository's default branch, whose caches every build may restore
      },
    });
  });

  it("carries the repository's default branch as the payload names it, and none when it names none", () => {
    const payload = branchPush();
    payload.repository.default_branch = 'trunk';
    const decision = mapEvent('push', DELIVERY, payload);
    expect(decision.action === 'build' && decision.request.defaultBranch).toBe('trunk');
    delete payload.repository.default_branch;
    const without = mapEvent('push', DELIVERY, payload);
    expect(without.action === 'build' && 'defaultBranch' in without.request).toBe(false);
  });

  it("builds GitHub's own example of a branch push as it is", () => {
    const payload = examplePayload('push', (p) => p.ref.startsWith('refs/heads/') && p.deleted === false);
    const decision = mapEvent('push', DELIVERY, payload);
    expect(decision).toEqual({
      action: 'build',
      request: {
        id: DELIVERY,
        event: 'push',
        repo: { owner: 'Codertocat', name: 'Hello-World' },
        sha: payload.after,
        ref: 'refs/heads/master',
        cloneUrl: 'https://github.com/Codertocat/Hello-World.git',
        sender: 'Codertocat',
        subject: 'Initial commit',
        private: false,
        installationId: payload.installation.id,
        defaultBranch: payload.repository.default_branch,
      },
    });
  });

  it('maps the same delivery to the same request, so a redelivery is recognised', () => {
    const first = mapEvent('push', DELIVERY, branchPush());
    const again = mapEvent('push', DELIVERY, branchPush());
    expect(again).toEqual(first);
    const other = mapEvent('push', 'another-delivery', branchPush());
    expect(other.action === 'build' && other.request.id).toBe('another-delivery');
  });

  it('takes the owner from owner.name when the payload has no owner.login', () => {
    const payload = branchPush();
    delete payload.repository.owner.login;
    payload.repository.owner.name = 'legacy-owner';
    const decision = mapEvent('push', DELIVERY, payload);
    expect(decision.action === 'build' && decision.request.repo).toEqual({ owner: 'legacy-owner', name: 'widget' });
  });
});

describe('mapEvent: clone URL rewriting', () => {
  const rules = [
    { from: 'https://gitlab.example/', to: 'https://never/' },
    { from: 'https://github.com/', to: 'git://mirror.internal:9418/' },
    { from: 'https://github.com/octo-org/', to: 'https://also-matches-but-comes-second/' },
  ];

  it('rewrites the clone URL with the first rule whose prefix matches', () => {
    const decision = mapEvent('push', DELIVERY, branchPush(), rules);
    expect(decision.action === 'build' && decision.request.cloneUrl).toBe(
      'git://mirror.internal:9418/octo-org/widget.git',
    );
  });

  it('keeps the clone URL when no rule matches', () => {
    const decision = mapEvent('push', DELIVERY, branchPush(), [{ from: 'https://gitlab.example/', to: 'https://x/' }]);
    expect(decision.action === 'build' && decision.request.cloneUrl).toBe('https://github.com/octo-org/widget.git');
  });

  it('matches a prefix only at the start of the URL', () => {
    expect(
      rewriteCloneUrl('https://proxy.example/https://github.com/a/b.git', [
        { from: 'https://github.com/', to: 'git://m/' },
      ]),
    ).toBe('https://proxy.example/https://github.com/a/b.git');
    expect(rewriteCloneUrl('https://github.com/a/b.git', [])).toBe('https://github.com/a/b.git');
  });
});

describe('mapEvent: pushes that start no build', () => {
  it("ignores GitHub's example of a deletion (deleted: true, after all zeros)", () => {
    const payload = examplePayload('push', (p) => p.deleted === true);
    const decision = mapEvent('push', DELIVERY, payload);
    expect(decision).toEqual({ action: 'ignore', reason: `${payload.ref} was deleted` });
  });

  it('ignores the deletion of a branch', () => {
    const payload = examplePayload('push', (p) => p.deleted === true);
    payload.ref = 'refs/heads/feature/login';
    expect(mapEvent('push', DELIVERY, payload)).toEqual({
      action: 'ignore',
      reason: 'refs/heads/feature/login was deleted',
    });
  });

  it('ignores a push whose after is all zeros even when deleted is missing', () => {
    const payload = branchPush();
    delete payload.deleted;
    payload.after = '0'.repeat(40);
    expect(mapEvent('push', DELIVERY, payload)).toEqual({
      action: 'ignore',
      reason: 'refs/heads/feature/login was deleted',
    });
  });

  it("ignores GitHub's example of a tag push", () => {
    const payload = examplePayload('push', (p) => p.ref.startsWith('refs/tags/') && p.deleted === false);
    expect(mapEvent('push', DELIVERY, payload)).toEqual({
      action: 'ignore',
      reason: 'refs/tags/simple-tag is not a branch',
    });
  });
});

describe('mapEvent: other events', () => {
  it.each(['issues', 'star', 'ping'])('ignores a real "%s" delivery and names the event in the reason', (event) => {
    const decision = mapEvent(event, DELIVERY, examplePayload(event));
    expect(decision.action).toBe('ignore');
    expect(decision.action === 'ignore' && decision.reason).toBe(`event "${event}" starts no build`);
  });
});
