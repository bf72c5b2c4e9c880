import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { formatIssue, formatIssues } from '../../../services/core/buildspec/format-issues.js';
import { lineColumn } from '../../../services/core/buildspec/locate-yaml.js';
import { closest, MAX_SPEC_BYTES } from '../../../services/core/buildspec/parse-spec.js';
import type { SpecIssue, SpecResult } from '../../../services/core/buildspec/types.js';
import { lines, ROOT, specParser } from './support.js';

const parse = (text: string): SpecResult => specParser()(text);

/** The issues of a spec that must be refused. */
function issuesOf(text: string): SpecIssue[] {
  const result = parse(text);
  if (result.ok) throw new Error(`expected the spec to be refused, it parsed: ${JSON.stringify(result.spec)}`);
  return result.issues;
}

/** Path, line and column of each issue: what a developer uses to find the mistake. */
const where = (issues: SpecIssue[]) => issues.map((i) => [i.path, i.line, i.column]);

describe('parsing a valid spec', () => {
  it('accepts .buildspec.example.yml from the repository root as it is shipped', () => {
    const result = parse(readFileSync(`${ROOT}.buildspec.example.yml`, 'utf8'));
    if (!result.ok) throw new Error(formatIssues(result.issues));
    expect(result.spec.version).toBe(1);
    expect(Array.isArray(result.spec.test) && result.spec.test.map((s) => s.name)).toEqual([
      'unit',
      'compat',
      'lint',
      'release notes',
    ]);
    expect(result.spec.defaults?.image).toBe('slipway/busybox:1');
    expect(Object.keys(result.spec.locks ?? {})).toEqual(['demo-board', 'staging-env']);
  });

  it('accepts flow-style mappings and sequences, even for the whole document', () => {
    const result = parse('{test: [{name: unit, image: "node:20", commands: [npm ci, npm test], env: {CI: true}}]}\n');
    expect(result).toEqual({
      ok: true,
      spec: { test: [{ name: 'unit', image: 'node:20', commands: ['npm ci', 'npm test'], env: { CI: true } }] },
    });
  });

  it('accepts Windows line endings', () => {
    const result = parse('test:\r\n  - name: unit\r\n    image: node:20\r\n    commands:\r\n      - npm test\r\n');
    expect(result.ok).toBe(true);
  });
});

describe('YAML syntax errors', () => {
  it('points at the badly indented line, 1-based', () => {
    const text = lines(
      'test:', //                 1
      '  - name: unit', //        2
      '    image: node:20', //    3
      '   commands: [npm test]', // 4: three spaces, "commands" starts in column 4
    );
    const issues = issuesOf(text);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: '', line: 4, column: 4 });
    expect(issues[0]?.message).toMatch(/^YAML syntax error: bad indentation/);
  });

  it('points at the second occurrence of a duplicated key', () => {
    const text = lines(
      'test:', //                 1
      '  - name: unit', //        2
      '    image: node:20', //    3
      '    image: node:22', //    4: "image" starts in column 5
      '    commands: [npm test]',
    );
    expect(issuesOf(text)).toEqual([
      { path: '', line: 4, column: 5, message: 'YAML syntax error: duplicated mapping key' },
    ]);
  });

  it('gives the same position when the file has Windows line endings', () => {
    const text = 'test:\r\n  - name: unit\r\n    image: node:20\r\n   commands: [npm test]\r\n';
    expect(where(issuesOf(text))).toEqual([['', 4, 4]]);
  });
});

