//! Errors of the clients, by fault: the caller's, the network's, the broker's.

use mqtt_sansio::client::{
    AckError, ConfigError, ConnectionError, DisconnectError, PublishError, PublishFailure,
    ReauthError, RestoreError, SnapshotError, SubscribeError,
};
use mqtt_sansio::codec::{Properties, ReasonCode};
use mqtt_transport::{TransportError, UrlError};
use std::fmt;
use std::io;
use std::sync::Arc;

/// Why a connection ended or could not be made: the core's verdict
/// ([`ConnectionError`], by fault), plus the socket or transport error behind
/// it when there was one.
#[derive(Debug, Clone)]
pub struct ConnectionLost {
    /// The core's cause: refused by the broker, broker protocol violation,
    /// keep-alive timeout, connect timeout, transport failed or closed, ...
    pub cause: ConnectionError,
    /// The socket error that closed the transport, if any.
    pub io: Option<Arc<io::Error>>,
    /// The TLS or WebSocket error that closed the transport, if any.
    pub transport: Option<TransportError>,
    /// Whether an automatic reconnect is scheduled.
    pub will_reconnect: bool,
}

impl fmt::Display for ConnectionLost {
    /// The core's verdict only (refused, could not open, closed, ...); the
    /// socket or transport error behind it is the [`source`](std::error::Error::source).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.cause, f)
    }
}

impl std::error::Error for ConnectionLost {
    /// The TLS or WebSocket error behind the loss, else the socket error.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match (&self.transport, &self.io) {
            (Some(e), _) => Some(e),
            (None, Some(e)) => Some(&**e),
            (None, None) => None,
        }
    }
}

/// Everything that can go wrong, by fault.
///
/// Caller mistakes (an invalid URL, topic or option) are returned at once by
/// the call that made them; broker or network failures come as
/// [`Error::Connection`]; a broker that refused a message (an MQTT 5 error
/// reason code) as [`Error::Rejected`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Error {
    /// A server URL could not be used.
    InvalidUrl {
        /// The URL, with its password (if any) replaced by `***`.
        url: String,
        /// What is wrong with it.
        error: UrlError,
    },
    /// The TLS or WebSocket options cannot work (an unreadable CA file, a bad
    /// client key, ...), found when connecting.
    Transport(TransportError),
    /// The options cannot work (see [`ConfigError`]).
    Config(ConfigError),
    /// The publish queue is full (`Client::try_publish` only; `Client::publish`
    /// waits for room instead).
    QueueFull {
        /// The configured bound.
        max: usize,
    },
    /// The core refused the publish (invalid topic, QoS or retain not
    /// supported by the broker, packet too large, ...). Nothing was sent.
    Publish(PublishError),
    /// The core refused the subscribe or unsubscribe (invalid filter, ...).
    /// Nothing was sent.
    Subscribe(SubscribeError),
    /// `Client::ack` was refused.
    Ack(AckError),
    /// `Client::disconnect_with` was given options the protocol does not
    /// allow (MQTT 5 options on 3.x, ...), or the client was already
    /// disconnected (see [`DisconnectError`]).
    Disconnect(DisconnectError),
    /// `Client::reauthenticate` was refused: no authenticator configured or
    /// not MQTT 5, not connected, an exchange already running, or the
    /// authenticator refused to start (see [`ReauthError`]).
    Reauth(ReauthError),
    /// The session given to [`Options::restore_session`](crate::Options::restore_session)
    /// cannot be used (not a snapshot, another version, another client id, ...).
    Restore(RestoreError),
    /// The session could not be serialised.
    Snapshot(SnapshotError),
    /// The connection could not be made, or was lost while waiting.
    Connection(Box<ConnectionLost>),
    /// An accepted publish will not be acknowledged (session lost with the
    /// report policy, message expired, broker limits changed).
    PublishFailed(PublishFailure),
    /// The broker answered with an MQTT 5 error reason code (for example Not
    /// authorized, Quota exceeded).
    Rejected {
        /// The reason code.
        reason: ReasonCode,
        /// Properties of the answer (reason string, user properties).
        properties: Box<Properties>,
    },
    /// The client was disconnected (by `Client::disconnect`, or because every
    /// handle was dropped).
    Closed,
    /// `disconnect`'s timeout passed before everything the client had
    /// accepted was sent and acknowledged; the connection was closed anyway.
    /// Publishes still pending stay in the session (see `Client::snapshot`).
    DisconnectIncomplete {
        /// Publishes accepted and not yet acknowledged when it gave up.
        pending: usize,
        /// Whether bytes the core had produced (publishes, DISCONNECT) were
        /// still unsent when the connection was closed.
        unsent: bool,
    },
    /// A `*_timeout` call ran out of time. The request itself is still
    /// pending; its result is reported as usual.
    Timeout,
    /// The operating system refused a thread or socket the client needed.
    Io(Arc<io::Error>),
    /// Durable sessions: the session store could not be opened, read or
    /// written (disk full, permissions, another process holds it), or
    /// [`Options::persistence`](crate::Options::persistence) was given
    /// options it cannot work with. A publish that fails with it was not
    /// sent.
    Store(Arc<io::Error>),
    /// The async client was started where its runtime cannot run (for
    /// example `mqtt_tokio::Client::connect` outside a tokio runtime).
    NoRuntime {
        /// What the runtime needs, as a sentence.
        needs: &'static str,
    },
}

