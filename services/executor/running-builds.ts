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

  /** Runs a build with its stop signals, for as long as `run` takes. */
  async run<T>(buildId: string, run: (stops: BuildStops) => Promise<T>): Promise<T> {
    const controllers = { cancel: new AbortController(), supersede: new AbortController() };
    this.running.set(buildId, controllers);
    try {
      await this.apply(buildId);
      return await run({ cancel: controllers.cancel.signal, supersede: controllers.supersede.signal });
    } finally {
      if (this.running.get(buildId) === controllers) this.running.delete(buildId);
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
