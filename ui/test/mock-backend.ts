/**
 * A fake BoboSync backend for tests only: answers every command of
 * `src/api.ts` through `mockIPC`, keeps state in memory, emits engine events.
 * Never bundled into the app (only test/entry.ts and unit tests import it).
 */
import { emit } from '@tauri-apps/api/event';
import { mockIPC } from '@tauri-apps/api/mocks';
import type {
  AppInfoDto,
  ApprovalDto, BatchRowDto, CheckDto, ConfigErrorDto, CycleReportDto, EngineEvent, FailedFileDto, FailedRunDto,
  PreviewDto, RecordRowDto, SettingsValues, StatusDto,
} from '../src/api';
import { ENGINE_EVENT } from '../src/api';

/** `fresh`: nothing configured; `configured`: a running install with history,
 * an approval and a failed file; `empty`: configured, nothing synced yet,
 * nothing waiting; `attention`: no approval, two failed files, health
 * `error` (the incident that goes with it arrives as an event: see
 * {@link emitEngineEvent}, `AUTH_INCIDENT`); `demo`: the simulator runs
 * (not configured); `envfile`: `configured`, started with `--env-file`. */
export type Scenario = 'fresh' | 'configured' | 'empty' | 'attention' | 'demo' | 'envfile';

/** Emits the backend's "closing the window was held back" (tests: `window.__closeBlocked`). */
export function emitCloseBlocked(): void {
  void emit('close-blocked', null);
}

/** The installed mock's state: events emitted by tests keep its status true. */
let installed: MockState | null = null;

/** Emits an engine event as the backend would (tests: `window.__emit`); an
 * incident opened or resolved also changes the status the mock reports, as
 * the engine's does. */
export function emitEngineEvent(e: EngineEvent): void {
  if (installed && (e.type === 'incidentOpened' || e.type === 'incidentResolved')) {
    const others = installed.status.incidents.filter((i) => i.id !== e.incident.id);
    installed.status = { ...installed.status, incidents: e.type === 'incidentOpened' ? [...others, e.incident] : others };
  }
  void emit(ENGINE_EVENT, e);
}

/** The incident of a refused password (the `attention` scenario's). */
export const AUTH_INCIDENT = {
  id: 31, kind: 'auth_rejected', severity: 'error',
  summary: 'AtHoc refused the credentials (invalid_grant)', since: '2025-03-04T13:50:00Z',
};

/** Everything the fake knows, open for assertions. */
export interface MockState {
  configured: boolean;
  mode: 'live' | 'demo' | 'setup';
  values: SettingsValues;
  /** The secrets, and the server they were stored for (as the keyring's
   * entries are bound to the server: another one has nothing stored). */
  secrets: { password: string | null; clientSecret: string | null; server?: string };
  status: StatusDto;
  approvals: ApprovalDto[];
  failedFiles: FailedFileDto[];
  /** Files put back into the drop folder by retry_failed_files. */
  retried: string[];
  batches: BatchRowDto[];
  records: RecordRowDto[];
  failedRuns: FailedRunDto[];
  /** Every command received, with its arguments (secrets redacted). */
  calls: { cmd: string; args: unknown }[];
  /** What the window last said through `set_unsaved_edits`. */
  unsavedEdits: boolean;
  /** `close_window` was called. */
  windowClosed: boolean;
  /** Files written by write_export. */
  exports: { path: string; contents: string }[];
  /** Folder names `open_folder` was asked for. */
  opened: string[];
  preferences: { startAtLogin: boolean; closeToTray: boolean };
  nextSavePath: string | null;
  /** sync_now answers after this many ms (a sync "in flight"). */
  syncDelayMs: number;
}

const T0 = Date.parse('2025-03-04T14:00:00Z');
const iso = (offsetS: number) => new Date(T0 + offsetS * 1000).toISOString().replace('.000Z', 'Z');

function baseStatus(): StatusDto {
  return {
    health: 'ok', reason: 'All files applied', since: iso(-3600), paused: false, mode: 'live',
    lastFileSeen: { name: 'bobo_0301.csv', at: iso(-600) }, lastSuccess: iso(-590),
    nextMappingSync: iso(6 * 3600), pendingFiles: 2, pendingApprovals: 1, drift: 0, incidents: [],
  };
}

