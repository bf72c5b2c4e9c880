import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogLine } from '../../core/builds/log-line.js';
import { collectFromFolder, restoreIntoFolder } from './fake-files.js';
import type {
  AppAddress,
  AppSpec,
  Backend,
  BuildResources,
  CollectRequest,
  CollectResult,
  SidecarSpec,
  StepHandle,
  StepOutcome,
  StepSpec,
  WaitOptions,
} from './types.js';

interface FakeStep {
  handle: StepHandle;
  buildId: string;
  lines: LogLine[];
  listeners: Set<(lines: LogLine[]) => void>;
  outcome: Promise<StepOutcome>;
  child?: ChildProcess;
}

/**
 * The backend for runtime tests and laptops without Docker: each step's script runs with
 * the host's `/bin/sh` in a temporary folder standing for the workspace (`$SLIPWAY_WORKSPACE`),
 * so exit codes, output, time limits and cancellation are real, and nothing needs an engine.
 * Images are names only: those not in `images` are refused as Docker would ("No such image").
 * Sidecars are recorded and always ready.
 */
export class FakeBackend implements Backend {
  private readonly builds = new Map<string, string>();
  private readonly steps = new Map<string, FakeStep>();
  /** Every step started, in order, for tests that count runs. */
  readonly started: string[] = [];
  /** Per build: the steps whose files its workspace holds (collected there, or restored). */
  private readonly held = new Map<string, Set<string>>();
  /** Every restore of earlier steps' files, `<build>:<step>`, for tests. */
  readonly restores: string[] = [];

  constructor(
    private readonly images: ReadonlySet<string> = new Set(['slipway/busybox:1', 'slipway/git:1', 'slipway/redis:1']),
  ) {}

  async setupBuild(build: BuildResources): Promise<void> {
    if (!this.builds.has(build.buildId))
      this.builds.set(build.buildId, mkdtempSync(join(tmpdir(), `slipway-fake-${build.buildId}-`)));
  }

  async resolveImages(images: readonly string[]): Promise<Record<string, string>> {
    return Object.fromEntries(images.map((image) => [image, image]));
  }

  async seedWorkspace(build: BuildResources, openTar: () => NodeJS.ReadableStream): Promise<void> {
    const dir = this.workspace(build.buildId);
    const tar = spawn('tar', ['-x', '-C', dir], { stdio: ['pipe', 'ignore', 'ignore'] });
    openTar().pipe(tar.stdin);
    await new Promise((resolve) => tar.on('close', resolve));
  }

