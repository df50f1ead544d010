//! The real tray app's window, driven over WebDriver under Xvfb against the
//! simulator: the first-run wizard with the simulator's URL and credentials
//! (secrets into a real gnome-keyring), a sync, a record found in History,
//! a failing check; and leaving the demo for the wizard ("Set up for
//! real"). A screenshot of each page is saved under
//! `target/ui-e2e-screenshots/<test>/`.

use std::time::Duration;

use athoc_sim::SimConfig;
use bobosync_ui_e2e::webdriver::{By, WebDriver};
use bobosync_ui_e2e::{
    app_env, inside, log_tail, tray_binary, wait_until, Screenshots, Site, TauriDriver,
};

/// For one thing to show up in the window.
const LIMIT: Duration = Duration::from_secs(60);

fn field(key: &str) -> By {
    By::css(&format!("input[name='{key}']"))
}

#[tokio::test(flavor = "multi_thread")]
async fn first_run_wizard_sync_history_and_a_failing_check() {
    if !inside("first_run_wizard_sync_history_and_a_failing_check") {
        return;
    }
    let site = Site::new();
    let config = site.sim.config();
    // Waiting before the app starts: the wizard's dry run must show it.
    site.drop_book_on("BOBO_20250101_000001_output.csv", "00003");
    let (driver, wd) = start_app(&site, &[]).await;
    let result = run(&wd, &site, &config).await;
    finish(driver, wd, "failure", result).await;
}

/// Started with no settings and `--demo-if-unconfigured` (as `./dev/run`
/// does), the app runs the demo; the banner's "Set up for real" leaves it:
/// the window shows the first-run wizard and the demo's folder is gone.
#[tokio::test(flavor = "multi_thread")]
async fn set_up_for_real_leaves_the_demo_for_the_wizard() {
    if !inside("set_up_for_real_leaves_the_demo_for_the_wizard") {
        return;
    }
    let site = Site::new();
    let (driver, wd) = start_app(&site, &["--demo-if-unconfigured"]).await;
    let result = async {
        wd.wait_text("the built-in simulator with sample data", LIMIT)
            .await?;
        // The demo's folder is in the app's temporary folder.
        let demo = wait_until("the demo's folder", LIMIT, || {
            std::fs::read_dir(site.path("tmp"))
                .ok()?
                .flatten()
                .map(|e| e.path())
                .find(|p| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with("bobosync-demo-"))
                })
        });
        wd.click_when_ready(&By::button("Set up for real"), LIMIT)
            .await?;
        wd.wait_text("Step 1 of 7", LIMIT).await?;
        wait_until("the demo's folder to be deleted", LIMIT, || {
            (!demo.exists()).then_some(())
        });
        Ok(())
    }
    .await;
    finish(driver, wd, "demo-failure", result).await;
}

