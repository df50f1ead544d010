//! `bobosync run` as a background process of a test: output to files in the site, stopped with
//! SIGTERM (or killed when the test ends early). Under Wine (the Windows lane) it runs on a
//! terminal (`script`) and is stopped with Ctrl-C, as Windows stops a console program: Wine's
//! console turns the terminal's ^C into the CTRL_C_EVENT the program handles.

use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use bobosync_e2e::{bobosync_bin, under_wine, Harness};

/// A running `bobosync run --env-file <site>/.env`.
pub struct Daemon {
    child: Child,
    out: PathBuf,
    err: PathBuf,
    /// Under Wine: the terminal's input, where Ctrl-C is typed.
    console: Option<ChildStdin>,
}

impl Daemon {
    /// Starts `bobosync run` for `h` (clean environment, like the harness's runs); `n` tells
    /// the output files of several runs apart.
    pub fn start(h: &Harness, n: usize) -> Daemon {
        Daemon::start_with(h, n, &[], &[])
    }

    /// [`Daemon::start`] with more arguments for `run` and more environment variables.
    pub fn start_with(h: &Harness, n: usize, args: &[&str], env: &[(&str, &str)]) -> Daemon {
        let out = h.root().join(format!("run-{n}.out"));
        let err = h.root().join(format!("run-{n}.err"));
        let file =
            |p: &PathBuf| File::create(p).unwrap_or_else(|e| panic!("create {}: {e}", p.display()));
        let mut command = if under_wine() {
            // A wide terminal, so that no line is wrapped.
            let mut line = format!(
                "stty cols 4000 2>/dev/null; exec {} run --env-file {}",
                sh_quote(&bobosync_bin()),
                sh_quote(&h.env_path())
            );
            for arg in args {
                line.push(' ');
                line.push_str(&sh_quote(Path::new(arg)));
            }
            let mut script = Command::new("script");
            script
                .args(["-qfec", &line, "/dev/null"])
                .stdin(Stdio::piped());
            script
        } else {
            let mut run = Command::new(bobosync_bin());
            run.arg("run")
                .arg("--env-file")
                .arg(h.env_path())
                .args(args)
                .stdin(Stdio::null());
            run
        };
        let mut child = command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", h.home())
            .envs(env.iter().copied())
            .current_dir(h.home())
            .stdout(file(&out))
            .stderr(file(&err))
            .spawn()
            .unwrap_or_else(|e| panic!("spawn bobosync run: {e}"));
        let console = child.stdin.take();
        Daemon {
            child,
            out,
            err,
            console,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Standard output and error so far (as plain text when they went to a terminal).
    pub fn output(&self) -> String {
        let read = |p: &PathBuf| plain(&std::fs::read_to_string(p).unwrap_or_default());
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

    /// Waits for it to exit by itself; its exit code and output.
    #[track_caller]
    pub fn wait_exit(self) -> (Option<i32>, String) {
        self.exit_status("did not exit by itself")
    }

    /// Sends SIGTERM (under Wine: Ctrl-C) and waits for the exit code.
    #[track_caller]
    pub fn terminate(mut self) -> (Option<i32>, String) {
        if let Some(console) = self.console.as_mut() {
            let typed = console.write_all(b"\x03").and_then(|()| console.flush());
            assert!(typed.is_ok(), "cannot type Ctrl-C: {typed:?}");
        } else {
            let pid = self.child.id().to_string();
            let sent = Command::new("kill").args(["-TERM", &pid]).status();
            assert!(sent.is_ok_and(|s| s.success()), "kill -TERM {pid} failed");
        }
        self.exit_status("did not stop when asked")
    }

    /// Waits for the exit; its code and the output. Panics saying it `never`
    /// (did) when it does not exit in time.
    #[track_caller]
    fn exit_status(mut self, never: &str) -> (Option<i32>, String) {
        let deadline = Instant::now() + crate::PATIENCE;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return (status.code(), self.output()),
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                Ok(None) => panic!("bobosync run {never}\n{}", self.output()),
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

/// `path` quoted for `sh`.
fn sh_quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', "'\\''"))
}

/// What a terminal shows as plain text: Wine's console draws with escape
/// sequences (cursor moves for spaces, hide/show cursor, erase line) and
/// CR LF line ends.
fn plain(screen: &str) -> String {
    let mut text = String::with_capacity(screen.len());
    let mut chars = screen.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {}
            '\u{1b}' if chars.peek() == Some(&'[') => {
                chars.next();
                let mut parameters = String::new();
                while let Some(&p) = chars.peek() {
                    if p.is_ascii_digit() || p == ';' || p == '?' {
                        parameters.push(p);
                        chars.next();
                    } else {
                        break;
                    }
                }
                // Cursor forward N: N spaces; every other sequence: nothing.
                if chars.next() == Some('C') {
                    let n = parameters.parse::<usize>().unwrap_or(1);
                    text.extend(std::iter::repeat_n(' ', n));
                }
            }
            c => text.push(c),
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::plain;

    #[test]
    fn a_terminal_screen_reads_as_plain_text() {
        let screen =
            "\u{1b}[?25lwarning:\u{1b}[K\u{1b}[1C\u{1b}[?25h\u{1b}[?25lThe zone\u{1b}[?25h\r\r\n";
        assert_eq!(plain(screen), "warning: The zone\n");
    }
}
