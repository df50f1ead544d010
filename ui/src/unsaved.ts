/**
 * Unsaved edits: which settings differ from what is saved, and a tiny
 * registry through which the page holding unsaved edits (Settings) lets the
 * app ask before navigating away. Pure apart from the registry; no I/O.
 */
import type { AppPreferencesDto, SettingKey, SettingsValues } from './api';

/** A blank value and a missing one mean the same: the default. */
const norm = (v: string | undefined) => v ?? '';

/** The settings whose value in `draft` differs from `saved`, in the order of
 * `keys` (the form's order). */
export function changedKeys(saved: SettingsValues, draft: SettingsValues, keys: readonly SettingKey[]): SettingKey[] {
  return keys.filter((k) => norm(saved[k]) !== norm(draft[k]));
}

/** The app preferences (start at login, close to tray) that differ. */
export function changedPreferences(saved: AppPreferencesDto | null, draft: AppPreferencesDto | null): (keyof AppPreferencesDto)[] {
  if (!saved || !draft) return [];
  return (Object.keys(saved) as (keyof AppPreferencesDto)[]).filter((k) => saved[k] !== draft[k]);
}

/** "1 setting changed", "3 settings changed". */
export function changesText(count: number): string {
  return count === 0 ? 'No unsaved changes' : `${count} setting${count === 1 ? '' : 's'} changed`;
}

/** What a page with unsaved edits offers the app before it navigates away. */
export interface UnsavedGuard {
  /** How many settings are changed and not saved (0: nothing to ask). */
  count(): number;
  /** Saves; resolves true when everything was saved (the page may be left). */
  save(): Promise<boolean>;
  /** Throws the edits away. */
  discard(): void;
}

let current: UnsavedGuard | null = null;

/** Registers the guard of the page now shown; returns the unregistration. */
export function registerUnsaved(guard: UnsavedGuard): () => void {
  current = guard;
  return () => {
    if (current === guard) current = null;
  };
}

/** The registered guard when it has unsaved edits, else null. */
export function pendingUnsaved(): UnsavedGuard | null {
  return current && current.count() > 0 ? current : null;
}
