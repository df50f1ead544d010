//! The real tray app's window against the simulator, started from a
//! Python-tool `.env` (`--env-file`, secrets in the file: no wizard), in
//! two sessions:
//!
//! - light: the headline from "Up to date" to "Needs attention" (a file the
//!   engine refuses, a stale cleanup waiting for approval) and each button;
//!   the approval's confirmation dialog (Cancel changes nothing, Approve
//!   clears the 30 values in AtHoc);
//! - dark (`GTK_THEME=Adwaita:dark`): the `.env`'s settings shown but not
//!   editable, the unsaved-settings guard (Stay, Discard) on the app's own
//!   options, and a sync opened from History.
//!
//! Screenshots of each state at 800×600 and at the narrowest width the
//! window allows go to `target/ui-e2e-screenshots/<test>/`.

use std::ffi::OsString;
use std::time::Duration;

use athoc_sim::generate_users;
use bobosync_ui_e2e::webdriver::{By, WebDriver};
use bobosync_ui_e2e::{
    app_env, inside, log_tail, target_dir, tray_binary, wait_until, Screenshots, Site, TauriDriver,
    DUTY,
};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// For one thing to show up in the window.
const LIMIT: Duration = Duration::from_secs(60);

/// The narrow size: the app's minimum inner width (`src-tauri/src/window.rs`).
const NARROW: (u32, u32) = (400, 700);

/// The page background of each colour scheme (`--bg` in `ui/src/style.css`).
const LIGHT_BG: &str = "rgb(255, 255, 255)";
const DARK_BG: &str = "rgb(15, 20, 25)";

/// Users in the simulator (more than `CLEANUP_GUARD_MIN`, 20).
const USERS: usize = 30;

/// A file over `MAX_FILE_MB=1`: the engine moves it to failed/ unread.
const TOO_BIG: &str = "BOBO_20250101_000009_output.csv";

/// The `.env` a Python-tool site would have, pointing at the simulator and
/// the site's folders, with a low cleanup guard and a 1 MB file limit.
fn write_env(site: &Site) -> std::path::PathBuf {
    site.write_env(&[
        ("AUTO_CLEANUP_HOURS", "24"),
        ("CLEANUP_GUARD_PERCENT", "50"),
        ("CLEANUP_GUARD_MIN", "20"),
        ("MAX_FILE_MB", "1"),
    ])
    .unwrap_or_else(|e| panic!("{e}"))
}

