/** Which webhook's deliveries to reconcile: the GitHub App's own, or a repository hook. */
export type HookTarget = { kind: 'app' } | { kind: 'repo'; owner: string; repo: string; hookId: number };

/** `owner/repo#123,owner/other#456` (SLIPWAY_WEBHOOK_HOOKS) → repository hook targets; throws on a malformed item. */
export function parseHookTargets(text: string): HookTarget[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
    .map((item) => {
      const match = /^([\w.-]+)\/([\w.-]+)#(\d+)$/.exec(item);
      if (!match) throw new Error(`SLIPWAY_WEBHOOK_HOOKS: "${item}" is not owner/repo#hook_id`);
      return { kind: 'repo', owner: match[1]!, repo: match[2]!, hookId: Number(match[3]) };
    });
}

/** `app`, or `owner/repo#hookId`: how logs and the redelivery records name a hook. */
export function hookName(target: HookTarget): string {
  return target.kind === 'app' ? 'app' : `${target.owner}/${target.repo}#${target.hookId}`;
}
