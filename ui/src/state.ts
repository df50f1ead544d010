/**
 * UI state as pure reducers: the main window (page, status, approvals,
 * recent activity) and the first-run wizard's steps. No I/O here.
 */
import type { ApprovalDto, EngineEvent, FailedFileDto, IncidentDto, RecordRowDto, SettingKey, StatusDto } from './api';

export type Page = 'status' | 'settings' | 'checks' | 'history';
export const PAGES: { id: Page; title: string }[] = [
  { id: 'status', title: 'Status' },
  { id: 'settings', title: 'Settings' },
  { id: 'checks', title: 'Field-mapping checks' },
  { id: 'history', title: 'History' },
];

/** One line of recent activity, newest first. `at` is when the UI got it. */
export interface Activity {
  at: string;
  text: string;
  tone: 'info' | 'warn' | 'error';
}

export interface AppState {
  page: Page;
  status: StatusDto | null;
  approvals: ApprovalDto[];
  /** Files in the failed folder: events never applied, until retried or dismissed. */
  failedFiles: FailedFileDto[];
  incidents: IncidentDto[];
  activity: Activity[];
  /** Bumped on events that change history/status, so pages reload. */
  revision: number;
  /** While a batch's updates are sent: how many AtHoc has answered for, of how many. */
  sending: { answered: number; total: number } | null;
}

export const initialApp: AppState = {
  page: 'status',
  status: null,
  approvals: [],
  failedFiles: [],
  incidents: [],
  activity: [],
  revision: 0,
  sending: null,
};

export type AppAction =
  | { type: 'navigate'; page: Page }
  | { type: 'status'; status: StatusDto }
  | { type: 'approvals'; approvals: ApprovalDto[] }
  | { type: 'failedFiles'; files: FailedFileDto[] }
  | { type: 'event'; event: EngineEvent; at: string }
  /** A line of activity found out later (who a finished batch booked on or off). */
  | { type: 'activity'; line: Activity }
  /** The lines kept from an earlier opening of the window (older than any new one). */
  | { type: 'restoreActivity'; activity: Activity[] };

const MAX_ACTIVITY = 30;

const names = (list: string[], max = 5) =>
  list.slice(0, max).join(', ') + (list.length > max ? ` and ${list.length - max} more` : '');

/** Who a batch booked on and off (its applied records), in operator words:
 * `Booked on: jsmith, adoe · booked off: bwayne`; null when nobody. */
