//! Codec errors. Each variant names the rule it enforces and cites it.
//!
//! Citations are to MQTT 3.1.1 unless marked "v5" (MQTT 5.0); where the two
//! numberings differ both are given.

use super::PacketType;
use crate::topic::TopicError;

/// Why received bytes are not a valid packet. The peer is at fault.
///
/// In MQTT 5 every variant is a Malformed Packet (0x81) or Protocol Error
/// (0x82); [`DecodeError::reason_code`] says which, for the DISCONNECT
/// that closes the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// The fixed header announces a packet larger than the configured maximum
    /// (v5 `[MQTT-3.2.2-16]` / `[MQTT-3.1.2-25]` when it is the negotiated Maximum Packet Size).
    PacketTooLarge {
        /// Size the fixed header announces (fixed header included).
        size: usize,
        /// The configured maximum.
        max: usize,
    },
    /// Kept for compatibility with early code; the decoder never returns it.
    Malformed,
    /// The packet type is not valid for this protocol version (AUTH before MQTT 5).
    UnexpectedPacket(PacketType),
    /// Packet type 0 is reserved (§2.2.1; v5 §2.1.2).
    ReservedPacketType,
    /// Fixed-header flags differ from the values the packet type requires
    /// `[MQTT-2.2.2-1]` (v5 `[MQTT-2.1.3-1]`).
    InvalidFixedHeaderFlags {
        /// The packet type.
        packet_type: PacketType,
        /// The low nibble of the first byte as received.
        flags: u8,
    },
    /// The Remaining Length (or another Variable Byte Integer) continues past
    /// its fourth byte (§2.2.3; v5 §1.5.5).
    RemainingLengthTooLong,
    /// A Variable Byte Integer does not use the fewest bytes possible
    /// (v5 `[MQTT-1.5.5-1]`; checked for MQTT 5 only, 3.x does not ask for it).
    NonMinimalVariableByteInteger,
    /// The buffer given to `decode_packet` is not exactly one packet long.
    FrameLengthMismatch {
        /// Size the fixed header announces.
        declared: usize,
        /// Bytes given.
        actual: usize,
    },
    /// A length-prefixed field or a fixed-size field runs past the end of the
    /// packet (its Remaining Length) (§1.5; v5 §1.5, §4.13 Malformed Packet).
    FieldCrossesPacketEnd,
    /// Bytes remain in the packet after its last field (v5 §4.13 Malformed Packet).
    TrailingBytes {
        /// How many bytes are left over.
        count: usize,
    },
    /// PUBLISH with both QoS bits set `[MQTT-3.3.1-4]`.
    InvalidQoS,
    /// PUBLISH with DUP set on QoS 0 `[MQTT-3.3.1-2]`.
    DupOnQoS0,
    /// A string is not well-formed UTF-8 (surrogates included) `[MQTT-1.5.3-1]`
    /// (v5 `[MQTT-1.5.4-1]`).
    InvalidUtf8,
    /// A string contains U+0000 `[MQTT-1.5.3-2]` (v5 `[MQTT-1.5.4-2]`).
    NullCharacter,
    /// A topic name contains `+` or `#` `[MQTT-3.3.2-2]` `[MQTT-4.7.1-1]`.
    WildcardInTopicName,
    /// A topic name is empty `[MQTT-4.7.3-1]` (MQTT 3.x, and the will topic in every version).
    EmptyTopicName,
    /// An MQTT 5 PUBLISH has an empty topic name and no Topic Alias (v5 §3.3.2.3.4).
    EmptyTopicWithoutAlias,
    /// A Packet Identifier is zero `[MQTT-2.3.1-1]` (v5 `[MQTT-2.2.1-3]`).
    ZeroPacketId,
    /// SUBSCRIBE without any topic filter `[MQTT-3.8.3-3]` (v5 `[MQTT-3.8.3-2]`).
    EmptySubscribe,
    /// UNSUBSCRIBE without any topic filter `[MQTT-3.10.3-2]`.
    EmptyUnsubscribe,
    /// Reserved bits of a subscription options byte are set `[MQTT-3-8.3-4]` (v5 `[MQTT-3.8.3-5]`).
    SubscriptionOptionsReservedBits {
        /// The options byte as received.
        options: u8,
    },
    /// A subscription asks for QoS 3 `[MQTT-3-8.3-4]` (v5 §3.8.3.1).
    InvalidSubscriptionQoS,
    /// Retain Handling is 3 (v5 §3.8.3.1: a Protocol Error).
    InvalidRetainHandling,
    /// No Local is set on a shared subscription (v5 `[MQTT-3.8.3-4]`).
    NoLocalOnSharedSubscription,
    /// A topic filter in SUBSCRIBE or UNSUBSCRIBE breaks the filter rules (§4.7).
    InvalidTopicFilter(TopicError),
    /// A property identifier that MQTT 5 does not define (v5 §2.2.2.2).
    UnknownProperty {
        /// The identifier.
        id: u8,
    },
    /// A property this packet type may not carry (v5 §2.2.2.2, Table 2-4).
    PropertyNotAllowed {
        /// The property identifier.
        id: u8,
        /// The packet carrying it.
        packet_type: PacketType,
        /// Whether it sits in the will properties of CONNECT.
        in_will: bool,
    },
    /// A property that may appear once appears twice (v5 §3.x "It is a Protocol
    /// Error to include ... more than once").
    DuplicateProperty {
        /// The property identifier.
        id: u8,
    },
    /// A property has a value the spec forbids (Receive Maximum 0, Topic Alias 0,
    /// Subscription Identifier 0, Maximum Packet Size 0, a 0/1 property with
    /// another value, a Response Topic with wildcards `[MQTT-3.3.2-14]`, ...).
    InvalidPropertyValue {
        /// The property identifier.
        id: u8,
    },
    /// A reason code byte that MQTT 5 does not define (v5 §2.4).
    UnknownReasonCode {
        /// The byte.
        code: u8,
        /// The packet carrying it.
        packet_type: PacketType,
    },
    /// A defined reason code this packet type may not carry (v5 §2.4 Table 2-6),
    /// or an MQTT 3.x return code outside its packet's list.
    ReasonCodeNotAllowed {
        /// The byte.
        code: u8,
        /// The packet carrying it.
        packet_type: PacketType,
    },
    /// The CONNECT protocol name is neither `MQTT` nor `MQIsdp` `[MQTT-3.1.2-1]`.
    InvalidProtocolName,
    /// The CONNECT protocol level is not one this codec speaks with that name
    /// (`MQIsdp` 3, `MQTT` 4 or 5) `[MQTT-3.1.2-2]`.
    UnsupportedProtocolLevel {
        /// The level byte.
        level: u8,
    },
    /// The reserved bit 0 of the CONNECT flags is set `[MQTT-3.1.2-3]`.
    ConnectReservedFlag,
    /// Will QoS or Will Retain set while the Will Flag is 0
    /// `[MQTT-3.1.2-11]` `[MQTT-3.1.2-13]` `[MQTT-3.1.2-15]` (v5 `[MQTT-3.1.2-11]` `[MQTT-3.1.2-13]`).
    WillFlagsWithoutWill,
    /// Will QoS is 3 `[MQTT-3.1.2-14]` (v5 `[MQTT-3.1.2-12]`).
    InvalidWillQoS,
    /// Password flag set without the User Name flag, before MQTT 5 `[MQTT-3.1.2-22]`.
    PasswordWithoutUsername,
    /// Reserved bits of the CONNACK acknowledge flags are set (§3.2.2.1; v5 `[MQTT-3.2.2-1]`).
    ConnAckReservedFlags,
    /// CONNACK with Session Present set and a failure code `[MQTT-3.2.2-4]` (v5 `[MQTT-3.2.2-6]`).
    SessionPresentOnFailure,
}

