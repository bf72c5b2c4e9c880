import type { Server } from 'node:http';
import { createApp, type AppDeps } from '../../services/receiver/create-app.js';
import { createLogger } from '../../services/shared/logger.js';
import { memoryState, type MemoryState } from '../../services/shared/memory/memory-state.js';

/** The receiver's app on memory ports, listening on a free port of 127.0.0.1. */
export interface MemoryReceiver {
  base: string;
  state: MemoryState;
  close(): Promise<void>;
}

export const MEMORY_RECEIVER_SECRET = 'memory-receiver-secret';

/** Starts createApp on memory ports (public repositories, no sign-in), with `overrides` on top. */
export async function startMemoryReceiver(
  overrides: Partial<AppDeps> = {},
  state: MemoryState = memoryState(),
): Promise<MemoryReceiver> {
  const app = createApp({
    ...state,
    webhookSecret: MEMORY_RECEIVER_SECRET,
    github: { roleOf: async () => 'none', isPrivate: async () => false },
    publicUrl: 'http://localhost',
    cloneUrlRewrite: [],
    logger: createLogger('test', true),
    apiToken: 'memory-receiver-token',
    gitBaseUrl: 'https://github.com/',
    ...overrides,
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const address = server.address();
  return {
    base: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    state,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