export function bookedText(records: RecordRowDto[]): string | null {
  const applied = records.filter((r) => r.state === 'applied');
  const who = (r: RecordRowDto) => r.login ?? `employee ${r.employee}`;
  const on = applied.filter((r) => r.action === 'set').map(who);
  const off = applied.filter((r) => r.action === 'clear').map(who);
  const parts = [on.length ? `booked on: ${names(on)}` : '', off.length ? `booked off: ${names(off)}` : ''].filter(Boolean);
  if (parts.length === 0) return null;
  const text = parts.join(' · ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Activity lines read back from storage: only well-formed ones, newest first. */
export function readActivity(raw: unknown): Activity[] {
  if (!Array.isArray(raw)) return [];
  return raw
    .filter(
      (a): a is Activity =>
        !!a && typeof a === 'object' && typeof a.at === 'string' && typeof a.text === 'string' && ['info', 'warn', 'error'].includes(a.tone),
    )
    .sort((a, b) => Date.parse(b.at) - Date.parse(a.at))
    .slice(0, MAX_ACTIVITY);
}

function describe(e: EngineEvent): Activity['text'] | null {
  switch (e.type) {
    case 'batchStarted':
      if (e.files.length === 0) return 'Sync started';
      return `Syncing ${e.files.length === 1 ? e.files[0] : `${e.files.length} files`}`;
    case 'sending':
      return null;
    case 'batchFinished': {
      const r = e.report;
      const files = r.files.length === 1 ? r.files[0] : `${r.files.length} files`;
      const failed = r.failed + r.rejected;
      return `Synced ${files}: ${r.set} booked on, ${r.cleared} booked off${failed ? `, ${failed} not applied` : ''}`;
    }
    case 'fileRejected':
      return `File ${e.file} moved to the failed folder: ${e.reason}`;
    case 'recordFailures':
      return `${e.count} record${e.count === 1 ? '' : 's'} failed`;
    case 'mappingSyncDone':
      return `User mapping sync: ${e.report.mapped} mapped, ${e.report.added} added, ${e.report.removed} removed`;
    case 'cleanupDone':
      return `Cleanup: ${e.report.cleared} stale values cleared`;
    case 'approvalNeeded':
      return `Approval needed: ${e.approval.summary}`;
    case 'healthChanged':
      return null;
    case 'incidentOpened':
      return `${e.incident.severity === 'error' ? 'Problem' : 'Warning'}: ${e.incident.summary}`;
    case 'incidentResolved':
      return `Resolved: ${e.incident.summary}`;
  }
}

function tone(e: EngineEvent): Activity['tone'] {
  switch (e.type) {
    case 'fileRejected':
    case 'recordFailures':
      return 'error';
    case 'incidentOpened':
      return e.incident.severity === 'error' ? 'error' : 'warn';
    case 'approvalNeeded':
      return 'warn';
    default:
      return 'info';
  }
}

export function appReducer(state: AppState, action: AppAction): AppState {
  switch (action.type) {
    case 'navigate':
      return state.page === action.page ? state : { ...state, page: action.page };
    case 'status':
      // The snapshot names every incident open now (one may have begun
      // before the window opened); events keep the list current between.
      return { ...state, status: action.status, incidents: action.status.incidents };
    case 'approvals':
      return { ...state, approvals: action.approvals };
    case 'failedFiles':
      return { ...state, failedFiles: action.files };
    case 'activity':
      return { ...state, activity: [action.line, ...state.activity].slice(0, MAX_ACTIVITY) };
    case 'restoreActivity':
      return { ...state, activity: [...state.activity, ...action.activity].slice(0, MAX_ACTIVITY) };
    case 'event': {
      const e = action.event;
      let next: AppState = state;
      if (e.type === 'healthChanged') {
        next = { ...next, status: e.status, incidents: e.status.incidents };
        if (e.status.health !== 'syncing') next = { ...next, sending: null };
      }
      if (e.type === 'sending') next = { ...next, sending: { answered: e.answered, total: e.total } };
      if (e.type === 'batchFinished') next = { ...next, sending: null };
      if (e.type === 'approvalNeeded' && !next.approvals.some((a) => a.id === e.approval.id)) {
        next = { ...next, approvals: [...next.approvals, e.approval] };
      }
      if (e.type === 'incidentOpened') {
        next = { ...next, incidents: [...next.incidents.filter((i) => i.id !== e.incident.id), e.incident] };
      }
      if (e.type === 'incidentResolved') {
        next = { ...next, incidents: next.incidents.filter((i) => i.id !== e.incident.id) };
      }
      if (e.type === 'batchFinished' || e.type === 'mappingSyncDone' || e.type === 'cleanupDone') {
        next = { ...next, revision: next.revision + 1 };
      }
      const text = describe(e);
      if (text !== null) {
        next = {
          ...next,
          activity: [{ at: action.at, text, tone: tone(e) }, ...next.activity].slice(0, MAX_ACTIVITY),
        };
      }
      return next;
    }
  }
}

// ───────────────────────────── wizard ─────────────────────────────

export type WizardStep = 'server' | 'credentials' | 'test' | 'folders' | 'fields' | 'preview' | 'live';

export const WIZARD_STEPS: { id: WizardStep; title: string; keys: SettingKey[] }[] = [
  { id: 'server', title: 'Server and organization', keys: ['athoc.server_url', 'athoc.org_code'] },
  { id: 'credentials', title: 'Credentials', keys: ['athoc.client_id', 'athoc.username'] },
  { id: 'test', title: 'Test connection', keys: [] },
  { id: 'folders', title: 'Folders', keys: ['paths.drop_dir', 'paths.processed_dir', 'paths.failed_dir'] },
  {
    id: 'fields',
    title: 'Field names',
    keys: ['fields.duty_attribute', 'fields.collar_attribute', 'athoc.date_format', 'time.zone'],
  },
  { id: 'preview', title: 'Dry-run preview', keys: [] },
  { id: 'live', title: 'Go live', keys: [] },
];

export interface WizardState {
  step: WizardStep;
  /** The last connection test passed with the current server/credentials. */
  connectionOk: boolean;
  /** Settings were saved (needed before the preview). */
  saved: boolean;
}

export const initialWizard: WizardState = { step: 'server', connectionOk: false, saved: false };

export type WizardAction =
  | { type: 'next' }
  | { type: 'back' }
  | { type: 'goto'; step: WizardStep }
  | { type: 'connectionTested'; ok: boolean }
  | { type: 'edited'; key: SettingKey }
  | { type: 'saved' };

const order = WIZARD_STEPS.map((s) => s.id);
const index = (s: WizardStep) => order.indexOf(s);

/** Whether the wizard may move forward from `state.step`. */
export function canAdvance(state: WizardState): boolean {
  if (state.step === 'test') return state.connectionOk;
  if (state.step === 'preview') return state.saved;
  return state.step !== 'live';
}

const CONNECTION_KEYS: readonly string[] = ['athoc.server_url', 'athoc.org_code', 'athoc.client_id', 'athoc.username'];

export function wizardReducer(state: WizardState, action: WizardAction): WizardState {
  switch (action.type) {
    case 'next': {
      if (!canAdvance(state)) return state;
      const i = Math.min(index(state.step) + 1, order.length - 1);
      return { ...state, step: order[i] ?? state.step };
    }
    case 'back': {
      const i = Math.max(index(state.step) - 1, 0);
      return { ...state, step: order[i] ?? state.step };
    }
    case 'goto':
      // Only backwards, or to a step already reachable.
      if (index(action.step) <= index(state.step)) return { ...state, step: action.step };
      return state;
    case 'connectionTested':
      return { ...state, connectionOk: action.ok };
    case 'edited':
      return {
        ...state,
        saved: false,
        connectionOk: CONNECTION_KEYS.includes(action.key) ? false : state.connectionOk,
      };
    case 'saved':
      return { ...state, saved: true };
  }
}

// ───────────────────────────── errors ─────────────────────────────

/** Where an error kind sends the operator. */
export interface ErrorHint {
  text: string;
  /** The page that fixes it, when there is one. */
  goTo: 'settings' | 'wizard' | null;
  button: string | null;
}

/** What to do about a failed command, by its `kind` (never its message). */
export function errorHint(kind: string | null): ErrorHint | null {
  switch (kind) {
    case 'auth_rejected':
      return { text: 'AtHoc refused the credentials: store the right client secret and password.', goTo: 'settings', button: 'Check the credentials in Settings' };
    case 'not_configured':
      return { text: 'BoboSync is not running with any settings yet.', goTo: 'wizard', button: 'Open the setup wizard' };
    case 'invalid_settings':
      return { text: 'The saved settings are not valid.', goTo: 'settings', button: 'Open Settings' };
    case 'unreachable':
      return { text: 'Check the server address, proxy and network; BoboSync keeps trying and keeps the files.', goTo: null, button: null };
    case 'keyring_unavailable':
      return { text: "The OS keyring cannot be used: unlock it (or install one), then store the credentials again.", goTo: null, button: null };
    case 'busy':
      return { text: 'Something else is running; try again in a moment.', goTo: null, button: null };
    default:
      return null;
  }
}
