// Lint for the exploitant's verifier app (verifier/webapp/js/*.js and sw.js), run by
// `make lint` after ruff and mypy; tsc then type-checks the same files from their JSDoc
// types (tsconfig.json for the page, tsconfig.sw.json for the service worker).
//
// Why: the app is the half of the verifier that runs on strangers' phones, with no
// server to catch its mistakes, and it mirrors verifier/*.py check for check. Python
// has had ruff and mypy --strict from the start; the JavaScript had nothing, and a
// field used but never declared (app.js's state.current) went unnoticed. The tools
// come from npm at the exact versions in package.json / package-lock.json (devDependencies
// only: the app itself ships without a build step and needs none of this).
// verifier/webapp/vendor/ is third-party code copied in by `python -m verifier.webapp
// vendor`: not ours to lint.

import js from '@eslint/js';
import globals from 'globals';

export default [
  { ignores: ['verifier/webapp/vendor/**'] },
  js.configs.recommended,
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      eqeqeq: 'error',
      'no-var': 'error',
      'prefer-const': 'error',
      'no-unused-vars': ['error', { args: 'after-used', caughtErrors: 'none' }],
      'no-shadow': 'error',
      'no-implicit-coercion': ['error', { allow: ['!!'] }],
      'no-throw-literal': 'error',
      'no-return-assign': 'error',
      'no-console': 'error',
    },
  },
  {
    files: ['verifier/webapp/js/**/*.js'],
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: globals.browser },
  },
  {
    // A classic script in a service worker's scope.
    files: ['verifier/webapp/sw.js'],
    languageOptions: { ecmaVersion: 2022, sourceType: 'script', globals: globals.serviceworker },
  },
  {
    files: ['eslint.config.mjs'],
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
  },
];
