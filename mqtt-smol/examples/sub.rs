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
  -W SECONDS     exit with an error if nothing arrives for this long";

fn main() {
    if let Err(e) = run() {
        eprintln!("sub: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut common = cli::Common::default();
    let mut verbose = false;
    let mut count: Option<usize> = None;
    let mut wait: Option<Duration> = None;
    let args: Vec<String> = std::env::args().skip(1).collect();
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
        let client = Client::connect(&url, common.options()?).await?;
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
        while count.map_or(true, |c| seen < c) {
            let next = match wait {
                Some(d) => {
                    futures_lite::future::or(async { Some(messages.next().await) }, async {
                        smol::Timer::after(d).await;
                        None
                    })
                    .await
                }
                None => Some(messages.next().await),
            };
            let m = match next {
                Some(Some(m)) => m,
                Some(None) => break,
                None => return Err(format!("no message within {wait:?}").into()),
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
