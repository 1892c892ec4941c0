//! Subscribes and prints messages, like `mosquitto_sub`.
//!
//! ```sh
//! cargo run -p mqtt-tokio --example sub -- -t 'sensors/#' -v
//! cargo run -p mqtt-tokio --example sub -- -t hello -C 1 -W 10
//! ```
//!
//! The flags (shared by every adapter's `sub`) are `mqtt_testkit::cli`'s.

use futures_lite::StreamExt;
use mqtt_testkit::cli::{self, SubArgs};
use mqtt_tokio::Client;

#[allow(dead_code)]
#[tokio::main]
async fn main() {
    main_with(std::env::args().skip(1).collect()).await
}

/// The whole program for `args`: runs, prints the error if any, exits
/// (status 0 on success, 27 with `Timed out` when `-W` runs out, 1 on
/// another error).
#[allow(dead_code)]
pub async fn main_with(args: Vec<String>) {
    cli::exit("sub", run(args).await)
}

/// Runs the tool with `args` (without the program name).
pub async fn run(args: Vec<String>) -> Result<(), Box<dyn std::error::Error>> {
    let Some(args) = SubArgs::parse(&args)? else {
        return Ok(());
    };
    let url = args.common.url()?;
    let client = Client::connect(&url, args.common.options()?)
        .await
        .map_err(|e| cli::ConnectFailed::new(&url, e))?;
    let mut messages = client.subscribe_stream(args.filters()).await?;
    args.check_granted(messages.ack())?;
    let deadline = args.deadline(std::time::Instant::now());
    let mut seen = 0;
    while args.wants_more(seen) {
        let next = match deadline {
            Some(d) => tokio::time::timeout_at(d.into(), messages.next())
                .await
                .map_err(|_| cli::TimedOut)?,
            None => messages.next().await,
        };
        let Some(m) = next else { break };
        args.print(&m)?;
        seen += 1;
    }
    client.disconnect().await?;
    Ok(())
}
