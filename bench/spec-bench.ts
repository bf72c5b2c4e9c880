import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compilePlan } from '../services/core/plan/compile-plan.js';
import { projectRoot } from '../services/shared/project-root.js';
import { specParser } from '../services/shared/spec-parser.js';
import { record } from './figures.js';

/** Parse + validate + compile of the example spec, in process. */
export function specBench(): void {
  const text = readFileSync(join(projectRoot(), '.buildspec.example.yml'), 'utf8');
  const parse = specParser();
  const request = {
    id: 'bench',
    event: 'push',
    repo: { owner: 'a', name: 'b' },
    sha: 'c'.repeat(40),
    ref: 'refs/heads/master',
    cloneUrl: 'x',
    sender: 'd',
  };
  for (let i = 0; i < 200; i++) parse(text);
  const n = 2_000;
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const r = parse(text);
    if (r.ok) compilePlan(r.spec, request, { gitImage: 'slipway/git:1' });
  }
  const us = Number(process.hrtime.bigint() - start) / 1e3 / n;
  record({ what: 'parse + validate + compile the example spec', value: `${us.toFixed(0)} µs each`, against: '< 5 ms' });
}