function record(id: number, batch: number, file: string, line: number, employee: string, login: string | null, state: RecordRowDto['state'], details: string | null): RecordRowDto {
  const action: RecordRowDto['action'] =
    state === 'unmapped' ? 'unmapped' : state === 'skipped_older' ? 'skip_older' : line % 2 ? 'set' : 'clear';
  return {
    id, batch, employee, duty: action === 'clear' ? 'book_off' : 'book_on', local: `2025-03-04 02:1${line % 10}:00`,
    at: iso(-40000 + line * 60), source: { file, line }, action, login, reason: `planned ${action}`, state, details,
    athocUserId: login ? 1000 + id : null, attempts: state === 'rejected' ? 1 : 1,
  };
}

/** The logins a pending mass clear would clear (twelve: the confirmation
 * names a few and says how many more). */
export const MASS_CLEAR_LOGINS = ['jsmith', 'user00042', 'adoe', 'bwayne', 'ckent', 'dprince', 'pparker', 'tstark', 'srogers', 'nromanoff', 'bbanner', 'cbarton'];

function seed(): Pick<MockState, 'batches' | 'records' | 'approvals' | 'failedFiles' | 'failedRuns'> {
  const records = [
    record(1, 1, 'bobo_0301.csv', 2, '01234', 'jsmith', 'applied', 'Success'),
    record(2, 1, 'bobo_0301.csv', 3, '00042', 'user00042', 'applied', 'Success'),
    record(3, 1, 'bobo_0301.csv', 4, '07777', null, 'unmapped', null),
    record(4, 2, 'bobo_0302.csv', 2, '01234', 'jsmith', 'rejected', 'Invalid value for On-Duty-DTG, "x"'),
  ];
  const batches: BatchRowDto[] = [
    { id: 2, startedAt: iso(-1200), finishedAt: iso(-1188), files: ['bobo_0302.csv'], status: 'partial', error: null,
      counts: { events: 1, set: 0, cleared: 0, skippedOlder: 0, superseded: 0, unmapped: 0, rejected: 1, failed: 0, invalid: 0 } },
    { id: 1, startedAt: iso(-4000), finishedAt: iso(-3996), files: ['bobo_0301.csv'], status: 'succeeded', error: null,
      counts: { events: 3, set: 1, cleared: 1, skippedOlder: 0, superseded: 0, unmapped: 1, rejected: 0, failed: 0, invalid: 0 } },
  ];
  const approvals: ApprovalDto[] = [
    { id: 7, kind: 'mass_clear', summary: 'clear 12 of 40 duty values older than the cleanup age',
      payload: JSON.stringify(MASS_CLEAR_LOGINS), createdAt: iso(-300) },
  ];
  const failedFiles: FailedFileDto[] = [
    { name: 'bobo_0228.csv', failedAt: iso(-7200),
      reason: 'AtHoc refused 2 event(s) of this file in 3 cycles (MAX_RETRY_ATTEMPTS=3). Last answer: HTTP 400 Bad Request' },
  ];
  const failedRuns: FailedRunDto[] = [
    { firstAt: iso(-9000), lastAt: iso(-8400), count: 11, kind: 'athoc_authentication', file: null,
      message: 'cannot work with AtHoc: AtHoc refused the credentials (invalid_grant)' },
  ];
  return { batches, records, approvals, failedFiles, failedRuns };
}

const NOTHING = { batches: [], records: [], approvals: [], failedFiles: [], failedRuns: [] };

const CHECKS: CheckDto[] = [
  { id: 'connection', title: 'Authentication and token', status: 'pass', detail: 'Signed in; token valid for 3600 s', action: null },
  { id: 'collar_field', title: 'Collar number field', status: 'pass', detail: 'Collar-Number came back for 2500 users', action: null },
  { id: 'duty_field', title: 'Duty field', status: 'fail', detail: 'On-Duty-DTG did not come back for any user',
    action: 'Check the attribute name in Settings → Field names (DUTY_STATUS_FIELD) against AtHoc.' },
  { id: 'duplicates', title: 'Collar numbers', status: 'warn', detail: '2 collar numbers are held by more than one user: 01111, 02222', action: 'Fix the duplicates in AtHoc.' },
];

const REQUIRED = ['athoc.server_url', 'athoc.org_code', 'athoc.client_id', 'athoc.username'] as const;

