//! Errors by fault (h11 style).
//!
//! - The caller misused the API: a synchronous `Err` of that command
//!   ([`ConfigError`], [`PublishError`], [`SubscribeError`], [`AckError`],
//!   [`ReauthError`], [`RestoreError`]).
//! - The broker broke the protocol: the connection ends with
//!   [`ConnectionError::Protocol`] carrying a [`ProtocolViolation`].
//! - Anything else that ends a connection is a [`ConnectionError`] variant
//!   naming who or what ended it.

use core::fmt;

use crate::codec::{DecodeError, EncodeError, PacketId, PacketType, Properties, QoS, ReasonCode};
use crate::topic::TopicError;

/// The configuration cannot work. Returned by [`Client::new`](super::Client::new).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// MQTT 3.1 allows client identifiers of at most 23 characters `[MQTT-3.1.3-5]`
    /// (3.1 spec: "between 1 and 23 characters").
    ClientIdTooLong {
        /// Its length in characters.
        len: usize,
    },
    /// A string field is longer than 65,535 bytes.
    FieldTooLong {
        /// Which field.
        field: &'static str,
    },
    /// Keep alive above 65,535 seconds.
    KeepAliveTooLong,
    /// The will topic is not a valid topic name.
    InvalidWillTopic(TopicError),
    /// A password without a user name is not allowed before MQTT 5 `[MQTT-3.1.2-22]`.
    PasswordWithoutUsername,
    /// `max_inflight` and `receive_maximum` must be at least 1.
    ZeroWindow,
    /// `server_count` must be at least 1.
    NoServers,
    /// An MQTT 5 feature (authenticator, will properties, user properties,
    /// session expiry...) was configured for an MQTT 3.x connection.
    RequiresV5 {
        /// Which field.
        field: &'static str,
    },
    /// `max_incoming_packet_size` must be at least 2 bytes (the smallest packet).
    MaxPacketSizeTooSmall,
    /// The CONNECT built from the configuration does not encode.
    Encode(EncodeError),
    /// A backoff with a zero `min` (it would retry in a busy loop) or with
    /// `min` above `max`.
    InvalidBackoff,
    /// A zero `connect_timeout`: every attempt would time out before the
    /// transport could open.
    ZeroConnectTimeout,
    /// A broker-assigned client identifier with a persistent session in MQTT
    /// 3.1.1 `[MQTT-3.1.3-7]`: the broker must refuse it `[MQTT-3.1.3-8]`,
    /// since the client could never name that session again.
    PersistentSessionNeedsClientId,
    /// A broker-assigned client identifier in MQTT 3.1, which requires 1 to
    /// 23 characters.
    EmptyClientIdNotInV3_1,
    /// Both a client identifier and `broker_assigned_client_id`.
    ClientIdWithBrokerAssigned,
}

/// Why [`disconnect`](super::Client::disconnect) refused its options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DisconnectError {
    /// A non-zero Session Expiry Interval in DISCONNECT when CONNECT sent
    /// zero is a protocol error `[MQTT-3.14.2-2]`.
    SessionExpiryWasZero,
    /// A reason code or properties on an MQTT 3.x connection.
    RequiresV5,
    /// The client was already closed by an earlier `disconnect` (and not
    /// connected again since): nothing was done, no second `Event::Closed`.
    AlreadyClosed,
}

/// Why [`Client::publish`](super::Client::publish) refused a message. Nothing
/// was queued or sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PublishError {
    /// The topic is not a valid topic name (empty, has a wildcard, ...) `[MQTT-3.3.2-2]`.
    InvalidTopic(TopicError),
    /// The window and the queue are full: retry after a completion event.
    QueueFull {
        /// The configured `max_queued`.
        max: usize,
    },
    /// The broker's Maximum QoS (MQTT 5 CONNACK) is lower than the QoS asked for.
    QoSNotSupported {
        /// QoS asked for.
        requested: QoS,
        /// The broker's maximum.
        maximum: QoS,
    },
    /// The broker said Retain Available = 0 (MQTT 5 CONNACK).
    RetainNotSupported,
    /// The encoded PUBLISH is larger than the broker's Maximum Packet Size (or
    /// the protocol's limit).
    PacketTooLarge {
        /// Encoded size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The message cannot be encoded (a field longer than 65,535 bytes...).
    Encode(EncodeError),
    /// Properties were set on an MQTT 3.x connection.
    RequiresV5,
    /// A property the client may not send: a Topic Alias (aliases are managed
    /// by the core) or a Subscription Identifier `[MQTT-3.3.4-6]`.
    ForbiddenProperty {
        /// The property's name.
        property: &'static str,
    },
}

