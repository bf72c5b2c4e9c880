import { describe, expect, it } from '@jest/globals';
import type { Session, Sessions } from '../../../services/shared/ports/sessions.js';
import { eventually } from '../eventually.js';
import { uniqueId } from './fixtures.js';

function session(lifeMs: number): Session {
  const now = Date.now();
  return {
    key: uniqueId('s'),
    login: 'octocat',
    csrf: uniqueId('c'),
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + lifeMs).toISOString(),
  };
}

/** What every Sessions store must do. */
export function describeSessionsConformance(name: string, make: () => Promise<Sessions>): void {
  describe(`${name}: Sessions`, () => {
    it('keeps a session until it is deleted, and forgets a deleted one', async () => {
      const sessions = await make();
      const kept = session(3_600_000);
      await sessions.create(kept);
      expect(await sessions.get(kept.key)).toEqual(kept);
      expect(await sessions.get(uniqueId('none'))).toBeUndefined();
      await sessions.delete(kept.key);
      expect(await sessions.get(kept.key)).toBeUndefined();
      await sessions.delete(kept.key);
    });

    it('forgets a session once it expires', async () => {
      const sessions = await make();
      const brief = session(150);
      await sessions.create(brief);
      await eventually(
        'the session to expire',
        async () => ((await sessions.get(brief.key)) ? undefined : true),
        5_000,
      );
      const expired = session(-1);
      await sessions.create(expired);
      expect(await sessions.get(expired.key)).toBeUndefined();
    });
  });
}
