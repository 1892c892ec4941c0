//! An async MQTT 3.1 / 3.1.1 / 5.0 client for `smol` and any executor that
//! runs `async-io`, driving the sans-IO core [`mqtt_sansio`].
//!
//! ```no_run
//! use mqtt_smol::{Client, Options, QoS};
//!
//! smol::block_on(async {
//!     let client = Client::connect("mqtt://127.0.0.1:1883", Options::new()).await?;
//!     client.subscribe([("hello", QoS::AtMostOnce)], |m| {
//!         println!("received {:?}", m.payload_str());
//!     }).await?;
//!     client.publish("hello", "Hello, world").await?.await?;
//!     client.disconnect().await?;
//!     Ok::<(), mqtt_smol::Error>(())
//! })?;
//! # Ok::<(), mqtt_smol::Error>(())
//! ```
//!
//! New to MQTT or to this crate? `mqtt-tokio`'s
//! [guide](https://docs.rs/mqtt-tokio/0.1/mqtt_tokio/guide/index.html) walks
//! through what MQTT is, a broker, and three programs step by step (hello
//! world, a 1:n Blabbr and an n:m Weathr); it is the same client, and this
//! crate's [guide] shows the few lines in which its examples differ.
//!
//! # What you get
//! - [`Client::connect`] takes a URL (`mqtt://`, `tcp://`, `mqtts://`,
//!   `ws://`, `wss://`; TLS and WebSockets from [`mqtt_transport`]) and resolves after CONNACK (or a typed [`Error`]); options
//!   ([`Options`]) wrap the core's [`Config`] with its documented defaults,
//!   plus fail-over servers, handlers declared before connecting, and
//!   callbacks (`on_connect`, `on_connection_lost`, `on_delivery_complete`,
//!   `on_unhandled`, `on_reauthenticated`).
//! - [`Client::publish`] (QoS 1, not retained, like Machine Head) waits only
//!   for room in the publish queue and returns a [`PublishHandle`], a future
//!   that resolves at the broker's acknowledgement; [`Client::try_publish`]
//!   fails at once with [`Error::QueueFull`] instead of waiting for room.
//! - [`Client::subscribe`] takes a handler and resolves with the SUBACK codes;
//!   [`Client::subscribe_stream`] gives a subscription's messages as a
//!   [`Stream`](futures_core::Stream); [`Client::messages`] is a stream of
//!   every message.
//! - Errors ([`Error`]) say who is at fault. `Display` is the error's own
//!   layer's sentence (`publish refused`, `the broker refused the connection:
//!   Not authorized (0x87)`); the details are its
//!   [`source`](std::error::Error::source) chain, which `anyhow`'s `{:#}`
//!   prints whole.
//!
//! # Before `main` returns: disconnect
//! Dropping the last `Client` handle does not wait: DISCONNECT is sent in the
//! background and the process may exit first, losing publishes the broker has
//! not acknowledged and (if DISCONNECT did not get out) publishing the will.
//! Call `disconnect` before exiting; it waits for in-flight publishes
//! (bounded) and its result says what it could not finish
//! (`Error::DisconnectIncomplete`).
//!
//! # Acknowledgements
//! QoS 1 and 2 messages are acknowledged once every handler of the message
//! returned and the application took it from every message stream it entered
//! (at least once *to the application*); a message left unread in a dropped
//! stream is acknowledged then. With [`Options::manual_acks`] the application
//! acknowledges with [`Message::ack`], also from inside the handler it was
//! given to.
//!
//! # Design
//! The adapter makes no protocol decision and starts no thread: a client is
//! two tasks, spawned on smol's global executor by [`Client::connect`]
//! (feature `smol`, on by default) or on yours by [`Client::connect_with`]. The driver task owns the socket, feeds
//! the core with bytes, time and transport events, and routes its events;
//! the dispatcher task hands messages to handlers and callbacks in order.
//! Handlers are ordinary closures that may block (even on this client's
//! futures), so they run on a pool of threads of this crate (shared by the
//! process; threads are made on demand, at most 500, and end after half a
//! second without work, the policy of the `blocking` crate), one
//! batch at a time, never on the executor thread that runs the driver. Host
//! names are resolved on that pool too. The futures of this crate only
//! wait on channels and timers of `async-io`, so they work on any executor
//! (tested with `smol` and `futures_lite::future::block_on`).
//!
//! Incoming data is bounded: when handlers or streams fall behind, the driver
//! stops reading the socket and TCP pushes back on the broker; nothing is
//! dropped. While a task awaits an answer from the broker (a publish handle,
//! a subscribe), the bound is lifted up to a hard cap (16 times
//! [`Options::incoming_buffer`]), because that answer may be queued behind
//! messages the same task has not read yet. Publishing never waits for a
//! message reader: a full publish queue makes [`Client::publish`] wait (or
//! [`Client::try_publish`] fail) only until the broker acknowledges earlier
//! publishes.
//!
//! # Routing
//! One rule, the same in `mqtt-std`: a handler
//! is attached by one [`Client::subscribe`] call (or [`Options::handler`]) to
//! its filters; subscribing a filter again replaces that filter's handler;
//! each delivered copy of a message goes to every distinct handler whose
//! filters match it, once per handler even if several of its filters match
//! (which filters match is the core's subscription registry's decision; it
//! honours MQTT 5 subscription identifiers). A copy no handler matches goes
//! to [`Options::on_unhandled`]; [`Client::messages`] streams see every copy.
//!
//! When one client holds overlapping subscriptions, brokers differ: Mosquitto
//! and RabbitMQ send one copy per client, rumqttd (MQTT 3.1.1) and MQTT 5
//! brokers one copy per matching subscription; so a handler may see several
//! copies of one publish. Give each subscription an MQTT 5 identifier to
//! have each copy reach only its own handler.
//!
//! Handlers and callbacks run one at a time, in arrival order, on that
//! pool. A handler that panics does not stop the client: the
//! panic is caught (the panic hook reports it on stderr as usual), the other
//! handlers matching that message still get it, every later message is
//! dispatched as before, and the handler stays installed. The panicking
//! handler's message is left unacknowledged (with automatic acks as with
//! [`Options::manual_acks`], unless the handler acked it before panicking),
//! so a persistent session redelivers it. Callbacks (`on_connect`, ...) are
//! guarded the same way.
//!
//! # Examples
//! `cargo run -p mqtt-smol --example <name>`: `hello_world`, `blabbr` and
//! `weathr` (Machine Head's getting-started programs, see the [guide]),
//! `pub` and `sub` (flags like mosquitto_pub / mosquitto_sub: `-h`, `-p`,
//! `-L url`, `-t`, `-m`, `-q`, `-r`, `-i`, `-V 31|311|5`, `-u`, `-P`,
//! `--cafile`, `--cert`, `--key`), and `throughput`. Without a broker given
//! (flag or `MQTT_URL`) and nothing listening on 127.0.0.1:1883, they start an
//! embedded broker on an ephemeral loopback port and say so.
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
// `Error` carries the broker's properties when a connection is refused or
// dropped; it is cold-path data, cloned to every waiter, so its size is fine.
#![allow(clippy::result_large_err)]

pub mod guide;
mod pool;
mod runtime;

pub use runtime::{Smol, SmolSocket, SmolTimer};

/// A connection to an MQTT broker, with async calls, on [`Smol`] (async-io).
///
/// The client is written once for every async runtime
/// ([`mqtt_adapter::aio::Client`]); this is its async-io form. `mqtt-tokio`'s
/// `Client` is the same type on tokio.
pub type Client = mqtt_adapter::aio::Client<Smol>;
pub use mqtt_adapter::api::*;
