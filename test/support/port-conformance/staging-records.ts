import { describe, expect, it } from '@jest/globals';
import type { StagingRecords } from '../../../services/shared/ports/staging-records.js';
import { repoRef, uniqueId } from './fixtures.js';

/** What every StagingRecords must do. */
export function describeStagingRecordsConformance(name: string, make: () => Promise<StagingRecords>): void {
  describe(`${name}: StagingRecords`, () => {
    it('says which build deployed a commit to staging, per repository and commit, the latest kept', async () => {
      const records = await make();
      const repo = repoRef();
      const sha = 'e'.repeat(40);
      expect(await records.verifiedBy(repo, sha)).toBeUndefined();
      const [first, again] = [uniqueId('b'), uniqueId('b')];
      await records.markVerified(repo, sha, first);
      expect(await records.verifiedBy(repo, sha)).toBe(first);
      await records.markVerified(repo, sha, again);
      expect(await records.verifiedBy(repo, sha)).toBe(again);
      expect(await records.verifiedBy(repo, 'f'.repeat(40))).toBeUndefined();
      expect(await records.verifiedBy(repoRef(), sha)).toBeUndefined();
    });
  });
}
