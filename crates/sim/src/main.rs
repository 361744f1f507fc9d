//! `ponte-sim --data-dir DIR [--listen 127.0.0.1:7070] [--seed demo] [--account ponte]
//! [--app-key KEY:TOKEN]...`
//!
//! Prints exactly one line on stdout once it listens, `ponte-sim listening on http://ADDR`
//! (with the real port, so `--listen 127.0.0.1:0` works), then serves until SIGINT or SIGTERM,
//! finishing in-flight requests and store writes before it exits. Errors go to stderr, with
//! exit status 1.

use clap::{Parser, ValueEnum};
use ponte_sim::{AppKey, Seed, Sim, SimConfig};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, ValueEnum)]
enum SeedArg {
    /// Three departments, categories over three levels, specification groups, fields and values.
    Demo,
}

/// A local VTEX platform (Catalog, VTEX ID, app settings) for Ponte, and its HTTP proxy.
#[derive(Debug, Parser)]
#[command(name = "ponte-sim", version)]
struct Cli {
    /// Directory of the embedded store (`sim.redb`); created if missing.
    #[arg(long, value_name = "DIR")]
    data_dir: PathBuf,
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7070")]
    listen: SocketAddr,
    /// Seed the account with a catalog when it is empty.
    #[arg(long, value_enum)]
    seed: Option<SeedArg>,
    /// The account to seed, and the default for requests straight to the simulator.
    #[arg(long, default_value = "ponte")]
    account: String,
    /// An app key pair VTEX ID accepts on every account (repeatable), besides each account's
    /// built-in `vtexappkey-{account}-PONTE` / `ponte-sim-apptoken`.
    #[arg(long = "app-key", value_name = "KEY:TOKEN")]
    app_keys: Vec<AppKey>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ponte-sim: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ponte-sim: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    let config = SimConfig {
        data_dir: cli.data_dir,
        listen: cli.listen,
        seed: cli.seed.map(|SeedArg::Demo| Seed::Demo),
        account: cli.account,
        app_keys: cli.app_keys,
    };
    let sim = Sim::start(config).await?;
    {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "ponte-sim listening on {}", sim.url())?;
        stdout.flush()?;
    }
    wait_for_signal().await?;
    sim.shutdown().await?;
    Ok(())
}

#[cfg(unix)]
async fn wait_for_signal() -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r,
        _ = term.recv() => Ok(()),
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() -> std::io::Result<()> {
    tokio::signal::ctrl_c().await
}
