//! The real `bobosync-tray` binary under Xvfb on a private session bus,
//! driven through the menu it exports over D-Bus (`com.canonical.dbusmenu`):
//! Pause changes the icon state and stops files being applied, Sync now
//! runs a batch, Open shows the window; and the toasts it sends
//! (`org.freedesktop.Notifications.Notify`, captured with dbus-monitor):
//! one per incident, one "resolved" after, "AtHoc unreachable" only past its
//! grace period; and a second launch, which shows
//! the first app's window and exits (single instance); Quit, which waits
//! for the batch in flight to record its outcome; an engine stopped by an
//! internal error, which is told (toast, icon, log); and windows that die or
//! hang, which are told (and a hung one ended, at Quit too) while syncing
//! goes on.
//!
//! Nothing here sleeps and then asserts that something did not happen:
//! each such check first waits for the event that gave it its chance (a
//! rescan counting the file while paused, AtHoc refusing the sync asked
//! for).

mod support;

use std::process::Command;
use std::time::Duration;

use support::{
    inside_display, launch_app, require, tray_site, wait_until, NotifyMonitor, Site, TrayBus,
};

const LIMIT: Duration = Duration::from_secs(60);

/// The simulator's paths of a sign-in and of an update.
const TOKEN: &str = "/connect/token";
const SYNC: &str = "/SyncByCommonNames";

/// Clicks "Sync now" and waits until AtHoc has refused a request to `path`
/// once more than before (the requested sync failed there), then until the
/// sync is over: the engine takes one command at a time, so the Pause
/// clicked next is done only after it (the Resume item shows); Resume puts
/// things back.
fn sync_now_and_wait(tray: &TrayBus, site: &Site, path: &str) {
    let refused = |s: u16| s >= 400;
    let before = site.requests_to(path, refused);
    tray.click("Sync now");
    wait_until("AtHoc to refuse the requested sync", LIMIT, || {
        (site.requests_to(path, refused) > before).then_some(())
    });
    tray.click("Pause");
    wait_until("the Resume item after the sync", LIMIT, || {
        tray.label_starting("Resume")
    });
    tray.click("Resume");
    wait_until("the Pause item", LIMIT, || {
        has_item(tray, "Pause").then_some(())
    });
}

/// Whether the menu has an item labelled exactly `label` (the status line
/// "Paused: …" starts like the Pause item).
fn has_item(tray: &TrayBus, label: &str) -> bool {
    tray.items().iter().any(|(_, l)| l == label)
}

#[test]
fn tray_menu_pause_sync_now_and_open() {
    if !inside_display("tray_menu_pause_sync_now_and_open") {
        return;
    }
    require("xdotool", "apt-get install -y xdotool");
    let site = tray_site();
    let app = launch_app(&site, &[]);
    let tray = TrayBus::find(app.child.id());
    wait_until("the engine to be up", LIMIT, || {
        tray.label_starting("OK:")
            .or_else(|| tray.label_starting("Warning:"))
    });

    // Pause: the label, the status line and the icon follow.
    let icon_ok = wait_until("an icon", LIMIT, || {
        Some(tray.icon_bytes()).filter(|b| !b.is_empty())
    });
    tray.click("Pause");
    wait_until("the Resume item", LIMIT, || tray.label_starting("Resume"));
    let status = tray
        .label_starting("Paused:")
        .expect("a Paused status line");
    assert!(status.contains("paused"), "{status}");
    let icon_paused = wait_until("the paused icon", LIMIT, || {
        let now = tray.icon_bytes();
        (!now.is_empty() && now != icon_ok).then_some(now)
    });

    // While paused, a new file is not applied. The status line counts it
    // once a rescan has seen it, and that rescan is the one that would have
    // applied it.
    let updates = site.requests_to(SYNC, |_| true);
    site.drop_book_on("BOBO_20250101_000001_output.csv", "00003");
    let status = wait_until("a rescan to count the file while paused", LIMIT, || {
        tray.label_starting("Paused:")
            .filter(|l| l.ends_with("(1 file waiting)"))
    });
    assert_eq!(
        site.duty_of("00003"),
        None,
        "a file was applied while paused ({status})"
    );
    assert_eq!(
        site.requests_to(SYNC, |_| true),
        updates,
        "an update reached AtHoc while paused"
    );
    assert!(site
        .path("drop")
        .join("BOBO_20250101_000001_output.csv")
        .exists());

    // Sync now runs a batch even while paused.
    tray.click("Sync now");
    wait_until("the book-on to reach AtHoc", LIMIT, || {
        site.duty_of("00003")
    });
    wait_until("the file to leave the drop folder", LIMIT, || {
        (!site
            .path("drop")
            .join("BOBO_20250101_000001_output.csv")
            .exists())
        .then_some(())
    });

    // Resume: the label goes back, the icon leaves the paused state.
    tray.click("Resume");
    wait_until("the Pause item", LIMIT, || {
        has_item(&tray, "Pause").then_some(())
    });
    wait_until("the icon to leave paused", LIMIT, || {
        let now = tray.icon_bytes();
        (!now.is_empty() && now != icon_paused).then_some(())
    });

    // Open shows the window.
    let no_window = Command::new("xdotool")
        .args(["search", "--name", "^BoboSync$"])
        .output()
        .expect("xdotool");
    assert!(
        String::from_utf8_lossy(&no_window.stdout).trim().is_empty(),
        "a window was open at a hidden start"
    );
    tray.click("Open BoboSync");
    wait_until("the BoboSync window", LIMIT, || {
        let out = Command::new("xdotool")
            .args(["search", "--onlyvisible", "--name", "^BoboSync$"])
            .output()
            .ok()?;
        let ids = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        (!ids.is_empty()).then_some(ids)
    });
    drop(app);
}