/// Why [`subscribe`](super::Client::subscribe) or
/// [`unsubscribe`](super::Client::unsubscribe) refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SubscribeError {
    /// No filters given `[MQTT-3.8.3-3]` `[MQTT-3.10.3-2]`.
    NoFilters,
    /// A filter is not a valid topic filter.
    InvalidFilter {
        /// Index of the filter in the request.
        index: usize,
        /// What is wrong with it.
        error: TopicError,
    },
    /// No Local on a shared subscription is a protocol error `[MQTT-3.8.3-4]`.
    NoLocalOnSharedSubscription {
        /// Index of the filter in the request.
        index: usize,
    },
    /// MQTT 5 options or properties on an MQTT 3.x connection.
    RequiresV5,
    /// More than one Subscription Identifier, or one out of 1..=268,435,455.
    InvalidSubscriptionIdentifier,
    /// The broker said it does not support this (MQTT 5 CONNACK):
    /// wildcards, subscription identifiers or shared subscriptions.
    NotSupported {
        /// Which feature.
        feature: &'static str,
    },
    /// The encoded packet is too large for the broker or cannot be encoded.
    Encode(EncodeError),
    /// Too many requests are waiting (queued requests are bounded by `max_queued`).
    QueueFull {
        /// The bound.
        max: usize,
    },
}

/// Why [`ack`](super::Client::ack) refused a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AckError {
    /// The token was already used, or belongs to a session that was lost.
    UnknownToken,
    /// A QoS 1 token from an earlier connection: the broker resends that
    /// message with DUP on the new connection, with a new token.
    StaleConnection,
    /// Manual acks are off in the configuration.
    ManualAcksDisabled,
}

/// Why [`reauthenticate`](super::Client::reauthenticate) refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReauthError {
    /// No authenticator configured, or not MQTT 5.
    NoAuthenticator,
    /// Only possible while connected.
    NotConnected,
    /// An exchange is already running.
    InProgress,
    /// The authenticator refused to start.
    Failed(ReasonCode),
}

/// Why a snapshot could not be restored ([`Client::restore`](super::Client::restore)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RestoreError {
    /// The bytes do not start with the snapshot magic `MQSN`.
    NotASnapshot,
    /// A format version this build does not read.
    UnsupportedVersion(u8),
    /// The bytes end early or a field is inconsistent.
    Corrupt,
    /// An embedded packet does not decode.
    Packet(DecodeError),
    /// The snapshot was taken with another client identifier or protocol
    /// than the configuration asks for.
    Mismatch,
    /// The configuration is invalid.
    Config(ConfigError),
}

/// Why a snapshot could not be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SnapshotError {
    /// A stored packet did not encode.
    Encode(EncodeError),
}

/// Why a connection ended (or never started), by fault.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectionError {
    /// The broker refused the connection in CONNACK (3.x return code mapped
    /// to its MQTT 5 reason code, or the 5.0 reason code).
    Refused {
        /// The (mapped) reason code.
        reason: ReasonCode,
        /// CONNACK properties (reason string, server reference...).
        properties: Properties,
    },
    /// No successful CONNACK within the connect timeout.
    ConnectTimeout,
    /// No PINGRESP within the ping timeout: the link is dead.
    KeepAliveTimeout,
    /// The adapter reported that the transport could not be opened.
    TransportFailed,
    /// The adapter reported that the open transport closed.
    TransportClosed,
    /// The broker broke the protocol; the client sent DISCONNECT (MQTT 5,
    /// with [`ProtocolViolation::reason_code`]) and closed the transport.
    Protocol(ProtocolViolation),
    /// The broker sent DISCONNECT (MQTT 5).
    ServerDisconnect {
        /// Its reason code.
        reason: ReasonCode,
        /// Its properties (reason string, server reference, session expiry).
        properties: Properties,
    },
    /// The authenticator gave up (MQTT 5 enhanced authentication).
    Auth(ReasonCode),
    /// Durable sessions: the session store could not be written, so bytes
    /// that depended on it were dropped with the connection
    /// ([`Client::handle_store_failed`](super::Client::handle_store_failed)).
    StoreFailed,
}

