// Type-aware lint for the whole project, plus two project rules:
//  - the layer directions of shared/design/ARCHITECTURE.md (import boundaries);
//  - purity of the Raft core and the checker (no clocks, no randomness, no timers).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const forbidImports = (patterns, message) => ({
  'no-restricted-imports': ['error', { patterns: patterns.map((group) => ({ group: [group], message })) }],
});

const impureGlobals = [
  { name: 'setTimeout', message: 'Pure layer: time is a parameter (STYLE.md 2).' },
  { name: 'setInterval', message: 'Pure layer: time is a parameter (STYLE.md 2).' },
  { name: 'setImmediate', message: 'Pure layer: time is a parameter (STYLE.md 2).' },
];
const impureMembers = [
  { object: 'Date', property: 'now', message: 'Pure layer: inject a clock (STYLE.md 2).' },
  { object: 'Math', property: 'random', message: 'Pure layer: inject a random source (STYLE.md 2).' },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'store/**', 'bin/**', '.tmp/**', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true, allowNullish: true },
      ],
    },
  },
  {
    files: ['checkers/**/*.ts'],
    rules: forbidImports(
      ['**/reference-node/**', '**/harness/**', '**/workloads/**'],
      'checkers/ imports nothing else from the project (ARCHITECTURE.md).',
    ),
  },
  {
    files: ['reference-node/**/*.ts'],
    rules: forbidImports(
      ['**/harness/**', '**/workloads/**', '**/checkers/**'],
      'reference-node/ imports nothing of harness/workloads/checkers (ARCHITECTURE.md).',
    ),
  },
  {
    files: ['harness/**/*.ts'],
    rules: forbidImports(
      [
        '**/workloads/**',
        '**/reference-node/raft/**',
        '**/reference-node/storage/**',
        '**/reference-node/kv/**',
        '**/reference-node/encryption/**',
        '**/reference-node/server/**',
      ],
      'harness/ may import checkers/ and reference-node/proto/ only (ARCHITECTURE.md).',
    ),
  },
  {
    files: ['reference-node/raft/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      ...forbidImports(
        ['node:*', '../storage/**', '../kv/**', '../encryption/**', '../server/**'],
        'raft/ is a pure state machine: no I/O, no upper layers (STYLE.md 1).',
      ),
      'no-restricted-globals': ['error', ...impureGlobals],
      'no-restricted-properties': ['error', ...impureMembers],
    },
  },
  {
    // The node shell: time and randomness come from the injected NodeClock / NodeRandom
    // (reference-node/server/node-clock.ts, the one place that reads the real ones), so a
    // simulator can drive it; the process entry (cli/) wires the real ones.
    files: ['reference-node/server/**/*.ts'],
    ignores: [
      '**/*.test.ts',
      'reference-node/server/test/**',
      'reference-node/server/cli/**',
      'reference-node/server/node-clock.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/harness/**', '**/workloads/**', '**/checkers/**'],
              message: 'reference-node/ imports nothing of harness/workloads/checkers (ARCHITECTURE.md).',
            },
          ],
          paths: [
            {
              name: 'node:crypto',
              importNames: ['randomUUID', 'randomInt', 'randomBytes'],
              message: 'Node shell: draw from the injected NodeRandom (node-clock.ts).',
            },
            { name: 'node:timers', message: 'Node shell: use the injected NodeClock (node-clock.ts).' },
            { name: 'node:timers/promises', message: 'Node shell: use the injected NodeClock (node-clock.ts).' },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        ...['setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'clearImmediate'].map(
          (name) => ({
            name,
            message: 'Node shell: use the injected NodeClock (node-clock.ts, STYLE.md 2).',
          }),
        ),
      ],
      'no-restricted-properties': [
        'error',
        {
          object: 'Date',
          property: 'now',
          message: 'Node shell: use the injected NodeClock (node-clock.ts, STYLE.md 2).',
        },
        {
          object: 'performance',
          property: 'now',
          message: 'Node shell: use the injected NodeClock (node-clock.ts, STYLE.md 2).',
        },
        {
          object: 'Math',
          property: 'random',
          message: 'Node shell: use the injected NodeRandom (node-clock.ts, STYLE.md 2).',
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'Node shell: the wall time comes from the injected NodeClock (node-clock.ts).',
        },
      ],
    },
  },
  {
    files: ['checkers/linearizability/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: { 'no-restricted-properties': ['error', ...impureMembers.slice(1)] },
  },
  {
    files: ['**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
);
