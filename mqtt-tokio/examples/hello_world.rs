//! Hello world (1:1), as in Machine Head's getting-started guide: one
//! connection with a generated client id subscribes to `hello` at QoS 0,
//! publishes `Hello, world` to `hello`, receives it exactly once, and
//! disconnects from the main task (not from inside the handler).
//!
//! ```sh
//! cargo run -p mqtt-tokio --example hello_world
//! ```
//!
//! The broker: `MQTT_URL` if set, else `127.0.0.1:1883` if something listens
//! there, else an embedded broker started on an ephemeral loopback port.
//! The integration tests run [`run`] against every broker under test.

use mqtt_testkit::seed::deliveries;
use mqtt_tokio::{Client, Options, QoS, Tokio};

/// Runs the example against `url` with topic `{prefix}hello`; returns the
/// payloads received, in order.
pub async fn run(url: &str, prefix: &str) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let topic = format!("{prefix}hello");
    let client = Client::connect(url, Options::new()).await?;
    println!("[main] connected to {url} as {}", client.client_id());

    let (tx, rx) = async_channel::unbounded();
    client
        .subscribe([(topic.as_str(), QoS::AtMostOnce)], move |m| {
            let payload = String::from_utf8_lossy(m.payload()).into_owned();
            println!("[consumer] received {payload}");
            // The receiver lives until `run` returns.
            let _ = tx.try_send(payload);
        })
        .await?;

    client
        .publish(topic.as_str(), "Hello, world")
        .await?
        .await?;

    // The one delivery (waiting at most 10 s), then any extra one within 300 ms.
    let received = deliveries::<Tokio, _>(&rx, 1).await?;
    // The disconnect comes from here, not from the handler.
    client.disconnect().await?;
    println!("[main] disconnected");
    Ok(received)
}

#[allow(dead_code)] // The tests include this file for `run`.
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = mqtt_testkit::example_broker()?;
    run(&url, "").await?;
    Ok(())
}
