import { describe, expect, it } from '@jest/globals';
import {
  deliveriesToRedeliver,
  pastWindow,
  REDELIVERY_WINDOW_MS,
  type HookDelivery,
} from '../../../services/core/reconcile/deliveries-to-redeliver.js';
import { parseHookTargets } from '../../../services/core/reconcile/hook-target.js';

const NOW = Date.parse('2026-12-02T06:00:00Z');
const HOUR = 3_600_000;
let nextId = 1;
const attempt = (guid: string, agoMs: number, statusCode: number, redelivery = false): HookDelivery => ({
  id: nextId++,
  guid,
  deliveredAtMs: NOW - agoMs,
  statusCode,
  event: 'push',
  redelivery,
});

describe('which webhook deliveries the reconciler asks GitHub to redeliver', () => {
  it('picks deliveries that never got a 2xx, the newest attempt of each, oldest event first', () => {
    const refusedTwice = [attempt('a', 5 * HOUR, 0), attempt('a', 4 * HOUR, 503, true)];
    const due = deliveriesToRedeliver(
      [attempt('ok', HOUR, 202), ...refusedTwice, attempt('b', 2 * HOUR, 500), attempt('ping', HOUR, 200)],
      { nowMs: NOW },
    );
    expect(due.map((d) => [d.guid, d.id])).toEqual([
      ['a', refusedTwice[1]!.id],
      ['b', due[1]!.id],
    ]);
  });

  it('asks again after a redelivery failed too, with the next round, five rounds at most (as many as asked)', () => {
    const twice = [attempt('t', 5 * HOUR, 0), attempt('t', 4 * HOUR, 503, true), attempt('t', 3 * HOUR, 503, true)];
    expect(deliveriesToRedeliver(twice, { nowMs: NOW }).map((d) => [d.guid, d.round, d.id])).toEqual([
      ['t', 2, twice[2]!.id],
    ]);
    const thrice = [...twice, attempt('t', 2 * HOUR, 503, true)];
    expect(deliveriesToRedeliver(thrice, { nowMs: NOW, maxRounds: 3 })).toEqual([]);
    expect(deliveriesToRedeliver(thrice, { nowMs: NOW }).map((d) => d.round)).toEqual([3]);
  });

  it('leaves a delivery alone once any attempt of it got a 2xx', () => {
    const due = deliveriesToRedeliver([attempt('x', 3 * HOUR, 0), attempt('x', 2 * HOUR, 202, true)], { nowMs: NOW });
    expect(due).toEqual([]);
  });

  it('stays inside the 3-day window and leaves attempts younger than the minimum age to the next pass', () => {
    const old = attempt('old', REDELIVERY_WINDOW_MS - HOUR / 2, 502);
    const fresh = attempt('fresh', 2_000, 502);
    const due = deliveriesToRedeliver([old, fresh, attempt('mid', 2 * HOUR, 502)], { nowMs: NOW, minAgeMs: 10_000 });
    expect(due.map((d) => d.guid)).toEqual(['mid']);
    expect(pastWindow(attempt('older', REDELIVERY_WINDOW_MS + 1, 0), NOW)).toBe(true);
    expect(pastWindow(old, NOW)).toBe(false);
  });

  it('reads SLIPWAY_WEBHOOK_HOOKS and refuses an item that is not owner/repo#id', () => {
    expect(parseHookTargets(' acme/api#12, acme/web.site#3 ,')).toEqual([
      { kind: 'repo', owner: 'acme', repo: 'api', hookId: 12 },
      { kind: 'repo', owner: 'acme', repo: 'web.site', hookId: 3 },
    ]);
    expect(() => parseHookTargets('acme/api')).toThrow('"acme/api" is not owner/repo#hook_id');
  });
});
