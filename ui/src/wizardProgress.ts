/**
 * Which first-run wizard steps are really done (ticked), which may be
 * clicked (the ones before the current step: going back), and which action
 * of the current step is the primary one. Pure; the wizard's step order and
 * reducer are in ./state.
 */
import type { SecretsStatus, SettingsValues } from './api';
import { WIZARD_STEPS, type WizardState, type WizardStep } from './state';

export interface WizardFacts {
  state: WizardState;
  values: SettingsValues;
  secrets: SecretsStatus;
  /** Keys the engine currently reports a problem for. */
  errorKeys: readonly string[];
}

const filled = (values: SettingsValues, keys: readonly string[]) =>
  keys.every((k) => (values[k as keyof SettingsValues] ?? '').trim() !== '');

const index = (step: WizardStep) => WIZARD_STEPS.findIndex((s) => s.id === step);

/** True when `step` is finished, not merely passed: its settings are filled
 * and free of problems, the secrets are both stored, the test passed, the
 * settings were saved for the preview. Never true for the current step or
 * one ahead of it. */
export function stepDone(step: WizardStep, f: WizardFacts): boolean {
  const i = index(step);
  if (i < 0 || i >= index(f.state.step)) return false;
  const keys = WIZARD_STEPS[i]!.keys;
  const clean = !keys.some((k) => f.errorKeys.includes(k));
  switch (step) {
    case 'server':
      return filled(f.values, keys) && clean;
    case 'credentials':
      return filled(f.values, keys) && clean && f.secrets.passwordStored && f.secrets.clientSecretStored;
    case 'test':
      return f.state.connectionOk;
    case 'preview':
      return f.state.saved;
    default:
      return clean;
  }
}

/** Steps before the current one can be gone back to; later ones cannot. */
export function stepClickable(step: WizardStep, current: WizardStep): boolean {
  return index(step) < index(current);
}

/** The action to emphasize on the current step: the one that moves the
 * operator forward now (never a disabled one: the caller checks). */
export function primaryAction(f: Pick<WizardFacts, 'state' | 'secrets'>): 'store' | 'test' | 'next' {
  if (f.state.step === 'credentials' && !(f.secrets.passwordStored && f.secrets.clientSecretStored)) return 'store';
  if (f.state.step === 'test' && !f.state.connectionOk) return 'test';
  return 'next';
}
