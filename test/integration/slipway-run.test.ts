import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import Docker from 'dockerode';
import { projectRoot } from '../../services/shared/project-root.js';
import { testInstance } from '../support/slipway-harness.js';

const run = promisify(execFile);
// What `npx slipway` runs (package.json's bin): a launcher that runs dist/services/cli/slipway.js.
const cli = join(projectRoot(), 'bin', 'slipway.js');
const built = join(projectRoot(), 'dist', 'services', 'cli', 'slipway.js');
const docker = new Docker();

/** The command as a separate process, the way a user runs it, with its exit code and both streams. */
async function command(file: string, args: string[], cwd = projectRoot()) {
  try {
    const { stdout, stderr } = await run(file, args, { cwd, env: { ...process.env, SLIPWAY_LOG: 'silent' } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('the slipway command', () => {
  it('is what `npx slipway` runs in the checkout, and --help exits 0', async () => {
    const { code, stdout, stderr } = await command('npx', ['--no-install', 'slipway', '--help']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/^usage: slipway <command>/m);
    expect(stdout).toMatch(/^ {2}run \[FILE\] /m);
  });

  it('exits 2 naming an unknown flag, on stderr, and 1 for an invalid spec', async () => {
    // The messages themselves are unit-tested (test/unit/cli/); here: the process's exit code and streams.
    expect(await command(process.execPath, [cli, 'validate', '--strict'])).toMatchObject({
      code: 2,
      stdout: '',
      stderr: /^slipway validate: unknown option '--strict'\n/,
    });
    const dir = mkdtempSync(join(tmpdir(), 'slipway-run-'));
    writeFileSync(join(dir, '.buildspec.yml'), 'test: 1\n');
    expect(await command(process.execPath, [cli, 'validate'], dir)).toMatchObject({ code: 1, stdout: '' });
  });
});

/** `slipway run` as a user runs it: the built CLI, a folder with a spec, the local swarm. */
describe('slipway run', () => {
  const slipway = async (cwd: string, args: string[]) => {
    if (!existsSync(built)) throw new Error(`${built} is missing: run \`npm run build\` first (scripts/test.sh does)`);
    try {
      const { stdout } = await run(process.execPath, [cli, 'run', ...args], {
        cwd,
        env: { ...process.env, SLIPWAY_INSTANCE: testInstance('run'), SLIPWAY_LOG: 'silent' },
      });
      return { code: 0, stdout };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout + e.stderr };
    }
  };

  it(
    "shows each step's output with the working tree as workspace, " +
      'and exits non-zero naming the failing step and its code',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'slipway-run-'));
      writeFileSync(join(dir, 'data.txt'), 'from the working tree\n');
      writeFileSync(
        join(dir, '.buildspec.yml'),
        'test:\n' +
          '  - name: reads\n' +
          '    image: slipway/busybox:1\n' +
          '    commands: [cat data.txt]\n' +
          '  - name: seven\n' +
          '    image: slipway/busybox:1\n' +
          '    commands: [echo about to exit, exit 7]\n' +
          'e2e:\n' +
          '  - name: never\n' +
          '    image: slipway/busybox:1\n' +
          '    commands: [echo never]\n',
      );
      const { code, stdout } = await slipway(dir, []);
      expect(code).toBe(1);
      expect(stdout).toMatch(/^reads +│ from the working tree$/m);
      expect(stdout).toMatch(/^seven +│ about to exit$/m);
      expect(stdout).toContain('── test: FAILURE  Step "seven" failed with exit code 7');
      expect(stdout).toContain('── e2e: FAILURE  Not run: test failed');
      expect(stdout).not.toMatch(/never$/m);
      expect(
        await docker.listServices({ filters: JSON.stringify({ label: [`slipway.instance=${testInstance('run')}`] }) }),
      ).toEqual([]);
    },
  );

  it('runs only the step --step names, as its log in Slipway says, naming the steps for a wrong key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-run-'));
    writeFileSync(
      join(dir, '.buildspec.yml'),
      'test:\n' +
        '  - name: unit\n' +
        '    image: slipway/busybox:1\n' +
        '    commands: [echo unit ran]\n' +
        'e2e:\n' +
        '  - name: browser\n' +
        '    image: slipway/busybox:1\n' +
        '    commands: [echo browser ran with $GREETING]\n' +
        '    env: {GREETING: hello}\n',
    );
    const { code, stdout } = await slipway(dir, ['--step', 'browser']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^browser +│ browser ran with hello$/m);
    expect(stdout).not.toContain('unit ran');
    expect(stdout).not.toContain('── test');
    expect(stdout).toContain('build success');
    const wrong = await slipway(dir, ['--step', 'nope']);
    expect(wrong).toMatchObject({
      code: 2,
      stdout: /no step nope in \.buildspec\.yml; its steps are: unit, browser; nothing was run/,
    });
  });

  it("succeeds on the example spec from the project's own checkout", async () => {
    const { code, stdout } = await slipway(projectRoot(), ['.buildspec.example.yml']);
    expect({ code, tail: stdout.split('\n').slice(-6) }).toMatchObject({ code: 0 });
    expect(stdout).toContain('build success');
  });

  it('refuses an invalid spec with its problems and runs nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-run-'));
    writeFileSync(
      join(dir, '.buildspec.yml'),
      'test:\n  - name: x\n    image: slipway/busybox:1\n    comands: [true]\n',
    );
    const { code, stdout } = await slipway(dir, []);
    expect(code).toBe(1);
    expect(stdout).toContain('.buildspec.yml:4:5 /test/0/comands: unknown key "comands" (did you mean "commands"?)');
    expect(stdout).toContain('nothing was run');
  });
});