#[test]
fn toasts_one_per_incident_and_one_when_resolved() {
    if !inside_display("toasts_one_per_incident_and_one_when_resolved") {
        return;
    }
    let site = tray_site();
    let monitor = NotifyMonitor::start(&site.path("notify.log"));
    let app = launch_app(&site, &[]);
    let tray = TrayBus::find(app.child.id());
    wait_until("the engine to be up", LIMIT, || tray.label_starting("OK:"));

    // Break the credentials: every cycle now fails to authenticate.
    let good = site.sim.config().password;
    site.sim
        .update_config(|c| c.password = "changed-by-the-test".to_owned());
    site.sim.expire_tokens();
    tray.click("Sync now");
    let opened = "BoboSync: AtHoc refused the credentials";
    wait_until("the authentication toast", LIMIT, || {
        (monitor.count(opened) == 1).then_some(())
    });
    wait_until("the Error status", LIMIT, || tray.label_starting("Error:"));
    // Still broken: a requested sync is refused again and opens no second
    // incident, so no second toast (toasts go out in the engine's order:
    // the count after the "resolved" toast below covers a late one too).
    sync_now_and_wait(&tray, &site, TOKEN);
    assert_eq!(monitor.count(opened), 1, "{}", monitor.text());

    // Fix them: one "resolved" toast.
    site.sim.update_config(|c| c.password = good.clone());
    tray.click("Sync now");
    let resolved = "BoboSync: AtHoc accepts the credentials again";
    wait_until("the resolved toast", LIMIT, || {
        (monitor.count(resolved) == 1).then_some(())
    });
    wait_until("the OK status", LIMIT, || tray.label_starting("OK:"));
    let text = monitor.text();
    assert_eq!(monitor.count(opened), 1, "{text}");
    assert!(!text.contains(&good), "a secret reached a toast");
    assert!(
        !text.contains("changed-by-the-test"),
        "a secret reached a toast"
    );
    drop(app);
}

