import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type AppDeps } from '../../services/receiver/create-app.js';
import { createGitHub } from '../../services/shared/github.js';
import { createGitHubSignIn } from '../../services/shared/github-sign-in.js';
import { createLogger } from '../../services/shared/logger.js';
import { memoryState, type MemoryState } from '../../services/shared/memory/memory-state.js';
import type { GitHubStandIn } from './github-stand-in.js';

export const CLIENT_ID = 'Iv1.identitytest';
export const CLIENT_SECRET = 'identity-client-secret';
export const OPERATOR_TOKEN = 'identity-operator-token';
export const WEBHOOK_SECRET = 'identity-webhook-secret';

/** The receiver's app on memory ports, with sign-in through the GitHub stand-in, listening on 127.0.0.1. */
export interface IdentityApp {
  url: string;
  state: MemoryState;
  /** Signs `login` in through the web flow, as a browser would: the cookie header to send, and the CSRF token. */
  signIn(login: string): Promise<{ cookie: string; csrf: string }>;
  close(): Promise<void>;
}

export async function startIdentityApp(
  standIn: GitHubStandIn,
  githubToken: string,
  overrides: Partial<AppDeps> = {},
): Promise<IdentityApp> {
  standIn.registerOAuthApp(CLIENT_ID, CLIENT_SECRET);
  const state = memoryState();
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const app = createApp({
    ...state,
    webhookSecret: WEBHOOK_SECRET,
    cloneUrlRewrite: [],
    logger: createLogger('test', true),
    apiToken: OPERATOR_TOKEN,
    gitBaseUrl: 'https://github.com/',
    github: createGitHub(standIn.apiUrl, { token: githubToken }, undefined, { retries: 0 }),
    signIn: {
      client: createGitHubSignIn(standIn.apiUrl, CLIENT_ID, CLIENT_SECRET),
      sessionSecret: 'a-session-secret-of-at-least-32-characters',
    },
    publicUrl: url,
    admins: ['root-admin'],
    ...overrides,
  });
  server.on('request', app.callback());
  return {
    url,
    state,
    async signIn(login) {
      standIn.signInAs(login);
      const start = await fetch(`${url}/login?next=/settings/tokens`, { redirect: 'manual' });
      const stateCookie = cookiesOf(start);
      const authorize = await fetch(start.headers.get('location')!, { redirect: 'manual' });
      const callback = await fetch(authorize.headers.get('location')!, {
        redirect: 'manual',
        headers: { cookie: stateCookie },
      });
      if (callback.status !== 302) throw new Error(`sign-in failed: ${callback.status} ${await callback.text()}`);
      const cookie = cookiesOf(callback);
      const page = await (await fetch(`${url}/settings/tokens`, { headers: { cookie } })).text();
      const csrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
      return { cookie, csrf };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The `name=value` pairs a response sets (with their signatures), as one Cookie header; cleared ones left out. */
export function cookiesOf(res: Response): string {
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .filter((pair) => !pair.endsWith('='))
    .join('; ');
}
