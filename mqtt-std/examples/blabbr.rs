//! Blabbr (1:n, one publisher and four subscribers), after Machine Head's
//! getting-started guide: four connections `consumer.joe`, `consumer.aaron`,
//! `consumer.bob` and `consumer.dee` subscribe to `nba/scores` at QoS 0; a
//! publisher connection publishes `BOS 101, NYK 89` then `ORL 85, ALT 88`.
//! Eight lines `[consumer] <name> received <msg>` follow: each subscriber gets
//! both messages in publish order (the order between subscribers is free).
//!
//! ```sh
//! cargo run -p mqtt-std --example blabbr
//! ```

use mqtt_std::{Client, Options, QoS};
use std::sync::mpsc;
use std::time::Duration;

/// The guide's data (shared by every adapter's example and tests): the
/// subscribers' names (client ids are `consumer.<name>`) and the two
/// messages, in publish order.
pub use mqtt_testkit::seed::{BLABBR_MESSAGES as MESSAGES, BLABBR_NAMES as NAMES};

/// Runs the example against `url`; topics get `prefix`, client ids `id_prefix`.
/// Returns every delivery as `(subscriber name, message)`, in arrival order.
pub fn run(
    url: &str,
    prefix: &str,
    id_prefix: &str,
) -> Result<Vec<(String, String)>, Box<dyn std::error::Error>> {
    let topic = format!("{prefix}nba/scores");
    let (tx, rx) = mpsc::channel();
    let mut consumers = Vec::new();
    for name in NAMES {
        let client = Client::connect(
            url,
            Options::new().client_id(format!("{id_prefix}consumer.{name}")),
        )?;
        let tx = tx.clone();
        client.subscribe([(topic.as_str(), QoS::AtMostOnce)], move |m| {
            let msg = String::from_utf8_lossy(m.payload()).into_owned();
            println!("[consumer] {name} received {msg}");
            let _ = tx.send((name.to_owned(), msg));
        })?;
        consumers.push(client);
    }
    let publisher = Client::connect(url, Options::new())?;
    for msg in MESSAGES {
        publisher.publish(topic.as_str(), msg)?.wait()?;
    }
    let mut deliveries = Vec::new();
    while deliveries.len() < NAMES.len() * MESSAGES.len() {
        deliveries.push(rx.recv_timeout(Duration::from_secs(10))?);
    }
    publisher.disconnect()?;
    for c in consumers {
        c.disconnect()?;
    }
    // Anything beyond the eight expected deliveries arrived before the
    // disconnects returned (they wait for every handler call).
    deliveries.extend(rx.try_iter());
    Ok(deliveries)
}

#[allow(dead_code)]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = mqtt_testkit::example_broker()?;
    run(&url, "", "")?;
    Ok(())
}