describe('schema errors', () => {
  it('reports wrong types at the key that has them', () => {
    const text = lines(
      'test:', //                 1
      '  - name: unit', //        2
      '    image: 20', //         3: "image" at column 5
      '    commands: npm test', // 4: "commands" at column 5
    );
    expect(issuesOf(text)).toEqual([
      { path: '/test/0/image', line: 3, column: 5, message: 'must be string' },
      { path: '/test/0/commands', line: 4, column: 5, message: 'must be array' },
    ]);
  });

  it('reports a stage that is not a list at the stage key', () => {
    const text = lines(
      'version: 1', //            1
      'test:', //                 2
      '  - name: unit',
      '    image: node:20',
      '    commands: [make]',
      'deploy: yes please', //    6: "deploy" at column 1
    );
    expect(where(issuesOf(text))).toEqual([['/deploy', 6, 1]]);
  });

  it('reports env values that are neither string, number nor boolean at their key', () => {
    const text = lines(
      'test:', //                 1
      '  - name: unit', //        2
      '    image: node:20', //    3
      '    commands: [make]', //  4
      '    env:', //              5
      '      GOOD: 1', //         6
      '      BAD: [1, 2]', //     7: "BAD" at column 7
    );
    expect(issuesOf(text)).toEqual([
      { path: '/test/0/env/BAD', line: 7, column: 7, message: 'must be string,number,boolean' },
    ]);
  });

  it('names an unknown key, points at it and suggests the key that was meant', () => {
    const text = lines(
      'test:', //                 1
      '  - name: unit', //        2
      '    image: node:20', //    3
      '    comands:', //          4: the typo, column 5
      '      - npm test', //      5
    );
    const issues = issuesOf(text);
    // Both consequences of the typo, in the order they appear in the file.
    expect(issues).toEqual([
      { path: '/test/0', line: 2, column: 5, message: 'missing required key "commands" or "script"' },
      {
        path: '/test/0/comands',
        line: 4,
        column: 5,
        message: 'unknown key "comands"',
        hint: 'did you mean "commands"?',
      },
    ]);
  });

  it('reports a missing required key at the step that lacks it', () => {
    const text = lines(
      'test:', //                 1
      '  - name: unit', //        2: the step starts at "name", column 5
      '    commands: [npm test]',
    );
    expect(issuesOf(text)).toEqual([
      {
        path: '/test/0',
        line: 2,
        column: 5,
        message: 'missing required key "image"',
        hint: 'or set defaults.image for every step',
      },
    ]);
  });

  it('reports every missing key of a step, not only the first', () => {
    const text = lines(
      'e2e:', //                  1
      '  - name: smoke', //       2
    );
    expect(
      issuesOf(text)
        .map((i) => i.message)
        .sort(),
    ).toEqual(['missing required key "commands" or "script"', 'missing required key "image"']);
  });

  it('refuses an unknown stage with the list of allowed keys when nothing is close', () => {
    const text = lines(
      'version: 1', //            1
      'build:', //                2: "build" at column 1
      '  - name: unit',
      '    image: node:20',
      '    commands: [make]',
    );
    expect(issuesOf(text)).toEqual([
      {
        path: '/build',
        line: 2,
        column: 1,
        message: 'unknown key "build"',
        hint: 'allowed keys: version, defaults, locks, test, e2e, deploy',
      },
    ]);
  });

  it('suggests the stage name that was meant', () => {
    const text = lines(
      'tests:', //                1
      '  - name: unit',
      '    image: node:20',
      '    commands: [make]',
      'deply:', //                5
      '  - name: prod',
      '    image: node:20',
      '    commands: [make deploy]',
    );
    const issues = issuesOf(text);
    expect(where(issues)).toEqual([
      ['/tests', 1, 1],
      ['/deply', 5, 1],
    ]);
    expect(issues.map((i) => i.hint)).toEqual(['did you mean "test"?', 'did you mean "deploy"?']);
  });

  it('refuses a version other than 1', () => {
    const issues = issuesOf(
      lines('version: 2', 'test:', '  - name: unit', '    image: node:20', '    commands: [make]'),
    );
    expect(issues).toEqual([{ path: '/version', line: 1, column: 1, message: 'must be one of 1' }]);
  });

  it('refuses empty stages and empty command lists', () => {
    const text = lines(
      'test: []', //              1
      'e2e:', //                  2
      '  - name: smoke', //       3
      '    image: node:20', //    4
      '    commands: []', //      5: "commands" at column 5
    );
    expect(where(issuesOf(text))).toEqual([
      ['/test', 1, 1],
      ['/e2e/0/commands', 5, 5],
    ]);
  });

  it('locates errors inside flow-style mappings', () => {
    // t=1 ... "[" = 7, "{" = 8, "name" = 9, "unit," = 15-19, "image" = 21
    const inline = issuesOf('test: [{name: unit, image: 20, commands: [make]}]\n');
    expect(where(inline)).toEqual([['/test/0/image', 1, 21]]);

    const text = lines(
      'test:', //                                            1
      '  - {name: unit, image: node:20, commands: make}', //  2: "{" = 5, "commands" = 34
    );
    expect(where(issuesOf(text))).toEqual([['/test/0/commands', 2, 34]]);
  });

  it('locates a missing key of a flow-style step at its opening brace', () => {
    const text = lines(
      'deploy:', //               1
      '  - {name: prod}', //      2: "{" at column 5
    );
    expect(where(issuesOf(text))).toEqual([
      ['/deploy/0', 2, 5],
      ['/deploy/0', 2, 5],
    ]);
  });

  it('collects every issue of the file and sorts them by position, not by schema order', () => {
    const text = lines(
      'deploy:', //               1
      '  - name: prod', //        2
      '    image: 1', //          3: column 5
      '    commands: [make deploy]', // 4
      'build: 2', //              5: column 1
      'test:', //                 6
      '  - name: unit', //        7
      '    image: 2', //          8: column 5
      '    commands: [make]', //  9
    );
    expect(where(issuesOf(text))).toEqual([
      ['/deploy/0/image', 3, 5],
      ['/build', 5, 1],
      ['/test/0/image', 8, 5],
    ]);
  });

  it('reports a document that is not a mapping, without a position', () => {
    expect(issuesOf('just a string\n')).toEqual([{ path: '', message: 'must be object' }]);
  });

  // A key is looked for among its own mapping's keys only: the same word in an earlier string value or
  // in a nested mapping above it must not be taken for it.
  it('points at the key itself, not at the same word inside an earlier command string', () => {
    const text = lines(
      'test:', //                            1
      '  - name: unit', //                   2
      '    commands:', //                    3
      '      - "echo image: $IMAGE"', //     4: "image:" also appears here, inside a string
      '    image: 20', //                    5: the wrong value, "image" at column 5
    );
    expect(where(issuesOf(text))).toEqual([['/test/0/image', 5, 5]]);
  });

  it('points at the key itself, not at an env variable of the same name above it', () => {
    const text = lines(
      'test:', //                            1
      '  - name: unit', //                   2
      '    env:', //                         3
      '      image: alpine', //              4: a nested key with the same name
      '    commands: [make]', //             5
      '    image: 20', //                    6: the wrong value, "image" at column 5
    );
    expect(where(issuesOf(text))).toEqual([['/test/0/image', 6, 5]]);
  });
  it('sees past anchors on block mappings and sequences', () => {
    const text = lines(
      'test:', //                  1
      '  - &unit', //              2
      '    name: a', //            3
      '    image: x', //           4
      '    commands: &c [y, 1]', // 5: item 1 at column 22
      '    env: &e', //            6
      '      A: 1', //             7
      '      bad-key: 2', //       8: "bad-key" at column 7
    );
    expect(where(issuesOf(text))).toEqual([
      ['/test/0/commands/1', 5, 22],
      ['/test/0/env/bad-key', 8, 7],
    ]);
  });
});

