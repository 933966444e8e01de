import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

// Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no I/O, no activity implementations.
const nodeBuiltins = builtinModules.flatMap((name) => [name, `node:${name}`]);

export default tseslint.config(
  { ignores: ['node_modules/**', '.data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // TypeScript checks globals in .ts files; the few plain .mjs/.js files run on Node.
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { console: 'readonly', process: 'readonly', URL: 'readonly' } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // The workflows and every module the workflow bundle imports values from (test/harness/workflows.ts follows
    // workflows/index.ts), plus the pure core they share code with.
    files: [
      'workflows/**/*.ts',
      'test/harness/workflows.ts',
      'test/harness/fixture-workflows.ts',
      'src/incident/**/*.ts',
      'src/temporal/search-attributes.ts',
      'src/notifications/fleet-mail-rate.ts',
      'src/notifications/message-revisions.ts',
      'src/allocation/**/*.ts',
      'src/impact/**/*.ts',
      'src/pooling/**/*.ts',
      'src/validation/issues.ts',
      'src/concurrency/**/*.ts',
      'src/report/outcome-line.ts',
      // The follow-up rules read the location contract's default time zone.
      'src/inventory/contract.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflow code and the pure core must not use Node built-ins.' })),
          patterns: [
            { group: ['**/activities', '**/activities/*'], allowTypeImports: true, message: 'Workflows call activities through proxyActivities only.' },
            { group: ['**/config/policy-file'], message: 'Reads a file: not for workflow code or the pure core.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'process', message: 'No environment access in deterministic code.' }],
    },
  },
);
