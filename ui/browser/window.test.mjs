// Browser tests of the window at tray sizes (800×600, 400×700), light and
// dark: History without horizontal scroll, stacked rows, empty states, the
// approval confirmation, and an axe-core scan of every page. Screenshots
// go to test-results/<page>-<width>x<height>-<scheme>.png.
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
  status: { nav: 'status', ready: (p) => p.getByRole('heading', { name: 'Health' }).waitFor() },
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
    await page.getByRole('heading', { name: 'Health' }).waitFor();
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
