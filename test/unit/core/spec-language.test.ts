import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import {
  combinationName,
  matrixCombinations,
  matrixEnvName,
  matrixProblems,
} from '../../../services/core/buildspec/expand-matrix.js';
import { createSpecParser } from '../../../services/core/buildspec/parse-spec.js';
import { parseDuration } from '../../../services/core/buildspec/parse-duration.js';
import { parseMemory } from '../../../services/core/buildspec/parse-memory.js';
import type { SpecIssue, SpecPolicy, SpecResult } from '../../../services/core/buildspec/types.js';
import { lines, ROOT, specParser } from './support.js';

const parse = (text: string, policy?: SpecPolicy): SpecResult => specParser()(text, policy);

function issuesOf(text: string, policy?: SpecPolicy): SpecIssue[] {
  const result = parse(text, policy);
  if (result.ok) throw new Error(`expected the spec to be refused, it parsed: ${JSON.stringify(result.spec)}`);
  return result.issues;
}

const where = (issues: SpecIssue[]) => issues.map((i) => [i.path, i.line, i.column]);

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['10m', 600_000],
    ['1h30m', 5_400_000],
    ['2h', 7_200_000],
    ['1h0m30s', 3_630_000],
    ['0h1s', 1_000],
    [90, 90_000],
    [0.5, 500],
  ])('reads %j as %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    ['0s'],
    ['0'],
    [0],
    [-5],
    ['10'],
    ['1m1h'],
    ['10 minutes'],
    ['1d'],
    ['h'],
    [''],
    [null],
    [true],
    [Number.NaN],
  ])('refuses %j', (value) => {
    expect(parseDuration(value)).toBeUndefined();
  });
});

describe('parseMemory', () => {
  it.each([
    ['512M', 512 * 1024 ** 2],
    ['512m', 512 * 1024 ** 2],
    ['512Mi', 512 * 1024 ** 2],
    ['512MB', 512 * 1024 ** 2],
    ['512MiB', 512 * 1024 ** 2],
    ['2G', 2 * 1024 ** 3],
    ['1.5G', 1.5 * 1024 ** 3],
    ['64K', 64 * 1024],
    ['1T', 1024 ** 4],
    ['1000', 1000],
    ['1000b', 1000],
    [1048576, 1048576],
  ])('reads %j as %i bytes', (text, bytes) => {
    expect(parseMemory(text)).toBe(bytes);
  });

  it.each([['lots'], ['512 M'], ['5X'], ['Mi'], ['512ib'], [0], [-1], [1.5], ['']])('refuses %j', (value) => {
    expect(parseMemory(value)).toBeUndefined();
  });
});

describe('matrix expansion', () => {
  const matrix = { axes: { node: [18, 20], db: ['pg', 'mysql', 'sqlite'] }, exclude: [{ node: 18, db: 'sqlite' }] };

  it('gives every combination but the excluded, the first axis varying slowest, then the inclusions', () => {
    const combos = matrixCombinations({ ...matrix, include: [{ node: 22 }] });
    expect(combos.map((c) => combinationName('unit', c))).toEqual([
      'unit (node: 18, db: pg)',
      'unit (node: 18, db: mysql)',
      'unit (node: 20, db: pg)',
      'unit (node: 20, db: mysql)',
      'unit (node: 20, db: sqlite)',
      'unit (node: 22)',
    ]);
  });

  it('writes the axes of an inclusion in the order of the axes, whatever its own order', () => {
    expect(matrixCombinations({ axes: { a: [1], b: [2] }, include: [{ b: 3, a: 4 }] }).at(-1)).toEqual([
      ['a', '4'],
      ['b', '3'],
    ]);
  });

  it('excludes by every combination that has all the values of an entry, comparing values as text', () => {
    expect(
      matrixCombinations({ axes: { node: [18, 20], db: ['pg', 'mysql'] }, exclude: [{ db: 'mysql' }, { node: '18' }] }),
    ).toEqual([
      [
        ['node', '20'],
        ['db', 'pg'],
      ],
    ]);
  });

  it('names the environment variable of an axis MATRIX_ and the axis in upper case', () => {
    expect(matrixEnvName('node')).toBe('MATRIX_NODE');
    expect(matrixEnvName('py_version')).toBe('MATRIX_PY_VERSION');
  });

  it('counts the combinations and refuses more than the cap, saying how many', () => {
    expect(matrixProblems(matrix, 32)).toEqual({ problems: [], count: 5 });
    expect(matrixProblems(matrix, 4).problems).toEqual([
      {
        segments: [],
        message: 'the matrix expands to 5 combinations; at most 4 are allowed',
        hint: 'remove values, exclude combinations, or split the step',
      },
    ]);
  });

  it('refuses a matrix of billions of combinations without enumerating them', () => {
    const values = Array.from({ length: 64 }, (_, i) => i);
    const huge = { axes: Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`a${i}`, values])) };
    const { problems } = matrixProblems(huge, 32);
    expect(problems[0]?.message).toBe(
      'the matrix has 281,474,976,710,656 combinations before exclusions; at most 32 are allowed',
    );
  });
});

