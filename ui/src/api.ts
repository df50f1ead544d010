/**
 * The contract between the web UI and the Tauri backend (`src-tauri/`).
 *
 * This is the ONLY module that calls `invoke`, `listen` or a Tauri plugin
 * (the dialog plugin; folders are opened by the backend's `open_folder`).
 * Every other module imports the typed functions below.
 *
 * Conventions the Rust side mirrors:
 * - Commands are `snake_case` Tauri commands; their arguments are passed as
 *   one camelCase object (Tauri converts `batchId` ↔ `batch_id`).
 * - DTOs are camelCase (`#[serde(rename_all = "camelCase")]`); enums are
 *   snake_case strings (`#[serde(rename_all = "snake_case")]`).
 * - Optional values are `null` when absent (`Option<T>` serialized as null),
 *   never missing keys, except where a field is marked `?`.
 * - Times are RFC 3339 strings in UTC (`DateTime<Utc>`), e.g.
 *   `2025-03-04T14:31:10Z`. The UI converts them for display.
 * - Every failing command rejects with {@link ApiError} `{ kind, message }`.
 *   The UI branches on `kind` only; `message` is shown to the operator as is
 *   and must never contain a secret.
 * - Secrets (password, client secret) only travel UI → backend, in
 *   {@link storeSecrets}. No command ever returns one; the UI only learns
 *   whether each is stored ({@link SecretsStatus}).
 */
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import { open as openDialog } from '@tauri-apps/plugin-dialog';

// ───────────────────────────── errors ─────────────────────────────

/**
 * Stable error kinds. The backend's serializable error carries one of these
 * in `kind` (a `thiserror` enum tagged `#[serde(tag = "kind")]`, or mapped to
 * it). Unknown kinds from a newer backend are kept as plain strings.
 *
 * - `not_configured`: the command needs settings and there are none yet.
 * - `invalid_settings`: the settings do not validate (see the `errors` lists
 *   returned by {@link validateSettings} for details per key).
 * - `auth_rejected`: AtHoc refused the credentials (401/403).
 * - `unreachable`: AtHoc could not be reached (DNS, TLS, timeout, 5xx).
 * - `busy`: another sync, mapping sync or cleanup is in flight; try later.
 * - `not_found`: the batch / approval named does not exist (any more).
 * - `keyring_unavailable`: the OS keyring cannot be used on this machine.
 * - `io`: a file or folder could not be read or written (message names it).
 * - `import_failed`: the Python tool's `.env` / database could not be read.
 * - `internal`: anything else; the message says what, the log has details.
 */
export type ApiErrorKind =
  | 'not_configured'
  | 'invalid_settings'
  | 'auth_rejected'
  | 'unreachable'
  | 'busy'
  | 'not_found'
  | 'keyring_unavailable'
  | 'io'
  | 'import_failed'
  | 'internal';

/** The one error shape every command rejects with. */
export interface ApiErrorDto {
  /** One of {@link ApiErrorKind}; matched by the UI. */
  kind: ApiErrorKind | (string & {});
  /** For the operator: what failed and what to do. Never a secret. */
  message: string;
}

/** A rejected command, as a JS `Error` so stacks and `instanceof` work. */
export class ApiError extends Error {
  readonly kind: ApiErrorDto['kind'];
  constructor(dto: ApiErrorDto) {
    super(dto.message);
    this.name = 'ApiError';
    this.kind = dto.kind;
  }
}

/** Turns whatever a rejected `invoke` gave (an {@link ApiErrorDto}, a plain
 * string from a plugin, anything else) into an {@link ApiError}. */
export function toApiError(raw: unknown): ApiError {
  if (raw instanceof ApiError) return raw;
  if (raw && typeof raw === 'object' && 'kind' in raw && 'message' in raw) {
    const r = raw as { kind: unknown; message: unknown };
    return new ApiError({ kind: String(r.kind), message: String(r.message) });
  }
  if (raw instanceof Error) return new ApiError({ kind: 'internal', message: raw.message });
  return new ApiError({ kind: 'internal', message: String(raw) });
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toApiError(e);
  }
}