impl DecodeError {
    /// The MQTT 5 reason code for a DISCONNECT (or CONNACK) answering this error:
    /// Packet Too Large, Protocol Error or Malformed Packet.
    pub fn reason_code(&self) -> super::ReasonCode {
        use super::ReasonCode;
        match self {
            DecodeError::PacketTooLarge { .. } => ReasonCode::PacketTooLarge,
            DecodeError::UnexpectedPacket(_)
            | DecodeError::EmptyTopicWithoutAlias
            | DecodeError::InvalidRetainHandling
            | DecodeError::NoLocalOnSharedSubscription
            | DecodeError::DuplicateProperty { .. }
            | DecodeError::InvalidPropertyValue { .. }
            | DecodeError::ReasonCodeNotAllowed { .. }
            | DecodeError::UnsupportedProtocolLevel { .. }
            | DecodeError::InvalidProtocolName => ReasonCode::ProtocolError,
            _ => ReasonCode::MalformedPacket,
        }
    }
}

/// Why a packet cannot be encoded. The caller is at fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncodeError {
    /// The encoded packet would exceed the given maximum packet size, or the
    /// largest Remaining Length (268,435,455).
    PacketTooLarge {
        /// Encoded size.
        size: usize,
        /// The maximum allowed.
        max: usize,
    },
    /// A string or binary field is longer than 65,535 bytes (§1.5.3; v5 §1.5.4, §1.5.6).
    FieldTooLong {
        /// Its length.
        len: usize,
    },
    /// A string contains U+0000 `[MQTT-1.5.3-2]` (v5 `[MQTT-1.5.4-2]`).
    NullCharacter,
    /// The packet does not exist in this protocol version (AUTH before MQTT 5).
    PacketNotInVersion(PacketType),
    /// Non-empty properties on a packet of MQTT 3.x, which has none.
    PropertiesNotSupported,
    /// A property this packet type may not carry (v5 Table 2-4).
    PropertyNotAllowed {
        /// The property identifier.
        id: u8,
        /// The packet type.
        packet_type: PacketType,
        /// Whether it sits in the will properties of CONNECT.
        in_will: bool,
    },
    /// More than one Subscription Identifier outside PUBLISH (v5 §3.8.2.1.2).
    DuplicateProperty {
        /// The property identifier.
        id: u8,
    },
    /// A property value the spec forbids (see [`DecodeError::InvalidPropertyValue`]),
    /// or a Subscription Identifier above 268,435,455.
    InvalidPropertyValue {
        /// The property identifier.
        id: u8,
    },
    /// A reason code this packet type (in this version) may not carry.
    ReasonCodeNotAllowed {
        /// The code.
        code: u8,
        /// The packet type.
        packet_type: PacketType,
    },
    /// PUBLISH QoS 0 with a packet identifier, or QoS 1/2 without one `[MQTT-2.3.1-5]` (v5 `[MQTT-2.2.1-2]`).
    PacketIdMismatch,
    /// PUBLISH with DUP on QoS 0 `[MQTT-3.3.1-2]`.
    DupOnQoS0,
    /// A topic name (PUBLISH or will) breaks the topic-name rules (§4.7), or an
    /// MQTT 5 PUBLISH has an empty topic and no Topic Alias.
    InvalidTopicName(TopicError),
    /// A SUBSCRIBE or UNSUBSCRIBE filter breaks the topic-filter rules (§4.7).
    InvalidTopicFilter(TopicError),
    /// SUBSCRIBE without filters `[MQTT-3.8.3-3]`.
    EmptySubscribe,
    /// UNSUBSCRIBE without filters `[MQTT-3.10.3-2]`.
    EmptyUnsubscribe,
    /// No Local on a shared subscription (v5 `[MQTT-3.8.3-4]`).
    NoLocalOnSharedSubscription,
    /// MQTT 5 subscription options (No Local, Retain As Published, Retain
    /// Handling) set on an MQTT 3.x SUBSCRIBE, which cannot carry them.
    SubscriptionOptionsNotSupported,
    /// A password without a user name, before MQTT 5 `[MQTT-3.1.2-22]`.
    PasswordWithoutUsername,
    /// CONNACK with Session Present and a failure code `[MQTT-3.2.2-4]` (v5 `[MQTT-3.2.2-6]`).
    SessionPresentOnFailure,
    /// UNSUBACK reason codes given for MQTT 3.x, which has none.
    ReasonCodesNotSupported,
}

