// Lint rules, including the process boundaries: server-core never imports electron,
// the renderer never imports Node built-ins and takes only types from server-core.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import pluginVue from 'eslint-plugin-vue';
import globals from 'globals';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'net', 'http', 'https', 'crypto', 'url', 'util', 'stream', 'events'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'release/**', 'native/**', '.cache/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] } },
  },
  {
    files: ['**/*.{js,mjs,cjs,ts,cts,mts}'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
      'vue/multi-word-component-names': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
    },
  },
  {
    files: ['server-core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'server-core must run without Electron: put Electron code in electron/.' }] }],
    },
  },
  {
    files: ['server-core/contract/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: nodeBuiltins, message: 'contract/ is shared with the renderer: types only, no Node modules.' }] }],
    },
  },
  {
    files: ['renderer/src/**/*.{ts,vue}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The renderer is sandboxed: use the preload API.' }],
          patterns: [
            { group: nodeBuiltins, message: 'The renderer has no Node access.' },
            { group: ['**/server-core/**'], allowTypeImports: true, message: 'The renderer may import only types from server-core.' },
          ],
        },
      ],
    },
  },
);
