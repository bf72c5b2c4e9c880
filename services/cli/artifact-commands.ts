import { writeFile } from 'node:fs/promises';
import { ApiClient, refusal } from './api-client.js';
import { accepted, API_ENV, API_EXIT, API_GROUP, JSON_OPTION, printJson } from './build-commands.js';
import { defineCommand, type Command } from './command.js';
import { table } from './format.js';

interface ArtifactView {
  path: string;
  size: number;
  step: string;
  stage: string;
  createdAt: string;
  url: string;
}

const buildPath = (build: string) => `/api/v1/builds/${encodeURIComponent(build)}`;

/** `slipway artifacts BUILD [--get PATH]`: what a build kept, and one file of it. */
export const artifactCommands: Command[] = [
  defineCommand({
    name: 'artifacts',
    group: API_GROUP,
    summary: "a build's artifacts; --get PATH downloads one",
    description:
      "Lists the files BUILD's steps kept (their `artifacts:`; GET /api/v1/builds/BUILD/artifacts)\n" +
      'with their size and the step that kept them. With --get PATH it downloads that file to\n' +
      'stdout, or with -o FILE into FILE. Artifacts expire after the retention the operator set.',
    args: [{ name: 'BUILD', help: 'the build id' }],
    options: {
      get: { type: 'string', value: 'PATH', help: 'download the artifact at PATH (as listed)' },
      output: { type: 'string', short: 'o', value: 'FILE', help: 'with --get: write it to FILE, not stdout' },
      ...JSON_OPTION,
    },
    env: API_ENV,
    examples: [
      'slipway artifacts b1a2b3c4d5e6  # what the build kept',
      'slipway artifacts b1a2b3c4d5e6 --get dist/app.tar.gz -o app.tar.gz  # one file',
    ],
    exit: API_EXIT,
    async run({ values, positionals: [build] }, io) {
      const api = new ApiClient(io);
      if (values.get !== undefined) {
        const path = values.get.split('/').filter(Boolean).map(encodeURIComponent).join('/');
        const res = await api.fetch(`${buildPath(build!)}/artifacts/${path}`, {
          method: 'GET',
          headers: { accept: '*/*' },
        });
        if (!res.ok) {
          const text = await res.text();
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON: the text is the reason
          }
          throw refusal({ status: res.status, ok: false, body, text });
        }
        const bytes = Buffer.from(await res.arrayBuffer());
        if (values.output) {
          await writeFile(values.output, bytes);
          io.stderr.write(`${values.get}: ${bytes.length} bytes written to ${values.output}\n`);
        } else io.stdout.write(bytes);
        return 0;
      }
      const body = accepted(await api.get(`${buildPath(build!)}/artifacts`)) as { artifacts: ArtifactView[] };
      if (values.json) return printJson(io, body);
      if (body.artifacts.length === 0) {
        io.stdout.write(`build ${build} kept no artifacts (or they expired)\n`);
        return 0;
      }
      io.stdout.write(
        table([
          ['PATH', 'SIZE', 'STEP', 'STAGE'],
          ...body.artifacts.map((a) => [a.path, String(a.size), a.step, a.stage]),
        ]),
      );
      return 0;
    },
  }),
];
