//! Blabbr (1:n, one publisher and four subscribers), after Machine Head's
//! getting-started guide: four connections `consumer.joe`, `consumer.aaron`,
//! `consumer.bob` and `consumer.dee` subscribe to `nba/scores` at QoS 0; a
//! publisher connection publishes `BOS 101, NYK 89` then `ORL 85, ALT 88`.
//! Eight lines `[consumer] <name> received <msg>` follow: each subscriber gets
//! both messages in publish order (the order between subscribers is free).
//!
//! ```sh
//! cargo run -p mqtt-smol --example blabbr
//! ```
//!
//! The integration tests run [`run`] against every broker under test.

use mqtt_smol::{Client, Options, QoS, Smol};
use mqtt_testkit::seed::deliveries;

/// The guide's data (shared by every adapter's example and tests): the
/// subscribers' names (client ids are `consumer.<name>`) and the two
/// messages, in publish order.
pub use mqtt_testkit::seed::{BLABBR_MESSAGES as MESSAGES, BLABBR_NAMES as NAMES};

/// Runs the example against `url`: topics get `prefix`, client ids
/// `id_prefix` (both empty when run as the example). Returns every delivery
/// as `(subscriber name, message)`, in arrival order.
pub async fn run(
    url: &str,
    prefix: &str,
    id_prefix: &str,
) -> Result<Vec<(String, String)>, Box<dyn std::error::Error>> {
    let topic = format!("{prefix}nba/scores");
    let (tx, rx) = async_channel::unbounded();
    let mut consumers = Vec::new();
    for name in NAMES {
        let id = format!("{id_prefix}consumer.{name}");
        let client = Client::connect(url, Options::new().client_id(id)).await?;
        let tx = tx.clone();
        client
            .subscribe([(topic.as_str(), QoS::AtMostOnce)], move |m| {
                let msg = String::from_utf8_lossy(m.payload()).into_owned();
                println!("[consumer] {name} received {msg}");
                let _ = tx.try_send((name.to_owned(), msg));
            })
            .await?;
        consumers.push(client);
    }
    let publisher = Client::connect(url, Options::new()).await?;
    for msg in MESSAGES {
        publisher.publish(topic.as_str(), msg).await?.await?;
    }
    // The eight deliveries (each within 10 s), then any extra one within 300 ms.
    let got = deliveries::<Smol, _>(&rx, NAMES.len() * MESSAGES.len()).await?;
    publisher.disconnect().await?;
    for c in consumers {
        c.disconnect().await?;
    }
    Ok(got)
}

#[allow(dead_code)] // The tests include this file for `run`.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = mqtt_testkit::example_broker()?;
    smol::block_on(run(&url, "", ""))?;
    Ok(())
}