// Flow style puts many mappings on one line, so a key must be found among the entries of its own mapping:
// not inside a nested mapping or sequence before it, not inside a quoted value, not after the mapping ends.
describe('positions inside flow mappings', () => {
  it('points at a key of a nested flow mapping, not at the same key inside a mapping before it', () => {
    const text = lines(
      'test:', //                                                                     1
      '  - {name: a, image: x, commands: [y], env: {A: {bad key: 1}, bad key: 2}}', // 2: "A" at 46, "bad key" at 63
    );
    expect(where(issuesOf(text))).toEqual([
      ['/test/0/env/A', 2, 46],
      ['/test/0/env/bad key', 2, 63],
    ]);
  });

  it('points at a key of a nested flow mapping, not at the same words inside a quoted value before it', () => {
    const text = lines(
      'test:', //                                                                         1
      '  - {name: a, image: x, commands: [y], env: {A: "no, bad key: here", bad key: 2}}', // 2: the key at 70
    );
    expect(where(issuesOf(text))).toEqual([['/test/0/env/bad key', 2, 70]]);
  });

  it("points at a step's own key, not at the same key in its env mapping before it", () => {
    const text = lines(
      'test:', //                                                                   1
      '  - {name: a, env: {timeout: 1}, image: x, commands: [y], timeout: zz}', //   2: the step's "timeout" at 59
    );
    expect(where(issuesOf(text))).toEqual([['/test/0/timeout', 2, 59]]);
  });

  it('points past a flow sequence that holds a mapping with the same key', () => {
    const text = lines(
      'test:', //                                                                   1
      '  - {name: a, image: x, commands: [y, {timeout: 1}], timeout: zz}', //        2: item 1 at 39, "timeout" at 54
    );
    expect(where(issuesOf(text))).toEqual([
      ['/test/0/commands/1', 2, 39],
      ['/test/0/timeout', 2, 54],
    ]);
  });

  it('points at a key of a flow mapping nested two deep in a document written in flow style', () => {
    const text = lines(
      // "A" at 46, the second "bad-key" at 63
      '{e2e: {services: [{name: db, image: x, env: {A: {bad-key: 1}, bad-key: 3}}], ' +
        'steps: [{name: a, image: x, commands: [y]}]}}',
    );
    expect(where(issuesOf(text))).toEqual([
      ['/e2e/services/0/env/A', 1, 46],
      ['/e2e/services/0/env/bad-key', 1, 63],
    ]);
  });

  it('sees past an anchor, and points at the mapping when the key came from a merge, not at a later mapping', () => {
    const text = lines(
      'test:', //                                                                 1
      '  - {name: a, image: x, commands: [y], env: &e {A: 1, bad-key: 2}}', //     2: "bad-key" at 55
      '  - {name: b, image: x, commands: [y], env: {<<: *e, C: 3}}', //            3: the mapping at 45
      '  - {name: c, image: x, commands: [y], env: {bad-key: 4}}', //              4: "bad-key" at 46
    );
    expect(where(issuesOf(text))).toEqual([
      ['/test/0/env/bad-key', 2, 55],
      ['/test/1/env/bad-key', 3, 45],
      ['/test/2/env/bad-key', 4, 46],
    ]);
  });
});