impl core::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        use DecodeError::*;
        match self {
            PacketTooLarge { size, max } => {
                write!(f, "a {size}-byte packet is over the limit of {max} bytes")
            }
            Malformed => f.write_str("malformed packet"),
            UnexpectedPacket(t) => write!(f, "{t} does not exist in this protocol version"),
            ReservedPacketType => f.write_str("packet type 0 is reserved"),
            InvalidFixedHeaderFlags { packet_type, flags } => {
                write!(f, "{packet_type} with invalid header flags {flags:#06b}")
            }
            RemainingLengthTooLong => f.write_str("a variable byte integer is longer than 4 bytes"),
            NonMinimalVariableByteInteger => {
                f.write_str("a variable byte integer uses more bytes than needed")
            }
            FrameLengthMismatch { declared, actual } => write!(
                f,
                "the header announces {declared} bytes but {actual} were given"
            ),
            FieldCrossesPacketEnd => f.write_str("a field runs past the end of the packet"),
            TrailingBytes { count } => {
                write!(f, "{count} bytes left over after the last field")
            }
            InvalidQoS => f.write_str("PUBLISH with QoS 3"),
            DupOnQoS0 => f.write_str("PUBLISH with DUP set on QoS 0"),
            InvalidUtf8 => f.write_str("a string is not valid UTF-8"),
            NullCharacter => f.write_str("a string contains U+0000"),
            WildcardInTopicName => f.write_str("a topic name contains '+' or '#'"),
            EmptyTopicName => f.write_str("a topic name is empty"),
            EmptyTopicWithoutAlias => f.write_str("PUBLISH with an empty topic and no alias"),
            ZeroPacketId => f.write_str("a packet identifier is 0"),
            EmptySubscribe => f.write_str("SUBSCRIBE without a topic filter"),
            EmptyUnsubscribe => f.write_str("UNSUBSCRIBE without a topic filter"),
            SubscriptionOptionsReservedBits { options } => {
                write!(f, "subscription options {options:#010b} set reserved bits")
            }
            InvalidSubscriptionQoS => f.write_str("a subscription asks for QoS 3"),
            InvalidRetainHandling => f.write_str("a subscription has Retain Handling 3"),
            NoLocalOnSharedSubscription => f.write_str("No Local on a shared subscription"),
            InvalidTopicFilter(e) => write!(f, "invalid topic filter: {e}"),
            UnknownProperty { id } => write!(f, "unknown property {id:#04x}"),
            PropertyNotAllowed {
                id,
                packet_type,
                in_will,
            } => {
                let place = if *in_will { " will properties" } else { "" };
                write!(
                    f,
                    "property {id:#04x} is not allowed in {packet_type}{place}"
                )
            }
            DuplicateProperty { id } => write!(f, "property {id:#04x} appears twice"),
            InvalidPropertyValue { id } => write!(f, "property {id:#04x} has an invalid value"),
            UnknownReasonCode { code, packet_type } => {
                write!(f, "unknown reason code {code:#04x} in {packet_type}")
            }
            ReasonCodeNotAllowed { code, packet_type } => {
                write!(f, "reason code {code:#04x} is not allowed in {packet_type}")
            }
            InvalidProtocolName => f.write_str("the protocol name is neither MQTT nor MQIsdp"),
            UnsupportedProtocolLevel { level } => {
                write!(f, "unsupported protocol level {level}")
            }
            ConnectReservedFlag => f.write_str("CONNECT sets its reserved flag"),
            WillFlagsWithoutWill => f.write_str("will QoS or retain set without a will"),
            InvalidWillQoS => f.write_str("will QoS 3"),
            PasswordWithoutUsername => f.write_str("a password without a user name"),
            ConnAckReservedFlags => f.write_str("CONNACK sets reserved flags"),
            SessionPresentOnFailure => {
                f.write_str("CONNACK has Session Present with a failure code")
            }
        }
    }
}

