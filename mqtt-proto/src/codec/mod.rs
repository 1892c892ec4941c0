//! The MQTT wire format: frame splitting, decoding and encoding of every packet
//! of MQTT 3.1 (`MQIsdp`, level 3), 3.1.1 (`MQTT`, level 4) and 5.0 (level 5).
//!
//! This module defines the packet data model; frame splitting ([`check_frame`]),
//! decoding ([`decode`], [`decode_packet`], [`decode_ref`],
//! [`decode_packet_ref`]) and encoding ([`encode`], [`encoded_len`]) live in
//! their own files.
//!
//! # Two ways to decode
//!
//! Both check exactly the same rules and return the same [`DecodeError`]s:
//! there is one parser, producing the borrowed form, and the owned decoder
//! builds its [`Packet`] from it.
//!
//! - **Owned** — [`decode`] (streaming, from a [`BytesMut`](bytes::BytesMut))
//!   and [`decode_packet`] (one whole frame as [`Bytes`]) give a [`Packet`]
//!   that keeps no borrow: topics, payloads, strings, binary data and
//!   properties are [`Bytes`] slices of the receive buffer (one reference
//!   count each, no copy). Use it to keep packets beyond the buffer's life:
//!   queue them, hand them to another task, store them in a session.
//! - **Borrowed** — [`decode_ref`] (streaming, from a `&[u8]`; it returns the
//!   packet and its length, and the caller advances) and [`decode_packet_ref`]
//!   (one whole frame) give a [`PacketRef`] whose strings are `&str` and whose
//!   binary data, payloads, filter lists, reason codes and properties are
//!   validated regions of the buffer, read through infallible iterators. No
//!   allocation, no reference count: the cheapest way to parse in place, when
//!   the packet is handled before the buffer is reused.
//!   [`PacketRef::to_packet`] turns one into a [`Packet`] when it must be kept.
//!
//! ```
//! use bytes::BytesMut;
//! use mqtt_sansio::codec::{decode, encode, ByteStr, Packet, Properties, ProtocolVersion, Publish, QoS};
//! let publish = Packet::Publish(Publish {
//!     dup: false,
//!     qos: QoS::AtMostOnce,
//!     retain: false,
//!     topic: ByteStr::from_static("sensors/temp"),
//!     packet_id: None,
//!     properties: Properties::EMPTY,
//!     payload: bytes::Bytes::from_static(b"21.5"),
//! });
//! let mut buf = BytesMut::new();
//! encode(&publish, ProtocolVersion::V3_1_1, 1024, &mut buf).unwrap();
//! let decoded = decode(&mut buf, ProtocolVersion::V3_1_1, 1024).unwrap();
//! assert_eq!(decoded, Some(publish));
//! assert!(buf.is_empty());
//! ```
//!
//! Parsing in place with the borrowed decoder:
//!
//! ```
//! use mqtt_sansio::codec::{decode_ref, PacketRef, ProtocolVersion};
//! // Received bytes: a PUBLISH to "a/b" with payload "on", then a SUBACK (id 1, QoS 1 granted).
//! let received = [0x30, 0x07, 0x00, 0x03, b'a', b'/', b'b', b'o', b'n', 0x90, 0x03, 0x00, 0x01, 0x01];
//! let mut at = 0;
//! while let Some((packet, len)) = decode_ref(&received[at..], ProtocolVersion::V3_1_1, 1024).unwrap() {
//!     match packet {
//!         PacketRef::Publish(p) => assert_eq!((p.topic, p.payload), ("a/b", &b"on"[..])),
//!         PacketRef::SubAck(s) => assert_eq!(s.codes.len(), 1),
//!         other => panic!("unexpected {other:?}"),
//!     }
//!     at += len;
//! }
//! assert_eq!(at, received.len());
//! ```

//! # Design notes
//!
//! - **Strict.** Every rule the specifications state about the wire format is
//!   checked on decode, each failure a distinct [`DecodeError`] variant citing
//!   its rule; the encoder refuses the same things with an [`EncodeError`]
//!   before writing a byte. MQTT 3.x rules are applied to 3.x packets and MQTT
//!   5 rules to 5.0 packets (for example the minimal Variable Byte Integer).
//! - **Zero-copy.** An owned packet holds reference-counted slices of the
//!   frame. The price is one atomic increment (and later decrement) per
//!   string or binary field, which on small packets costs more than all the
//!   parsing; the PUBLISH payload itself takes the frame's own reference. The
//!   borrowed packet pays none of it.
//! - **One parser.** `decode_ref.rs` and `props_ref.rs` check every rule and
//!   build the [`PacketRef`]; `decode.rs` only converts it to a [`Packet`]
//!   (re-reading validated lists and property blocks, never re-checking them).
//! - **Small packets.** [`Properties`] is one pointer, `None` while empty, so
//!   a [`Packet`] is under 200 bytes and moving one is cheap; only packets
//!   that carry properties allocate for them.
//! - **nom** parses the fields (`complete` parsers over the frame, a custom
//!   error type carrying the [`DecodeError`]); the frame split
//!   ([`check_frame`]) reads only the fixed header.
//! - **CONNECT** is boxed in [`Packet`] (see the note there) but not in
//!   [`PacketRef`], which must not allocate.

