// Browser tests of the window at tray sizes (800×600, 400×700), light and
// dark: History without horizontal scroll, stacked rows, empty states, the
// approval confirmation, the Status headline in each state (and what is
// above the fold), the demo banner, and an axe-core scan of every page.
// Screenshots go to test-results/<page>-<width>x<height>-<scheme>.png and
// test-results/status-<state>-800x600-<scheme>.png.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { launch, serve, shots } from './harness.mjs';

const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const NOW = new Date('2025-03-04T14:02:00Z');

let srv;
let browser;
before(async () => {
  srv = await serve();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await srv?.close();
});

async function open(scenario = 'configured', { width = 800, height = 600, scheme = 'light' } = {}) {
  const page = await browser.context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.setViewportSize({ width, height });
  await page.emulateMedia({ colorScheme: scheme });
  await page.clock.setFixedTime(NOW);
  await page.goto(`${srv.base}/test.html?scenario=${scenario}`);
  page.errors = errors;
  return page;
}
const shot = (page, name) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
const mock = (page) => page.evaluate(() => JSON.parse(JSON.stringify(window.__mock)));

const PAGES = {
  status: { nav: 'status', ready: (p) => p.locator('.headline').waitFor() },
  settings: { nav: 'settings', ready: (p) => p.getByTestId('stored-password').getByText('stored in the OS keyring').waitFor() },
  history: { nav: 'history', ready: (p) => p.getByRole('table', { name: /Recent syncs/ }).waitFor() },
  checks: { nav: 'checks', ready: (p) => p.getByText('2 passed, 1 with warnings, 1 failed.').waitFor() },
};

async function go(page, name) {
  await page.getByRole('heading', { name: 'Status', level: 1 }).waitFor();
  await page.locator(`nav button[data-page="${name}"]`).click();
  await PAGES[name].ready(page);
}

/** Horizontal overflow of the document and of every element matching `selector`. */
const overflow = (page, selector) =>
  page.evaluate((sel) => {
    const d = document.scrollingElement;
    const out = d.scrollWidth > d.clientWidth ? [`document ${d.scrollWidth} > ${d.clientWidth}`] : [];
    for (const el of document.querySelectorAll(sel)) {
      if (el.scrollWidth > el.clientWidth) out.push(`${el.className} ${el.scrollWidth} > ${el.clientWidth}`);
    }
    return out;
  }, selector);