impl core::fmt::Display for EncodeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        use EncodeError::*;
        match self {
            PacketTooLarge { size, max } => {
                write!(
                    f,
                    "the packet would be {size} bytes, over the limit of {max}"
                )
            }
            FieldTooLong { len } => write!(f, "a {len}-byte field is over 65,535 bytes"),
            NullCharacter => f.write_str("a string contains U+0000"),
            PacketNotInVersion(t) => write!(f, "{t} does not exist in this protocol version"),
            PropertiesNotSupported => f.write_str("properties need MQTT 5"),
            PropertyNotAllowed {
                id,
                packet_type,
                in_will,
            } => {
                let place = if *in_will { " will properties" } else { "" };
                write!(
                    f,
                    "property {id:#04x} is not allowed in {packet_type}{place}"
                )
            }
            DuplicateProperty { id } => write!(f, "property {id:#04x} given twice"),
            InvalidPropertyValue { id } => write!(f, "property {id:#04x} has an invalid value"),
            ReasonCodeNotAllowed { code, packet_type } => {
                write!(f, "reason code {code:#04x} is not allowed in {packet_type}")
            }
            PacketIdMismatch => {
                f.write_str("a packet identifier must be given for QoS 1 and 2 and only for them")
            }
            DupOnQoS0 => f.write_str("DUP set on a QoS 0 PUBLISH"),
            InvalidTopicName(e) => write!(f, "invalid topic name: {e}"),
            InvalidTopicFilter(e) => write!(f, "invalid topic filter: {e}"),
            EmptySubscribe => f.write_str("SUBSCRIBE without a topic filter"),
            EmptyUnsubscribe => f.write_str("UNSUBSCRIBE without a topic filter"),
            NoLocalOnSharedSubscription => f.write_str("No Local on a shared subscription"),
            SubscriptionOptionsNotSupported => {
                f.write_str("No Local, Retain As Published and Retain Handling need MQTT 5")
            }
            PasswordWithoutUsername => f.write_str("a password needs a user name before MQTT 5"),
            SessionPresentOnFailure => {
                f.write_str("CONNACK with Session Present and a failure code")
            }
            ReasonCodesNotSupported => f.write_str("UNSUBACK reason codes need MQTT 5"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for DecodeError {}
#[cfg(feature = "std")]
impl std::error::Error for EncodeError {}
