import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { describeTaskError } from '../../../services/executor/backend/task-errors.js';
import { ConfigError, loadConfig } from '../../../services/shared/config.js';
import { safeJobId } from '../../../services/shared/queues.js';

describe('describeTaskError', () => {
  it('turns "No such image" into a sentence that names the image and says what to do', () => {
    const text = describeTaskError('No such image: does-not-exist:latest');
    expect(text).toContain('No such image');
    expect(text).toContain('does-not-exist:latest');
    expect(text).toMatch(/check the image name/);
    expect(text.length).toBeGreaterThan('No such image: does-not-exist:latest'.length);
  });

  it('explains a step killed with exit 137 and keeps the original text', () => {
    const text = describeTaskError('task: non-zero exit (137)');
    expect(text).toMatch(/killed/);
    expect(text).toMatch(/memory/);
    expect(text).toContain('task: non-zero exit (137)');
  });

  it('explains a mount failure and keeps the original text', () => {
    const text = describeTaskError('invalid mount config for type "volume": field Source must not be empty');
    expect(text).toMatch(/^could not mount/);
    expect(text).toContain('field Source must not be empty');
  });

  it('passes other errors through unchanged', () => {
    expect(describeTaskError('no suitable node (insufficient resources on 3 nodes)')).toBe(
      'no suitable node (insufficient resources on 3 nodes)',
    );
  });
});

describe('safeJobId', () => {
  it('keeps ids BullMQ accepts as they are', () => {
    expect(safeJobId('72d3162e-cc78-11e3-81ab-4c9367dc0958')).toBe('72d3162e-cc78-11e3-81ab-4c9367dc0958');
  });

  it('never lets a colon through, which BullMQ refuses in job ids, and keeps different ids apart', () => {
    expect(safeJobId('build:42:test')).not.toContain(':');
    expect(safeJobId('build:42:test')).not.toBe(safeJobId('build_42_test'));
    expect(safeJobId('build:42:test')).toBe(safeJobId('build:42:test'));
  });

  it('prefixes an all-digit id, which BullMQ would take for its own counter', () => {
    expect(safeJobId('12345')).not.toMatch(/^\d+$/);
    expect(safeJobId('12345')).not.toBe(safeJobId('j12345'));
  });

  it('keeps a GitHub delivery id as it is', () => {
    expect(safeJobId('72d3162e-cc78-11e3-81ab-4c9367dc0958')).toBe('72d3162e-cc78-11e3-81ab-4c9367dc0958');
  });
});

