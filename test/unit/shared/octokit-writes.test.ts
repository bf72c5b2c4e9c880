import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createOctokit } from '../../../services/shared/octokit.js';

/** A GitHub stand-in for one endpoint that records how many writes it holds at once. */
let server: Server;
let baseUrl = '';
let inFlight = 0;
let mostAtOnce = 0;
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    inFlight++;
    mostAtOnce = Math.max(mostAtOnce, inFlight);
    seen.push(req.url ?? '');
    // Held a moment, so that overlapping writes would be seen overlapping.
    setTimeout(() => {
      inFlight--;
      res.writeHead(201, { 'content-type': 'application/json' }).end('{"state":"success"}');
    }, 30);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('createOctokit writes', () => {
  it('sends writes one at a time, in order, even with no gap between them', async () => {
    const octokit = createOctokit(baseUrl, { token: 't' }, { writeGapMs: 0 });
    const shas = ['a', 'b', 'c', 'd', 'e'].map((c) => c.repeat(40));
    await Promise.all(
      shas.map((sha) => octokit.rest.repos.createCommitStatus({ owner: 'o', repo: 'r', sha, state: 'success' })),
    );
    expect(mostAtOnce).toBe(1);
    expect(seen).toEqual(shas.map((sha) => `/repos/o/r/statuses/${sha}`));
  });
});