/// A broker that broke the protocol. Each variant maps to the MQTT 5
/// DISCONNECT reason code the client sends ([`reason_code`](Self::reason_code)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProtocolViolation {
    /// Bytes that are not a valid packet.
    Malformed(DecodeError),
    /// A packet the broker must not send in this state (a second CONNACK, a
    /// PUBLISH before CONNACK, SUBSCRIBE...).
    UnexpectedPacket(PacketType),
    /// PUBACK for a QoS 2 publish (RabbitMQ answers QoS 2 this way): the
    /// client can't tell whether the message will be delivered once.
    UnexpectedPubAck {
        /// Its packet id.
        packet_id: PacketId,
    },
    /// PUBREC for a QoS 1 publish.
    UnexpectedPubRec {
        /// Its packet id.
        packet_id: PacketId,
    },
    /// PUBCOMP for a publish that is not waiting for one.
    UnexpectedPubComp {
        /// Its packet id.
        packet_id: PacketId,
    },
    /// An acknowledgement (PUBACK, PUBREC, PUBCOMP, SUBACK, UNSUBACK) for a
    /// packet id the client has not used.
    UnknownPacketId {
        /// The acknowledgement's type.
        packet: PacketType,
        /// Its packet id.
        packet_id: PacketId,
    },
    /// PUBREL for an inbound QoS 2 message whose PUBREC the client has not
    /// sent yet (manual ack pending): the broker cannot have received a PUBREC.
    PubRelBeforePubRec {
        /// Its packet id.
        packet_id: PacketId,
    },
    /// SUBACK / UNSUBACK with a different number of codes than filters sent.
    AckCountMismatch {
        /// Filters sent.
        expected: usize,
        /// Codes received.
        got: usize,
    },
    /// A topic alias of 0, above the advertised maximum, or unknown `[MQTT-3.3.2-8]` `[MQTT-3.3.2-9]`.
    InvalidTopicAlias {
        /// The alias.
        alias: u16,
    },
    /// A PUBLISH with neither topic nor alias.
    EmptyTopic,
    /// More inbound QoS 1/2 publishes unacknowledged than the Receive Maximum
    /// the client advertised `[MQTT-3.3.4-9]`.
    ReceiveMaximumExceeded,
    /// AUTH when no authentication exchange is running, or with a reason
    /// code that does not fit the exchange.
    UnexpectedAuth,
    /// CONNACK Session Present = 1 in answer to Clean Start = 1
    /// (3.1.1 `[MQTT-3.2.2-1]`, v5 `[MQTT-3.2.2-2]`).
    SessionPresentOnCleanStart,
    /// CONNACK's Maximum Packet Size (MQTT 5) is below
    /// [`MIN_USABLE_PACKET_SIZE`](super::MIN_USABLE_PACKET_SIZE): the client
    /// could not send the acknowledgements (PUBACK... are 4 bytes) or the
    /// PINGREQ the session needs `[MQTT-3.1.2-24]`, so the connection cannot
    /// work and is ended rather than left to stall.
    MaximumPacketSizeTooSmall {
        /// The broker's Maximum Packet Size.
        max: u32,
    },
}

impl ProtocolViolation {
    /// The MQTT 5 DISCONNECT reason code for this violation.
    pub fn reason_code(&self) -> ReasonCode {
        match self {
            ProtocolViolation::Malformed(DecodeError::PacketTooLarge { .. }) => {
                ReasonCode::PacketTooLarge
            }
            ProtocolViolation::Malformed(_) => ReasonCode::MalformedPacket,
            ProtocolViolation::InvalidTopicAlias { .. } => ReasonCode::TopicAliasInvalid,
            ProtocolViolation::ReceiveMaximumExceeded => ReasonCode::ReceiveMaximumExceeded,
            ProtocolViolation::EmptyTopic => ReasonCode::TopicNameInvalid,
            ProtocolViolation::MaximumPacketSizeTooSmall { .. } => {
                ReasonCode::ImplementationSpecificError
            }
            _ => ReasonCode::ProtocolError,
        }
    }
}

