//! What the core hands to the application and the adapter.

use alloc::vec::Vec;

use bytes::Bytes;

use super::error::{ConnectionError, PublishFailure};
use crate::codec::{ByteStr, PacketId, Properties, ProtocolVersion, Publish, QoS, ReasonCode};

/// Identifies an accepted [`publish`](super::Client::publish) in its
/// completion event. Unique for the life of the client (and of its
/// snapshots).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PublishId(pub u64);

/// Identifies an accepted [`subscribe`](super::Client::subscribe) or
/// [`unsubscribe`](super::Client::unsubscribe) in its completion event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RequestId(pub u64);

/// Permission to acknowledge one inbound QoS 1 or 2 message, handed out with
/// [`Event::Message`] when [`Config::manual_acks`](super::Config::manual_acks)
/// is on. Pass it to [`Client::ack`](super::Client::ack).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[must_use = "the broker holds the message until it is acknowledged"]
pub struct AckToken {
    pub(crate) packet_id: PacketId,
    pub(crate) qos: QoS,
    pub(crate) connection: u64,
    pub(crate) session: u64,
}

impl AckToken {
    /// Packet identifier of the message.
    pub fn packet_id(&self) -> PacketId {
        self.packet_id
    }
    /// QoS of the message.
    pub fn qos(&self) -> QoS {
        self.qos
    }
    /// Which connection of this client delivered it (a counter). The
    /// acknowledgements of one connection must go out in the order its
    /// messages arrived `[MQTT-4.6.0-2]`.
    pub fn connection(&self) -> u64 {
        self.connection
    }
}

/// A message to publish.
///
/// ```
/// use mqtt_sansio::client::OutgoingPublish;
/// use mqtt_sansio::QoS;
/// let msg = OutgoingPublish::new("sensors/temp", &b"21.5"[..], QoS::AtLeastOnce).retain(true);
/// assert!(msg.retain);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingPublish {
    /// Topic name (no wildcards).
    pub topic: ByteStr,
    /// Payload.
    pub payload: Bytes,
    /// QoS.
    pub qos: QoS,
    /// Retain flag.
    pub retain: bool,
    /// MQTT 5 properties (message expiry, content type, response topic,
    /// correlation data, user properties...). Topic Alias and Subscription
    /// Identifier are not allowed: the core manages aliases itself.
    pub properties: Properties,
}

impl OutgoingPublish {
    /// A message with no properties and retain off.
    ///
    /// `topic` may be any `&str` (copied), a `String` (moved) or a
    /// [`ByteStr`]; `payload` anything that converts into [`Bytes`] (a
    /// `&'static [u8]`, a `Vec<u8>`...).
    pub fn new(topic: impl Into<ByteStr>, payload: impl Into<Bytes>, qos: QoS) -> Self {
        OutgoingPublish {
            topic: topic.into(),
            payload: payload.into(),
            qos,
            retain: false,
            properties: Properties::default(),
        }
    }
    /// Sets the retain flag.
    pub fn retain(mut self, retain: bool) -> Self {
        self.retain = retain;
        self
    }
    /// Sets the MQTT 5 properties.
    pub fn properties(mut self, properties: Properties) -> Self {
        self.properties = properties;
        self
    }
}

/// Options of [`Client::disconnect`](super::Client::disconnect).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisconnectOptions {
    /// MQTT 5 reason code; Normal disconnection by default. Use
    /// [`ReasonCode::DisconnectWithWillMessage`] to have the broker publish
    /// the will.
    pub reason: ReasonCode,
    /// MQTT 5 DISCONNECT properties (session expiry, reason string, user
    /// properties).
    pub properties: Properties,
}

impl Default for DisconnectOptions {
    fn default() -> Self {
        DisconnectOptions {
            reason: ReasonCode::Success,
            properties: Properties::default(),
        }
    }
}

/// A request for the adapter, returned by
/// [`poll_transport`](super::Client::poll_transport).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportCommand {
    /// Open a transport (TCP, TLS, WebSocket...) to server number `server` of
    /// the adapter's list, then call
    /// [`handle_connected`](super::Client::handle_connected) or, on failure,
    /// [`handle_closed`](super::Client::handle_closed).
    Open {
        /// Index into the adapter's server list, `< Config::server_count`.
        server: usize,
    },
    /// Flush what [`poll_transmit`](super::Client::poll_transmit) returned,
    /// then close the transport. The core already treats it as closed: do
    /// not call `handle_closed` for it. If it is still being opened (the
    /// connect timeout fired first), abandon that attempt: never report
    /// `handle_connected` for it.
    Close {
        /// The close follows the client's DISCONNECT on a live connection:
        /// after flushing, half-close and wait (bounded) for the server to
        /// close its side, so that it has acted on the DISCONNECT (discarded
        /// the will, stored the session) before the application is told the
        /// client is closed, and a new connection with the same client
        /// identifier cannot race the old one. `false`: the connection is
        /// broken or abandoned (protocol error, timeout, fall-back), close it
        /// at once after the flush.
        await_server: bool,
    },
}

