import { describe, expect, it } from '@jest/globals';
import type { LogLine } from '../../../services/core/builds/log-line.js';
import { hideAnnotationsLive, takeAnnotations } from '../../../services/executor/step-annotations.js';

const out = (...texts: string[]): LogLine[] => texts.map((text) => ({ time: 't', stream: 'stdout', text }));

describe('the live log of a step that writes annotations', () => {
  it('hides the annotation block however the stream cuts it into batches, and nothing else', () => {
    const live = hideAnnotationsLive();
    expect(live(out('compiling', '@@slipway annotations', 'src/a.ts:1: error: no'))).toEqual(out('compiling'));
    expect(live([{ time: 't', stream: 'stderr', text: 'a warning meanwhile' }])).toEqual([]);
    expect(live(out('src/b.ts:2: warning: hm', '', '@@slipway annotations end'))).toEqual([]);
    expect(live(out('after'))).toEqual(out('after'));
    // A second filter (another step) starts outside any block.
    expect(hideAnnotationsLive()(out('@@slipway annotations end', 'x'))).toEqual(out('@@slipway annotations end', 'x'));
  });
});

describe('the annotations a step wrote', () => {
  it('are masked before a long message is cut, so no start of a secret is left at the cut', () => {
    const secret = 'hunter2-secret';
    const mask = (text: string) => text.split(secret).join('***');
    const message = `${'x'.repeat(1_995)} ${secret}`;
    const { annotations } = takeAnnotations(
      out('@@slipway annotations', `src/${secret}.ts:3: error: ${message}`, '@@slipway annotations end'),
      mask,
    );
    expect(annotations.map((a) => [a.path, a.message])).toEqual([['src/***.ts', `${'x'.repeat(1_995)} ***`]]);
  });
});