describe('checks beyond the schema', () => {
  it('refuses duplicate step names across stages and says where the name was first used', () => {
    const text = lines(
      'test:', //                 1
      '  - name: unit', //        2
      '    image: node:20', //    3
      '    commands: [npm test]', // 4
      'e2e:', //                  5
      '  - name: unit', //        6: "name" at column 5
      '    image: node:20',
      '    commands: [npm run e2e]',
    );
    expect(issuesOf(text)).toEqual([
      {
        path: '/e2e/0/name',
        line: 6,
        column: 5,
        message: 'duplicate step name "unit"',
        hint: 'already used at /test/0/name; step names must be unique in the build',
      },
    ]);
  });

  it('refuses duplicate step names within one stage, reporting every repeat', () => {
    const text = lines(
      'test:', //                 1
      '  - {name: lint, image: a, commands: [x]}', // 2
      '  - {name: lint, image: b, commands: [y]}', // 3: "name" at column 6
      '  - {name: lint, image: c, commands: [z]}', // 4
    );
    const issues = issuesOf(text);
    expect(where(issues)).toEqual([
      ['/test/1/name', 3, 6],
      ['/test/2/name', 4, 6],
    ]);
    expect(issues.every((i) => i.hint?.startsWith('already used at /test/0/name'))).toBe(true);
  });

  it('treats names that differ only in case as different steps', () => {
    const text = lines(
      'test:',
      '  - {name: Unit, image: a, commands: [x]}',
      '  - {name: unit, image: a, commands: [x]}',
    );
    expect(parse(text).ok).toBe(true);
  });

  // Bug: services/core/buildspec/parse-spec.ts:39-40 returns semanticIssues() unsorted; they come out
  // in stage order (test, e2e, deploy), not in the order of the file, unlike schema issues.
  it('sorts duplicate-name issues by position when the stages are written in another order', () => {
    const text = lines(
      'deploy:', //               1
      '  - {name: prod, image: a, commands: [x]}', // 2
      '  - {name: prod, image: a, commands: [x]}', // 3: duplicate, "name" at column 6
      'test:', //                 4
      '  - {name: unit, image: a, commands: [x]}', // 5
      '  - {name: unit, image: a, commands: [x]}', // 6: duplicate
    );
    expect(where(issuesOf(text))).toEqual([
      ['/deploy/1/name', 3, 6],
      ['/test/1/name', 6, 6],
    ]);
  });

  it('refuses a spec that defines no stage', () => {
    expect(issuesOf('version: 1\n')).toEqual([
      { path: '', line: 1, column: 1, message: 'no stage defined', hint: 'add at least one of test, e2e, deploy' },
    ]);
  });

  it.each([
    ['an empty file', ''],
    ['blank lines', '\n\n   \n'],
    ['only comments', '# nothing here yet\n# really\n'],
    ['an explicit empty document', '---\n'],
  ])('refuses %s as empty, at line 1', (_label, text) => {
    expect(issuesOf(text)).toEqual([
      {
        path: '',
        line: 1,
        column: 1,
        message: 'the file is empty',
        hint: 'add at least one of the stages test, e2e, deploy',
      },
    ]);
  });
});

