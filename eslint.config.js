import tseslint from 'typescript-eslint';

const io = [
  'node:fs',
  'node:fs/promises',
  'node:net',
  'node:http',
  'node:https',
  'node:child_process',
  'fs',
  'net',
  'http',
  'child_process',
];
const adapters = ['dockerode', 'ioredis', 'bullmq', 'koa', '@koa/router', '@octokit/rest', '@octokit/webhooks'];

// Only the backends talk to Docker.
const docker = { name: 'dockerode', message: 'only services/executor/backend/ may import dockerode' };
// State lives behind the ports; Redis and BullMQ only in their adapter folder.
const state = ['ioredis', 'bullmq'].map((name) => ({
  name,
  message:
    `only services/shared/redis/ may import ${name}: state goes behind a port (services/shared/ports/), ` +
    'with a Redis implementation in services/shared/redis/ and an in-memory one in services/shared/memory/',
}));
// Handlers take ports; only the start-* files wire the Redis implementations.
const redisWiring = {
  group: ['**/shared/redis/**', './redis/*'],
  message: 'handlers take ports (services/shared/ports/); only the start-* files wire services/shared/redis/',
};
const restrict = (paths, patterns = []) => ['error', { paths, patterns }];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'max-len': ['error', { code: 120, ignoreUrls: true, ignoreRegExpLiterals: true }],
      'no-restricted-imports': restrict([docker, ...state], [redisWiring]),
    },
  },
  {
    // The core is pure: values in, values out. No I/O, no adapters, no services.
    files: ['services/core/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict(
        [...io, ...adapters].map((name) => ({
          name,
          message: 'services/core is pure: do I/O in an adapter and pass values in',
        })),
        [
          {
            group: ['**/shared/**', '**/receiver/**', '**/planner/**', '**/executor/**', '**/reporter/**', '**/cli/**'],
            message: 'core imports nothing but core',
          },
        ],
      ),
    },
  },
  {
    files: ['services/executor/backend/**/*.ts'],
    rules: { 'no-restricted-imports': restrict(state, [redisWiring]) },
  },
  {
    files: ['services/*/start-*.ts'],
    rules: { 'no-restricted-imports': restrict([docker, ...state]) },
  },
  {
    files: ['services/shared/redis/**/*.ts'],
    rules: { 'no-restricted-imports': restrict([docker]) },
  },
  {
    // Tools use the services as a whole (through test/support); they too leave Redis to its adapters.
    files: ['bench/**/*.ts', 'scripts/**/*.ts'],
    rules: { 'no-restricted-imports': restrict(state) },
  },
  {
    // Tests may set up Redis and BullMQ directly, though the adapters are preferred.
    files: ['test/**/*.ts'],
    rules: { 'no-restricted-imports': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
);
