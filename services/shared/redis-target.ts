/**
 * Where Slipway's Redis is, as one string (`Config.redisUrl`), so every service, worker and
 * subscriber is given the same setting:
 *
 * - `redis://[[user]:password@]host[:port][/db]`: one Redis;
 * - `redis-sentinel://[[user]:password@]host:port,host:port,…/masterName[/db][?sentinelPassword=…]`:
 *   a primary found through its Sentinels (`loadConfig` builds it from SLIPWAY_REDIS_SENTINELS,
 *   SLIPWAY_REDIS_MASTER_NAME and SLIPWAY_REDIS_PASSWORD[_FILE]).
 *
 * Passwords are percent-encoded in the string; {@link redactedRedis} is the form for logs.
 */
export type RedisTarget = { username?: string; password?: string; db: number } & (
  | { kind: 'plain'; host: string; port: number }
  | {
      kind: 'sentinel';
      sentinels: Array<{ host: string; port: number }>;
      masterName: string;
      sentinelPassword?: string;
    }
);

/** Reads a Redis setting; throws, saying what is wrong, for one that is neither form. */
export function redisTargetOf(url: string): RedisTarget {
  const match = /^(redis|redis-sentinel):\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?]+)(\/[^?]*)?(\?.*)?$/.exec(url);
  if (!match)
    throw new Error(`SLIPWAY_REDIS_URL: "${redactedRedis(url)}" is not redis://host:port or redis-sentinel://…`);
  const [, scheme, user, pass, hosts = '', path = '', query = ''] = match;
  const credentials = {
    ...(user ? { username: decodeURIComponent(user) } : {}),
    ...(pass ? { password: decodeURIComponent(pass) } : {}),
  };
  const parts = path.split('/').filter(Boolean);
  if (scheme !== 'redis-sentinel') {
    const [host = '127.0.0.1', port = '6379'] = hosts.split(':');
    return { kind: 'plain', host, port: Number(port), db: Number(parts[0] ?? 0), ...credentials };
  }
  const [masterName, db = '0'] = parts;
  if (!masterName) throw new Error('SLIPWAY_REDIS_URL: a redis-sentinel:// URL names the master: …/mymaster');
  const sentinels = hosts.split(',').map((hostPort) => {
    const [host = '', port = '26379'] = hostPort.split(':');
    return { host, port: Number(port) };
  });
  const sentinelPassword = new URLSearchParams(query).get('sentinelPassword');
  return {
    kind: 'sentinel',
    sentinels,
    masterName: decodeURIComponent(masterName),
    db: Number(db),
    ...credentials,
    ...(sentinelPassword ? { sentinelPassword } : {}),
  };
}

/** The setting for the Sentinels of `masterName` with a password, as `loadConfig` builds it. */
export function sentinelUrl(options: {
  sentinels: string;
  masterName: string;
  password?: string;
  db?: number;
}): string {
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : '';
  const hosts = options.sentinels
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .join(',');
  return `redis-sentinel://${auth}${hosts}/${encodeURIComponent(options.masterName)}/${options.db ?? 0}`;
}

/** A plain URL with a password put in (SLIPWAY_REDIS_PASSWORD beside SLIPWAY_REDIS_URL). */
export function withPassword(url: string, password: string): string {
  if (!password || /^[a-z-]+:\/\/[^/]*@/.test(url)) return url;
  return url.replace(/^([a-z-]+:\/\/)/, `$1:${encodeURIComponent(password)}@`);
}

/** The setting with its passwords masked, for logs and error messages. */
export function redactedRedis(url: string): string {
  return url.replace(/^([a-z-]+:\/\/[^:@/]*:)[^@/]*@/, '$1***@').replace(/(sentinelPassword=)[^&]*/, '$1***');
}