/// Why an accepted publish ended without the broker acknowledging it
/// ([`Event::PublishFailed`](super::Event::PublishFailed)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PublishFailure {
    /// The broker lost the session while the message was in flight and the
    /// configuration says [`SessionLostPolicy::Report`](super::SessionLostPolicy::Report).
    SessionLost,
    /// Its MQTT 5 Message Expiry Interval passed before it could be sent.
    Expired,
    /// After a reconnect the broker's limits no longer allow it (Maximum
    /// Packet Size, Maximum QoS, Retain Available).
    RejectedByLimits,
    /// The broker answered it with the wrong acknowledgement (a PUBACK for
    /// QoS 2, as RabbitMQ does; a PUBREC for QoS 1; PUBCOMP before PUBREC).
    /// Whether it was delivered is unknown; it is not resent. The connection
    /// ends with the same [`ProtocolViolation`].
    BrokerProtocolError(ProtocolViolation),
    /// The connection ended, each time soon after it was (re)sent, on
    /// [`Config::max_publish_attempts`](super::Config::max_publish_attempts)
    /// connections in a row without an acknowledgement: a broker that closes
    /// the connection on this message (NATS 2.9 does on every QoS 2 publish).
    /// Not resent again; a QoS 2 message's packet identifier stays reserved
    /// until the session ends, in case the broker kept it.
    Undeliverable {
        /// Connections it was sent on.
        attempts: u16,
    },
    /// Durable sessions: the adapter could not store the message
    /// ([`Client::handle_store_failed`](super::Client::handle_store_failed)).
    /// It was never sent.
    StoreFailed,
}

/// `, "reason string"` when the broker gave an MQTT 5 Reason String, and the
/// server to use instead when it named one (Server Reference).
fn broker_explanation(f: &mut fmt::Formatter<'_>, properties: &Properties) -> fmt::Result {
    if let Some(r) = &properties.reason_string {
        write!(f, ", {:?}", &**r)?;
    }
    if let Some(s) = &properties.server_reference {
        write!(f, "; the broker names another server: {s}")?;
    }
    Ok(())
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::ClientIdTooLong { len } => write!(
                f,
                "the client id has {len} characters; MQTT 3.1 allows at most 23"
            ),
            ConfigError::FieldTooLong { field } => {
                write!(f, "{field} is longer than 65,535 bytes")
            }
            ConfigError::KeepAliveTooLong => {
                f.write_str("keep alive is longer than 65,535 seconds")
            }
            ConfigError::InvalidWillTopic(e) => write!(f, "invalid will topic: {e}"),
            ConfigError::PasswordWithoutUsername => {
                f.write_str("a password needs a user name before MQTT 5")
            }
            ConfigError::ZeroWindow => {
                f.write_str("max_inflight and receive_maximum must be at least 1")
            }
            ConfigError::NoServers => f.write_str("server_count must be at least 1"),
            ConfigError::RequiresV5 { field } => {
                write!(f, "{field} needs MQTT 5 but the protocol is MQTT 3.x")
            }
            ConfigError::MaxPacketSizeTooSmall => {
                f.write_str("max_incoming_packet_size must be at least 2 bytes")
            }
            ConfigError::Encode(e) => write!(f, "the CONNECT packet cannot be encoded: {e}"),
            ConfigError::InvalidBackoff => {
                f.write_str("invalid reconnect backoff: min must be above zero and not above max")
            }
            ConfigError::ZeroConnectTimeout => f.write_str("connect_timeout must not be zero"),
            ConfigError::PersistentSessionNeedsClientId => f.write_str(
                "a persistent session (clean session off) needs a client id in MQTT 3.1.1; \
                 the broker cannot assign one for it",
            ),
            ConfigError::EmptyClientIdNotInV3_1 => {
                f.write_str("MQTT 3.1 needs a client id; the broker cannot assign one")
            }
            ConfigError::ClientIdWithBrokerAssigned => {
                f.write_str("a client id is set, but the options ask the broker to assign one")
            }
        }
    }
}

