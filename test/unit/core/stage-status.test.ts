import { describe, expect, it } from '@jest/globals';
import {
  contextFor,
  MAX_DESCRIPTION,
  stageStatus,
  truncate,
  type StatusLinks,
} from '../../../services/core/status/stage-status.js';

const BUILD_URL = 'https://ci.example.com/builds/b9514e6751b7';
const links: StatusLinks = {
  build: BUILD_URL,
  stepLog: (key) => `${BUILD_URL}/steps/${key}/log`,
};

describe('stageStatus', () => {
  it('queued and running stages are pending, linking to the build', () => {
    expect(stageStatus({ stage: 'test', state: 'queued' }, links)).toEqual({
      context: 'slipway/test',
      state: 'pending',
      description: 'Queued',
      target_url: BUILD_URL,
    });
    expect(stageStatus({ stage: 'e2e', state: 'running' }, links)).toEqual({
      context: 'slipway/e2e',
      state: 'pending',
      description: 'Running',
      target_url: BUILD_URL,
    });
  });

  it('a passed stage says how many steps passed and how long it took, linking to the build', () => {
    expect(stageStatus({ stage: 'test', state: 'success', steps: 3, durationMs: 12_340 }, links)).toEqual({
      context: 'slipway/test',
      state: 'success',
      description: '3 steps passed in 12.3s',
      target_url: BUILD_URL,
    });
  });

  it('uses the singular for one step and minutes for long stages', () => {
    expect(stageStatus({ stage: 'deploy', state: 'success', steps: 1, durationMs: 800 }, links).description).toBe(
      '1 step passed in 0.8s',
    );
    expect(stageStatus({ stage: 'e2e', state: 'success', steps: 2, durationMs: 125_000 }, links).description).toBe(
      '2 steps passed in 2m 5s',
    );
  });

  // Bug: seconds() in services/core/status/stage-status.ts:54 rounds the remainder of the minute
  // separately, so 119.6 s prints as "1m 60s" instead of "2m 0s".
  it('never shows 60 seconds in a duration', () => {
    expect(stageStatus({ stage: 'e2e', state: 'success', steps: 2, durationMs: 119_600 }, links).description).toBe(
      '2 steps passed in 2m 0s',
    );
  });

  it("a failed step's status names the step and exit code and links to that step's log", () => {
    expect(stageStatus({ stage: 'test', state: 'failure', step: 'Unit', stepKey: 'unit', exitCode: 2 }, links)).toEqual(
      {
        context: 'slipway/test',
        state: 'failure',
        description: 'Step "Unit" failed with exit code 2',
        target_url: `${BUILD_URL}/steps/unit/log`,
      },
    );
  });

  it('an infrastructure error on a step names the step and the reason and links to its log', () => {
    const status = stageStatus(
      { stage: 'test', state: 'error', step: 'Unit', stepKey: 'unit', reason: 'No such image: nodee:20' },
      links,
    );
    expect(status).toEqual({
      context: 'slipway/test',
      state: 'error',
      description: 'Step "Unit" could not run: No such image: nodee:20',
      target_url: `${BUILD_URL}/steps/unit/log`,
    });
  });

  it('an error of the whole stage gives its reason and links to the build', () => {
    expect(stageStatus({ stage: 'deploy', state: 'error', reason: 'Redis connection lost' }, links)).toEqual({
      context: 'slipway/deploy',
      state: 'error',
      description: 'Redis connection lost',
      target_url: BUILD_URL,
    });
  });

  it('a stage skipped because an earlier one failed says which and keeps its state', () => {
    expect(
      stageStatus({ stage: 'deploy', state: 'skipped', blockedBy: 'e2e', blockedState: 'failure' }, links),
    ).toEqual({
      context: 'slipway/deploy',
      state: 'failure',
      description: 'Not run: e2e failed',
      target_url: BUILD_URL,
    });
    expect(
      stageStatus({ stage: 'deploy', state: 'skipped', blockedBy: 'test', blockedState: 'error' }, links),
    ).toMatchObject({
      state: 'error',
      description: 'Not run: test had an error',
    });
  });

  it('a spec problem is reported under slipway/spec with its summary', () => {
    expect(
      stageStatus(
        { stage: 'spec', state: 'failure', summary: '.buildspec.yml:4:5 /test/0/image: must be string' },
        links,
      ),
    ).toEqual({
      context: 'slipway/spec',
      state: 'failure',
      description: '.buildspec.yml:4:5 /test/0/image: must be string',
      target_url: BUILD_URL,
    });
    expect(stageStatus({ stage: 'spec', state: 'error', summary: 'could not fetch .buildspec.yml' }, links).state).toBe(
      'error',
    );
  });

  it('truncates the description of a very long step name to 140 characters, ending with …', () => {
    const name = `Run ${'the complete integration suite '.repeat(8)}`.trim();
    const status = stageStatus({ stage: 'test', state: 'failure', step: name, stepKey: 'long', exitCode: 1 }, links);
    expect(status.description).toHaveLength(MAX_DESCRIPTION);
    expect(status.description.endsWith('…')).toBe(true);
    expect(status.description.startsWith(`Step "Run the complete integration suite the complete`)).toBe(true);
    expect(status.target_url).toBe(`${BUILD_URL}/steps/long/log`);
  });

  it('puts a multi-line reason on one line', () => {
    const status = stageStatus(
      { stage: 'test', state: 'error', reason: 'task rejected:\n  no suitable node\t(2 nodes)' },
      links,
    );
    expect(status.description).toBe('task rejected: no suitable node (2 nodes)');
  });

  // Bug: truncate() in services/core/status/stage-status.ts:19 cuts UTF-16 code units, so it can
  // keep half of a surrogate pair (an emoji); the description is then not valid Unicode and its
  // UTF-8 encoding, as sent to GitHub, has a replacement character.
  it('never cuts a character in half when truncating', () => {
    const reason = `${'x'.repeat(MAX_DESCRIPTION - 2)}🚀🚀🚀`;
    const description = stageStatus({ stage: 'test', state: 'error', reason }, links).description;
    expect(Buffer.from(description, 'utf8').toString('utf8')).toBe(description);
  });
});

describe('truncate and contextFor', () => {
  it('keeps text of at most the limit as it is', () => {
    const exactly = 'a'.repeat(MAX_DESCRIPTION);
    expect(truncate(exactly)).toBe(exactly);
    expect(truncate('abcdef', 4)).toBe('abc…');
  });

  it('names contexts slipway/<stage>', () => {
    expect(contextFor('e2e')).toBe('slipway/e2e');
  });
});
