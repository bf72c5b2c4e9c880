import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import type { BuildRequest } from '../../../services/core/builds/types.js';
import { compilePlan } from '../../../services/core/plan/compile-plan.js';
import type { SpecPolicy } from '../../../services/core/buildspec/types.js';
import { REQUEST, ROOT, specParser } from './support.js';

/**
 * Golden files: each `test/fixtures/specs/NAME.yml` is parsed and, when valid, compiled with
 * a fixed request; the result must equal `NAME.expected.json` beside it: `{ ok: true, plan }`
 * or `{ ok: false, issues }`. After a deliberate change, regenerate with
 * `SLIPWAY_UPDATE_GOLDEN=1` and read the diff before keeping it.
 *
 * A fixture may start with one line `# golden: {...}` (JSON) to vary the run:
 * - `request`: fields that replace those of the fixed request (e.g. `ref`, `event`);
 * - `refs`: compile once per ref; the expected file then maps each ref to its outcome;
 * - `policy`: the operator's policy for the parse;
 * - `padTo`: pad the text with a comment to this many bytes first (a huge file without
 *   keeping one in the repository).
 *
 * `.buildspec.example.yml` from the repository root is checked the same way, against
 * `buildspec-example.expected.json`, for a push to master.
 */
const DIR = `${ROOT}test/fixtures/specs/`;
const EXAMPLE = `${ROOT}.buildspec.example.yml`;
const specs = readdirSync(DIR)
  .filter((f) => f.endsWith('.yml'))
  .sort();

interface Header {
  request?: Partial<BuildRequest>;
  refs?: string[];
  policy?: SpecPolicy;
  padTo?: number;
}

function headerOf(text: string): Header {
  const line = /^# golden: (.*)$/m.exec(text.split('\n', 1)[0] ?? '');
  return line ? (JSON.parse(line[1]!) as Header) : {};
}

function outcome(text: string, header: Header, request: BuildRequest): unknown {
  const padded = header.padTo ? `${text}#${'x'.repeat(header.padTo - Buffer.byteLength(text) - 2)}\n` : text;
  const result = specParser()(padded, header.policy);
  return result.ok ? { ok: true, plan: compilePlan(result.spec, request, { gitImage: 'slipway/git:1' }) } : result;
}

function check(text: string, expectedFile: string, defaults: Partial<BuildRequest> = {}): void {
  const header = headerOf(text);
  const request = { ...REQUEST, ...defaults, ...header.request };
  const actual = header.refs
    ? Object.fromEntries(header.refs.map((ref) => [ref, outcome(text, header, { ...request, ref })]))
    : outcome(text, header, request);
  if (process.env.SLIPWAY_UPDATE_GOLDEN === '1') writeFileSync(expectedFile, `${JSON.stringify(actual, null, 2)}\n`);
  expect(actual).toEqual(JSON.parse(readFileSync(expectedFile, 'utf8')));
}

describe('golden specs', () => {
  it('has fixtures to compare', () => {
    expect(specs.length).toBeGreaterThanOrEqual(25);
  });

  it.each(specs)('%s gives the plan or issues in its .expected.json', (file) => {
    check(readFileSync(DIR + file, 'utf8'), DIR + file.replace(/\.yml$/, '.expected.json'));
  });

  it('.buildspec.example.yml gives the plan in buildspec-example.expected.json for a push to master', () => {
    check(readFileSync(EXAMPLE, 'utf8'), `${DIR}buildspec-example.expected.json`, { ref: 'refs/heads/master' });
  });
});