describe('loadConfig', () => {
  it('refuses to start without the webhook secret when the service needs it, naming the variable', () => {
    expect(() => loadConfig({}, ['webhookSecret'])).toThrow(ConfigError);
    expect(() => loadConfig({}, ['webhookSecret'])).toThrow(/SLIPWAY_WEBHOOK_SECRET/);
    expect(() => loadConfig({ SLIPWAY_WEBHOOK_SECRET: '' }, ['webhookSecret'])).toThrow(/SLIPWAY_WEBHOOK_SECRET/);
    expect(loadConfig({ SLIPWAY_WEBHOOK_SECRET: 's3cret' }, ['webhookSecret']).webhookSecret).toBe('s3cret');
  });

  it('names SLIPWAY_GITHUB_TOKEN when the token is needed and missing', () => {
    expect(() => loadConfig({}, ['githubToken'])).toThrow(/SLIPWAY_GITHUB_TOKEN/);
  });

  it('reads node provisioners, and refuses to start on a mistake, saying which and what', () => {
    expect(loadConfig({}).provisioning.provisioners).toEqual([]);
    const gpus = JSON.stringify([{ name: 'gpus', kind: 'local', labels: { pool: 'gpu' }, idleTimeoutMs: 60000 }]);
    const url = 'http://10.0.0.5:3090/provision/callback';
    expect(loadConfig({ SLIPWAY_PROVISIONERS: gpus, SLIPWAY_PROVISION_CALLBACK_URL: url }).provisioning).toEqual({
      provisioners: [
        {
          name: 'gpus',
          kind: 'local',
          labels: { pool: 'gpu' },
          maxNodes: 2,
          idleTimeoutMs: 60000,
          joinTimeoutMs: 180000,
        },
      ],
      callbackUrl: url,
      callbackHost: '',
      callbackPort: 3090,
      managerAddress: '',
    });
    expect(() => loadConfig({ SLIPWAY_PROVISIONERS: gpus })).toThrow(/needs SLIPWAY_PROVISION_CALLBACK_URL/);
    expect(() => loadConfig({ SLIPWAY_PROVISIONERS: '[{' })).toThrow(/SLIPWAY_PROVISIONERS is not JSON/);
    expect(() =>
      loadConfig({ SLIPWAY_PROVISIONERS: '[{"name":"gpus","kind":"local","labels":{"pool":"gpu"},"maxNodes":0}]' }),
    ).toThrow(new ConfigError('SLIPWAY_PROVISIONERS: provisioner "gpus": maxNodes must be a whole number, 1 or more'));
    expect(() =>
      loadConfig({
        SLIPWAY_PROVISIONERS: gpus,
        SLIPWAY_PROVISION_CALLBACK_URL: url,
        SLIPWAY_PROVISION_MANAGER_ADDRESS: 'x',
      }),
    ).toThrow(/SLIPWAY_PROVISION_MANAGER_ADDRESS must be host:port/);
  });

  it('reads node provisioners from SLIPWAY_PROVISIONERS_FILE (a Docker config or secret), naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-provisioners-'));
    const file = join(dir, 'provisioners.json');
    writeFileSync(file, JSON.stringify([{ name: 'gpus', kind: 'local', labels: { pool: 'gpu' } }]));
    const url = 'http://10.0.0.5:3090/provision/callback';
    try {
      expect(
        loadConfig({ SLIPWAY_PROVISIONERS_FILE: file, SLIPWAY_PROVISION_CALLBACK_URL: url }).provisioning.provisioners,
      ).toEqual([expect.objectContaining({ name: 'gpus', labels: { pool: 'gpu' } })]);
      expect(() =>
        loadConfig({ SLIPWAY_PROVISIONERS_FILE: join(dir, 'missing.json'), SLIPWAY_PROVISION_CALLBACK_URL: url }),
      ).toThrow(/SLIPWAY_PROVISIONERS_FILE: cannot read .*missing\.json/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('starts without a secret when the service does not need one, with defaults', () => {
    expect(loadConfig({})).toMatchObject({
      webhookSecret: '',
      redisUrl: 'redis://127.0.0.1:6379',
      githubApiUrl: 'https://api.github.com',
      publicUrl: 'http://localhost:3000',
      port: 3000,
      cloneUrlRewrite: [],
      gitImage: 'slipway/git:1',
    });
  });

  it('spaces GitHub writes 1 s apart by default or as SLIPWAY_GITHUB_WRITE_GAP_MS says; no negative gap', () => {
    expect(loadConfig({}).githubWriteGapMs).toBe(1000);
    expect(loadConfig({ SLIPWAY_GITHUB_WRITE_GAP_MS: '0' }).githubWriteGapMs).toBe(0);
    expect(loadConfig({ SLIPWAY_GITHUB_WRITE_GAP_MS: '250' }).githubWriteGapMs).toBe(250);
    expect(() => loadConfig({ SLIPWAY_GITHUB_WRITE_GAP_MS: '-1' })).toThrow(/SLIPWAY_GITHUB_WRITE_GAP_MS/);
    expect(() => loadConfig({ SLIPWAY_GITHUB_WRITE_GAP_MS: 'soon' })).toThrow(/SLIPWAY_GITHUB_WRITE_GAP_MS/);
  });

  it('parses SLIPWAY_CLONE_URL_REWRITE into rules, in order, trimming spaces', () => {
    const config = loadConfig({
      SLIPWAY_CLONE_URL_REWRITE: ' https://github.com/=git://mirror/ , https://a/=https://b/?x=1,',
    });
    expect(config.cloneUrlRewrite).toEqual([
      { from: 'https://github.com/', to: 'git://mirror/' },
      { from: 'https://a/', to: 'https://b/?x=1' },
    ]);
  });

  it.each(['https://github.com/', '=git://mirror/', 'https://a/=https://b/,nonsense'])(
    'refuses the malformed rewrite %j',
    (value) => {
      expect(() => loadConfig({ SLIPWAY_CLONE_URL_REWRITE: value })).toThrow(
        /SLIPWAY_CLONE_URL_REWRITE: ".*" is not FROM=TO/,
      );
    },
  );

  it.each([
    ['SLIPWAY_PORT', '0'],
    ['SLIPWAY_PORT', 'eighty'],
    ['SLIPWAY_EXECUTOR_CONCURRENCY', '-1'],
    ['SLIPWAY_SCHEDULING_TIMEOUT_MS', '0'],
    ['SLIPWAY_STEP_TIMEOUT_MS', 'forever'],
  ])('refuses %s=%j', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(/must be a positive number/);
  });

  it('reads numbers', () => {
    const config = loadConfig({
      SLIPWAY_PORT: '8080',
      SLIPWAY_EXECUTOR_CONCURRENCY: '2',
      SLIPWAY_STEP_TIMEOUT_MS: '60000',
    });
    expect(config).toMatchObject({
      port: 8080,
      executorConcurrency: 2,
      stepTimeoutMs: 60_000,
      publicUrl: 'http://localhost:8080',
    });
  });

  it('trims trailing slashes of URLs, so links and API paths have no //', () => {
    const config = loadConfig({
      SLIPWAY_PUBLIC_URL: 'https://ci.example.com//',
      SLIPWAY_GITHUB_API_URL: 'https://ghe.example.com/api/v3/',
    });
    expect(config.publicUrl).toBe('https://ci.example.com');
    expect(config.githubApiUrl).toBe('https://ghe.example.com/api/v3');
  });
});
