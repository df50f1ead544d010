//! The Windows service `bobosync` (shown as "BoboSync"): the service
//! manager starts `bobosync.exe service run --config … --interval …`, which
//! hands the thread to the service dispatcher and runs the same engine as
//! `bobosync run` until the manager says stop (or the machine shuts down).
//! It runs as LocalSystem, or as the account given at install; secrets come
//! from that account's Credential Manager or the service's environment.

use std::ffi::{OsStr, OsString};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use windows_service::service::{
    Service, ServiceAccess, ServiceAction, ServiceActionType, ServiceControl, ServiceControlAccept,
    ServiceErrorControl, ServiceExitCode, ServiceFailureActions, ServiceFailureResetPeriod,
    ServiceInfo, ServiceStartType, ServiceState, ServiceStatus, ServiceType,
};
use windows_service::service_control_handler::{self, ServiceControlHandlerResult};
use windows_service::service_manager::{ServiceManager, ServiceManagerAccess};
use windows_service::{define_windows_service, service_dispatcher};

use super::{Launch, ServiceError, NAME};
use crate::args::ConfigArgs;
use crate::exit;

const DISPLAY_NAME: &str = "BoboSync";
const DESCRIPTION: &str =
    "Keeps BlackBerry AtHoc's duty attribute in step with BOBO book-on / book-off exports.";
/// How long `start` and `stop` wait for the service to get there (a stop
/// lets the batch in flight finish).
const WAIT: Duration = Duration::from_secs(120);

const ERROR_ACCESS_DENIED: i32 = 5;
const ERROR_SERVICE_DOES_NOT_EXIST: i32 = 1060;
const ERROR_SERVICE_ALREADY_RUNNING: i32 = 1056;
const ERROR_SERVICE_NOT_ACTIVE: i32 = 1062;
const ERROR_SERVICE_NEVER_STARTED: u32 = 1077;
const ERROR_SERVICE_EXISTS: i32 = 1073;
const ERROR_FAILED_SERVICE_CONTROLLER_CONNECT: i32 = 1063;

fn manager_error(action: &str, e: windows_service::Error) -> ServiceError {
    let os = match &e {
        windows_service::Error::Winapi(io) => io.raw_os_error(),
        _ => None,
    };
    match os {
        Some(ERROR_SERVICE_DOES_NOT_EXIST) => ServiceError::NotInstalled,
        Some(ERROR_ACCESS_DENIED) => ServiceError::Manager {
            action: action.to_owned(),
            detail: "access denied: run this from an administrator's command prompt".to_owned(),
        },
        _ => ServiceError::Manager {
            action: action.to_owned(),
            detail: match &e {
                windows_service::Error::Winapi(io) => io.to_string(),
                other => other.to_string(),
            },
        },
    }
}

fn manager(access: ServiceManagerAccess) -> Result<ServiceManager, ServiceError> {
    ServiceManager::local_computer(None::<&str>, access)
        .map_err(|e| manager_error("cannot open the service manager", e))
}

