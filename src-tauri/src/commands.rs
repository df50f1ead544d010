//! The Tauri commands of `ui/src/api.ts`, one per exported function. Each
//! delegates to the engine handle or the settings module and maps the
//! result to a DTO; none holds sync logic.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use engine::config::{Host, KeyringStore};
use engine::cycle::{FailedSelection, SyncContext};
use engine::store::{ApprovalId, BatchId, Store};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Runtime, State};

use crate::dto::{
    AppInfoDto, AppMode, ApprovalDto, BatchRowDto, CheckDto, ConnectionDto, CycleReportDto,
    FailedFileDto, FoldersDto, HistoryDto, MappingReportDto, PreviewDto, RecordRowDto, StatusDto,
};
use crate::error::ApiError;
use crate::files;
use crate::settings::{
    self as settings_io, ConfigErrorDto, ImportLegacyRequest, ImportResultDto, SecretsStatus,
    SettingsValues, StoreSecretsRequest,
};
use crate::state::{self, AppState};

type Result<T> = std::result::Result<T, ApiError>;

/// The secret store the app writes to: the OS keyring.
fn keyring() -> KeyringStore {
    KeyringStore::new()
}

/// The resolved folders: of the running settings, else the defaults.
pub fn folders(state: &AppState) -> FoldersDto {
    let shown = |p: &Path| p.display().to_string();
    match state.current().settings {
        Some(s) => FoldersDto {
            drop: shown(&s.paths.drop_dir),
            processed: shown(&s.paths.processed_dir),
            failed: shown(&s.paths.failed_dir),
            logs: shown(&s.paths.log_dir),
        },
        None => {
            let l = &state.launch.locations;
            FoldersDto {
                drop: shown(&l.drop_dir),
                processed: shown(&l.processed_dir),
                failed: shown(&l.failed_dir),
                logs: shown(&l.log_dir),
            }
        }
    }
}

#[tauri::command]
pub fn get_status(state: State<'_, AppState>) -> StatusDto {
    state.status()
}

#[tauri::command]
pub fn get_app_info(state: State<'_, AppState>) -> AppInfoDto {
    let current = state.current();
    let zone = current.settings.as_ref().map_or_else(
        || {
            Host::system()
                .system_time_zone
                .unwrap_or_else(|| "UTC".to_owned())
        },
        |s| s.time_zone.name().to_owned(),
    );
    AppInfoDto {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        configured: is_configured(state.clone()),
        mode: current.mode,
        connection: current.settings.as_ref().map(|s| ConnectionDto::of(s)),
        bobo_time_zone: zone,
        folders: folders(&state),
        settings_path: state.launch.locations.config_file.display().to_string(),
    }
}

#[tauri::command]
pub fn is_configured(state: State<'_, AppState>) -> bool {
    matches!(state.configured_settings(), Ok(Some(_)))
}

#[tauri::command]
pub async fn pause(state: State<'_, AppState>) -> Result<StatusDto> {
    state.handle()?.pause().await?;
    Ok(state.status())
}

#[tauri::command]
pub async fn resume(state: State<'_, AppState>) -> Result<StatusDto> {
    state.handle()?.resume().await?;
    Ok(state.status())
}

#[tauri::command]
pub async fn start_demo<R: Runtime>(app: AppHandle<R>) -> Result<StatusDto> {
    state::start_demo(&app).await
}

#[tauri::command]
pub async fn stop_demo<R: Runtime>(app: AppHandle<R>) -> Result<StatusDto> {
    state::stop_demo(&app).await
}

#[tauri::command]
pub async fn sync_now(state: State<'_, AppState>) -> Result<CycleReportDto> {
    Ok((&state.handle()?.sync_now().await?).into())
}

#[tauri::command]
pub async fn sync_mappings_now(state: State<'_, AppState>) -> Result<MappingReportDto> {
    Ok((&state.handle()?.sync_mappings_now().await?).into())
}