/// Something that happened, for the application. Returned by
/// [`poll_event`](super::Client::poll_event).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// CONNACK accepted the connection.
    Connected {
        /// The broker kept the session (Session Present).
        session_present: bool,
        /// This is not the first connection of this client.
        reconnect: bool,
        /// Index of the server the transport was opened to.
        server: usize,
        /// Protocol actually in use (3.1 after a fall-back).
        protocol: ProtocolVersion,
        /// CONNACK properties (MQTT 5): limits, assigned client id, server
        /// keep alive, response information, user properties.
        properties: Properties,
    },
    /// The connection ended. `will_reconnect` says whether the core scheduled
    /// another attempt (it will ask for a transport when due).
    ConnectionLost {
        /// Why.
        cause: ConnectionError,
        /// A reconnect is scheduled.
        will_reconnect: bool,
    },
    /// The broker no longer had the session. Lists the in-flight publishes
    /// affected: resent as new publishes or failed (see
    /// [`SessionLostPolicy`](super::SessionLostPolicy)).
    SessionLost {
        /// In-flight publishes (sent, not completed) at the time.
        affected: Vec<PublishId>,
        /// Whether they are being sent again (otherwise each gets
        /// [`Event::PublishFailed`]).
        resent: bool,
    },
    /// An inbound application message. With manual acks, QoS 1 and 2
    /// messages carry the token to pass to [`ack`](super::Client::ack).
    ///
    /// An inbound QoS 2 message is delivered exactly once, even when the
    /// broker sends it again `[MQTT-4.3.3-2]`. A topic alias is already
    /// resolved into `publish.topic`.
    Message {
        /// The message, zero-copy over the receive buffer.
        publish: Publish,
        /// Token for a manual acknowledgement.
        ack: Option<AckToken>,
    },
    /// A publish finished: QoS 0 when written to the transmit buffer, QoS 1 at
    /// PUBACK, QoS 2 at PUBCOMP (or at a PUBREC with an error reason).
    /// `reason` is the broker's MQTT 5 reason code: check
    /// [`ReasonCode::is_error`] (for example Not authorized); 3.x always
    /// reports Success.
    PublishComplete {
        /// Which publish.
        id: PublishId,
        /// Its packet id (QoS 1 and 2).
        packet_id: Option<PacketId>,
        /// Reason code of PUBACK / PUBREC / PUBCOMP.
        reason: ReasonCode,
        /// Properties of that acknowledgement (reason string, user properties).
        properties: Properties,
    },
    /// A publish that will not be completed by the broker.
    PublishFailed {
        /// Which publish.
        id: PublishId,
        /// Why.
        error: PublishFailure,
    },
    /// SUBACK for a [`subscribe`](super::Client::subscribe) (or for an
    /// automatic re-subscription, with an id the application never saw).
    SubscribeComplete {
        /// Which request.
        id: RequestId,
        /// The filters of the request, in order.
        filters: Vec<ByteStr>,
        /// One code per filter: granted QoS (`Success`, `GrantedQoS1`,
        /// `GrantedQoS2`) or a failure (0x80 and above).
        codes: Vec<ReasonCode>,
        /// SUBACK properties.
        properties: Properties,
    },
    /// UNSUBACK for an [`unsubscribe`](super::Client::unsubscribe).
    UnsubscribeComplete {
        /// Which request.
        id: RequestId,
        /// The filters of the request, in order.
        filters: Vec<ByteStr>,
        /// One code per filter (MQTT 5); empty before MQTT 5.
        codes: Vec<ReasonCode>,
        /// UNSUBACK properties.
        properties: Properties,
    },
    /// A re-authentication finished successfully (MQTT 5 AUTH).
    Reauthenticated {
        /// Properties of the final AUTH.
        properties: Properties,
    },
    /// [`disconnect`](super::Client::disconnect) finished: DISCONNECT is in
    /// the transmit buffer and the transport will be closed. No reconnect.
    Closed,
}