describe('alias bombs and other limits', () => {
  const laughs = (levels: number, width: number) =>
    lines(
      `l0: &l0 [${Array.from({ length: width }, () => '"lol"').join(', ')}]`,
      ...Array.from(
        { length: levels - 1 },
        (_, i) => `l${i + 1}: &l${i + 1} [${Array.from({ length: width }, () => `*l${i}`).join(', ')}]`,
      ),
    );

  it('refuses a billion laughs at once, at the first alias over the limit, without expanding it', () => {
    const text = laughs(10, 10); // 10^10 values once expanded, 90 aliases
    const issues = issuesOf(text);
    expect(issues).toEqual([
      {
        path: '',
        line: 7, // l0 has no alias; l1..l5 have 50; the 51st is the first on l6's line
        column: 10, // after "l6: &l6 ["
        message: 'more than 50 YAML aliases (*name); 90 found',
        hint: 'repeat the values, or put what steps share under defaults:',
      },
    ]);
  });

  it('refuses a bomb of few aliases by the values it would expand to, without expanding it', () => {
    const text = laughs(11, 5); // 50 aliases, about 76 million values
    const issues = issuesOf(text);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.message).toMatch(
      /^YAML aliases expand the document to 76,\d{3},\d{3} values; at most 200,000 are allowed$/,
    );
    expect(where(issues)).toEqual([['', 11, 12]]); // the first alias of the largest node: *l9, after "l10: &l10 ["
  });

  it('accepts a few aliases that expand to little', () => {
    const result = parse(
      lines(
        'test:',
        '  - name: a',
        '    image: alpine',
        '    env: &env {CI: true}',
        '    commands: [x]',
        '  - {name: b, image: alpine, env: *env, commands: [y]}',
      ),
    );
    expect(result.ok).toBe(true);
  });

  it('refuses a document that contains itself', () => {
    expect(issuesOf(lines('test: &t', '  - *t'))).toEqual([
      expect.objectContaining({
        line: 2,
        column: 5,
        message: 'a YAML alias refers to a node that contains it (a recursive document)',
      }),
    ]);
  });

  it('refuses a 2 MB file at the line and column where the limit is passed', () => {
    const line = `# ${'x'.repeat(1021)}\n`; // 1 KiB per line
    const text = lines('test:', '  - {name: unit, image: alpine, commands: [make]}') + line.repeat(2048);
    const issues = issuesOf(text);
    // 256 KiB = the two spec lines (56 bytes) + 255 full comment lines + 968 bytes of the next:
    // the first byte over the limit is the 969th of line 258.
    expect(issues).toEqual([
      {
        path: '',
        line: 258,
        column: 969,
        message: 'file is larger than 256 KiB',
        hint:
          'it is 2.0 MiB; the limit is passed here. ' +
          'Keep long scripts in files in the repository and run them from the spec',
      },
    ]);
  });

  it('refuses nesting deeper than 64', () => {
    const issues = issuesOf(`test: ${'['.repeat(80)}${']'.repeat(80)}\n`);
    expect(issues[0]?.message).toMatch(/^YAML syntax error: nesting exceeded maxDepth \(64\)/);
  });

  it('refuses more steps than the policy allows, counting matrix steps', () => {
    const text = lines(
      'test:',
      '  - name: unit',
      '    image: alpine',
      '    matrix: {axes: {n: [1, 2, 3]}}',
      '    commands: [x]',
      '  - {name: lint, image: alpine, commands: [y]}',
    );
    expect(parse(text, { maxSteps: 4 }).ok).toBe(true);
    expect(issuesOf(text, { maxSteps: 3 })).toEqual([
      {
        path: '/test/1',
        line: 6,
        column: 5,
        message: 'the build has 4 steps after matrix expansion; at most 3 are allowed',
        hint: 'merge small steps, shrink matrices, or ask the operator to raise the limit',
      },
    ]);
  });

  it('allows 100 steps by default, and refuses the 101st', () => {
    const steps = (n: number) =>
      lines('test:', ...Array.from({ length: n }, (_, i) => `  - {name: s${i}, image: alpine, commands: [x]}`));
    expect(parse(steps(100)).ok).toBe(true);
    expect(where(issuesOf(steps(101)))).toEqual([['/test/100', 102, 5]]);
  });
});

