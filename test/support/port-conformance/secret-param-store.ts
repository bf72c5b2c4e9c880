import { describe, expect, it } from '@jest/globals';
import type { SecretParamStore } from '../../../services/shared/ports/secret-param-store.js';
import { eventually } from '../eventually.js';
import { uniqueId } from './fixtures.js';

/** What every SecretParamStore must do. `make` gives a writer and a reader (another process, for Redis). */
export function describeSecretParamStoreConformance(
  name: string,
  make: () => Promise<{ writer: SecretParamStore; reader: SecretParamStore }>,
): void {
  describe(`${name}: SecretParamStore`, () => {
    it("gives a request's values to another reader, nothing to a request without any; the last put wins", async () => {
      const { writer, reader } = await make();
      const id = uniqueId('manual-');
      expect(await reader.get(id)).toEqual({});
      await writer.put(id, { DEPLOY_PASSWORD: 'hunter2-xyz', API_KEY: 'k=v; "quoted"\nline' }, 60_000);
      expect(await reader.get(id)).toEqual({ DEPLOY_PASSWORD: 'hunter2-xyz', API_KEY: 'k=v; "quoted"\nline' });
      await writer.put(id, { API_KEY: 'second' }, 60_000);
      expect(await reader.get(id)).toEqual({ API_KEY: 'second' });
      expect(await reader.get(uniqueId('manual-'))).toEqual({});
    });

    it('forgets the values once their time is up', async () => {
      const { writer, reader } = await make();
      const id = uniqueId('manual-');
      await writer.put(id, { TOKEN: 'short-lived' }, 150);
      expect(await reader.get(id)).toEqual({ TOKEN: 'short-lived' });
      await eventually(
        'the values to expire',
        async () => (Object.keys(await reader.get(id)).length === 0 ? true : undefined),
        5_000,
      );
    });
  });
}
