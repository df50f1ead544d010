/** Small shared pieces: state badges (icon + text, never colour alone),
 * times with their zone, settings fields with inline errors. */
import { createContext } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import { pickFile, pickFolder, toApiError, type AppInfoDto, type CheckStatus, type SettingsValues } from './api';
import { formatDateTime, formatRelative, formatShortTime } from './format';
import { TONE, type Tone } from './headline';
import type { FieldSpec } from './settingsSchema';
import { errorHint, type Page } from './state';

/** What every page needs to know about the app. */
export interface AppContext {
  info: AppInfoDto | null;
  /** The zone times are shown in (this machine's). */
  zone: string;
  now: Date;
  /** Go to a page of the main window (absent in the wizard). */
  navigate?: (page: Page) => void;
  /** Read the app info again: shows the wizard when nothing runs. */
  refreshInfo?: () => void;
}

export const Ctx = createContext<AppContext>({ info: null, zone: 'UTC', now: new Date() });
export const useApp = () => useContext(Ctx);

/** The header badge: the same state as the Status page's headline (not OK
 * while something waits for the operator). */
export function StateBadge({ tone }: { tone: Tone }) {
  const t = TONE[tone];
  return (
    <span class={`badge hl-${tone}`} data-tone={tone}>
      <span aria-hidden="true" class="icon">{t.icon}</span> {t.word}
    </span>
  );
}

const CHECK: Record<CheckStatus, { icon: string; text: string }> = {
  pass: { icon: '✔', text: 'Pass' },
  warn: { icon: '▲', text: 'Warning' },
  fail: { icon: '✖', text: 'Fail' },
};

export function CheckBadge({ status }: { status: CheckStatus }) {
  const c = CHECK[status];
  return (
    <span class={`badge check-${status}`} data-status={status}>
      <span aria-hidden="true" class="icon">{c.icon}</span> {c.text}
    </span>
  );
}

/** An instant in the display zone: relative (`2 min ago`) by default,
 * `short` (`14:31`, `yesterday 09:02`) in tables, or `full`. The full time
 * with its zone is on hover and read by screen readers. */
export function Time({ iso, full, short }: { iso: string | null; full?: boolean; short?: boolean }) {
  const { zone, now } = useApp();
  if (iso === null) return <span>never</span>;
  const whole = formatDateTime(iso, zone);
  if (full) return <time dateTime={iso}>{whole}</time>;
  const text = short ? formatShortTime(iso, zone, now) : formatRelative(iso, zone, now);
  return (
    <time dateTime={iso} title={whole}>
      <span aria-hidden="true">{text}</span>
      <span class="sr-only">
        {text} ({whole})
      </span>
    </time>
  );
}