#[test]
fn a_second_launch_shows_the_first_window_and_exits() {
    if !inside_display("a_second_launch_shows_the_first_window_and_exits") {
        return;
    }
    require("xdotool", "apt-get install -y xdotool");
    let site = tray_site();
    let mut app = launch_app(&site, &[]);
    let tray = TrayBus::find(app.child.id());
    wait_until("the engine to be up", LIMIT, || {
        tray.label_starting("OK:")
            .or_else(|| tray.label_starting("Warning:"))
    });
    let visible = || {
        Command::new("xdotool")
            .args(["search", "--onlyvisible", "--name", "^BoboSync$"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default()
    };
    assert!(visible().is_empty(), "a window was open at a hidden start");

    // The second launch (not hidden: it would show a window) hands over and ends.
    let mut second = Command::new(env!("CARGO_BIN_EXE_bobosync-tray"))
        .arg("--env-file")
        .arg(site.env_path())
        .envs(site.app_env())
        .spawn()
        .expect("a second bobosync-tray");
    let status = wait_until("the second launch to exit", LIMIT, || {
        second.try_wait().ok().flatten()
    });
    assert!(status.success(), "the second launch ended with {status}");
    wait_until("the first app's window", LIMIT, || {
        Some(visible()).filter(|ids| !ids.is_empty())
    });
    assert!(
        matches!(app.child.try_wait(), Ok(None)),
        "the first app exited when the second was launched"
    );
    drop(app);
}

/// The window's process (`bobosync-tray --window-process`) below the tray
/// process, if one runs.
fn window_process(tray: u32) -> Option<u32> {
    bobosync_testkit::descendants_of(tray)
        .into_iter()
        .find(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| c.split(|b| *b == 0).any(|a| a == b"--window-process"))
        })
}

/// The WebKit processes below the tray process.
fn webkit_processes(tray: u32) -> Vec<u32> {
    bobosync_testkit::descendants_of(tray)
        .into_iter()
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|c| c.starts_with("WebKit"))
        })
        .collect()
}

/// The window lives in a process of its own: the tray process never loads
/// WebKit; Open starts the window's process, closing the window (as a window
/// manager's close button does) ends it and every WebKit process with it,
/// while the tray and its engine go on; Open starts a new one.
#[test]
fn closing_the_window_ends_its_process_and_webkit_and_the_tray_goes_on() {
    if !inside_display("closing_the_window_ends_its_process_and_webkit_and_the_tray_goes_on") {
        return;
    }
    require("xdotool", "apt-get install -y xdotool");
    let site = tray_site();
    let mut app = launch_app(&site, &[]);
    let pid = app.child.id();
    let tray = TrayBus::find(pid);
    wait_until("the engine to be up", LIMIT, || {
        tray.label_starting("OK:")
            .or_else(|| tray.label_starting("Warning:"))
    });
    // The GL driver WebKit's display loads (Mesa's, under Xvfb) is never
    // the tray process's: it goes with the window.
    let loads_gl = |pid: u32| {
        std::fs::read_to_string(format!("/proc/{pid}/maps"))
            .is_ok_and(|m| m.contains("libLLVM") || m.contains("_dri.so"))
    };
    assert_eq!(window_process(pid), None);
    let shown = || bobosync_testkit::x11::shown_windows("BoboSync");

    for round in 1..=2 {
        tray.click("Open BoboSync");
        let ids = wait_until("the BoboSync window", LIMIT, || {
            Some(shown()).filter(|ids| !ids.is_empty())
        });
        let window = window_process(pid).expect("the window's process");
        wait_until("the window's WebKit processes", LIMIT, || {
            (!webkit_processes(pid).is_empty()).then_some(())
        });
        assert!(
            webkit_processes(window).len() == webkit_processes(pid).len(),
            "a WebKit process outside the window's process"
        );
        // A second Open only focuses the same window.
        tray.click("Open BoboSync");
        assert_eq!(window_process(pid), Some(window), "round {round}");

        bobosync_testkit::x11::request_close(&ids).expect("close the window");
        wait_until("the window's process to end", LIMIT, || {
            (window_process(pid).is_none() && webkit_processes(pid).is_empty()).then_some(())
        });
        assert!(shown().is_empty(), "round {round}: a window is still shown");
        assert!(
            matches!(app.child.try_wait(), Ok(None)),
            "the tray app exited when its window closed"
        );
        assert!(!loads_gl(pid), "round {round}: the tray process loaded GL");
    }

    // The engine goes on: a file dropped now still reaches AtHoc.
    site.drop_book_on("BOBO_20250101_000001_output.csv", "00003");
    wait_until("the book-on to reach AtHoc", LIMIT, || {
        site.duty_of("00003")
    });
    drop(app);
}

