import type { BuildRecord } from '../../../services/core/builds/record.js';
import type { LogLine } from '../../../services/core/builds/log-line.js';
import type { RepoRef } from '../../../services/core/builds/types.js';

let n = 0;

/** An id no other test of this run uses, so suites can share one store. */
export function uniqueId(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${(++n).toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

export function repoRef(): RepoRef {
  return { owner: 'acme', name: uniqueId('repo-') };
}

export function buildRecord(id: string, createdAt: string, extra: Partial<BuildRecord> = {}): BuildRecord {
  return {
    id,
    request: {
      id: `req-${id}`,
      event: 'push',
      repo: { owner: 'acme', name: 'api' },
      sha: 'a'.repeat(40),
      ref: 'refs/heads/master',
      cloneUrl: 'https://github.com/acme/api.git',
      sender: 'octocat',
    },
    state: 'queued',
    createdAt,
    stages: [{ name: 'test', state: 'queued', steps: [{ key: 'unit', name: 'unit', state: 'queued', image: 'x' }] }],
    ...extra,
  };
}

export function lines(...texts: string[]): LogLine[] {
  return texts.map((text, i) => ({
    time: `2024-05-01T10:00:${String(i).padStart(2, '0')}.000Z`,
    stream: 'stdout',
    text,
  }));
}
