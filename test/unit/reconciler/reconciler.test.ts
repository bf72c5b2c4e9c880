import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHookDeliveries } from '../../../services/shared/github-hook-deliveries.js';
import { createLogger } from '../../../services/shared/logger.js';
import { MemoryRedeliveries } from '../../../services/shared/memory/memory-redeliveries.js';
import { reconcileDeliveries } from '../../../services/reconciler/reconcile-deliveries.js';
import { GitHubStandIn } from '../../support/github-stand-in.js';
import { examplePayload } from '../../support/webhook-payloads.js';

const TOKEN = 'reconciler-token';
const SECRET = 'hook-secret';
const quiet = createLogger('test', true);

/** A receiver that answers what `answer` says, and counts what it got by delivery id. */
function fakeReceiver(): { server: Server; url: () => string; got: Map<string, number>; answer: { status: number } } {
  const got = new Map<string, number>();
  const answer = { status: 503 };
  const server = createServer((req, res) => {
    const id = String(req.headers['x-github-delivery']);
    got.set(id, (got.get(id) ?? 0) + 1);
    req.resume();
    req.on('end', () => res.writeHead(answer.status).end());
  });
  return { server, got, answer, url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks` };
}

describe('the reconciler, through the real GitHub client to the stand-in', () => {
  let standIn: GitHubStandIn;
  const receiver = fakeReceiver();

  beforeAll(async () => {
    standIn = await GitHubStandIn.start({ gitHost: '127.0.0.1', token: TOKEN });
    await standIn.createRepo('acme', 'api');
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    receiver.server.close();
    await standIn?.stop();
  });

  it('redelivers each repository-hook delivery that got no 2xx once, however many replicas look', async () => {
    const hookId = standIn.addWebhook({ kind: 'repo', owner: 'acme', repo: 'api' }, receiver.url(), SECRET);
    receiver.answer.status = 503;
    const failed = await standIn.deliverWebhook(hookId, 'push', examplePayload('push'));
    const failedToo = await standIn.deliverWebhook(hookId, 'push', examplePayload('push'));
    receiver.answer.status = 202;
    const fine = await standIn.deliverWebhook(hookId, 'push', examplePayload('push'));
    expect([failed.status_code, failedToo.status_code, fine.status_code]).toEqual([503, 503, 202]);

    const redeliveries = new MemoryRedeliveries();
    const replica = (by: string) =>
      reconcileDeliveries({
        hooks: [
          createHookDeliveries(standIn.apiUrl, { token: TOKEN }, { kind: 'repo', owner: 'acme', repo: 'api', hookId }),
        ],
        redeliveries,
        logger: quiet,
        now: Date.now,
        by,
        minAgeMs: 0,
      });
    const reports = await Promise.all([replica('one'), replica('two'), replica('three')]);
    await standIn.redeliveriesSettled();

    expect(reports.flatMap((r) => r.asked.map((a) => a.guid)).sort()).toEqual([failed.guid, failedToo.guid].sort());
    expect(reports.reduce((n, r) => n + r.alreadyAsked, 0)).toBe(4);
    expect(receiver.got.get(failed.guid)).toBe(2);
    expect(receiver.got.get(failedToo.guid)).toBe(2);
    expect(receiver.got.get(fine.guid)).toBe(1);
    const redelivered = standIn.webhookAttempts(hookId).filter((a) => a.redelivery);
    expect(redelivered.map((a) => [a.guid, a.status_code]).sort()).toEqual(
      [
        [failed.guid, 202],
        [failedToo.guid, 202],
      ].sort(),
    );
    expect(await redeliveries.get(`acme/api#${hookId}`, failed.guid, 0)).toMatchObject({
      attemptId: failed.id,
      event: 'push',
    });

    // The next pass finds nothing to do: every delivery has a 2xx now.
    const again = await replica('one');
    expect(again).toMatchObject({ asked: [], alreadyAsked: 0 });
    expect(standIn.violations).toEqual([]);
  });

  it("reads the App's hook with the App's JWT, page after page, and asks again after GitHub refused", async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    standIn.registerApp('4242', publicKey.export({ type: 'spki', format: 'pem' }).toString(), 77);
    const auth = {
      appId: '4242',
      privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      installationId: 77,
    };
    const hookId = standIn.addWebhook({ kind: 'app' }, receiver.url(), SECRET);
    receiver.answer.status = 202;
    for (let i = 0; i < 130; i++) await standIn.deliverWebhook(hookId, 'push', examplePayload('push'));
    receiver.answer.status = 500;
    const lost = await standIn.deliverWebhook(hookId, 'push', examplePayload('push'));
    receiver.answer.status = 202;
    // 131 attempts: the listing reads a second page of 100.
    const hooks = [createHookDeliveries(standIn.apiUrl, auth, { kind: 'app' }, { retries: 0 })];
    expect((await hooks[0]!.list(Date.now())).length).toBe(131);

    const redeliveries = new MemoryRedeliveries();
    const deps = { hooks, redeliveries, logger: quiet, now: Date.now, by: 'test', minAgeMs: 0 };
    standIn.failNext(1, 502, 'apps/redeliver-webhook-delivery');
    const refused = await reconcileDeliveries(deps);
    expect(refused.asked).toEqual([]);
    expect(await redeliveries.get('app', lost.guid, 0)).toBeUndefined();

    const asked = await reconcileDeliveries(deps);
    await standIn.redeliveriesSettled();
    expect(asked.asked).toEqual([{ hook: 'app', guid: lost.guid, round: 0, attemptId: lost.id }]);
    expect(receiver.got.get(lost.guid)).toBe(2);
    expect(standIn.violations).toEqual([]);
  });
});
