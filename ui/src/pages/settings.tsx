/** Settings page: every setting with the engine's own validation messages,
 * in sections (a section nav, advanced settings folded), one Save for the
 * whole page in a bar that says what is unsaved, an error summary after a
 * failed save, write-only credentials, Test connection, Import from the
 * Python tool. Leaving with unsaved edits asks first (see ../unsaved.ts). */
import { useEffect, useRef, useState } from 'preact/hooks';
import * as api from '../api';
import type { ConfigErrorDto, ConnectionTestDto, SecretsStatus, SettingKey, SettingsValues } from '../api';
import { ActionError, CheckBadge, fieldId, Notice, SettingField, useAction } from '../components';
import { errorText, FIELDS, FORM_KEYS, placeErrors, SECTIONS } from '../settingsSchema';
import { changedKeys, changedPreferences, changesText, registerUnsaved } from '../unsaved';

/** Shows "stored" / "not stored" with a shape, never the secret. */
export function StoredIndicator({ stored, what }: { stored: boolean; what: string }) {
  return (
    <span class={`stored ${stored ? 'is-stored' : 'not-stored'}`} data-testid={`stored-${what}`}>
      <span aria-hidden="true">{stored ? '✔ ' : '○ '}</span>
      {stored ? 'stored in the OS keyring' : 'not stored'}
    </span>
  );
}

/** Password and client secret inputs. They start empty, are cleared after
 * storing, and nothing stored is ever read back. */
export function CredentialsForm({
  values,
  secrets,
  onStored,
  emphasize = false,
  note,
}: {
  values: SettingsValues;
  secrets: SecretsStatus;
  onStored: (s: SecretsStatus) => void;
  /** Styles "Store credentials" as the primary action (when it can be used). */
  emphasize?: boolean;
  /** A line on how storing relates to the rest of the page. */
  note?: string;
}) {
  const [password, setPassword] = useState('');
  const [clientSecret, setClientSecret] = useState('');
  const act = useAction();
  const [done, setDone] = useState(false);
  const missingOwner = OWNER_KEYS.some((k) => !values[k]?.trim());
  async function store(e: Event) {
    e.preventDefault();
    setDone(false);
    const req: api.StoreSecretsRequest = { values };
    if (password) req.password = password;
    if (clientSecret) req.clientSecret = clientSecret;
    const s = await act.run(() => api.storeSecrets(req));
    if (s) {
      setPassword('');
      setClientSecret('');
      setDone(true);
      onStored(s);
    }
  }
  return (
    <fieldset class="credentials">
      <legend>AtHoc credentials (kept in the OS keyring, never shown)</legend>
      <div class="field">
        <label for="secret-client">API client secret</label>
        <div class="field-input">
          <input id="secret-client" type="password" autoComplete="new-password" value={clientSecret} onInput={(e) => setClientSecret((e.currentTarget as HTMLInputElement).value)} aria-describedby="secret-client-state" />
        </div>
        <p id="secret-client-state" class="help">
          <StoredIndicator stored={secrets.clientSecretStored} what="client-secret" />
        </p>
      </div>
      <div class="field">
        <label for="secret-password">API user's password</label>
        <div class="field-input">
          <input id="secret-password" type="password" autoComplete="new-password" value={password} onInput={(e) => setPassword((e.currentTarget as HTMLInputElement).value)} aria-describedby="secret-password-state" />
        </div>
        <p id="secret-password-state" class="help">
          <StoredIndicator stored={secrets.passwordStored} what="password" />
        </p>
      </div>
      {note && <p class="help">{note}</p>}
      {(() => {
        const disabled = act.busy || missingOwner || (!password && !clientSecret);
        return (
          <button type="button" class={emphasize && !disabled ? 'primary' : undefined} onClick={(e) => void store(e)} disabled={disabled}>
            Store credentials
          </button>
        );
      })()}
      {missingOwner ? (
        <p class="help">Fill in the server address, organization code, client ID and user name first: the credentials are kept for that server and account.</p>
      ) : (
        <p class="help">Kept for this server, account, proxy and TLS settings only: after changing any of them, store the credentials again.</p>
      )}
      <ActionError act={act} />
      {done && <Notice tone="ok">Credentials stored.</Notice>}
    </fieldset>
  );
}