/** A small imitation of the engine's validation, with its message shape. */
export function fakeValidate(values: SettingsValues): ConfigErrorDto[] {
  const errors: ConfigErrorDto[] = [];
  for (const k of REQUIRED) {
    if (!values[k]?.trim()) errors.push({ key: k, problem: 'missing', expected: 'a value' });
  }
  const url = values['athoc.server_url']?.trim();
  if (url && !/^https:\/\/\S+$/.test(url) && !/^http:\/\/(127\.|localhost|\[::1\])/.test(url)) {
    errors.push({ key: 'athoc.server_url', problem: `"${url}" is not an https:// URL`, expected: 'https://host (http:// only for loopback)' });
  }
  const n = values['athoc.timeout_seconds']?.trim();
  if (n && !(Number.isInteger(Number(n)) && Number(n) >= 1 && Number(n) <= 3600)) {
    errors.push({ key: 'athoc.timeout_seconds', problem: `"${n}" is not a whole number of seconds from 1 to 3600`, expected: 'whole seconds 1–3600' });
  }
  const duty = values['fields.duty_attribute']?.trim();
  if (duty && ['LOGIN_ID', 'USER_ID', 'ENABLED', 'STATUS'].includes(duty.toUpperCase())) {
    errors.push({ key: 'fields.duty_attribute', problem: `${duty} may not be written`, expected: 'a duty attribute such as On-Duty-DTG' });
  }
  return errors;
}

const PREVIEW: PreviewDto = {
  files: ['bobo_0303.csv'],
  stillWriting: [],
  plan: {
    records: [
      { event: { employee: '01234', duty: 'book_on', local: '2025-03-04 02:10:00', at: '2025-03-04T02:10:00Z', source: { file: 'bobo_0303.csv', line: 2 } },
        action: { kind: 'set', login: 'jsmith' }, reason: 'book-on, newest for 01234' },
      { event: { employee: '07777', duty: 'book_off', local: '2025-03-04 02:12:00', at: '2025-03-04T02:12:00Z', source: { file: 'bobo_0303.csv', line: 3 } },
        action: { kind: 'unmapped' }, reason: 'no AtHoc user has collar number 07777' },
    ],
    invalid: [{ source: { file: 'bobo_0303.csv', line: 4 }, reason: 'unknown duty code "XYZ"' }],
  },
};

