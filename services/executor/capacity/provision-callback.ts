import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { acceptReport } from '../../core/provision/accept-report.js';
import type { Logger } from '../../shared/logger.js';
import type { ProvisionRecord, Provisions } from '../../shared/ports/provisions.js';

/** The most a report may be: it is a few hundred bytes. */
const MAX_BODY = 16 * 1024;

/**
 * The callback a bootstrapping node reports to: `POST /provision/callback` with
 * `Authorization: Bearer <the request's token>` and the report's JSON
 * (core/provision/bootstrap-script.ts). It lives in the executor's process, beside the
 * capacity loop, rather than on the receiver: a node must reach it at an address of the
 * swarm's network (the receiver's may be behind a proxy on the internet, or not reachable
 * from the nodes at all), and any replica may take it since it only records the report on the
 * request (`Provisions`); the loop holding the lease applies it (labels the node from its
 * own record). Answers: 204 recorded (again: a repeat changes nothing), 400 a body or report
 * that is refused (acceptReport says why), 401 a wrong or missing token or no such request (the
 * same answer, so request ids cannot be probed without a token), 410 a request that ended
 * (removed, or failed and settled), 404 another path.
 */
export async function startProvisionCallback(options: {
  provisions: Provisions;
  host: string;
  port: number;
  logger: Logger;
}): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    handle(req, options)
      .then(({ status, message }) => {
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(message);
      })
      .catch((err: unknown) => {
        options.logger.warn('a provision report could not be recorded', { err });
        res.writeHead(503);
        res.end('try again');
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host || undefined, resolve);
  });
  return {
    port: (server.address() as { port: number }).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function handle(
  req: IncomingMessage,
  options: { provisions: Provisions; logger: Logger },
): Promise<{ status: number; message: string }> {
  if (req.method !== 'POST' || req.url !== '/provision/callback') return { status: 404, message: 'not found' };
  const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
  if (!bearer) return { status: 401, message: 'a bearer token is needed' };
  let text = '';
  for await (const chunk of req as AsyncIterable<Buffer>) {
    text += chunk.toString();
    if (text.length > MAX_BODY) return { status: 400, message: 'the report is too large' };
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { status: 400, message: 'the report is not JSON' };
  }
  const requestId = (body as { requestId?: unknown } | null)?.requestId;
  const record = typeof requestId === 'string' ? await options.provisions.get(requestId) : undefined;
  // One answer for an unknown request and a wrong token: without the token, nothing is told.
  const given = createHash('sha256').update(bearer).digest();
  const expected = Buffer.from(record?.tokenHash ?? '00'.repeat(32), 'hex');
  if (!record || expected.length !== given.length || !timingSafeEqual(given, expected))
    return { status: 401, message: 'wrong token or no such request' };
  if (record.report) return { status: 204, message: '' };
  // Given up on and settled: its machine was stopped; nothing a report says can change that now.
  if (record.settled || (record.state !== 'starting' && record.state !== 'failed'))
    return { status: 410, message: 'this request has ended' };
  const decision = acceptReport(body, { requestId: record.id, labels: record.labels });
  if (decision.action === 'refuse') {
    options.logger.warn('a provision report was refused', { request: record.id, reason: decision.reason });
    return { status: 400, message: decision.reason };
  }
  const hostname = (body as { hostname?: unknown }).hostname;
  const report: NonNullable<ProvisionRecord['report']> =
    decision.action === 'label'
      ? { nodeId: decision.nodeId, ...(typeof hostname === 'string' ? { hostname } : {}) }
      : { failed: decision.reason };
  // Only the report's field: the loop may be writing the machine id meanwhile. The first report stays.
  await options.provisions.update(record.id, (r) => (r.report || r.settled ? undefined : { ...r, report }));
  return { status: 204, message: '' };
}
