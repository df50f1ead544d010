//! The `bobosync-tray` binary: starts the tray application.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // Before GTK or any other thread starts.
    bobosync_tray::launch::disable_gdk_gl_on_x11();
    bobosync_tray::run();
}
