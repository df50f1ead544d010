//! Generates Tauri's context (config, capabilities, Windows resources).
fn main() {
    tauri_build::build();
}
