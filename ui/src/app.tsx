/** The window: first-run wizard, or the four pages with a navigation bar.
 * Keeps status and approvals fresh from engine events (and a slow poll). */
import { useCallback, useEffect, useReducer, useRef, useState } from 'preact/hooks';
import * as api from './api';
import type { AppInfoDto } from './api';
import { ConfirmDialog, Ctx, Notice, StateBadge, Time } from './components';
import { headline } from './headline';
import { displayZone, sameZone } from './format';
import { ChecksPage } from './pages/checks';
import { HistoryPage } from './pages/history';
import { SettingsPage } from './pages/settings';
import { StatusPage } from './pages/status';
import { Wizard } from './pages/wizard';
import { appReducer, bookedText, initialApp, PAGES, readActivity, type Page } from './state';
import { changesText, pendingUnsaved } from './unsaved';

const POLL_MS = 10_000;
/** Recent activity is kept in the webview's storage, so that it is still
 * there when the window is opened again (the engine keeps no such list). */
export const ACTIVITY_KEY = 'bobosync.activity.v1';

function storedActivity() {
  try {
    return readActivity(JSON.parse(localStorage.getItem(ACTIVITY_KEY) ?? '[]'));
  } catch {
    return [];
  }
}

export function App() {
  const [info, setInfo] = useState<AppInfoDto | null>(null);
  const [fatal, setFatal] = useState<string | null>(null);
  const [state, dispatch] = useReducer(appReducer, initialApp);
  const [now, setNow] = useState(() => new Date());
  const heading = useRef<HTMLHeadingElement>(null);
  const zone = displayZone();

  const loadInfo = useCallback(() => api.getAppInfo().then(setInfo, (e) => setFatal(api.toApiError(e).message)), []);
  const reload = useCallback(() => {
    api.getStatus().then((status) => dispatch({ type: 'status', status }), () => undefined);
    api.listApprovals().then((approvals) => dispatch({ type: 'approvals', approvals }), () => undefined);
    api.listFailedFiles().then((files) => dispatch({ type: 'failedFiles', files }), () => undefined);
  }, []);

  useEffect(() => {
    void loadInfo();
    dispatch({ type: 'restoreActivity', activity: storedActivity() });
  }, []);
  const restored = useRef(false);
  useEffect(() => {
    if (!restored.current) {
      restored.current = true;
      return;
    }
    try {
      localStorage.setItem(ACTIVITY_KEY, JSON.stringify(state.activity));
    } catch {
      // Storage full or disabled: the list lives as long as the window.
    }
  }, [state.activity]);
  const inApp = info !== null && (info.configured || info.mode === 'demo');
  useEffect(() => {
    if (!inApp) return;
    reload();
    let unlisten: (() => void) | null = null;
    let stopped = false;
    api
      .onEngineEvent((event) => {
        dispatch({ type: 'event', event, at: new Date().toISOString() });
        if (event.type === 'batchFinished') {
          // Who it booked on and off: the batch's records name them.
          api.getBatchRecords(event.report.batchId).then((records) => {
            const text = bookedText(records);
            if (text) dispatch({ type: 'activity', line: { at: new Date().toISOString(), text, tone: 'info' } });
          }, () => undefined);
        }
        if (event.type !== 'healthChanged' && event.type !== 'sending') reload();
      })
      .then((u) => (stopped ? u() : (unlisten = u)), () => undefined);
    const poll = setInterval(() => {
      setNow(new Date());
      reload();
    }, POLL_MS);
    return () => {
      stopped = true;
      clearInterval(poll);
      unlisten?.();
    };
  }, [inApp]);

  /** A page the operator asked for (or closing the window) while Settings
   * held unsaved edits. */
  const [leaving, setLeaving] = useState<{ page: Page | 'close'; count: number } | null>(null);
  const [leavingDemo, setLeavingDemo] = useState(false);
  const [demoError, setDemoError] = useState<string | null>(null);
  useEffect(() => {
    let unlisten: (() => void) | null = null;
    let stopped = false;
    api
      .onCloseBlocked(() => {
        const unsaved = pendingUnsaved();
        if (unsaved) setLeaving({ page: 'close', count: unsaved.count() });
        else void api.closeWindow();
      })
      .then((u) => (stopped ? u() : (unlisten = u)), () => undefined);
    return () => {
      stopped = true;
      unlisten?.();
    };
  }, []);
  const go = (page: Page) => {
    dispatch({ type: 'navigate', page });
    if (page === 'status') reload();
    requestAnimationFrame(() => heading.current?.focus());
  };
  /** Navigation asks the page shown whether it holds unsaved edits first. */
  const navigate = (page: Page) => {
    const unsaved = page === state.page ? null : pendingUnsaved();
    if (unsaved) setLeaving({ page, count: unsaved.count() });
    else go(page);
  };
  const leave = async (how: 'save' | 'discard') => {
    const target = leaving;
    setLeaving(null);
    const unsaved = pendingUnsaved();
    if (!target) return;
    if (unsaved && how === 'save' && !(await unsaved.save())) return; // stays: the page shows why
    if (unsaved && how === 'discard') unsaved.discard();
    if (target.page === 'close') void api.closeWindow();
    else go(target.page);
  };

  /** "Set up for real": the backend leaves the demo (its engine, simulator
   * and folder go), then the window shows the first-run wizard. */
  const setUpForReal = () => {
    setLeavingDemo(true);
    setDemoError(null);
    api.stopDemo().then(
      () => {
        dispatch({ type: 'navigate', page: 'status' });
        return loadInfo();
      },
      (e) => setDemoError(api.toApiError(e).message),
    ).finally(() => setLeavingDemo(false));
  };

  if (fatal) return <Notice tone="error">BoboSync's backend did not answer: {fatal}</Notice>;
  if (!info) return <p>Starting…</p>;
  if (!inApp) {
    return (
      <Ctx.Provider value={{ info, zone, now }}>
        <main id="main">
          <Wizard onDone={() => void loadInfo()} onDemo={() => void loadInfo()} />
        </main>
      </Ctx.Provider>
    );
  }
  const title = PAGES.find((p) => p.id === state.page)?.title ?? '';
  const head = state.status ? headline(state.status, state.sending, state.approvals, state.failedFiles, state.incidents) : null;
  const ctx = { info, zone, now, navigate, refreshInfo: () => void loadInfo() };
  return (
    <Ctx.Provider value={ctx}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">BoboSync</span>
        <nav aria-label="Pages">
          <ul>
            {PAGES.map((p) => (
              <li>
                <button type="button" aria-current={state.page === p.id ? 'page' : undefined} onClick={() => navigate(p.id)} data-page={p.id}>
                  {p.title}
                  {p.id === 'status' && state.approvals.length > 0 && (
                    <span class="count" aria-label={`${state.approvals.length} waiting for approval`}>
                      {' '}
                      ▲{state.approvals.length}
                    </span>
                  )}
                </button>
              </li>
            ))}
          </ul>
        </nav>
        {head && <StateBadge tone={head.tone} />}
      </header>
      {info.mode === 'demo' && (
        <div class="demo-banner" role="region" aria-label="Demo mode">
          <p>
            <strong>
              <span aria-hidden="true">◆ </span>Demo
            </strong>{' '}
            — the built-in simulator with sample data; nothing reaches a real AtHoc.
          </p>
          <button type="button" onClick={setUpForReal} disabled={leavingDemo} data-testid="set-up-for-real">
            Set up for real
          </button>
          {demoError && <Notice tone="error">Cannot leave the demo: {demoError}</Notice>}
        </div>
      )}
      <main id="main">
        <h1 tabIndex={-1} ref={heading}>
          {title}
        </h1>
        {!sameZone(zone, info.boboTimeZone) && (
          <p class="zone-note">
            Times are shown in this computer's zone, {zone}; BOBO's times are in {info.boboTimeZone}.
          </p>
        )}
        {/* The Status page's headline lists them, each with its button. */}
        {state.page !== 'status' && state.incidents.map((i) => (
          <Notice key={i.id} tone={i.severity === 'error' ? 'error' : 'warn'}>
            {i.summary} (since <Time iso={i.since} short />)
          </Notice>
        ))}
        {state.page === 'status' && (
          <StatusPage status={state.status} approvals={state.approvals} failedFiles={state.failedFiles} incidents={state.incidents} sending={state.sending} activity={state.activity} onStatus={(s) => dispatch({ type: 'status', status: s })} reload={reload} />
        )}
        {state.page === 'settings' && <SettingsPage onSaved={() => void loadInfo()} />}
        {state.page === 'checks' && <ChecksPage />}
        {state.page === 'history' && <HistoryPage revision={state.revision} />}
      </main>
      {leaving && (
        <ConfirmDialog
          title="Unsaved settings"
          onCancel={() => setLeaving(null)}
          actions={
            <>
              <button type="button" class="primary" onClick={() => void leave('save')}>
                Save
              </button>
              <button type="button" onClick={() => void leave('discard')}>
                Discard
              </button>
              <button type="button" onClick={() => setLeaving(null)}>
                Stay
              </button>
            </>
          }
        >
          <p>
            {changesText(leaving.count)} and not saved. Save before{' '}
            {leaving.page === 'close' ? 'closing the window' : `going to ${PAGES.find((p) => p.id === leaving.page)?.title}`}, discard
            the changes, or stay on Settings?
          </p>
        </ConfirmDialog>
      )}
    </Ctx.Provider>
  );
}
