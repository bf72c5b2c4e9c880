import type { Logger } from '../shared/logger.js';
import type { Stops } from '../shared/ports/stops.js';
import type { BuildStops } from './process-build.js';

interface Controllers {
  cancel: AbortController;
  supersede: AbortController;
}

/**
 * The builds this executor runs, and the stops asked for them: a cancellation aborts
 * everything, a supersession all but a deploy under way. Stops recorded before a build
 * started here (or announced while this executor was reconnecting) apply when it starts.
 */
export class RunningBuilds {
  private readonly running = new Map<string, Controllers>();
  /** The run of each build under way here. */
  private readonly runs = new Map<string, Promise<unknown>>();
  /** Told when a build starts or ends here (the executor's presence report). */
  onChange: () => void = () => undefined;

  constructor(
    private readonly stops: Stops,
    private readonly logger: Logger,
  ) {}

  /** Listens for stops announced anywhere; resolves once listening, to the function that stops. */
  listen(): Promise<() => Promise<void>> {
    return this.stops.onStop((buildId) => {
      this.apply(buildId).catch((err: unknown) => this.logger.warn('could not apply a stop', { buildId, err }));
    });
  }

  /**
   * Runs a build with its stop signals, for as long as `run` takes. A build already running
   * here is never run beside itself: BullMQ hands a job out again when its lock lapsed (an
   * event loop held up past the lock's duration), and two runs of one build would each start
   * what the other had just removed. The second waits for the first, then runs (and finds the
   * recorded outcomes).
   */
  async run<T>(buildId: string, run: (stops: BuildStops) => Promise<T>): Promise<T> {
    for (let current = this.runs.get(buildId); current; current = this.runs.get(buildId)) {
      this.logger.warn('build already running here: waiting for that run before this one', { buildId });
      await current.catch(() => undefined);
    }
    const controllers = { cancel: new AbortController(), supersede: new AbortController() };
    this.running.set(buildId, controllers);
    const running = (async () => {
      await this.apply(buildId);
      return run({ cancel: controllers.cancel.signal, supersede: controllers.supersede.signal });
    })();
    this.runs.set(buildId, running);
    this.onChange();
    try {
      return await running;
    } finally {
      if (this.running.get(buildId) === controllers) this.running.delete(buildId);
      if (this.runs.get(buildId) === running) this.runs.delete(buildId);
      this.onChange();
    }
  }

  /** The ids of the builds running here now. */
  ids(): string[] {
    return [...this.running.keys()];
  }

  /** Aborts what was asked for a build running here; nothing for one that is not. */
  async apply(buildId: string): Promise<void> {
    const controllers = this.running.get(buildId);
    if (!controllers) return;
    const reasons = await this.stops.reasons(buildId);
    if (reasons.cancelled) controllers.cancel.abort(reasons.cancelled);
    if (reasons.superseded) controllers.supersede.abort(reasons.superseded);
  }
}