describe('the operator policy', () => {
  const text = lines(
    'test:', //                                     1
    '  - name: docker', //                          2
    '    image: docker:27', //                      3
    '    privileged: true', //                      4
    '    network_mode: host', //                    5
    '    pid: host', //                             6
    '    volumes:', //                              7
    '      - /var/run/docker.sock:/var/run/docker.sock', // 8
    '      - /srv/cache:/cache:ro', //              9
    '    secrets: [demo-token]', //                 10
    '    commands: [docker build .]',
  );

  it('refuses every kind of host access by default, each at its key or item', () => {
    const issues = issuesOf(text);
    expect(where(issues)).toEqual([
      ['/test/0/privileged', 4, 5],
      ['/test/0/network_mode', 5, 5],
      ['/test/0/pid', 6, 5],
      ['/test/0/volumes/0', 8, 9],
      ['/test/0/volumes/1', 9, 9],
    ]);
    expect(issues[0]?.message).toBe(
      'privileged mode is not allowed: Swarm services cannot run privileged, ' +
        'and the operator has not allowed it for this repository',
    );
  });

  it('allows what the operator allows, each setting separately', () => {
    const all: SpecPolicy = {
      allowPrivileged: true,
      allowHostNetwork: true,
      allowHostPid: true,
      allowDockerSocket: true,
      allowHostMounts: true,
    };
    expect(parse(text, all).ok).toBe(true);
    expect(where(issuesOf(text, { ...all, allowDockerSocket: false }))).toEqual([['/test/0/volumes/0', 8, 9]]);
    expect(where(issuesOf(text, { ...all, allowHostMounts: false }))).toEqual([['/test/0/volumes/1', 9, 9]]);
    expect(where(issuesOf(text, { ...all, allowPrivileged: false }))).toEqual([['/test/0/privileged', 4, 5]]);
  });

  it('still checks the form of an allowed mount', () => {
    const spec = lines(
      'test:',
      '  - name: x',
      '    image: alpine',
      '    volumes: [cache:/cache, "/srv:/workspace"]',
      '    commands: [ls]',
    );
    expect(issuesOf(spec, { allowHostMounts: true }).map((i) => [i.path, i.message])).toEqual([
      ['/test/0/volumes/0', 'must be /host/path:/container/path, optionally followed by :ro or :rw'],
      ['/test/0/volumes/1', 'cannot mount over the workspace (/workspace)'],
    ]);
  });

  it('checks secret names only when the operator lists them', () => {
    expect(
      parse(text, {
        allowPrivileged: true,
        allowHostNetwork: true,
        allowHostPid: true,
        allowDockerSocket: true,
        allowHostMounts: true,
        knownSecrets: [],
      }).ok,
    ).toBe(false);
    const secrets = lines('test:', '  - {name: x, image: alpine, secrets: [demo-token, npm], commands: [ls]}');
    expect(parse(secrets).ok).toBe(true);
    expect(parse(secrets, { knownSecrets: ['demo-token', 'npm'] }).ok).toBe(true);
    expect(issuesOf(secrets, { knownSecrets: ['demo-token'] })).toEqual([
      {
        path: '/test/0/secrets/1',
        line: 2,
        column: 52,
        message: 'unknown secret "npm"',
        hint: 'the operator provides: demo-token',
      },
    ]);
    expect(issuesOf(secrets, { knownSecrets: [] }).map((i) => i.hint)).toEqual([
      'the operator provides no secrets to this repository',
      'the operator provides no secrets to this repository',
    ]);
  });

  it('takes a default policy when the parser is made, and a policy per parse over it', () => {
    const schema = JSON.parse(readFileSync(`${ROOT}schemas/buildspec.schema.json`, 'utf8')) as object;
    const lenient = createSpecParser(schema, {
      allowPrivileged: true,
      allowHostNetwork: true,
      allowHostPid: true,
      allowDockerSocket: true,
      allowHostMounts: true,
    });
    expect(lenient(text).ok).toBe(true);
    expect(lenient(text, {}).ok).toBe(false);
  });

  it('caps matrices at 32 combinations by default, and at the policy maxMatrix', () => {
    const spec = (n: number) =>
      lines(
        'test:',
        '  - name: x',
        '    image: alpine',
        `    matrix: {axes: {n: [${Array.from({ length: n }, (_, i) => i).join(', ')}]}}`,
        '    commands: [ls]',
      );
    expect(parse(spec(32)).ok).toBe(true);
    expect(issuesOf(spec(33))).toEqual([
      {
        path: '/test/0/matrix',
        line: 4,
        column: 5,
        message: 'the matrix expands to 33 combinations; at most 32 are allowed',
        hint: 'remove values, exclude combinations, or split the step',
      },
    ]);
    expect(parse(spec(33), { maxMatrix: 40 }).ok).toBe(true);
  });
});

