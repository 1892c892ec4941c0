//! Subscribes like `mosquitto_sub` and prints each message.
//!
//! ```sh
//! cargo run -p mqtt-std --example sub -- -t 'sensors/#' -v
//! cargo run -p mqtt-std --example sub -- -L mqtt://127.0.0.1:1883 -t a -t b -C 10
//! ```
//!
//! Flags: the common ones (see `--help`) plus `-v` (print the topic too),
//! `-C COUNT` (exit after COUNT messages), `-W SECONDS` (give up that long
//! after connecting: `Timed out`, exit status 27, as mosquitto_sub),
//! `-N` (no newline after the payload), `--retained-only` (skip live messages).

use mqtt_testkit::cli;

use mqtt_std::{Client, QoS};
use std::io::Write;
use std::time::{Duration, Instant};

const HELP: &str = "usage: sub [flags] -t TOPIC [-t TOPIC...] [-v] [-C COUNT] [-W SECONDS] [-N]";

#[allow(dead_code)]
fn main() {
    main_with(std::env::args().skip(1).collect())
}

/// The whole program for `args`: runs, prints the error if any, exits
/// (status 0 on success, 27 with `Timed out` when `-W` runs out, 1 on
/// another error).
#[allow(dead_code)]
pub fn main_with(args: Vec<String>) -> ! {
    cli::exit("sub", run(args, &mut std::io::stdout()))
}

/// Runs the tool with `args` (without the program name), printing to `out`.
pub fn run(args: Vec<String>, out: &mut dyn Write) -> Result<(), Box<dyn std::error::Error>> {
    let mut common = cli::Common::default();
    let (mut verbose, mut count, mut wait, mut newline) = (false, None::<usize>, None, true);
    let mut i = 0;
    while i < args.len() {
        if !common.take(&args, &mut i)? {
            match args[i].as_str() {
                "-v" | "--verbose" => verbose = true,
                "-N" => newline = false,
                "-C" => {
                    i += 1;
                    count = Some(args.get(i).ok_or("-C needs a value")?.parse()?);
                }
                "-W" => {
                    i += 1;
                    wait = Some(Duration::from_secs(
                        args.get(i).ok_or("-W needs a value")?.parse()?,
                    ));
                }
                "--help" => {
                    writeln!(out, "{HELP}\n{}", cli::COMMON_HELP)?;
                    return Ok(());
                }
                other => return Err(format!("unknown flag {other}\n{HELP}").into()),
            }
        }
        i += 1;
    }
    if common.topics.is_empty() {
        return Err(format!("at least one -t TOPIC is needed\n{HELP}").into());
    }
    let qos = common.qos.unwrap_or(QoS::AtMostOnce);
    let url = common.url()?;
    let client =
        Client::connect(&url, common.options()?).map_err(|e| cli::ConnectFailed::new(&url, e))?;
    let mut messages = client.messages();
    let ack = client.subscribe(common.topics.iter().map(|t| (t.as_str(), qos)), |_| {})?;
    for (t, g) in common.topics.iter().zip(ack.granted()) {
        if g.is_none() {
            return Err(format!("the broker refused the subscription to {t}").into());
        }
    }
    let deadline = wait.map(|w| Instant::now() + w);
    let mut seen = 0;
    while count.map_or(true, |c| seen < c) {
        let m = match deadline {
            Some(d) => match messages.next_timeout(d.saturating_duration_since(Instant::now())) {
                Some(m) => m,
                None if Instant::now() >= d => return Err(cli::TimedOut.into()),
                None => break,
            },
            None => match messages.next() {
                Some(m) => m,
                None => break,
            },
        };
        seen += 1;
        if verbose {
            write!(out, "{} ", m.topic())?;
        }
        out.write_all(m.payload())?;
        if newline {
            out.write_all(b"\n")?;
        }
        out.flush()?;
    }
    drop(messages);
    client.disconnect()?;
    Ok(())
}
