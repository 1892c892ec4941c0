//! Helpers shared by the integration tests: the brokers under test, unique
//! topic prefixes, and collecting deliveries.
// Each test binary uses a part of this module.
#![allow(dead_code, unused_imports)]

pub use mqtt_testkit::fake;
pub mod tls_proxy;

use mqtt_std::{Client, Message, Options, ProtocolVersion};
use mqtt_testkit::Broker;
use std::sync::mpsc::{self, Receiver, Sender};

pub use mqtt_testkit::support::{brokers, client_id, is_rabbitmq, QUIET, WAIT};

/// A topic prefix unique to this test, process and call.
pub fn prefix(test: &str) -> String {
    mqtt_testkit::support::prefix("mqtt-std", test)
}

/// Connects to `broker` with MQTT 3.1.1 (or the broker's first version).
pub fn connect(broker: &Broker, options: Options) -> Client {
    Client::connect(broker.url(), options)
        .unwrap_or_else(|e| panic!("connect to {} ({}): {e}", broker.name, broker.url()))
}

/// Connects to `broker` with `version`; `None` when the broker does not speak it.
pub fn connect_version(
    broker: &Broker,
    version: ProtocolVersion,
    options: Options,
) -> Option<Client> {
    let url = broker.caps.url(version)?;
    Some(
        Client::connect(url, options.protocol(version))
            .unwrap_or_else(|e| panic!("connect to {} ({url}, {version:?}): {e}", broker.name)),
    )
}

/// A channel that handlers send to, and the receiving side for the test.
pub fn channel() -> (Sender<Message>, Receiver<Message>) {
    mpsc::channel()
}

/// A handler that forwards every message to `tx`.
pub fn forward(tx: &Sender<Message>) -> impl FnMut(&Message) + Send + 'static {
    let tx = tx.clone();
    move |m| {
        let _ = tx.send(m.clone());
    }
}

/// Receives exactly `n` messages (failing after [`WAIT`] per message), then
/// checks that nothing more arrives within [`QUIET`].
pub fn expect_exactly(rx: &Receiver<Message>, n: usize, what: &str) -> Vec<Message> {
    let got = expect_at_least(rx, n, what);
    if let Ok(extra) = rx.recv_timeout(QUIET) {
        panic!("{what}: expected exactly {n} messages, got one more: {extra:?}");
    }
    got
}

/// Receives `n` messages, failing after [`WAIT`] per message.
pub fn expect_at_least(rx: &Receiver<Message>, n: usize, what: &str) -> Vec<Message> {
    let mut got = Vec::with_capacity(n);
    while got.len() < n {
        match rx.recv_timeout(WAIT) {
            Ok(m) => got.push(m),
            Err(_) => panic!(
                "{what}: expected {n} messages, got {} within {WAIT:?}",
                got.len()
            ),
        }
    }
    got
}

/// Checks that nothing arrives within [`QUIET`].
pub fn expect_none(rx: &Receiver<Message>, what: &str) {
    if let Ok(m) = rx.recv_timeout(QUIET) {
        panic!("{what}: expected no message, got {m:?}");
    }
}
