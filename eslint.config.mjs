import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

// The import boundaries, one entry each, combined per folder below: ESLint keeps only the last
// `no-restricted-imports` a file matches, so a folder's list has to hold every rule that binds it.
const noVscode = { name: 'vscode', message: 'Only src/extension may depend on VS Code; pass what the code needs in.' };
// Node's modules by their bare names (fs, path, child_process, fs/promises ...); `node:*` is a pattern below.
const noNodeNames = builtinModules.filter((m) => !m.startsWith('_')).map((name) => ({ name, message: 'Browser code: no Node modules here (the webview bundles run in a browser).' }));
const noNodePrefix = { group: ['node:*'], message: 'Browser code: no Node modules here (the webview bundles run in a browser).' };
// Relative imports that climb into the other front end (src/cli <-> src/extension); the core and
// the protocols serve both, so they import neither.
const noCli = { regex: '^(\\.\\./)+(src/)?cli(/|$)', message: 'src/cli is a front end: only it may import its own files. Move what both need into src/core.' };
const noExtension = { regex: '^(\\.\\./)+(src/)?extension(/|$)', message: 'src/extension is a front end: only it may import its own files. Move what both need into src/core (or src/protocol for webview messages).' };

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.cache/**', 'test-output/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    // The core serves the CLI and tests as well as the editor: it must never reach for VS Code,
    // nor into either front end.
    files: ['src/core/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [noVscode], patterns: [noCli, noExtension] }] },
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [noVscode], patterns: [noExtension] }] },
  },
  {
    files: ['src/extension/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noCli] }] },
  },
  {
    // The webview protocols are imported by the extension host and by the browser bundles alike,
    // and the page scripts run in a browser: neither VS Code nor Node exists there.
    files: ['src/protocol/**/*.ts', 'webview/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [noVscode, ...noNodeNames], patterns: [noNodePrefix, noCli, noExtension] }] },
  },
  {
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable' } },
  },
);
