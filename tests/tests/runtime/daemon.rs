//! `bobosync run` as a background process of a test: output to files in the site, stopped with
//! SIGTERM (or killed when the test ends early).

use std::fs::File;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bobosync_e2e::{bobosync_bin, Harness};

/// A running `bobosync run --env-file <site>/.env`.
pub struct Daemon {
    child: Child,
    out: PathBuf,
    err: PathBuf,
}

impl Daemon {
    /// Starts `bobosync run` for `h` (clean environment, like the harness's runs); `n` tells
    /// the output files of several runs apart.
    pub fn start(h: &Harness, n: usize) -> Daemon {
        let out = h.root().join(format!("run-{n}.out"));
        let err = h.root().join(format!("run-{n}.err"));
        let file =
            |p: &PathBuf| File::create(p).unwrap_or_else(|e| panic!("create {}: {e}", p.display()));
        let child = Command::new(bobosync_bin())
            .arg("run")
            .arg("--env-file")
            .arg(h.env_path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", h.home())
            .current_dir(h.home())
            .stdin(Stdio::null())
            .stdout(file(&out))
            .stderr(file(&err))
            .spawn()
            .unwrap_or_else(|e| panic!("spawn bobosync run: {e}"));
        Daemon { child, out, err }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Standard output and error so far.
    pub fn output(&self) -> String {
        let read = |p: &PathBuf| std::fs::read_to_string(p).unwrap_or_default();
        format!(
            "--- stdout:\n{}\n--- stderr:\n{}",
            read(&self.out),
            read(&self.err)
        )
    }

    /// Waits until the output contains `needle`.
    #[track_caller]
    pub fn wait_for(&mut self, needle: &str) {
        let deadline = Instant::now() + crate::PATIENCE;
        loop {
            if self.output().contains(needle) {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "bobosync run exited ({status}) before printing {needle:?}\n{}",
                    self.output()
                );
            }
            assert!(
                Instant::now() < deadline,
                "no {needle:?} in the output\n{}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until the first cycle is done and the engine is idle and healthy.
    #[track_caller]
    pub fn wait_ready(&mut self) {
        self.wait_for("status: Ok: up to date");
    }

    /// Sends SIGTERM and waits for the exit code.
    #[track_caller]
    pub fn terminate(mut self) -> (Option<i32>, String) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(sent.is_ok_and(|s| s.success()), "kill -TERM {pid} failed");
        let deadline = Instant::now() + crate::PATIENCE;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return (status.code(), self.output()),
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                Ok(None) => panic!("bobosync run did not stop after SIGTERM\n{}", self.output()),
                Err(e) => panic!("wait for bobosync run: {e}"),
            }
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
