//! The standalone simulator command line, shared by the `athoc-sim` binary and
//! `bobosync simulator`: flags ([`SimArgs`]) and [`run_cli`].

use std::path::PathBuf;
use std::time::Duration;

use crate::config::{OffsetMode, SimConfig};
use crate::dates::{DateError, DatePattern};
use crate::server::serve;
use crate::sim::Sim;
use crate::users::{generate_users, SimUser};

/// Flags of the standalone simulator.
#[derive(Debug, Clone, clap::Args)]
pub struct SimArgs {
    /// Port on 127.0.0.1 (0 picks a free one and prints it).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Number of generated users (user00001@force.example, collar 00001, ...).
    #[arg(long, default_value_t = 50, conflicts_with = "seed_file")]
    pub users: usize,
    /// JSON file with an array of users: [{"login": "...", "attributes": {"Collar-Number": "..."}}].
    #[arg(long)]
    pub seed_file: Option<PathBuf>,
    /// What `Offset` means when paging users.
    #[arg(long, value_enum, default_value_t = OffsetModeArg::Page)]
    pub offset_mode: OffsetModeArg,
    /// .NET-style date-time format of the organization.
    #[arg(long, default_value = "dd/MM/yyyy HH:mm:ss")]
    pub date_format: String,
    /// Lifetime of issued tokens, in seconds.
    #[arg(long, default_value_t = 3600)]
    pub token_lifetime_secs: u64,
    /// Server-side maximum for `Limit`.
    #[arg(long)]
    pub page_cap: Option<usize>,
    /// Latency added to every reply, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Organization code.
    #[arg(long, default_value = "BOBO")]
    pub org_code: String,
    /// Accepted client_id.
    #[arg(long, default_value = "sim-client")]
    pub client_id: String,
    /// Accepted client_secret.
    #[arg(long, default_value = "sim-client-secret")]
    pub client_secret: String,
    /// Accepted operator user name.
    #[arg(long, default_value = "sim-operator")]
    pub username: String,
    /// Accepted operator password.
    #[arg(long, default_value = "sim-password")]
    pub password: String,
}

/// `--offset-mode` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OffsetModeArg {
    /// `Offset` is a page number.
    Page,
    /// `Offset` is a record index.
    Record,
}

/// Why the simulator command could not start.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The seed file could not be read.
    #[error("cannot read seed file {path}: {source}")]
    ReadSeed {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The seed file is not a JSON array of users.
    #[error(
        "seed file {path} is not a JSON array of {{\"login\", \"attributes\"}} users: {source}"
    )]
    ParseSeed {
        /// The file.
        path: PathBuf,
        /// The parse error.
        source: serde_json::Error,
    },
    /// `--date-format` is not a supported pattern.
    #[error("--date-format: {0}")]
    DateFormat(#[from] DateError),
    /// Binding or serving failed.
    #[error(
        "cannot serve on 127.0.0.1:{port}: {source} (try another --port, or 0 for any free port)"
    )]
    Serve {
        /// The requested port.
        port: u16,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl SimArgs {
    /// The configuration these flags describe.
    pub fn config(&self) -> Result<SimConfig, CliError> {
        DatePattern::compile(&self.date_format)?;
        Ok(SimConfig {
            org_code: self.org_code.clone(),
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            username: self.username.clone(),
            password: self.password.clone(),
            offset_mode: match self.offset_mode {
                OffsetModeArg::Page => OffsetMode::Page,
                OffsetModeArg::Record => OffsetMode::Record,
            },
            date_format: self.date_format.clone(),
            token_lifetime: Duration::from_secs(self.token_lifetime_secs),
            page_size_cap: self.page_cap,
            latency: Duration::from_millis(self.latency_ms),
            ..SimConfig::default()
        })
    }

    /// The seeded or generated users.
    pub fn seed_users(&self) -> Result<Vec<SimUser>, CliError> {
        match &self.seed_file {
            None => Ok(generate_users(self.users)),
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| CliError::ReadSeed {
                    path: path.clone(),
                    source,
                })?;
                serde_json::from_str(&text).map_err(|source| CliError::ParseSeed {
                    path: path.clone(),
                    source,
                })
            }
        }
    }

    /// A simulator as these flags describe.
    pub fn build(&self) -> Result<Sim, CliError> {
        Ok(Sim::new(self.config()?, self.seed_users()?))
    }
}

/// Runs the simulator until Ctrl-C, printing its URL and credentials to stdout.
pub async fn run_cli(args: SimArgs) -> Result<(), CliError> {
    let sim = args.build()?;
    let serve_error = |source| CliError::Serve {
        port: args.port,
        source,
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port))
        .await
        .map_err(serve_error)?;
    let addr = listener.local_addr().map_err(serve_error)?;
    let config = sim.config();
    println!("athoc-sim listening on http://{addr}");
    println!("  org code:      {}", config.org_code);
    println!("  client id:     {}", config.client_id);
    println!("  client secret: {}", config.client_secret);
    println!("  username:      {}", config.username);
    println!("  password:      {}", config.password);
    println!("  users:         {}", sim.users().len());
    println!(
        "  offset mode:   {:?}, date format: {}",
        config.offset_mode, config.date_format
    );
    println!("  control API (not AtHoc): http://{addr}/_sim/users, /_sim/requests, ...");
    println!("Press Ctrl-C to stop.");
    serve(listener, sim, async {
        if tokio::signal::ctrl_c().await.is_err() {
            // No signal handler available: serve until killed.
            std::future::pending::<()>().await;
        }
    })
    .await
    .map_err(serve_error)
}
