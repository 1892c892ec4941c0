//! What the client logs when a connection flaps, with `env_logger` installed.
//!
//! A client connects with a reconnect policy; a second connection with the
//! same client id makes the broker drop the first (an MQTT broker must,
//! [MQTT-3.1.4-2]); the first reconnects after its backoff and publishes.
//!
//! ```sh
//! cargo run -p mqtt-std --example logging
//! RUST_LOG=mqtt=debug,mqtt::packet=trace cargo run -p mqtt-std --example logging
//! ```
//!
//! The client logs through the `log` facade, target `mqtt` (connection
//! attempts, CONNACK, losses with their cause and the reconnect delay) and
//! `mqtt::packet` (every packet, at trace). Any `log` logger shows them;
//! `tracing` users get them through `tracing-log`. With no logger installed,
//! or the level off, nothing is formatted.
//!
//! Broker: `MQTT_URL` if set, else 127.0.0.1:1883 if something listens there,
//! else the embedded broker on an ephemeral loopback port.

use mqtt_std::{Client, Options, QoS, ReconnectPolicy};
use std::sync::mpsc;
use std::time::Duration;

/// Runs the example against `url` with client id `id`; returns how many
/// times the first client was connected (2: once, then the reconnect).
pub fn run(url: &str, id: &str) -> Result<usize, Box<dyn std::error::Error>> {
    let (connected_tx, connected) = mpsc::channel();
    let options = Options::new()
        .client_id(id)
        .reconnect(ReconnectPolicy::backoff(
            Duration::from_millis(200),
            Duration::from_secs(5),
        ))
        .on_connect(move |_| {
            let _ = connected_tx.send(());
        });
    let client = Client::connect(url, options)?;
    connected.recv_timeout(Duration::from_secs(10))?;

    // A second connection with the same client id takes the session over:
    // the broker closes the first one, which reconnects.
    let intruder = Client::connect(url, Options::new().client_id(id))?;
    intruder.disconnect()?;
    connected.recv_timeout(Duration::from_secs(10))?;

    client
        .publish("logging/example", "after the reconnect")?
        .wait()?;
    client
        .publish_with(mqtt_std::Publish::new("logging/example", "QoS 0").qos(QoS::AtMostOnce))?
        .wait()?;
    client.disconnect()?;
    Ok(2 + connected.try_iter().count())
}

#[allow(dead_code)]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("mqtt=debug"))
        .init();
    let url = mqtt_testkit::example_broker()?;
    let connections = run(&url, &format!("logging-example-{}", std::process::id()))?;
    println!("connected {connections} times");
    Ok(())
}
