import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// One runner for every workspace. SWC keeps `emitDecoratorMetadata`, which NestJS needs
// and esbuild drops. Workspace packages resolve to their sources, so tests need no build.
export default defineConfig({
  plugins: [swc.vite({ tsconfigFile: here('./tsconfig.base.json'), module: { type: 'es6' } })],
  resolve: {
    alias: [
      {
        find: /^@playlist-chat\/platform\/testing$/,
        replacement: here('./libs/platform/src/testing/index.ts'),
      },
      {
        find: /^@playlist-chat\/platform\/telemetry$/,
        replacement: here('./libs/platform/src/telemetry/index.ts'),
      },
      {
        find: /^@playlist-chat\/platform\/v8-tuning$/,
        replacement: here('./libs/platform/src/runtime/v8-tuning.ts'),
      },
      {
        find: /^@playlist-chat\/platform\/adapters$/,
        replacement: here('./libs/platform/src/adapters.ts'),
      },
      { find: /^@playlist-chat\/(contracts|platform|stomp)$/, replacement: here('./libs/$1/src/index.ts') },
      {
        find: /^@playlist-chat\/(chat-server|presence-server|gateway|single-node)$/,
        replacement: here('./$1/src/index.ts'),
      },
    ],
  },
  test: {
    include: [
      '{libs/*,chat-server,presence-server,gateway,single-node,bench}/{src,test}/**/*.{test,spec}.ts',
    ],
    exclude: ['**/node_modules/**', '**/dist/**'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default', here('./tools/summary-reporter.ts')],
  },
});
