//! Weathr (n:m topic routing, two publishers and eight subscribers), after
//! Machine Head's getting-started guide. Publisher A sends the first five
//! updates, publisher B the last five; eight subscriber connections hold one
//! filter each and receive only what their filter matches: 18 deliveries.
//!
//! ```sh
//! cargo run -p mqtt-std --example weathr
//! ```

use mqtt_std::{Client, Options, QoS};
use std::sync::mpsc;
use std::time::Duration;

/// The guide's tables (shared by every adapter's example and tests): the ten
/// updates `(topic, payload)` in publish order, the eight subscriptions (one
/// per connection), and how many deliveries they get in total.
pub use mqtt_testkit::seed::{
    WEATHR_DELIVERIES as EXPECTED_DELIVERIES, WEATHR_FILTERS as FILTERS, WEATHR_UPDATES as UPDATES,
};

/// One delivery: `(filter, topic, payload)`, the prefix removed.
pub type Delivery = (String, String, String);

/// Runs the example against `url`; topics and filters get `prefix`.
/// Returns every delivery, in arrival order.
pub fn run(url: &str, prefix: &str) -> Result<Vec<Delivery>, Box<dyn std::error::Error>> {
    let (tx, rx) = mpsc::channel();
    let mut subscribers = Vec::new();
    for filter in FILTERS {
        let client = Client::connect(url, Options::new())?;
        let tx = tx.clone();
        let strip = prefix.len();
        client.subscribe([(format!("{prefix}{filter}"), QoS::AtMostOnce)], move |m| {
            let topic = m.topic()[strip..].to_owned();
            let payload = String::from_utf8_lossy(m.payload()).into_owned();
            println!("[consumer] {filter} received {topic}: {payload}");
            let _ = tx.send((filter.to_owned(), topic, payload));
        })?;
        subscribers.push(client);
    }
    let a = Client::connect(url, Options::new())?;
    let b = Client::connect(url, Options::new())?;
    for (i, (topic, payload)) in UPDATES.iter().enumerate() {
        let publisher = if i < 5 { &a } else { &b };
        publisher
            .publish(format!("{prefix}{topic}"), *payload)?
            .wait()?;
    }
    let mut deliveries = Vec::new();
    while deliveries.len() < EXPECTED_DELIVERIES {
        deliveries.push(rx.recv_timeout(Duration::from_secs(10))?);
    }
    a.disconnect()?;
    b.disconnect()?;
    for s in subscribers {
        s.disconnect()?;
    }
    deliveries.extend(rx.try_iter());
    Ok(deliveries)
}

#[allow(dead_code)]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = mqtt_testkit::example_broker()?;
    let deliveries = run(&url, "")?;
    println!("{} deliveries", deliveries.len());
    Ok(())
}
