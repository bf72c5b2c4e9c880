/**
 * The GitHub App Slipway runs as, described as GitHub's App manifest: exactly the permissions
 * and events it uses, each with why (docs/operations.md lists the same). Pure.
 */

/** Each permission Slipway asks for, its level, and what needs it. */
export const APP_PERMISSIONS = {
  checks: ['write', 'check runs per stage: summaries, annotations, Re-run and Approve buttons'],
  statuses: [
    'write',
    'commit statuses beside the checks (branch protection on status contexts), read by the merge queue',
  ],
  deployments: ['write', 'a GitHub deployment and its statuses per deploy'],
  contents: ['write', 'read .buildspec.yml at the commit and clone it; fast-forward a branch (the merge queue)'],
  pull_requests: [
    'write',
    'pull request heads, reviews and open pull requests (approvals, up-to-date); comments by the merge queue',
  ],
  administration: ['read', "a branch's required status checks (branch protection), for the merge queue"],
  members: ['read', 'team membership of approvers named as org/team'],
  metadata: ['read', 'repositories and collaborator permissions (GitHub gives every App this)'],
} as const satisfies Record<string, readonly ['read' | 'write', string]>;

/** The webhook events Slipway acts on, and why. (`installation` events come to every App unasked.) */
export const APP_EVENTS = {
  push: 'builds branches; a new push supersedes the older build',
  pull_request: 'builds pull requests; closing one cancels its build',
  pull_request_review: 'approvals of the merge queue',
  issue_comment: '/approve and /reject, /merge, /pass and /fail on a pull request',
  status: 'the merge queue follows required statuses',
  check_run: 'Re-run, Approve deploy, Reject and Cancel on a check run',
  check_suite: 'Re-run all checks',
} as const;

export interface ManifestInput {
  /** The App's name on GitHub (unique there). */
  name: string;
  /** Where people reach Slipway (SLIPWAY_PUBLIC_URL): the App's homepage, and `/webhooks` under it. */
  publicUrl: string;
  /** Where GitHub sends the browser back with the conversion code. */
  redirectUrl: string;
  /** Whether other accounts may install it (default false: only the owner's). */
  public?: boolean;
}

/** GitHub's App manifest for Slipway (https://docs.github.com/apps/sharing-github-apps/registering-a-github-app-from-a-manifest). */
export function appManifest(input: ManifestInput): Record<string, unknown> {
  const base = input.publicUrl.replace(/\/+$/, '');
  return {
    name: input.name,
    url: base,
    hook_attributes: { url: `${base}/webhooks`, active: true },
    redirect_url: input.redirectUrl,
    callback_urls: [`${base}/auth/callback`],
    public: input.public ?? false,
    request_oauth_on_install: false,
    default_permissions: Object.fromEntries(Object.entries(APP_PERMISSIONS).map(([name, [level]]) => [name, level])),
    default_events: Object.keys(APP_EVENTS),
  };
}

/** The page that sends the manifest to GitHub: a form posting it (to an organization's settings with `org`). */
export function manifestForm(
  manifest: Record<string, unknown>,
  state: string,
  webUrl = 'https://github.com',
  org?: string,
): string {
  const action = org
    ? `${webUrl}/organizations/${encodeURIComponent(org)}/settings/apps/new?state=${encodeURIComponent(state)}`
    : `${webUrl}/settings/apps/new?state=${encodeURIComponent(state)}`;
  const value = JSON.stringify(manifest).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return [
    '<!doctype html><meta charset="utf-8"><title>Create the Slipway GitHub App</title>',
    `<form method="post" action="${action}">`,
    `<input type="hidden" name="manifest" value="${value}">`,
    '<button type="submit">Create the Slipway GitHub App on GitHub</button>',
    '</form>',
  ].join('\n');
}