describe('checks that run even when the schema refused the spec', () => {
  it('reports duplicate names, unknown locks and type errors together, in file order', () => {
    const text = lines(
      'test:', //                                         1
      '  - {name: unit, image: 20, commands: [x]}', //    2: image (column 18) must be a string
      '  - {name: unit, image: alpine, lock: bord, commands: [x]}', // 3: duplicate name (6), unknown lock (33)
      'e2e:', //                                          4
      '  - {name: e2e, image: alpine, timeout: soon, commands: [x]}', // 5: bad duration (32)
    );
    expect(issuesOf(text).map((i) => [i.path, i.line, i.column, i.message])).toEqual([
      ['/test/0/image', 2, 18, 'must be string'],
      ['/test/1/name', 3, 6, 'duplicate step name "unit"'],
      ['/test/1/lock', 3, 33, 'unknown lock "bord"'],
      ['/e2e/0/timeout', 5, 32, 'must be a duration such as "90s", "10m" or "1h30m", or a number of seconds'],
    ]);
  });

  it('gives one clear message for a stage that is neither a list nor a mapping', () => {
    expect(issuesOf(lines('test: make test'))).toEqual([
      {
        path: '/test',
        line: 1,
        column: 1,
        message: 'must be a list of steps, or a mapping with "steps" (and "services" in e2e)',
      },
    ]);
    expect(issuesOf(lines('deploy: 3'))[0]?.message).toBe(
      'must be a list of steps, or a mapping with "steps" or "environments"',
    );
  });

  it('suggests the key meant in the long form of a stage', () => {
    expect(issuesOf(lines('e2e:', '  stepz:', '    - {name: a, image: b, commands: [c]}'))).toEqual([
      { path: '/e2e', line: 1, column: 1, message: 'stage "e2e" has no steps', hint: 'add steps: [...]' },
      { path: '/e2e/stepz', line: 2, column: 3, message: 'unknown key "stepz"', hint: 'did you mean "steps"?' },
    ]);
  });

  it('does not take a short word for a typo of another short word', () => {
    const issues = issuesOf(
      lines(
        'test:',
        '  - name: x',
        '    image: alpine',
        '    matrix: {axes: {db: [pg]}, include: [{os: linux}]}',
        '    commands: [ls]',
      ),
    );
    expect(issues.map((i) => i.hint)).toEqual(['the axes are db']);
  });
});

describe('positions of list items', () => {
  it('points at a scalar item of a block list, past comments and continuation lines', () => {
    const text = lines(
      'test:', //                          1
      '  - name: x', //                    2
      '    image: alpine', //              3
      '    artifacts:', //                 4
      '      # what we keep', //           5
      '      - dist', //                   6
      '      - >-', //                     7
      '        very/long', //              8
      '      - /abs', //                   9: item 2, column 9
      '    commands: [ls]',
    );
    expect(where(issuesOf(text))).toEqual([['/test/0/artifacts/2', 9, 9]]);
  });

  it('points at a scalar item of a flow list, past quoted commas and brackets', () => {
    // "[" is column 57; "a,b" 58, 'c]d' 65, [x] 72, /abs 77.
    const text = lines('test:', '  - {name: x, image: alpine, commands: [ls], artifacts: ["a,b", \'c]d\', [x], /abs]}');
    const issues = issuesOf(text);
    expect(where(issues)).toEqual([
      ['/test/0/artifacts/2', 2, 72],
      ['/test/0/artifacts/3', 2, 77],
    ]);
    expect(issues.map((i) => i.message)).toEqual([
      'must be string',
      'artifact path "/abs" must be relative to the workspace',
    ]);
  });
});

describe('the shipped example', () => {
  it('uses every key of the language that a default policy allows', () => {
    const text = readFileSync(`${ROOT}.buildspec.example.yml`, 'utf8');
    const schema = JSON.parse(readFileSync(`${ROOT}schemas/buildspec.schema.json`, 'utf8')) as object;
    const names = new Set<string>();
    const walk = (node: unknown) => {
      if (node === null || typeof node !== 'object') return;
      const n = node as Record<string, unknown>;
      if (n.properties) for (const k of Object.keys(n.properties)) names.add(k);
      Object.values(n).forEach(walk);
    };
    walk(schema);
    const refused = ['privileged', 'volumes', 'network_mode', 'pid', 'capabilities'];
    // A manual test gate holds every build of the example (and `slipway run`, the demo) for a
    // person: its keys are shown in docs/buildspec.md and tested in manual-gate.test.ts instead.
    refused.push('manual', 'app', 'port', 'people', 'instructions');
    const missing = [...names].filter(
      (name) => !refused.includes(name) && !new RegExp(`(^|[\\s{,-])${name}:`, 'm').test(text),
    );
    expect(missing).toEqual([]);
    expect(parse(text, { knownSecrets: ['demo-token'] }).ok).toBe(true);
  });
});
