import { execFileSync, spawn } from 'node:child_process';
import { basename, dirname, resolve } from 'node:path';
import { recordForPlan } from '../core/builds/record-for-plan.js';
import type { BuildRequest } from '../core/builds/types.js';
import { commandScript, compilePlan } from '../core/plan/compile-plan.js';
import { onlyStep, stepKeys } from '../core/plan/only-step.js';
import { formatIssues } from '../core/buildspec/format-issues.js';
import { stageStatus } from '../core/status/stage-status.js';
import { SwarmBackend } from '../executor/backend/swarm-backend.js';
import { runBuild } from '../executor/run-build.js';
import type { Config } from '../shared/config.js';
import { createLogger } from '../shared/logger.js';
import { memoryState } from '../shared/memory/memory-state.js';
import { loadSecrets } from '../shared/secret-store.js';
import { specParser } from '../shared/spec-parser.js';

/**
 * `slipway run [FILE]`: runs a spec (`text`, read from `file`) on the local swarm with the real
 * executor, no GitHub and no server. The workspace is the working tree of FILE's folder (files
 * git ignores left out), each step's log is printed as it runs, a line per stage says how it
 * ended, and the exit code is 0 only when the build succeeded. With `onlyStepKey`, only that
 * step runs (its stage's sidecars too); an unknown key runs nothing and answers 2.
 */
export async function runLocal(
  file: string,
  text: string,
  config: Config,
  out: NodeJS.WritableStream = process.stdout,
  onlyStepKey?: string,
): Promise<number> {
  const dir = dirname(resolve(file));
  const parsed = specParser()(text);
  if (!parsed.ok) {
    out.write(`${formatIssues(parsed.issues, file)}\n${parsed.issues.length} problem(s) in ${file}; nothing was run\n`);
    return 1;
  }
  const sha = gitHead(dir);
  const request: BuildRequest = {
    id: `local-${process.pid}-${Date.now()}`,
    event: 'manual',
    repo: { owner: 'local', name: basename(dir) },
    sha,
    ref: 'refs/heads/local',
    cloneUrl: dir,
    sender: process.env.USER ?? 'local',
  };
  const compiled = compilePlan(parsed.spec, request, {
    gitImage: config.gitImage,
    stepTimeoutMs: config.stepTimeoutMs,
  });
  const plan = onlyStepKey === undefined ? compiled : onlyStep(compiled, onlyStepKey);
  if (!plan) {
    out.write(`no step ${onlyStepKey} in ${file}; its steps are: ${stepKeys(compiled).join(', ')}; nothing was run\n`);
    return 2;
  }
  plan.checkout = {
    ...plan.checkout,
    name: 'workspace',
    script: commandScript([`echo "the working tree of ${dir}"`, 'ls -A']),
  };

  const width = Math.max(...plan.stages.flatMap((s) => s.steps.map((st) => st.key.length)), 8);
  const { builds, logs, locks } = memoryState({
    onLines: (step, lines) => {
      for (const line of lines) out.write(`${step.padEnd(width)} │ ${line.text}\n`);
    },
  });
  await builds.create(recordForPlan(plan, new Date().toISOString()));
  const backend = new SwarmBackend(undefined, { volumeDriver: config.volumeDriver, instance: config.instance });
  const links = { build: `build ${plan.buildId}`, stepLog: (key: string) => `step ${key}` };
  const cancel = new AbortController();
  const onSignal = () => cancel.abort('interrupted (Ctrl-C)');
  process.once('SIGINT', onSignal);
  try {
    await backend.setupBuild(plan, {});
    await backend.seedWorkspace(plan, () => workingTreeTar(dir));
    const state = await runBuild(
      plan,
      {
        backend,
        builds,
        logs,
        locks,
        secretsFor: loadSecrets(config.secretsFile),
        schedulingTimeoutMs: config.schedulingTimeoutMs,
        logger: createLogger('run', true),
        report: async (event) => {
          if (event.state === 'queued' || event.state === 'running')
            return void out.write(`── ${event.stage} ${event.state}\n`);
          const status = stageStatus(event, links);
          out.write(`── ${event.stage}: ${status.state.toUpperCase()}  ${status.description}\n`);
        },
      },
      { cancel: cancel.signal },
    );
    out.write(`build ${state}\n`);
    return state === 'success' ? 0 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    await backend.teardownBuild(plan.buildId);
  }
}

function gitHead(dir: string): string {
  try {
    return execFileSync('git', ['-C', dir, 'rev-parse', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return 'working-tree';
  }
}

/**
 * The working tree as a tar stream: what git tracks or would track (ignored files left out),
 * or everything outside a git repository.
 */
function workingTreeTar(dir: string): NodeJS.ReadableStream {
  let files: string | undefined;
  try {
    files = execFileSync('git', ['-C', dir, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    files = undefined;
  }
  if (files === undefined) return spawn('tar', ['-c', '-C', dir, '.'], { stdio: ['ignore', 'pipe', 'ignore'] }).stdout;
  const tar = spawn('tar', ['-c', '-C', dir, '--null', '--ignore-failed-read', '-T', '-'], {
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  // tar may finish reading the list and close its end first; that is not an error.
  tar.stdin.on('error', () => undefined);
  tar.stdin.end(files);
  return tar.stdout;
}
