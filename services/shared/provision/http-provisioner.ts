import { ProvisionError } from '../../core/provision/provision-error.js';
import type { MachineRef, NodeProvisioner, ProvisionedMachine, ProvisionRequest } from './provisioner.js';

/**
 * The `http` provisioner: the operator's own service makes and removes machines. Slipway
 * POSTs JSON, with `Authorization: Bearer <token>` when one is configured:
 *
 * - `POST <url>/start` `{requestId, labels, bootstrap}`: starts a machine that runs the
 *   bootstrap script at boot (as user data), idempotent per `requestId` (a second call with
 *   one request answers the same machine); answers 2xx `{"machineId": "…", "address"?: "…"}`.
 * - `POST <url>/stop` `{requestId, machineId?}`: removes it; `machineId` is absent when the
 *   start never answered (the executor was killed meanwhile): the service finds the machine by
 *   `requestId`. 2xx or 404 (already gone, never made) is done.
 *
 * A 5xx, 429 or network trouble is retryable, another 4xx is not; the reason the waiting step
 * is given is the answer's `error` (JSON) or its text, e.g. `its endpoint answered 503: no
 * capacity left in zone a`.
 */
export class HttpProvisioner implements NodeProvisioner {
  constructor(
    readonly name: string,
    private readonly url: string,
    private readonly options: { token?: string; timeoutMs?: number; fetch?: typeof fetch } = {},
  ) {}

  async start(request: ProvisionRequest): Promise<ProvisionedMachine> {
    const answer = await this.post('start', {
      requestId: request.id,
      labels: request.labels,
      bootstrap: request.bootstrap,
    });
    if (!answer.ok) throw this.refused('its endpoint', answer);
    const body = parse(answer.text) as { machineId?: unknown; address?: unknown } | undefined;
    const machineId = body?.machineId;
    if (typeof machineId !== 'string' || !/^[A-Za-z0-9_.:-]{1,200}$/.test(machineId))
      throw new ProvisionError(
        `its endpoint named no machine (answered ${answer.text.slice(0, 120)})`,
        false,
        this.name,
      );
    return {
      provisioner: this.name,
      machineId,
      requestId: request.id,
      ...(typeof body?.address === 'string' ? { address: body.address } : {}),
    };
  }

  async stop(machine: MachineRef): Promise<void> {
    const answer = await this.post('stop', {
      requestId: machine.requestId,
      ...(machine.machineId ? { machineId: machine.machineId } : {}),
    });
    if (!answer.ok && answer.status !== 404) throw this.refused('its stop endpoint', answer);
  }

  private async post(action: 'start' | 'stop', body: unknown): Promise<{ ok: boolean; status: number; text: string }> {
    const timeoutMs = this.options.timeoutMs ?? 120_000;
    try {
      const res = await (this.options.fetch ?? fetch)(`${this.url.replace(/\/+$/, '')}/${action}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}),
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      return { ok: res.ok, status: res.status, text: await res.text() };
    } catch (err) {
      const why =
        (err as Error).name === 'TimeoutError'
          ? `did not answer within ${Number((timeoutMs / 1000).toFixed(1))}s`
          : `could not be reached: ${(err as Error).message}`;
      throw new ProvisionError(`its endpoint ${why}`, true, this.name, { cause: err });
    }
  }

  private refused(what: string, answer: { status: number; text: string }): ProvisionError {
    const error = (parse(answer.text) as { error?: unknown } | undefined)?.error;
    const said = typeof error === 'string' ? error : answer.text.trim().split('\n').at(-1) || 'no reason given';
    const retryable = answer.status >= 500 || answer.status === 429;
    return new ProvisionError(`${what} answered ${answer.status}: ${said.slice(0, 300)}`, retryable, this.name);
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
