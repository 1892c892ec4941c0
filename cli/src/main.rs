//! `mqtt`: `mqtt pub`, `mqtt sub` and `mqtt rr` with the flags of mosquitto_pub,
//! mosquitto_sub and mosquitto_rr 2.0 (same meaning, defaults, output formats and exit
//! codes), and `mqtt bench` for load tests. Built on `mqtt-tokio`, on one
//! thread (a current-thread tokio runtime): a command-line tool has one job
//! at a time, and `bench` holds thousands of connections as tasks, not
//! threads.
//!
//! ```sh
//! mqtt sub -h 127.0.0.1 -t 'sensors/#' -v
//! mqtt pub -h 127.0.0.1 -t sensors/temp -m 21.5 -q 1
//! mqtt bench pub -c 1000 -I 1000 -q 1 -t 'bench/%i'
//! ```
//!
//! `mqtt pub --help`, `mqtt sub --help` and `mqtt bench --help` list every
//! flag, including those deliberately left out and why.

mod bench;
mod conn;
mod format;
mod logger;
mod props;
mod publish;
mod request;
mod subscribe;
mod tls;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

/// Exit status of `sub -W` running out of time, as mosquitto_sub's.
pub const TIMED_OUT_EXIT: i32 = 27;

/// MQTT command-line tools: publish, subscribe and load-test, with the flags
/// of mosquitto_pub and mosquitto_sub.
#[derive(Parser, Debug)]
#[command(name = "mqtt", version, disable_help_subcommand = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Publish a message (or lines of stdin), like mosquitto_pub.
    Pub(publish::PubArgs),
    /// Subscribe and print what arrives, like mosquitto_sub.
    Sub(subscribe::SubArgs),
    /// Publish a request and print the first response, like mosquitto_rr.
    Rr(request::RrArgs),
    /// Load test: many connections publishing or subscribing, with latency percentiles.
    Bench(bench::BenchArgs),
}

/// Why the tool stops with an error.
#[derive(Debug)]
pub enum Failure {
    /// The command line is wrong: the message, then the usage hint; status 1.
    Usage(String),
    /// `-W` ran out: `Timed out`, status 27.
    TimedOut,
    /// Anything else: the message; status 1.
    Error(String),
}

impl Failure {
    /// A run-time error from anything displayable, with its whole cause chain.
    pub fn error(e: impl std::error::Error) -> Failure {
        Failure::Error(chain(&e))
    }
}

/// An error with its sources: `a: b: c`.
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        let s = e.to_string();
        if !text.contains(&s) {
            text.push_str(": ");
            text.push_str(&s);
        }
        source = e.source();
    }
    text
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    std::process::exit(run(args));
}

/// Runs the tool on `args` (program name first) and gives the exit status.
fn run(args: Vec<String>) -> i32 {
    let (args, properties) = match props::extract(&Cli::command(), args) {
        Ok(x) => x,
        Err(e) => return report(&None, false, Failure::Usage(e)),
    };
    let cli = match Cli::command()
        .try_get_matches_from(&args)
        .and_then(|m| Cli::from_arg_matches(&m))
    {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version print and succeed; the rest is a usage error.
            let _ = e.print();
            return if e.use_stderr() { 1 } else { 0 };
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return report(&None, false, Failure::error(e)),
    };
    let (tool, quiet, result) = match cli.command {
        Command::Pub(a) => {
            let quiet = a.conn.quiet;
            ("pub", quiet, runtime.block_on(publish::run(a, properties)))
        }
        Command::Sub(a) => {
            let quiet = a.conn.quiet;
            (
                "sub",
                quiet,
                runtime.block_on(subscribe::run(a, properties)),
            )
        }
        Command::Rr(a) => {
            let quiet = a.conn.quiet;
            ("rr", quiet, runtime.block_on(request::run(a, properties)))
        }
        Command::Bench(a) => ("bench", false, runtime.block_on(bench::run(a))),
    };
    match result {
        Ok(()) => 0,
        Err(f) => report(&Some(tool), quiet, f),
    }
}

/// Prints the failure (unless `--quiet`; a timeout is always said, as
/// mosquitto_sub does) and gives its exit status.
fn report(tool: &Option<&str>, quiet: bool, failure: Failure) -> i32 {
    match failure {
        Failure::TimedOut => {
            eprintln!("Timed out");
            TIMED_OUT_EXIT
        }
        Failure::Usage(m) => {
            if !quiet {
                eprintln!("Error: {m}");
                match tool {
                    Some(t) => eprintln!("\nUse 'mqtt {t} --help' to see usage."),
                    None => eprintln!("\nUse 'mqtt --help' to see usage."),
                }
            }
            1
        }
        Failure::Error(m) => {
            if !quiet {
                eprintln!("Error: {m}");
            }
            1
        }
    }
}
