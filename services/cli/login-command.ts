import { ApiClient, baseUrl, refusal } from './api-client.js';
import { API_GROUP } from './build-commands.js';
import { CliError, defineCommand, type CliIo, type Command } from './command.js';
import { credentialsPath, storeToken } from './credentials.js';

/** `slipway login`: keeps a personal token for a Slipway, so the API commands need no SLIPWAY_API_TOKEN. */
export const loginCommand: Command = defineCommand({
  name: 'login',
  group: API_GROUP,
  summary: 'store a personal token for SLIPWAY_URL, for the commands above',
  description:
    'Reads a personal token (make one at <slipway>/settings/tokens) from standard input, checks\n' +
    'that Slipway at SLIPWAY_URL takes it, and stores it for that URL in a file only you may\n' +
    'read (mode 0600): $SLIPWAY_CREDENTIALS, else $XDG_CONFIG_HOME/slipway/credentials.json,\n' +
    'else ~/.config/slipway/credentials.json. The API commands then use it when\n' +
    'SLIPWAY_API_TOKEN is not set. Logging in again replaces the token for that URL.',
  args: [],
  options: {},
  env: [
    ['SLIPWAY_URL', 'the Slipway the token is for (default http://localhost:3000)'],
    ['SLIPWAY_CREDENTIALS', 'where to store tokens, instead of the default file'],
  ],
  examples: [
    'SLIPWAY_URL=https://ci.example.com slipway login  # then paste the token and press Enter',
    'SLIPWAY_URL=https://ci.example.com slipway login < ~/token.txt  # from a file',
  ],
  exit: '0 stored · 1 Slipway refused the token or could not be reached (nothing stored) · 2 usage error',
  async run(_args, io) {
    const url = baseUrl(io.env);
    if (isTty(io.stdin)) io.stderr.write(`Personal token for ${url}: `);
    const token = (await firstLine(io)).trim();
    if (!token) throw new CliError('no token given on standard input');
    // Asked with the token only, whatever SLIPWAY_API_TOKEN says: a read every token may make.
    const client = new ApiClient({ ...io, env: { ...io.env, SLIPWAY_API_TOKEN: token } });
    const answer = await client.get('/api/v1/builds', { limit: '1' });
    if (!answer.ok) throw refusal(answer);
    const path = storeToken(io.env, url, token);
    io.stdout.write(`token stored for ${url} in ${path}\n`);
    return 0;
  },
});

function isTty(stream: NodeJS.ReadableStream | undefined): boolean {
  return Boolean((stream as { isTTY?: boolean } | undefined)?.isTTY);
}

/** The first line of standard input (all of it when it has no newline). */
async function firstLine(io: CliIo): Promise<string> {
  const stdin = io.stdin;
  if (!stdin) throw new CliError(`nothing to read the token from; store it in ${credentialsPath(io.env)} yourself`);
  let text = '';
  for await (const chunk of stdin) {
    text += String(chunk);
    const newline = text.indexOf('\n');
    if (newline !== -1) return text.slice(0, newline);
  }
  return text;
}
