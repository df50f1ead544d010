import { describe, expect, it } from 'vitest';
import { initialWizard, type WizardState } from '../src/state';
import { primaryAction, stepClickable, stepDone, type WizardFacts } from '../src/wizardProgress';

const both = { passwordStored: true, clientSecretStored: true };
const none = { passwordStored: false, clientSecretStored: false };
const server = { 'athoc.server_url': 'https://a.test', 'athoc.org_code': 'P' };
const creds = { ...server, 'athoc.client_id': 'c', 'athoc.username': 'u' };
const facts = (state: Partial<WizardState>, more: Partial<WizardFacts> = {}): WizardFacts => ({
  state: { ...initialWizard, ...state }, values: creds, secrets: both, errorKeys: [], ...more,
});

describe('wizard ticks', () => {
  it('never ticks the current step or one ahead', () => {
    const f = facts({ step: 'credentials' });
    expect(stepDone('credentials', f)).toBe(false);
    expect(stepDone('test', f)).toBe(false);
    expect(stepDone('server', f)).toBe(true);
  });
  it('ticks the credentials only when both secrets are stored', () => {
    expect(stepDone('credentials', facts({ step: 'test' }, { secrets: none }))).toBe(false);
    expect(stepDone('credentials', facts({ step: 'test' }, { secrets: { passwordStored: true, clientSecretStored: false } }))).toBe(false);
    expect(stepDone('credentials', facts({ step: 'test' }))).toBe(true);
  });
  it('does not tick a step whose settings are blank or have a problem', () => {
    expect(stepDone('server', facts({ step: 'test' }, { values: { 'athoc.server_url': 'https://a.test' } }))).toBe(false);
    expect(stepDone('server', facts({ step: 'test' }, { errorKeys: ['athoc.org_code'] }))).toBe(false);
  });
  it('ticks the test only when it passed, the preview only once saved', () => {
    expect(stepDone('test', facts({ step: 'folders', connectionOk: false }))).toBe(false);
    expect(stepDone('test', facts({ step: 'folders', connectionOk: true }))).toBe(true);
    expect(stepDone('preview', facts({ step: 'live', saved: true }))).toBe(true);
    expect(stepDone('preview', facts({ step: 'live', saved: false }))).toBe(false);
  });
  it('only earlier steps can be clicked', () => {
    expect(stepClickable('server', 'test')).toBe(true);
    expect(stepClickable('test', 'test')).toBe(false);
    expect(stepClickable('folders', 'test')).toBe(false);
  });
});

describe('wizard primary action', () => {
  it('is Store credentials until both are stored, then Next', () => {
    expect(primaryAction({ state: { ...initialWizard, step: 'credentials' }, secrets: none })).toBe('store');
    expect(primaryAction({ state: { ...initialWizard, step: 'credentials' }, secrets: both })).toBe('next');
  });
  it('is Test connection until it passed, then Next', () => {
    expect(primaryAction({ state: { ...initialWizard, step: 'test' }, secrets: both })).toBe('test');
    expect(primaryAction({ state: { ...initialWizard, step: 'test', connectionOk: true }, secrets: both })).toBe('next');
  });
});
