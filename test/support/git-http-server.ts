import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ISOLATED_GIT_ENV } from './github-stand-in/git.js';

/** What a git HTTP server saw: each request's path and the `Authorization` it carried ('' for none). */
export interface SeenRequest {
  path: string;
  authorization: string;
}

/** A git smart-HTTP server on 0.0.0.0 (containers reach it at the docker gateway), for clone tests. */
export interface GitHttpServer {
  readonly port: number;
  readonly seen: SeenRequest[];
  stop(): Promise<void>;
}

/**
 * Serves the bare repositories under `basePath` through `git http-backend`, asking for HTTP
 * basic credentials `user:password` (401 with a challenge until given). With `redirectTo`, it
 * serves nothing and answers every request with a 302 to the same path on that base URL.
 */
export async function startGitHttpServer(
  options: { basePath: string; user: string; password: string } | { redirectTo: string },
): Promise<GitHttpServer> {
  const seen: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', authorization: req.headers.authorization ?? '' });
    if ('redirectTo' in options) {
      res.writeHead(302, { location: `${options.redirectTo.replace(/\/$/, '')}${req.url ?? '/'}` });
      return res.end();
    }
    const expected = `Basic ${Buffer.from(`${options.user}:${options.password}`).toString('base64')}`;
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="git"' });
      return res.end();
    }
    backend(options.basePath, options.user, req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    seen,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** One request through `git http-backend` as a CGI program: headers, then the body. */
function backend(basePath: string, user: string, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const child = spawn('git', ['http-backend'], {
    env: {
      ...process.env,
      ...ISOLATED_GIT_ENV,
      GIT_PROJECT_ROOT: basePath,
      GIT_HTTP_EXPORT_ALL: '1',
      REQUEST_METHOD: req.method ?? 'GET',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      REMOTE_USER: user,
      REMOTE_ADDR: req.socket.remoteAddress ?? '',
      ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: req.headers['content-encoding'] } : {}),
      ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
    },
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  req.pipe(child.stdin);
  let head = Buffer.alloc(0);
  let started = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (started) return void res.write(chunk);
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    started = true;
    let status = 200;
    for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      const [name, value] = [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
      if (name.toLowerCase() === 'status') status = Number(value.split(' ')[0]);
      else res.setHeader(name, value);
    }
    res.statusCode = status;
    res.write(head.subarray(end + 4));
  });
  child.on('close', () => res.end());
}
