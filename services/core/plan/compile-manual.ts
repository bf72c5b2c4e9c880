import type { BuildValues } from '../buildspec/build-references.js';
import { parseDuration } from '../buildspec/parse-duration.js';
import type { SpecManual } from '../buildspec/types.js';
import { compileSidecar } from './compile-step.js';
import type { PlanManualGate } from './types.js';

/** How long a manual test gate waits for a person when the spec does not say. */
export const MANUAL_TIMEOUT_MS = 4 * 3_600_000;

/**
 * The e2e stage's `manual:` as the plan holds it: the application (its key `app`, its image
 * and env with `${{ build.sha }}` filled in, as a sidecar's), who may decide, the
 * instructions and the timeout. Pure.
 */
export function compileManual(manual: SpecManual, build?: BuildValues): PlanManualGate {
  const { image, env } = compileSidecar(
    { name: 'app', image: manual.app.image, ...(manual.app.env ? { env: manual.app.env } : {}) },
    build,
  );
  return {
    app: {
      key: 'app',
      name: 'app',
      image,
      env,
      ...(manual.app.command ? { command: [...manual.app.command] } : {}),
      port: manual.app.port,
    },
    people: { users: [...(manual.people?.users ?? [])], teams: [...(manual.people?.teams ?? [])] },
    ...(manual.instructions ? { instructions: manual.instructions } : {}),
    timeoutMs: parseDuration(manual.timeout) ?? MANUAL_TIMEOUT_MS,
  };
}
