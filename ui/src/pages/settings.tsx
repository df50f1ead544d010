/** Settings page: every setting with the engine's own validation messages,
 * write-only credentials, Test connection, Import from the Python tool. */
import { useEffect, useRef, useState } from 'preact/hooks';
import * as api from '../api';
import type { ConfigErrorDto, ConnectionTestDto, SecretsStatus, SettingKey, SettingsValues } from '../api';
import { ActionError, CheckBadge, Notice, SettingField, useAction } from '../components';
import { placeErrors, SECTIONS, FIELDS } from '../settingsSchema';

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
}: {
  values: SettingsValues;
  secrets: SecretsStatus;
  onStored: (s: SecretsStatus) => void;
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
      <button type="button" onClick={(e) => void store(e)} disabled={act.busy || missingOwner || (!password && !clientSecret)}>
        Store credentials
      </button>
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

export function SettingsPage({ onSaved }: { onSaved: () => void }) {
  const [values, setValues] = useState<SettingsValues | null>(null);
  const [secrets, setSecrets] = useState<SecretsStatus>({ passwordStored: false, clientSecretStored: false });
  const v = useValidation(values ?? {});
  useSecretsStatus(values, setSecrets);
  const act = useAction();
  /** After Save: written and running, or written but the engine cannot start. */
  const [saved, setSaved] = useState<'applied' | 'not_applied' | null>(null);
  const [test, setTest] = useState<ConnectionTestDto | null>(null);
  const [importMsg, setImportMsg] = useState<string[] | null>(null);

  useEffect(() => {
    void act.run(async () => {
      const s = await api.getSettings();
      setValues(s.values);
      setSecrets(s.secrets);
    });
  }, []);
  if (!values) return act.error ? <ActionError act={act} /> : <p>Loading settings…</p>;

  const change = (key: SettingKey, value: string) => {
    setSaved(null);
    setValues({ ...values, [key]: value });
    v.touch();
  };
  const { byKey, other } = placeErrors(v.errors);

  async function save(e: Event) {
    e.preventDefault();
    const r = await act.run(() => api.saveSettings(values ?? {}));
    if (!r) return;
    v.setErrors(r.errors);
    setSaved(r.saved ? (r.applied ? 'applied' : 'not_applied') : null);
    if (r.saved) onSaved();
    else document.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }
  async function importEnv() {
    const r = await act.run(() => api.importLegacy());
    if (!r) return;
    const envFile = r.envFile;
    v.setErrors(r.errors);
    if (r.imported) {
      setValues(r.values);
      setSecrets(r.secrets);
      onSaved();
    }
    setImportMsg([
      r.imported ? `Imported ${envFile}.` : `Not imported: ${r.errors.length} problem(s) in ${envFile}, shown below.`,
      ...(r.databaseCopied ? ['Database copied.'] : []),
      ...r.warnings,
    ]);
  }

  return (
    <form class="settings" onSubmit={(e) => void save(e)} noValidate>
      <div class="actions" role="group" aria-label="Settings actions">
        <button type="submit" class="primary" disabled={act.busy}>
          Save settings
        </button>
        <button type="button" disabled={act.busy} onClick={() => void act.run(async () => setTest(await api.testConnection(values)))}>
          Test connection
        </button>
        <button type="button" disabled={act.busy} onClick={() => void importEnv().catch((e) => act.setError(api.toApiError(e).message))}>
          Import from the Python tool's .env…
        </button>
      </div>
      <div aria-live="polite">
        <ActionError act={act} />
        {saved === 'applied' && <Notice tone="ok">Settings saved and applied.</Notice>}
        {saved === 'not_applied' && (
          <Notice tone="warn">
            <span data-testid="saved-not-applied">
              Settings saved, but BoboSync cannot start with them yet: usually the AtHoc client secret and password are not
              stored — store them under AtHoc credentials, then save again.
            </span>
            {v.errors.map((e) => (
              <div>
                {e.key}: {e.problem}; expected {e.expected}
              </div>
            ))}
          </Notice>
        )}
        {importMsg && <Notice tone="info">{importMsg.map((m) => <div>{m}</div>)}</Notice>}
        {v.errors.length > 0 && saved !== 'not_applied' && (
          <Notice tone="error">
            {v.errors.length} setting(s) need attention{other.length ? ':' : ' (marked below).'}
            {other.map((m) => (
              <div>{m}</div>
            ))}
          </Notice>
        )}
        {test && <ConnectionResult result={test} />}
      </div>
      {SECTIONS.map((s) => (
        <fieldset id={`section-${s.id}`}>
          <legend>{s.title}</legend>
          {s.fields.map((spec) => (
            <SettingField spec={spec} values={values} errors={byKey.get(spec.key)} onChange={change} onBlur={v.touch} />
          ))}
          {s.id === 'athoc' && <CredentialsForm values={values} secrets={secrets} onStored={setSecrets} />}
        </fieldset>
      ))}
      <AppPreferencesForm />
      <p class="help">Blank fields use the default shown in grey. {FIELDS.size} settings in all.</p>
    </form>
  );
}

/** The tray app's own options: start at login, close to tray. Each change
 * is saved and applied at once. */
export function AppPreferencesForm() {
  const [prefs, setPrefs] = useState<api.AppPreferencesDto | null>(null);
  const act = useAction();
  useEffect(() => void act.run(async () => setPrefs(await api.getAppPreferences())), []);
  const change = (next: api.AppPreferencesDto) => void act.run(async () => setPrefs(await api.setAppPreferences(next)));
  return (
    <fieldset id="section-app">
      <legend>This app</legend>
      {prefs && (
        <>
          <div class="field field-bool">
            <label for="pref-start-at-login">Start BoboSync at login (hidden, in the tray)</label>
            <div class="field-input">
              <input
                id="pref-start-at-login"
                type="checkbox"
                checked={prefs.startAtLogin}
                disabled={act.busy}
                onChange={(e) => change({ ...prefs, startAtLogin: (e.currentTarget as HTMLInputElement).checked })}
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
                disabled={act.busy}
                onChange={(e) => change({ ...prefs, closeToTray: (e.currentTarget as HTMLInputElement).checked })}
              />
            </div>
            <p class="help">Off: closing the window quits BoboSync (files are then not synced).</p>
          </div>
        </>
      )}
      <ActionError act={act} />
    </fieldset>
  );
}
