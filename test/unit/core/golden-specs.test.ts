import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { compilePlan } from '../../../services/core/plan/compile-plan.js';
import { REQUEST, ROOT, specParser } from './support.js';

/**
 * Golden files: each `test/fixtures/specs/NAME.yml` is parsed and, when valid, compiled with
 * a fixed request; the result must equal `NAME.expected.json` beside it: `{ ok: true, plan }`
 * or `{ ok: false, issues }`. After a deliberate change, regenerate with
 * `SLIPWAY_UPDATE_GOLDEN=1` and read the diff before keeping it.
 */
const DIR = `${ROOT}test/fixtures/specs/`;
const specs = readdirSync(DIR)
  .filter((f) => f.endsWith('.yml'))
  .sort();

function outcome(text: string): unknown {
  const result = specParser()(text);
  return result.ok ? { ok: true, plan: compilePlan(result.spec, REQUEST, { gitImage: 'slipway/git:1' }) } : result;
}

describe('golden specs', () => {
  it('has fixtures to compare', () => {
    expect(specs.length).toBeGreaterThanOrEqual(4);
  });

  it.each(specs)('%s gives the plan or issues in its .expected.json', (file) => {
    const actual = outcome(readFileSync(DIR + file, 'utf8'));
    const expectedFile = DIR + file.replace(/\.yml$/, '.expected.json');
    if (process.env.SLIPWAY_UPDATE_GOLDEN === '1') writeFileSync(expectedFile, `${JSON.stringify(actual, null, 2)}\n`);
    expect(actual).toEqual(JSON.parse(readFileSync(expectedFile, 'utf8')));
  });
});