/** Test connection result list. */
export function ConnectionResult({ result }: { result: ConnectionTestDto }) {
  return (
    <div class="connection-result" aria-live="polite">
      {result.errors.length > 0 && <Notice tone="error">The settings have {result.errors.length} problem(s): fix them first.</Notice>}
      {result.ok && <Notice tone="ok">Connected to AtHoc.</Notice>}
      <ul class="checks compact">
        {result.checks.map((c) => (
          <li>
            <CheckBadge status={c.status} /> <strong>{c.title}</strong>: {c.detail}
            {c.action && <div class="todo">What to do: {c.action}</div>}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The settings without which the credentials cannot be stored. */
const OWNER_KEYS: SettingKey[] = ['athoc.server_url', 'athoc.org_code', 'athoc.client_id', 'athoc.username'];

/** Keeps "stored / not stored" true while the settings the secrets are
 * bound to are edited: another server or proxy has nothing stored yet. */
export function useSecretsStatus(values: SettingsValues | null, setSecrets: (s: SecretsStatus) => void) {
  const binding = values ? JSON.stringify(api.SECRET_BINDING_KEYS.map((k) => values[k]?.trim() ?? '')) : null;
  const first = useRef(true);
  useEffect(() => {
    if (binding === null || !values) return;
    if (first.current) {
      first.current = false;
      return;
    }
    const t = setTimeout(() => {
      api.secretsStatus(values).then(setSecrets, () => undefined);
    }, 300);
    return () => clearTimeout(t);
  }, [binding]);
}

/** Validates as the operator types (debounced), with the engine's messages. */
export function useValidation(values: SettingsValues) {
  const [errors, setErrors] = useState<ConfigErrorDto[]>([]);
  const [touched, setTouched] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => {
    if (!touched) return;
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      api.validateSettings(values).then(setErrors, () => undefined);
    }, 300);
    return () => {
      if (timer.current) clearTimeout(timer.current);
    };
  }, [values, touched]);
  return { errors, setErrors, touch: () => setTouched(true) };
}

/** The page's sections as the section nav lists them. */
const NAV = [...SECTIONS.map((s) => ({ id: s.id, title: s.title })), { id: 'app', title: 'This app' }];
const sectionId = (id: string) => `section-${id}`;

/** Which section is being read: the one clicked last while it is on screen,
 * else the last one whose top has scrolled past the top bars. */
function useCurrentSection(ready: boolean) {
  const [current, setCurrent] = useState(NAV[0]!.id);
  const pinned = useRef<string | null>(null);
  useEffect(() => {
    if (!ready) return;
    let frame = 0;
    const update = () => {
      frame = 0;
      const visible = (el: HTMLElement | null) => {
        const r = el?.getBoundingClientRect();
        return !!r && r.bottom > 0 && r.top < window.innerHeight;
      };
      if (pinned.current && visible(document.getElementById(sectionId(pinned.current)))) return;
      pinned.current = null;
      let found = NAV[0]!.id;
      const line = Math.min(160, window.innerHeight / 3);
      for (const n of NAV) {
        const el = document.getElementById(sectionId(n.id));
        if (el && el.getBoundingClientRect().top <= line) found = n.id;
      }
      setCurrent(found);
    };
    const onScroll = () => {
      if (!frame) frame = requestAnimationFrame(update);
    };
    window.addEventListener('scroll', onScroll, { passive: true });
    return () => {
      window.removeEventListener('scroll', onScroll);
      if (frame) cancelAnimationFrame(frame);
    };
  }, [ready]);
  const show = (id: string) => {
    pinned.current = id;
    setCurrent(id);
    const el = document.getElementById(sectionId(id));
    el?.scrollIntoView({ block: 'start' });
    el?.querySelector<HTMLElement>('h2')?.focus({ preventScroll: true });
  };
  return { current, show };
}

/** Opens the "Advanced" fold holding a field, scrolls to it and focuses it. */
function focusField(key: string) {
  const el = document.getElementById(fieldId(key));
  if (!el) return;
  const fold = el.closest('details');
  if (fold && !fold.open) fold.open = true;
  el.scrollIntoView({ block: 'center' });
  el.focus({ preventScroll: true });
}

/** After a failed save: every problem, each linking to its field. */
function ErrorSummary({ errors, focusRef }: { errors: ConfigErrorDto[]; focusRef: { current: HTMLDivElement | null } }) {
  return (
    <div class="error-summary" tabIndex={-1} ref={focusRef} aria-labelledby="error-summary-title" data-testid="error-summary">
      <h2 id="error-summary-title">
        <span aria-hidden="true">✖ </span>Not saved: {errors.length} problem{errors.length === 1 ? '' : 's'} to fix
      </h2>
      <ul>
        {errors.map((e) => {
          const spec = FIELDS.get(e.key as SettingKey);
          return (
            <li>
              {spec ? (
                <a
                  href={`#${fieldId(spec.key)}`}
                  onClick={(ev) => {
                    ev.preventDefault();
                    focusField(spec.key);
                  }}
                >
                  {spec.label}
                </a>
              ) : (
                <strong>{e.key}</strong>
              )}
              : {errorText(e)}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

export function SettingsPage({ onSaved }: { onSaved: () => void }) {
  /** What is saved (the baseline unsaved edits are counted against). */
  const [savedValues, setSavedValues] = useState<SettingsValues | null>(null);
  const [values, setValues] = useState<SettingsValues | null>(null);
  const [savedPrefs, setSavedPrefs] = useState<api.AppPreferencesDto | null>(null);
  const [prefs, setPrefs] = useState<api.AppPreferencesDto | null>(null);
  const [secrets, setSecrets] = useState<SecretsStatus>({ passwordStored: false, clientSecretStored: false });
  /** The `.env` the app runs from (`--env-file`): its settings are shown, not edited. */
  const [envFile, setEnvFile] = useState<string | null>(null);
  const v = useValidation(values ?? {});
  useSecretsStatus(values, setSecrets);
  const act = useAction();
  const prefsAct = useAction();
  /** After Save: written and running, or written but the engine cannot start. */
  const [saved, setSaved] = useState<'applied' | 'not_applied' | null>(null);
  /** A save failed on the settings' problems: the summary lists them. */
  const [showSummary, setShowSummary] = useState(false);
  const summary = useRef<HTMLDivElement | null>(null);
  const [test, setTest] = useState<ConnectionTestDto | null>(null);
  const [importMsg, setImportMsg] = useState<string[] | null>(null);
  const nav = useCurrentSection(values !== null);

  useEffect(() => {
    void act.run(async () => {
      const s = await api.getSettings();
      setSavedValues(s.values);
      setValues(s.values);
      setSecrets(s.secrets);
      setEnvFile(s.envFile);
    });
    void prefsAct.run(async () => {
      const p = await api.getAppPreferences();
      setSavedPrefs(p);
      setPrefs(p);
    });
  }, []);

  const changed = values && savedValues ? changedKeys(savedValues, values, FORM_KEYS) : [];
  const prefsChanged = changedPreferences(savedPrefs, prefs);
  const count = changed.length + prefsChanged.length;

  /** Saves the settings (when changed) and then the app's preferences (when
   * changed); true when nothing is left unsaved. */
  async function save(): Promise<boolean> {
    const draft = values;
    if (!draft) return false;
    if (changedKeys(savedValues ?? {}, draft, FORM_KEYS).length > 0 || count === 0) {
      const r = await act.run(() => api.saveSettings(draft));
      if (!r) return false;
      v.setErrors(r.errors);
      if (!r.saved) {
        setSaved(null);
        setShowSummary(true);
        // Open the folds holding a problem, then move to the summary.
        requestAnimationFrame(() => {
          for (const e of r.errors) document.getElementById(fieldId(e.key))?.closest('details')?.setAttribute('open', '');
          summary.current?.focus();
        });
        return false;
      }
      setShowSummary(false);
      setSavedValues(draft);
      setSaved(r.applied ? 'applied' : 'not_applied');
      onSaved();
    }
    const p = prefs;
    if (p && changedPreferences(savedPrefs, p).length > 0) {
      const now = await prefsAct.run(() => api.setAppPreferences(p));
      if (!now) return false;
      setSavedPrefs(now);
      setPrefs(now);
      setSaved((s) => s ?? 'applied');
    }
    return true;
  }
  function discard() {
    setValues(savedValues);
    setPrefs(savedPrefs);
    setShowSummary(false);
    setSaved(null);
    v.setErrors([]);
  }

  // The app asks through this before navigating away; the browser (a
  // reload, the window closing) through beforeunload.
  const latest = useRef({ count, save, discard });
  latest.current = { count, save, discard };
  useEffect(
    () =>
      registerUnsaved({
        count: () => latest.current.count,
        save: () => latest.current.save(),
        discard: () => latest.current.discard(),
      }),
    [],
  );
  // The backend holds the window's close button back while edits wait.
  useEffect(() => {
    void api.setUnsavedEdits(count > 0).catch(() => undefined);
  }, [count > 0]);
  useEffect(() => () => void api.setUnsavedEdits(false).catch(() => undefined), []);
  useEffect(() => {
    if (count === 0) return;
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, [count > 0]);

  if (!values) return act.error ? <ActionError act={act} /> : <p>Loading settings…</p>;

  const change = (key: SettingKey, value: string) => {
    setSaved(null);
    setValues({ ...values, [key]: value });
    v.touch();
  };
  const { byKey } = placeErrors(v.errors);

  async function importEnv() {
    const r = await act.run(() => api.importLegacy());
    if (!r) return;
    const envFile = r.envFile;
    v.setErrors(r.errors);
    if (r.imported) {
      setValues(r.values);
      setSavedValues(r.values);
      setSecrets(r.secrets);
      setShowSummary(false);
      onSaved();
    }
    setImportMsg([
      r.imported ? `Imported ${envFile}.` : `Not imported: ${r.errors.length} problem(s) in ${envFile}, shown below.`,
      ...(r.databaseCopied ? ['Database copied.'] : []),
      ...r.warnings,
    ]);
  }

  return (
    <form
      class="settings"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
      noValidate
    >
      <div class="actions" role="group" aria-label="Settings tools">
        <button
          type="button"
          disabled={act.busy || envFile !== null}
          onClick={() => void act.run(async () => setTest(await api.testConnection(values)))}
        >
          Test connection
        </button>
        <button type="button" disabled={act.busy} onClick={() => void importEnv().catch((e) => act.setError(api.toApiError(e).message))}>
          Import from the Python tool's .env…
        </button>
        <span class="help">Test connection uses the values in the form, saved or not.</span>
      </div>
      {envFile !== null && (
        <Notice tone="info">
          <span data-testid="env-file-notice">
            These settings are read from <code>{envFile}</code>: BoboSync was started with <code>--env-file</code>, so they
            are shown here but cannot be changed from this window (the Checks page tests the connection with them). To change
            them, edit that file and restart BoboSync — or import it with “Import from the Python tool's .env…” and start
            BoboSync without <code>--env-file</code>, to manage them here.
          </span>
        </Notice>
      )}
      {showSummary && v.errors.length > 0 && <ErrorSummary errors={v.errors} focusRef={summary} />}
      <div aria-live="polite">
        <ActionError act={act} />
        <ActionError act={prefsAct} />
        {saved === 'applied' && <Notice tone="ok">Settings saved and applied.</Notice>}
        {saved === 'not_applied' && (
          <Notice tone="warn">
            <span data-testid="saved-not-applied">
              Settings saved, but BoboSync cannot start with them yet: usually the AtHoc client secret and password are not
              stored — store them under AtHoc credentials, then save again.
            </span>
            {v.errors.map((e) => (
              <div>
                {FIELDS.get(e.key as SettingKey)?.label ?? e.key}: {errorText(e)}
              </div>
            ))}
          </Notice>
        )}
        {importMsg && <Notice tone="info">{importMsg.map((m) => <div>{m}</div>)}</Notice>}
        {test && <ConnectionResult result={test} />}
      </div>
      <div class="settings-layout">
        <nav class="section-nav" aria-label="Settings sections">
          <ul>
            {NAV.map((n) => (
              <li>
                <a
                  href={`#${sectionId(n.id)}`}
                  aria-current={nav.current === n.id ? 'location' : undefined}
                  onClick={(e) => {
                    e.preventDefault();
                    nav.show(n.id);
                  }}
                >
                  {n.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="settings-sections">
          <fieldset class="settings-fields" disabled={envFile !== null}>
          {SECTIONS.map((s) => {
            const basic = s.fields.filter((spec) => !spec.advanced);
            const advanced = s.fields.filter((spec) => spec.advanced);
            const field = (spec: (typeof s.fields)[number]) => (
              <SettingField spec={spec} values={values} errors={byKey.get(spec.key)} onChange={change} onBlur={v.touch} />
            );
            const changedHere = advanced.filter((spec) => changed.includes(spec.key)).length;
            return (
              <section id={sectionId(s.id)} class="settings-section" aria-labelledby={`${sectionId(s.id)}-title`}>
                <h2 id={`${sectionId(s.id)}-title`} tabIndex={-1}>
                  {s.title}
                </h2>
                {basic.map(field)}
                {s.id === 'athoc' && envFile !== null && (
                  <p class="help" data-testid="secrets-from-env-file">
                    The client secret and password are read from {envFile} as well.
                  </p>
                )}
                {s.id === 'athoc' && envFile === null && (
                  <CredentialsForm
                    values={values}
                    secrets={secrets}
                    onStored={setSecrets}
                    note="“Store credentials” writes them to the keyring at once, apart from Save settings."
                  />
                )}
                {advanced.length > 0 && (
                  <details class="advanced">
                    <summary>
                      Advanced: {advanced.length} more setting{advanced.length === 1 ? '' : 's'}
                      {changedHere > 0 && <span class="changed-note"> ({changedHere} changed)</span>}
                    </summary>
                    {advanced.map(field)}
                  </details>
                )}
              </section>
            );
          })}
          </fieldset>
          <AppPreferencesForm prefs={prefs} onChange={(p) => { setSaved(null); setPrefs(p); }} />
          <p class="help">Blank fields use the default shown in grey. {FIELDS.size} settings in all.</p>
        </div>
      </div>
      <div class={`save-bar${count > 0 ? ' is-dirty' : ''}`} role="group" aria-label="Save or discard changes">
        <span class="save-count" aria-live="polite" data-testid="unsaved-count">
          {count > 0 && <span aria-hidden="true">● </span>}
          {changesText(count)}
        </span>
        <button type="submit" class={count > 0 && !act.busy ? 'primary' : undefined} disabled={act.busy || prefsAct.busy || count === 0}>
          Save settings
        </button>
        <button type="button" disabled={act.busy || prefsAct.busy || count === 0} onClick={discard}>
          Discard changes
        </button>
      </div>
    </form>
  );
}

/** The tray app's own options: start at login, close to tray. Edited like
 * every other setting and saved with the same Save. */
export function AppPreferencesForm({
  prefs,
  onChange,
}: {
  prefs: api.AppPreferencesDto | null;
  onChange: (next: api.AppPreferencesDto) => void;
}) {
  return (
    <section id="section-app" class="settings-section" aria-labelledby="section-app-title">
      <h2 id="section-app-title" tabIndex={-1}>
        This app
      </h2>
      <p class="help">How BoboSync runs on this computer; saved with Save settings like the rest.</p>
      {prefs ? (
        <>
          <div class="field field-bool">
            <label for="pref-start-at-login">Start BoboSync at login (hidden, in the tray)</label>
            <div class="field-input">
              <input
                id="pref-start-at-login"
                type="checkbox"
                checked={prefs.startAtLogin}
                onChange={(e) => onChange({ ...prefs, startAtLogin: (e.currentTarget as HTMLInputElement).checked })}
              />
            </div>
          </div>
          <div class="field field-bool">
            <label for="pref-close-to-tray">Closing the window keeps BoboSync running in the tray</label>
            <div class="field-input">
              <input
                id="pref-close-to-tray"
                type="checkbox"
                checked={prefs.closeToTray}
                onChange={(e) => onChange({ ...prefs, closeToTray: (e.currentTarget as HTMLInputElement).checked })}
              />
            </div>
            <p class="help">Off: closing the window quits BoboSync (files are then not synced).</p>
          </div>
        </>
      ) : (
        <p>Loading…</p>
      )}
    </section>
  );
}
