import type { Redis } from 'ioredis';
import type { PersonalToken, PersonalTokens } from '../ports/personal-tokens.js';
import { KEYS } from './keys.js';

/** Removes a token if its record names the owner. KEYS: the token, the owner's set. ARGV: owner, id. */
const REVOKE = `
local text = redis.call('GET', KEYS[1])
if not text or cjson.decode(text).owner ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[2])
return 1
`;

/** Personal tokens in Redis: one record per token, a set of ids per owner. */
export class RedisPersonalTokens implements PersonalTokens {
  constructor(private readonly redis: Redis) {}

  async create(token: PersonalToken): Promise<void> {
    await this.redis
      .multi()
      .set(KEYS.personalToken(token.id), JSON.stringify(token))
      .sadd(KEYS.tokensOf(token.owner), token.id)
      .exec();
  }

  async get(id: string): Promise<PersonalToken | undefined> {
    const text = await this.redis.get(KEYS.personalToken(id));
    return text ? (JSON.parse(text) as PersonalToken) : undefined;
  }

  async list(owner: string): Promise<PersonalToken[]> {
    const ids = await this.redis.smembers(KEYS.tokensOf(owner));
    if (ids.length === 0) return [];
    const texts = await this.redis.mget(ids.map((id) => KEYS.personalToken(id)));
    return texts
      .filter((t): t is string => t !== null)
      .map((t) => JSON.parse(t) as PersonalToken)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  async revoke(owner: string, id: string): Promise<boolean> {
    return (await this.redis.eval(REVOKE, 2, KEYS.personalToken(id), KEYS.tokensOf(owner), owner, id)) === 1;
  }
}