pub fn install(
    launch: &Launch,
    _system: bool,
    account: Option<&str>,
    print: bool,
) -> Result<(), ServiceError> {
    let arguments = launch.args(&["service", "run"]);
    if print {
        let mut line = format!("\"{}\"", launch.program.display());
        for arg in &arguments {
            line.push_str(&format!(" \"{}\"", arg.to_string_lossy()));
        }
        println!("{line}");
        return Ok(());
    }
    let password = match account {
        Some(_) => Some(
            std::env::var_os("BOBOSYNC_SERVICE_PASSWORD").ok_or_else(|| {
                ServiceError::Usage(
                    "set BOBOSYNC_SERVICE_PASSWORD to the password of the --account".to_owned(),
                )
            })?,
        ),
        None => None,
    };
    let info = ServiceInfo {
        name: NAME.into(),
        display_name: DISPLAY_NAME.into(),
        service_type: ServiceType::OWN_PROCESS,
        start_type: ServiceStartType::AutoStart,
        error_control: ServiceErrorControl::Normal,
        executable_path: launch.program.clone(),
        launch_arguments: arguments,
        dependencies: vec![],
        account_name: account.map(OsString::from),
        account_password: password,
    };
    let manager = manager(ServiceManagerAccess::CONNECT | ServiceManagerAccess::CREATE_SERVICE)?;
    // START: a handle that sets a restart action must be allowed to start.
    let access = ServiceAccess::CHANGE_CONFIG | ServiceAccess::START;
    let (service, replaced) = match manager.create_service(&info, access) {
        Ok(service) => {
            // A description is a courtesy: its failure does not undo the install.
            if let Err(e) = service.set_description(DESCRIPTION) {
                eprintln!("warning: cannot set the service's description: {e}");
            }
            (service, false)
        }
        Err(windows_service::Error::Winapi(io))
            if io.raw_os_error() == Some(ERROR_SERVICE_EXISTS) =>
        {
            let service = manager
                .open_service(NAME, access)
                .map_err(|e| manager_error("cannot open the installed service", e))?;
            service
                .change_config(&info)
                .map_err(|e| manager_error("cannot change the installed service", e))?;
            (service, true)
        }
        Err(e) => return Err(manager_error("cannot install the service", e)),
    };
    // Wine 8's service manager does not implement this (the Windows lane
    // sees the warning); Windows does.
    if let Err(e) = restart_after_failures(&service) {
        let why = match e {
            windows_service::Error::Winapi(io) => io.to_string(),
            other => other.to_string(),
        };
        eprintln!(
            "warning: cannot set the service to restart after a failure ({why}): set it on \
             the service's Recovery tab (services.msc) instead"
        );
    }
    println!(
        "{} the Windows service {NAME} ({DISPLAY_NAME}), starting with Windows as {}",
        if replaced { "replaced" } else { "installed" },
        account.unwrap_or("LocalSystem"),
    );
    if replaced {
        println!("the new command line applies from its next start (`bobosync service stop`, then `start`)");
    } else {
        println!("start it now with `bobosync service start`");
    }
    if account.is_none() {
        println!(
            "LocalSystem has its own keyring: give the service BOBOSYNC_PASSWORD and \
             BOBOSYNC_CLIENT_SECRET in its environment, or install it with --account \
             (docs/operators-guide.md#service)"
        );
    }
    Ok(())
}

/// Recovery, as the systemd unit has it (`Restart=on-failure`, 30 s): a
/// service that stops with a failure — `run` exits 1 when an internal error
/// stopped its engine — is started again after 30 s, twice; a third failure
/// within a day leaves it stopped (bad settings do not restart forever).
/// "Non-crash failures" too: `run` reports its exit status and stops, it
/// does not crash.
fn restart_after_failures(service: &Service) -> windows_service::Result<()> {
    let restart = ServiceAction {
        action_type: ServiceActionType::Restart,
        delay: Duration::from_secs(30),
    };
    let give_up = ServiceAction {
        action_type: ServiceActionType::None,
        delay: Duration::ZERO,
    };
    service.update_failure_actions(ServiceFailureActions {
        reset_period: ServiceFailureResetPeriod::After(Duration::from_secs(24 * 3600)),
        reboot_msg: None,
        command: None,
        actions: Some(vec![restart.clone(), restart, give_up]),
    })?;
    service.set_failure_actions_on_non_crash_failures(true)
}

pub fn uninstall(_system: bool) -> Result<(), ServiceError> {
    let manager = manager(ServiceManagerAccess::CONNECT)?;
    let service = manager
        .open_service(
            NAME,
            ServiceAccess::QUERY_STATUS | ServiceAccess::STOP | ServiceAccess::DELETE,
        )
        .map_err(|e| manager_error("cannot open the service", e))?;
    let status = service
        .query_status()
        .map_err(|e| manager_error("cannot query the service", e))?;
    if status.current_state != ServiceState::Stopped {
        match service.stop() {
            Ok(_) => {}
            Err(windows_service::Error::Winapi(io))
                if io.raw_os_error() == Some(ERROR_SERVICE_NOT_ACTIVE) => {}
            Err(e) => return Err(manager_error("cannot stop the service", e)),
        }
        wait_for(&service, ServiceState::Stopped)?;
    }
    service
        .delete()
        .map_err(|e| manager_error("cannot remove the service", e))?;
    println!("removed the Windows service {NAME}; the settings, database and logs are kept");
    Ok(())
}

