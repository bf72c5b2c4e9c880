import { describe, expect, it } from '@jest/globals';
import { mapEvent } from '../../../services/core/trigger/map-event.js';
import { payloadProblem } from '../../../services/core/trigger/payload-problem.js';
import { examplePayload } from '../../support/webhook-payloads.js';

const DELIVERY = 'd-1';

/** GitHub's own check_run payload, made one of Slipway's runs (name and external id). */
function slipwayRun(action: string, name = 'slipway/deploy/staging', identifier?: string) {
  const payload = examplePayload('check_run', (p) => p.action === action);
  payload.check_run.name = name;
  payload.check_run.external_id = 'b-42';
  if (identifier) payload.requested_action = { identifier };
  return payload;
}

describe('mapEvent: the Checks tab', () => {
  it('check_run rerequested re-runs the failed steps of that run’s stage, as the person who clicked', () => {
    const payload = slipwayRun('rerequested');
    expect(payloadProblem('check_run', payload)).toBeUndefined();
    expect(mapEvent('check_run', DELIVERY, payload)).toEqual({
      action: 'check-button',
      button: {
        kind: 'rerun',
        repo: { owner: payload.repository.owner.login, name: payload.repository.name },
        buildId: 'b-42',
        sha: payload.check_run.head_sha,
        failedOnly: true,
        stage: 'deploy',
        user: payload.sender.login,
        via: 'check_run',
      },
    });
  });

  it('check_suite rerequested re-runs the whole build of the suite’s commit', () => {
    const payload = examplePayload('check_suite', (p) => p.action === 'rerequested');
    expect(payloadProblem('check_suite', payload)).toBeUndefined();
    const decision = mapEvent('check_suite', DELIVERY, payload);
    expect(decision).toMatchObject({
      action: 'check-button',
      button: { kind: 'rerun', sha: payload.check_suite.head_sha, failedOnly: false, via: 'check_suite' },
    });
  });

  it('requested_action Approve deploy, Reject and Cancel name the build and who clicked', () => {
    for (const id of ['approve', 'reject', 'cancel']) {
      const payload = slipwayRun('requested_action', 'slipway/deploy/production', id);
      expect(mapEvent('check_run', DELIVERY, payload)).toEqual({
        action: 'check-button',
        button: {
          kind: id,
          repo: { owner: payload.repository.owner.login, name: payload.repository.name },
          buildId: 'b-42',
          user: payload.sender.login,
        },
      });
    }
  });

  it('ignores runs that are not Slipway’s, actions it never offered, and other check actions', () => {
    const theirs = examplePayload('check_run', (p) => p.action === 'requested_action');
    expect(mapEvent('check_run', DELIVERY, theirs).action).toBe('ignore');
    expect(mapEvent('check_run', DELIVERY, slipwayRun('requested_action', 'slipway/test', 'lgtm')).action).toBe(
      'ignore',
    );
    expect(mapEvent('check_run', DELIVERY, slipwayRun('created')).action).toBe('ignore');
    const requested = examplePayload('check_suite', (p) => p.action === 'requested');
    expect(mapEvent('check_suite', DELIVERY, requested).action).toBe('ignore');
  });
});

describe('mapEvent: installations', () => {
  it('an App installed, uninstalled or suspended says which repositories it covers', () => {
    const created = examplePayload('installation', (p) => p.action === 'created');
    expect(payloadProblem('installation', created)).toBeUndefined();
    expect(mapEvent('installation', DELIVERY, created)).toMatchObject({
      action: 'installation',
      change: { installationId: created.installation.id, change: 'added' },
    });
    const deleted = examplePayload('installation', (p) => p.action === 'deleted');
    const decision = mapEvent('installation', DELIVERY, deleted);
    expect(decision).toMatchObject({ action: 'installation', change: { change: 'removed' } });
    if (decision.action === 'installation') expect(decision.change.reason).toContain('uninstalled');
    const suspended = examplePayload('installation', (p) => p.action === 'suspend');
    expect(mapEvent('installation', DELIVERY, suspended)).toMatchObject({ change: { change: 'removed' } });
  });

  it('installation_repositories added and removed name the repositories', () => {
    const added = examplePayload('installation_repositories', (p) => p.action === 'added');
    expect(mapEvent('installation_repositories', DELIVERY, added)).toMatchObject({
      action: 'installation',
      change: { change: 'added', repos: [{ owner: 'Codertocat', name: 'Space' }] },
    });
    const removed = examplePayload('installation_repositories', (p) => p.action === 'removed');
    expect(mapEvent('installation_repositories', DELIVERY, removed)).toMatchObject({ change: { change: 'removed' } });
  });
});
