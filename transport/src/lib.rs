//! Runtime-independent transport layers for the mqtt-sansio adapters.
//!
//! MQTT runs over TCP, TLS, WebSocket or WebSocket over TLS. This crate turns each of those
//! into pure byte transforms, so the blocking adapter (`mqtt-std`) and the async one
//! (`mqtt-smol`) share all of it and keep only the socket and the sleeping:
//!
//! - [`ServerUrl`]: `mqtt://`, `mqtts://`, `ws://`, `wss://` (and `tcp://`, `ssl://`), default
//!   ports, IPv6 literals, typed [`UrlError`]s.
//! - [`TlsOptions`]: CA files or PEM, system roots, client certificates (mutual TLS), server
//!   name override; verification always on. rustls 0.23 with the `ring` provider.
//! - [`Transport`]: the sans-IO stack. Raw socket bytes in ([`Transport::handle_received`]),
//!   MQTT bytes out ([`Transport::read_plaintext`]); MQTT bytes in ([`Transport::write`]), raw
//!   socket bytes out ([`Transport::poll_send`]). TLS is a `rustls::ClientConnection` over
//!   in-memory buffers; WebSocket is tungstenite's client handshake and framing over an
//!   in-memory duplex, subprotocol `mqtt`, binary frames (a packet may span frames and a frame
//!   may hold several packets: the MQTT decoder sees a plain byte stream).
//!
//! The crate never opens a socket, reads a clock, or spawns a thread. The only I/O is reading
//! certificate files when a TLS configuration is built.
//!
//! ```
//! use mqtt_transport::{ServerUrl, Transport, TransportOptions};
//!
//! let url = ServerUrl::parse("ws://127.0.0.1:8083/mqtt")?;
//! let mut transport = Transport::new(&url, &TransportOptions::default())?;
//! // The WebSocket upgrade request is ready for the socket; the transport is not ready yet.
//! let mut to_socket = bytes::BytesMut::new();
//! transport.poll_send(&mut to_socket)?;
//! assert!(to_socket.starts_with(b"GET /mqtt HTTP/1.1\r\n"));
//! assert!(!transport.is_ready());
//! # Ok::<(), Box<dyn std::error::Error>>(())
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
#![forbid(unsafe_code)]

mod error;
mod off;
#[cfg(feature = "tls")]
mod tls;
mod transport;
mod url;
#[cfg(feature = "websocket")]
mod ws;
mod ws_options;

pub use error::TransportError;
#[cfg(feature = "tls")]
pub use tls::{TlsConfigError, TlsOptions};
pub use transport::{Transport, TransportOptions};
pub use url::{redact_password, Scheme, ServerUrl, UrlError, DEFAULT_WS_PATH};
pub use ws_options::WsOptions;

/// The rustls version this crate uses, for [`TlsOptions::rustls_config`] (feature `tls`).
#[cfg(feature = "tls")]
pub use rustls;
