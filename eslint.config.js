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

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'max-len': ['error', { code: 120, ignoreUrls: true, ignoreRegExpLiterals: true }],
      // Only the backends talk to Docker.
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'dockerode', message: 'only services/executor/backend/ may import dockerode' }] },
      ],
    },
  },
  {
    // The core is pure: values in, values out. No I/O, no adapters, no services.
    files: ['services/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...io, ...adapters].map((name) => ({
            name,
            message: 'services/core is pure: do I/O in an adapter and pass values in',
          })),
          patterns: [
            {
              group: [
                '**/shared/**',
                '**/receiver/**',
                '**/planner/**',
                '**/executor/**',
                '**/reporter/**',
                '**/cli/**',
              ],
              message: 'core imports nothing but core',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['services/executor/backend/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
