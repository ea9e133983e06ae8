// Lint: typescript-eslint's recommended rules (syntax-only, fast on 2 cores) plus a few house rules.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[object.name='process'][property.name='env']", message: 'read configuration through a zod config schema (loadConfig), not process.env' },
      ],
    },
  },
  {
    // Tests, benchmarks, scripts and test doubles may print and read their own environment.
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', 'test/**', 'scripts/**', '**/testing/**', '**/cli/**', '**/test/**'],
    rules: { 'no-console': 'off', 'no-restricted-syntax': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
  // The one sanctioned reader of process.env (STYLE.md §6).
  { files: ['libs/observability/src/config.ts'], rules: { 'no-restricted-syntax': 'off' } },
);
