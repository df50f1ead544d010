//! Bench binary `cycle`: see `linux.rs`. It reads `/proc` and waits on a
//! child process the Linux way, so elsewhere it only says so (the workspace
//! still compiles for Windows, where operators run BoboSync).

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
mod steps;

#[cfg(target_os = "linux")]
fn main() {
    linux::main();
}

#[cfg(not(target_os = "linux"))]
fn main() {
    eprintln!("this benchmark reads /proc: it runs on Linux only");
    std::process::exit(2);
}
