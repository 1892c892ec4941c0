//! Publishes like `mosquitto_pub`.
//!
//! ```sh
//! cargo run -p mqtt-std --example pub -- -t greetings -m "Hello" -q 1
//! cargo run -p mqtt-std --example pub -- -L mqtt://127.0.0.1:1883 -t t -l < lines.txt
//! ```
//!
//! Flags: the common ones (see `--help`) plus `-m MESSAGE`, `-f FILE`, `-l`
//! (one message per line of stdin), `-n` (empty message), `-r` (retain).
//! Exits non-zero when the broker does not acknowledge a message.

use mqtt_testkit::cli;

use mqtt_std::{Bytes, Client, Publish, QoS};
use std::io::BufRead;

const HELP: &str = "usage: pub [flags] -t TOPIC (-m MESSAGE | -f FILE | -l | -n) [-r]";

#[allow(dead_code)]
fn main() {
    main_with(std::env::args().skip(1).collect())
}

/// The whole program for `args`: runs, prints the error if any, exits
/// (status 0 on success, 1 on error).
#[allow(dead_code)]
pub fn main_with(args: Vec<String>) -> ! {
    cli::exit("pub", run(args))
}

/// Runs the tool with `args` (without the program name).
pub fn run(args: Vec<String>) -> Result<(), Box<dyn std::error::Error>> {
    let mut common = cli::Common::default();
    let (mut message, mut file, mut lines, mut null, mut retain) =
        (None, None, false, false, false);
    let mut i = 0;
    while i < args.len() {
        if !common.take(&args, &mut i)? {
            match args[i].as_str() {
                "-m" | "--message" => {
                    i += 1;
                    message = Some(args.get(i).ok_or("-m needs a value")?.clone());
                }
                "-f" | "--file" => {
                    i += 1;
                    file = Some(args.get(i).ok_or("-f needs a value")?.clone());
                }
                "-l" | "--stdin-line" => lines = true,
                "-n" | "--null-message" => null = true,
                "-r" | "--retain" => retain = true,
                "--help" => {
                    println!("{HELP}\n{}", cli::COMMON_HELP);
                    return Ok(());
                }
                other => return Err(format!("unknown flag {other}\n{HELP}").into()),
            }
        }
        i += 1;
    }
    let topic = match common.topics.as_slice() {
        [t] => t.clone(),
        _ => return Err(format!("exactly one -t TOPIC is needed\n{HELP}").into()),
    };
    let qos = common.qos.unwrap_or(QoS::AtMostOnce);
    let url = common.url()?;
    let client =
        Client::connect(&url, common.options()?).map_err(|e| cli::ConnectFailed::new(&url, e))?;
    let send = |payload: Bytes| -> Result<(), mqtt_std::Error> {
        let handle = client.publish_with(
            Publish::new(topic.as_str(), payload)
                .qos(qos)
                .retain(retain),
        )?;
        handle.wait().map(drop)
    };
    if lines {
        for line in std::io::stdin().lock().lines() {
            send(Bytes::from(line?))?;
        }
    } else if let Some(m) = message {
        send(Bytes::from(m))?;
    } else if let Some(f) = file {
        send(Bytes::from(std::fs::read(f)?))?;
    } else if null {
        send(Bytes::new())?;
    } else {
        return Err(format!("nothing to publish: give -m, -f, -l or -n\n{HELP}").into());
    }
    client.disconnect()?;
    Ok(())
}
