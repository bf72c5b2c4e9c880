import { describe, expect, it } from '@jest/globals';
import { ESLint } from 'eslint';
import { projectRoot } from '../../services/shared/project-root.js';

/** The import boundaries ESLint keeps (eslint.config.js), tried on files as someone might add them. */
describe('lint boundaries', () => {
  const eslint = new ESLint({ cwd: projectRoot() });
  const problems = async (filePath: string, code: string) => {
    const [result] = await eslint.lintText(code, { filePath });
    return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
  };
  const redis = "import { Redis } from 'ioredis';\nexport const make = () => new Redis();\n";
  const bull = "import { Queue } from 'bullmq';\nexport const make = () => new Queue('q');\n";

  it('refuses ioredis and bullmq anywhere in services, bench and scripts but the Redis adapter folder', async () => {
    for (const file of [
      'services/receiver/new-route.ts',
      'services/shared/new-store.ts',
      'services/executor/backend/new-backend.ts',
      'bench/new-bench.ts',
      'scripts/new-script.ts',
    ]) {
      expect(await problems(file, redis)).toEqual([
        expect.stringContaining('only services/shared/redis/ may import ioredis'),
      ]);
      expect(await problems(file, bull)).toEqual([expect.stringContaining('state goes behind a port')]);
    }
    expect(await problems('services/shared/redis/new-adapter.ts', redis)).toEqual([]);
    expect(await problems('services/shared/redis/new-adapter.ts', bull)).toEqual([]);
    expect(await problems('test/support/new-helper.ts', redis)).toEqual([]);
  });

  it('lets only the start-* files wire the Redis adapters; handlers take ports', async () => {
    const wiring = "import { redisState } from '../shared/redis/redis-state.js';\nexport const s = redisState;\n";
    expect(await problems('services/planner/process-new.ts', wiring)).toEqual([
      expect.stringContaining('handlers take ports'),
    ]);
    expect(await problems('services/planner/start-new.ts', wiring)).toEqual([]);
    const ports = "import type { BuildStore } from '../shared/ports/build-store.js';\nexport type S = BuildStore;\n";
    expect(await problems('services/planner/process-new.ts', ports)).toEqual([]);
  });
});
