import { describe, expect, it } from 'vitest';
import { SETTING_KEYS } from '../src/api';
import { errorText, FIELDS, placeErrors } from '../src/settingsSchema';

describe('settings form', () => {
  it("shows every setting of the engine's catalog (the generated SETTING_KEYS)", () => {
    expect([...FIELDS.keys()].sort()).toEqual([...SETTING_KEYS].sort());
  });
  it("puts the engine's messages on their fields, verbatim", () => {
    const { byKey, other } = placeErrors([
      { key: 'athoc.timeout_seconds', problem: '"abc" is not a whole number', expected: 'whole seconds 1–3600' },
      { key: 'athoc.timeout_seconds', problem: 'second problem', expected: '' },
      { key: 'settings', problem: 'the file holds a password', expected: 'no secrets in the settings file' },
    ]);
    expect(byKey.get('athoc.timeout_seconds')).toEqual(['"abc" is not a whole number; expected whole seconds 1–3600', 'second problem']);
    expect(other).toEqual(['settings: the file holds a password; expected no secrets in the settings file']);
  });
  it('errorText joins problem and expectation', () => {
    expect(errorText({ key: 'k', problem: 'p', expected: 'e' })).toBe('p; expected e');
  });
});
