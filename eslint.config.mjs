// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Engine clients belong to adapter files only (named after their engine), so that
// application code can never depend on which column of the architecture it runs in.
const engineImports = ['kafkajs', 'mongoose', 'ioredis', 'consul', 'node:sqlite'];
const adapterFiles = [
  '**/*.kafka.ts',
  '**/*.mongo.ts',
  '**/*.redis.ts',
  '**/*.consul.ts',
  '**/*.sqlite.ts',
  '**/testing/**',
  '**/test/**',
];

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'data/**',
      'gateway/public/**',
      'eslint.config.mjs',
      'tools/*.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-extraneous-class': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/unbound-method': 'off',
      'no-restricted-imports': [
        'error',
        {
          paths: engineImports.map((name) => ({
            name,
            message:
              'Only adapter files (*.kafka.ts, *.mongo.ts, *.redis.ts, *.consul.ts, *.sqlite.ts) import engine clients.',
          })),
        },
      ],
    },
  },
  { files: adapterFiles, rules: { 'no-restricted-imports': 'off' } },
  {
    files: ['**/test/**', '**/*.spec.ts', '**/*.test.ts', '**/testing/**', 'bench/**'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
