//! Measures end-to-end throughput through a real broker: one client
//! subscribes, another publishes N messages of a given QoS and size; the
//! subscriber counts them on a task of its own (`smol::spawn`). Prints
//! messages per second for the whole run (publish, broker routing,
//! delivery). A measurement tool, not a test: the measurement, the same for
//! every runtime, is `mqtt_testkit::cli::ThroughputArgs::run`.
//!
//! ```sh
//! cargo run --release -p mqtt-smol --example throughput -- [N] [QOS] [SIZE]
//! ```

use mqtt_smol::Smol;
use mqtt_testkit::cli::ThroughputArgs;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = ThroughputArgs::from_env()?;
    let url = mqtt_testkit::example_broker()?;
    let line = smol::block_on(args.run::<Smol, _, _>(&url, smol::spawn))?;
    println!("{line}");
    Ok(())
}
