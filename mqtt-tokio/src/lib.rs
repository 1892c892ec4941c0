//! An async MQTT 3.1 / 3.1.1 / 5.0 client for tokio, driving the sans-IO
//! core [`mqtt_sansio`].
//!
//! ```no_run
//! use mqtt_tokio::{Client, Options, QoS};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), mqtt_tokio::Error> {
//!     let client = Client::connect("mqtt://127.0.0.1:1883", Options::new()).await?;
//!     client.subscribe([("hello", QoS::AtMostOnce)], |m| {
//!         println!("received {:?}", m.payload_str());
//!     }).await?;
//!     client.publish("hello", "Hello, world").await?.await?; // QoS 1: resolves at PUBACK
//!     client.disconnect().await
//! }
//! ```
//!
//! New to MQTT or to this crate? The [guide] walks through what MQTT is, a
//! broker, the dependency lines, and three programs step by step: hello world,
//! a 1:n Blabbr and an n:m Weathr (the crate's examples, shown whole).
//!
//! # What you get
//! The same client as `mqtt-smol`, on tokio: [`Client`] is
//! [`mqtt_adapter::aio::Client`] with the [`Tokio`] runtime, so every
//! method, option and guarantee is the same in both crates.
//! - [`Client::connect`] takes a URL (`mqtt://`, `tcp://`, `mqtts://`,
//!   `ws://`, `wss://`) and resolves after CONNACK (or a typed [`Error`]);
//!   [`Options`] hold the core's [`Config`] with its documented defaults,
//!   fail-over servers, handlers declared before connecting, and callbacks.
//! - [`Client::publish`] (QoS 1, not retained) waits only for room in the
//!   publish queue and returns a [`PublishHandle`], a future that resolves at
//!   the broker's acknowledgement; [`Client::try_publish`] fails at once with
//!   [`Error::QueueFull`].
//! - [`Client::subscribe`] takes a handler and resolves with the SUBACK;
//!   [`Client::subscribe_stream`] and [`Client::messages`] give messages as a
//!   `futures_core::Stream` (use `tokio_stream::StreamExt` or
//!   `futures_lite::StreamExt` for `next()`).
//!
//! # Tasks, not threads
//! A client is two tasks on your tokio runtime and no thread of its own:
//! [`Client::connect`] spawns them with `tokio::spawn` (so it must be called
//! inside a runtime with I/O and time enabled; outside one it fails with
//! [`Error::NoRuntime`]), [`Client::connect_with`] with your own spawner
//! (which must run them inside that runtime). The driver task owns the
//! socket (`tokio::net::TcpStream`), feeds the protocol core and sleeps on a
//! `tokio::time::Sleep`; the dispatcher task runs handlers and callbacks in
//! order, in batches on tokio's blocking pool (`spawn_blocking`), so a
//! handler may block, even on this client's futures. No async-io, no
//! reactor thread beside tokio's.
//!
//! # Before `main` returns: disconnect
//! Dropping the last `Client` handle does not wait: DISCONNECT is sent in the
//! background, and when `main` returns the runtime drops the client's tasks.
//! Publishes the broker has not acknowledged are lost, and if DISCONNECT did
//! not get out, the broker publishes the will. Call [`Client::disconnect`] before returning; it waits for
//! in-flight publishes (bounded) and its result says what it could not
//! finish ([`Error::DisconnectIncomplete`]).
//!
//! # Acknowledgements, routing, backpressure
//! As in every adapter of this library (see [`mqtt_adapter`]): QoS 1 and 2
//! messages are acknowledged once every handler returned and every stream
//! took them; each message goes to every distinct handler whose filters
//! match it; incoming data is bounded by [`Options::incoming_buffer`] (the
//! driver stops reading the socket; nothing is dropped).
//!
//! # Features
//! `tls` (TLS with rustls: `mqtts://`, `wss://`, `TlsOptions`), `websocket`
//! (`ws://`, `wss://`) and `native-roots` (TLS trusts the operating system's
//! store) are on by default; `webpki-roots` adds Mozilla's roots compiled in.
//! Without `tls` and `websocket` only `mqtt://` (plain TCP) is served: a URL
//! whose layer the build left out is refused with
//! `TransportError::Unsupported`, which names the feature.
#![warn(missing_docs)]
#![deny(unsafe_code)]
#![allow(clippy::result_large_err)]

pub mod guide;
mod runtime;

pub use runtime::{Tokio, TokioSocket, TokioTimer};

/// A connection to an MQTT broker, with async calls, on [`Tokio`].
///
/// The client is written once for every async runtime
/// ([`mqtt_adapter::aio::Client`]); this is its tokio form. `mqtt-smol`'s
/// `Client` is the same type on async-io.
pub type Client = mqtt_adapter::aio::Client<Tokio>;
pub use mqtt_adapter::api::*;