pub fn start(_system: bool) -> Result<(), ServiceError> {
    let manager = manager(ServiceManagerAccess::CONNECT)?;
    let service = manager
        .open_service(NAME, ServiceAccess::QUERY_STATUS | ServiceAccess::START)
        .map_err(|e| manager_error("cannot open the service", e))?;
    match service.start(&[] as &[&OsStr]) {
        Ok(()) => {}
        Err(windows_service::Error::Winapi(io))
            if io.raw_os_error() == Some(ERROR_SERVICE_ALREADY_RUNNING) => {}
        Err(e) => return Err(manager_error("cannot start the service", e)),
    }
    let status = wait_for(&service, ServiceState::Running)?;
    print_status(&status);
    if status.current_state == ServiceState::Running {
        Ok(())
    } else {
        Err(ServiceError::Manager {
            action: "the service did not start".to_owned(),
            detail: exit_meaning(&status.exit_code).to_owned(),
        })
    }
}

pub fn stop(_system: bool) -> Result<(), ServiceError> {
    let manager = manager(ServiceManagerAccess::CONNECT)?;
    let service = manager
        .open_service(NAME, ServiceAccess::QUERY_STATUS | ServiceAccess::STOP)
        .map_err(|e| manager_error("cannot open the service", e))?;
    match service.stop() {
        Ok(_) => {}
        Err(windows_service::Error::Winapi(io))
            if io.raw_os_error() == Some(ERROR_SERVICE_NOT_ACTIVE) => {}
        Err(e) => return Err(manager_error("cannot stop the service", e)),
    }
    let status = wait_for(&service, ServiceState::Stopped)?;
    print_status(&status);
    Ok(())
}

pub fn status(_system: bool) -> Result<bool, ServiceError> {
    let manager = manager(ServiceManagerAccess::CONNECT)?;
    let service = manager
        .open_service(NAME, ServiceAccess::QUERY_STATUS)
        .map_err(|e| manager_error("cannot open the service", e))?;
    let status = service
        .query_status()
        .map_err(|e| manager_error("cannot query the service", e))?;
    print_status(&status);
    Ok(status.current_state == ServiceState::Running)
}

