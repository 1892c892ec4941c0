//! Weathr (n:m topic routing, two publishers and eight subscribers), after
//! Machine Head's getting-started guide. Publisher A sends the five Americas
//! updates, publisher B the five others; eight subscriber connections, one
//! filter each at QoS 0, print what they receive: 18 deliveries in all.
//!
//! ```sh
//! cargo run -p mqtt-smol --example weathr
//! ```
//!
//! The integration tests run [`run`] against every broker under test.

use mqtt_smol::{Client, Options, QoS, Smol};
use mqtt_testkit::seed::deliveries;

/// The guide's tables (shared by every adapter's example and tests): the ten
/// updates `(topic, payload)` (publisher A sends the first five, publisher B
/// the last five), the eight subscribers' filters (one connection each), and
/// how many deliveries they get in total.
pub use mqtt_testkit::seed::{
    WEATHR_DELIVERIES as EXPECTED, WEATHR_FILTERS as FILTERS, WEATHR_UPDATES as UPDATES,
};

/// Runs the example against `url` with every topic and filter under
/// `prefix`. Returns every delivery as `(filter, topic, payload)` (filter and
/// topic without the prefix), in arrival order.
pub async fn run(
    url: &str,
    prefix: &str,
) -> Result<Vec<(String, String, String)>, Box<dyn std::error::Error>> {
    let (tx, rx) = async_channel::unbounded();
    let mut subscribers = Vec::new();
    for filter in FILTERS {
        let client = Client::connect(url, Options::new()).await?;
        let tx = tx.clone();
        let prefix = prefix.to_owned();
        client
            .subscribe([(format!("{prefix}{filter}"), QoS::AtMostOnce)], move |m| {
                let topic = m.topic().strip_prefix(prefix.as_str()).unwrap_or(m.topic());
                let payload = String::from_utf8_lossy(m.payload()).into_owned();
                println!("[{filter}] received {payload} on {topic}");
                let _ = tx.try_send((filter.to_owned(), topic.to_owned(), payload));
            })
            .await?;
        subscribers.push(client);
    }
    let a = Client::connect(url, Options::new()).await?;
    let b = Client::connect(url, Options::new()).await?;
    for (i, (topic, payload)) in UPDATES.iter().enumerate() {
        let publisher = if i < 5 { &a } else { &b };
        publisher
            .publish(format!("{prefix}{topic}"), *payload)
            .await?
            .await?;
    }
    // The 18 deliveries (each within 10 s), then any extra one within 300 ms.
    let got = deliveries::<Smol, _>(&rx, EXPECTED).await?;
    println!("[main] {} deliveries", got.len());
    a.disconnect().await?;
    b.disconnect().await?;
    for c in subscribers {
        c.disconnect().await?;
    }
    Ok(got)
}

#[allow(dead_code)] // The tests include this file for `run`.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = mqtt_testkit::example_broker()?;
    smol::block_on(run(&url, ""))?;
    Ok(())
}