impl Error {
    /// Whether this is [`Error::QueueFull`].
    pub fn is_queue_full(&self) -> bool {
        matches!(self, Error::QueueFull { .. })
    }
}

impl fmt::Display for Error {
    /// This layer's part only: what failed. The details are in
    /// [`source`](std::error::Error::source) (print the chain, as `anyhow`'s
    /// `{:#}` does), except for [`Error::Connection`], which shows the
    /// [`ConnectionLost`] it carries.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidUrl { url, .. } => write!(f, "invalid server URL {url:?}"),
            Error::Transport(_) => f.write_str("cannot set up the connection's transport"),
            Error::Config(_) => f.write_str("invalid options"),
            Error::QueueFull { max } => write!(f, "the publish queue is full ({max} messages)"),
            Error::Publish(_) => f.write_str("publish refused"),
            Error::Subscribe(_) => f.write_str("subscribe refused"),
            Error::Ack(_) => f.write_str("ack refused"),
            Error::Disconnect(_) => f.write_str("disconnect refused"),
            Error::Reauth(_) => f.write_str("re-authentication refused"),
            Error::Restore(_) => f.write_str("cannot restore the session"),
            Error::Snapshot(_) => f.write_str("cannot save the session"),
            Error::Connection(c) => fmt::Display::fmt(c, f),
            Error::PublishFailed(_) => f.write_str("publish failed"),
            Error::Rejected { reason, properties } => {
                write!(f, "the broker rejected the request: {reason}")?;
                if let Some(r) = &properties.reason_string {
                    write!(f, ", {:?}", &**r)?;
                }
                Ok(())
            }
            Error::Closed => f.write_str("the client is disconnected"),
            Error::DisconnectIncomplete { pending, unsent } => {
                write!(
                    f,
                    "disconnect timed out with {pending} publishes unacknowledged"
                )?;
                if *unsent {
                    f.write_str(" and bytes (or the DISCONNECT) unsent")?;
                }
                Ok(())
            }
            Error::Timeout => f.write_str("timed out"),
            Error::Io(_) => f.write_str("the system refused a thread or socket the client needs"),
            Error::Store(e) => write!(f, "the session store failed: {e}"),
            Error::NoRuntime { needs } => write!(f, "no async runtime to run the client: {needs}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Config(e) => Some(e),
            Error::Publish(e) => Some(e),
            Error::Subscribe(e) => Some(e),
            Error::Ack(e) => Some(e),
            Error::Disconnect(e) => Some(e),
            Error::Reauth(e) => Some(e),
            Error::Restore(e) => Some(e),
            Error::Snapshot(e) => Some(e),
            Error::InvalidUrl { error, .. } => Some(error),
            Error::Transport(e) => Some(e),
            // Transparent: its Display is the ConnectionLost's.
            Error::Connection(c) => std::error::Error::source(&**c),
            Error::PublishFailed(e) => Some(e),
            Error::Io(e) => Some(&**e),
            Error::Store(e) => Some(&**e),
            Error::QueueFull { .. }
            | Error::Rejected { .. }
            | Error::Closed
            | Error::DisconnectIncomplete { .. }
            | Error::Timeout
            | Error::NoRuntime { .. } => None,
        }
    }
}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Self {
        Error::Config(e)
    }
}

impl From<PublishError> for Error {
    fn from(e: PublishError) -> Self {
        match e {
            PublishError::QueueFull { max } => Error::QueueFull { max },
            e => Error::Publish(e),
        }
    }
}

impl From<SubscribeError> for Error {
    fn from(e: SubscribeError) -> Self {
        Error::Subscribe(e)
    }
}

impl From<AckError> for Error {
    fn from(e: AckError) -> Self {
        Error::Ack(e)
    }
}

impl From<ReauthError> for Error {
    fn from(e: ReauthError) -> Self {
        Error::Reauth(e)
    }
}

impl From<DisconnectError> for Error {
    fn from(e: DisconnectError) -> Self {
        Error::Disconnect(e)
    }
}
