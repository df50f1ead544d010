import { describe, expect, it } from 'vitest';
import { changedKeys, changedPreferences, changesText, pendingUnsaved, registerUnsaved } from '../src/unsaved';
import { ADVANCED_KEYS, FIELDS, FORM_KEYS } from '../src/settingsSchema';

describe('unsaved settings', () => {
  const saved = { 'athoc.server_url': 'https://a.test', 'athoc.timeout_seconds': '30' };
  it('nothing changed: a blank value equals a missing one (both mean the default)', () => {
    expect(changedKeys(saved, { ...saved, 'logging.level': '' }, FORM_KEYS)).toEqual([]);
  });
  it('lists each changed setting once, in the order of the form', () => {
    const draft = { ...saved, 'runtime.active_hours': '06:00-22:00', 'athoc.timeout_seconds': '', 'athoc.org_code': 'X' };
    expect(changedKeys(saved, draft, FORM_KEYS)).toEqual(['athoc.org_code', 'athoc.timeout_seconds', 'runtime.active_hours']);
  });
  it('an edit typed back to the saved value is no change', () => {
    expect(changedKeys(saved, { ...saved, 'athoc.server_url': 'https://a.test' }, FORM_KEYS)).toEqual([]);
  });
  it('counts the app preferences that differ, none before they are loaded', () => {
    const p = { startAtLogin: false, closeToTray: true };
    expect(changedPreferences(p, { ...p })).toEqual([]);
    expect(changedPreferences(p, { startAtLogin: true, closeToTray: false })).toEqual(['startAtLogin', 'closeToTray']);
    expect(changedPreferences(null, p)).toEqual([]);
  });
  it('says how many settings changed', () => {
    expect(changesText(0)).toBe('No unsaved changes');
    expect(changesText(1)).toBe('1 setting changed');
    expect(changesText(3)).toBe('3 settings changed');
  });
  it('the app sees a guard only while it has unsaved edits, and only until it is unregistered', async () => {
    let count = 0;
    const guard = { count: () => count, save: async () => true, discard: () => void (count = 0) };
    const off = registerUnsaved(guard);
    expect(pendingUnsaved()).toBeNull();
    count = 2;
    expect(pendingUnsaved()).toBe(guard);
    pendingUnsaved()!.discard();
    expect(pendingUnsaved()).toBeNull();
    count = 1;
    off();
    expect(pendingUnsaved()).toBeNull();
  });
  it('an old page unregistering does not remove the new one', () => {
    const a = { count: () => 1, save: async () => true, discard: () => undefined };
    const b = { count: () => 1, save: async () => true, discard: () => undefined };
    const offA = registerUnsaved(a);
    const offB = registerUnsaved(b);
    offA();
    expect(pendingUnsaved()).toBe(b);
    offB();
  });
});

describe('advanced settings', () => {
  it('are settings of the form, and every section keeps its essentials unfolded', () => {
    for (const k of ADVANCED_KEYS) expect(FIELDS.has(k)).toBe(true);
    for (const k of ['athoc.server_url', 'athoc.org_code', 'athoc.client_id', 'athoc.username', 'paths.drop_dir', 'fields.duty_attribute'] as const) {
      expect(FIELDS.get(k)!.advanced).toBe(false);
    }
    for (const k of ['athoc.https_proxy', 'athoc.timeout_seconds', 'cleanup.guard_min', 'logging.level', 'runtime.active_hours'] as const) {
      expect(FIELDS.get(k)!.advanced).toBe(true);
    }
  });
});
