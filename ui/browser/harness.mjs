// Browser-test harness: serves dist-test/ on 127.0.0.1 (port 0) and starts
// Debian's chromium through playwright-core with a fresh profile.
import { createServer } from 'node:http';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, normalize, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, '..', 'dist-test');
export const shots = join(here, '..', 'test-results');
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };

export async function serve() {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const rel = normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, '') || 'test.html';
    const file = join(root, rel);
    if (!file.startsWith(root) || !existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return { base: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) };
}

export async function launch() {
  const profile = mkdtempSync(join(tmpdir(), 'bobosync-ui-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1200, height: 850 },
    timezoneId: 'Europe/London',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  mkdirSync(shots, { recursive: true });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The `attr` of the focused element once it is `expected` (focus often
 * moves a frame after what it waits for appears), or what it still is
 * after 5 s: for an assertion that says what had focus instead. */
export async function focusedOnce(page, attr, expected) {
  const focused = (a) => document.activeElement?.getAttribute(a) ?? null;
  await page
    .waitForFunction(([a, want]) => (document.activeElement?.getAttribute(a) ?? null) === want, [attr, expected], { timeout: 5000 })
    .catch(() => undefined);
  return page.evaluate(focused, attr);
}
