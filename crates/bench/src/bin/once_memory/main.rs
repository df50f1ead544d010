//! Bench binary `once_memory`: see `linux.rs`. It reaps its child with
//! `wait4` for the peak RSS, the Linux way, so elsewhere it only says so.

#[cfg(target_os = "linux")]
mod linux;

#[cfg(target_os = "linux")]
fn main() {
    linux::main();
}

#[cfg(not(target_os = "linux"))]
fn main() {
    eprintln!("this benchmark reads the child's rusage with wait4: it runs on Linux only");
    std::process::exit(2);
}