#[tauri::command]
pub async fn preview(state: State<'_, AppState>) -> Result<PreviewDto> {
    Ok((&state.handle()?.preview().await?).into())
}

#[tauri::command]
pub async fn list_approvals(state: State<'_, AppState>) -> Result<Vec<ApprovalDto>> {
    Ok(state
        .handle()?
        .pending_approvals()
        .await?
        .iter()
        .map(Into::into)
        .collect())
}

#[tauri::command]
pub async fn approve_change(state: State<'_, AppState>, id: i64) -> Result<()> {
    Ok(state.handle()?.approve(ApprovalId(id)).await?)
}

#[tauri::command]
pub async fn reject_change(state: State<'_, AppState>, id: i64) -> Result<()> {
    Ok(state.handle()?.reject(ApprovalId(id)).await?)
}

#[tauri::command]
pub async fn list_failed_files(state: State<'_, AppState>) -> Result<Vec<FailedFileDto>> {
    Ok(state
        .handle()?
        .failed_files()
        .await?
        .iter()
        .map(Into::into)
        .collect())
}

/// The failed files named (by name only, as listed), or all of them.
fn failed_selection(names: Option<Vec<String>>) -> FailedSelection {
    match names {
        Some(names) => FailedSelection::Named(names),
        None => FailedSelection::All,
    }
}

#[tauri::command]
pub async fn retry_failed_files(
    state: State<'_, AppState>,
    names: Option<Vec<String>>,
) -> Result<Vec<String>> {
    Ok(state
        .handle()?
        .retry_failed(failed_selection(names))
        .await?)
}

#[tauri::command]
pub async fn dismiss_failed_files(
    state: State<'_, AppState>,
    names: Option<Vec<String>>,
) -> Result<Vec<String>> {
    Ok(state
        .handle()?
        .dismiss_failed(failed_selection(names))
        .await?)
}

/// `get_history` arguments.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
pub struct HistoryQuery {
    /// An employee ID (collar number) or an AtHoc login; null for all.
    pub who: Option<String>,
    /// At most this many batches (and records when `who` is set).
    pub limit: usize,
}

#[tauri::command]
pub async fn get_history(state: State<'_, AppState>, query: HistoryQuery) -> Result<HistoryDto> {
    let who = query
        .who
        .map(|w| w.trim().to_owned())
        .filter(|w| !w.is_empty());
    let history = state
        .handle()?
        .history(who, query.limit.clamp(1, 10_000))
        .await?;
    Ok(HistoryDto {
        batches: history.batches.iter().map(BatchRowDto::from).collect(),
        failed_runs: history
            .failed_runs
            .iter()
            .map(crate::dto::FailedRunDto::from)
            .collect(),
        records: history.records.iter().map(RecordRowDto::from).collect(),
    })
}

#[tauri::command]
pub async fn get_batch_records(
    state: State<'_, AppState>,
    batch_id: i64,
) -> Result<Vec<RecordRowDto>> {
    let records = state.handle()?.batch_records(BatchId(batch_id)).await?;
    Ok(records.iter().map(Into::into).collect())
}

#[tauri::command]
pub async fn run_checks(state: State<'_, AppState>) -> Result<Vec<CheckDto>> {
    Ok(state.handle()?.checks().await?)
}

/// `get_settings` result.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct SettingsSnapshotDto {
    #[ts(type = "SettingsValues")]
    pub values: SettingsValues,
    pub secrets: SecretsStatus,
    /// The `.env` the app was started with (`--env-file`): the settings are
    /// that file's, shown but not editable here.
    pub env_file: Option<String>,
}

/// The settings as saved (running from a `.env`: what it resolved to),
/// proxy passwords included: never sent to the window as they are.
fn saved_values(state: &AppState) -> SettingsValues {
    match (&state.launch.env_file, state.current().settings) {
        (Some(_), Some(s)) => settings_io::toml_to_values(&s.to_native_toml()),
        _ => settings_io::read_saved(&state.launch.locations),
    }
}

