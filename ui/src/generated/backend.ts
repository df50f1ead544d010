// Generated from the Rust types of src-tauri/ and the engine by
// src-tauri/src/bindings.rs. Do not edit: change the Rust type, then run
//   BOBOSYNC_UPDATE_BINDINGS=1 cargo test -p bobosync-tray --lib bindings
// ui/src/api.ts re-exports these with the commands that use them.

/** Every setting of the native settings file, named as in TOML:
 * `section.name`. Validation errors use the same names in
 * {@link ConfigErrorDto.key}, so an error lands on its field. */
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
  'athoc.concurrent_requests',
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
  'runtime.rescan_seconds',
  'runtime.no_file_warning_minutes',
  'runtime.active_hours',
] as const;

/** A setting's TOML name, `section.name`. */
export type SettingKey = (typeof SETTING_KEYS)[number];

/** Each setting's `.env` name (the Python tool's). */
export const SETTING_ENV_NAMES: { readonly [K in SettingKey]: string } = {
  'athoc.server_url': 'ATHOC_SERVER_URL',
  'athoc.org_code': 'ORG_CODE',
  'athoc.client_id': 'CLIENT_ID',
  'athoc.username': 'APIUSER',
  'athoc.scope': 'SCOPE',
  'athoc.disable_ssl_verify': 'DISABLE_SSL_VERIFY',
  'athoc.ssl_cert_path': 'SSL_CERT_PATH',
  'athoc.http_proxy': 'HTTP_PROXY',
  'athoc.https_proxy': 'HTTPS_PROXY',
  'athoc.no_proxy': 'NO_PROXY',
  'athoc.timeout_seconds': 'HTTP_TIMEOUT_SECONDS',
  'athoc.users_per_request': 'USERS_PER_REQUEST',
  'athoc.concurrent_requests': 'CONCURRENT_REQUESTS',
  'athoc.page_size': 'PAGE_SIZE',
  'athoc.date_format': 'ATHOC_DATE_FORMAT',
  'time.zone': 'TIME_ZONE',
  'fields.duty_attribute': 'DUTY_STATUS_FIELD',
  'fields.collar_attribute': 'COLLAR_ID_FIELD',
  'fields.user_attributes': 'USER_ATTRIBUTES',
  'paths.drop_dir': 'CSV_DIRECTORY',
  'paths.processed_dir': 'PROCESSED_DIRECTORY',
  'paths.failed_dir': 'FAILED_FILES_DIRECTORY',
  'paths.db_path': 'DB_PATH',
  'paths.log_dir': 'LOG_DIRECTORY',
  'files.move_processed': 'MOVE_PROCESSED_FILES',
  'files.processed_purge_days': 'PROCESSED_FILES_PURGE_DAYS',
  'files.files_per_batch': 'BATCH_SIZE',
  'files.settle_seconds': 'FILE_SETTLE_SECONDS',
  'files.max_retry_attempts': 'MAX_RETRY_ATTEMPTS',
  'files.max_file_mb': 'MAX_FILE_MB',
  'mapping.enabled': 'SYNC_MAPPINGS',
  'mapping.sync_hour': 'SYNC_HOUR',
  'mapping.retry_days': 'SYNC_RETRY_DAYS',
  'mapping.purge_guard_percent': 'MAPPING_PURGE_GUARD_PERCENT',
  'mapping.purge_guard_min': 'MAPPING_PURGE_GUARD_MIN',
  'cleanup.stale_after_hours': 'AUTO_CLEANUP_HOURS',
  'cleanup.guard_percent': 'CLEANUP_GUARD_PERCENT',
  'cleanup.guard_min': 'CLEANUP_GUARD_MIN',
  'logging.level': 'LOG_LEVEL',
  'logging.purge_days': 'LOG_PURGE_DAYS',
  'runtime.rescan_seconds': 'RESCAN_SECONDS',
  'runtime.no_file_warning_minutes': 'NO_FILE_WARNING_MINUTES',
  'runtime.active_hours': 'ACTIVE_HOURS',
};

