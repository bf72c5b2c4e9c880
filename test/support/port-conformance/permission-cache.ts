import { describe, expect, it } from '@jest/globals';
import type { PermissionCache } from '../../../services/shared/ports/permission-cache.js';
import { eventually } from '../eventually.js';
import { uniqueId } from './fixtures.js';

/** What every PermissionCache must do. */
export function describePermissionCacheConformance(name: string, make: () => Promise<PermissionCache>): void {
  describe(`${name}: PermissionCache`, () => {
    it('answers what was put, per person and repository, the last put winning, until it expires', async () => {
      const cache = await make();
      const repo = `acme/${uniqueId('r')}`;
      expect(await cache.get('octocat', repo)).toBeUndefined();
      await cache.put('octocat', repo, 'read', 60_000);
      await cache.put('octocat', repo, 'write', 60_000);
      await cache.put('hubot', repo, 'admin', 60_000);
      expect(await cache.get('octocat', repo)).toBe('write');
      // GitHub's names are case-insensitive.
      expect(await cache.get('OctoCat', repo.toUpperCase())).toBe('write');
      expect(await cache.get('octocat', `acme/${uniqueId('other')}`)).toBeUndefined();
      await cache.put('mallory', repo, 'none', 150);
      expect(await cache.get('mallory', repo)).toBe('none');
      await eventually(
        'the entry to expire',
        async () => ((await cache.get('mallory', repo)) ? undefined : true),
        5_000,
      );
      expect(await cache.get('hubot', repo)).toBe('admin');
    });
  });
}
