//! The `athoc-sim` binary: a standalone AtHoc simulator (see the crate README).

use clap::Parser;

/// A faithful simulator of the AtHoc REST API subset BoboSync uses. Test-only; not AtHoc.
#[derive(Debug, Parser)]
#[command(name = "athoc-sim", version)]
struct Cli {
    #[command(flatten)]
    args: athoc_sim::SimArgs,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match athoc_sim::run_cli(cli.args).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("athoc-sim: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