use bytes::Bytes;
use core::num::NonZeroU16;

mod bytestr;
mod decode;
mod decode_ref;
// For the fuzz targets' invariants (the codec itself calls it in place).
#[cfg(feature = "fuzzing")]
pub(crate) use decode_ref::check_first_byte;
mod encode;
mod error;
mod frame;
mod packet_ref;
mod properties;
mod props_ref;
mod props_wire;
mod reason;
pub(crate) mod scan;
mod wire;

pub use bytestr::ByteStr;
pub use decode::{decode, decode_packet};
pub use decode_ref::{decode_packet_ref, decode_ref};
pub use encode::{encode, encoded_len};
pub(crate) use encode::{encode_validated_publish, validated_publish_len};
pub use error::{DecodeError, EncodeError};
pub use frame::{check_frame, FrameStatus, MAX_REMAINING_LENGTH};
pub use packet_ref::{
    AuthRef, ConnAckRef, ConnectRef, DisconnectRef, PacketRef, PubResponseRef, PublishRef,
    ReasonCodes, ReasonCodesIter, SubAckRef, SubscribeFilterRef, SubscribeFilters,
    SubscribeFiltersIter, SubscribeRef, TopicFilters, TopicFiltersIter, UnsubAckRef,
    UnsubscribeRef, WillRef,
};
pub use properties::{Properties, PropertyValues};
pub use props_ref::{PropertiesIter, PropertiesRef, PropertyRef};
pub use reason::ReasonCode;

/// A packet identifier: never zero on the wire `[MQTT-2.3.1-1]`.
pub type PacketId = NonZeroU16;

/// The protocol level carried in CONNECT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProtocolVersion {
    /// MQTT 3.1: protocol name `MQIsdp`, level 3.
    V3_1,
    /// MQTT 3.1.1: protocol name `MQTT`, level 4.
    V3_1_1,
    /// MQTT 5.0: protocol name `MQTT`, level 5.
    V5,
}

impl ProtocolVersion {
    /// The protocol level byte of CONNECT.
    pub const fn level(self) -> u8 {
        match self {
            ProtocolVersion::V3_1 => 3,
            ProtocolVersion::V3_1_1 => 4,
            ProtocolVersion::V5 => 5,
        }
    }
    /// Whether this version carries properties and reason codes (MQTT 5).
    pub const fn is_v5(self) -> bool {
        matches!(self, ProtocolVersion::V5)
    }
}

/// Quality of service of a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum QoS {
    /// At most once (0).
    AtMostOnce = 0,
    /// At least once (1).
    AtLeastOnce = 1,
    /// Exactly once (2).
    ExactlyOnce = 2,
}

impl QoS {
    /// The QoS for a wire value, or `None` for 3 and above.
    pub const fn from_u8(v: u8) -> Option<QoS> {
        match v {
            0 => Some(QoS::AtMostOnce),
            1 => Some(QoS::AtLeastOnce),
            2 => Some(QoS::ExactlyOnce),
            _ => None,
        }
    }
}

/// Any MQTT control packet.
// CONNECT is boxed: it is more than twice the size of any other packet (192
// bytes against PUBLISH's 80), it is sent once per connection, and every
// `Packet` is as large as its largest variant, so unboxed it made every move
// of every packet (decode results, queues) pay for it: measured 15% of
// decoding a stream of small PUBLISHes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet {
    /// CONNECT (client to server), boxed (see the note on [`Packet`]'s size).
    Connect(alloc::boxed::Box<Connect>),
    /// CONNACK (server to client).
    ConnAck(ConnAck),
    /// PUBLISH (both directions).
    Publish(Publish),
    /// PUBACK: QoS 1 acknowledgement.
    PubAck(PubResponse),
    /// PUBREC: QoS 2, part 1.
    PubRec(PubResponse),
    /// PUBREL: QoS 2, part 2.
    PubRel(PubResponse),
    /// PUBCOMP: QoS 2, part 3.
    PubComp(PubResponse),
    /// SUBSCRIBE (client to server).
    Subscribe(Subscribe),
    /// SUBACK (server to client).
    SubAck(SubAck),
    /// UNSUBSCRIBE (client to server).
    Unsubscribe(Unsubscribe),
    /// UNSUBACK (server to client).
    UnsubAck(UnsubAck),
    /// PINGREQ.
    PingReq,
    /// PINGRESP.
    PingResp,
    /// DISCONNECT (both directions in MQTT 5).
    Disconnect(Disconnect),
    /// AUTH (MQTT 5 only).
    Auth(Auth),
}

