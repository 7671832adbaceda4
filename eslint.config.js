import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'docs/.vitepress/dist/**',
      'docs/.vitepress/cache/**',
      'docs/.vitepress/.temp/**',
      'docs/api/**',
      'test-results/**',
      '**/*.generated.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // Kernel names stay snake_case so they can be grepped against the kernel.
      camelcase: 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Interpreter and JIT code uses bitwise tricks on purpose.
      'no-bitwise': 'off',
    },
  },
  {
    // Plain Node scripts (build helpers, reports) run outside TypeScript.
    files: ['scripts/**/*.{js,mjs,cjs}', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: { ...globals.node } },
  },
);
