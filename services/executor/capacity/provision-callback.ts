import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { acceptReport } from '../../core/provision/accept-report.js';
import type { Logger } from '../../shared/logger.js';
import type { Provisions } from '../../shared/ports/provisions.js';

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
 * that is refused (acceptReport says why), 401 a wrong or missing token, 404 no such request.
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
  if (!record) return { status: 404, message: 'no such request' };
  const given = createHash('sha256').update(bearer).digest();
  if (!timingSafeEqual(given, Buffer.from(record.tokenHash, 'hex'))) return { status: 401, message: 'wrong token' };
  if (record.report) return { status: 204, message: '' };
  const decision = acceptReport(body, { requestId: record.id, labels: record.labels });
  if (decision.action === 'refuse') {
    options.logger.warn('a provision report was refused', { request: record.id, reason: decision.reason });
    return { status: 400, message: decision.reason };
  }
  const hostname = (body as { hostname?: unknown }).hostname;
  await options.provisions.put({
    ...record,
    report:
      decision.action === 'label'
        ? { nodeId: decision.nodeId, ...(typeof hostname === 'string' ? { hostname } : {}) }
        : { failed: decision.reason },
  });
  return { status: 204, message: '' };
}
