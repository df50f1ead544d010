/** First-run wizard: server and organization → credentials → test
 * connection → folders → field names → dry-run preview → go live; or the
 * built-in simulator. */
import { useEffect, useReducer, useRef, useState } from 'preact/hooks';
import * as api from '../api';
import type { ConfigErrorDto, ConnectionTestDto, PreviewDto, SecretsStatus, SettingKey, SettingsValues } from '../api';
import { ActionError, Notice, SettingField, useAction, useApp } from '../components';
import { formatBoboLocal } from '../format';
import { FIELDS, placeErrors } from '../settingsSchema';
import { canAdvance, initialWizard, WIZARD_STEPS, wizardReducer } from '../state';
import { primaryAction, stepClickable, stepDone } from '../wizardProgress';
import { ConnectionResult, CredentialsForm, useSecretsStatus } from './settings';

function PreviewTable({ preview }: { preview: PreviewDto }) {
  const { info } = useApp();
  const zone = info?.boboTimeZone ?? 'local';
  const recs = preview.plan.records;
  return (
    <div>
      <p>
        {preview.files.length} file(s) ready, {recs.length} event(s) planned, {preview.plan.invalid.length} unreadable row(s)
        {preview.stillWriting.length ? `; still being written: ${preview.stillWriting.join(', ')}` : ''}. Nothing has been sent.
      </p>
      {recs.length > 0 && (
        <div class="table-wrap" tabIndex={0} aria-label="Planned records">
          <table>
            <caption>What going live would do</caption>
            <thead>
              <tr>
                <th scope="col">File:line</th>
                <th scope="col">Employee</th>
                <th scope="col">Duty</th>
                <th scope="col">BOBO time</th>
                <th scope="col">Action</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {recs.map((r) => (
                <tr>
                  <td>
                    {r.event.source.file}:{r.event.source.line}
                  </td>
                  <td>{r.event.employee}</td>
                  <td>{r.event.duty === 'book_on' ? 'Book on' : 'Book off'}</td>
                  <td>{formatBoboLocal(r.event.local, zone)}</td>
                  <td>
                    {r.action.kind === 'set' || r.action.kind === 'clear' ? `${r.action.kind} ${r.action.login}` : r.action.kind.replace('_', ' ')}
                  </td>
                  <td>{r.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {preview.plan.invalid.length > 0 && (
        <ul class="invalid-rows" aria-label="Unreadable rows">
          {preview.plan.invalid.map((i) => (
            <li>
              <span aria-hidden="true">✖ </span>
              {i.source.file}:{i.source.line} — {i.reason}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Wizard({ onDone, onDemo }: { onDone: () => void; onDemo: () => void }) {
  const [w, dispatch] = useReducer(wizardReducer, initialWizard);
  const [values, setValues] = useState<SettingsValues>({});
  const [errors, setErrors] = useState<ConfigErrorDto[]>([]);
  const [secrets, setSecrets] = useState<SecretsStatus>({ passwordStored: false, clientSecretStored: false });
  useSecretsStatus(values, setSecrets);
  const [test, setTest] = useState<ConnectionTestDto | null>(null);
  const [preview, setPreview] = useState<PreviewDto | null>(null);
  /** Saved, but the engine cannot start (e.g. secrets not stored). */
  const [notApplied, setNotApplied] = useState(false);
  const act = useAction();
  const heading = useRef<HTMLHeadingElement>(null);
  const stepIndex = WIZARD_STEPS.findIndex((s) => s.id === w.step);
  const step = WIZARD_STEPS[stepIndex] ?? WIZARD_STEPS[0]!;

  const firstRender = useRef(true);
  useEffect(() => {
    // Move focus to the new step's heading, but not on first load.
    if (firstRender.current) firstRender.current = false;
    else heading.current?.focus();
  }, [w.step]);
  useEffect(() => {
    if (w.step !== 'preview' || w.saved) return;
    void act.run(async () => {
      const r = await api.saveSettings(values);
      setErrors(r.errors);
      setNotApplied(r.saved && !r.applied);
      if (!r.saved || !r.applied) return;
      dispatch({ type: 'saved' });
      setPreview(await api.preview());
    });
  }, [w.step, w.saved]);

  const change = (key: SettingKey, value: string) => {
    setValues({ ...values, [key]: value });
    dispatch({ type: 'edited', key });
  };
  const { byKey } = placeErrors(errors);
  const facts = { state: w, values, secrets, errorKeys: errors.map((e) => e.key) };
  const primary = primaryAction(facts);
  const nextDisabled = act.busy || (step.keys.length === 0 && !canAdvance(w));
  const bothStored = secrets.passwordStored && secrets.clientSecretStored;

  async function next() {
    if (step.keys.length > 0) {
      const all = await act.run(() => api.validateSettings(values));
      if (!all) return;
      const mine = all.filter((e) => (step.keys as string[]).includes(e.key));
      setErrors(mine);
      if (mine.length) {
        document.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
        return;
      }
    }
    if (w.step === 'preview') {
      const s = await act.run(() => api.resume());
      if (!s) return;
    }
    dispatch({ type: 'next' });
  }
  const runTest = () =>
    void act.run(async () => {
      const r = await api.testConnection(values);
      setTest(r);
      dispatch({ type: 'connectionTested', ok: r.ok });
    });

  const fields = (keys: SettingKey[]) =>
    keys.map((k) => <SettingField spec={FIELDS.get(k)!} values={values} errors={byKey.get(k)} onChange={change} />);

  return (
    <div class="wizard">
      <header class="wizard-head">
        <h1>Set up BoboSync</h1>
        <p>
          Nothing is configured yet. Connect to your AtHoc organization, or{' '}
          <button type="button" class="demo" onClick={() => void act.run(api.startDemo).then((s) => s && onDemo())}>
            Try with the built-in simulator
          </button>{' '}
          (sample users and files; nothing leaves this machine).
        </p>
      </header>
      <ol class="steps" aria-label="Steps">
        {WIZARD_STEPS.map((s, i) => {
          const done = stepDone(s.id, facts);
          const current = s.id === w.step;
          const mark = (
            <>
              <span aria-hidden="true" class="step-mark">
                {done ? '✔' : i + 1}
              </span>{' '}
              {s.title}
              {done && <span class="sr-only"> (done)</span>}
              {!done && i < stepIndex && <span class="sr-only"> (not finished)</span>}
            </>
          );
          return (
            <li aria-current={current ? 'step' : undefined} class={`${done ? 'done' : ''}${current ? ' current' : ''}${i > stepIndex ? ' future' : ''}`}>
              {stepClickable(s.id, w.step) ? (
                <button type="button" class="step-link" disabled={act.busy} onClick={() => dispatch({ type: 'goto', step: s.id })}>
                  {mark}
                </button>
              ) : (
                <span class="step-label">{mark}</span>
              )}
            </li>
          );
        })}
      </ol>
      <form
        class="wizard-step"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void next();
        }}
      >
        <h2 tabIndex={-1} ref={heading}>
          Step {stepIndex + 1} of {WIZARD_STEPS.length}: {step.title}
        </h2>
        {w.step === 'server' && fields(step.keys)}
        {w.step === 'credentials' && (
          <>
            {fields(step.keys)}
            <CredentialsForm values={values} secrets={secrets} onStored={setSecrets} emphasize={primary === 'store'} />
            {!bothStored && <p class="help">Store both the client secret and the password: the connection test needs them.</p>}
          </>
        )}
        {w.step === 'test' && (
          <>
            <p>Signs in to {values['athoc.server_url'] || 'AtHoc'} with the stored credentials. Nothing is written.</p>
            <button type="button" class={primary === 'test' && !act.busy ? 'primary' : undefined} onClick={runTest} disabled={act.busy}>
              Test connection
            </button>
            {test && <ConnectionResult result={test} />}
            {test && !test.ok && (
              <p>
                <button
                  type="button"
                  class="back-to"
                  onClick={() => {
                    setTest(null);
                    dispatch({ type: 'goto', step: 'credentials' });
                  }}
                >
                  <span aria-hidden="true">← </span>Back to credentials
                </button>{' '}
                <span class="help">Check the client ID and user name, store the secrets again, then test again.</span>
              </p>
            )}
          </>
        )}
        {w.step === 'folders' && (
          <>
            <p>Leave a folder blank to use BoboSync's own data folder.</p>
            {fields(step.keys)}
          </>
        )}
        {w.step === 'fields' && fields(step.keys)}
        {w.step === 'preview' && (
          <>
            {notApplied && (
              <Notice tone="warn">
                <span data-testid="saved-not-applied">
                  The settings are saved, but BoboSync cannot start until the AtHoc credentials are stored.{' '}
                  <button type="button" onClick={() => dispatch({ type: 'goto', step: 'credentials' })}>
                    Back to Credentials
                  </button>
                </span>
              </Notice>
            )}
            {errors.length > 0 && (
              <Notice tone="error">
                {notApplied ? 'What BoboSync needs:' : 'The settings are not valid yet:'}
                {errors.map((e) => (
                  <div>
                    {e.key}: {e.problem}; expected {e.expected}
                  </div>
                ))}
              </Notice>
            )}
            {preview ? <PreviewTable preview={preview} /> : !act.error && !notApplied && errors.length === 0 && <p>Reading the drop folder…</p>}
          </>
        )}
        {w.step === 'live' && (
          <Notice tone="ok">
            BoboSync is live: it syncs files as they arrive.{' '}
            <button type="button" class="primary" onClick={onDone}>
              Open the Status page
            </button>
          </Notice>
        )}
        <div aria-live="polite"><ActionError act={act} /></div>
        {w.step !== 'live' && (
          <div class="actions wizard-nav">
            <button type="button" onClick={() => dispatch({ type: 'back' })} disabled={stepIndex === 0 || act.busy}>
              Back
            </button>
            <button type="submit" class={primary === 'next' && !nextDisabled ? 'primary' : undefined} disabled={nextDisabled}>
              {w.step === 'preview' ? 'Go live' : 'Next'}
            </button>
            {w.step === 'test' && !w.connectionOk && <span class="help">Test the connection to continue.</span>}
          </div>
        )}
      </form>
    </div>
  );
}