  async startStep(step: StepSpec): Promise<StepHandle> {
    const existing = this.steps.get(step.name);
    if (existing) return { ...existing.handle, reattached: true };
    const handle: StepHandle = { name: step.name, id: step.name, reattached: false };
    if (step.inputs) {
      const held = this.heldFiles(step.build.buildId);
      if (!step.inputs.steps.every((s) => held.has(s))) {
        await restoreIntoFolder(this.workspace(step.build.buildId), await step.inputs.open());
        for (const s of step.inputs.steps) held.add(s);
        this.restores.push(`${step.build.buildId}:${step.key}`);
      }
    }
    if (step.restore) {
      try {
        await restoreIntoFolder(this.workspace(step.build.buildId), step.restore.archive);
      } catch (err) {
        handle.restoreProblem = `the archive could not be extracted: ${(err as Error).message}`;
      }
    }
    this.started.push(step.name);
    const fake: FakeStep = {
      handle,
      buildId: step.build.buildId,
      lines: [],
      listeners: new Set(),
      outcome: Promise.resolve({ kind: 'success' }),
    };
    this.steps.set(step.name, fake);
    if (!this.images.has(step.image)) {
      fake.outcome = Promise.resolve({
        kind: 'error',
        reason:
          `No such image: ${step.image} is not on the node and could not be pulled; ` +
          'check the image name or push it to a registry the swarm can reach',
      });
      return handle;
    }
    const child = spawn('/bin/sh', ['-c', step.script], {
      cwd: this.workspace(step.build.buildId),
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        ...step.env,
        SLIPWAY_WORKSPACE: this.workspace(step.build.buildId),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a kill stops the script's children too (as a container's end would).
      detached: true,
    });
    fake.child = child;
    const partial: Record<LogLine['stream'], string> = { stdout: '', stderr: '' };
    const line = (stream: LogLine['stream'], text: string): LogLine => ({
      time: new Date().toISOString(),
      stream,
      text,
    });
    const collect = (stream: LogLine['stream']) => (chunk: Buffer) => {
      const parts = (partial[stream] + chunk.toString('utf8')).split('\n');
      partial[stream] = parts.pop() ?? '';
      this.emit(
        fake,
        parts.map((text) => line(stream, text)),
      );
    };
    child.stdout!.on('data', collect('stdout'));
    child.stderr!.on('data', collect('stderr'));
    fake.outcome = new Promise((resolve) => {
      child.on('close', (code, signal) => {
        // A last line without a newline is still a line.
        this.emit(
          fake,
          (['stdout', 'stderr'] as const).filter((s) => partial[s]).map((s) => line(s, partial[s])),
        );
        resolve(
          code === 0 ? { kind: 'success' } : { kind: 'failure', exitCode: code ?? (signal === 'SIGKILL' ? 137 : 1) },
        );
      });
    });
    return handle;
  }

  followLog(handle: StepHandle, onLines: (lines: LogLine[]) => void): { stop(): void } {
    const step = this.steps.get(handle.name);
    step?.listeners.add(onLines);
    return { stop: () => step?.listeners.delete(onLines) };
  }

  async waitStep(handle: StepHandle, options: WaitOptions): Promise<StepOutcome> {
    const step = this.steps.get(handle.name);
    if (!step) return { kind: 'error', reason: `the step ${handle.name} is gone` };
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<StepOutcome>((resolve) => {
      timer = setTimeout(
        () =>
          resolve({
            kind: 'failure',
            exitCode: 124,
            reason: `timed out after ${Math.round(options.timeoutMs / 1000)}s`,
          }),
        options.timeoutMs,
      );
    });
    const cancelled = new Promise<StepOutcome>((resolve) => {
      if (options.signal?.aborted) resolve({ kind: 'cancelled', reason: String(options.signal.reason) });
      options.signal?.addEventListener(
        'abort',
        () => resolve({ kind: 'cancelled', reason: String(options.signal!.reason) }),
        { once: true },
      );
    });
    const outcome = await Promise.race([step.outcome, timedOut, cancelled]);
    clearTimeout(timer);
    if (outcome.kind === 'cancelled' || (outcome.kind === 'failure' && outcome.exitCode === 124 && outcome.reason)) {
      kill(step.child);
      await step.outcome;
    }
    return outcome;
  }

  async collectFiles(handle: StepHandle, request: CollectRequest): Promise<CollectResult> {
    const result = await collectFromFolder(this.workspace(request.build.buildId), request.sets);
    this.heldFiles(request.build.buildId).add(request.step);
    return result;
  }

  async readLog(handle: StepHandle): Promise<LogLine[]> {
    return [...(this.steps.get(handle.name)?.lines ?? [])];
  }

  async nodeOf(): Promise<string> {
    return 'fake-node';
  }

  async removeStep(handle: StepHandle): Promise<void> {
    kill(this.steps.get(handle.name)?.child);
    this.steps.delete(handle.name);
  }

  async startSidecar(sidecar: SidecarSpec): Promise<StepHandle> {
    return { name: sidecar.name, id: sidecar.name, reattached: false };
  }

  /** Manual tests' applications started, by service name: recorded, running at once, never reachable. */
  readonly apps = new Map<string, AppSpec>();

  async startApp(app: AppSpec): Promise<StepHandle> {
    const reattached = this.apps.has(app.name);
    this.apps.set(app.name, app);
    return { name: app.name, id: app.name, reattached };
  }

  async appAddress(handle: StepHandle): Promise<AppAddress | undefined> {
    const app = this.apps.get(handle.name);
    return app && { host: 'fake.invalid', port: 30_000 + app.port };
  }

  async waitReady(): Promise<StepOutcome> {
    return { kind: 'success' };
  }

  async teardownBuild(buildId: string): Promise<void> {
    for (const [name, app] of this.apps) if (app.build.buildId === buildId) this.apps.delete(name);
    for (const [name, step] of this.steps) {
      if (step.buildId !== buildId) continue;
      kill(step.child);
      this.steps.delete(name);
    }
    const dir = this.builds.get(buildId);
    if (dir) rmSync(dir, { recursive: true, force: true });
    this.builds.delete(buildId);
    this.held.delete(buildId);
  }

  async buildsPresent(): Promise<string[]> {
    return [...new Set([...this.builds.keys(), ...[...this.steps.values()].map((s) => s.buildId)])];
  }

  private heldFiles(buildId: string): Set<string> {
    let held = this.held.get(buildId);
    if (!held) this.held.set(buildId, (held = new Set()));
    return held;
  }

  private workspace(buildId: string): string {
    const dir = this.builds.get(buildId);
    if (!dir) throw new Error(`build ${buildId} was not set up`);
    return dir;
  }

  private emit(step: FakeStep, lines: LogLine[]): void {
    if (lines.length === 0) return;
    step.lines.push(...lines);
    for (const listener of step.listeners) listener(lines);
  }
}

function kill(child: ChildProcess | undefined): void {
  if (!child?.pid || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
