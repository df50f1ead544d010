// Build of the test page only (test.html + the fake backend), for the
// browser tests. Never shipped: the app is built by vite.config.ts.
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist-test', target: 'es2022', rollupOptions: { input: 'test.html' } },
} as never);
