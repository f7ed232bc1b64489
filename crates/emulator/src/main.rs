//! `skusync-emulator`: runs the WooCommerce emulator until interrupted and
//! prints one JSON ready line on stdout (`{"url", "consumer_key",
//! "consumer_secret"[, "ca_cert"]}`). Logs go to stderr.

use clap::Parser;
use skusync_emulator::{Emulator, EmulatorOptions, Seed, Tls, parse_timezone};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

/// A faithful, stateful emulator of the WooCommerce REST API v3.
#[derive(Debug, Parser)]
#[command(name = "skusync-emulator", version)]
struct Args {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Seed file: {"products": [...WooCommerce JSON...], "keys": [...]}. Without it the store starts empty.
    #[arg(long)]
    seed: Option<PathBuf>,
    /// Latency added to every API request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Faults active from the start, e.g. "429,times=2,retry_after=1;latency=50,p=0.2" (see docs/emulator.md).
    #[arg(long)]
    faults: Option<String>,
    /// Serve HTTPS with a generated self-signed certificate.
    #[arg(long)]
    tls: bool,
    /// With --tls: write the certificate (the CA to trust) to this file.
    #[arg(long)]
    ca_out: Option<PathBuf>,
    /// Site timezone offset, e.g. +02:00 (default UTC).
    #[arg(long, default_value = "+00:00", value_parser = parse_tz)]
    timezone: i32,
}

fn parse_tz(s: &str) -> Result<i32, String> {
    parse_timezone(s).ok_or_else(|| format!("not a timezone offset: {s:?} (expected e.g. +02:00)"))
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("skusync-emulator: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(args))
}

async fn run(args: Args) -> ExitCode {
    let ca_out = match (args.tls, args.ca_out) {
        (true, Some(p)) => Some(p),
        (true, None) => Some(
            std::env::temp_dir().join(format!("skusync-emulator-ca-{}.pem", std::process::id())),
        ),
        (false, _) => None,
    };
    let options = EmulatorOptions {
        listen: args.listen,
        seed: args.seed.map_or(Seed::None, Seed::File),
        tls: if args.tls { Tls::SelfSigned } else { Tls::Off },
        ca_out,
        latency_ms: args.latency_ms,
        faults: args.faults,
        timezone_offset_secs: args.timezone,
    };
    let emulator = match Emulator::start(options).await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("skusync-emulator: {e}");
            return ExitCode::FAILURE;
        }
    };
    for w in emulator.seed_warnings() {
        eprintln!("skusync-emulator: warning: {w}");
    }
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{}", emulator.ready_line())
        .and_then(|()| out.flush())
        .is_err()
    {
        return ExitCode::FAILURE;
    }
    drop(out);
    shutdown_signal().await;
    emulator.shutdown().await;
    ExitCode::SUCCESS
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