/** Settings as raw text, exactly as typed, by {@link SettingKey}; blank or
 * missing means the default. Never holds a secret. */
export type SettingsValues = Partial<Record<SettingKey, string>>;

/**
 * A failed command, serialized as `{ "kind": "...", "message": "..." }`.
 */
export type ApiErrorDto = { "kind": "not_configured", "message": string } | { "kind": "invalid_settings", "message": string } | { "kind": "auth_rejected", "message": string } | { "kind": "unreachable", "message": string } | { "kind": "busy", "message": string } | { "kind": "not_found", "message": string } | { "kind": "keyring_unavailable", "message": string } | { "kind": "io", "message": string } | { "kind": "import_failed", "message": string } | { "kind": "settings_from_env_file", "message": string } | { "kind": "internal", "message": string };

/**
 * The engine's health, worst first after `Paused`.
 */
export type Health = "ok" | "syncing" | "paused" | "warning" | "error";

/**
 * How the app runs: against the configured AtHoc, the simulator, or not yet.
 */
export type AppMode = "live" | "demo" | "setup";

/**
 * `lastFileSeen`.
 */
export type FileSeenDto = { 
/**
 * The engine reports when, not which: empty until it says.
 */
name: string, at: string, };

/**
 * `get_status`.
 */
export type StatusDto = { health: Health, reason: string, since: string, paused: boolean, mode: AppMode, lastFileSeen: FileSeenDto | null, lastSuccess: string | null, nextMappingSync: string | null, pendingFiles: number, pendingApprovals: number, 
/**
 * People whose AtHoc duty value differs from their last BOBO event, at
 * the last reconciliation check (`null` until one ran).
 */
drift: number | null, 
/**
 * The incidents open now, errors first: a window opened after one
 * began names it.
 */
incidents: Array<IncidentDto>, };

/**
 * Resolved folders.
 */
export type FoldersDto = { drop: string, processed: string, failed: string, logs: string, };

/**
 * Which AtHoc the engine talks to, and as whom (never a secret).
 */
export type ConnectionDto = { 
/**
 * The server's host (and port when not the default), e.g. `athoc.example.org`.
 */
server: string, 
/**
 * The organization code.
 */
org: string, 
/**
 * The API user's name.
 */
user: string, };

/**
 * `get_app_info`.
 */
export type AppInfoDto = { version: string, configured: boolean, mode: AppMode, 
/**
 * Which AtHoc, as whom: null until settings are in force (first run).
 */
connection: ConnectionDto | null, boboTimeZone: string, folders: FoldersDto, settingsPath: string, };

/**
 * One batch (engine `BatchReport`).
 */
export type BatchReportDto = { batchId: number, files: Array<string>, events: number, set: number, cleared: number, superseded: number, skippedOlder: number, unmapped: number, invalid: number, rejected: number, failed: number, filesProcessed: number, filesFailed: number, filesKept: number, };

/**
 * The mapping sync's result.
 */
export type MappingReportDto = { reason: string, usersFetched: number, mapped: number, added: number, changed: number, removed: number, duplicates: Array<string>, withoutCollar: number, applied: boolean, };

/**
 * The stale cleanup's result.
 */
export type CleanupReportDto = { valuesSet: number, stale: number, cleared: number, failed: number, unparseable: number, dryRun: boolean, waitingForApproval: boolean, };

/**
 * `sync_now`.
 */
export type CycleReportDto = { mapping: MappingReportDto | null, batches: Array<BatchReportDto>, cleanup: CleanupReportDto | null, purgedFiles: number, warnings: Array<string>, failures: Array<string>, approvalsNeeded: Array<string>, };

/**
 * What a BOBO row says happened.
 */
export type Duty = "book_on" | "book_off";

/**
 * A file and 1-based line.
 */
export type SourceLineDto = { file: string, line: number, };

/**
 * One BOBO row as an event.
 */
export type DutyEventDto = { employee: string, duty: Duty, local: string, at: string, source: SourceLineDto, };

/**
 * What the plan does with an event, tagged by `kind`.
 */
