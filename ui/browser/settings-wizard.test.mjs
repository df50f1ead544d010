// Browser tests of the Settings page (sections, save bar, unsaved-changes
// guard, error summary) and the wizard's steps, with the fake backend.
// Screenshots at 800×600 and 400×700 go to test-results/.
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
  await page.goto(`${srv.base}/test.html?scenario=${scenario}`);
  page.errors = errors;
  return page;
}
async function openSettings(scenario = 'configured') {
  const page = await open(scenario);
  await page.getByRole('navigation', { name: 'Pages' }).getByRole('button', { name: 'Settings' }).click();
  await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
  await page.getByLabel('Organization code').waitFor();
  await page.getByLabel(/Start BoboSync at login/).waitFor();
  return page;
}
const mock = (page) => page.evaluate(() => JSON.parse(JSON.stringify(window.__mock)));
const focusedId = (page) => page.evaluate(() => document.activeElement?.id ?? null);
const classOf = async (locator) => (await locator.getAttribute('class')) ?? '';

describe('settings page', () => {
  it('section nav: moves to a section, focuses its heading, marks it current', async () => {
    const page = await openSettings();
    const nav = page.getByRole('navigation', { name: 'Settings sections' });
    assert.equal(await nav.getByRole('link').count(), 9, 'eight engine sections and This app');
    assert.equal(await nav.getByRole('link', { name: 'AtHoc server' }).getAttribute('aria-current'), 'location');
    await nav.getByRole('link', { name: 'Folders' }).click();
    assert.equal(await focusedId(page), 'section-paths-title', 'focus on the section heading');
    assert.equal(await nav.getByRole('link', { name: 'Folders' }).getAttribute('aria-current'), 'location');
    assert.equal(await nav.getByRole('link', { name: 'AtHoc server' }).getAttribute('aria-current'), null);
    assert.ok(await page.getByRole('heading', { name: 'Folders', level: 2 }).isVisible());
    // The label is the operator's words; the .env name is beside it, not in the name.
    assert.equal(await page.getByLabel('Drop folder (BOBO exports arrive here)', { exact: true }).count(), 1);
    assert.equal(await page.getByLabel(/DROP/).count(), 0, 'no .env name in any accessible name');
    // Advanced settings are folded, but present in the form.
    assert.equal(await page.getByLabel(/Request timeout/).isVisible(), false);
    assert.equal(await page.locator('form.settings input[name], form.settings select[name]').count(), 43);
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  it('the save bar counts the changes (settings and This app alike) and one Save saves both', async () => {
    const page = await openSettings();
    const bar = page.getByRole('group', { name: 'Save or discard changes' });
    const save = bar.getByRole('button', { name: 'Save settings' });
    await bar.getByText('No unsaved changes').waitFor();
    assert.equal(await save.isDisabled(), true);
    assert.ok(!(await classOf(save)).includes('primary'), 'a disabled Save is not primary');

    await page.getByLabel('Organization code').fill('TRAFFIC');
    await bar.getByText('1 setting changed').waitFor();
    await page.getByLabel(/Start BoboSync at login/).check();
    await bar.getByText('2 settings changed').waitFor();
    assert.ok((await classOf(save)).includes('primary'));
    // The bar stays at the bottom of the viewport while the page scrolls.
    await page.evaluate(() => window.scrollTo(0, 0));
    const box = await bar.boundingBox();
    const vp = page.viewportSize();
    assert.ok(Math.abs(box.y + box.height - vp.height) <= 2, `bar at the bottom (${box.y + box.height} vs ${vp.height})`);
    assert.equal((await mock(page)).preferences.startAtLogin, false, 'This app options wait for Save too');

    await save.click();
    await bar.getByText('No unsaved changes').waitFor();
    const state = await mock(page);
    assert.equal(state.values['athoc.org_code'], 'TRAFFIC');
    assert.equal(state.preferences.startAtLogin, true);

    // Discard puts the saved values back.
    await page.getByLabel('Organization code').fill('OTHER');
    await bar.getByText('1 setting changed').waitFor();
    await bar.getByRole('button', { name: 'Discard changes' }).click();
    assert.equal(await page.getByLabel('Organization code').inputValue(), 'TRAFFIC');
    await bar.getByText('No unsaved changes').waitFor();
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  it('closing the window with unsaved edits asks first: the backend holds the close back until the window answers', async () => {
    const page = await openSettings();
    await page.getByLabel('Organization code').fill('EDITED');
    await page.getByText('1 setting changed').waitFor();
    await page.waitForFunction(() => window.__mock.unsavedEdits === true);
    // The close button, held back by the backend (window::close_requested).
    await page.evaluate(() => window.__closeBlocked());
    const dialog = page.getByRole('dialog', { name: 'Unsaved settings' });
    await dialog.getByText(/1 setting changed and not saved\. Save before closing the window/).waitFor();
    await dialog.getByRole('button', { name: 'Stay' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal((await mock(page)).windowClosed, false, 'Stay keeps the window');
    assert.equal(await page.getByLabel('Organization code').inputValue(), 'EDITED');

    await page.evaluate(() => window.__closeBlocked());
    await dialog.getByRole('button', { name: 'Discard' }).click();
    await page.waitForFunction(() => window.__mock.windowClosed === true);
    const state = await mock(page);
    assert.equal(state.values['athoc.org_code'], 'POLICE', 'nothing saved');
    assert.equal(state.unsavedEdits, false);
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  it('saving or discarding tells the backend nothing is unsaved any more', async () => {
    const page = await openSettings();
    await page.getByLabel('Organization code').fill('EDITED');
    await page.waitForFunction(() => window.__mock.unsavedEdits === true);
    await page.getByRole('button', { name: 'Discard changes' }).click();
    await page.waitForFunction(() => window.__mock.unsavedEdits === false);
    await page.close();
  });

  it('leaving with unsaved edits asks: Stay keeps them, Discard drops them, Save saves them', async () => {
    const page = await openSettings();
    const pages = page.getByRole('navigation', { name: 'Pages' });
    await page.getByLabel('Organization code').fill('EDITED');
    await page.getByText('1 setting changed').waitFor();

    await pages.getByRole('button', { name: 'History' }).click();
    const dialog = page.getByRole('dialog', { name: 'Unsaved settings' });
    await dialog.getByText(/1 setting changed and not saved/).waitFor();
    await page.screenshot({ path: join(shots, 'settings-guard.png') });
    await dialog.getByRole('button', { name: 'Stay' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    assert.equal(await page.getByLabel('Organization code').inputValue(), 'EDITED', 'Stay keeps the edit');

    // Escape answers Stay as well.
    await pages.getByRole('button', { name: 'Status' }).click();
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await page.getByLabel('Organization code').inputValue(), 'EDITED');

    await pages.getByRole('button', { name: 'History' }).click();
    await dialog.getByRole('button', { name: 'Discard' }).click();
    await page.getByRole('heading', { name: 'History', level: 1 }).waitFor();
    assert.equal((await mock(page)).values['athoc.org_code'], 'POLICE', 'nothing saved');
    await pages.getByRole('button', { name: 'Settings' }).click();
    assert.equal(await page.getByLabel('Organization code').inputValue(), 'POLICE', 'Discard dropped the edit');

    // Save saves, then goes.
    await page.getByLabel('Organization code').fill('SAVED');
    await pages.getByRole('button', { name: 'Field-mapping checks' }).click();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: 'Field-mapping checks', level: 1 }).waitFor();
    assert.equal((await mock(page)).values['athoc.org_code'], 'SAVED');

    // A save that fails stays on Settings and shows why.
    await pages.getByRole('button', { name: 'Settings' }).click();
    await page.getByLabel(/Server address/).fill('http://bad.example.test');
    await pages.getByRole('button', { name: 'Status' }).click();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('error-summary').waitFor();
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  it('a failed save shows one summary; each problem links to its field, folded ones too', async () => {
    const page = await openSettings();
    await page.getByLabel(/Server address/).fill('http://bad.example.test');
    await page.locator('#section-athoc summary').click();
    await page.getByLabel(/Request timeout/).fill('0');
    await page.locator('#section-athoc summary').click(); // folded again
    await page.getByRole('button', { name: 'Save settings' }).click();
    const summary = page.getByTestId('error-summary');
    await summary.getByText('Not saved: 2 problems to fix').waitFor();
    assert.equal(await focusedOnce(page, 'data-testid', 'error-summary'), 'error-summary');
    assert.equal(await page.locator('.notice-error').count(), 0, 'no stacked banners');
    await page.screenshot({ path: join(shots, 'settings-error-summary.png') });
    await page.locator('#section-athoc summary').click(); // the operator folds it again
    await summary.getByRole('link', { name: 'Request timeout (seconds)' }).click();
    assert.equal(await focusedId(page), 'f-athoc-timeout_seconds');
    assert.ok(await page.getByLabel(/Request timeout/).isVisible(), 'its fold opened');
    await summary.getByRole('link', { name: 'Server address' }).click();
    assert.equal(await focusedId(page), 'f-athoc-server_url');
    // Fixed and saved: the summary goes.
    await page.getByLabel(/Server address/).fill('https://athoc.example.test');
    await page.getByLabel(/Request timeout/).fill('45');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Settings saved and applied.').waitFor();
    assert.equal((await mock(page)).values['athoc.timeout_seconds'], '45');
    assert.equal(await summary.count(), 0);
    await page.close();
  });

  for (const [w, h] of [[800, 600], [400, 700]]) {
    it(`screenshot at ${w}×${h}`, async () => {
      const page = await openSettings();
      await page.setViewportSize({ width: w, height: h });
      await page.getByLabel('Organization code').fill('TRAFFIC');
      await page.getByText('1 setting changed').waitFor();
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: join(shots, `settings-${w}x${h}.png`) });
      const bar = await page.getByRole('group', { name: 'Save or discard changes' }).boundingBox();
      assert.ok(bar.y + bar.height <= h + 1 && bar.y < h, 'the save bar is on screen');
      await page.close();
    });
  }
  it('started with --env-file: the settings are shown, not editable, and the notice says where they come from', async () => {
    const page = await openSettings('envfile');
    const notice = page.getByTestId('env-file-notice');
    await notice.waitFor();
    assert.match(await notice.innerText(), /\/srv\/bobosync\/\.env/);
    assert.match(await notice.innerText(), /edit that file and restart BoboSync/);
    // Every engine setting is disabled; the app's own options are not.
    const fields = page.locator('fieldset.settings-fields input[name], fieldset.settings-fields select[name]');
    assert.equal(await fields.count(), 43);
    for (const field of await fields.all()) assert.equal(await field.isDisabled(), true, await field.getAttribute('name'));
    assert.equal(await page.getByLabel(/Start BoboSync at login/).isDisabled(), false);
    assert.equal(await page.getByRole('button', { name: 'Test connection' }).isDisabled(), true);
    // No keyring indicator that would say "not stored": the secrets are the file's.
    assert.equal(await page.getByTestId('stored-password').count(), 0);
    assert.match(await page.getByTestId('secrets-from-env-file').innerText(), /\/srv\/bobosync\/\.env/);
    // The app's options still save, without touching the settings.
    await page.getByLabel(/Start BoboSync at login/).check();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Settings saved and applied.').waitFor();
    const m = await mock(page);
    assert.equal(m.preferences.startAtLogin, true);
    assert.equal(m.calls.filter((c) => c.cmd === 'save_settings').length, 0, 'save_settings was not called');
    await page.screenshot({ path: join(shots, 'settings-env-file.png') });
    assert.deepEqual(page.errors, []);
    await page.close();
  });
});

describe('wizard steps', () => {
  it('ticks only finished steps, lets the operator go back, emphasizes the next real action', async () => {
    const page = await open('fresh');
    await page.setViewportSize({ width: 800, height: 600 });
    const steps = page.getByRole('list', { name: 'Steps' });
    await page.getByRole('heading', { name: /Step 1 of 7/ }).waitFor();
    assert.equal(await steps.getByRole('button').count(), 0, 'no step can be clicked on the first step');
    await page.screenshot({ path: join(shots, 'wizard-800x600.png') });

    await page.getByLabel(/Server address/).fill('https://athoc.example.test');
    await page.getByLabel(/Organization code/).fill('POLICE');
    await page.getByRole('button', { name: 'Next', exact: true }).click();
    await page.getByRole('heading', { name: /Step 2 of 7: Credentials/ }).waitFor();
    await steps.getByRole('button', { name: 'Server and organization (done)' }).waitFor();
    assert.equal(await steps.getByRole('button').count(), 1, 'future steps are not buttons');

    // Credentials entered but the secrets not stored: not ticked.
    await page.getByLabel(/API client ID/).fill('bobosync');
    await page.getByLabel(/API user name/).fill('svc-bobo');
    await page.getByLabel('API client secret').fill('secret');
    assert.ok((await classOf(page.getByRole('button', { name: 'Store credentials' }))).includes('primary'), 'storing is the next action');
    assert.ok(!(await classOf(page.getByRole('button', { name: 'Next', exact: true }))).includes('primary'));
    await page.getByLabel('API client secret').fill('');
    await page.getByRole('button', { name: 'Next', exact: true }).click();
    await page.getByRole('heading', { name: /Step 3 of 7: Test connection/ }).waitFor();
    await steps.getByRole('button', { name: 'Credentials (not finished)' }).waitFor();
    const next = page.getByRole('button', { name: 'Next', exact: true });
    const testButton = page.getByRole('button', { name: 'Test connection', exact: true });
    assert.equal(await next.isDisabled(), true);
    assert.ok(!(await classOf(next)).includes('primary'), 'a disabled Next is not primary');
    assert.ok((await classOf(testButton)).includes('primary'), 'Test connection is the next action');

    // The test fails: the way back to the credentials is offered.
    await testButton.click();
    await page.getByText('No password or client secret stored').waitFor();
    await page.screenshot({ path: join(shots, 'wizard-test-failed-800x600.png') });
    await page.getByRole('button', { name: 'Back to credentials' }).click();
    await page.getByRole('heading', { name: /Step 2 of 7: Credentials/ }).waitFor();
    await page.waitForFunction(() => document.activeElement?.tagName === 'H2');
    await page.getByLabel('API client secret').fill('s3cret');
    await page.getByLabel("API user's password").fill('pw');
    await page.getByRole('button', { name: 'Store credentials' }).click();
    await page.getByTestId('stored-password').getByText('stored in the OS keyring').waitFor();
    assert.ok((await classOf(page.getByRole('button', { name: 'Next', exact: true }))).includes('primary'));
    await page.getByRole('button', { name: 'Next', exact: true }).click();
    await page.getByRole('heading', { name: /Step 3 of 7/ }).waitFor();
    await steps.getByRole('button', { name: 'Credentials (done)' }).waitFor();
    await testButton.click();
    await page.getByText('Connected to AtHoc.').waitFor();
    assert.ok((await classOf(next)).includes('primary'));
    assert.ok(!(await classOf(testButton)).includes('primary'));
    await next.click();
    await page.getByRole('heading', { name: /Step 4 of 7: Folders/ }).waitFor();
    await steps.getByRole('button', { name: 'Test connection (done)' }).waitFor();
    await page.setViewportSize({ width: 400, height: 700 });
    await page.screenshot({ path: join(shots, 'wizard-400x700.png') });

    // A finished step can be gone back to by clicking it.
    await steps.getByRole('button', { name: 'Server and organization (done)' }).click();
    await page.getByRole('heading', { name: /Step 1 of 7/ }).waitFor();
    assert.equal(await page.getByLabel(/Server address/).inputValue(), 'https://athoc.example.test');
    assert.deepEqual(page.errors, []);
    await page.close();
  });
});
