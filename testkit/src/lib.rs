//! Test support for the MQTT client crates of this workspace (a dev-dependency only).
//!
//! - [`EmbeddedBroker`]: rumqttd 0.20 in-process on ephemeral loopback ports, with MQTT 3.1.1,
//!   MQTT 5.0 and WebSocket listeners. One shared instance per process: [`EmbeddedBroker::shared`].
//! - [`brokers`]: the brokers under test — the embedded one, plus every `name=url` of
//!   `MQTT_TEST_BROKERS` — each with a [`Capabilities`] table, so a test states what it expects
//!   of a broker that lacks a feature instead of skipping it. A test that needs a broker of one
//!   kind gets them from [`brokers_for_test`]: missing, it says `SKIPPED` (and fails in CI).
//! - [`example_broker`]: the broker an example should use (`MQTT_URL`, else a local broker on
//!   1883, else the embedded one).
//! - [`MosquittoTls`]: a private Mosquitto with TLS and mutual-TLS listeners and generated
//!   certificates ([`TestPki`]); [`MosquittoPassword`]: a private Mosquitto that wants a password.
//!
//! - [`seed`]: the getting-started programs' tables and expected deliveries;
//!   [`cli`]: the `pub` / `sub` examples' flags; [`support`]: what the
//!   integration tests of every adapter share (brokers under test, unique
//!   names, a connection-cutting proxy); [`async_suite`]: the integration suite of the
//!   async client, written once, generic over its runtime; [`guide`]: the check that a
//!   getting-started guide's code blocks are the examples' code.
//!
//! Only loopback addresses are used.
//!
//! ```no_run
//! for broker in mqtt_testkit::brokers()? {
//!     let caps = &broker.caps;
//!     println!("{}: versions {:?}, max QoS {:?}", broker.name, caps.versions(), caps.max_qos);
//! }
//! # Ok::<(), mqtt_testkit::Error>(())
//! ```
#![warn(missing_docs)]

pub mod async_suite;
mod brokers;
pub mod cli;
pub mod conformance;
mod embedded;
mod error;
mod example;
pub mod fake;
pub mod guide;
mod mosquitto;
mod mosquitto_plain;
mod net;
mod pki;
mod raw_sub;
mod relay;
pub mod seed;
pub mod support;
pub mod tools;

pub use brokers::{
    brokers, brokers_for_test, parse_broker_list, Broker, BrokerKind, Capabilities, CI_ENV,
    TEST_BROKERS_ENV,
};
pub use embedded::{EmbeddedBroker, EMBEDDED_MAX_PAYLOAD, LOG_ENV};
pub use error::{Error, Result};
pub use example::{example_broker, example_broker_for, MQTT_URL_ENV};
pub use mosquitto::{MosquittoPassword, MosquittoTls};
pub use mosquitto_plain::Mosquitto;
pub use net::{free_loopback_port, is_listening};
pub use pki::{TestPki, SERVER_NAMES};
pub use raw_sub::RawSubscriber;
