import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'migrations/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
    },
  },
  {
    // The fake Discord (src/sim) is for the console, the benchmarks and the tests: it needs
    // devDependencies (ws, ajv) and is left out of the production build (tsconfig.build.json), so
    // nothing the bot runs may import it.
    files: ['src/**/*.ts', 'commands/**/*.ts'],
    ignores: ['src/sim/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/sim', '**/sim/*', '**/sim/**'], message: 'src/sim is dev tooling (console, bench, tests), not part of the bot.' }] }],
    },
  },
  {
    files: ['tests/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  // Layers: no import cycles anywhere, and src/domain (pure rules) imports neither the database
  // nor Discord nor anything with side effects. Imports are written with .js and resolve to .ts.
  {
    files: ['src/**/*.ts', 'commands/**/*.ts', 'scripts/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'], extensionAlias: { '.js': ['.ts', '.js'] } })],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    files: ['src/domain/**/*.ts'],
    plugins: { 'import-x': importX },
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './src/domain',
              from: ['./src/db', './src/discord', './src/jobs', './src/http', './src/console', './commands', './src/app.ts', './src/context.ts', './src/main.ts', './src/start.ts', './src/logger.ts'],
              message: 'src/domain holds pure rules: it may not import the database, Discord, jobs or the app (define the types it needs in src/domain).',
            },
          ],
        },
      ],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['discord.js', 'discord.js/*', '@discordjs/*', 'discord-api-types', 'discord-api-types/*', 'drizzle-orm', 'drizzle-orm/*', 'postgres', '@electric-sql/*', 'pino', 'pino-*', 'node-cron'],
              message: 'src/domain holds pure rules: no Discord, database, logging or scheduling library here.',
            },
          ],
        },
      ],
    },
  },
  { files: ['eslint.config.js'], ...tseslint.configs.disableTypeChecked },
);
