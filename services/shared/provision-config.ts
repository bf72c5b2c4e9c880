import { parseProvisionerSettings, type ProvisionerSettings } from '../core/provision/provisioner-settings.js';

/** Nodes on demand, as the operator configures them (docs/operations.md, "Nodes on demand"). */
export interface ProvisioningConfig {
  /** SLIPWAY_PROVISIONERS (or SLIPWAY_PROVISIONERS_FILE): a JSON array; none by default. */
  provisioners: ProvisionerSettings[];
  /** SLIPWAY_PROVISION_CALLBACK_URL: where nodes report (`http://HOST:PORT/provision/callback`), as they reach it. */
  callbackUrl: string;
  /** SLIPWAY_PROVISION_HOST, SLIPWAY_PROVISION_PORT: where the executor takes reports (default all addresses, 3090). */
  callbackHost: string;
  callbackPort: number;
  /** SLIPWAY_PROVISION_MANAGER_ADDRESS: `host:port` nodes join at (default: the manager's own advertised address). */
  managerAddress: string;
}

/** Reads and checks the settings; throws an Error whose message says each problem (loadConfig wraps it). */
export function readProvisioningConfig(env: NodeJS.ProcessEnv): ProvisioningConfig {
  const text = env.SLIPWAY_PROVISIONERS?.trim() ?? '';
  let provisioners: ProvisionerSettings[] = [];
  if (text) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new Error(`SLIPWAY_PROVISIONERS is not JSON: ${(err as Error).message}`);
    }
    const parsed = parseProvisionerSettings(value);
    if (!parsed.ok) throw new Error(`SLIPWAY_PROVISIONERS: ${parsed.problems.join('; ')}`);
    provisioners = parsed.provisioners;
  }
  const callbackUrl = env.SLIPWAY_PROVISION_CALLBACK_URL ?? '';
  const callbackPort = Number(env.SLIPWAY_PROVISION_PORT ?? 3090);
  const managerAddress = env.SLIPWAY_PROVISION_MANAGER_ADDRESS ?? '';
  if (provisioners.length > 0 && !/^https?:\/\/\S+$/.test(callbackUrl))
    throw new Error(
      'SLIPWAY_PROVISIONERS needs SLIPWAY_PROVISION_CALLBACK_URL: where nodes reach the executor, ' +
        'e.g. http://10.0.0.5:3090/provision/callback',
    );
  if (!Number.isInteger(callbackPort) || callbackPort < 0 || callbackPort > 65535)
    throw new Error('SLIPWAY_PROVISION_PORT must be a port number');
  if (managerAddress && !/^[A-Za-z0-9.[\]:-]+:\d{1,5}$/.test(managerAddress))
    throw new Error('SLIPWAY_PROVISION_MANAGER_ADDRESS must be host:port, e.g. 10.0.0.5:2377');
  return { provisioners, callbackUrl, callbackHost: env.SLIPWAY_PROVISION_HOST ?? '', callbackPort, managerAddress };
}
