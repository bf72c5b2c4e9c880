import { describe, expect, it } from '@jest/globals';
import type { AuditEntry } from '../../../services/core/audit/audit-entry.js';
import type { AuditLog } from '../../../services/shared/ports/audit-log.js';
import { uniqueId } from './fixtures.js';

/** An approval decision made `minute` minutes past ten. */
function decision(buildId: string, repo: string, actor: string, minute: number, id?: string): AuditEntry {
  return {
    ...(id ? { id } : {}),
    kind: 'approval-decision',
    at: `2024-05-01T10:${String(minute).padStart(2, '0')}:00.000Z`,
    buildId,
    repo,
    actor,
    environment: 'production',
    decision: 'approve',
    via: 'comment',
    counted: actor !== 'mallory',
    ...(actor === 'mallory' ? { why: 'mallory is not among the approvers' } : {}),
  };
}

/** What every AuditLog must do. */
export function describeAuditLogConformance(name: string, make: () => Promise<AuditLog>): void {
  describe(`${name}: AuditLog`, () => {
    it('keeps every entry in the order appended, and lists them by build, repository and time', async () => {
      const audit = await make();
      const repo = `acme/${uniqueId('r')}`;
      const [b1, b2] = [uniqueId('b'), uniqueId('b')];
      const entries = [
        decision(b1, repo, 'mallory', 1),
        decision(b1, repo, 'hubot', 2),
        decision(b2, repo, 'hubot', 3),
        { ...decision(b1, repo, 'slipway', 4), kind: 'approval-settled', state: 'approved' } as AuditEntry,
      ];
      for (const entry of entries) await audit.append(entry);
      expect(await audit.list({ buildId: b1, limit: 10 })).toEqual([entries[0], entries[1], entries[3]]);
      expect(await audit.list({ repo, limit: 10 })).toEqual(entries);
      expect(await audit.list({ repo, since: '2024-05-01T10:02:00.000Z', limit: 10 })).toEqual(entries.slice(1));
      expect(await audit.list({ repo, buildId: b2, limit: 10 })).toEqual([entries[2]]);
      // A limit keeps the newest, still oldest first.
      expect(await audit.list({ repo, limit: 2 })).toEqual(entries.slice(2));
      expect(await audit.list({ buildId: uniqueId('none'), limit: 10 })).toEqual([]);
      const everything = await audit.list({ limit: 4 });
      expect(everything).toEqual(entries);
    });

    it('is append-only: a changed copy changes no entry, and an id appended twice is kept once', async () => {
      const audit = await make();
      const build = uniqueId('b');
      const entry = decision(build, 'acme/api', 'hubot', 5, `${build}-decision`);
      await audit.append(entry);
      await audit.append({ ...entry, actor: 'someone-else' });
      const [read] = await audit.list({ buildId: build, limit: 10 });
      (read as { actor: string }).actor = 'tampered';
      expect(await audit.list({ buildId: build, limit: 10 })).toEqual([entry]);
    });

    it('keeps entries about no build (tokens), with where they came from; filters by kind and actor', async () => {
      const audit = await make();
      const owner = uniqueId('u');
      const from = { ip: '203.0.113.7', userAgent: 'curl/8.5.0', via: 'session' as const };
      const made: AuditEntry = {
        kind: 'token-created',
        at: '2024-05-02T09:00:00.000Z',
        actor: owner,
        from,
        tokenId: uniqueId('t'),
        name: 'laptop',
        scopes: ['read', 'approve'],
      };
      const revoked: AuditEntry = {
        kind: 'token-revoked',
        at: '2024-05-02T09:05:00.000Z',
        actor: owner,
        from,
        tokenId: 't',
      };
      const other = { ...decision(uniqueId('b'), 'acme/api', 'hubot', 6), at: '2024-05-02T09:06:00.000Z' };
      for (const entry of [made, revoked, other]) await audit.append(entry);
      expect(await audit.list({ actor: owner, limit: 10 })).toEqual([made, revoked]);
      expect(await audit.list({ kinds: ['token-revoked'], actor: owner, limit: 10 })).toEqual([revoked]);
      expect(await audit.list({ since: '2024-05-02T09:00:00.000Z', kinds: ['approval-decision'], limit: 10 })).toEqual([
        other,
      ]);
    });

    it('keeps every entry of concurrent appenders, each once', async () => {
      const audit = await make();
      const build = uniqueId('b');
      const actors = Array.from({ length: 12 }, (_, i) => `user${i}`);
      await Promise.all(actors.map((actor, i) => audit.append(decision(build, 'acme/api', actor, i))));
      const listed = await audit.list({ buildId: build, limit: 100 });
      expect(listed.map((e) => e.actor).sort()).toEqual([...actors].sort());
      // Every reader sees one order.
      expect(await audit.list({ buildId: build, limit: 100 })).toEqual(listed);
    });
  });
}