#[test]
fn quit_waits_for_the_batch_in_flight() {
    if !inside_display("quit_waits_for_the_batch_in_flight") {
        return;
    }
    let site = tray_site();
    let mut app = launch_app(&site, &[]);
    let tray = TrayBus::find(app.child.id());
    wait_until("the engine to be up", LIMIT, || {
        tray.label_starting("OK:")
            .or_else(|| tray.label_starting("Warning:"))
    });

    // AtHoc answers the next update slowly, so Quit lands mid-batch.
    site.sim.inject(athoc_sim::Fault {
        endpoint: athoc_sim::Endpoint::Sync,
        kind: athoc_sim::FaultKind::Delay(Duration::from_secs(4)),
        times: 1,
    });
    site.drop_book_on("BOBO_20250101_000002_output.csv", "00004");
    wait_until("the batch to be in flight", LIMIT, || {
        tray.label_starting("Syncing")
    });
    tray.click("Quit");

    let status = wait_until("the app to quit", LIMIT, || {
        app.child.try_wait().ok().flatten()
    });
    assert!(status.success(), "Quit ended the app with {status}");
    // It quit only once the batch was safe: AtHoc has the value and the
    // file, its outcome recorded, has left the drop folder.
    assert!(
        site.duty_of("00004").is_some(),
        "the update in flight was lost"
    );
    assert!(
        site.path("processed")
            .join("BOBO_20250101_000002_output.csv")
            .exists(),
        "the file did not reach the processed folder before the app quit"
    );
}

#[test]
fn unreachable_toast_waits_for_the_grace_period_then_one_resolved() {
    if !inside_display("unreachable_toast_waits_for_the_grace_period_then_one_resolved") {
        return;
    }
    let site = tray_site();
    let monitor = NotifyMonitor::start(&site.path("notify.log"));
    let app = launch_app(&site, &[("BOBOSYNC_UNREACHABLE_GRACE_SECONDS", "2")]);
    let tray = TrayBus::find(app.child.id());
    wait_until("the engine to be up", LIMIT, || tray.label_starting("OK:"));

    // AtHoc answers nothing but 503 from now on.
    site.sim.inject(athoc_sim::Fault {
        endpoint: athoc_sim::Endpoint::Any,
        kind: athoc_sim::FaultKind::Status {
            code: 503,
            retry_after_secs: None,
        },
        times: usize::MAX,
    });
    tray.click("Sync now");
    wait_until("the Error status", LIMIT, || tray.label_starting("Error:"));
    let opened = "BoboSync: AtHoc cannot be reached";
    // Shown once the outage outlasts the grace period, and only once.
    wait_until("the unreachable toast", LIMIT, || {
        (monitor.count(opened) == 1).then_some(())
    });
    // Still unreachable: another requested sync, no second toast.
    sync_now_and_wait(&tray, &site, "/");
    assert_eq!(monitor.count(opened), 1, "{}", monitor.text());

    site.sim.clear_faults();
    tray.click("Sync now");
    let resolved = "BoboSync: AtHoc is reachable again";
    wait_until("the resolved toast", LIMIT, || {
        (monitor.count(resolved) == 1).then_some(())
    });
    wait_until("the OK status", LIMIT, || tray.label_starting("OK:"));
    assert_eq!(monitor.count(opened), 1, "{}", monitor.text());
    drop(app);
}

/// Everything the app has logged so far.
fn log_text(site: &Site) -> String {
    let Ok(entries) = std::fs::read_dir(site.path("logs")) else {
        return String::new();
    };
    entries
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .collect()
}

/// Waits for the engine's first look, opens the window and waits until it
/// shows; its process.
fn open_window_when_up(tray: &TrayBus, pid: u32) -> u32 {
    wait_until("the engine to be up", LIMIT, || {
        tray.label_starting("OK:")
            .or_else(|| tray.label_starting("Warning:"))
    });
    tray.click("Open BoboSync");
    let window = wait_until("the window's process", LIMIT, || window_process(pid));
    wait_until("the BoboSync window", LIMIT, || {
        Some(bobosync_testkit::x11::shown_windows("BoboSync")).filter(|ids| !ids.is_empty())
    });
    window
}

