/**
 * The contract between the web UI and the Tauri backend (`src-tauri/`).
 *
 * This is the ONLY module that calls `invoke`, `listen` or a Tauri plugin
 * (the dialog plugin; folders are opened by the backend's `open_folder`).
 * Every other module imports the typed functions below.
 *
 * The shapes are generated from the Rust types (`./generated/backend.ts`,
 * written by `src-tauri/src/bindings.rs`; a Rust test fails when it is out
 * of date) and re-exported here.
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
import type {
  ApiErrorDto,
  AppInfoDto,
  AppPreferencesDto,
  ApprovalDto,
  CheckResult,
  ConfigErrorDto,
  ConnectionTestDto,
  CycleReportDto,
  EngineEventDto,
  FailedFileDto,
  FolderName,
  HistoryDto,
  HistoryQuery,
  ImportResultDto,
  MappingReportDto,
  PreviewDto,
  RecordRowDto,
  SaveSettingsResultDto,
  SecretsStatus,
  SettingKey,
  SettingsSnapshotDto,
  SettingsValues,
  StatusDto,
  StoreSecretsRequest,
  ActionKind,
} from './generated/backend';

// The shapes commands take and return are generated from the Rust types
// (src-tauri/src/bindings.rs): re-exported here, so that every module
// imports the contract from this one.
export * from './generated/backend';
/** One check (engine `CheckResult`), the same as `bobosync check`. */
export type CheckDto = CheckResult;
/** What a journalled record did (engine `ActionKind`). */
export type RecordAction = ActionKind;

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
 * - `settings_from_env_file`: the app runs from a `.env` (`--env-file`), so
 *   settings and secrets cannot be saved from the window.
 * - `internal`: anything else; the message says what, the log has details.
 */
export type ApiErrorKind = ApiErrorDto['kind'];

/** An error as the UI holds it: a kind it knows, or one from a newer backend. */
interface ApiErrorShape {
  kind: ApiErrorKind | (string & {});
  message: string;
}

/** A rejected command, as a JS `Error` so stacks and `instanceof` work. */
export class ApiError extends Error {
  readonly kind: ApiErrorShape['kind'];
  constructor(dto: ApiErrorShape) {
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

/** `stop_demo`: leave the demo ("Set up for real"): its engine and
 * simulator stop and its folder is deleted; then what runs at launch runs
 * (the configured settings, else nothing: `mode` becomes `setup` and the
 * window shows the first-run wizard). Outside the demo it changes nothing. */
export function stopDemo(): Promise<StatusDto> {
  return call('stop_demo');
}

// ───────────────────────────── cycles ─────────────────────────────

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

/** `preview`: dry run of the pending files with the saved settings. */
export function preview(): Promise<PreviewDto> {
  return call('preview');
}

// ───────────────────────────── approvals ─────────────────────────────

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

/** `get_history` */
export function getHistory(query: HistoryQuery): Promise<HistoryDto> {
  return call('get_history', { query });
}

/** `get_batch_records`: every record of one batch, by file then line. */
export function getBatchRecords(batchId: number): Promise<RecordRowDto[]> {
  return call('get_batch_records', { batchId });
}

// ───────────────────────────── checks ─────────────────────────────

/** `run_checks`: connection and field-mapping checks with saved settings. */
export function runChecks(): Promise<CheckDto[]> {
  return call('run_checks');
}

// ───────────────────────────── settings ─────────────────────────────

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

/** `test_connection`: try to authenticate with these (unsaved) values and
 * the stored secrets; nothing is saved or written to AtHoc. */
export function testConnection(values: SettingsValues): Promise<ConnectionTestDto> {
  return call('test_connection', { values });
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

/** `open_folder`: opens one of the app's four folders in the OS file
 * manager. The backend resolves the path from the settings; the window
 * cannot open any other path. Rejects with `io`. */
export function openFolder(name: FolderName): Promise<void> {
  return call('open_folder', { name });
}

// ───────────────────────────── app preferences ─────────────────────────────

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

/** What the engine reports while it runs, on the Tauri event
 * {@link ENGINE_EVENT}, tagged by `type`. */
export type EngineEvent = EngineEventDto;

/** The Tauri event name the backend emits {@link EngineEvent}s on. */
export const ENGINE_EVENT = 'engine-event';

/** `set_unsaved_edits`: the window holds settings edits not saved yet (or
 * no longer); while it does, closing the window is held back and
 * {@link CLOSE_BLOCKED_EVENT} asks the window instead. */
export function setUnsavedEdits(unsaved: boolean): Promise<void> {
  return call('set_unsaved_edits', { unsaved });
}

/** `close_window`: closes the window after it asked (saved or discarded):
 * to the tray, or quitting BoboSync when closing quits. */
export function closeWindow(): Promise<void> {
  return call('close_window');
}

/** The event the backend emits when closing the window was held back
 * because of unsaved edits. */
export const CLOSE_BLOCKED_EVENT = 'close-blocked';

/** Calls `handler` whenever closing the window was held back, until the
 * returned function is called. */
export function onCloseBlocked(handler: () => void): Promise<UnlistenFn> {
  return listen(CLOSE_BLOCKED_EVENT, () => handler());
}

/** Calls `handler` for every engine event until the returned function is called. */
export function onEngineEvent(handler: (event: EngineEvent) => void): Promise<UnlistenFn> {
  return listen<EngineEvent>(ENGINE_EVENT, (e) => handler(e.payload));
}