/// Values from the window with the proxy passwords it was shown masked put
/// back from the saved settings (only for the very proxy they were saved
/// with), or the problems.
fn from_window(
    state: &AppState,
    values: SettingsValues,
) -> std::result::Result<SettingsValues, Vec<ConfigErrorDto>> {
    settings_io::unmask_proxies(values, &saved_values(state))
}

#[tauri::command]
pub fn get_settings(state: State<'_, AppState>) -> Result<SettingsSnapshotDto> {
    let saved = saved_values(&state);
    let secrets = settings_io::secrets_status(&keyring(), &saved, &state.launch.locations)
        .unwrap_or(SecretsStatus::NONE);
    Ok(SettingsSnapshotDto {
        values: settings_io::mask_proxies(saved),
        secrets,
        env_file: state
            .launch
            .env_file
            .as_ref()
            .map(|p| p.display().to_string()),
    })
}

#[tauri::command]
pub fn validate_settings(
    state: State<'_, AppState>,
    values: SettingsValues,
) -> Vec<ConfigErrorDto> {
    match from_window(&state, values) {
        Ok(values) => settings_io::validate(&values, &state.launch.locations),
        Err(errors) => errors,
    }
}

/// `save_settings` result. `saved`: the file was written; `applied`: the
/// engine runs with it. Saved but not applied, `errors` say why it cannot
/// run yet (typically a secret not in the keyring).
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct SaveSettingsResultDto {
    pub saved: bool,
    pub applied: bool,
    pub errors: Vec<ConfigErrorDto>,
}

#[tauri::command]
pub async fn save_settings<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    values: SettingsValues,
) -> Result<SaveSettingsResultDto> {
    // Saved to the settings file, it would be ignored: the engine restarts
    // from the `.env` (and the window would say "applied").
    if let Some(env_file) = &state.launch.env_file {
        return Err(ApiError::settings_from_env_file(env_file));
    }
    let errors = match from_window(&state, values) {
        Ok(values) => settings_io::save(&values, &state.launch.locations)?,
        Err(errors) => errors,
    };
    if !errors.is_empty() {
        return Ok(SaveSettingsResultDto {
            saved: false,
            applied: false,
            errors,
        });
    }
    // First run (or leaving the demo): start paused, so the wizard can
    // preview before going live.
    let first_run = state.current().mode != AppMode::Live;
    let saved_only = |errors| SaveSettingsResultDto {
        saved: true,
        applied: false,
        errors,
    };
    match state.configured_settings() {
        Ok(Some(settings)) => {
            state::start(&app, settings, AppMode::Live, None, first_run).await?;
            Ok(SaveSettingsResultDto {
                saved: true,
                applied: true,
                errors: Vec::new(),
            })
        }
        Ok(None) => Ok(saved_only(Vec::new())),
        // Saved, but it cannot run yet (typically: a secret not stored).
        Err(engine::config::LoadError::Invalid { errors, .. }) => Ok(saved_only(
            errors.0.iter().map(ConfigErrorDto::from).collect(),
        )),
        Err(e) => Err(ApiError::InvalidSettings(e.to_string())),
    }
}

/// Stores secrets for the server and route of the values being edited.
#[tauri::command]
pub fn store_secrets(
    state: State<'_, AppState>,
    mut request: StoreSecretsRequest,
) -> Result<SecretsStatus> {
    if let Some(env_file) = &state.launch.env_file {
        return Err(ApiError::settings_from_env_file(env_file));
    }
    request.values = from_window(&state, std::mem::take(&mut request.values))
        .map_err(|errors| settings_io::invalid(&errors))?;
    settings_io::store_secrets(&keyring(), &request, &state.launch.locations)
}

