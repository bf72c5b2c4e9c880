import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../../services/shared/config.js';
import { connectionOptions } from '../../../services/shared/redis/connections.js';
import { redactedRedis, redisTargetOf } from '../../../services/shared/redis-target.js';

describe("Slipway's Redis setting", () => {
  it('reads a plain URL, with a password from SLIPWAY_REDIS_PASSWORD that never shows in logs', () => {
    const config = loadConfig({ SLIPWAY_REDIS_URL: 'redis://redis:6380/2', SLIPWAY_REDIS_PASSWORD: 'p@ss/w:rd' });
    expect(redisTargetOf(config.redisUrl)).toEqual({
      kind: 'plain',
      host: 'redis',
      port: 6380,
      db: 2,
      password: 'p@ss/w:rd',
    });
    expect(redactedRedis(config.redisUrl)).toBe('redis://:***@redis:6380/2');
    expect(redisTargetOf(loadConfig({}).redisUrl)).toEqual({ kind: 'plain', host: '127.0.0.1', port: 6379, db: 0 });
  });

  it('goes through the Sentinels when SLIPWAY_REDIS_SENTINELS is set, for workers and producers alike', () => {
    const config = loadConfig({
      SLIPWAY_REDIS_SENTINELS: 'sentinel-1:26379, sentinel-2:26380,sentinel-3',
      SLIPWAY_REDIS_MASTER_NAME: 'prod',
      SLIPWAY_REDIS_PASSWORD: 's3cret',
    });
    const { options } = connectionOptions(config.redisUrl);
    expect(options).toMatchObject({
      sentinels: [
        { host: 'sentinel-1', port: 26379 },
        { host: 'sentinel-2', port: 26380 },
        { host: 'sentinel-3', port: 26379 },
      ],
      name: 'prod',
      password: 's3cret',
      db: 0,
      failoverDetector: true,
    });
    expect(options.host).toBeUndefined();
    expect(redactedRedis(config.redisUrl)).not.toContain('s3cret');
    // A connection that lands on a demoted primary reconnects and resends the command.
    const reconnect = options.reconnectOnError as (err: Error) => boolean | 1 | 2;
    expect(reconnect(new Error("READONLY You can't write against a read only replica."))).toBe(2);
    expect(reconnect(new Error('ERR unknown command'))).toBe(false);
  });

  it('refuses a setting that is neither form, without echoing its password', () => {
    expect(() => loadConfig({ SLIPWAY_REDIS_URL: 'http://:hunter2@redis:6379' })).toThrow(/is not redis:\/\//);
    expect(() => loadConfig({ SLIPWAY_REDIS_URL: 'http://:hunter2@redis:6379' })).not.toThrow(/hunter2/);
  });
});
