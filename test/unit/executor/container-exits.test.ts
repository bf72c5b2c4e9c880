import { describe, expect, it } from '@jest/globals';
import { deathOf } from '../../../services/executor/backend/container-exits.js';

/** A `die` event line as Docker 20.10's `GET /events` sends it (abridged attributes). */
const die = (exitCode: string) =>
  JSON.stringify({
    status: 'die',
    id: 'c0ffee',
    from: 'slipway/busybox:1',
    Type: 'container',
    Action: 'die',
    Actor: {
      ID: 'c0ffee',
      Attributes: { exitCode, 'com.docker.swarm.service.id': 'svc1', image: 'slipway/busybox:1' },
    },
    scope: 'local',
    time: 1764700000,
    timeNano: 1764700000000000000,
  });

describe('deathOf', () => {
  it('reads which container died and the code it exited with', () => {
    expect(deathOf(die('0'))).toEqual({ container: 'c0ffee', exitCode: 0 });
    expect(deathOf(die('3'))).toEqual({ container: 'c0ffee', exitCode: 3 });
    expect(deathOf(die('137'))).toEqual({ container: 'c0ffee', exitCode: 137 });
  });

  it('knows nothing of a line without a code, an empty line or a broken one', () => {
    expect(deathOf(JSON.stringify({ Type: 'container', Action: 'die', Actor: { Attributes: {} } }))).toBeUndefined();
    expect(deathOf('')).toBeUndefined();
    expect(deathOf('{"Actor":{"Attributes":{"exitCode":"0"')).toBeUndefined();
    expect(deathOf(die('zero'))).toBeUndefined();
  });
});
