//! Subscribes and prints messages, like `mosquitto_sub`.
//!
//! ```sh
//! cargo run -p mqtt-smol --example sub -- -t 'sensors/#' -v
//! cargo run -p mqtt-smol --example sub -- -t hello -C 1 -W 10
//! ```

use mqtt_testkit::cli;

use futures_lite::StreamExt;
use mqtt_smol::{Client, QoS};
use std::io::Write;
use std::time::Duration;

const HELP: &str = "usage: sub -t FILTER [-t FILTER...] [-v] [-C COUNT] [-W SECONDS] [flags]
  -v             print the topic before each payload
  -C COUNT       exit after COUNT messages
  -W SECONDS     give up this long after connecting: `Timed out`, exit status 27";

#[allow(dead_code)]
fn main() {
    main_with(std::env::args().skip(1).collect())
}

/// The whole program for `args`: runs, prints the error if any, exits
/// (status 0 on success, 27 with `Timed out` when `-W` runs out, 1 on
/// another error).
#[allow(dead_code)]
pub fn main_with(args: Vec<String>) -> ! {
    cli::exit("sub", run(args))
}

/// Runs the tool with `args` (without the program name).
pub fn run(args: Vec<String>) -> Result<(), Box<dyn std::error::Error>> {
    let mut common = cli::Common::default();
    let mut verbose = false;
    let mut count: Option<usize> = None;
    let mut wait: Option<Duration> = None;
    let mut i = 0;
    let value = |i: &mut usize| {
        *i += 1;
        args.get(*i)
            .cloned()
            .ok_or(format!("{} needs a value", args[*i - 1]))
    };
    while i < args.len() {
        if common.take(&args, &mut i)? {
            i += 1;
            continue;
        }
        match args[i].as_str() {
            "-v" => verbose = true,
            "-C" => count = Some(value(&mut i)?.parse()?),
            "-W" => wait = Some(Duration::from_secs(value(&mut i)?.parse()?)),
            "--help" => {
                println!("{HELP}\n{}", cli::COMMON_HELP);
                return Ok(());
            }
            f => return Err(format!("unknown flag {f}\n{HELP}\n{}", cli::COMMON_HELP).into()),
        }
        i += 1;
    }
    if common.topics.is_empty() {
        return Err(format!("at least one -t FILTER is needed\n{HELP}").into());
    }
    let url = common.url()?;
    let qos = common.qos.unwrap_or(QoS::AtMostOnce);
    smol::block_on(async {
        let client = Client::connect(&url, common.options()?)
            .await
            .map_err(|e| cli::ConnectFailed::new(&url, e))?;
        let mut messages = client
            .subscribe_stream(common.topics.iter().map(|t| (t.as_str(), qos)))
            .await?;
        for (filter, granted) in common.topics.iter().zip(messages.ack().granted()) {
            if granted.is_none() {
                return Err(format!("the broker refused the subscription to {filter}").into());
            }
        }
        let mut seen = 0;
        let mut out = std::io::stdout();
        // Like mosquitto_sub: the time counts from the connection, not per message.
        let deadline = wait.map(|d| std::time::Instant::now() + d);
        while count.map_or(true, |c| seen < c) {
            let next = match deadline {
                Some(d) => {
                    futures_lite::future::or(async { Some(messages.next().await) }, async {
                        smol::Timer::at(d).await;
                        None
                    })
                    .await
                }
                None => Some(messages.next().await),
            };
            let m = match next {
                Some(Some(m)) => m,
                Some(None) => break,
                None => return Err(cli::TimedOut.into()),
            };
            if verbose {
                write!(out, "{} ", m.topic())?;
            }
            out.write_all(m.payload())?;
            writeln!(out)?;
            out.flush()?;
            seen += 1;
        }
        client.disconnect().await?;
        Ok(())
    })
}