// ───────────────────────────── status ─────────────────────────────

/** Overall health, also the tray icon's state. */
export type Health = 'ok' | 'syncing' | 'paused' | 'warning' | 'error';

/** How the app is running: against the configured AtHoc, against the
 * built-in simulator, or not at all yet (first run). */
export type AppMode = 'live' | 'demo' | 'setup';

/** `get_status`: the engine's status snapshot. */
export interface StatusDto {
  health: Health;
  /** Why the health is what it is, for the operator ("AtHoc unreachable since …"). */
  reason: string;
  /** When the health last changed (RFC 3339 UTC). */
  since: string;
  paused: boolean;
  mode: AppMode;
  /** The newest BOBO file seen in the drop folder: name and when seen. */
  lastFileSeen: { name: string; at: string } | null;
  /** End of the last cycle that completed without failure. */
  lastSuccess: string | null;
  /** When the user-mapping sync is next due; null when disabled. */
  nextMappingSync: string | null;
  /** CSV files waiting in the drop folder. */
  pendingFiles: number;
  /** Mass changes waiting for the operator ({@link listApprovals}). */
  pendingApprovals: number;
  /** People whose AtHoc duty value differs from their last BOBO event, at
   * the last reconciliation check (run at start and daily); null until one
   * ran. `bobosync reconcile` lists them, `--fix` writes BOBO's truth. */
  drift: number | null;
}

/** `get_app_info`: facts that change only with the settings. */
export interface AppInfoDto {
  version: string;
  /** True once a settings file exists and validates (first-run detection). */
  configured: boolean;
  mode: AppMode;
  /** IANA zone the BOBO wall-clock times are read in (`[time] zone`). */
  boboTimeZone: string;
  /** Resolved folders (defaults applied), for the "open folder" buttons. */
  folders: FoldersDto;
  /** Where the native settings file is (or will be) written. */
  settingsPath: string;
}

/** Resolved folder paths. */
export interface FoldersDto {
  drop: string;
  processed: string;
  failed: string;
  logs: string;
}

/** `get_status` */
export function getStatus(): Promise<StatusDto> {
  return call('get_status');
}

/** `get_app_info` */
export function getAppInfo(): Promise<AppInfoDto> {
  return call('get_app_info');
}

/** `is_configured`: true when settings exist and validate; the UI shows the
 * first-run wizard otherwise (unless the demo is running). */
export function isConfigured(): Promise<boolean> {
  return call('is_configured');
}

/** `pause`: stop starting new batches (a batch in flight finishes). */
export function pause(): Promise<StatusDto> {
  return call('pause');
}

/** `resume`: start cycling again; also "go live" after the wizard, because
 * settings saved on first run leave the engine paused (see {@link saveSettings}). */
export function resume(): Promise<StatusDto> {
  return call('resume');
}

/** `start_demo`: run the whole app against the in-process simulator with
 * sample users and files (no settings needed, nothing written to a real
 * AtHoc). Status `mode` becomes `demo`. */
export function startDemo(): Promise<StatusDto> {
  return call('start_demo');
}

// ───────────────────────────── cycles ─────────────────────────────

/** One batch of a cycle (engine `BatchReport`). */
export interface BatchReportDto {
  batchId: number;
  files: string[];
  events: number;
  set: number;
  cleared: number;
  superseded: number;
  skippedOlder: number;
  unmapped: number;
  invalid: number;
  rejected: number;
  failed: number;
  filesProcessed: number;
  filesFailed: number;
  filesKept: number;
}

/** The user-mapping sync's result (engine `MappingReport`). */
export interface MappingReportDto {
  /** Why it ran ("daily after 20:00", "forced", …). */
  reason: string;
  usersFetched: number;
  mapped: number;
  added: number;
  changed: number;
  removed: number;
  /** Collar numbers held by more than one user (not mapped). */
  duplicates: string[];
  withoutCollar: number;
  /** False when it waits for approval or was a dry run. */
  applied: boolean;
}

