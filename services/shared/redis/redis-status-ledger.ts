import type { Redis } from 'ioredis';
import type { RepoRef } from '../../core/builds/types.js';
import type { PostedStatus, StatusLedger } from '../ports/status-ledger.js';
import { KEYS, TTL } from './keys.js';

/**
 * Stores the posted status unless the one stored is of the same build with a higher rank.
 * KEYS: the posted key. ARGV: the status (JSON), its build, its rank, the TTL. Returns 1 when stored.
 */
const RECORD = `
local last = redis.call('GET', KEYS[1])
if last then
  local posted = cjson.decode(last)
  if posted.buildId == ARGV[2] and tonumber(posted.seq) > tonumber(ARGV[3]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[4])
return 1
`;

/** What the reporter posted, in Redis; `record` compares and sets in one step, so racing reporters keep the newest. */
export class RedisStatusLedger implements StatusLedger {
  constructor(private readonly redis: Redis) {}

  async last(repo: RepoRef, sha: string, context: string): Promise<PostedStatus | undefined> {
    const text = await this.redis.get(KEYS.posted(`${repo.owner}/${repo.name}`, sha, context));
    return text ? (JSON.parse(text) as PostedStatus) : undefined;
  }

  async record(repo: RepoRef, sha: string, context: string, posted: PostedStatus): Promise<boolean> {
    const key = KEYS.posted(`${repo.owner}/${repo.name}`, sha, context);
    const stored = await this.redis.eval(
      RECORD,
      1,
      key,
      JSON.stringify(posted),
      posted.buildId,
      posted.seq,
      TTL.posted,
    );
    return stored === 1;
  }
}
