import { Redis } from 'ioredis';

/**
 * A connection for BullMQ workers and subscribers: they block on Redis and must retry
 * forever (`maxRetriesPerRequest: null`). `role` names it in `CLIENT LIST` (`slipway-<role>`).
 */
export function workerConnection(url: string, role = 'worker'): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, connectionName: `slipway-${role}` });
}

/**
 * A connection for producers and the API: fail fast, so a webhook whose job cannot be
 * stored gets an error answer (and GitHub redelivers) instead of hanging.
 */
export function clientConnection(url: string, role = 'client'): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 3_000,
    connectionName: `slipway-${role}`,
  });
}
