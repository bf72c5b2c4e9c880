import { Redis, type RedisOptions } from 'ioredis';
import { redisTargetOf, type RedisTarget } from '../redis-target.js';

/**
 * What every connection shares, from Slipway's Redis setting (`redisUrl`, see
 * `shared/redis-target.ts`): a plain `redis://` URL, or a `redis-sentinel://` one naming the
 * Sentinels and the master's name, in which case ioredis asks the Sentinels where the primary
 * is, and again after every disconnection. A connection that lands on a replica after a
 * failover (a `READONLY` answer) reconnects and resends the command, and a Sentinel's
 * `+switch-master` makes it reconnect at once (`failoverDetector`).
 */
export function connectionOptions(url: string): { target: RedisTarget; options: RedisOptions } {
  const target = redisTargetOf(url);
  const shared: RedisOptions = {
    reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
    ...(target.password ? { password: target.password } : {}),
    ...(target.username ? { username: target.username } : {}),
    db: target.db,
  };
  if (target.kind === 'plain') return { target, options: { ...shared, host: target.host, port: target.port } };
  return {
    target,
    options: {
      ...shared,
      sentinels: target.sentinels,
      name: target.masterName,
      failoverDetector: true,
      ...(target.sentinelPassword ? { sentinelPassword: target.sentinelPassword } : {}),
    },
  };
}

/**
 * A connection for BullMQ workers and subscribers: they block on Redis and must retry
 * forever (`maxRetriesPerRequest: null`). `role` names it in `CLIENT LIST` (`slipway-<role>`).
 */
export function workerConnection(url: string, role = 'worker'): Redis {
  return new Redis({
    ...connectionOptions(url).options,
    maxRetriesPerRequest: null,
    connectionName: `slipway-${role}`,
  });
}

/**
 * A connection for producers and the API: fail fast, so a webhook whose job cannot be
 * stored gets an error answer (and is redelivered: GitHub's delivery log shows it failed,
 * and the reconciler asks for it again) instead of hanging.
 */
export function clientConnection(url: string, role = 'client'): Redis {
  return new Redis({
    ...connectionOptions(url).options,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 3_000,
    connectionName: `slipway-${role}`,
  });
}
