import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { appManifest, manifestForm } from '../core/checks/app-manifest.js';
import { fromOctokit } from '../shared/github.js';
import { createOctokit } from '../shared/octokit.js';
import { CliError, defineCommand, UsageError, type Command } from './command.js';

/** The files `slipway app create --code` writes, each only for its owner (0600), and the setting that reads it. */
const FILES = [
  ['app-id', 'SLIPWAY_GITHUB_APP_ID_FILE'],
  ['private-key.pem', 'SLIPWAY_GITHUB_APP_PRIVATE_KEY_FILE'],
  ['webhook-secret', 'SLIPWAY_WEBHOOK_SECRET_FILE'],
  ['client-id', 'SLIPWAY_GITHUB_CLIENT_ID_FILE'],
  ['client-secret', 'SLIPWAY_GITHUB_CLIENT_SECRET_FILE'],
] as const;

/** `slipway app create`: the GitHub App Slipway runs as, registered from a manifest in one step. */
export const appCommand: Command = defineCommand({
  name: 'app',
  group: 'Setup',
  summary: 'create the GitHub App Slipway runs as, from a manifest (app create)',
  description:
    'slipway app create --url URL writes the App manifest (exactly the permissions and events\n' +
    'Slipway needs: docs/operations.md says why for each) and a page that sends it to GitHub,\n' +
    'into --out. Open the page, create the App; GitHub then sends the browser to\n' +
    'URL/app-created?code=CODE. slipway app create --code CODE completes the manifest flow\n' +
    '(POST /app-manifests/CODE/conversions) and stores the App id, private key, webhook secret,\n' +
    'client id and client secret as files only you may read, and prints the settings and the\n' +
    '`docker secret create` lines that use them.',
  args: [{ name: 'ACTION', help: 'create' }],
  options: {
    url: { type: 'string', value: 'URL', help: "where people reach Slipway (SLIPWAY_PUBLIC_URL): the App's homepage" },
    name: { type: 'string', value: 'NAME', help: 'the App name on GitHub (default slipway)' },
    org: { type: 'string', value: 'ORG', help: 'create the App in this organization instead of your account' },
    code: { type: 'string', value: 'CODE', help: 'complete the flow with the code GitHub gave the browser' },
    out: { type: 'string', value: 'DIR', help: 'where to write the files (default ./slipway-app)' },
  },
  env: [
    ['SLIPWAY_GITHUB_API_URL', 'the GitHub API (GitHub Enterprise: https://HOST/api/v3)'],
    ['SLIPWAY_GITHUB_WEB_URL', 'where the App is created (default https://github.com)'],
  ],
  examples: [
    'slipway app create --url https://ci.example.com --org acme  # then open slipway-app/create-app.html',
    'slipway app create --code 1a2b3c  # after GitHub sent the browser back with ?code=1a2b3c',
  ],
  exit: '0 written · 1 GitHub refused the code (it lasts an hour and works once) · 2 usage error',
  async run({ positionals: [action], values }, io) {
    if (action !== 'create') throw new UsageError(`unknown action "${action}": the only one is create`);
    const out = path.resolve(values.out ?? 'slipway-app');
    mkdirSync(out, { recursive: true });
    if (values.code) {
      const apiUrl = (io.env.SLIPWAY_GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, '');
      const octokit = createOctokit(apiUrl, { token: '' }, { retries: 1 });
      let app;
      try {
        app = (await octokit.rest.apps.createFromManifest({ code: values.code })).data;
      } catch (err) {
        throw new CliError(`GitHub did not convert the manifest code: ${fromOctokit(err).message}`);
      }
      const values_ = [String(app.id), app.pem, app.webhook_secret ?? '', app.client_id, app.client_secret];
      FILES.forEach(([file], i) => secretFile(path.join(out, file), values_[i]!));
      io.stdout.write(`GitHub App "${app.name}" (id ${app.id}) created: ${app.html_url}\n`);
      io.stdout.write(`Install it on the accounts and repositories to build, then give Slipway these settings:\n`);
      for (const [file, setting] of FILES) io.stdout.write(`  ${setting}=${path.join(out, file)}\n`);
      io.stdout.write('Or as Docker secrets for the stack (mounted at /run/secrets/NAME):\n');
      for (const [file] of FILES)
        io.stdout.write(`  docker secret create slipway-${file.replace(/\.pem$/, '')} ${path.join(out, file)}\n`);
      return 0;
    }
    if (!values.url) throw new UsageError('app create needs --url (or --code to complete the flow)');
    const url = values.url.replace(/\/+$/, '');
    const manifest = appManifest({ name: values.name ?? 'slipway', publicUrl: url, redirectUrl: `${url}/app-created` });
    const state = randomBytes(16).toString('hex');
    const webUrl = (io.env.SLIPWAY_GITHUB_WEB_URL ?? 'https://github.com').replace(/\/+$/, '');
    writeFileSync(path.join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    writeFileSync(path.join(out, 'create-app.html'), `${manifestForm(manifest, state, webUrl, values.org)}\n`);
    io.stdout.write(`${JSON.stringify(manifest, null, 2)}\n`);
    io.stdout.write(
      `\nWritten to ${out}/manifest.json. Open ${out}/create-app.html in a browser and create the App;\n` +
        `GitHub then sends you to ${url}/app-created?code=CODE&state=${state}. Run:\n` +
        `  slipway app create --code CODE${values.out ? ` --out ${values.out}` : ''}\n`,
    );
    return 0;
  },
});

function secretFile(file: string, content: string): void {
  writeFileSync(file, content.endsWith('\n') ? content : `${content}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}
