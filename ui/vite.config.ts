// Production build of the web UI, loaded by the Tauri webview from dist/.
import { defineConfig } from 'vite';

export default defineConfig({
  // Relative asset URLs: the webview serves dist/ from its own scheme.
  base: './',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', target: 'es2022', sourcemap: false },
  test: {
    environment: 'happy-dom',
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
  },
} as never);