/// Whether secrets are stored for the server and route of `values`.
#[tauri::command]
pub fn secrets_status(state: State<'_, AppState>, values: SettingsValues) -> Result<SecretsStatus> {
    let values = from_window(&state, values).map_err(|errors| settings_io::invalid(&errors))?;
    settings_io::secrets_status(&keyring(), &values, &state.launch.locations)
}

/// `test_connection` result.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ConnectionTestDto {
    pub ok: bool,
    pub errors: Vec<ConfigErrorDto>,
    pub checks: Vec<CheckDto>,
}

#[tauri::command]
pub async fn test_connection(
    state: State<'_, AppState>,
    values: SettingsValues,
) -> Result<ConnectionTestDto> {
    let resolved = from_window(&state, values)
        .and_then(|values| settings_io::resolve(&values, &state.launch.locations, &Host::system()));
    let settings = match resolved {
        Ok(s) => s,
        Err(errors) => {
            return Ok(ConnectionTestDto {
                ok: false,
                errors,
                checks: Vec::new(),
            })
        }
    };
    let store = Store::open_in_memory().map_err(|e| ApiError::Internal(e.to_string()))?;
    let ctx = SyncContext::with_store(settings, store, Arc::new(chrono::Utc::now))
        .map_err(|e| ApiError::InvalidSettings(e.to_string()))?;
    let checks: Vec<CheckDto> = engine::checks::run_connection_checks(&ctx).await;
    let ok = !checks
        .iter()
        .any(|c| c.status == engine::checks::CheckStatus::Fail);
    Ok(ConnectionTestDto {
        ok,
        errors: Vec::new(),
        checks,
    })
}

/// Imports the Python tool's `.env` (and, optionally, its database), both
/// chosen by the operator in the OS dialogs here; `None` when cancelled.
#[tauri::command]
pub async fn import_legacy<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<Option<ImportResultDto>> {
    let chosen = files::with_dialogs(&app, |d| {
        let env_file = d.pick_file("The Python tool's .env file", ".env", &["env", "*"])?;
        let db_file = d.pick_file(
            "Its bobo_mapping.db (Cancel to skip)",
            "SQLite database",
            &["db", "sqlite"],
        );
        Some(ImportLegacyRequest { env_file, db_file })
    })
    .await?;
    let Some(request) = chosen else {
        return Ok(None);
    };
    // The import takes the engine lock of the database it writes: our own
    // engine stops first, and something runs again afterwards either way.
    let before = state.current();
    state::stop(&app).await;
    let locations = state.launch.locations.clone();
    let result = tauri::async_runtime::spawn_blocking(move || {
        settings_io::import_legacy(&request, &locations, &keyring())
    })
    .await
    .map_err(|e| ApiError::Internal(format!("the import stopped: {e}")))
    .and_then(|r| r);
    let imported = matches!(&result, Ok(r) if r.imported);
    if imported && state.launch.env_file.is_none() {
        let first_run = before.mode != AppMode::Live;
        if let Ok(Some(settings)) = state.configured_settings() {
            state::start(&app, settings, AppMode::Live, None, first_run).await?;
        }
    } else {
        match (before.mode, before.settings) {
            (AppMode::Demo, _) => {
                state::start_demo(&app).await?;
            }
            (mode, Some(settings)) => {
                state::start(&app, (*settings).clone(), mode, None, false).await?;
            }
            (_, None) => {}
        }
    }
    result.map(Some)
}

