//! Measures end-to-end throughput through a real broker: one client
//! subscribes, another publishes N messages of a given QoS and size; the
//! subscriber counts them on a task of its own (`tokio::spawn`). Prints
//! messages per second for the whole run (publish, broker routing,
//! delivery). A measurement tool, not a test: the measurement, the same for
//! every runtime, is `mqtt_testkit::cli::ThroughputArgs::run`.
//!
//! ```sh
//! cargo run --release -p mqtt-tokio --example throughput -- [N] [QOS] [SIZE]
//! ```

use mqtt_testkit::cli::ThroughputArgs;
use mqtt_tokio::Tokio;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = ThroughputArgs::from_env()?;
    let url = mqtt_testkit::example_broker()?;
    let line = args
        .run::<Tokio, _, _>(&url, |counter| async {
            tokio::spawn(counter).await.expect("the counting task ran")
        })
        .await?;
    println!("{line}");
    Ok(())
}
