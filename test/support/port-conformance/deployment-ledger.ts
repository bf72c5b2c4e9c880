import { describe, expect, it } from '@jest/globals';
import type { DeploymentLedger } from '../../../services/shared/ports/deployment-ledger.js';
import { uniqueId } from './fixtures.js';

/** What every DeploymentLedger must do. */
export function describeDeploymentLedgerConformance(name: string, make: () => Promise<DeploymentLedger>): void {
  describe(`${name}: DeploymentLedger`, () => {
    it('knows nothing of a deployment not yet created', async () => {
      const ledger = await make();
      expect(await ledger.get(uniqueId('b'), 'staging')).toEqual({});
    });

    it('keeps the first deployment id of a build and environment, so it is created once', async () => {
      const ledger = await make();
      const build = uniqueId('b');
      expect(await ledger.saveId(build, 'staging', 41)).toBe(41);
      expect(await ledger.saveId(build, 'staging', 42)).toBe(41);
      expect(await ledger.get(build, 'staging')).toEqual({ id: 41 });
      expect(await ledger.get(build, 'production')).toEqual({});
      const racing = uniqueId('b');
      const kept = await Promise.all([7, 8, 9].map((id) => ledger.saveId(racing, 'staging', id)));
      expect(new Set(kept).size).toBe(1);
      expect((await ledger.get(racing, 'staging')).id).toBe(kept[0]);
    });

    it('keeps the highest status rank posted', async () => {
      const ledger = await make();
      const build = uniqueId('b');
      await ledger.saveId(build, 'production', 5);
      await ledger.saveSeq(build, 'production', 1);
      await ledger.saveSeq(build, 'production', 0);
      expect(await ledger.get(build, 'production')).toEqual({ id: 5, seq: 1 });
      await ledger.saveSeq(uniqueId('b'), 'production', 0);
    });
  });
}
