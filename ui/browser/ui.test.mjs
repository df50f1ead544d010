// Browser tests: the built test page (real UI + fake backend) in Debian's
// chromium, driven by playwright-core. Screenshots go to test-results/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { focusedOnce, launch, serve, shots } from './harness.mjs';

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

async function open(scenario = 'configured') {
  const page = await browser.context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // The mock's history is from 2025-03-04 around 14:00 UTC: "now" is just after.
  await page.clock.setFixedTime(new Date('2025-03-04T14:02:00Z'));
  await page.goto(`${srv.base}/test.html?scenario=${scenario}`);
  page.errors = errors;
  return page;
}
const shot = (page, name) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
const mock = (page) => page.evaluate(() => JSON.parse(JSON.stringify(window.__mock)));

describe('first-run wizard', () => {
  it('walks server → credentials → test → folders → fields → preview → live', async () => {
    const page = await open('fresh');
    await page.getByRole('heading', { name: /Step 1 of 7/ }).waitFor();
    await shot(page, 'wizard-1-server');

    // The engine's message appears inline and blocks the step.
    await page.getByLabel(/Server address/).fill('http://athoc.example.test');
    await page.getByLabel(/Organization code/).fill('POLICE');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('is not an https:// URL; expected https://host').waitFor();
    assert.equal(await page.getByLabel(/Server address/).getAttribute('aria-invalid'), 'true');
    await shot(page, 'wizard-1-server-invalid');
    await page.getByLabel(/Server address/).fill('https://athoc.example.test');
    await page.getByRole('button', { name: 'Next' }).click();

    await page.getByRole('heading', { name: /Step 2 of 7: Credentials/ }).waitFor();
    await page.getByLabel(/API client ID/).fill('bobosync');
    await page.getByLabel(/API user name/).fill('svc-bobo');
    await page.getByLabel('API client secret').fill('s3cret-client-VALUE');
    await page.getByLabel("API user's password").fill('Pa$$word-VALUE');
    await page.getByRole('button', { name: 'Store credentials' }).click();
    await page.getByTestId('stored-password').getByText('stored in the OS keyring').waitFor();
    assert.equal(await page.getByLabel("API user's password").inputValue(), '', 'password field cleared after storing');
    const html = await page.content();
    assert.ok(!html.includes('Pa$$word-VALUE') && !html.includes('s3cret-client-VALUE'), 'no secret rendered back');
    await shot(page, 'wizard-2-credentials');
    await page.getByRole('button', { name: 'Next' }).click();

    await page.getByRole('heading', { name: /Step 3 of 7: Test connection/ }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Next' }).isDisabled(), true, 'cannot skip the test');
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText('Connected to AtHoc.').waitFor();
    await shot(page, 'wizard-3-test');
    await page.getByRole('button', { name: 'Next' }).click();

    await page.getByRole('heading', { name: /Step 4 of 7: Folders/ }).waitFor();
    await page.getByRole('button', { name: /Choose: Drop folder/ }).click();
    assert.equal(await page.getByRole('textbox', { name: /Drop folder/ }).inputValue(), '/srv/bobo/drop');
    await page.getByRole('button', { name: 'Next' }).click();

    await page.getByRole('heading', { name: /Step 5 of 7: Field names/ }).waitFor();
    await page.getByRole('button', { name: 'Next' }).click();

    await page.getByRole('heading', { name: /Step 6 of 7: Dry-run preview/ }).waitFor();
    await page.getByRole('table').getByText('set jsmith').waitFor();
    await page.getByText('unknown duty code "XYZ"').waitFor();
    await shot(page, 'wizard-6-preview');
    let state = await mock(page);
    assert.equal(state.configured, true, 'settings saved before the preview');
    assert.equal(state.values['paths.drop_dir'], '/srv/bobo/drop');
    assert.equal(state.status.paused, true, 'still paused before going live');

    await page.getByRole('button', { name: 'Go live' }).click();
    await page.getByText('BoboSync is live').waitFor();
    state = await mock(page);
    assert.equal(state.status.paused, false);
    await page.getByRole('button', { name: 'Open the Status page' }).click();
    await page.getByRole('heading', { name: 'Status', level: 1 }).waitFor();
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  it('"Try with the built-in simulator" opens the app in demo mode', async () => {
    const page = await open('fresh');
    await page.getByRole('button', { name: 'Try with the built-in simulator' }).click();
    await page.getByText('the built-in simulator with sample data; nothing reaches a real AtHoc').waitFor();
    await page.close();
  });
});

describe('main window', () => {
  it('Sync now runs a batch and reports it', async () => {
    const page = await open();
    await page.getByRole('button', { name: 'Sync now' }).click();
    await page.getByText(/Sync finished: 1 file, 1 person booked on, 1 booked off, nothing failed/).waitFor();
    await page.getByText(/Synced bobo_0303\.csv: 1 booked on, 1 booked off/).waitFor();
    assert.equal(await page.getByTestId('pending-files').textContent(), '0');
    await shot(page, 'status');
    await page.close();
  });

  it('Approve asks first, then removes the approval and says so', async () => {
    const page = await open();
    await page.getByText('Clear the duty value of user00042').waitFor();
    await page.getByRole('button', { name: 'Approve…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Approve 12 changes' }).click();
    await page.getByText('Nothing waits for approval.').waitFor();
    await page.getByText(/Approved: Mass clear of duty values \(12 changes\)/).waitFor();
    const state = await mock(page);
    assert.ok(state.calls.some((c) => c.cmd === 'approve_change' && c.args.id === 7));
    await page.close();
  });

  it('a failed file says why and offers Retry and Dismiss (which asks first)', async () => {
    const page = await open();
    const section = page.getByRole('region', { name: /Files not applied \(1\)/ });
    await section.waitFor();
    await section.getByText(/HTTP 400 Bad Request/).waitFor();
    await shot(page, 'status-failed-file');

    await section.getByRole('button', { name: 'Dismiss…' }).click();
    await section.getByText(/Its events will never be applied/).waitFor();
    await section.getByRole('button', { name: 'Keep it' }).click();
    assert.ok(!(await mock(page)).calls.some((c) => c.cmd === 'dismiss_failed_files'), 'dismissed without asking');

    await section.getByRole('button', { name: 'Retry' }).click();
    await section.waitFor({ state: 'detached' });
    const state = await mock(page);
    assert.deepEqual(state.retried, ['bobo_0228.csv']);
    assert.deepEqual(state.failedFiles, []);
    await page.close();
  });

  it('finds a record in History by employee ID, drills into its batch, exports CSV', async () => {
    const page = await open();
    // The page menu's: while recent activity is still empty, Status links to History too.
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('button', { name: 'History' }).click();
    await page.getByRole('table', { name: /Recent syncs/ }).waitFor();
    // Failed cycles (a refused password) are history too, one row per run of them.
    const failed = page.getByRole('table', { name: /Syncs that could not start \(1\)/ });
    await failed.getByText(/AtHoc refused the credentials/).waitFor();
    await failed.getByRole('cell', { name: '11', exact: true }).waitFor();
    await page.getByLabel('Employee ID or login').fill('01234');
    await page.getByLabel('Employee ID or login').press('Enter');
    const table = page.getByRole('table', { name: /Timeline of 01234: 2 lines, newest first/ });
    await table.getByText('Refused by AtHoc').waitFor();
    // Newest first: the refused line of the later file comes before the applied one.
    assert.deepEqual(await table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-record'))), ['4', '1']);
    await table.getByText('Invalid value for On-Duty-DTG, "x"').waitFor();
    await shot(page, 'history-search');
    await page.getByRole('button', { name: 'Export as CSV' }).click();
    await page.getByText('Saved to /home/op/export.csv').waitFor();
    let state = await mock(page);
    assert.match(state.exports[0].contents, /^batch_id,file,line,employee_id/);
    assert.match(state.exports[0].contents, /rejected,"Invalid value for On-Duty-DTG, ""x"""/);

    await page.getByRole('button', { name: 'Show all' }).click();
    await page.getByRole('button', { name: /^Open bobo_0301\.csv/ }).click();
    await page.getByRole('table', { name: 'bobo_0301.csv (3 lines)' }).getByText('user00042').waitFor();
    await page.waitForFunction(() => document.activeElement?.id === 'batch-detail-h');
    await shot(page, 'history-batch');
    await page.getByRole('button', { name: 'Back to history' }).click();
    // Back where it was: on the row that was opened.
    await page.waitForFunction(() => document.activeElement?.closest('tr')?.getAttribute('data-batch') === '1');
    // A row opens by a click anywhere on it too.
    await page.locator('tr[data-batch="2"] td').first().click();
    await page.getByRole('table', { name: 'bobo_0302.csv (1 line)' }).waitFor();
    await page.getByRole('button', { name: 'Back to history' }).click();
    await shot(page, 'history');
    await page.close();
  });

  it('shows a failing check with what to do', async () => {
    const page = await open();
    await page.getByRole('button', { name: 'Field-mapping checks' }).click();
    const check = page.locator('[data-check=duty_field]');
    await check.getByText('Fail').waitFor();
    await check.getByText('What to do:').waitFor();
    await page.getByText('2 passed, 1 with warnings, 1 failed.').waitFor();
    await shot(page, 'checks');
    await page.close();
  });

  it('settings: every field, engine messages inline, stored indicators, never a secret', async () => {
    const page = await open();
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByTestId('stored-password').getByText('stored in the OS keyring').waitFor();
    assert.equal(await page.getByLabel("API user's password").inputValue(), '');
    assert.equal(await page.locator('form.settings input[name], form.settings select[name]').count(), 43, 'one field per setting of the engine catalog (SETTING_KEYS)');
    // The request timeout is an advanced setting: folded, one click away.
    await page.locator('#section-athoc summary').click();
    await page.getByLabel(/Request timeout/).fill('abc');
    await page.getByText('"abc" is not a whole number of seconds from 1 to 3600; expected whole seconds 1–3600').waitFor();
    await shot(page, 'settings');
    await page.getByRole('button', { name: 'Save settings' }).click();
    // One summary at the top takes focus and links to the bad field.
    const summary = page.getByTestId('error-summary');
    await summary.waitFor();
    assert.equal(await focusedOnce(page, 'data-testid', 'error-summary'), 'error-summary', 'focus goes to the error summary');
    await summary.getByRole('link', { name: /Request timeout/ }).click();
    assert.equal(await focusedOnce(page, 'name', 'athoc.timeout_seconds'), 'athoc.timeout_seconds', 'the summary link focuses the bad field');
    await page.getByLabel(/Request timeout/).fill('');

    // The credentials are kept for one server: pointing the settings at
    // another shows them as not stored (they must be entered again).
    await page.getByLabel(/Server address/).fill('https://elsewhere.example.test');
    await page.getByTestId('stored-password').getByText('not stored').waitFor();
    const state = await mock(page);
    assert.ok(state.calls.some((c) => c.cmd === 'secrets_status' && c.args.values['athoc.server_url'] === 'https://elsewhere.example.test'));
    await page.getByLabel(/Server address/).fill('https://athoc.example.test');
    await page.getByTestId('stored-password').getByText('stored in the OS keyring').waitFor();
    await page.close();
  });

  it('is usable by keyboard alone across pages, with visible focus', async () => {
    const page = await open();
    await page.getByRole('heading', { name: 'Status', level: 1 }).waitFor();
    const focused = () => page.evaluate(() => {
      const el = document.activeElement;
      return { page: el?.getAttribute('data-page'), text: el?.textContent?.trim(), outline: el ? getComputedStyle(el).outlineStyle : '' };
    });
    // From the page heading the navigation is behind (Shift+Tab); from the
    // start of the document it is ahead (Tab).
    async function tabTo(target, key) {
      for (let i = 0; i < 30; i++) {
        await page.keyboard.press(key);
        const f = await focused();
        if (f.page === target) return f;
      }
      throw new Error(`could not reach ${target} with Tab`);
    }
    let direction = 'Tab';
    for (const [target, key, heading] of [['history', 'Enter', 'History'], ['checks', ' ', 'Field-mapping checks'], ['settings', 'Enter', 'Settings'], ['status', ' ', 'Status']]) {
      const f = await tabTo(target, direction);
      direction = 'Shift+Tab';
      assert.notEqual(f.outline, 'none', `focus on ${target} is visible`);
      await page.keyboard.press(key === ' ' ? 'Space' : key);
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
      // Focus moves to the page heading (after the next frame).
      await page.waitForFunction(() => document.activeElement?.tagName === 'H1', null, { timeout: 5000 });
    }
    // Sync now by keyboard.
    for (let i = 0; i < 30; i++) {
      await page.keyboard.press('Tab');
      if ((await focused()).text === 'Sync now') break;
    }
    await page.keyboard.press('Enter');
    await page.getByText(/Sync finished/).waitFor();
    await page.close();
  });
});
