import { hostname } from 'node:os';
import { starvedAttempts } from '../../core/provision/capacity-plan.js';
import { provisionVerdict, requestIdFor, type ProvisionRecord } from '../../core/provision/provision-record.js';
import type { ProvisioningConfig } from '../../shared/provision-config.js';
import type { Logger } from '../../shared/logger.js';
import type { SlipwayMetrics } from '../../shared/metrics/metrics.js';
import type { Provisions } from '../../shared/ports/provisions.js';
import { makeProvisioners } from '../../shared/provision/make-provisioners.js';
import type { NodeProvisioner } from '../../shared/provision/provisioner.js';
import type { CapacitySwarm } from '../backend/swarm-capacity.js';
import { startCapacityLoop } from './capacity-loop.js';
import { startProvisionCallback } from './provision-callback.js';

/**
 * Nodes on demand in a process that runs steps (the executor): the callback server nodes
 * report to and the capacity loop (one replica acts, by the `Provisions` lease). Nothing
 * starts when no provisioner is configured. `provisioning` is what SwarmBackend asks of a
 * step that waits unscheduled.
 */
export async function startCapacity(options: {
  config: ProvisioningConfig;
  swarm: CapacitySwarm;
  provisions: Provisions;
  logger: Logger;
  metrics?: SlipwayMetrics;
  provisioners?: ReadonlyMap<string, NodeProvisioner>;
  intervalMs?: number;
  buildEnded?: (buildId: string) => Promise<boolean>;
}): Promise<{ callbackPort: number; tick(): Promise<void>; close(): Promise<void> } | undefined> {
  const { config } = options;
  if (config.provisioners.length === 0) return undefined;
  const callback = await startProvisionCallback({
    provisions: options.provisions,
    host: config.callbackHost,
    port: config.callbackPort,
    logger: options.logger,
  });
  const loop = startCapacityLoop({
    swarm: options.swarm,
    provisions: options.provisions,
    provisioners: options.provisioners ?? makeProvisioners(config.provisioners),
    settings: config.provisioners,
    callbackUrl: config.callbackUrl,
    ...(config.managerAddress ? { managerAddress: config.managerAddress } : {}),
    holder: `${hostname()}-${process.pid}`,
    logger: options.logger,
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.intervalMs ? { intervalMs: options.intervalMs } : {}),
    ...(options.buildEnded ? { buildEnded: options.buildEnded } : {}),
  });
  options.logger.info('nodes on demand', {
    provisioners: config.provisioners.map((p) => p.name),
    callback: config.callbackUrl,
  });
  return {
    callbackPort: callback.port,
    tick: () => loop.tick(),
    async close() {
      await loop.stop();
      await callback.close();
    },
  };
}

/** What SwarmBackend's `provisioning` option asks: the request of a waiting service, in the step's terms. */
export function provisioningOf(provisions: Provisions) {
  return async (service: string, taskId: string) => {
    // The latest of its requests (a starved step may have asked again: core/provision/capacity-plan.ts).
    let latest: ProvisionRecord | undefined;
    for (const id of starvedAttempts(requestIdFor(service, taskId))) {
      const record = await provisions.get(id);
      if (!record) break;
      latest = record;
    }
    return provisionVerdict(latest, new Date());
  };
}
