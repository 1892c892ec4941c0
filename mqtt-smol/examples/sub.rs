//! Subscribes and prints messages, like `mosquitto_sub`.
//!
//! ```sh
//! cargo run -p mqtt-smol --example sub -- -t 'sensors/#' -v
//! cargo run -p mqtt-smol --example sub -- -t hello -C 1 -W 10
//! ```
//!
//! The flags (shared by every adapter's `sub`) are `mqtt_testkit::cli`'s.

use futures_lite::StreamExt;
use mqtt_smol::Client;
use mqtt_testkit::cli::{self, SubArgs};

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
    let Some(args) = SubArgs::parse(&args)? else {
        return Ok(());
    };
    let url = args.common.url()?;
    smol::block_on(async {
        let client = Client::connect(&url, args.common.options()?)
            .await
            .map_err(|e| cli::ConnectFailed::new(&url, e))?;
        let mut messages = client.subscribe_stream(args.filters()).await?;
        args.check_granted(messages.ack())?;
        let deadline = args.deadline(std::time::Instant::now());
        let mut seen = 0;
        while args.wants_more(seen) {
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
            match next {
                Some(Some(m)) => args.print(&m)?,
                Some(None) => break,
                None => return Err(cli::TimedOut.into()),
            }
            seen += 1;
        }
        client.disconnect().await?;
        Ok(())
    })
}
