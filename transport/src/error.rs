//! Errors of the transport stack.

use std::fmt;

#[cfg(feature = "tls")]
use crate::tls::TlsConfigError;
use crate::url::Scheme;

/// A fatal transport error. Sticky: once a [`Transport`](crate::Transport) has returned one,
/// its input and output calls keep returning the same error (bytes already queued for the
/// socket, such as a TLS alert, can still be taken with `poll_send`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum TransportError {
    /// The TLS options could not be turned into a configuration (the caller's fault).
    #[cfg(feature = "tls")]
    TlsConfig(TlsConfigError),
    /// TLS failed: certificate verification, a handshake failure, an alert from the peer, or a
    /// corrupt record.
    #[cfg(feature = "tls")]
    Tls(rustls::Error),
    /// The URL's scheme needs a layer this build of the crate left out: `mqtts://` and
    /// `wss://` need the `tls` feature, `ws://` and `wss://` the `websocket` feature (both on
    /// by default). The caller's (or the build's) fault.
    Unsupported {
        /// The URL's scheme.
        scheme: Scheme,
        /// The feature of `mqtt-transport` (and of the adapters) that would serve it.
        feature: &'static str,
    },
    /// The server closed or reset the connection before the TLS handshake completed. A port
    /// that does not speak TLS does this (a plain MQTT port given an `mqtts://` URL).
    TlsHandshakeInterrupted {
        /// How the connection ended: "the server closed the connection", or the socket error.
        reason: String,
    },
    /// The WebSocket handshake was answered with an HTTP status other than 101.
    WsHandshakeStatus {
        /// The HTTP status code (for example 404 for a wrong path).
        status: u16,
    },
    /// The WebSocket handshake response was invalid (missing upgrade headers, wrong accept key,
    /// or the server did not agree to the `mqtt` subprotocol).
    WsHandshake {
        /// What was wrong.
        reason: String,
    },
    /// The server sent a text frame; MQTT over WebSocket uses binary frames only
    /// `[MQTT-6.0.0-1]`.
    WsTextFrame,
    /// A WebSocket message or frame over the configured maximum.
    WsTooLarge {
        /// What was exceeded.
        reason: String,
    },
    /// Any other WebSocket protocol violation by the server.
    WsProtocol {
        /// What was wrong.
        reason: String,
    },
    /// `write` after `close`, or after the peer closed the transport (the caller's fault).
    Closed,
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // The details are the source (one layer, one part of the message).
            #[cfg(feature = "tls")]
            TransportError::TlsConfig(_) => f.write_str("invalid TLS configuration"),
            #[cfg(feature = "tls")]
            TransportError::Tls(_) => f.write_str("TLS failed"),
            TransportError::Unsupported { scheme, feature } => write!(
                f,
                "{}:// URLs need the `{feature}` feature, which this build of the MQTT \
                 client left out",
                scheme.as_str()
            ),
            TransportError::TlsHandshakeInterrupted { reason } => write!(
                f,
                "TLS handshake failed: {reason} before the handshake completed \
                 (does the port speak TLS?)"
            ),
            TransportError::WsHandshakeStatus { status } => {
                write!(f, "WebSocket handshake refused with HTTP status {status}")
            }
            TransportError::WsHandshake { reason } => {
                write!(f, "invalid WebSocket handshake response: {reason}")
            }
            TransportError::WsTextFrame => f.write_str(
                "the server sent a WebSocket text frame; MQTT uses binary frames [MQTT-6.0.0-1]",
            ),
            TransportError::WsTooLarge { reason } => write!(f, "WebSocket: {reason}"),
            TransportError::WsProtocol { reason } => {
                write!(f, "WebSocket protocol error: {reason}")
            }
            TransportError::Closed => f.write_str("the transport is closed"),
        }
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            #[cfg(feature = "tls")]
            TransportError::TlsConfig(e) => Some(e),
            #[cfg(feature = "tls")]
            TransportError::Tls(e) => Some(e),
            _ => None,
        }
    }
}

#[cfg(feature = "tls")]
impl From<TlsConfigError> for TransportError {
    fn from(e: TlsConfigError) -> Self {
        TransportError::TlsConfig(e)
    }
}