/** The stale cleanup's result (engine `CleanupReport`). */
export interface CleanupReportDto {
  valuesSet: number;
  stale: number;
  cleared: number;
  failed: number;
  unparseable: number;
  dryRun: boolean;
  waitingForApproval: boolean;
}

/** `sync_now`: one full cycle's report (engine `CycleReport`). */
export interface CycleReportDto {
  mapping: MappingReportDto | null;
  batches: BatchReportDto[];
  cleanup: CleanupReportDto | null;
  purgedFiles: number;
  warnings: string[];
  failures: string[];
  /** Summaries of the mass changes now waiting for approval. */
  approvalsNeeded: string[];
}

/** `sync_now`: run one cycle now (mapping sync if due, every pending file,
 * cleanup). Rejects with `busy` when a cycle is already running. */
export function syncNow(): Promise<CycleReportDto> {
  return call('sync_now');
}

/** `sync_mappings_now`: refresh employee ID → login mappings now. */
export function syncMappingsNow(): Promise<MappingReportDto> {
  return call('sync_mappings_now');
}

// ───────────────────────────── preview ─────────────────────────────

/** `book_on` sets the duty attribute, `book_off` clears it. */
export type Duty = 'book_on' | 'book_off';

/** A CSV file and physical line (1-based). */
export interface SourceLineDto {
  file: string;
  line: number;
}

/** One BOBO row read as an event (engine `DutyEvent`). */
export interface DutyEventDto {
  employee: string;
  duty: Duty;
  /** The wall-clock time as written in the file (`YYYY-MM-DD HH:MM:SS`),
   * in {@link AppInfoDto.boboTimeZone}. */
  local: string;
  /** The same instant in UTC. */
  at: string;
  source: SourceLineDto;
}

/** What the plan does with an event (engine `plan::Action`, tagged by `kind`). */
export type PlannedActionDto =
  | { kind: 'set'; login: string }
  | { kind: 'clear'; login: string }
  | { kind: 'superseded'; by: SourceLineDto }
  | { kind: 'skip_older'; appliedAt: string; appliedFrom: SourceLineDto }
  | { kind: 'unmapped' };

/** One planned record, with a reason an operator can read. */
export interface PlannedRecordDto {
  event: DutyEventDto;
  action: PlannedActionDto;
  reason: string;
}

/** A row that could not be read. */
export interface RowErrorDto {
  source: SourceLineDto;
  reason: string;
}

/** `preview`: the plan for the pending files; nothing is sent or written. */
export interface PreviewDto {
  files: string[];
  /** Files still being written (not settled): not planned yet. */
  stillWriting: string[];
  plan: { records: PlannedRecordDto[]; invalid: RowErrorDto[] };
}

/** `preview`: dry run of the pending files with the saved settings. */
export function preview(): Promise<PreviewDto> {
  return call('preview');
}

// ───────────────────────────── approvals ─────────────────────────────

export type ApprovalKind = 'mass_clear' | 'mapping_purge' | 'reconcile_fix';

/** A guarded mass change waiting for the operator. */
export interface ApprovalDto {
  id: number;
  kind: ApprovalKind;
  /** In words: "clear 40 of 60 duty values older than the cleanup age". */
  summary: string;
  /** JSON text listing exactly what would change, as the engine stores it:
   * `mass_clear`: `["login", …]` (duty values to clear);
   * `mapping_purge`: `[["employeeId", "login"], …]` (mappings to remove) and
   * `[["employeeId", "from", "to"], …]` (mappings re-pointed to another login);
   * `reconcile_fix`: `[["login", "value"], …]` (an empty value clears).
   * Shown item by item; see `approvals.ts`. */
  payload: string;
  createdAt: string;
}

/** `list_approvals`: pending approvals, oldest first. */
export function listApprovals(): Promise<ApprovalDto[]> {
  return call('list_approvals');
}