/// Asks where to save a CSV export (the OS dialog, here on the Rust side)
/// and writes `contents` there; never inside BoboSync's own folders.
/// Returns the path written, `None` when cancelled.
#[tauri::command]
pub async fn export_csv<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    suggested_name: String,
    contents: String,
) -> Result<Option<String>> {
    let f = folders(&state);
    let l = &state.launch.locations;
    let mut protected: Vec<PathBuf> = [f.drop, f.processed, f.failed, f.logs]
        .into_iter()
        .map(PathBuf::from)
        .collect();
    protected.extend(l.config_file.parent().map(Path::to_path_buf));
    protected.extend(l.db_path.parent().map(Path::to_path_buf));
    if let Some(s) = state.current().settings {
        protected.extend(s.paths.db_path.parent().map(Path::to_path_buf));
    }
    let suggested: String = suggested_name
        .chars()
        .filter(|c| c.is_alphanumeric() || "-_. ".contains(*c))
        .collect();
    let chosen = files::with_dialogs(&app, move |d| d.save_csv(&suggested)).await?;
    let Some(chosen) = chosen else {
        return Ok(None);
    };
    files::write_export(&chosen, &contents, &protected).map(|p| Some(p.display().to_string()))
}

/// The folders `open_folder` may open: the app's own four, never a path
/// from the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum FolderName {
    Drop,
    Processed,
    Failed,
    Logs,
}

impl FolderName {
    /// This folder's path in `folders`.
    pub fn pick(self, folders: FoldersDto) -> String {
        match self {
            FolderName::Drop => folders.drop,
            FolderName::Processed => folders.processed,
            FolderName::Failed => folders.failed,
            FolderName::Logs => folders.logs,
        }
    }
}

/// Opens one of the app's folders in the OS file manager (created first
/// when missing). The window names the folder; the path comes from the
/// settings, so the window cannot open anything else.
#[tauri::command]
pub fn open_folder<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    name: FolderName,
) -> Result<()> {
    let path = name.pick(folders(&state));
    std::fs::create_dir_all(&path)
        .map_err(|e| ApiError::Io(format!("cannot create the folder {path}: {e}")))?;
    use tauri_plugin_opener::OpenerExt as _;
    app.opener().open_path(&path, None::<&str>).map_err(|e| {
        ApiError::Io(format!(
            "cannot open {path} in the file manager: {e}; open it by hand"
        ))
    })
}

/// `get_app_preferences` / `set_app_preferences`: the app's own options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct AppPreferencesDto {
    /// Start (hidden, in the tray) at login; the OS keeps this.
    pub start_at_login: bool,
    /// Closing the window hides it to the tray (else it quits).
    pub close_to_tray: bool,
}

#[tauri::command]
pub fn get_app_preferences<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> AppPreferencesDto {
    AppPreferencesDto {
        start_at_login: crate::tray::autostart_enabled(&app),
        close_to_tray: state
            .close_to_tray
            .load(std::sync::atomic::Ordering::SeqCst),
    }
}

#[tauri::command]
pub fn set_app_preferences<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    preferences: AppPreferencesDto,
) -> Result<AppPreferencesDto> {
    let path = crate::preferences::path(&state.launch.locations);
    let stored = crate::preferences::StoredPreferences {
        close_to_tray: preferences.close_to_tray,
    };
    crate::preferences::save(&path, &stored).map_err(|e| ApiError::Io(e.to_string()))?;
    state.close_to_tray.store(
        preferences.close_to_tray,
        std::sync::atomic::Ordering::SeqCst,
    );
    if preferences.start_at_login != crate::tray::autostart_enabled(&app) {
        crate::tray::set_autostart(&app, preferences.start_at_login).map_err(ApiError::Internal)?;
    }
    Ok(get_app_preferences(app, state))
}

/// The window says whether it holds settings edits not saved yet; while it
/// does, closing it asks first (see `window::close_requested`).
#[tauri::command]
pub fn set_unsaved_edits(state: State<'_, AppState>, unsaved: bool) {
    state
        .unsaved_edits
        .store(unsaved, std::sync::atomic::Ordering::SeqCst);
}

/// Closes the window once it asked about its unsaved edits: to the tray,
/// or quitting when closing quits.
#[tauri::command]
pub fn close_window<R: Runtime>(app: AppHandle<R>) {
    crate::window::close_after_asking(&app);
}
