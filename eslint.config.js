// Lint: TypeScript recommended rules, plus the Temporal rule that workflow code stays deterministic:
// workflows/ may not import Node built-ins or I/O libraries (activities do the I/O).
import tseslint from 'typescript-eslint';

const ioLibraries = ['@aws-sdk/*', 'pg', 'drizzle-orm', 'drizzle-orm/*', '@electric-sql/*', '@tensorflow/*', '@opensoc/db', '@opensoc/storage', '@opensoc/model', '@opensoc/platform', '@opensoc/worker', '@opensoc/datasets', '@opensoc/local-services', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'];

export default tseslint.config(
  { ignores: ['**/node_modules/**', '.opensoc/**', '**/dist/**', 'packages/model/*.mts'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['workflows/src/**/*.ts'],
    ignores: ['workflows/src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*'], message: 'workflow code must be deterministic: no Node built-ins (use activities)' },
          { group: ['fs', 'path', 'os', 'crypto', 'child_process', 'http', 'https', 'net', 'stream', 'timers', 'worker_threads'], message: 'workflow code must not import Node built-ins' },
          { group: ioLibraries, message: 'workflow code must not import I/O libraries; import activity types only' },
        ],
      }],
    },
  },
);