/** `approve_change`: approve; the change is carried out in the next cycle
 * (the backend may start one at once). */
export function approveChange(id: number): Promise<void> {
  return call('approve_change', { id });
}

/** `reject_change`: reject; nothing changes. */
export function rejectChange(id: number): Promise<void> {
  return call('reject_change', { id });
}

// ───────────────────────────── failed files ─────────────────────────────

/** A file in the failed folder: its events were never applied. */
export interface FailedFileDto {
  name: string;
  /** When it was moved there (RFC 3339 UTC). */
  failedAt: string;
  /** Why, from the note beside it ("" when there is none). */
  reason: string;
}

/** `list_failed_files`: the files waiting in the failed folder, by name. */
export function listFailedFiles(): Promise<FailedFileDto[]> {
  return call('list_failed_files');
}

/** `retry_failed_files`: back into the drop folder (note removed, attempts
 * forgotten), so the engine applies them as new; `null` = all. Returns the
 * names as they are now in the drop folder. Rejects with `not_found` when a
 * name is not in the failed folder (any more). */
export function retryFailedFiles(names: string[] | null): Promise<string[]> {
  return call('retry_failed_files', { names });
}

/** `dismiss_failed_files`: into `failed/dismissed/`, kept but no longer
 * reported; their events stay unapplied. `null` = all. */
export function dismissFailedFiles(names: string[] | null): Promise<string[]> {
  return call('dismiss_failed_files', { names });
}

// ───────────────────────────── history ─────────────────────────────

export type BatchStatus = 'running' | 'succeeded' | 'partial' | 'failed' | 'interrupted';

/** Per-batch tallies (engine `BatchCounts`). */
export interface BatchCountsDto {
  events: number;
  set: number;
  cleared: number;
  skippedOlder: number;
  superseded: number;
  unmapped: number;
  rejected: number;
  failed: number;
  invalid: number;
}

/** One batch (engine `BatchRow`). */
export interface BatchRowDto {
  id: number;
  startedAt: string;
  finishedAt: string | null;
  files: string[];
  counts: BatchCountsDto;
  status: BatchStatus;
  error: string | null;
}

export type RecordAction = 'set' | 'clear' | 'superseded' | 'skip_older' | 'unmapped' | 'invalid';
/** Only `pending` is not final. */
export type RecordState =
  | 'pending'
  | 'applied'
  | 'rejected'
  | 'superseded'
  | 'skipped_older'
  | 'unmapped'
  | 'invalid';

/** One journalled record (engine `RecordRow`). Invalid rows have no
 * employee, duty or times. */
export interface RecordRowDto {
  id: number;
  batch: number;
  employee: string | null;
  duty: Duty | null;
  /** Wall-clock time as written, in the BOBO zone. */
  local: string | null;
  at: string | null;
  source: SourceLineDto;
  action: RecordAction;
  login: string | null;
  reason: string;
  state: RecordState;
  /** AtHoc's per-record reply, or the last error. */
  details: string | null;
  athocUserId: number | null;
  attempts: number;
}

/** `get_history` arguments. */
export interface HistoryQuery {
  /** An employee ID (collar number) or an AtHoc login; null for all. */
  who: string | null;
  /** At most this many batches (and records when `who` is set). */
  limit: number;
}

/** `get_history`: recent batches, newest first; `records` are the records of
 * `who` (empty when `who` is null). */
export interface HistoryDto {
  batches: BatchRowDto[];
  /** Cycles that failed outside any batch, newest first. */
  failedRuns: FailedRunDto[];
  records: RecordRowDto[];
}

/** A cycle that failed outside any batch (credentials refused, AtHoc down,
 * mappings not ready); a failure that went on is one row with its count. */
export interface FailedRunDto {
  firstAt: string;
  lastAt: string;
  /** Cycles it failed in, from `firstAt` to `lastAt`. */
  count: number;
  /** The failure kind's code, e.g. `athoc_authentication`. */
  kind: string;
  file: string | null;
  message: string;
}