describe('size limit', () => {
  const valid = lines('test:', '  - name: unit', '    image: node:20', '    commands: [make]');
  /** `valid` padded with a comment to exactly `bytes` bytes of UTF-8. */
  const padded = (bytes: number, filler = 'x') => {
    const room = bytes - Buffer.byteLength(valid) - 2; // "#" and the final newline
    return `${valid}#${filler.repeat(room / Buffer.byteLength(filler))}\n`;
  };

  it('accepts a file of exactly the limit', () => {
    const text = padded(MAX_SPEC_BYTES);
    expect(Buffer.byteLength(text)).toBe(MAX_SPEC_BYTES);
    expect(parse(text).ok).toBe(true);
  });

  it('refuses a file one byte over the limit, without trying to parse it', () => {
    const text = `${padded(MAX_SPEC_BYTES)}\n`;
    // The limit is passed at the very last byte: the final newline, on line 6.
    expect(issuesOf(text)).toEqual([
      {
        path: '',
        line: 6,
        column: 1,
        message: 'file is larger than 256 KiB',
        hint:
          'it is 257 KiB; the limit is passed here. ' +
          'Keep long scripts in files in the repository and run them from the spec',
      },
    ]);
  });

  it('counts bytes, not characters', () => {
    // 2-byte characters: about 160 000 characters, 320 000 bytes.
    const text = padded(MAX_SPEC_BYTES + 64 * 1024, 'é');
    expect(text.length).toBeLessThan(MAX_SPEC_BYTES);
    expect(issuesOf(text).map((i) => i.message)).toEqual(['file is larger than 256 KiB']);
  });
});

describe('formatIssue', () => {
  it('prints file:line:column, the path, the message and the hint on one line', () => {
    const issue: SpecIssue = {
      path: '/test/0/comands',
      line: 4,
      column: 5,
      message: 'unknown key "comands"',
      hint: 'did you mean "commands"?',
    };
    expect(formatIssue(issue)).toBe(
      '.buildspec.yml:4:5 /test/0/comands: unknown key "comands" (did you mean "commands"?)',
    );
  });

  it('uses the given file name and leaves out what is unknown', () => {
    expect(formatIssue({ path: '', message: 'file is larger than 256 KiB' }, 'ci/.buildspec.yml')).toBe(
      'ci/.buildspec.yml: file is larger than 256 KiB',
    );
    expect(formatIssue({ path: '/version', line: 1, message: 'must be one of 1' })).toBe(
      '.buildspec.yml:1:1 /version: must be one of 1',
    );
  });

  it('formats a parse result as a report, one issue per line, in file order', () => {
    const text = lines('test:', '  - name: unit', '    image: 20', '    comands: [make]');
    expect(formatIssues(issuesOf(text))).toBe(
      [
        '.buildspec.yml:2:5 /test/0: missing required key "commands" or "script"',
        '.buildspec.yml:3:5 /test/0/image: must be string',
        '.buildspec.yml:4:5 /test/0/comands: unknown key "comands" (did you mean "commands"?)',
      ].join('\n'),
    );
  });

  it('formats a YAML syntax error with its position', () => {
    expect(formatIssues(issuesOf('test: [unclosed\n'))).toMatch(/^\.buildspec\.yml:\d+:\d+: YAML syntax error: /);
  });
});

describe('helpers', () => {
  it('lineColumn counts lines and columns from 1', () => {
    const text = 'ab\ncd\n\nef';
    expect(lineColumn(text, 0)).toEqual({ line: 1, column: 1 });
    expect(lineColumn(text, 1)).toEqual({ line: 1, column: 2 });
    expect(lineColumn(text, 3)).toEqual({ line: 2, column: 1 });
    expect(lineColumn(text, 7)).toEqual({ line: 4, column: 1 });
    expect(lineColumn(text, 8)).toEqual({ line: 4, column: 2 });
  });

  it('closest suggests a known word within two edits, ignoring case, and nothing otherwise', () => {
    const keys = ['name', 'image', 'commands', 'env'];
    expect(closest('imgae', keys)).toBe('image');
    expect(closest('IMAGE', keys)).toBe('image');
    expect(closest('command', keys)).toBe('commands');
    expect(closest('environment', keys)).toBeUndefined();
    expect(closest('script', keys)).toBeUndefined();
  });
});
