import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterEach, describe, expect, it } from '@jest/globals';
import { HttpProvisioner } from '../../services/shared/provision/http-provisioner.js';
import { makeProvisioners } from '../../services/shared/provision/make-provisioners.js';

/** The operator's service, for real on a local port: answers from `answer`, records each request. */
async function endpoint(answer: (path: string, body: Record<string, unknown>) => [number, string]) {
  const seen: Array<{ path: string; auth?: string; body: Record<string, unknown> }> = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const body = JSON.parse(text) as Record<string, unknown>;
      seen.push({
        path: req.url ?? '',
        ...(req.headers.authorization ? { auth: req.headers.authorization } : {}),
        body,
      });
      const [status, out] = answer(req.url ?? '', body);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(out);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/slipway`, seen };
}
const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve));
});

describe('the http provisioner', () => {
  it('starts with the request, labels and bootstrap script; stops by machine id, or by request alone', async () => {
    const api = await endpoint((path, body) =>
      path === '/slipway/start' ? [201, JSON.stringify({ machineId: `vm-${String(body.requestId)}` })] : [204, ''],
    );
    const provisioner = new HttpProvisioner('vms', api.url, { token: 's3cret' });
    const machine = await provisioner.start({ id: 'pr-1', labels: { pool: 'gpu' }, bootstrap: '#!/bin/sh\necho hi\n' });
    expect(machine).toEqual({ provisioner: 'vms', machineId: 'vm-pr-1', requestId: 'pr-1' });
    await provisioner.stop(machine);
    await provisioner.stop({ provisioner: 'vms', requestId: 'pr-2' });
    expect(api.seen).toEqual([
      {
        path: '/slipway/start',
        auth: 'Bearer s3cret',
        body: { requestId: 'pr-1', labels: { pool: 'gpu' }, bootstrap: '#!/bin/sh\necho hi\n' },
      },
      { path: '/slipway/stop', auth: 'Bearer s3cret', body: { requestId: 'pr-1', machineId: 'vm-pr-1' } },
      { path: '/slipway/stop', auth: 'Bearer s3cret', body: { requestId: 'pr-2' } },
    ]);
  });

  it("gives the step the service's own words, says whether a retry can help, takes 404 on stop as gone", async () => {
    const api = await endpoint((path) =>
      path === '/slipway/start'
        ? [503, JSON.stringify({ error: 'no capacity left in zone a' })]
        : [404, JSON.stringify({ error: 'no such machine' })],
    );
    const provisioner = new HttpProvisioner('vms', api.url);
    await expect(provisioner.start({ id: 'pr-1', labels: {}, bootstrap: '' })).rejects.toMatchObject({
      message: 'its endpoint answered 503: no capacity left in zone a',
      retryable: true,
    });
    await expect(
      provisioner.stop({ provisioner: 'vms', requestId: 'pr-1', machineId: 'vm-1' }),
    ).resolves.toBeUndefined();

    const refusing = await endpoint(() => [400, 'labels not supported: pool=tpu']);
    await expect(
      new HttpProvisioner('vms', refusing.url).start({ id: 'pr-1', labels: {}, bootstrap: '' }),
    ).rejects.toMatchObject({
      message: 'its endpoint answered 400: labels not supported: pool=tpu',
      retryable: false,
    });
    const unnamed = await endpoint(() => [200, '{}']);
    await expect(
      new HttpProvisioner('vms', unnamed.url).start({ id: 'pr-1', labels: {}, bootstrap: '' }),
    ).rejects.toThrow('its endpoint named no machine (answered {})');
    await expect(
      new HttpProvisioner('vms', 'http://127.0.0.1:1/slipway').start({ id: 'pr-1', labels: {}, bootstrap: '' }),
    ).rejects.toMatchObject({ message: expect.stringMatching(/^its endpoint could not be reached/), retryable: true });
  });

  it('is made from the settings, its token from the environment or a file, refused at start-up without it', () => {
    const settings = [
      {
        name: 'vms',
        kind: 'http' as const,
        labels: { pool: 'gpu' },
        maxNodes: 2,
        idleTimeoutMs: 1,
        joinTimeoutMs: 1000,
        url: 'https://vms.example.com/slipway',
        tokenEnv: 'SLIPWAY_VMS_TOKEN',
      },
    ];
    expect(makeProvisioners(settings, { SLIPWAY_VMS_TOKEN: 't' }).get('vms')).toBeInstanceOf(HttpProvisioner);
    expect(() => makeProvisioners(settings, {})).toThrow(
      'provisioner "vms" (http) needs its token in SLIPWAY_VMS_TOKEN (or SLIPWAY_VMS_TOKEN_FILE)',
    );
  });
});