impl fmt::Display for DisconnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DisconnectError::SessionExpiryWasZero => {
                "a session expiry interval in DISCONNECT needs a non-zero one in CONNECT"
            }
            DisconnectError::RequiresV5 => "a reason code or properties in DISCONNECT need MQTT 5",
            DisconnectError::AlreadyClosed => "the client is already disconnected",
        })
    }
}

impl fmt::Display for PublishError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PublishError::InvalidTopic(e) => write!(f, "invalid topic: {e}"),
            PublishError::QueueFull { max } => {
                write!(f, "the publish queue is full ({max} messages)")
            }
            PublishError::QoSNotSupported { requested, maximum } => write!(
                f,
                "{requested} asked for, but the broker accepts at most {maximum}"
            ),
            PublishError::RetainNotSupported => {
                f.write_str("the broker does not accept retained messages")
            }
            PublishError::PacketTooLarge { size, max } => write!(
                f,
                "the message is {size} bytes encoded; the broker accepts at most {max}"
            ),
            PublishError::Encode(e) => write!(f, "the message cannot be encoded: {e}"),
            PublishError::RequiresV5 => f.write_str("message properties need MQTT 5"),
            PublishError::ForbiddenProperty { property } => {
                write!(f, "a client may not set the {property} property")
            }
        }
    }
}

impl fmt::Display for SubscribeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubscribeError::NoFilters => f.write_str("no topic filter given"),
            SubscribeError::InvalidFilter { index, error } => {
                write!(f, "topic filter {index} is invalid: {error}")
            }
            SubscribeError::NoLocalOnSharedSubscription { index } => write!(
                f,
                "topic filter {index} is a shared subscription, which may not set No Local"
            ),
            SubscribeError::RequiresV5 => {
                f.write_str("subscription options or properties need MQTT 5")
            }
            SubscribeError::InvalidSubscriptionIdentifier => {
                f.write_str("a subscription takes one identifier, from 1 to 268,435,455")
            }
            SubscribeError::NotSupported { feature } => {
                write!(f, "the broker does not support {feature}")
            }
            SubscribeError::Encode(e) => write!(f, "the request cannot be encoded: {e}"),
            SubscribeError::QueueFull { max } => {
                write!(f, "too many requests are waiting ({max})")
            }
        }
    }
}

impl fmt::Display for AckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AckError::UnknownToken => "unknown ack token: already used, or its session was lost",
            AckError::StaleConnection => {
                "the ack token is from an earlier connection; the broker sends the message again"
            }
            AckError::ManualAcksDisabled => "manual acks are off in the options",
        })
    }
}

impl fmt::Display for ReauthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReauthError::NoAuthenticator => {
                f.write_str("re-authentication needs an authenticator and MQTT 5")
            }
            ReauthError::NotConnected => f.write_str("not connected"),
            ReauthError::InProgress => f.write_str("a re-authentication is already running"),
            ReauthError::Failed(code) => {
                write!(f, "the authenticator refused to start: {code}")
            }
        }
    }
}

impl fmt::Display for RestoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RestoreError::NotASnapshot => f.write_str("not a session snapshot"),
            RestoreError::UnsupportedVersion(v) => {
                write!(
                    f,
                    "session snapshot format {v} is not supported by this version"
                )
            }
            RestoreError::Corrupt => f.write_str("the session snapshot is corrupt"),
            RestoreError::Packet(e) => {
                write!(f, "a packet in the session snapshot does not decode: {e}")
            }
            RestoreError::Mismatch => {
                f.write_str("the session snapshot is for another client id or protocol version")
            }
            RestoreError::Config(e) => write!(f, "invalid options: {e}"),
        }
    }
}

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SnapshotError::Encode(e) => write!(f, "a stored packet cannot be encoded: {e}"),
        }
    }
}