/** `get_history` */
export function getHistory(query: HistoryQuery): Promise<HistoryDto> {
  return call('get_history', { query });
}

/** `get_batch_records`: every record of one batch, by file then line. */
export function getBatchRecords(batchId: number): Promise<RecordRowDto[]> {
  return call('get_batch_records', { batchId });
}

// ───────────────────────────── checks ─────────────────────────────

export type CheckStatus = 'pass' | 'warn' | 'fail';

/** One check (engine `CheckResult`), the same as `bobosync check`. */
export interface CheckDto {
  /** Stable id: `connection`, `collar_field`, `duty_field`, … */
  id: string;
  title: string;
  status: CheckStatus;
  detail: string;
  /** What to do when not a pass. */
  action: string | null;
}

/** `run_checks`: connection and field-mapping checks with saved settings. */
export function runChecks(): Promise<CheckDto[]> {
  return call('run_checks');
}

// ───────────────────────────── settings ─────────────────────────────

/**
 * Every key of docs/configuration.md that the native settings file holds,
 * named as in TOML: `section.name`. The engine's validation errors use the
 * same names in {@link ConfigErrorDto.key}, so an error lands on its field.
 */
export const SETTING_KEYS = [
  'athoc.server_url',
  'athoc.org_code',
  'athoc.client_id',
  'athoc.username',
  'athoc.scope',
  'athoc.disable_ssl_verify',
  'athoc.ssl_cert_path',
  'athoc.http_proxy',
  'athoc.https_proxy',
  'athoc.no_proxy',
  'athoc.timeout_seconds',
  'athoc.users_per_request',
  'athoc.page_size',
  'athoc.date_format',
  'time.zone',
  'fields.duty_attribute',
  'fields.collar_attribute',
  'fields.user_attributes',
  'paths.drop_dir',
  'paths.processed_dir',
  'paths.failed_dir',
  'paths.db_path',
  'paths.log_dir',
  'files.move_processed',
  'files.processed_purge_days',
  'files.files_per_batch',
  'files.settle_seconds',
  'files.max_retry_attempts',
  'files.max_file_mb',
  'mapping.enabled',
  'mapping.sync_hour',
  'mapping.retry_days',
  'mapping.purge_guard_percent',
  'mapping.purge_guard_min',
  'cleanup.stale_after_hours',
  'cleanup.guard_percent',
  'cleanup.guard_min',
  'logging.level',
  'logging.purge_days',
] as const;

/** A setting's TOML name, `section.name`. */
export type SettingKey = (typeof SETTING_KEYS)[number];

/**
 * Settings as raw text, exactly what the operator typed, keyed by
 * {@link SettingKey}. A blank or missing value means "use the default".
 * Booleans are `"true"`/`"false"`; `fields.user_attributes` is a comma list.
 * The engine parses and validates (`RawSettings` → `Settings`), so its own
 * messages reach the operator. Never contains a secret.
 */
export type SettingsValues = Partial<Record<SettingKey, string>>;

/** One invalid setting (engine `ConfigError`). */
export interface ConfigErrorDto {
  /** `section.name` (a {@link SettingKey}), or another name when the
   * problem is not one field's (e.g. `settings`). */
  key: string;
  problem: string;
  expected: string;
}

/** Which secrets the keyring holds for the current identity. */
export interface SecretsStatus {
  passwordStored: boolean;
  clientSecretStored: boolean;
}

/** `get_settings`: the saved settings (empty on first run). */
export interface SettingsSnapshotDto {
  values: SettingsValues;
  secrets: SecretsStatus;
}

/** `save_settings` result. `saved`: the settings file was written.
 * `applied`: the engine now runs with it. Saved but not applied, `errors`
 * say why it cannot run yet (typically a secret not stored in the keyring);
 * not saved, `errors` are the invalid settings. */
export interface SaveSettingsResultDto {
  saved: boolean;
  applied: boolean;
  errors: ConfigErrorDto[];
}