/** Runs axe-core; fails on any serious or critical violation, listing them. */
async function axe(page, label) {
  await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const text = bad
    .map((v) => `${v.impact} ${v.id}: ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(' ')} — ${n.failureSummary?.replace(/\n/g, ' ')}`).join('\n')}`)
    .join('\n');
  assert.equal(bad.length, 0, `axe on ${label}:\n${text}`);
}

/** The relative luminance of a computed `rgb(…)` colour. */
const luminance = (rgb) => {
  const [r, g, b] = rgb.match(/[\d.]+/g).slice(0, 3).map((v) => {
    const c = Number(v) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};

describe('History in a tray-sized window', () => {
  it('at 800×600: no horizontal scroll, result first, short times with the full time on hover', async () => {
    const page = await open();
    await go(page, 'history');
    assert.deepEqual(await overflow(page, '.history-page, .table-wrap'), []);
    // This browser runs in Europe/London, BOBO's zone too: no zone note.
    assert.equal(await page.locator('.zone-note').count(), 0);
    const batches = page.getByRole('table', { name: /Recent syncs/ });
    assert.equal((await batches.locator('thead th').first().textContent()).trim(), 'Result');
    const time = batches.locator('tr[data-batch="1"] time');
    assert.equal(await time.getAttribute('title'), '2025-03-04 12:53:20 Europe/London');
    assert.equal((await time.locator('[aria-hidden="true"]').textContent()).trim(), '12:53');
    assert.match(await time.locator('.sr-only').textContent(), /12:53 \(2025-03-04 12:53:20 Europe\/London\)/);

    // The person's timeline and an opened sync fit too.
    await page.getByLabel('Employee ID or login').fill('01234');
    await page.getByLabel('Employee ID or login').press('Enter');
    await page.getByRole('table', { name: /Timeline of 01234/ }).waitFor();
    assert.deepEqual(await overflow(page, '.history-page, .table-wrap'), []);
    await page.getByRole('button', { name: 'Show all' }).click();
    await page.getByRole('button', { name: /^Open bobo_0301\.csv/ }).click();
    await page.getByRole('table', { name: 'bobo_0301.csv (3 lines)' }).waitFor();
    assert.deepEqual(await overflow(page, '.batch-detail, .table-wrap'), []);
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  it('at 400×700: rows stack as cards, still no horizontal scroll', async () => {
    const page = await open('configured', { width: 400, height: 700 });
    await go(page, 'history');
    assert.deepEqual(await overflow(page, '.history-page, .table-wrap'), []);
    const cells = await page.locator('tr[data-batch="1"] td').evaluateAll((tds) => tds.map((td) => td.getBoundingClientRect().toJSON()));
    for (let i = 1; i < cells.length; i++) assert.ok(cells[i].top >= cells[i - 1].bottom - 1, `cell ${i} is below cell ${i - 1}`);
    assert.ok(cells[0].width > 300, 'a cell spans the card');
    // The stacked cell still says what it is.
    const label = await page.locator('tr[data-batch="1"] td').nth(1).evaluate((td) => getComputedStyle(td, '::before').content);
    assert.equal(label, '"When"');
    await page.close();
  });
});

describe('empty states', () => {
  it('nothing synced yet: says where files go, no table, Export disabled', async () => {
    const page = await open('empty');
    await page.getByRole('heading', { name: 'Status', level: 1 }).waitFor();
    await page.locator('nav button[data-page="history"]').click();
    await page.getByText('Nothing synced yet — files dropped in /data/drop appear here.').waitFor();
    assert.equal(await page.getByRole('table').count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Export as CSV' }).isDisabled(), true);
    await page.getByRole('button', { name: 'Open drop folder' }).click();
    await page.waitForFunction(() => window.__mock.opened.includes('drop'));
    await shot(page, 'history-empty-800x600-light');
    await page.close();
  });

  it('a search with no match: "No history for …", no empty table, Export disabled', async () => {
    const page = await open();
    await go(page, 'history');
    assert.equal(await page.getByRole('button', { name: 'Export as CSV' }).isDisabled(), false);
    await page.getByLabel('Employee ID or login').fill('99999');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('No history for 99999.').waitFor();
    assert.equal(await page.getByRole('table').count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Export as CSV' }).isDisabled(), true);
    await page.close();
  });
});

describe('approval confirmation', () => {
  it('states the count and names, keeps focus in the dialog, announces the result', async () => {
    const page = await open();
    const approve = page.getByRole('button', { name: 'Approve…' });
    await approve.click();
    const dialog = page.getByRole('dialog', { name: /Mass clear of duty values: approve or reject\?/ });
    await dialog.waitFor();
    await dialog.getByText('clears the duty values of 12 people: jsmith, user00042, adoe, bwayne, ckent, and 7 more').waitFor();
    await dialog.getByText(/Reject changes nothing: the change is not carried out/).waitFor();
    const focus = () => page.evaluate(() => ({ inDialog: !!document.activeElement?.closest('dialog[open]'), text: document.activeElement?.textContent?.trim(), tag: document.activeElement?.tagName }));
    assert.deepEqual(await focus(), { inDialog: true, text: 'Cancel', tag: 'BUTTON' }, 'focus on the first button');
    await shot(page, 'approval-dialog-800x600-light');
    await axe(page, 'the approval dialog');
    // Tab stays inside the modal dialog.
    for (let i = 0; i < 4; i++) {
      await page.keyboard.press('Tab');
      const f = await focus();
      assert.ok(f.inDialog || f.tag === 'BODY' || f.tag === undefined, `Tab left the dialog for ${f.text}`);
    }
    // Escape cancels: nothing sent, focus back on the button that opened it.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await page.evaluate(() => document.activeElement?.textContent?.trim()), 'Approve…');
    assert.ok(!(await mock(page)).calls.some((c) => c.cmd === 'approve_change' || c.cmd === 'reject_change'));

    await approve.click();
    await dialog.getByRole('button', { name: 'Approve 12 changes' }).click();
    const live = page.locator('[aria-live]').getByText('Approved: Mass clear of duty values (12 changes). It is carried out in the next sync.');
    await live.waitFor();
    await page.waitForFunction(() => document.activeElement?.id === 'approvals-h');
    assert.match(await page.evaluate(() => document.activeElement.textContent), /Waiting for approval \(0\)/);
    assert.ok((await mock(page)).calls.some((c) => c.cmd === 'approve_change' && c.args.id === 7));
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  it('Reject says nothing changed', async () => {
    const page = await open();
    await page.getByRole('button', { name: 'Reject…' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Reject', exact: true }).click();
    await page.locator('[aria-live]').getByText('Rejected: Mass clear of duty values. Nothing changed; the change will not be carried out.').waitFor();
    const state = await mock(page);
    assert.ok(state.calls.some((c) => c.cmd === 'reject_change' && c.args.id === 7));
    assert.ok(!state.calls.some((c) => c.cmd === 'approve_change'));
    assert.notEqual(await page.evaluate(() => document.activeElement?.tagName), 'BODY');
    await page.close();
  });
});

describe('dark mode', () => {
  it('follows prefers-color-scheme: dark backgrounds, light text', async () => {
    const page = await open('configured', { scheme: 'dark' });
    await page.locator('.headline').waitFor();
    const c = await page.evaluate(() => ({
      body: getComputedStyle(document.body).backgroundColor,
      text: getComputedStyle(document.querySelector('main')).color,
      input: getComputedStyle(document.querySelector('button')).backgroundColor,
    }));
    assert.ok(luminance(c.body) < 0.05, `dark background, got ${c.body}`);
    assert.ok(luminance(c.text) > 0.6, `light text, got ${c.text}`);
    assert.ok(luminance(c.input) < 0.2, `dark controls, got ${c.input}`);
    await page.close();
  });
});

describe('every page, light and dark, 800×600 and 400×700: screenshots and axe-core', () => {
  for (const scheme of ['light', 'dark']) {
    for (const name of Object.keys(PAGES)) {
      it(`${name} (${scheme})`, async () => {
        const page = await open('configured', { scheme });
        if (name !== 'status') await go(page, name);
        else await PAGES.status.ready(page);
        await axe(page, `${name} (${scheme})`);
        await shot(page, `${name}-800x600-${scheme}`);
        assert.deepEqual(await overflow(page, 'main'), [], `${name} scrolls sideways at 800×600`);
        await page.setViewportSize({ width: 400, height: 700 });
        await shot(page, `${name}-400x700-${scheme}`);
        assert.deepEqual(await overflow(page, 'main'), [], `${name} scrolls sideways at 400×700`);
        assert.deepEqual(page.errors, []);
        await page.close();
      });
    }
    it(`wizard (${scheme})`, async () => {
      const page = await open('fresh', { scheme });
      await page.getByRole('heading', { name: /Step 1 of 7/ }).waitFor();
      await axe(page, `wizard (${scheme})`);
      await shot(page, `wizard-800x600-${scheme}`);
      assert.deepEqual(await overflow(page, 'main'), [], 'wizard scrolls sideways at 800×600');
      await page.setViewportSize({ width: 400, height: 700 });
      await shot(page, `wizard-400x700-${scheme}`);
      assert.deepEqual(await overflow(page, 'main'), [], 'wizard scrolls sideways at 400×700');
      await page.close();
    });
  }
});

// ───────────────────────────── the Status headline ─────────────────────────────

/** Emits an engine event through the mock backend until `done` holds (the
 * window may not be listening yet right after it loaded). */
async function emitUntil(page, event, done) {
  for (let i = 0; i < 20; i++) {
    await page.evaluate((e) => window.__emit(e), event);
    try {
      await page.waitForFunction(done, null, { timeout: 250 });
      return;
    } catch {
      // not yet
    }
  }
  throw new Error(`event ${event.type} had no effect`);
}
const headlineText = (page) => page.locator('#headline-text').innerText();
const badgeTone = (page) => page.locator('header.top .badge').getAttribute('data-tone');
const syncNow = (page) => page.getByRole('button', { name: 'Sync now' });

/** The mock's status with some fields changed, set in the mock too (so the slow poll agrees). */
const setStatus = (page, patch) =>
  page.evaluate((p) => {
    Object.assign(window.__mock.status, p);
    return { ...window.__mock.status, mode: window.__mock.mode, pendingApprovals: window.__mock.approvals.length };
  }, patch);

async function startSending(page) {
  const status = await setStatus(page, { health: 'syncing', reason: 'Syncing bobo_0303.csv' });
  await emitUntil(page, { type: 'healthChanged', status }, () => document.querySelector('header.top .badge')?.getAttribute('data-tone') === 'syncing');
  await emitUntil(page, { type: 'sending', answered: 1200, total: 4900 }, () => document.querySelector('progress')?.getAttribute('value') === '1200');
}

const AUTH = { id: 31, kind: 'auth_rejected', severity: 'error', summary: 'AtHoc refused the credentials (invalid_grant)', since: '2025-03-04T13:50:00Z' };
const hasItem = (key) => `document.querySelector('[data-item="${key}"]') !== null`;

/** Each state the screenshots and axe scans show, from a freshly opened page. */
const STATES = {
  'up-to-date': {
    scenario: 'empty',
    async setUp(page) {
      await syncNow(page).click();
      await page.getByText(/Sync finished/).waitFor();
      await page.locator('#headline-text', { hasText: 'Up to date · last file applied 2 min ago' }).waitFor();
    },
  },
  syncing: { scenario: 'empty', setUp: startSending },
  attention: {
    scenario: 'attention',
    async setUp(page) {
      await page.locator('[data-item="failed"]').waitFor();
      await emitUntil(page, { type: 'incidentOpened', incident: AUTH }, hasItem('incident-31'));
    },
  },
  paused: {
    scenario: 'empty',
    async setUp(page) {
      await page.getByRole('button', { name: 'Pause' }).click();
      await page.locator('#headline-text', { hasText: 'Paused' }).waitFor();
    },
  },
  demo: { scenario: 'demo', setUp: (page) => page.locator('.demo-banner').waitFor() },
};

describe('Status headline: one sentence for the state, the badge agrees', () => {
  it('up to date: the sentence with a relative time, a green-dot badge that says OK', async () => {
    const page = await open('empty');
    await STATES['up-to-date'].setUp(page);
    assert.equal(await badgeTone(page), 'ok');
    assert.match(await page.locator('header.top .badge').innerText(), /OK/);
    assert.equal(await page.getByTestId('connection').innerText(), 'Connected to athoc.example.org · POLICE as bobosync-api');
    // The one "Syncing" fact beside the health state is gone.
    assert.equal(await page.getByText('▶ Running').count(), 0);
    // Recent activity: newest first, who was booked on and off, relative times.
    await page.locator('.activity li', { hasText: 'Booked on: jsmith' }).waitFor();
    const lines = await page.locator('.activity li').allInnerTexts();
    assert.match(lines[0], /just now[^]*Booked on: jsmith · booked off: bwayne/);
    assert.match(lines[1], /just now[^]*Synced bobo_0303\.csv: 1 booked on, 1 booked off/);
    assert.match(lines.at(-1), /Syncing bobo_0303\.csv/);
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  it('the recent activity is still there when the window is opened again', async () => {
    const page = await open('empty');
    await STATES['up-to-date'].setUp(page);
    await page.locator('.activity li', { hasText: 'Booked on: jsmith' }).waitFor();
    await page.goto(`${srv.base}/test.html?scenario=empty&keepActivity`);
    await page.locator('.headline').waitFor();
    await page.locator('.activity li', { hasText: 'Booked on: jsmith · booked off: bwayne' }).waitFor();
    assert.equal(await page.locator('.activity li').count(), 3);
    await page.close();
  });

  it('syncing: "Sending 1,200 of 4,900 updates" with a progress bar; Sync now disabled until it finishes', async () => {
    const page = await open('empty');
    assert.equal(await syncNow(page).isDisabled(), false);
    await startSending(page);
    assert.equal(await headlineText(page), '⟳ Sending 1,200 of 4,900 updates');
    const bar = page.getByRole('progressbar', { name: 'Updates sent' });
    assert.equal(await bar.getAttribute('max'), '4900');
    assert.equal(await bar.getAttribute('value'), '1200');
    assert.equal(await syncNow(page).isDisabled(), true, 'Sync now is disabled while a sync runs');
    assert.equal(await page.getByRole('button', { name: 'Pause' }).isDisabled(), false, 'Pause stays');
    await emitUntil(page, { type: 'sending', answered: 4900, total: 4900 }, () => document.querySelector('progress')?.getAttribute('value') === '4900');
    // The batch finishes, health leaves syncing: the bar goes, Sync now comes back.
    const status = await setStatus(page, { health: 'ok', reason: 'All files applied' });
    await page.evaluate((st) => window.__emit({ type: 'healthChanged', status: st }), status);
    await page.getByRole('progressbar').waitFor({ state: 'detached' });
    assert.equal(await syncNow(page).isDisabled(), false);
    assert.equal(await badgeTone(page), 'ok');
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  it('Sync now in flight: disabled, "Syncing…" with a bar, then the result above the fold', async () => {
    const page = await open();
    await page.locator('.headline').waitFor();
    await page.evaluate(() => (window.__mock.syncDelayMs = 1500));
    await syncNow(page).click();
    assert.equal(await syncNow(page).isDisabled(), true);
    await page.getByRole('progressbar', { name: 'Sync running' }).waitFor();
    const result = page.getByText(/Sync finished: 1 file/);
    await result.waitFor();
    assert.equal(await syncNow(page).isDisabled(), false);
    const box = await result.boundingBox();
    assert.ok(box.y + box.height <= 600, `the Sync now result ends at ${box.y + box.height} px, below 600`);
    await page.close();
  });

  it('needs attention: the badge is not OK while an approval waits; Review approval goes to it', async () => {
    const page = await open();
    await page.locator('[data-item="approval-7"]').waitFor();
    assert.match(await headlineText(page), /Needs attention — 2 things wait for you/);
    assert.notEqual(await badgeTone(page), 'ok');
    assert.match(await page.locator('header.top .badge').innerText(), /Needs attention/);
    await page.getByRole('button', { name: 'Review approval' }).click();
    await page.waitForFunction(() => document.activeElement?.id === 'appr-7');
    const box = await page.locator('#appr-7').boundingBox();
    assert.ok(box.y >= 0 && box.y < 600, 'the approval is scrolled into view');
    await page.close();
  });

  it('needs attention: Open Settings for refused credentials, Retry failed files retries them all', async () => {
    const page = await open('attention');
    await STATES.attention.setUp(page);
    assert.equal(await badgeTone(page), 'error');
    const items = page.locator('.waiting li');
    assert.deepEqual(await items.allInnerTexts(), [
      '✖ 2 files not applied (in the failed folder)\nRetry failed files',
      '✖ AtHoc refused the credentials (invalid_grant)\nOpen Settings',
    ]);
    // On the Status page the incident is said once: in the headline, not in a banner too.
    assert.equal(await page.locator('main .notice', { hasText: 'invalid_grant' }).count(), 0);
    await page.getByRole('button', { name: 'Open Settings' }).click();
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    await page.locator('nav button[data-page="status"]').click();
    await page.getByRole('button', { name: 'Retry failed files' }).click();
    await page.getByText('Back in the drop folder, to be applied in the next sync: bobo_0228.csv, bobo_0229.csv.').waitFor();
    await page.locator('[data-item="failed"]').waitFor({ state: 'detached' });
    const state = await mock(page);
    assert.deepEqual(state.retried, ['bobo_0228.csv', 'bobo_0229.csv']);
    assert.ok(state.calls.some((c) => c.cmd === 'retry_failed_files' && c.args.names === null));
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  it('needs attention: Open failed folder, and Review for other incidents', async () => {
    const page = await open('empty');
    await page.locator('.headline').waitFor();
    const filesFailed = { id: 40, kind: 'files_failed', severity: 'error', summary: '1 file moved to the failed folder', since: '2025-03-04T13:59:00Z' };
    await emitUntil(page, { type: 'incidentOpened', incident: filesFailed }, hasItem('incident-40'));
    await page.getByRole('button', { name: 'Open failed folder' }).click();
    await page.waitForFunction(() => window.__mock.opened.includes('failed'));
    const check = { id: 41, kind: 'check_failing', severity: 'warning', summary: 'The duty field check fails', since: '2025-03-04T13:59:00Z' };
    await page.evaluate((e) => window.__emit(e), { type: 'incidentOpened', incident: check });
    await page.locator('[data-item="incident-41"]').getByRole('button', { name: 'Review' }).click();
    await page.getByRole('heading', { name: 'Field-mapping checks', level: 1 }).waitFor();
    await page.close();
  });

  it('paused: says nothing is applied until resumed; Resume brings it back', async () => {
    const page = await open('empty');
    await STATES.paused.setUp(page);
    assert.equal(await headlineText(page), '❚❚ Paused — nothing is applied until you resume');
    assert.equal(await badgeTone(page), 'paused');
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.locator('#headline-text', { hasText: 'Up to date' }).waitFor();
    await page.close();
  });

  it('demo: a banner on every page; "Set up for real" leaves the demo for the wizard; the connection line says simulator', async () => {
    const page = await open('demo');
    await page.locator('.headline').waitFor();
    const banner = page.getByRole('region', { name: 'Demo mode' });
    assert.match(await banner.innerText(), /Demo — the built-in simulator with sample data; nothing reaches a real AtHoc/);
    assert.match(await page.getByTestId('connection').innerText(), /built-in simulator/);
    await go(page, 'history');
    await banner.waitFor();
    await banner.getByRole('button', { name: 'Set up for real' }).click();
    await page.getByRole('heading', { name: /Step 1 of 7/ }).waitFor();
    assert.equal(await page.locator('.demo-banner').count(), 0, 'the banner stays after leaving the demo');
    const calls = (await mock(page)).calls.map((c) => c.cmd);
    assert.ok(calls.includes('stop_demo'), `the backend was not asked to leave the demo: ${calls}`);
    assert.equal((await mock(page)).mode, 'setup');
    const live = await open('configured');
    await live.locator('.headline').waitFor();
    assert.equal(await live.locator('.demo-banner').count(), 0, 'no banner when live');
    await live.close();
    await page.close();
  });
});

describe('Status above the fold and in a narrow window', () => {
  for (const scenario of ['configured', 'demo', 'attention']) {
    it(`at 800×600 (${scenario}): headline, connection, waiting items and actions within the first 600 px`, async () => {
      const page = await open(scenario);
      await page.locator('.waiting li').first().waitFor();
      const bottoms = await page.evaluate(() =>
        ['.headline', '[data-testid="connection"]', '.waiting li:last-child button', '.status-page > .actions'].map((sel) => {
          const r = document.querySelector(sel)?.getBoundingClientRect();
          return [sel, r ? r.bottom : Infinity];
        }),
      );
      for (const [sel, bottom] of bottoms) assert.ok(bottom <= 600, `${sel} ends at ${bottom} px`);
      await page.close();
    });
  }

  it('at 400×700: the badge stays visible, the nav fits (wraps), nothing scrolls sideways', async () => {
    const page = await open('configured', { width: 400, height: 700 });
    await page.locator('.headline').waitFor();
    const r = await page.evaluate(() => {
      const rect = (el) => el.getBoundingClientRect().toJSON();
      return {
        badge: rect(document.querySelector('header.top .badge')),
        nav: [...document.querySelectorAll('nav button')].map(rect),
        doc: document.scrollingElement.scrollWidth,
      };
    });
    assert.ok(r.badge.right <= 400 && r.badge.top >= 0 && r.badge.bottom <= 700, `badge at ${JSON.stringify(r.badge)}`);
    for (const b of r.nav) assert.ok(b.left >= 0 && b.right <= 400, `a nav button is cut: ${JSON.stringify(b)}`);
    assert.ok(r.doc <= 400, `document ${r.doc} px wide`);
    assert.deepEqual(await overflow(page, 'main, header.top, .demo-banner'), []);
    // The actions are still on the first screen.
    const actions = await page.locator('.status-page > .actions').boundingBox();
    assert.ok(actions.y + actions.height <= 700, `actions end at ${actions.y + actions.height}`);
    await shot(page, 'status-attention-400x700-light');
    await page.close();
  });

  for (const scheme of ['light', 'dark']) {
    for (const [state, { scenario, setUp }] of Object.entries(STATES)) {
      it(`status-${state}-800x600-${scheme}: screenshot, axe-core, no sideways scroll`, async () => {
        const page = await open(scenario, { scheme });
        await page.locator('.headline').waitFor();
        await setUp(page);
        await page.screenshot({ path: join(shots, `status-${state}-800x600-${scheme}.png`) });
        await axe(page, `status ${state} (${scheme})`);
        assert.deepEqual(await overflow(page, 'main'), []);
        assert.deepEqual(page.errors, []);
        await page.close();
      });
    }
  }
});
