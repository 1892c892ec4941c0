//! Helpers shared by the integration tests: the brokers under test, unique
//! topic prefixes and client ids, and collecting deliveries with a bound on
//! how long to wait (a safety net for a broken build, never a speed check).
// Each test binary uses a part of this module.
#![allow(dead_code, unused_imports)]

use async_channel::{Receiver, Sender};
use futures_lite::future;
use mqtt_smol::{Client, Message, Options, ProtocolVersion};
use mqtt_testkit::Broker;
use std::future::Future;
use std::time::Duration;

pub use mqtt_testkit::support::{addr_of, brokers, client_id, is_rabbitmq, Proxy, QUIET, WAIT};

/// A topic prefix unique to this test, process and call.
pub fn prefix(test: &str) -> String {
    mqtt_testkit::support::prefix("mqtt-smol", test)
}

/// Runs a test body on smol's executor.
pub fn run<F: Future<Output = ()>>(f: F) {
    smol::block_on(f)
}

/// Connects to `broker` with MQTT 3.1.1 (or the broker's first version).
pub async fn connect(broker: &Broker, options: Options) -> Client {
    Client::connect(broker.url(), options)
        .await
        .unwrap_or_else(|e| panic!("connect to {} ({}): {e}", broker.name, broker.url()))
}

/// Connects to `broker` with `version`; `None` when the broker does not speak it.
pub async fn connect_version(
    broker: &Broker,
    version: ProtocolVersion,
    options: Options,
) -> Option<Client> {
    let url = broker.caps.url(version)?;
    Some(
        Client::connect(url, options.protocol(version))
            .await
            .unwrap_or_else(|e| panic!("connect to {} ({url}, {version:?}): {e}", broker.name)),
    )
}

/// A channel that handlers send to, and the receiving side for the test.
pub fn channel() -> (Sender<Message>, Receiver<Message>) {
    async_channel::unbounded()
}

/// A handler that forwards every message to `tx`.
pub fn forward(tx: &Sender<Message>) -> impl FnMut(&Message) + Send + 'static {
    let tx = tx.clone();
    move |m| {
        let _ = tx.try_send(m.clone());
    }
}

/// `f`, or `None` after `d`.
pub async fn within<T>(d: Duration, f: impl Future<Output = T>) -> Option<T> {
    future::or(async { Some(f.await) }, async {
        async_io::Timer::after(d).await;
        None
    })
    .await
}

/// Receives `n` messages, failing after [`WAIT`] per message.
pub async fn expect_at_least(rx: &Receiver<Message>, n: usize, what: &str) -> Vec<Message> {
    let mut got = Vec::with_capacity(n);
    while got.len() < n {
        match within(WAIT, rx.recv()).await {
            Some(Ok(m)) => got.push(m),
            _ => panic!(
                "{what}: expected {n} messages, got {} within {WAIT:?} each",
                got.len()
            ),
        }
    }
    got
}

/// Receives exactly `n` messages (failing after [`WAIT`] per message), then
/// checks that nothing more arrives within [`QUIET`].
pub async fn expect_exactly(rx: &Receiver<Message>, n: usize, what: &str) -> Vec<Message> {
    let got = expect_at_least(rx, n, what).await;
    if let Some(Ok(extra)) = within(QUIET, rx.recv()).await {
        panic!("{what}: expected exactly {n} messages, got one more: {extra:?}");
    }
    got
}

/// Checks that nothing arrives within [`QUIET`].
pub async fn expect_none(rx: &Receiver<Message>, what: &str) {
    if let Some(Ok(m)) = within(QUIET, rx.recv()).await {
        panic!("{what}: expected no message, got {m:?}");
    }
}

/// Payloads as text.
pub fn payloads(ms: &[Message]) -> Vec<String> {
    ms.iter()
        .map(|m| m.payload_str().expect("UTF-8 payload").to_owned())
        .collect()
}