/** `get_settings` */
export function getSettings(): Promise<SettingsSnapshotDto> {
  return call('get_settings');
}

/** `validate_settings`: every problem at once; nothing is saved. Secrets
 * are not needed: a missing secret is not reported here. */
export function validateSettings(values: SettingsValues): Promise<ConfigErrorDto[]> {
  return call('validate_settings', { values });
}

/** `save_settings`: validate, then write the native settings file and apply
 * it (the engine restarts with them). On first run the engine starts
 * PAUSED so the wizard can preview before going live ({@link resume}). */
export function saveSettings(values: SettingsValues): Promise<SaveSettingsResultDto> {
  return call('save_settings', { values });
}

/** The settings that decide which keyring entries hold the secrets: the
 * entries are bound to the server, organization, client ID, user name, and
 * the proxy and TLS settings, so that stored secrets are never sent to a
 * server (or through a proxy) they were not entered for. After any of these
 * change, the secrets must be stored again. */
export const SECRET_BINDING_KEYS = [
  'athoc.server_url',
  'athoc.org_code',
  'athoc.client_id',
  'athoc.username',
  'athoc.http_proxy',
  'athoc.https_proxy',
  'athoc.no_proxy',
  'athoc.disable_ssl_verify',
  'athoc.ssl_cert_path',
] as const satisfies readonly SettingKey[];

/** `store_secrets` arguments: the settings being edited (the secrets are
 * stored for their server and route) and the secrets. A missing (undefined)
 * secret is left as it is; an empty string is refused by the UI before
 * sending. */
export interface StoreSecretsRequest {
  values: SettingsValues;
  password?: string;
  clientSecret?: string;
}

/** `store_secrets`: write to the OS keyring. Write-only: returns only
 * whether each is now stored. Rejects with `keyring_unavailable`. */
export function storeSecrets(request: StoreSecretsRequest): Promise<SecretsStatus> {
  return call('store_secrets', { request });
}

/** `secrets_status`: whether the keyring holds each secret for the server
 * and route of `values` (see {@link SECRET_BINDING_KEYS}). */
export function secretsStatus(values: SettingsValues): Promise<SecretsStatus> {
  return call('secrets_status', { values });
}

/** `test_connection` result. `errors` lists invalid settings (then no
 * connection is tried); `checks` are the connection and token checks. */
export interface ConnectionTestDto {
  ok: boolean;
  errors: ConfigErrorDto[];
  checks: CheckDto[];
}

/** `test_connection`: try to authenticate with these (unsaved) values and
 * the stored secrets; nothing is saved or written to AtHoc. */
export function testConnection(values: SettingsValues): Promise<ConnectionTestDto> {
  return call('test_connection', { values });
}

/** `import_legacy` result. On success the settings are saved, secrets found
 * in the `.env` are in the keyring and `values` is the new saved state. */
export interface ImportResultDto {
  /** The `.env` file the operator chose. */
  envFile: string;
  imported: boolean;
  values: SettingsValues;
  secrets: SecretsStatus;
  databaseCopied: boolean;
  errors: ConfigErrorDto[];
  warnings: string[];
}

/** `import_legacy` (like `bobosync import-legacy`): the backend asks for
 * the Python tool's `.env` and then, optionally, its `bobo_mapping.db` in
 * the OS dialogs (the window never passes a path). Null when cancelled. */
export function importLegacy(): Promise<ImportResultDto | null> {
  return call('import_legacy');
}

// ───────────────────────────── export ─────────────────────────────

/** `export_csv`: the backend asks where to save (the OS dialog, `.csv`
 * added when missing) and writes `contents` there; it refuses BoboSync's
 * own folders (a CSV in the drop folder would be applied). Returns the
 * path written, or null when the operator cancelled. */
export function saveCsv(suggestedName: string, contents: string): Promise<string | null> {
  return call('export_csv', { suggestedName, contents });
}

// ───────────────────────────── dialogs, folders ─────────────────────────────

