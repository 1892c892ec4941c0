//! Publishes one message, like `mosquitto_pub`.
//!
//! ```sh
//! cargo run -p mqtt-tokio --example pub -- -t sensors/temp -m 21.5 -q 1
//! cargo run -p mqtt-tokio --example pub -- -L mqtts://127.0.0.1:8883 --cafile ca.pem -t t -m hi
//! ```
//!
//! The flags (shared by every adapter's `pub`) are `mqtt_testkit::cli`'s.

use mqtt_testkit::cli::{self, PubArgs};
use mqtt_tokio::Client;

#[allow(dead_code)]
#[tokio::main]
async fn main() {
    main_with(std::env::args().skip(1).collect()).await
}

/// The whole program for `args`: runs, prints the error if any, exits
/// (status 0 on success, 1 on error).
#[allow(dead_code)]
pub async fn main_with(args: Vec<String>) {
    cli::exit("pub", run(args).await)
}

/// Runs the tool with `args` (without the program name).
pub async fn run(args: Vec<String>) -> Result<(), Box<dyn std::error::Error>> {
    let Some(args) = PubArgs::parse(&args)? else {
        return Ok(());
    };
    let url = args.common.url()?;
    let client = Client::connect(&url, args.common.options()?)
        .await
        .map_err(|e| cli::ConnectFailed::new(&url, e))?;
    let ack = client.publish_with(args.publish()).await?.await?;
    cli::check_ack(&ack)?;
    client.disconnect().await?;
    Ok(())
}