/// The control packet type, the high nibble of the first byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum PacketType {
    /// 1
    Connect = 1,
    /// 2
    ConnAck = 2,
    /// 3
    Publish = 3,
    /// 4
    PubAck = 4,
    /// 5
    PubRec = 5,
    /// 6
    PubRel = 6,
    /// 7
    PubComp = 7,
    /// 8
    Subscribe = 8,
    /// 9
    SubAck = 9,
    /// 10
    Unsubscribe = 10,
    /// 11
    UnsubAck = 11,
    /// 12
    PingReq = 12,
    /// 13
    PingResp = 13,
    /// 14
    Disconnect = 14,
    /// 15 (MQTT 5 only)
    Auth = 15,
}

impl PacketType {
    /// The packet type for the high nibble of a first byte (`byte >> 4`), or
    /// `None` for the reserved value 0 and values above 15.
    #[inline]
    pub const fn from_u8(v: u8) -> Option<PacketType> {
        Some(match v {
            1 => PacketType::Connect,
            2 => PacketType::ConnAck,
            3 => PacketType::Publish,
            4 => PacketType::PubAck,
            5 => PacketType::PubRec,
            6 => PacketType::PubRel,
            7 => PacketType::PubComp,
            8 => PacketType::Subscribe,
            9 => PacketType::SubAck,
            10 => PacketType::Unsubscribe,
            11 => PacketType::UnsubAck,
            12 => PacketType::PingReq,
            13 => PacketType::PingResp,
            14 => PacketType::Disconnect,
            15 => PacketType::Auth,
            _ => return None,
        })
    }
}

impl PacketType {
    /// The packet's name as the specification writes it (`PUBACK`, `CONNACK`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            PacketType::Connect => "CONNECT",
            PacketType::ConnAck => "CONNACK",
            PacketType::Publish => "PUBLISH",
            PacketType::PubAck => "PUBACK",
            PacketType::PubRec => "PUBREC",
            PacketType::PubRel => "PUBREL",
            PacketType::PubComp => "PUBCOMP",
            PacketType::Subscribe => "SUBSCRIBE",
            PacketType::SubAck => "SUBACK",
            PacketType::Unsubscribe => "UNSUBSCRIBE",
            PacketType::UnsubAck => "UNSUBACK",
            PacketType::PingReq => "PINGREQ",
            PacketType::PingResp => "PINGRESP",
            PacketType::Disconnect => "DISCONNECT",
            PacketType::Auth => "AUTH",
        }
    }
}

impl core::fmt::Display for PacketType {
    /// The specification's name: `PUBACK`.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

impl core::fmt::Display for QoS {
    /// `QoS 1`.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "QoS {}", *self as u8)
    }
}

impl Packet {
    /// The control packet type of this packet.
    pub const fn packet_type(&self) -> PacketType {
        match self {
            Packet::Connect(_) => PacketType::Connect,
            Packet::ConnAck(_) => PacketType::ConnAck,
            Packet::Publish(_) => PacketType::Publish,
            Packet::PubAck(_) => PacketType::PubAck,
            Packet::PubRec(_) => PacketType::PubRec,
            Packet::PubRel(_) => PacketType::PubRel,
            Packet::PubComp(_) => PacketType::PubComp,
            Packet::Subscribe(_) => PacketType::Subscribe,
            Packet::SubAck(_) => PacketType::SubAck,
            Packet::Unsubscribe(_) => PacketType::Unsubscribe,
            Packet::UnsubAck(_) => PacketType::UnsubAck,
            Packet::PingReq => PacketType::PingReq,
            Packet::PingResp => PacketType::PingResp,
            Packet::Disconnect(_) => PacketType::Disconnect,
            Packet::Auth(_) => PacketType::Auth,
        }
    }
}

/// CONNECT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connect {
    /// Protocol version (name and level).
    pub protocol: ProtocolVersion,
    /// Clean Session (3.x) / Clean Start (5.0).
    pub clean_start: bool,
    /// Keep alive in seconds; 0 disables it.
    pub keep_alive: u16,
    /// Client identifier; may be empty (the server assigns one, 3.1.1+).
    pub client_id: ByteStr,
    /// The will message, if any.
    pub will: Option<Will>,
    /// User name.
    pub username: Option<ByteStr>,
    /// Password (binary data).
    pub password: Option<Bytes>,
    /// CONNECT properties (MQTT 5).
    pub properties: Properties,
}