/// tauri-driver with the site's environment, and a WebDriver session on the
/// app started with `args`.
async fn start_app(site: &Site, args: &[&str]) -> (TauriDriver, WebDriver) {
    let driver = TauriDriver::start(&app_env(site), &site.path("driver.log"))
        .unwrap_or_else(|e| panic!("{e}"));
    let app = tray_binary().unwrap_or_else(|e| panic!("{e}"));
    let wd = WebDriver::connect(&driver.url, TauriDriver::capabilities(&app, args), LIMIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", log_tail(&driver.log, 3000)));
    (driver, wd)
}

/// On failure: a screenshot (`shot`) and the driver's and app's output in
/// the panic. Then the session ends and the driver goes.
async fn finish(
    driver: TauriDriver,
    wd: WebDriver,
    shot: &str,
    result: Result<(), Box<dyn std::error::Error>>,
) {
    if let Err(e) = &result {
        if let Ok(png) = wd.screenshot().await {
            let shots = Screenshots {
                dir: bobosync_ui_e2e::target_dir().join("ui-e2e-screenshots"),
            };
            eprintln!("failure screenshot: {}", shots.save(shot, &png).display());
        }
        panic!(
            "{e}\n--- driver and app output ---\n{}",
            log_tail(&driver.log, 4000)
        );
    }
    let _ = tokio::time::timeout(Duration::from_secs(10), wd.quit()).await;
    drop(driver);
}

async fn run(
    wd: &WebDriver,
    site: &Site,
    config: &SimConfig,
) -> Result<(), Box<dyn std::error::Error>> {
    let shots = &Screenshots::new("first_run_wizard_sync_history_and_a_failing_check");
    let shot = |name: &'static str| async move {
        let png = wd.screenshot().await?;
        println!("screenshot: {}", shots.save(name, &png).display());
        Ok::<(), Box<dyn std::error::Error>>(())
    };

    // ── (a) the first-run wizard ──
    wd.wait_text("Step 1 of 7", LIMIT).await?;
    wd.type_into(&field("athoc.server_url"), &site.base_url, LIMIT)
        .await?;
    wd.type_into(&field("athoc.org_code"), &config.org_code, LIMIT)
        .await?;
    shot("01-wizard-server").await?;
    wd.click_when_ready(&By::button("Next"), LIMIT).await?;

    wd.wait_text("Step 2 of 7: Credentials", LIMIT).await?;
    wd.type_into(&field("athoc.client_id"), &config.client_id, LIMIT)
        .await?;
    wd.type_into(&field("athoc.username"), &config.username, LIMIT)
        .await?;
    wd.type_into(&By::css("#secret-client"), &config.client_secret, LIMIT)
        .await?;
    wd.type_into(&By::css("#secret-password"), &config.password, LIMIT)
        .await?;
    wd.click_when_ready(&By::button("Store credentials"), LIMIT)
        .await?;
    wd.wait_element_text(
        &By::css("[data-testid=stored-password]"),
        "stored in the OS keyring",
        LIMIT,
    )
    .await?;
    wd.wait_element_text(
        &By::css("[data-testid=stored-client-secret]"),
        "stored in the OS keyring",
        LIMIT,
    )
    .await?;
    let page = wd.page_text().await?;
    assert!(
        !page.contains(&config.password) && !page.contains(&config.client_secret),
        "a secret is shown back"
    );
    shot("02-wizard-credentials").await?;
    wd.click_when_ready(&By::button("Next"), LIMIT).await?;

    wd.wait_text("Step 3 of 7: Test connection", LIMIT).await?;
    wd.click_when_ready(&By::button("Test connection"), LIMIT)
        .await?;
    wd.wait_text("Connected to AtHoc.", LIMIT).await?;
    shot("03-wizard-test-connection").await?;
    wd.click_when_ready(&By::button("Next"), LIMIT).await?;

    wd.wait_text("Step 4 of 7: Folders", LIMIT).await?;
    for (key, sub) in [
        ("paths.drop_dir", "drop"),
        ("paths.processed_dir", "processed"),
        ("paths.failed_dir", "failed"),
    ] {
        let path = site.path(sub).display().to_string();
        wd.type_into(&field(key), &path, LIMIT).await?;
    }
    shot("04-wizard-folders").await?;
    wd.click_when_ready(&By::button("Next"), LIMIT).await?;

    wd.wait_text("Step 5 of 7: Field names", LIMIT).await?;
    wd.type_into(
        &field("fields.duty_attribute"),
        bobosync_ui_e2e::DUTY,
        LIMIT,
    )
    .await?;
    wd.type_into(&field("fields.collar_attribute"), "Collar-Number", LIMIT)
        .await?;
    wd.type_into(&field("time.zone"), "UTC", LIMIT).await?;
    shot("05-wizard-fields").await?;
    wd.click_when_ready(&By::button("Next"), LIMIT).await?;

    // The dry run: the waiting file is planned, nothing is sent.
    wd.wait_text("Step 6 of 7: Dry-run preview", LIMIT).await?;
    wd.wait_text("1 file(s) ready", LIMIT).await?;
    wd.wait_element_text(&By::css("table"), "00003", LIMIT)
        .await?;
    shot("06-wizard-preview").await?;
    assert_eq!(site.duty_of("00003"), None, "the dry run wrote to AtHoc");
    assert!(site
        .path("drop")
        .join("BOBO_20250101_000001_output.csv")
        .exists());

    wd.click_when_ready(&By::button("Go live"), LIMIT).await?;
    wd.wait_text("BoboSync is live", LIMIT).await?;
    shot("07-wizard-live").await?;
    // Live: the waiting file reaches AtHoc without anyone asking.
    wait_until("the first book-on to reach AtHoc", LIMIT, || {
        site.duty_of("00003")
    });
    wait_until("the first file to leave the drop folder", LIMIT, || {
        (!site
            .path("drop")
            .join("BOBO_20250101_000001_output.csv")
            .exists())
        .then_some(())
    });
    wd.click_when_ready(&By::button("Open the Status page"), LIMIT)
        .await?;
    wd.wait_element_text(&By::css("main h1"), "Status", LIMIT)
        .await?;

    // ── (b) a sync: paused, so that it is Sync now that applies the file ──
    wd.click_when_ready(&By::button("Pause"), LIMIT).await?;
    wd.wait_for(&By::button("Resume"), LIMIT).await?;
    site.drop_book_on("BOBO_20250101_000002_output.csv", "00007");
    wd.click_when_ready(&By::button("Sync now"), LIMIT).await?;
    wd.wait_text(
        "Sync finished: 1 file, 1 person booked on, 0 booked off, nothing failed.",
        LIMIT,
    )
    .await?;
    let duty = wait_until("the second book-on to reach AtHoc", LIMIT, || {
        site.duty_of("00007")
    });
    assert!(!duty.is_empty());
    wd.click_when_ready(&By::button("Resume"), LIMIT).await?;
    wd.wait_for(&By::button("Pause"), LIMIT).await?;
    wd.wait_element_text(&By::css("[data-testid=pending-files]"), "0", LIMIT)
        .await?;
    shot("08-status-after-sync").await?;

    // ── (c) History: find employee 00007's record ──
    wd.click_when_ready(&By::css("button[data-page=history]"), LIMIT)
        .await?;
    wd.wait_text("Recent syncs (", LIMIT).await?;
    shot("09-history").await?;
    wd.type_into(&By::css("#who"), "00007", LIMIT).await?;
    wd.click_when_ready(&By::button("Search"), LIMIT).await?;
    let table = wd
        .wait_element_text(&By::css("table.records"), "Applied", LIMIT)
        .await?;
    assert!(table.contains("00007"), "{table}");
    assert!(table.contains("user00007@force.example"), "{table}");
    assert!(
        table.contains("BOBO_20250101_000002_output.csv, line 1"),
        "{table}"
    );
    wd.wait_text("Timeline of 00007: 1 line, newest first", LIMIT)
        .await?;
    shot("10-history-search").await?;

    // ── (d) checks: all pass, then a collar field no user has fails ──
    wd.click_when_ready(&By::css("button[data-page=checks]"), LIMIT)
        .await?;
    wd.wait_text("0 failed.", LIMIT).await?;
    shot("11-checks-pass").await?;
    wd.click_when_ready(&By::css("button[data-page=settings]"), LIMIT)
        .await?;
    wd.type_into(&field("fields.collar_attribute"), "No-Such-Field", LIMIT)
        .await?;
    shot("12-settings").await?;
    // The app's own options: off by default at login; closing hides to the
    // tray. They are saved with the same Save as every setting.
    let login = wd.wait_for(&By::css("#pref-start-at-login"), LIMIT).await?;
    assert_eq!(
        wd.property(&login, "checked").await?,
        serde_json::json!(false)
    );
    wd.click_when_ready(&By::css("#pref-close-to-tray"), LIMIT)
        .await?;
    wd.wait_element_text(
        &By::css("[data-testid=unsaved-count]"),
        "2 settings changed",
        LIMIT,
    )
    .await?;
    wd.click_when_ready(&By::button("Save settings"), LIMIT)
        .await?;
    let prefs = site
        .path("xdg-config")
        .join("bobosync")
        .join("app-preferences.json");
    wait_until("the preferences file", LIMIT, || {
        std::fs::read_to_string(&prefs)
            .ok()
            .filter(|t| t.contains("\"closeToTray\": false"))
    });
    wd.wait_text("Settings saved", LIMIT).await?;
    wd.click_when_ready(&By::css("button[data-page=checks]"), LIMIT)
        .await?;
    let check = wd
        .wait_element_text(&By::css("[data-check=collar_field]"), "Fail", LIMIT)
        .await?;
    assert!(check.contains("No-Such-Field"), "{check}");
    assert!(check.contains("What to do:"), "{check}");
    shot("13-checks-fail").await?;
    Ok(())
}