/// Stops process `pid` (SIGSTOP), as a hung window: it reads nothing and
/// ends on nothing but SIGKILL. Returns `pid`.
fn hang(pid: u32) -> u32 {
    let stopped = Command::new("kill")
        .args(["-STOP", &pid.to_string()])
        .status()
        .expect("kill");
    assert!(stopped.success());
    pid
}

/// Whether process `pid` has ended (gone, or a zombie nobody reaped yet).
fn ended(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |stat| {
        stat.rsplit_once(") ")
            .is_some_and(|(_, rest)| rest.starts_with('Z'))
    })
}

/// A window that ends without being closed (its process crashed, or was
/// ended from the task list) is never a quiet failure: a toast says so and
/// the log has how it ended, while syncing goes on and Open starts a new
/// window. And a tray process that dies takes its window with it.
#[test]
fn a_window_that_dies_is_told_and_a_tray_that_dies_takes_its_window() {
    if !inside_display("a_window_that_dies_is_told_and_a_tray_that_dies_takes_its_window") {
        return;
    }
    require("xdotool", "apt-get install -y xdotool");
    let site = tray_site();
    let monitor = NotifyMonitor::start(&site.path("notify.log"));
    let mut app = launch_app(&site, &[]);
    let pid = app.child.id();
    let tray = TrayBus::find(pid);
    let shown = || bobosync_testkit::x11::shown_windows("BoboSync");
    let first = open_window_when_up(&tray, pid);
    let killed = Command::new("kill")
        .args(["-KILL", &first.to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let ended_alone = "BoboSync: the window closed unexpectedly";
    wait_until("the toast for the window's end", LIMIT, || {
        (monitor.count(ended_alone) == 1).then_some(())
    });
    wait_until("the log to say how the window ended", LIMIT, || {
        log_text(&site)
            .contains("window's process ended by itself")
            .then_some(())
    });
    assert!(
        matches!(app.child.try_wait(), Ok(None)),
        "the tray app exited with its window"
    );
    site.drop_book_on("BOBO_20250101_000001_output.csv", "00003");
    wait_until("the book-on to reach AtHoc", LIMIT, || {
        site.duty_of("00003")
    });

    tray.click("Open BoboSync");
    let second = wait_until("a new window's process", LIMIT, || {
        window_process(pid).filter(|p| *p != first)
    });
    wait_until("the new window", LIMIT, || {
        Some(shown()).filter(|ids| !ids.is_empty())
    });

    // The tray process dies (a crash, or ended from the task list): the
    // window's pipe closes and it ends too, rather than showing a page
    // that can reach nothing.
    app.child.kill().expect("kill the tray");
    let _ = app.child.wait();
    wait_until("the window's process to end with the tray", LIMIT, || {
        ended(second).then_some(())
    });
    wait_until("no BoboSync window", LIMIT, || {
        shown().is_empty().then_some(())
    });
    assert_eq!(monitor.count(ended_alone), 1, "{}", monitor.text());
}

/// An internal error (a panic, injected in this debug build) that stops the
/// engine is never quiet: one toast says so and what to do, the tray shows
/// the error (not the last "OK"), the log has the panic and where it
/// happened, and the tray itself stays up to say so.
#[test]
fn an_engine_stopped_by_an_internal_error_is_told() {
    if !inside_display("an_engine_stopped_by_an_internal_error_is_told") {
        return;
    }
    let site = tray_site();
    let monitor = NotifyMonitor::start(&site.path("notify.log"));
    let mut app = launch_app(&site, &[("BOBOSYNC_DEBUG_PANIC", "cycle")]);
    let tray = TrayBus::find(app.child.id());
    let told = "BoboSync stopped syncing";
    wait_until("the engine-stopped toast", LIMIT, || {
        (monitor.count(told) == 1).then_some(())
    });
    wait_until("the Error status", LIMIT, || {
        tray.label_starting("Error: BoboSync stopped syncing after an internal error")
    });
    let log = log_text(&site);
    assert!(
        log.contains(
            "internal error (a bug in BoboSync): a panic injected by BOBOSYNC_DEBUG_PANIC=cycle"
        ),
        "{log}"
    );
    // Sync now cannot help: the log says to restart, and the status stays.
    tray.click("Sync now");
    wait_until("the log to say Sync now needs a restart", LIMIT, || {
        log_text(&site)
            .contains("tray: the BoboSync engine has stopped: restart BoboSync")
            .then_some(())
    });
    assert!(tray
        .label_starting("Error: BoboSync stopped syncing")
        .is_some());
    assert!(
        matches!(app.child.try_wait(), Ok(None)),
        "the tray process ended"
    );
    assert_eq!(monitor.count(told), 1, "{}", monitor.text());
    drop(app);
}

/// A window that hangs (here: stopped with SIGSTOP) stops reading what the
/// tray sends it. Once its pipe and the tray's queue are full, the tray ends
/// it rather than keep a frozen window, and says so (toast, log); syncing
/// never waited for it, and Open starts a new window.
#[test]
fn a_window_that_stops_answering_is_ended_and_told() {
    if !inside_display("a_window_that_stops_answering_is_ended_and_told") {
        return;
    }
    // One update request per person: each answer is an event for the
    // window, far more than its pipe and the tray's queue hold.
    const PEOPLE: usize = 2500;
    let site = bobosync_testkit::Site::start(athoc_sim::SimConfig::default(), PEOPLE)
        .unwrap_or_else(|e| panic!("{e}"));
    site.write_env(&[("RESCAN_SECONDS", "1"), ("USERS_PER_REQUEST", "1")])
        .unwrap_or_else(|e| panic!("{e}"));
    let monitor = NotifyMonitor::start(&site.path("notify.log"));
    let mut app = launch_app(&site, &[]);
    let pid = app.child.id();
    let tray = TrayBus::find(pid);
    let hung = hang(open_window_when_up(&tray, pid));

    let at = chrono::Utc::now() - chrono::Duration::seconds(30);
    let stamp = at.format("%Y%m%d%H%M%S").to_string();
    let rows: String = (1..=PEOPLE)
        .map(|i| bobosync_testkit::bobo_row("BON", &format!("{i:05}"), &stamp))
        .collect();
    let staged = site.path("tmp").join("BOBO_everyone.csv");
    std::fs::write(&staged, rows).expect("write the export");
    std::fs::rename(&staged, site.path("drop").join("BOBO_everyone.csv")).expect("move it in");

    let told = "BoboSync: the window stopped answering";
    wait_until("the toast for the hung window", LIMIT, || {
        (monitor.count(told) == 1).then_some(())
    });
    wait_until("the hung window's process to end", LIMIT, || {
        ended(hung).then_some(())
    });
    let log = log_text(&site);
    assert!(
        log.contains(&format!(
            "the BoboSync window stopped answering (process {hung}"
        )),
        "{log}"
    );
    wait_until("everyone booked on in AtHoc", LIMIT, || {
        site.duty_of(&format!("{PEOPLE:05}"))
    });
    assert!(site.duty_of("00001").is_some());

    tray.click("Open BoboSync");
    wait_until("a new window's process", LIMIT, || {
        window_process(pid).filter(|p| *p != hung)
    });
    assert!(
        matches!(app.child.try_wait(), Ok(None)),
        "the tray process ended"
    );
    assert_eq!(monitor.count(told), 1, "{}", monitor.text());
}

/// A hung window (here: stopped with SIGSTOP) cannot read the Close that
/// Quit sends it: the tray ends it rather than leave it, frozen, outliving
/// the tray.
#[test]
fn quit_ends_a_hung_window_too() {
    if !inside_display("quit_ends_a_hung_window_too") {
        return;
    }
    let site = tray_site();
    let mut app = launch_app(&site, &[]);
    let pid = app.child.id();
    let tray = TrayBus::find(pid);
    let hung = hang(open_window_when_up(&tray, pid));
    tray.click("Quit");
    let status = wait_until("the tray to quit", LIMIT, || {
        app.child.try_wait().ok().flatten()
    });
    assert!(status.success(), "{status}");
    wait_until("the hung window's process to end", LIMIT, || {
        ended(hung).then_some(())
    });
    assert!(
        log_text(&site).contains(&format!(
            "the BoboSync window's process {hung} did not end 3 s after it was closed"
        )),
        "{}",
        log_text(&site)
    );
}