/// The will (last will and testament) of CONNECT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Will {
    /// Topic name the will is published to.
    pub topic: ByteStr,
    /// Will payload.
    pub payload: Bytes,
    /// Will QoS.
    pub qos: QoS,
    /// Will retain flag.
    pub retain: bool,
    /// Will properties (MQTT 5).
    pub properties: Properties,
}

/// CONNACK.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnAck {
    /// Session Present flag.
    pub session_present: bool,
    /// Return code (3.x, mapped to the v5 code of the same meaning) or reason code (5.0).
    pub code: ReasonCode,
    /// CONNACK properties (MQTT 5).
    pub properties: Properties,
}

/// PUBLISH.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publish {
    /// DUP flag; must be false for QoS 0 `[MQTT-3.3.1-2]`.
    pub dup: bool,
    /// QoS.
    pub qos: QoS,
    /// RETAIN flag.
    pub retain: bool,
    /// Topic name; may be empty in MQTT 5 when a topic alias is set.
    pub topic: ByteStr,
    /// Packet identifier; present exactly when QoS > 0.
    pub packet_id: Option<PacketId>,
    /// PUBLISH properties (MQTT 5).
    pub properties: Properties,
    /// Application payload.
    pub payload: Bytes,
}

/// PUBACK, PUBREC, PUBREL and PUBCOMP share this shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PubResponse {
    /// Packet identifier of the publish being acknowledged.
    pub packet_id: PacketId,
    /// Reason code (always [`ReasonCode::Success`] before MQTT 5).
    pub reason: ReasonCode,
    /// Properties (MQTT 5).
    pub properties: Properties,
}

/// Retain handling option of a subscription (MQTT 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
pub enum RetainHandling {
    /// Send retained messages at subscribe time (0).
    #[default]
    SendAtSubscribe = 0,
    /// Send retained messages only if the subscription is new (1).
    SendIfNew = 1,
    /// Do not send retained messages (2).
    DoNotSend = 2,
}

/// Options of one subscription in SUBSCRIBE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SubscriptionOptions {
    /// Maximum QoS.
    pub qos: QoS,
    /// No Local (MQTT 5): do not receive own publishes.
    pub no_local: bool,
    /// Retain As Published (MQTT 5).
    pub retain_as_published: bool,
    /// Retain Handling (MQTT 5).
    pub retain_handling: RetainHandling,
}

impl SubscriptionOptions {
    /// Options with the given QoS and every MQTT 5 option at its default.
    pub const fn new(qos: QoS) -> Self {
        SubscriptionOptions {
            qos,
            no_local: false,
            retain_as_published: false,
            retain_handling: RetainHandling::SendAtSubscribe,
        }
    }
}

/// One topic filter of SUBSCRIBE with its options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscribeFilter {
    /// Topic filter.
    pub filter: ByteStr,
    /// Subscription options.
    pub options: SubscriptionOptions,
}

/// SUBSCRIBE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscribe {
    /// Packet identifier.
    pub packet_id: PacketId,
    /// Filters; at least one `[MQTT-3.8.3-3]`.
    pub filters: alloc::vec::Vec<SubscribeFilter>,
    /// SUBSCRIBE properties (MQTT 5).
    pub properties: Properties,
}

/// SUBACK.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubAck {
    /// Packet identifier.
    pub packet_id: PacketId,
    /// One code per filter: granted QoS (0x00..0x02) or a failure (0x80+).
    pub codes: alloc::vec::Vec<ReasonCode>,
    /// SUBACK properties (MQTT 5).
    pub properties: Properties,
}

/// UNSUBSCRIBE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsubscribe {
    /// Packet identifier.
    pub packet_id: PacketId,
    /// Filters; at least one `[MQTT-3.10.3-2]`.
    pub filters: alloc::vec::Vec<ByteStr>,
    /// UNSUBSCRIBE properties (MQTT 5).
    pub properties: Properties,
}

/// UNSUBACK.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsubAck {
    /// Packet identifier.
    pub packet_id: PacketId,
    /// One reason code per filter (MQTT 5); empty before MQTT 5.
    pub codes: alloc::vec::Vec<ReasonCode>,
    /// UNSUBACK properties (MQTT 5).
    pub properties: Properties,
}

/// DISCONNECT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disconnect {
    /// Reason code (MQTT 5); [`ReasonCode::Success`] (normal disconnection) before.
    pub reason: ReasonCode,
    /// DISCONNECT properties (MQTT 5).
    pub properties: Properties,
}

/// AUTH (MQTT 5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Auth {
    /// Reason code: Success, Continue authentication or Re-authenticate.
    pub reason: ReasonCode,
    /// AUTH properties.
    pub properties: Properties,
}
