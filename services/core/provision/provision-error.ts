/**
 * Trouble starting or stopping a node. `retryable` says whether asking again can help
 * (throttling, a node that did not come up in time) or not (bad settings, a refused image).
 */
export class ProvisionError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly provisioner: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ProvisionError';
  }
}
