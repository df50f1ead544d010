//! The `bobosync-tray` binary: starts the tray application.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    bobosync_tray::run();
}