/** A message block: `role=alert` for errors, `status` otherwise. */
export function Notice({ tone, children }: { tone: 'error' | 'warn' | 'ok' | 'info'; children: ComponentChildren }) {
  const icon = { error: '✖', warn: '▲', ok: '✔', info: 'ℹ' }[tone];
  const label = { error: 'Error:', warn: 'Warning:', ok: 'Done:', info: 'Note:' }[tone];
  return (
    <div class={`notice notice-${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      <span aria-hidden="true" class="icon">{icon}</span> <span class="sr-only">{label} </span>
      {children}
    </div>
  );
}

/** Runs an async action with a busy flag and an error message. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setErrorText] = useState<string | null>(null);
  const [kind, setKind] = useState<string | null>(null);
  const setError = (message: string | null, errorKind: string | null = null) => {
    setErrorText(message);
    setKind(message === null ? null : errorKind);
  };
  async function run<T>(f: () => Promise<T>): Promise<T | undefined> {
    setBusy(true);
    setError(null);
    try {
      return await f();
    } catch (e) {
      const err = toApiError(e);
      setError(err.message, err.kind);
      return undefined;
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, kind, setError, run };
}

/** A failed action: the backend's message, and for the kinds that have
 * one, where to fix it (decided by `kind`, never by the message). */
export function ActionError({ act }: { act: { error: string | null; kind: string | null } }) {
  const { navigate, refreshInfo } = useApp();
  if (!act.error) return null;
  const hint = errorHint(act.kind);
  const go = hint?.goTo === 'settings' ? navigate && (() => navigate('settings')) : hint?.goTo === 'wizard' ? refreshInfo : undefined;
  return (
    <Notice tone="error">
      {act.error}
      {hint && (
        <div class="error-hint" data-kind={act.kind}>
          {hint.text}{' '}
          {go && hint.button && (
            <button type="button" onClick={go}>
              {hint.button}
            </button>
          )}
        </div>
      )}
    </Notice>
  );
}

/** The id of a setting's input (error summaries link to it). */
export const fieldId = (key: string) => `f-${key.replace('.', '-')}`;

/** One settings field: label, input, default as placeholder, inline errors
 * (the engine's text), and a picker button for folders and files. The
 * `.env` name is shown small beside the label, outside it: it is not part
 * of the field's accessible name. */
export function SettingField({
  spec,
  values,
  errors,
  onChange,
  onBlur,
}: {
  spec: FieldSpec;
  values: SettingsValues;
  errors: string[] | undefined;
  onChange: (key: FieldSpec['key'], value: string) => void;
  onBlur?: () => void;
}) {
  const id = fieldId(spec.key);
  const value = values[spec.key] ?? '';
  const errId = `${id}-err`;
  const helpId = `${id}-help`;
  const describedBy = [errors?.length ? errId : '', spec.help ? helpId : ''].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    name: spec.key,
    'aria-invalid': errors?.length ? ('true' as const) : undefined,
    'aria-describedby': describedBy,
    onBlur,
  };
  let input;
  if (spec.kind === 'bool') {
    const checked = value === '' ? spec.placeholder === 'true' : value === 'true';
    input = (
      <input
        type="checkbox"
        {...common}
        checked={checked}
        onChange={(e) => onChange(spec.key, (e.currentTarget as HTMLInputElement).checked ? 'true' : 'false')}
      />
    );
  } else if (spec.kind === 'select') {
    input = (
      <select {...common} value={value} onChange={(e) => onChange(spec.key, (e.currentTarget as HTMLSelectElement).value)}>
        {(spec.options ?? []).map((o) => (
          <option value={o}>{o === '' ? `default (${spec.placeholder})` : o}</option>
        ))}
      </select>
    );
  } else {
    input = (
      <input
        type="text"
        inputMode={spec.kind === 'number' ? 'decimal' : undefined}
        spellcheck={false}
        autoComplete="off"
        {...common}
        value={value}
        placeholder={spec.placeholder}
        onInput={(e) => onChange(spec.key, (e.currentTarget as HTMLInputElement).value)}
      />
    );
  }
  async function pick() {
    const picked =
      spec.kind === 'folder'
        ? await pickFolder(spec.label, value || undefined)
        : await pickFile(spec.label);
    if (picked) onChange(spec.key, picked);
  }
  return (
    <div class={`field field-${spec.kind}${errors?.length ? ' has-error' : ''}`}>
      <div class="label-row">
        <label for={id}>{spec.label}</label>{' '}
        <span class="env-name" title="Its name in the Python tool's .env file">
          <span class="sr-only">.env name: </span>
          {spec.env}
        </span>
      </div>
      <div class="field-input">
        {input}
        {(spec.kind === 'folder' || spec.kind === 'file') && (
          <button type="button" onClick={() => void pick().catch(() => undefined)} aria-label={`Choose: ${spec.label}`}>
            Choose…
          </button>
        )}
      </div>
      {spec.help && (
        <p class="help" id={helpId}>
          {spec.help}
        </p>
      )}
      {errors?.length ? (
        <ul class="field-errors" id={errId}>
          {errors.map((m) => (
            <li>
              <span aria-hidden="true">✖ </span>
              {m}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** A modal question (native `<dialog>`: focus stays inside, Escape = the
 * `onCancel` answer, focus returns where it was when it closes). */
export function ConfirmDialog({
  title,
  children,
  actions,
  onCancel,
}: {
  title: string;
  children: ComponentChildren;
  actions: ComponentChildren;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) {
      if (typeof d.showModal === 'function') d.showModal();
      else d.setAttribute('open', '');
    }
    return () => {
      if (d?.open && typeof d.close === 'function') d.close();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      class="confirm"
      aria-labelledby="confirm-title"
      aria-describedby="confirm-body"
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}
    >
      <h2 id="confirm-title">{title}</h2>
      <div id="confirm-body">{children}</div>
      <div class="actions">{actions}</div>
    </dialog>
  );
}