/// Polls until the service reaches `target` or settles in another state.
fn wait_for(
    service: &windows_service::service::Service,
    target: ServiceState,
) -> Result<ServiceStatus, ServiceError> {
    let deadline = Instant::now() + WAIT;
    loop {
        let status = service
            .query_status()
            .map_err(|e| manager_error("cannot query the service", e))?;
        let pending = matches!(
            status.current_state,
            ServiceState::StartPending | ServiceState::StopPending
        );
        if status.current_state == target || !pending || Instant::now() >= deadline {
            return Ok(status);
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

fn print_status(status: &ServiceStatus) {
    let state = match status.current_state {
        ServiceState::Running => "running",
        ServiceState::Stopped => "stopped",
        ServiceState::StartPending => "starting",
        ServiceState::StopPending => "stopping",
        ServiceState::Paused => "paused",
        ServiceState::PausePending => "pausing",
        ServiceState::ContinuePending => "resuming",
    };
    let mut line = format!("{NAME} (Windows service): {state}");
    if let Some(pid) = status
        .process_id
        .filter(|_| status.current_state == ServiceState::Running)
    {
        line.push_str(&format!(", pid {pid}"));
    }
    if status.current_state == ServiceState::Stopped {
        match status.exit_code {
            ServiceExitCode::Win32(0) => {}
            ServiceExitCode::Win32(ERROR_SERVICE_NEVER_STARTED) => line.push_str(", never started"),
            ref code => line.push_str(&format!(", last exit: {}", exit_meaning(code))),
        }
    }
    println!("{line}");
}

fn exit_meaning(code: &ServiceExitCode) -> &'static str {
    match code {
        ServiceExitCode::Win32(0) => "none",
        ServiceExitCode::ServiceSpecific(c) if *c == u32::from(exit::CONFIG) => {
            "the settings are invalid: run `bobosync check` with the service's settings"
        }
        ServiceExitCode::ServiceSpecific(c) if *c == u32::from(exit::LOCKED) => {
            "another BoboSync engine holds the database"
        }
        _ => "failed: see the log in the settings' LOG_DIRECTORY",
    }
}

/// What the dispatcher's thread needs: the command line's settings and the
/// runtime to run the engine on.
static LAUNCH: OnceLock<(ConfigArgs, u64, tokio::runtime::Handle)> = OnceLock::new();

define_windows_service!(ffi_service_main, service_main);

/// `bobosync service run`: only the service manager starts this. From a
/// console, the dispatcher refuses at once and the error says so.
pub async fn run(config: ConfigArgs, interval: u64) -> anyhow::Result<u8> {
    let _ = LAUNCH.set((config, interval, tokio::runtime::Handle::current()));
    // The dispatcher blocks until the service stops, on a thread of its own
    // so this runtime stays free.
    let dispatched =
        tokio::task::spawn_blocking(|| service_dispatcher::start(NAME, ffi_service_main)).await?;
    match dispatched {
        Ok(()) => Ok(exit::OK),
        Err(windows_service::Error::Winapi(io))
            if io.raw_os_error() == Some(ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) =>
        {
            eprintln!(
                "error: `bobosync service run` is started by the Windows service manager; \
                 use `bobosync run` in a console"
            );
            Ok(exit::USAGE)
        }
        Err(e) => Err(anyhow::anyhow!("the service dispatcher failed: {e}")),
    }
}

fn service_main(_arguments: Vec<OsString>) {
    let Some((config, interval, runtime)) = LAUNCH.get().cloned() else {
        return;
    };
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let stop_tx = Mutex::new(Some(stop_tx));
    let handler = move |control| match control {
        ServiceControl::Stop | ServiceControl::Shutdown | ServiceControl::Preshutdown => {
            if let Some(tx) = stop_tx.lock().ok().and_then(|mut tx| tx.take()) {
                let _ = tx.send(());
            }
            ServiceControlHandlerResult::NoError
        }
        ServiceControl::Interrogate => ServiceControlHandlerResult::NoError,
        _ => ServiceControlHandlerResult::NotImplemented,
    };
    let Ok(handle) = service_control_handler::register(NAME, handler) else {
        return;
    };
    let report = |state, accept, exit_code, wait_hint| {
        let _ = handle.set_service_status(ServiceStatus {
            service_type: ServiceType::OWN_PROCESS,
            current_state: state,
            controls_accepted: accept,
            exit_code,
            checkpoint: 0,
            wait_hint,
            process_id: None,
        });
    };
    report(
        ServiceState::Running,
        ServiceControlAccept::STOP | ServiceControlAccept::SHUTDOWN,
        ServiceExitCode::Win32(0),
        Duration::ZERO,
    );
    let stop = async {
        let _ = stop_rx.await;
        report(
            ServiceState::StopPending,
            ServiceControlAccept::empty(),
            ServiceExitCode::Win32(0),
            WAIT,
        );
    };
    // The service manager waits for the batch in flight (WAIT, then it
    // gives up on the process).
    let never = crate::StopNow {
        signal: std::future::pending::<()>,
        hint: "",
    };
    let engine = crate::run_engine(&config, Duration::from_secs(interval.max(1)), stop, never);
    let code = match runtime.block_on(engine) {
        Ok(code) => code,
        Err(e) => {
            tracing::error!("the service stopped: {}", crate::human(&e));
            if e.downcast_ref::<engine::config::LoadError>().is_some() {
                exit::CONFIG
            } else {
                exit::FAILED
            }
        }
    };
    let exit_code = if code == exit::OK {
        ServiceExitCode::Win32(0)
    } else {
        ServiceExitCode::ServiceSpecific(u32::from(code))
    };
    report(
        ServiceState::Stopped,
        ServiceControlAccept::empty(),
        exit_code,
        Duration::ZERO,
    );
}