/** Installs the fake. Returns its live state. */
export function installMockBackend(scenario: Scenario = 'configured'): MockState {
  const configured = scenario !== 'fresh' && scenario !== 'demo';
  const seeded = scenario === 'configured' || scenario === 'attention' || scenario === 'demo' || scenario === 'envfile';
  const envFile = scenario === 'envfile' ? '/srv/bobosync/.env' : null;
  const fromEnvFile = () => ({
    kind: 'settings_from_env_file',
    message: `BoboSync was started with --env-file ${envFile}: its settings are read from that file`,
  });
  const s: MockState = {
    configured,
    mode: scenario === 'demo' ? 'demo' : configured ? 'live' : 'setup',
    values: configured
      ? { 'athoc.server_url': 'https://athoc.example.test', 'athoc.org_code': 'POLICE', 'athoc.client_id': 'bobosync', 'athoc.username': 'svc-bobo' }
      : {},
    secrets: configured ? { password: 'x', clientSecret: 'y', server: 'https://athoc.example.test' } : { password: null, clientSecret: null },
    status:
      scenario === 'empty'
        ? { ...baseStatus(), lastFileSeen: null, lastSuccess: null, pendingFiles: 0 }
        : scenario === 'attention'
          ? { ...baseStatus(), health: 'error', reason: 'AtHoc refused the credentials', pendingFiles: 0 }
          : baseStatus(),
    ...(seeded ? seed() : NOTHING),
    retried: [],
    calls: [],
    unsavedEdits: false,
    windowClosed: false,
    exports: [],
    opened: [],
    preferences: { startAtLogin: false, closeToTray: true },
    nextSavePath: '/home/op/export.csv',
    syncDelayMs: 0,
  };
  if (scenario === 'attention') {
    s.approvals = [];
    s.failedFiles.push({ name: 'bobo_0229.csv', failedAt: iso(-3000), reason: 'line 4: unknown duty code "XYZ"' });
  }
  let nextBatch = 3;
  let nextRecord = 5;
  const stored = (values?: SettingsValues) =>
    values && values['athoc.server_url'] !== s.secrets.server
      ? { passwordStored: false, clientSecretStored: false }
      : { passwordStored: s.secrets.password !== null, clientSecretStored: s.secrets.clientSecret !== null };
  const status = (): StatusDto => ({ ...s.status, mode: s.mode, pendingApprovals: s.approvals.length });
  const send = emitEngineEvent;

  function syncNow(): CycleReportDto {
    const id = nextBatch++;
    const file = `bobo_03${String(id).padStart(2, '0')}.csv`;
    send({ type: 'batchStarted', batchId: id, files: [file] });
    const recs = [
      record(nextRecord++, id, file, 2, '05555', 'bwayne', 'applied', 'Success'),
      record(nextRecord++, id, file, 3, '01234', 'jsmith', 'applied', 'Success'),
    ];
    s.records.push(...recs);
    const report = { batchId: id, files: [file], events: 2, set: 1, cleared: 1, superseded: 0, skippedOlder: 0, unmapped: 0, invalid: 0, rejected: 0, failed: 0, filesProcessed: 1, filesFailed: 0, filesKept: 0 };
    s.batches.unshift({ id, startedAt: iso(0), finishedAt: iso(3), files: [file], status: 'succeeded', error: null,
      counts: { events: 2, set: 1, cleared: 1, skippedOlder: 0, superseded: 0, unmapped: 0, rejected: 0, failed: 0, invalid: 0 } });
    s.status = { ...s.status, pendingFiles: 0, lastSuccess: iso(3), lastFileSeen: { name: file, at: iso(0) } };
    send({ type: 'batchFinished', report });
    return { mapping: null, batches: [report], cleanup: null, purgedFiles: 0, warnings: [], failures: [], approvalsNeeded: [] };
  }

  mockIPC(
    (cmd, raw) => {
      const args = (raw ?? {}) as Record<string, any>;
      s.calls.push({ cmd, args: cmd === 'store_secrets' ? { ...args.request, password: args.request?.password ? '***' : undefined, clientSecret: args.request?.clientSecret ? '***' : undefined } : args });
      switch (cmd) {
        case 'get_app_info':
          return { version: '0.1.0', configured: s.configured, mode: s.mode, boboTimeZone: 'Europe/London',
            connection: s.configured || s.mode === 'demo' ? { server: 'athoc.example.org', org: 'POLICE', user: 'bobosync-api' } : null,
            folders: { drop: '/data/drop', processed: '/data/processed', failed: '/data/failed', logs: '/data/logs' },
            settingsPath: '/home/op/.config/bobosync/settings.toml' } satisfies AppInfoDto;
        case 'is_configured':
          return s.configured;
        case 'get_status':
          return status();
        case 'pause':
          s.status = { ...s.status, paused: true, health: 'paused', reason: 'Paused by the operator' };
          send({ type: 'healthChanged', status: status() });
          return status();
        case 'resume':
          s.status = { ...s.status, paused: false, health: 'ok', reason: 'Running' };
          if (s.configured) s.mode = 'live';
          return status();
        case 'start_demo':
          s.mode = 'demo';
          Object.assign(s, seed());
          return status();
        case 'stop_demo':
          if (s.mode === 'demo') s.mode = s.configured ? 'live' : 'setup';
          return status();
        case 'sync_now':
          if (s.syncDelayMs > 0) return new Promise((r) => setTimeout(() => r(syncNow()), s.syncDelayMs));
          return syncNow();
        case 'sync_mappings_now':
          return { reason: 'forced', usersFetched: 2500, mapped: 2480, added: 3, changed: 1, removed: 0, duplicates: ['01111'], withoutCollar: 19, applied: true };
        case 'preview':
          if (!s.configured) throw { kind: 'not_configured', message: 'Nothing is configured yet' };
          return PREVIEW;
        case 'list_approvals':
          return s.approvals;
        case 'approve_change':
        case 'reject_change': {
          const before = s.approvals.length;
          s.approvals = s.approvals.filter((a) => a.id !== args.id);
          if (s.approvals.length === before) throw { kind: 'not_found', message: `No approval ${args.id}` };
          return null;
        }
        case 'list_failed_files':
          return s.failedFiles;
        case 'retry_failed_files':
        case 'dismiss_failed_files': {
          const names: string[] = args.names ?? s.failedFiles.map((f) => f.name);
          const missing = names.find((n) => !s.failedFiles.some((f) => f.name === n));
          if (missing) throw { kind: 'not_found', message: `${missing} is not in the failed folder /data/failed` };
          s.failedFiles = s.failedFiles.filter((f) => !names.includes(f.name));
          if (cmd === 'retry_failed_files') s.retried.push(...names);
          return names;
        }
        case 'get_history': {
          const who = (args.query?.who ?? null) as string | null;
          const recs = who === null ? [] : s.records.filter((r) => r.employee === who || r.login === who);
          const ids = new Set(recs.map((r) => r.batch));
          const failedRuns = who === null ? s.failedRuns : [];
          return { batches: who === null ? s.batches : s.batches.filter((b) => ids.has(b.id)), failedRuns, records: recs };
        }
        case 'get_batch_records':
          return s.records.filter((r) => r.batch === args.batchId);
        case 'run_checks':
          return CHECKS;
        case 'get_settings':
          return { values: s.values, secrets: stored(), envFile };
        case 'validate_settings':
          return fakeValidate(args.values ?? {});
        case 'save_settings': {
          if (envFile) throw fromEnvFile();
          const errors = fakeValidate(args.values ?? {});
          if (errors.length) return { saved: false, applied: false, errors };
          const first = !s.configured;
          s.values = { ...args.values };
          if (!s.secrets.password || !s.secrets.clientSecret) {
            // Saved, but the engine cannot start without the secrets.
            s.configured = false;
            return { saved: true, applied: false, errors: [{ key: 'athoc.password', problem: 'no password is stored for svc-bobo', expected: 'the password in the OS keyring' }] };
          }
          s.configured = true;
          if (first) s.status = { ...s.status, paused: true, health: 'paused', reason: 'Waiting to go live' };
          return { saved: true, applied: true, errors: [] };
        }
        case 'store_secrets': {
          if (envFile) throw fromEnvFile();
          const r = args.request ?? {};
          const v = r.values ?? {};
          if (!v['athoc.server_url'] || !v['athoc.org_code'] || !v['athoc.client_id'] || !v['athoc.username'])
            throw { kind: 'invalid_settings', message: 'fix these settings first: athoc.server_url is not set' };
          if (v['athoc.server_url'] !== s.secrets.server) s.secrets = { password: null, clientSecret: null, server: v['athoc.server_url'] };
          if (typeof r.password === 'string') s.secrets.password = r.password;
          if (typeof r.clientSecret === 'string') s.secrets.clientSecret = r.clientSecret;
          return stored();
        }
        case 'secrets_status':
          return stored(args.values ?? {});
        case 'test_connection': {
          const errors = fakeValidate(args.values ?? {});
          if (errors.length) return { ok: false, errors, checks: [] };
          if (!s.secrets.password || !s.secrets.clientSecret) {
            return { ok: false, errors: [], checks: [{ id: 'connection', title: 'Authentication and token', status: 'fail', detail: 'No password or client secret stored', action: 'Store both credentials.' }] };
          }
          return { ok: true, errors: [], checks: [CHECKS[0]] };
        }
        case 'import_legacy':
          s.values = { ...s.values, 'athoc.server_url': 'https://legacy.example.test', 'athoc.org_code': 'LEGACY', 'athoc.client_id': 'c', 'athoc.username': 'u' };
          s.secrets = { password: 'p', clientSecret: 'c', server: 'https://legacy.example.test' };
          s.configured = true;
          return { envFile: '/srv/bobo/.env', imported: true, values: s.values, secrets: stored(), databaseCopied: true, errors: [], warnings: [] };
        case 'export_csv':
          // The backend's save dialog answers nextSavePath (null: cancelled).
          if (s.nextSavePath) s.exports.push({ path: s.nextSavePath, contents: args.contents });
          return s.nextSavePath;
        case 'plugin:dialog|open':
          return args.options?.directory ? '/srv/bobo/drop' : '/srv/bobo/ca.pem';
        case 'open_folder':
          if (!['drop', 'processed', 'failed', 'logs'].includes(args.name)) throw { kind: 'internal', message: `unknown folder ${args.name}` };
          s.opened.push(args.name);
          return null;
        case 'get_app_preferences':
          return s.preferences;
        case 'set_app_preferences':
          s.preferences = { ...args.preferences };
          return s.preferences;
        case 'set_unsaved_edits':
          s.unsavedEdits = Boolean(args.unsaved);
          return null;
        case 'close_window':
          s.unsavedEdits = false;
          s.windowClosed = true;
          return null;
        default:
          throw { kind: 'internal', message: `mock backend: unknown command ${cmd}` };
      }
    },
    { shouldMockEvents: true },
  );
  installed = s;
  return s;
}