/// Starts the app on `site` from its `.env` with `extra` variables, runs
/// `body`, and on failure saves a screenshot and shows the app's output.
async fn with_app<F, Fut>(test: &str, site: &Site, extra: &[(&'static str, &str)], body: F)
where
    F: FnOnce(WebDriver) -> Fut,
    Fut: std::future::Future<Output = (WebDriver, TestResult)>,
{
    let env_file = write_env(site);
    let mut env = app_env(site);
    env.push(("BOBOSYNC_ENV_FILE", env_file.into()));
    for (k, v) in extra {
        env.push((*k, OsString::from(v)));
    }
    let driver =
        TauriDriver::start(&env, &site.path("driver.log")).unwrap_or_else(|e| panic!("{e}"));
    let app = tray_binary().unwrap_or_else(|e| panic!("{e}"));
    let wd = WebDriver::connect(&driver.url, TauriDriver::capabilities(&app, &[]), LIMIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", log_tail(&driver.log, 3000)));
    let (wd, result) = body(wd).await;
    if let Err(e) = &result {
        if let Ok(png) = wd.screenshot().await {
            let shots = Screenshots {
                dir: target_dir().join("ui-e2e-screenshots"),
            };
            let path = shots.save(&format!("{test}-failure"), &png);
            eprintln!("failure screenshot: {}", path.display());
        }
        panic!(
            "{e}\n--- driver and app output ---\n{}",
            log_tail(&driver.log, 4000)
        );
    }
    let _ = tokio::time::timeout(Duration::from_secs(10), wd.quit()).await;
    drop(driver);
}

/// Takes `name` at 800×600 and at the narrowest size the window allows
/// (asked for 400×700), then goes back to 800×600; returns the viewport
/// sizes (`window.innerWidth` × `innerHeight`) of both.
async fn shot_sizes(
    wd: &WebDriver,
    shots: &Screenshots,
    name: &str,
) -> Result<[(u64, u64); 2], Box<dyn std::error::Error>> {
    let mut sizes = [(0, 0); 2];
    for (i, (w, h)) in [(800, 600), NARROW].into_iter().enumerate() {
        wd.set_window_rect(w, h).await?;
        // Let the resize and the re-layout settle.
        tokio::time::sleep(Duration::from_millis(400)).await;
        let (iw, ih) = wd.inner_size().await?;
        sizes[i] = (iw, ih);
        // Nothing wider than the window: no sideways scrolling at any size
        // (once the re-layout after the resize is done).
        let mut scroll = serde_json::Value::Null;
        for _ in 0..20 {
            scroll = wd
                .execute("return document.documentElement.scrollWidth;")
                .await?;
            if scroll.as_u64().is_some_and(|w| w <= iw) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
        if scroll.as_u64().unwrap_or(u64::MAX) > iw {
            let wide = wd
                .execute(
                    "return [...document.querySelectorAll('body *')]\
                     .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5 || (e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0 && getComputedStyle(e).overflowX === 'visible'))\
                     .slice(0, 12).map(e => e.tagName + '.' + e.className + ' ' + \
                     Math.round(e.getBoundingClientRect().width) + 'px: ' + \
                     (e.textContent || '').trim().slice(0, 60));",
                )
                .await?;
            panic!(
                "{name}: the page is {scroll} px wide in a {iw} px window; wider elements: {wide}"
            );
        }
        let png = wd.screenshot().await?;
        let label = if i == 0 {
            "800x600".to_owned()
        } else {
            format!("narrow-{iw}x{ih}")
        };
        let path = shots.save(&format!("{name}-{label}"), &png);
        println!("screenshot ({iw}×{ih} viewport): {}", path.display());
    }
    wd.set_window_rect(800, 600).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (w800, _) = sizes[0];
    assert_eq!(w800, 800, "the window did not take 800 px width");
    assert_eq!(
        sizes[1].0,
        u64::from(NARROW.0),
        "the narrow window is {:?}",
        sizes[1]
    );
    Ok(sizes)
}

/// The page's background colour and whether it prefers dark.
async fn scheme(wd: &WebDriver) -> Result<(String, bool), Box<dyn std::error::Error>> {
    let v = wd
        .execute(
            "return [getComputedStyle(document.body).backgroundColor, \
             window.matchMedia('(prefers-color-scheme: dark)').matches];",
        )
        .await?;
    Ok((
        v[0].as_str().unwrap_or_default().to_owned(),
        v[1].as_bool().unwrap_or(false),
    ))
}

async fn headline_tone(wd: &WebDriver) -> Result<String, Box<dyn std::error::Error>> {
    let v = wd
        .execute("const h = document.querySelector('.headline'); return h ? h.dataset.tone : null;")
        .await?;
    Ok(v.as_str().unwrap_or_default().to_owned())
}

/// Whether an open `<dialog>` is on the page, and its text.
async fn open_dialog(wd: &WebDriver) -> Result<Option<String>, Box<dyn std::error::Error>> {
    let v = wd
        .execute("const d = document.querySelector('dialog[open]'); return d ? d.innerText : null;")
        .await?;
    Ok(v.as_str().map(str::to_owned))
}

/// The button labelled `label` inside the headline.
fn headline_button(label: &str) -> By {
    By::XPath(format!(
        "//section[contains(@class,'headline')]//button[normalize-space(.)='{label}']"
    ))
}

// ─────────────────────────────────────────────────────────────────────────
// 1 + 2: headline states, failed file, approval confirmation (light).
// ─────────────────────────────────────────────────────────────────────────

#[tokio::test(flavor = "multi_thread")]
async fn headline_states_and_approval_confirmation() {
    const TEST: &str = "headline_states_and_approval_confirmation";
    if !inside(TEST) {
        return;
    }
    let site = Site::new();
    site.sim.replace_users(generate_users(USERS));
    let s = &site;
    with_app(TEST, s, &[], |wd| async move {
        let r = headline_and_approval(&wd, s).await;
        (wd, r)
    })
    .await;
}

async fn headline_and_approval(wd: &WebDriver, site: &Site) -> TestResult {
    let shots = &Screenshots::new("headline_states_and_approval_confirmation");
    let headline = By::css(".headline-text");

    // ── Up to date ──
    wd.wait_element_text(&headline, "Up to date", LIMIT).await?;
    assert_eq!(headline_tone(wd).await?, "ok");
    let (bg, dark) = scheme(wd).await?;
    assert_eq!((bg.as_str(), dark), (LIGHT_BG, false), "not light");
    let [_, narrow] = shot_sizes(wd, shots, "01-status-up-to-date").await?;
    println!("narrowest viewport: {}×{}", narrow.0, narrow.1);

    // ── Needs attention: a file refused unread, a cleanup over the guard ──
    let stale = (chrono::Utc::now() - chrono::Duration::hours(48))
        .format("%d/%m/%Y %H:%M:%S")
        .to_string();
    let logins: Vec<String> = site.sim.users().into_iter().map(|u| u.login).collect();
    assert_eq!(logins.len(), USERS);
    for login in &logins {
        site.sim.set_attribute(login, DUTY, &stale);
    }
    let tmp = site.path("drop").join(format!(".{TOO_BIG}.part"));
    std::fs::write(&tmp, vec![b'#'; 2 * 1024 * 1024])?;
    std::fs::rename(&tmp, site.path("drop").join(TOO_BIG))?;
    wd.click_when_ready(&By::button("Sync now"), LIMIT).await?;
    let text = wd
        .wait_element_text(&headline, "Needs attention — 2 things wait for you", LIMIT)
        .await?;
    println!("headline: {text}");
    // A file not applied is an error, not only a warning.
    assert_eq!(headline_tone(wd).await?, "error");
    let waiting = wd
        .wait_element_text(&By::css("ul.waiting"), TOO_BIG, LIMIT)
        .await?;
    assert!(waiting.contains("Waiting for approval"), "{waiting}");
    wd.wait_for(&headline_button("Review approval"), LIMIT)
        .await?;
    wd.wait_for(&headline_button("Retry failed files"), LIMIT)
        .await?;
    assert!(site.path("failed").join(TOO_BIG).exists());
    // Nothing cleared without approval.
    assert!(logins
        .iter()
        .all(|l| site_duty(site, l).as_deref() == Some(stale.as_str())));
    shot_sizes(wd, shots, "02-status-needs-attention").await?;

    // Retry failed files: back into drop/, where the engine refuses it again.
    wd.click_when_ready(&headline_button("Retry failed files"), LIMIT)
        .await?;
    wd.wait_text(
        &format!("Back in the drop folder, to be applied in the next sync: {TOO_BIG}."),
        LIMIT,
    )
    .await?;
    wait_until("the retried file to be refused again", LIMIT, || {
        (site.path("failed").join(TOO_BIG).exists() && !site.path("drop").join(TOO_BIG).exists())
            .then_some(())
    });
    // Dismissing it leaves only the approval waiting.
    wd.click_when_ready(&By::button("Dismiss…"), LIMIT).await?;
    wd.click_when_ready(&By::button("Yes, dismiss"), LIMIT)
        .await?;
    wd.wait_element_text(&headline, "Needs attention — 1 thing waits for you", LIMIT)
        .await?;
    assert_eq!(headline_tone(wd).await?, "attention");

    // ── Review approval focuses it ──
    wd.click_when_ready(&headline_button("Review approval"), LIMIT)
        .await?;
    let focused = wait_until("the approval to take focus", LIMIT, || {
        let v = futures_block(wd.execute("return document.activeElement.id;")).ok()?;
        v.as_str()
            .filter(|id| id.starts_with("appr-"))
            .map(str::to_owned)
    });
    println!("focused: #{focused}");

    // ── Approve… asks with the exact count and names; Cancel changes nothing ──
    wd.click_when_ready(&By::button("Approve…"), LIMIT).await?;
    let dialog = wait_until("the approval dialog", LIMIT, || {
        futures_block(open_dialog(wd)).ok().flatten()
    });
    println!("dialog: {dialog}");
    assert!(
        dialog.contains("Mass clear of duty values: approve or reject?"),
        "{dialog}"
    );
    assert!(
        dialog.contains(&format!("clears the duty values of {USERS} people: ")),
        "{dialog}"
    );
    assert!(
        dialog.contains(&format!("and {} more", USERS - 5)),
        "{dialog}"
    );
    let named: Vec<&String> = logins
        .iter()
        .filter(|l| dialog.contains(l.as_str()))
        .collect();
    assert_eq!(named.len(), 5, "five names shown: {dialog}");
    wd.wait_for(&By::button(&format!("Approve {USERS} changes")), LIMIT)
        .await?;
    shot_sizes(wd, shots, "03-approval-dialog").await?;
    wd.click_when_ready(&By::button("Cancel"), LIMIT).await?;
    wait_until("the dialog to close", LIMIT, || {
        futures_block(open_dialog(wd))
            .ok()
            .and_then(|d| d.is_none().then_some(()))
    });
    wd.wait_element_text(&headline, "Needs attention — 1 thing waits for you", LIMIT)
        .await?;
    wd.wait_for(&By::button("Approve…"), LIMIT).await?;
    assert!(logins
        .iter()
        .all(|l| site_duty(site, l).as_deref() == Some(stale.as_str())));

    // ── Approve carries it out ──
    wd.click_when_ready(&By::button("Approve…"), LIMIT).await?;
    wd.click_when_ready(&By::button(&format!("Approve {USERS} changes")), LIMIT)
        .await?;
    wd.wait_text(
        &format!(
            "Approved: Mass clear of duty values ({USERS} changes). It is carried out in the next sync."
        ),
        LIMIT,
    )
    .await?;
    assert_eq!(futures_block(open_dialog(wd))?, None);
    wd.click_when_ready(&By::button("Sync now"), LIMIT).await?;
    wait_until("AtHoc's duty values to be cleared", LIMIT, || {
        logins
            .iter()
            .all(|l| site_duty(site, l).is_none())
            .then_some(())
    });
    wd.wait_element_text(&headline, "Up to date", LIMIT).await?;
    assert_eq!(headline_tone(wd).await?, "ok");
    shot_sizes(wd, shots, "04-status-approved").await?;

    // ── AtHoc refuses the credentials: Open Settings ──
    site.sim
        .update_config(|c| c.password = "changed-on-the-server".into());
    site.sim.expire_tokens();
    wd.click_when_ready(&By::button("Sync now"), LIMIT).await?;
    wd.wait_element_text(&headline, "Needs attention — 1 thing waits for you", LIMIT)
        .await?;
    let waiting = wd
        .wait_element_text(
            &By::css("ul.waiting"),
            "AtHoc refused the credentials",
            LIMIT,
        )
        .await?;
    println!("waiting: {waiting}");
    shot_sizes(wd, shots, "05-status-credentials-refused").await?;
    wd.click_when_ready(&headline_button("Open Settings"), LIMIT)
        .await?;
    wd.wait_element_text(&By::css("main h1"), "Settings", LIMIT)
        .await?;
    shot_sizes(wd, shots, "06-settings-light").await?;
    Ok(())
}

/// The duty value AtHoc holds for `login` (None when blank).
fn site_duty(site: &Site, login: &str) -> Option<String> {
    site.sim
        .user(login)
        .and_then(|u| u.attributes.get(DUTY).cloned())
        .filter(|v| !v.is_empty())
}

/// Runs a future to completion from inside a `wait_until` closure (the
/// test runs on a multi-thread runtime).
fn futures_block<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(f))
}

// ─────────────────────────────────────────────────────────────────────────
// 3 + 4: unsaved-settings guard and History drill-down, in dark.
// ─────────────────────────────────────────────────────────────────────────

#[tokio::test(flavor = "multi_thread")]
async fn dark_settings_guard_and_history_drilldown() {
    const TEST: &str = "dark_settings_guard_and_history_drilldown";
    if !inside(TEST) {
        return;
    }
    let site = Site::new();
    site.drop_book_on("BOBO_20250101_000001_output.csv", "00003");
    let s = &site;
    with_app(TEST, s, &[("GTK_THEME", "Adwaita:dark")], |wd| async move {
        let r = guard_and_history(&wd, s).await;
        (wd, r)
    })
    .await;
}

fn field(key: &str) -> By {
    By::css(&format!("input[name='{key}']"))
}

async fn guard_and_history(wd: &WebDriver, site: &Site) -> TestResult {
    let shots = &Screenshots::new("dark_settings_guard_and_history_drilldown");
    let page_title = By::css("main h1");

    // The waiting file is applied by the running engine.
    wait_until("the book-on to reach AtHoc", LIMIT, || {
        site.duty_of("00003")
    });
    wd.wait_element_text(&By::css(".headline-text"), "Up to date", LIMIT)
        .await?;
    let (bg, dark) = scheme(wd).await?;
    assert_eq!((bg.as_str(), dark), (DARK_BG, true), "not dark");
    shot_sizes(wd, shots, "01-status-dark").await?;

    // ── Settings: the .env's, shown but not editable ──
    wd.click_when_ready(&By::css("button[data-page=settings]"), LIMIT)
        .await?;
    wd.wait_element_text(&page_title, "Settings", LIMIT).await?;
    wd.wait_element_text(
        &By::css("[data-testid=env-file-notice]"),
        "BoboSync was started with --env-file",
        LIMIT,
    )
    .await?;
    // Shown (`wait_for` would wait for it to be enabled as well).
    let el = wd
        .find(&field("fields.collar_attribute"))
        .await?
        .expect("the collar-number field");
    assert_eq!(wd.property(&el, "value").await?, "Collar-Number");
    let disabled = wd
        .execute(
            "return [...document.querySelectorAll('fieldset.settings-fields [name]')]\
             .every((e) => e.matches(':disabled'))",
        )
        .await?;
    assert_eq!(disabled, serde_json::json!(true), "a setting can be edited");

    // ── An unsaved edit of the app's own options, then Stay keeps it ──
    let close_to_tray = By::css("#pref-close-to-tray");
    let el = wd.wait_for(&close_to_tray, LIMIT).await?;
    assert_eq!(wd.property(&el, "checked").await?, serde_json::json!(true));
    wd.click_when_ready(&close_to_tray, LIMIT).await?;
    wd.wait_element_text(
        &By::css("[data-testid=unsaved-count]"),
        "1 setting changed",
        LIMIT,
    )
    .await?;
    shot_sizes(wd, shots, "02-settings-dark-unsaved").await?;

    // ── Closing the window (a window manager's close button) asks first;
    //    Stay keeps it open, in its own process, with the edit ──
    let windows = bobosync_testkit::x11::shown_windows("BoboSync");
    assert!(!windows.is_empty(), "no BoboSync window shown");
    bobosync_testkit::x11::request_close(&windows)?;
    let dialog = wait_until("the unsaved-settings dialog on close", LIMIT, || {
        futures_block(open_dialog(wd)).ok().flatten()
    });
    assert!(dialog.contains("closing the window"), "{dialog}");
    wd.click_when_ready(&By::button("Stay"), LIMIT).await?;
    wait_until("the dialog to close", LIMIT, || {
        futures_block(open_dialog(wd))
            .ok()
            .and_then(|d| d.is_none().then_some(()))
    });
    assert_eq!(
        bobosync_testkit::x11::shown_windows("BoboSync"),
        windows,
        "the window closed although it was asked to stay"
    );

    wd.click_when_ready(&By::css("button[data-page=history]"), LIMIT)
        .await?;
    let dialog = wait_until("the unsaved-settings dialog", LIMIT, || {
        futures_block(open_dialog(wd)).ok().flatten()
    });
    assert!(dialog.contains("Unsaved settings"), "{dialog}");
    assert!(
        dialog.contains("1 setting changed and not saved. Save before going to History"),
        "{dialog}"
    );
    shot_sizes(wd, shots, "03-unsaved-guard-dark").await?;
    wd.click_when_ready(&By::button("Stay"), LIMIT).await?;
    wait_until("the dialog to close", LIMIT, || {
        futures_block(open_dialog(wd))
            .ok()
            .and_then(|d| d.is_none().then_some(()))
    });
    wd.wait_element_text(&page_title, "Settings", LIMIT).await?;
    let el = wd.wait_for(&close_to_tray, LIMIT).await?;
    assert_eq!(wd.property(&el, "checked").await?, serde_json::json!(false));
    wd.wait_element_text(
        &By::css("[data-testid=unsaved-count]"),
        "1 setting changed",
        LIMIT,
    )
    .await?;

    // ── Discard drops it and goes on ──
    wd.click_when_ready(&By::css("button[data-page=history]"), LIMIT)
        .await?;
    wait_until("the unsaved-settings dialog again", LIMIT, || {
        futures_block(open_dialog(wd)).ok().flatten()
    });
    wd.click_when_ready(&By::button("Discard"), LIMIT).await?;
    wd.wait_element_text(&page_title, "History", LIMIT).await?;
    assert_eq!(futures_block(open_dialog(wd))?, None);
    wd.click_when_ready(&By::css("button[data-page=settings]"), LIMIT)
        .await?;
    wd.wait_element_text(&page_title, "Settings", LIMIT).await?;
    let el = wd.wait_for(&close_to_tray, LIMIT).await?;
    assert_eq!(wd.property(&el, "checked").await?, serde_json::json!(true));
    // Nothing unsaved: leaving asks nothing.
    wd.click_when_ready(&By::css("button[data-page=history]"), LIMIT)
        .await?;
    wd.wait_element_text(&page_title, "History", LIMIT).await?;
    assert_eq!(futures_block(open_dialog(wd))?, None);

    // ── History: open the sync, see who was booked on, go back ──
    wd.wait_text("Recent syncs (", LIMIT).await?;
    shot_sizes(wd, shots, "04-history-dark").await?;
    wd.click_when_ready(
        &By::css("table.batches tr[data-batch] td.open-cell button"),
        LIMIT,
    )
    .await?;
    let detail = wd
        .wait_element_text(
            &By::css("section.batch-detail"),
            "1 person booked on",
            LIMIT,
        )
        .await?;
    assert!(
        detail.contains("BOBO_20250101_000001_output.csv"),
        "{detail}"
    );
    let records = wd
        .wait_element_text(
            &By::css("section.batch-detail table.records"),
            "00003",
            LIMIT,
        )
        .await?;
    assert!(records.contains("Booked on"), "{records}");
    assert!(records.contains("user00003@force.example"), "{records}");
    let focused = wd.execute("return document.activeElement.id;").await?;
    assert_eq!(focused, "batch-detail-h");
    shot_sizes(wd, shots, "05-history-sync-dark").await?;
    wd.click_when_ready(&By::button("Back to history"), LIMIT)
        .await?;
    wd.wait_text("Recent syncs (", LIMIT).await?;
    assert!(wd.find(&By::css("section.batch-detail")).await?.is_none());
    let (bg, dark) = scheme(wd).await?;
    assert_eq!((bg.as_str(), dark), (DARK_BG, true), "no longer dark");

    // ── Export: the save dialog is the window process's, over the window
    //    (a background process's dialog may open behind it on Windows) ──
    // Outside the site, which is BoboSync's own folder (exports are refused there).
    let exports_dir = tempfile::tempdir()?;
    let exports = exports_dir.path();
    wd.click_when_ready(&By::button("Export as CSV"), LIMIT)
        .await?;
    let dialog = wait_until("the save dialog", LIMIT, || {
        Some(bobosync_testkit::x11::shown_windows("Export as CSV")).filter(|w| !w.is_empty())
    });
    let owner = xdotool(&["getwindowpid", &dialog[0].to_string()]);
    let cmdline = std::fs::read(format!("/proc/{}/cmdline", owner.trim()))?;
    assert!(
        String::from_utf8_lossy(&cmdline).contains("--window-process"),
        "the save dialog belongs to {}",
        String::from_utf8_lossy(&cmdline)
    );
    let target = exports.join("history.csv");
    let id = dialog[0].to_string();
    xdotool(&["windowfocus", "--sync", &id]);
    xdotool(&["key", "--window", &id, "ctrl+a"]);
    xdotool(&[
        "type",
        "--window",
        &id,
        "--delay",
        "20",
        &target.display().to_string(),
    ]);
    xdotool(&["key", "--window", &id, "Return"]);
    wd.wait_text("Saved to ", LIMIT).await?;
    let written = wait_until("the export", LIMIT, || {
        std::fs::read_to_string(&target).ok()
    });
    assert!(written.lines().count() >= 2, "{written}");

    // ── Nothing unsaved: closing the window closes it (its process ends);
    //    BoboSync goes on in the tray and still applies a file dropped now ──
    bobosync_testkit::x11::request_close(&bobosync_testkit::x11::shown_windows("BoboSync"))?;
    wait_until("the window to close", LIMIT, || {
        bobosync_testkit::x11::shown_windows("BoboSync")
            .is_empty()
            .then_some(())
    });
    site.drop_book_on("BOBO_20250101_000002_output.csv", "00004");
    wait_until(
        "a book-on after the window closed to reach AtHoc",
        LIMIT,
        || site.duty_of("00004"),
    );
    Ok(())
}

/// Runs xdotool (the display's windows as a user would use them); its output.
fn xdotool(args: &[&str]) -> String {
    let out = std::process::Command::new("xdotool")
        .args(args)
        .output()
        .expect("xdotool");
    assert!(
        out.status.success(),
        "xdotool {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