/** Folder picker (dialog plugin). Null when cancelled. */
export async function pickFolder(title: string, defaultPath?: string): Promise<string | null> {
  try {
    const picked = await openDialog({
      directory: true,
      multiple: false,
      title,
      ...(defaultPath ? { defaultPath } : {}),
    });
    return typeof picked === 'string' ? picked : null;
  } catch (e) {
    throw toApiError(e);
  }
}

/** File picker (dialog plugin) for a file setting (the extra CA
 * certificate); the path is validated by the engine on save. */
export async function pickFile(
  title: string,
  filters: { name: string; extensions: string[] }[] = [],
): Promise<string | null> {
  try {
    const picked = await openDialog({ directory: false, multiple: false, title, filters });
    return typeof picked === 'string' ? picked : null;
  } catch (e) {
    throw toApiError(e);
  }
}

/** Which of the app's folders to open. */
export type FolderName = keyof FoldersDto;

/** `open_folder`: opens one of the app's four folders in the OS file
 * manager. The backend resolves the path from the settings; the window
 * cannot open any other path. Rejects with `io`. */
export function openFolder(name: FolderName): Promise<void> {
  return call('open_folder', { name });
}

// ───────────────────────────── app preferences ─────────────────────────────

/** The tray app's own options (not sync settings). */
export interface AppPreferencesDto {
  /** Start hidden in the tray at login (the OS keeps this; off by default). */
  startAtLogin: boolean;
  /** Closing the window hides it to the tray (else it quits BoboSync). */
  closeToTray: boolean;
}

/** `get_app_preferences` */
export function getAppPreferences(): Promise<AppPreferencesDto> {
  return call('get_app_preferences');
}

/** `set_app_preferences`: saves and applies both; returns what is now in
 * force. Rejects with `io` (preferences file) or `internal` (login item). */
export function setAppPreferences(preferences: AppPreferencesDto): Promise<AppPreferencesDto> {
  return call('set_app_preferences', { preferences });
}

// ───────────────────────────── events ─────────────────────────────

/** An open incident (the tray toasts these; the UI shows them too). */
export interface IncidentDto {
  id: number;
  /** `auth_rejected`, `unreachable`, `updates_failing`, `mappings_not_synced`,
   * `mapping_sync_failed`, `check_failing`, `files_failed` (files wait in the
   * failed folder), `record_failures`, `approval_needed`,
   * `no_file_in_active_hours`, … */
  kind: string;
  /** How the engine's health model ranks it: `error` (AtHoc, the folder or
   * the database unusable) or `warning`. */
  severity: 'error' | 'warning';
  summary: string;
  since: string;
}

/**
 * What the engine reports while it runs, on the Tauri event
 * {@link ENGINE_EVENT}. Tagged by `type` (Rust:
 * `#[serde(tag = "type", rename_all = "camelCase", rename_all_fields = "camelCase")]`).
 */
export type EngineEvent =
  /** `batchId` is null while the engine does not report it; a full
   * cycle's start has no files. */
  | { type: 'batchStarted'; batchId: number | null; files: string[] }
  | { type: 'batchFinished'; report: BatchReportDto }
  | { type: 'fileRejected'; file: string; reason: string }
  | { type: 'recordFailures'; count: number }
  | { type: 'mappingSyncDone'; report: MappingReportDto }
  | { type: 'cleanupDone'; report: CleanupReportDto }
  | { type: 'approvalNeeded'; approval: ApprovalDto }
  | { type: 'healthChanged'; status: StatusDto }
  | { type: 'incidentOpened'; incident: IncidentDto }
  | { type: 'incidentResolved'; incident: IncidentDto };

/** The Tauri event name the backend emits {@link EngineEvent}s on. */
export const ENGINE_EVENT = 'engine-event';

/** Calls `handler` for every engine event until the returned function is called. */
export function onEngineEvent(handler: (event: EngineEvent) => void): Promise<UnlistenFn> {
  return listen<EngineEvent>(ENGINE_EVENT, (e) => handler(e.payload));
}
