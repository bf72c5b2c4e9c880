/**
 * The CLI's commands that talk to a running Slipway's API (`SLIPWAY_URL`, default
 * http://localhost:3000, with `SLIPWAY_API_TOKEN`): trigger, approve, reject, cancel.
 */
export async function apiCommand(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  out: NodeJS.WritableStream,
): Promise<number> {
  const base = (env.SLIPWAY_URL ?? 'http://localhost:3000').replace(/\/+$/, '');
  const { positional, options, params } = parseArgs(args);
  let path: string;
  let body: object;
  if (command === 'trigger') {
    const [repo, sha] = positional;
    if (!repo || !sha)
      return usage(out, 'slipway trigger OWNER/REPO SHA [--ref BRANCH] [--param NAME=VALUE]... [--as USER]');
    path = '/builds';
    body = {
      repo,
      sha,
      ...(options.ref ? { ref: options.ref } : {}),
      ...(Object.keys(params).length ? { params } : {}),
      ...(options.as ? { user: options.as } : {}),
    };
  } else {
    const [build] = positional;
    if (!build || (command !== 'cancel' && !options.as))
      return usage(out, `slipway ${command} BUILD${command === 'cancel' ? '' : ' --as GITHUB_LOGIN'}`);
    path = `/builds/${build}/${command}`;
    body = command === 'cancel' ? {} : { user: options.as };
  }
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(env.SLIPWAY_API_TOKEN ? { authorization: `Bearer ${env.SLIPWAY_API_TOKEN}` } : {}),
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  out.write(`${res.status} ${text}\n`);
  return res.ok ? 0 : 1;
}

function usage(out: NodeJS.WritableStream, line: string): number {
  out.write(`usage: ${line}\n`);
  return 2;
}

function parseArgs(args: string[]): {
  positional: string[];
  options: Record<string, string>;
  params: Record<string, string>;
} {
  const positional: string[] = [];
  const options: Record<string, string> = {};
  const params: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const value = args[++i] ?? '';
    if (arg === '--param') {
      const eq = value.indexOf('=');
      params[eq < 0 ? value : value.slice(0, eq)] = eq < 0 ? '' : value.slice(eq + 1);
    } else options[arg.slice(2)] = value;
  }
  return { positional, options, params };
}
