// Lint: typescript-eslint's recommended rules, and the layers (README "Layout") as import rules:
// the core imports no editor, CLI, views or vscode; the webview only the protocol and the views;
// the editor no CLI. `npm run lint` (part of `npm test`, so of CI).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const layer = (patterns) => ['error', { patterns }];
const no = (group, message) => ({ group, message });

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', 'test-results/**', '.e2e/**', 'bench/**', 'scripts/**', '**/*.mjs', '**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Validators and messages from the webview are `unknown` first, checked, then typed; `any` is the exception.
      '@typescript-eslint/no-explicit-any': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
      // Stripping terminal colour codes (\x1b) and Python's line separators are what these regexes are for.
      'no-control-regex': 'off',
      // The interpreter's closures and iterators capture their object on purpose.
      '@typescript-eslint/no-this-alias': 'off',
      // Child errors are rethrown with the child's own message, which already says what failed.
      'preserve-caught-error': 'off',
    },
  },
  {
    // onnxruntime-node is loaded at run time from a path a setting may give.
    files: ['src/core/profile/child.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': layer([
        no(['vscode'], 'The core is data in, data out: no vscode (DESIGN.md).'),
        no(['**/editor/*', '**/editor'], 'The core imports no editor code.'),
        no(['**/cli/*', '**/cli'], 'The core imports no CLI code.'),
        no(['**/views/*', '**/views'], 'The core imports no views: views format the core\'s data.'),
      ]),
    },
  },
  {
    // The interpreter is reached through its façade (issue 15, item 3): outside src/core/python, code
    // imports only live.ts (build, rebuild, call, trace), analyze.ts (the analysis and its types),
    // entrypoints.ts and budget.ts (the worker's set-up), values.ts (the value model rewrites read);
    // imports.ts (FileHost) and trace.ts (OpTrace) as types only.
    files: ['src/**/*.ts'],
    ignores: ['src/core/python/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          {
            group: ['**/python/*', '!**/python/live', '!**/python/analyze', '!**/python/entrypoints', '!**/python/budget', '!**/python/values', '!**/python/imports', '!**/python/trace'],
            message: 'Outside src/core/python, use the interpreter through its façade src/core/python/live.ts.',
          },
          { group: ['**/python/imports', '**/python/trace'], allowTypeImports: true, message: 'Only the types of imports.ts (FileHost) and trace.ts (OpTrace) cross the façade.' },
        ],
      }],
    },
  },
  {
    files: ['src/views/**/*.ts'],
    rules: {
      'no-restricted-imports': layer([
        no(['vscode'], 'Views are plain data and text, shared by the editor, the CLI and the webview: no vscode.'),
        no(['**/editor/*', '**/cli/*'], 'Views import only the core.'),
      ]),
    },
  },
  {
    files: ['src/editor/**/*.ts', 'src/extension.ts'],
    rules: { 'no-restricted-imports': layer([no(['**/cli/*', '**/cli'], 'The editor imports no CLI code (shared formatting lives in src/views).')]) },
  },
  {
    // Types of the core's results may cross (they vanish from the bundle); code may not.
    files: ['webview/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'The webview runs in the page: acquireVsCodeApi, not the vscode module.' }],
        patterns: [{ group: ['**/src/core/**', '**/src/editor/**', '**/src/cli/**', '**/src/nodeHost'], allowTypeImports: true, message: 'The webview imports only src/protocol and src/views (types of the core are fine).' }],
      }],
    },
  },
);
