//! Hello world (1:1), after Machine Head's getting-started guide: one
//! connection subscribes to `hello` at QoS 0, publishes `Hello, world` to it,
//! receives it exactly once, and disconnects from the main thread.
//!
//! ```sh
//! cargo run -p mqtt-std --example hello_world
//! ```
//!
//! Broker: `MQTT_URL` if set, else 127.0.0.1:1883 if something listens there,
//! else the embedded broker on an ephemeral loopback port (it says so).

use mqtt_std::{Client, Options, QoS};
use std::sync::mpsc;
use std::time::Duration;

/// Runs the example against `url` with topic `{prefix}hello`; returns the
/// payloads received (as text), in order.
pub fn run(url: &str, prefix: &str) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let topic = format!("{prefix}hello");
    // No client id: the client generates one.
    let client = Client::connect(url, Options::new())?;
    let (tx, rx) = mpsc::channel();
    client.subscribe([(topic.as_str(), QoS::AtMostOnce)], move |m| {
        let text = String::from_utf8_lossy(m.payload()).into_owned();
        println!("[consumer] received {text}");
        let _ = tx.send(text);
    })?;
    client.publish(topic.as_str(), "Hello, world")?.wait()?;
    let mut received = vec![rx.recv_timeout(Duration::from_secs(10))?];
    // The disconnect happens here, on the main thread, not in the handler.
    // When it returns every handler call has finished, so `received` is complete.
    client.disconnect()?;
    received.extend(rx.try_iter());
    Ok(received)
}

#[allow(dead_code)]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = mqtt_testkit::example_broker()?;
    let received = run(&url, "")?;
    if received.len() != 1 {
        return Err(format!("expected exactly one delivery, got {received:?}").into());
    }
    Ok(())
}
