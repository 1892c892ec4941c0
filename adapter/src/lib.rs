//! What every adapter shares above the socket: options, messages, errors,
//! the handler registry and routing, the dispatcher, server lists (all
//! crate-private but the user-facing types of [`api`]) — and the
//! async client itself ([`aio`]), written once and generic over a small
//! [`aio::Runtime`] trait that `mqtt-smol` and `mqtt-tokio` implement in one
//! file each. No socket and no runtime of its own.
//!
//! Users normally reach these types through an adapter (`mqtt_tokio::Client`,
//! `mqtt_std::Options`, `mqtt_smol::Message`, ...), which re-exports them
//! ([`api`] is that list).
//!
//! # Routing messages to handlers
//! One rule, implemented once in the crate's handler registry:
//! a handler is attached by one `subscribe` call (or
//! [`Options::handler`]) to its filters; subscribing a filter again replaces
//! that filter's handler; each delivered copy of a message is given to every
//! distinct handler whose filters match it, once per handler even if several
//! of its filters match; a copy that matches no handler goes to
//! [`Options::on_unhandled`]. Brokers may send one copy per matching
//! subscription (rumqttd with MQTT 3.1.1; MQTT 5 brokers per the spec), so a
//! handler can see several copies of one publish.
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

pub mod aio;
mod answers;
pub mod api;
mod dispatch;
mod error;
mod event;
mod link;
mod message;
mod options;
mod server;
pub mod store;
#[cfg(test)]
mod tests;

pub use answers::{ConnectInfo, Delivery, PublishAck, SubAck};
pub use error::{ConnectionLost, Error};
pub(crate) use link::{subscribe_filters, FirstConnect, Link};
pub(crate) use message::Acker;
pub use message::{Message, Publish, Topic};
pub use options::{Options, DEFAULT_REQUEST_TIMEOUT};
pub(crate) use server::{servers, Server};

/// Reports that the last handle of a client was dropped without
/// `disconnect`: the client disconnects in the background, and what is still
/// pending is lost if the process exits first. Logged (target `mqtt`) at
/// `warn` when publishes are pending, at `debug` otherwise.
pub(crate) fn log_dropped(client_id: &str, pending_publishes: usize) {
    if pending_publishes > 0 {
        log::warn!(
            target: "mqtt",
            "MQTT client {client_id:?} was dropped without disconnect() while {pending_publishes} publishes were unacknowledged: they are lost if the process exits now (call disconnect() to let them finish)"
        );
    } else {
        log::debug!(target: "mqtt", "MQTT client {client_id:?} was dropped without disconnect(): disconnecting in the background");
    }
}

/// What [`Options`] takes, from the core and the transport crate.
pub use mqtt_sansio::client::{Config, ReconnectPolicy};
pub use mqtt_sansio::{ProtocolVersion, QoS};
#[cfg(feature = "tls")]
pub use mqtt_transport::TlsOptions;
pub use mqtt_transport::{TransportOptions, WsOptions};
