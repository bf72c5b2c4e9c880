import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GitHubStandIn } from '../support/github-stand-in.js';
import {
  eventually,
  freshRedisUrl,
  startSlipway,
  WEBHOOK_SECRET,
  type RunningSlipway,
} from '../support/slipway-harness.js';
import { pushPayload, signedHeaders } from '../support/webhook-payloads.js';

/** Slipway authenticating as a GitHub App installation: tokens minted from the app's key, never a personal token. */
describe('GitHub App authentication', () => {
  let standIn: GitHubStandIn;
  let slipway: RunningSlipway;

  beforeAll(async () => {
    const redisUrl = await freshRedisUrl(11);
    // The stand-in still demands a token: only installation tokens it issued will do.
    standIn = await GitHubStandIn.start({ token: 'a-personal-token-slipway-does-not-have' });
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    standIn.registerApp('4242', publicKey.export({ type: 'spki', format: 'pem' }).toString(), 77);
    await standIn.createRepo('acme', 'app-auth');
    slipway = await startSlipway({
      standIn,
      redisUrl,
      env: {
        SLIPWAY_GITHUB_TOKEN: '',
        SLIPWAY_GITHUB_APP_ID: '4242',
        SLIPWAY_GITHUB_APP_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        SLIPWAY_GITHUB_APP_INSTALLATION_ID: '77',
      },
    });
  });

  afterAll(async () => {
    await slipway?.close();
    await standIn?.stop();
  });

  it('reads the spec, posts statuses and checks out with installation tokens', async () => {
    const sha = await standIn.commit('acme', 'app-auth', 'master', {
      '.buildspec.yml': 'test:\n  - {name: unit, image: slipway/busybox:1, commands: [cat .buildspec.yml]}\n',
    });
    const payload = pushPayload({
      owner: 'acme',
      repo: 'app-auth',
      cloneUrl: 'https://github.com/acme/app-auth.git',
      branch: 'master',
      before: '0'.repeat(40),
      after: sha,
    });
    // Delivered by the installation the app has here, as GitHub would.
    payload.installation = { id: 77, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNzc=' };
    const body = JSON.stringify(payload);
    const res = await fetch(`${slipway.url}/webhooks`, {
      method: 'POST',
      headers: signedHeaders('push', body, WEBHOOK_SECRET, 'app-1'),
      body,
    });
    expect(res.status).toBe(202);
    const status = await eventually(
      'a final status',
      () => {
        const s = standIn.latestStatus('acme', 'app-auth', sha, 'slipway/test');
        return s && s.state !== 'pending' ? s : undefined;
      },
      90_000,
    );
    expect(status.state).toBe('success');
    expect(standIn.installationTokensIssued).toBeGreaterThanOrEqual(2);
    expect(standIn.requests.filter((r) => r.status === 401)).toEqual([]);
    expect(standIn.violations).toEqual([]);
  });
});
