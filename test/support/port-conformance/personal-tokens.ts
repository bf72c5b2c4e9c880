import { describe, expect, it } from '@jest/globals';
import type { PersonalToken, PersonalTokens } from '../../../services/shared/ports/personal-tokens.js';
import { uniqueId } from './fixtures.js';

function token(owner: string, minute: number): PersonalToken {
  return {
    id: uniqueId('t'),
    owner,
    name: `token ${minute}`,
    scopes: ['read', 'approve'],
    secretHash: 'ab'.repeat(32),
    createdAt: `2024-05-01T10:${String(minute).padStart(2, '0')}:00.000Z`,
  };
}

/** What every PersonalTokens store must do. */
export function describePersonalTokensConformance(name: string, make: () => Promise<PersonalTokens>): void {
  describe(`${name}: PersonalTokens`, () => {
    it("lists an owner's tokens oldest first, and gets each by id", async () => {
      const tokens = await make();
      const owner = uniqueId('u');
      const [later, earlier, other] = [token(owner, 5), token(owner, 1), token(uniqueId('u'), 3)];
      for (const t of [later, earlier, other]) await tokens.create(t);
      expect(await tokens.list(owner)).toEqual([earlier, later]);
      expect(await tokens.get(later.id)).toEqual(later);
      expect(await tokens.get(uniqueId('none'))).toBeUndefined();
      expect(await tokens.list(uniqueId('nobody'))).toEqual([]);
    });

    it("revokes only the owner's own token, once", async () => {
      const tokens = await make();
      const owner = uniqueId('u');
      const mine = token(owner, 1);
      await tokens.create(mine);
      expect(await tokens.revoke('mallory', mine.id)).toBe(false);
      expect(await tokens.get(mine.id)).toEqual(mine);
      expect(await tokens.revoke(owner, mine.id)).toBe(true);
      expect(await tokens.get(mine.id)).toBeUndefined();
      expect(await tokens.list(owner)).toEqual([]);
      expect(await tokens.revoke(owner, mine.id)).toBe(false);
    });
  });
}
