//! The TypeScript types of the window's contract (`ui/src/generated/backend.ts`),
//! generated from the Rust types the commands take and return (the `ts-rs`
//! derive on each), so that `ui/src/api.ts` cannot drift from them. A test
//! compares the committed file with what the types say now and fails when
//! they differ; `BOBOSYNC_UPDATE_BINDINGS=1` makes it write the file instead.

use ts_rs::{Config, TS};

/// The generated file, relative to this crate.
pub const PATH: &str = "../ui/src/generated/backend.ts";

/// Appends `T`'s declaration (its doc comment as JSDoc, then `export type …`).
fn declare<T: TS + ?Sized>(cfg: &Config, out: &mut String) {
    out.push('\n');
    if let Some(docs) = T::docs() {
        out.push_str(&docs);
    }
    out.push_str("export ");
    out.push_str(&T::decl(cfg));
    out.push('\n');
}

/// The whole file.
pub fn typescript() -> String {
    use crate::commands::*;
    use crate::dto::*;
    use crate::error::ApiError;
    use crate::settings::{ConfigErrorDto, ImportResultDto, SecretsStatus, StoreSecretsRequest};
    use engine::checks::{CheckResult, CheckStatus};
    use engine::event::Duty;
    use engine::runtime::Health;
    use engine::store::{ActionKind, ApprovalKind, BatchStatus, RecordState};

    // Every integer the backend sends fits a JS number (counts, row ids).
    let cfg = Config::new().with_large_int("number");
    let mut out = String::from(
        "// Generated from the Rust types of src-tauri/ and the engine by\n\
         // src-tauri/src/bindings.rs. Do not edit: change the Rust type, then run\n\
         //   BOBOSYNC_UPDATE_BINDINGS=1 cargo test -p bobosync-tray --lib bindings\n\
         // ui/src/api.ts re-exports these with the commands that use them.\n",
    );
    // The settings the window edits, from the engine's catalog.
    let keys: Vec<_> = engine::config::native_setting_keys().collect();
    out.push_str(
        "\n/** Every setting of the native settings file, named as in TOML:\n \
         * `section.name`. Validation errors use the same names in\n \
         * {@link ConfigErrorDto.key}, so an error lands on its field. */\n\
         export const SETTING_KEYS = [\n",
    );
    for key in &keys {
        out.push_str(&format!("  '{}.{}',\n", key.section, key.name));
    }
    out.push_str(
        "] as const;\n\n/** A setting's TOML name, `section.name`. */\n\
         export type SettingKey = (typeof SETTING_KEYS)[number];\n\n\
         /** Each setting's `.env` name (the Python tool's). */\n\
         export const SETTING_ENV_NAMES: { readonly [K in SettingKey]: string } = {\n",
    );
    for key in &keys {
        out.push_str(&format!(
            "  '{}.{}': '{}',\n",
            key.section, key.name, key.env
        ));
    }
    out.push_str(
        "};\n\n/** Settings as raw text, exactly as typed, by {@link SettingKey}; blank or\n \
         * missing means the default. Never holds a secret. */\n\
         export type SettingsValues = Partial<Record<SettingKey, string>>;\n",
    );
    macro_rules! declare_all {
        ($($t:ty),* $(,)?) => { $(declare::<$t>(&cfg, &mut out);)* };
    }
    declare_all!(
        // errors
        ApiError,
        // status
        Health,
        AppMode,
        FileSeenDto,
        StatusDto,
        FoldersDto,
        ConnectionDto,
        AppInfoDto,
        // cycles
        BatchReportDto,
        MappingReportDto,
        CleanupReportDto,
        CycleReportDto,
        // preview
        Duty,
        SourceLineDto,
        DutyEventDto,
        PlannedActionDto,
        PlannedRecordDto,
        RowErrorDto,
        PlanDto,
        PreviewDto,
        // approvals, failed files
        ApprovalKind,
        ApprovalDto,
        FailedFileDto,
        // history
        BatchStatus,
        ActionKind,
        RecordState,
        BatchCountsDto,
        BatchRowDto,
        RecordRowDto,
        FailedRunDto,
        HistoryDto,
        HistoryQuery,
        // checks, incidents, events
        CheckStatus,
        CheckResult,
        IncidentDto,
        EngineEventDto,
        // settings
        ConfigErrorDto,
        SecretsStatus,
        SettingsSnapshotDto,
        SaveSettingsResultDto,
        StoreSecretsRequest,
        ConnectionTestDto,
        ImportResultDto,
        // the app
        AppPreferencesDto,
        FolderName,
    );
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    fn bindings_match_the_rust_types() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(super::PATH);
        let now = super::typescript();
        if std::env::var_os("BOBOSYNC_UPDATE_BINDINGS").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &now).unwrap();
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == now,
            "{} is not what the Rust types say: run\n  \
             BOBOSYNC_UPDATE_BINDINGS=1 cargo test -p bobosync-tray --lib bindings\n\
             and commit the result (then fix ui/src/api.ts if it no longer builds)",
            path.display()
        );
    }
}
