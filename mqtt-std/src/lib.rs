//! A blocking MQTT client, driving the sans-IO core `mqtt_sansio`: a thin
//! blocking facade over the async client of [`mqtt_smol`], whose connections
//! run on one executor thread shared by the process (see "Threads").
//!
//! ```no_run
//! use mqtt_std::{Client, Options, QoS};
//!
//! let client = Client::connect("mqtt://127.0.0.1:1883", Options::new().client_id("hello"))?;
//! client.subscribe([("hello", QoS::AtMostOnce)], |m| {
//!     println!("received {:?}", m.payload_str());
//! })?;
//! client.publish("hello", "Hello, world")?.wait()?;
//! client.disconnect()?;
//! # Ok::<(), mqtt_std::Error>(())
//! ```
//!
//! New to MQTT or to this crate? The [guide] walks through what MQTT is, a
//! broker, the dependency lines, and three programs step by step: hello world,
//! a 1:n Blabbr and an n:m Weathr (the crate's examples, shown whole).
//!
//! # What you get
//! - [`Client::connect`] returns after CONNACK (or a typed [`Error`]). URLs:
//!   `mqtt://` / `tcp://`, `mqtts://` / `ssl://` (TLS with rustls), `ws://`,
//!   `wss://`. [`Options`] wrap the core's [`Config`] with its documented
//!   defaults (generated client id, clean session, keep alive 60 s, connect
//!   timeout 30 s, MQTT 3.1.1 falling back to 3.1, 20 in flight, 1024 queued,
//!   no automatic reconnect), plus fail-over servers ([`Options::server`]),
//!   TLS and WebSocket settings, handlers declared before connecting
//!   ([`Options::handler`]) and callbacks (`on_connect`, `on_connection_lost`,
//!   `on_delivery_complete`, `on_unhandled`, `on_reauthenticated`).
//! - [`Client::publish`] (QoS 1, not retained, like Machine Head) returns a
//!   [`PublishHandle`]; [`PublishHandle::wait`] resolves at PUBACK / PUBCOMP
//!   with the reason code. [`Client::try_publish`] fails at once with
//!   [`Error::QueueFull`] instead of waiting for room.
//! - [`Client::subscribe`] installs a handler and returns the SUBACK codes;
//!   [`Client::subscribe_stream`] returns the subscription's messages as an
//!   iterator; [`Client::messages`] is an iterator of every message.
//! - [`Client::unsubscribe`], [`Client::ack`] (manual acks),
//!   [`Client::disconnect`] (lets in-flight publishes finish first),
//!   [`Client::abort`] (no DISCONNECT: the broker publishes the will),
//!   [`Client::reconnect`], [`Client::is_connected`].
//!
//! Errors say who is at fault: the caller's mistakes come back at once from
//! the call that made them ([`Error::InvalidUrl`], [`Error::Publish`],
//! [`Error::Subscribe`], ...); the network's and the broker's as
//! [`Error::Connection`] with the core's [`ConnectionError`] (refused,
//! protocol violation, keep-alive timeout, ...) and the socket or TLS error
//! behind it; a broker that acknowledged with an MQTT 5 error code as
//! [`Error::Rejected`]. An error's `Display` is its own layer's sentence
//! (`publish refused`, `the broker refused the connection: Not authorized
//! (0x87)`); the details are its [`source`](std::error::Error::source)
//! chain, which `anyhow`'s `{:#}` prints whole.
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
//! # Threads
//! The adapter makes no protocol decision and has no run loop of its own: a
//! client is [`mqtt_smol`]'s async client, and every blocking call here is
//! its future, blocked on (`futures_lite::future::block_on`: the calling
//! thread parks, and the future's waker unparks it directly). What runs where:
//! 1. every connection is two tasks of `mqtt-smol`, a driver (owns the
//!    socket, feeds the core with bytes, time and transport events, drains
//!    every output, sleeps on an `async-io` timer) and a dispatcher (hands
//!    messages and events to handlers, callbacks and iterators, in order);
//! 2. all those tasks, of every client in the process, run on **one
//!    executor thread** (`mqtt-std`), started by the first
//!    [`Client::connect`] and kept until the process exits. It runs
//!    `async_io::block_on` over a run queue of tasks, so while the tasks are
//!    idle it waits in async-io's reactor (epoll) itself; a task that panics
//!    ends alone (the other clients go on);
//! 3. handlers and callbacks run on mqtt-smol's pool of blocking threads,
//!    shared by the process (threads made on demand while batches run at
//!    once, at most 500, ended after half a second idle), one batch at a time per client and in
//!    arrival order, never on the executor thread: a handler may block, call
//!    back into the client, even wait for an acknowledgement. Host names are
//!    resolved on that pool too;
//! 4. async-io keeps its own thread (`async-io`) that drives the reactor
//!    whenever no `async_io::block_on` does.
//!
//! So a process holds 2 threads for any number of clients (plus the pool's,
//! which grow with handlers running at the same moment, not with clients),
//! none per client and none per connection attempt. No thread polls or
//! sleeps in a loop (except [`Client::reconnect`], which checks for CONNACK
//! at growing intervals of at most 50 ms). The executor thread is never
//! stopped: after `fork`, only the forking thread exists in the child, so a
//! child must not use clients of its parent (nor start new ones).
//!
//! # Bounded memory, no deadlock
//! Incoming messages wait for handlers and iterators in a queue of
//! [`Options::incoming_buffer`] items (default 1024). When it is full the
//! driver stops reading the socket and TCP pushes back on the broker: nothing
//! is dropped. Acknowledgements arrive on the same stream, behind those
//! messages; so while any thread waits for the broker
//! ([`PublishHandle::wait`], `subscribe`, a `publish` waiting for room), the
//! bound is lifted up to 16 times the buffer. An unread [`Messages`] iterator
//! therefore does not stall publishing, and a disconnect never waits for an
//! iterator nobody reads.
//!
//! # Routing
//! One rule, the same in `mqtt-smol`: a handler
//! is attached by one [`Client::subscribe`] call (or [`Options::handler`]) to
//! its filters; subscribing a filter again replaces that filter's handler;
//! each delivered copy of a message goes to every distinct handler whose
//! filters match it, once per handler even if several of its filters match
//! (which filters match is the core's subscription registry's decision; it
//! honours MQTT 5 subscription identifiers). A copy no handler matches goes
//! to [`Options::on_unhandled`] (for example one stored by a persistent
//! session for a filter this process has not declared).
//!
//! When one client holds overlapping subscriptions, brokers differ: Mosquitto
//! and RabbitMQ send one copy per client, rumqttd (MQTT 3.1.1) and MQTT 5
//! brokers one copy per matching subscription; so a handler may see several
//! copies of one publish. Give each subscription an MQTT 5 identifier to
//! have each copy reach only its own handler.
//!
//! Handlers and callbacks run one at a time, in arrival order, on the
//! `blocking` pool (see "Threads"). A handler that panics does not stop the client: the panic
//! is caught (the panic hook reports it on stderr as usual), the other
//! handlers matching that message still get it, every later message is
//! dispatched as before, and the handler stays installed. The panicking
//! handler's message is left unacknowledged (with automatic acks as with
//! [`Options::manual_acks`], unless the handler acked it before panicking),
//! so a persistent session redelivers it. Callbacks (`on_connect`, ...) are
//! guarded the same way.
//!
//! Handlers are kept across reconnects; when the broker lost the session the
//! core subscribes again to every filter.
//!
//! # Examples
//! `hello_world`, `blabbr` and `weathr` (Machine Head's getting-started
//! programs, explained in the [guide]), and `pub` / `sub` (like
//! mosquitto_pub / mosquitto_sub). With no broker named (flag or `MQTT_URL`)
//! and nothing on 127.0.0.1:1883, they start an embedded broker and say so:
//!
//! ```sh
//! cargo run -p mqtt-std --example hello_world
//! cargo run -p mqtt-std --example sub -- -t 'sensors/#' -v
//! ```
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

mod client;
pub mod guide;
mod handles;
mod runtime;

pub use client::{Client, DEFAULT_DISCONNECT_TIMEOUT};
pub use handles::{Messages, PublishHandle, Subscription};
/// Every type shared with the async adapters (options, messages, answers,
/// errors, the core's and the transport's types they carry): the same list
/// `mqtt-smol` and `mqtt-tokio` re-export, so the adapters cannot drift
/// apart. This crate's own `Client`, `Messages`, `PublishHandle`,
/// `Subscription` and `DEFAULT_DISCONNECT_TIMEOUT` (blocking) take the
/// place of the async ones of the same names.
pub use mqtt_adapter::api::*;

#[cfg(test)]
mod tests {
    /// Handles move between threads and are shared by them.
    #[test]
    fn public_handles_are_send_and_sync() {
        fn send_sync<T: Send + Sync>() {}
        fn send<T: Send>() {}
        send_sync::<crate::Client>();
        send_sync::<crate::Message>();
        send_sync::<crate::PublishHandle>();
        send_sync::<crate::Error>();
        send::<crate::Messages>();
        send::<crate::Subscription>();
        send::<crate::Options>();
    }
}
