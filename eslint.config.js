// @ts-check
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/*
 * Layering (DEVELOPERS.md, "Layout"). Dependencies point one way:
 *   commands → cli → app → engines | cache | aws | config → iam | actions | trail | analysis
 * and cache → engines (the cache stores what engines return, and the Athena ledger types live with
 * the Athena engine); engines → aws (the adapters' error wrapping). Nothing imports commands/.
 * Each folder gets ONE no-restricted-imports entry below: in flat config a later entry for the same
 * file replaces an earlier one instead of adding to it.
 */

/** Modules that must stay pure: they take data, never touch I/O, SDKs, engines or the terminal. */
const PURE_FOLDERS = ['src/iam/**', 'src/actions/**', 'src/analysis/**', 'src/trail/**'];

/** Packages and built-ins that do I/O. */
const IO_MODULES = [
  '@aws-sdk/*',
  '@duckdb/*',
  '@oclif/*',
  'chalk',
  'node:fs',
  'node:fs/*',
  'fs',
  'fs/*',
  'node:os',
  'os',
  'node:zlib',
  'zlib',
  'node:child_process',
  'child_process',
];

/** A `no-restricted-imports` pattern that bans imports from these folders of src/. */
function folders(names, message) {
  return { group: names.map((name) => `**/${name}/**`), message };
}

const NOT_COMMANDS = folders(['commands'], 'nothing imports src/commands/: commands are the top layer');
const NOT_BROWSER = folders(
  ['browser'],
  "src/browser/ is the HTML pages' app, bundled by scripts/build-browser.mjs: the renderer inlines the bundle",
);

/** The `no-restricted-imports` rule for a folder, with the bans every folder has. */
function restricted(...patterns) {
  return { 'no-restricted-imports': ['error', { patterns: [NOT_COMMANDS, NOT_BROWSER, ...patterns] }] };
}

const NO_AWS_SDK = {
  group: ['@aws-sdk/*'],
  message: 'commands call into src/app/; AWS calls live in src/aws/ and src/engines/',
};

const LAYERS = [
  {
    files: PURE_FOLDERS,
    rules: {
      ...restricted(
        { group: IO_MODULES, message: 'pure modules take data, not I/O' },
        folders(
          ['app', 'aws', 'cache', 'cli', 'config', 'engines'],
          'pure modules import only other pure modules (iam, actions, trail, analysis)',
        ),
      ),
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'pure modules take settings as arguments' },
      ],
    },
  },
  {
    files: ['src/engines/**'],
    rules: restricted(
      folders(['app', 'cache', 'cli'], 'engines sit below the application, the cache and the CLI'),
    ),
  },
  {
    files: ['src/cache/**'],
    rules: restricted(folders(['app', 'aws', 'cli'], 'the cache sits below the application and the CLI')),
  },
  {
    files: ['src/aws/**'],
    rules: restricted(
      folders(
        ['app', 'cache', 'cli', 'engines'],
        'AWS adapters depend on nothing but config, errors and pure code',
      ),
    ),
  },
  {
    files: ['src/config/**'],
    rules: restricted(
      folders(['app', 'aws', 'cache', 'cli', 'engines'], 'the config is read by the layers above it'),
    ),
  },
  {
    files: ['src/app/**'],
    rules: restricted({
      group: ['**/cli/render-*', '**/cli/base-command*', '**/cli/printable*', '**/cli/flags*'],
      message: 'the application returns results; rendering and flags belong to cli/ and commands/',
    }),
  },
  {
    // A command imports no other command: not a sibling (./x.js), nor one of another topic (../x.js).
    files: ['src/commands/*.ts'],
    rules: restricted(NO_AWS_SDK, { group: ['./*'], message: NOT_COMMANDS.message }),
  },
  {
    files: ['src/commands/*/**'],
    rules: restricted(NO_AWS_SDK, {
      regex: String.raw`^\./|^\.\./(?!\.\./)`,
      message: NOT_COMMANDS.message,
    }),
  },
  {
    files: ['src/cli/**', 'src/*.ts'],
    rules: restricted(),
  },
  {
    // The browser app runs in the page: its own modules, and only types from the rest of src/.
    files: ['src/browser/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: String.raw`^\.\./`,
              allowTypeImports: true,
              message: 'the browser app imports its own modules, and only types from the rest of src/',
            },
            { regex: '^[^.]', message: 'the browser app is bundled alone: no package, no Node built-in' },
          ],
        },
      ],
    },
  },
];

/**
 * Browser globals the app uses (src/browser/). tsc checks the rest: tsconfig.browser.json has the
 * DOM library and no Node types, so `process` or `Buffer` there fail `npm run typecheck`.
 */
const BROWSER_GLOBALS = Object.fromEntries(
  [
    'window',
    'document',
    'performance',
    'Node',
    'HTMLElement',
    'Blob',
    'URL',
    'Response',
    'DecompressionStream',
    'atob',
    'setTimeout',
    'clearTimeout',
  ].map((name) => [name, 'readonly']),
);

export default tseslint.config(
  { ignores: ['dist/**', 'build/**', 'node_modules/**', 'coverage/**', 'examples/**', 'data/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // tsconfig.json leaves src/browser/ to its own project (DOM library, no Node types).
    files: ['src/browser/**'],
    languageOptions: {
      globals: BROWSER_GLOBALS,
      parserOptions: {
        projectService: false,
        project: './tsconfig.browser.json',
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
  ...LAYERS,
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { console: 'readonly', process: 'readonly', URL: 'readonly' },
    },
  },
  prettier,
);
