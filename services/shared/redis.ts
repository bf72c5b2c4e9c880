import { Redis } from 'ioredis';

/**
 * A connection for BullMQ workers: they block on Redis and must retry forever
 * (`maxRetriesPerRequest: null`).
 */
export function workerConnection(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null });
}

/**
 * A connection for producers and the API: fail fast, so a webhook whose job cannot be
 * stored gets an error answer (and GitHub redelivers) instead of hanging.
 */
export function clientConnection(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 3_000 });
}