export type PlannedActionDto = { "kind": "set", login: string, } | { "kind": "clear", login: string, } | { "kind": "superseded", by: SourceLineDto, } | { "kind": "skip_older", appliedAt: string, appliedFrom: SourceLineDto, } | { "kind": "unmapped" };

/**
 * One planned record.
 */
export type PlannedRecordDto = { event: DutyEventDto, action: PlannedActionDto, reason: string, };

/**
 * A row that could not be read.
 */
export type RowErrorDto = { source: SourceLineDto, reason: string, };

/**
 * The plan part of a preview.
 */
export type PlanDto = { records: Array<PlannedRecordDto>, invalid: Array<RowErrorDto>, };

/**
 * `preview`.
 */
export type PreviewDto = { files: Array<string>, stillWriting: Array<string>, plan: PlanDto, };

/**
 * What needs approving.
 */
export type ApprovalKind = "mass_clear" | "mapping_purge" | "reconcile_fix";

/**
 * A guarded mass change waiting for the operator.
 */
export type ApprovalDto = { id: number, kind: ApprovalKind, 
/**
 * In words: "clear 40 of 60 duty values older than the cleanup age".
 */
summary: string, 
/**
 * JSON text listing exactly what would change, as the engine stores it:
 * `mass_clear`: `["login", …]` (duty values to clear);
 * `mapping_purge`: `[["employeeId", "login"], …]` (mappings to remove) and
 * `[["employeeId", "from", "to"], …]` (mappings re-pointed to another login);
 * `reconcile_fix`: `[["login", "value"], …]` (an empty value clears).
 */
payload: string, createdAt: string, };

/**
 * A file waiting in the failed folder: its events were never applied.
 */
export type FailedFileDto = { name: string, failedAt: string, 
/**
 * Why, from the note beside it (empty when none).
 */
reason: string, };

/**
 * How a batch ended (or that it has not).
 */
export type BatchStatus = "running" | "succeeded" | "partial" | "failed" | "interrupted";

/**
 * The kind of a journalled record's action (`records.action`).
 */
export type ActionKind = "set" | "clear" | "superseded" | "skip_older" | "unmapped" | "invalid";

/**
 * Where a record stands (`records.state`). Only `Pending` is not final.
 */
export type RecordState = "pending" | "applied" | "rejected" | "superseded" | "skipped_older" | "unmapped" | "invalid";

/**
 * Per-batch tallies.
 */
export type BatchCountsDto = { events: number, set: number, cleared: number, skippedOlder: number, superseded: number, unmapped: number, rejected: number, failed: number, invalid: number, };

/**
 * One batch of the history.
 */
export type BatchRowDto = { id: number, startedAt: string, finishedAt: string | null, files: Array<string>, counts: BatchCountsDto, status: BatchStatus, error: string | null, };

/**
 * One journalled record.
 */
export type RecordRowDto = { id: number, batch: number, 
/**
 * Invalid rows have no employee, duty or times.
 */
employee: string | null, duty: Duty | null, 
/**
 * The wall-clock time as written, in the BOBO time zone.
 */
local: string | null, at: string | null, source: SourceLineDto, action: ActionKind, login: string | null, reason: string, state: RecordState, 
/**
 * AtHoc's reply for this record, or the last error.
 */
details: string | null, athocUserId: number | null, attempts: number, };

/**
 * A cycle that failed outside any batch (credentials refused, AtHoc down,
 * mappings not ready), or a run of the same failure.
 */
export type FailedRunDto = { firstAt: string, lastAt: string, 
/**
 * Cycles it failed in.
 */
count: number, 
/**
 * The failure kind's code (`athoc_authentication`, …).
 */
kind: string, file: string | null, message: string, };

/**
 * `get_history`.
 */
export type HistoryDto = { batches: Array<BatchRowDto>, 
/**
 * Cycles that failed outside any batch, newest first.
 */
failedRuns: Array<FailedRunDto>, records: Array<RecordRowDto>, };

/**
 * `get_history` arguments.
 */
