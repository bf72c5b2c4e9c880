/** Why a re-run was not queued; the API answers 404 for `not-found`, 409 for the others. */
export type RerunRefusal = 'not-found' | 'not-finished' | 'nothing-failed' | 'no-such-stage';

/** A re-run that cannot be made (services/shared/rerun.ts): a final answer, never retried. */
export class RerunRefused extends Error {
  readonly retryable = false;

  constructor(
    readonly reason: RerunRefusal,
    message: string,
  ) {
    super(message);
    this.name = 'RerunRefused';
  }
}
