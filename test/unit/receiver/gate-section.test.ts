import { describe, expect, it } from '@jest/globals';
import type { GateRequest } from '../../../services/core/gate/manual-gate.js';
import { gateSection } from '../../../services/receiver/pages/gate-section.js';
import { NOBODY, type Viewer } from '../../../services/receiver/pages/html.js';

const NOW = new Date('2024-05-01T10:30:00.000Z');
const gate = (extra: Partial<GateRequest> = {}): GateRequest => ({
  buildId: 'b0123456789a',
  stage: 'e2e',
  url: 'http://10.0.0.5:30080',
  instructions: 'Check the <b>total</b>.',
  people: { users: ['tess'], teams: ['acme/qa'] },
  pusher: 'octocat',
  requestedAt: '2024-05-01T10:00:00.000Z',
  expiresAt: '2024-05-01T12:00:00.000Z',
  decisions: [
    {
      user: 'mallory',
      decision: 'pass',
      at: '2024-05-01T10:10:00.000Z',
      via: 'comment',
      counted: false,
      why: 'not named',
    },
  ],
  state: 'pending',
  ...extra,
});
const tess: Viewer = {
  principal: { kind: 'user', login: 'tess', via: 'session', scopes: ['read', 'approve'] },
  csrf: 'tok',
  signIn: true,
};

/** The build page's manual test section, as people see it (pure). */
describe('the manual test section of the build page', () => {
  it('links the application, shows the instructions as text, who may decide, the time left and every decision', () => {
    const html = gateSection('b0123456789a', gate(), NOBODY, NOW);
    expect(html).toContain('<a class="gate-url" href="http://10.0.0.5:30080">http://10.0.0.5:30080</a>');
    expect(html).toContain('times out in 1 h 30 min');
    expect(html).toContain('Check the &lt;b&gt;total&lt;/b&gt;.');
    expect(html).toContain('tess, team acme/qa');
    expect(html).toMatch(/<strong>mallory<\/strong> passed it via comment — not counted: not named/);
    expect(html).toContain('Sign in to pass or fail it, or comment /pass or /fail');
    expect(html).not.toContain('<form');
  });

  it('gives a signed-in person Pass and Fail forms with the CSRF token and a reason', () => {
    const html = gateSection('b0123456789a', gate(), tess, NOW);
    const forms = html.match(/<form method="post" action="\/builds\/b0123456789a\/gate">.*?<\/form>/g) ?? [];
    expect(forms).toHaveLength(2);
    for (const form of forms) {
      expect(form).toContain('<input type="hidden" name="_csrf" value="tok">');
      expect(form).toContain('name="reason"');
    }
    expect(forms[0]).toContain('name="decision" value="pass"');
    expect(forms[1]).toContain('name="decision" value="fail"');
  });

  it('offers nothing to decide once it is settled, and says the application is gone', () => {
    const html = gateSection('b0123456789a', gate({ state: 'passed' }), tess, NOW);
    expect(html).not.toContain('<form');
    expect(html).toContain('it is gone (passed)');
    expect(gateSection('b0123456789a', undefined, tess, NOW)).toBe('');
  });
});