impl fmt::Display for ConnectionError {
    /// Says whether the connection was refused, never made, or ended, and by
    /// whom; never "lost" for a connection that did not exist.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectionError::Refused { reason, properties } => {
                write!(f, "the broker refused the connection: {reason}")?;
                broker_explanation(f, properties)
            }
            ConnectionError::ConnectTimeout => {
                f.write_str("no answer to CONNECT within the connect timeout")
            }
            ConnectionError::KeepAliveTimeout => {
                f.write_str("the broker stopped answering (no PINGRESP in time)")
            }
            ConnectionError::TransportFailed => {
                f.write_str("could not open a connection to the broker")
            }
            ConnectionError::TransportClosed => f.write_str("the connection to the broker closed"),
            ConnectionError::Protocol(v) => write!(f, "the broker broke the protocol: {v}"),
            ConnectionError::ServerDisconnect { reason, properties } => {
                write!(f, "the broker ended the connection: {reason}")?;
                broker_explanation(f, properties)
            }
            ConnectionError::Auth(code) => write!(f, "authentication failed: {code}"),
            ConnectionError::StoreFailed => {
                f.write_str("the session store could not be written, so the connection was closed")
            }
        }
    }
}

impl fmt::Display for ProtocolViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtocolViolation::Malformed(e) => write!(f, "malformed packet: {e}"),
            ProtocolViolation::UnexpectedPacket(t) => write!(f, "unexpected {t}"),
            ProtocolViolation::UnexpectedPubAck { packet_id } => {
                write!(f, "PUBACK for QoS 2 publish {packet_id}")
            }
            ProtocolViolation::UnexpectedPubRec { packet_id } => {
                write!(f, "PUBREC for QoS 1 publish {packet_id}")
            }
            ProtocolViolation::UnexpectedPubComp { packet_id } => {
                write!(f, "PUBCOMP for publish {packet_id}, which waits for none")
            }
            ProtocolViolation::UnknownPacketId { packet, packet_id } => {
                write!(f, "{packet} for packet id {packet_id}, which is not in use")
            }
            ProtocolViolation::PubRelBeforePubRec { packet_id } => {
                write!(
                    f,
                    "PUBREL for message {packet_id} before its PUBREC was sent"
                )
            }
            ProtocolViolation::AckCountMismatch { expected, got } => write!(
                f,
                "{got} reason codes in the acknowledgement for {expected} filters"
            ),
            ProtocolViolation::InvalidTopicAlias { alias } => {
                write!(f, "invalid topic alias {alias}")
            }
            ProtocolViolation::EmptyTopic => f.write_str("PUBLISH with neither topic nor alias"),
            ProtocolViolation::ReceiveMaximumExceeded => f.write_str(
                "more unacknowledged QoS 1 and 2 messages than the client's Receive Maximum",
            ),
            ProtocolViolation::UnexpectedAuth => {
                f.write_str("AUTH outside an authentication exchange")
            }
            ProtocolViolation::SessionPresentOnCleanStart => {
                f.write_str("CONNACK says a session is present after a clean start")
            }
            ProtocolViolation::MaximumPacketSizeTooSmall { max } => write!(
                f,
                "the broker's Maximum Packet Size ({max} bytes) is too small to work with"
            ),
        }
    }
}

impl fmt::Display for PublishFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PublishFailure::SessionLost => {
                f.write_str("the broker lost the session while the message was in flight")
            }
            PublishFailure::Expired => f.write_str("the message expired before it was sent"),
            PublishFailure::RejectedByLimits => {
                f.write_str("the broker's limits no longer allow the message after a reconnect")
            }
            PublishFailure::BrokerProtocolError(v) => {
                write!(f, "delivery unknown, the broker broke the protocol: {v}")
            }
            PublishFailure::Undeliverable { attempts } => write!(
                f,
                "the broker closed the connection each time the message was sent ({attempts} attempts); it is not sent again"
            ),
            PublishFailure::StoreFailed => {
                f.write_str("the message could not be written to the session store, so it was not sent")
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ConfigError {}
#[cfg(feature = "std")]
impl std::error::Error for DisconnectError {}
#[cfg(feature = "std")]
impl std::error::Error for PublishError {}
#[cfg(feature = "std")]
impl std::error::Error for SubscribeError {}
#[cfg(feature = "std")]
impl std::error::Error for AckError {}
#[cfg(feature = "std")]
impl std::error::Error for ReauthError {}
#[cfg(feature = "std")]
impl std::error::Error for RestoreError {}
#[cfg(feature = "std")]
impl std::error::Error for SnapshotError {}
#[cfg(feature = "std")]
impl std::error::Error for ConnectionError {}
#[cfg(feature = "std")]
impl std::error::Error for ProtocolViolation {}
#[cfg(feature = "std")]
impl std::error::Error for PublishFailure {}
