//! `ponte-sim --data-dir DIR [--listen 127.0.0.1:7070] [--seed demo] [--account ponte]
//! [--app-key KEY:TOKEN]... [--fault-rate-429 P] [--fault-rate-5xx P] [--fault-retry-after S]
//! [--fault-latency-ms MS] [--fault-seed N] [--fault-vbase]`
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
    /// Probability (0 to 1) that a Catalog API request is answered 429 with Retry-After.
    #[arg(long, value_name = "P", default_value_t = 0.0)]
    fault_rate_429: f64,
    /// Probability (0 to 1) that a Catalog API request is answered 503.
    #[arg(long, value_name = "P", default_value_t = 0.0)]
    fault_rate_5xx: f64,
    /// The Retry-After (seconds) of an injected 429.
    #[arg(long, value_name = "SECONDS", default_value_t = 1)]
    fault_retry_after: u64,
    /// Latency added to every Catalog API request, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    fault_latency_ms: u64,
    /// Seed of the fault RNG.
    #[arg(long, value_name = "N", default_value_t = 42)]
    fault_seed: u64,
    /// Inject faults into VBase requests too.
    #[arg(long)]
    fault_vbase: bool,
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
        faults: ponte_sim::FaultConfig {
            rate429: cli.fault_rate_429,
            rate5xx: cli.fault_rate_5xx,
            retry_after_seconds: cli.fault_retry_after,
            latency_ms: cli.fault_latency_ms,
            seed: cli.fault_seed,
            vbase: cli.fault_vbase,
        },
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
