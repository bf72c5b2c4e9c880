import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import Docker from 'dockerode';
import { Redis } from 'ioredis';
import { createLogger } from '../../services/shared/logger.js';
import { GitHubStandIn } from '../support/github-stand-in.js';
import { eventually, freshRedisUrl, startSlipway, type RunningSlipway } from '../support/slipway-harness.js';

const OWNER = 'acme';
const REPO = 'secret-params';
const TOKEN = 'secret-params-token';
const SECRET = 'hunter2-Xq9-do-not-print';
const docker = new Docker();

/**
 * A manual run's secret parameter end to end on the real swarm: `POST /builds` with
 * `secret_params`, the planner, the executor (a Docker secret), the logs, the API and pages.
 */
describe('a manual run with a secret parameter', () => {
  let standIn: GitHubStandIn;
  let slipway: RunningSlipway;
  let redisUrl: string;
  const logged: string[] = [];

  beforeAll(async () => {
    redisUrl = await freshRedisUrl(14);
    standIn = await GitHubStandIn.start({ token: 'test-token' });
    await standIn.createRepo(OWNER, REPO);
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logged.push(chunk.toString('utf8'));
        done();
      },
    });
    slipway = await startSlipway({
      standIn,
      redisUrl,
      env: { SLIPWAY_API_TOKEN: TOKEN, SLIPWAY_GIT_BASE_URL: 'https://github.com/' },
      logger: createLogger('test', false, { level: 'info', destination: destination as never }),
    });
  });

  afterAll(async () => {
    await slipway?.close();
    await standIn?.stop();
  });

  it('reaches the step as its variable, and is in no response, log line, event or Redis key but its own', async () => {
    const spec = `test:
  - name: use it
    image: slipway/busybox:1
    commands:
      - echo "password is $DEPLOY_PASSWORD, visible is $VISIBLE"
      - printf %s "$DEPLOY_PASSWORD" | sha256sum
      - env | grep -c DEPLOY_PASSWORD=
`;
    const sha = await standIn.commit(OWNER, REPO, 'manual', { '.buildspec.yml': spec });
    const since = Math.floor(Date.now() / 1000) - 1;
    const auth = { authorization: `Bearer ${TOKEN}` };
    const res = await fetch(`${slipway.url}/builds`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        repo: `${OWNER}/${REPO}`,
        sha,
        ref: 'manual',
        params: { VISIBLE: 'yes' },
        secret_params: { DEPLOY_PASSWORD: SECRET },
      }),
    });
    const answers: string[] = [await res.text()];
    expect(res.status).toBe(202);
    const { build } = JSON.parse(answers[0]!) as { build: string };
    const record = await eventually(
      'the build to end',
      async () => {
        const b = await slipway.builds.get(build);
        return b && ['success', 'failure', 'error'].includes(b.state) ? b : undefined;
      },
      90_000,
    );
    expect(record.state).toBe('success');
    expect(record.request).toMatchObject({ params: { VISIBLE: 'yes' }, secretParams: ['DEPLOY_PASSWORD'] });

    // The step had it, as a variable of its own, and its log says so only masked.
    const lines = (await slipway.logs.read(build, 'use-it')).map((l) => l.text);
    expect(lines).toContain('password is ***, visible is yes');
    expect(lines.join('\n')).toContain(createHash('sha256').update(SECRET).digest('hex'));

    // Everything a caller can read about the build.
    const get = async (path: string, headers: Record<string, string> = {}) => {
      const r = await fetch(`${slipway.url}${path}`, { headers: { ...auth, ...headers } });
      expect(r.status).toBe(200);
      return r.text();
    };
    answers.push(
      await get(`/builds/${build}`),
      await get(`/builds/${build}`, { accept: 'text/html' }),
      await get(`/builds/${build}/steps/use-it/log`),
      await get(`/builds/${build}/steps/use-it/log?format=json`),
      await get(`/builds/${build}/steps/use-it/log/stream`),
      await get(`/builds/${build}/steps/checkout/log`),
      await get('/', { accept: 'text/html' }),
      await get('/audit'),
      await get('/audit?format=jsonl'),
    );
    expect(answers.join('\n')).toContain('password is ***');
    for (const answer of answers) expect(answer).not.toContain(SECRET);
    expect(logged.join('')).toContain(build);
    expect(logged.join('')).not.toContain(SECRET);

    // Redis holds it in one place only: the secret parameters' own key (queued jobs, records and logs do not).
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    try {
      const keys = await redis.keys('*');
      const holding: string[] = [];
      for (const key of keys) if (JSON.stringify(await valueOf(redis, key)).includes(SECRET)) holding.push(key);
      expect(holding).toEqual([`slipway:secret-params:${record.request.id}`]);
    } finally {
      redis.disconnect();
    }

    // It went to the swarm as a Docker secret of the build (a file in the container); no engine event names it.
    const events = (await docker.getEvents({
      since,
      until: Math.ceil(Date.now() / 1000),
      filters: { type: ['service', 'secret'] },
    })) as unknown as AsyncIterable<Buffer>;
    let text = '';
    for await (const chunk of events) text += chunk.toString('utf8');
    expect(text).toContain('"Type":"secret"');
    expect(text).not.toContain(SECRET);
  }, 150_000);
});

/** Whatever a key holds, read by its type (DUMP may compress, and would hide a value). */
async function valueOf(redis: Redis, key: string): Promise<unknown> {
  switch (await redis.type(key)) {
    case 'string':
      return redis.get(key);
    case 'hash':
      return redis.hgetall(key);
    case 'list':
      return redis.lrange(key, 0, -1);
    case 'set':
      return redis.smembers(key);
    case 'zset':
      return redis.zrange(key, '0', '-1', 'WITHSCORES');
    case 'stream':
      return redis.xrange(key, '-', '+');
    default:
      return null;
  }
}