export type HistoryQuery = { 
/**
 * An employee ID (collar number) or an AtHoc login; null for all.
 */
who: string | null, 
/**
 * At most this many batches (and records when `who` is set).
 */
limit: number, };

/**
 * A check's verdict.
 */
export type CheckStatus = "pass" | "warn" | "fail";

/**
 * One check: what was looked at, what was found, what to do about it.
 */
export type CheckResult = { 
/**
 * Stable identifier (`connection`, `collar_field`, …) for the UI.
 */
id: string, title: string, status: CheckStatus, detail: string, 
/**
 * What to do when it is not a pass.
 */
action: string | null, };

/**
 * An incident, with the UI's kind names.
 */
export type IncidentDto = { id: number, 
/**
 * `auth_rejected`, `unreachable`, `updates_failing`,
 * `mappings_not_synced`, `mapping_sync_failed`, `check_failing`,
 * `files_failed`, `record_failures`, `approval_needed`,
 * `no_file_in_active_hours`, … ([`incident_kind_name`]).
 */
kind: string, 
/**
 * `error` (AtHoc or the folder or database unusable) or `warning`, as
 * the engine's health model ranks it.
 */
severity: string, summary: string, since: string, };

/**
 * What the backend emits on the `engine-event` Tauri event.
 */
export type EngineEventDto = { "type": "batchStarted", batchId: number | null, files: Array<string>, } | { "type": "sending", answered: number, total: number, } | { "type": "batchFinished", report: BatchReportDto, } | { "type": "fileRejected", file: string, reason: string, } | { "type": "recordFailures", count: number, } | { "type": "mappingSyncDone", report: MappingReportDto, } | { "type": "cleanupDone", report: CleanupReportDto, } | { "type": "approvalNeeded", approval: ApprovalDto, } | { "type": "healthChanged", status: StatusDto, } | { "type": "incidentOpened", incident: IncidentDto, } | { "type": "incidentResolved", incident: IncidentDto, };

/**
 * One invalid setting.
 */
export type ConfigErrorDto = { key: string, problem: string, expected: string, };

/**
 * Whether each secret is stored.
 */
export type SecretsStatus = { passwordStored: boolean, clientSecretStored: boolean, };

/**
 * `get_settings` result.
 */
export type SettingsSnapshotDto = { values: SettingsValues, secrets: SecretsStatus, 
/**
 * The `.env` the app was started with (`--env-file`): the settings are
 * that file's, shown but not editable here.
 */
envFile: string | null, };

/**
 * `save_settings` result. `saved`: the file was written; `applied`: the
 * engine runs with it. Saved but not applied, `errors` say why it cannot
 * run yet (typically a secret not in the keyring).
 */
export type SaveSettingsResultDto = { saved: boolean, applied: boolean, errors: Array<ConfigErrorDto>, };

/**
 * `store_secrets` arguments: the settings being edited (the secrets are
 * bound to their server, organization, client, user, proxy and TLS
 * settings) and the secrets to write; a missing secret is left as it is.
 */
export type StoreSecretsRequest = { values: SettingsValues, password?: string, clientSecret?: string, };

/**
 * `test_connection` result.
 */
export type ConnectionTestDto = { ok: boolean, errors: Array<ConfigErrorDto>, checks: Array<CheckResult>, };

/**
 * `import_legacy` result.
 */
export type ImportResultDto = { 
/**
 * The `.env` file chosen.
 */
envFile: string, imported: boolean, values: SettingsValues, secrets: SecretsStatus, databaseCopied: boolean, errors: Array<ConfigErrorDto>, warnings: Array<string>, };

/**
 * `get_app_preferences` / `set_app_preferences`: the app's own options.
 */
export type AppPreferencesDto = { 
/**
 * Start (hidden, in the tray) at login; the OS keeps this.
 */
startAtLogin: boolean, 
/**
 * Closing the window hides it to the tray (else it quits).
 */
closeToTray: boolean, };

/**
 * The folders `open_folder` may open: the app's own four, never a path
 * from the window.
 */
export type FolderName = "drop" | "processed" | "failed" | "logs";
