//! Every error reads as a short sentence with the facts that matter, never as
//! its `Debug` form (`Refused { reason: NotAuthorized, properties: ... }`).

use core::num::NonZeroU16;

use mqtt_sansio::client::{
    AckError, ConfigError, ConnectionError, DisconnectError, ProtocolViolation, PublishError,
    PublishFailure, ReauthError, RestoreError, SnapshotError, SubscribeError,
};
use mqtt_sansio::codec::{
    ByteStr, DecodeError, EncodeError, PacketType, Properties, QoS, ReasonCode,
};
use mqtt_sansio::topic::TopicError;

/// Not the `Debug` form: no braces, no `Some(`, no enum paths, no CamelCase
/// variant names glued to their fields.
fn assert_sentence(text: &str, debug: &str) {
    assert_ne!(text, debug, "Display is the Debug form");
    for leak in ["{", "}", "Some(", "None", "::", "Properties"] {
        assert!(!text.contains(leak), "{text:?} contains {leak:?}");
    }
    assert!(!text.is_empty() && text.len() < 160, "{text:?}");
    assert!(!text.ends_with('.'), "{text:?}: no trailing period");
}

fn check<E: core::fmt::Display + core::fmt::Debug>(cases: &[(E, &str)]) {
    for (e, expected) in cases {
        let text = e.to_string();
        assert_sentence(&text, &format!("{e:?}"));
        assert_eq!(text, *expected);
    }
}

const ID: NonZeroU16 = match NonZeroU16::new(7) {
    Some(id) => id,
    None => panic!(),
};

#[test]
fn a_refusal_names_the_reason_and_never_says_lost() {
    let refused = ConnectionError::Refused {
        reason: ReasonCode::NotAuthorized,
        properties: Properties::default(),
    };
    assert_eq!(
        refused.to_string(),
        "the broker refused the connection: Not authorized (0x87)"
    );
    let mut properties = Properties::default();
    properties.reason_string = Some(ByteStr::from("bad token"));
    properties.server_reference = Some(ByteStr::from("other:1883"));
    let refused = ConnectionError::Refused {
        reason: ReasonCode::UseAnotherServer,
        properties,
    };
    assert_eq!(
        refused.to_string(),
        "the broker refused the connection: Use another server (0x9C), \"bad token\"; \
         the broker names another server: other:1883"
    );
}

#[test]
fn connection_errors_say_who_ended_what() {
    check(&[
        (
            ConnectionError::ConnectTimeout,
            "no answer to CONNECT within the connect timeout",
        ),
        (
            ConnectionError::KeepAliveTimeout,
            "the broker stopped answering (no PINGRESP in time)",
        ),
        (
            ConnectionError::TransportFailed,
            "could not open a connection to the broker",
        ),
        (
            ConnectionError::TransportClosed,
            "the connection to the broker closed",
        ),
        (
            ConnectionError::Protocol(ProtocolViolation::UnexpectedPubAck { packet_id: ID }),
            "the broker broke the protocol: PUBACK for QoS 2 publish 7",
        ),
        (
            ConnectionError::ServerDisconnect {
                reason: ReasonCode::SessionTakenOver,
                properties: Properties::default(),
            },
            "the broker ended the connection: Session taken over (0x8E)",
        ),
        (
            ConnectionError::Auth(ReasonCode::BadAuthenticationMethod),
            "authentication failed: Bad authentication method (0x8C)",
        ),
    ]);
}

#[test]
fn protocol_violations_name_the_packet_and_the_rule() {
    check(&[
        (
            ProtocolViolation::Malformed(DecodeError::InvalidQoS),
            "malformed packet: PUBLISH with QoS 3",
        ),
        (
            ProtocolViolation::UnexpectedPacket(PacketType::ConnAck),
            "unexpected CONNACK",
        ),
        (
            ProtocolViolation::UnknownPacketId {
                packet: PacketType::SubAck,
                packet_id: ID,
            },
            "SUBACK for packet id 7, which is not in use",
        ),
        (
            ProtocolViolation::AckCountMismatch {
                expected: 2,
                got: 1,
            },
            "1 reason codes in the acknowledgement for 2 filters",
        ),
        (
            ProtocolViolation::InvalidTopicAlias { alias: 17 },
            "invalid topic alias 17",
        ),
        (
            ProtocolViolation::MaximumPacketSizeTooSmall { max: 3 },
            "the broker's Maximum Packet Size (3 bytes) is too small to work with",
        ),
    ]);
}

#[test]
fn configuration_errors_name_the_setting() {
    check(&[
        (
            ConfigError::ClientIdTooLong { len: 30 },
            "the client id has 30 characters; MQTT 3.1 allows at most 23",
        ),
        (
            ConfigError::RequiresV5 {
                field: "session_expiry_interval",
            },
            "session_expiry_interval needs MQTT 5 but the protocol is MQTT 3.x",
        ),
        (
            ConfigError::InvalidWillTopic(TopicError::WildcardInTopicName),
            "invalid will topic: topic name contains a wildcard",
        ),
        (
            ConfigError::ZeroConnectTimeout,
            "connect_timeout must not be zero",
        ),
        (
            ConfigError::PersistentSessionNeedsClientId,
            "a persistent session (clean session off) needs a client id in MQTT 3.1.1; \
             the broker cannot assign one for it",
        ),
    ]);
    check(&[(
        RestoreError::UnsupportedVersion(9),
        "session snapshot format 9 is not supported by this version",
    )]);
    check(&[(
        SnapshotError::Encode(EncodeError::FieldTooLong { len: 70_000 }),
        "a stored packet cannot be encoded: a 70000-byte field is over 65,535 bytes",
    )]);
}

#[test]
fn command_errors_say_what_was_refused_and_why() {
    check(&[
        (
            PublishError::QoSNotSupported {
                requested: QoS::ExactlyOnce,
                maximum: QoS::AtLeastOnce,
            },
            "QoS 2 asked for, but the broker accepts at most QoS 1",
        ),
        (
            PublishError::PacketTooLarge {
                size: 300,
                max: 256,
            },
            "the message is 300 bytes encoded; the broker accepts at most 256",
        ),
        (
            PublishError::InvalidTopic(TopicError::Empty),
            "invalid topic: topic is empty",
        ),
        (
            PublishError::ForbiddenProperty {
                property: "Topic Alias",
            },
            "a client may not set the Topic Alias property",
        ),
    ]);
    check(&[(
        SubscribeError::InvalidFilter {
            index: 1,
            error: TopicError::MultiLevelWildcardNotLast,
        },
        "topic filter 1 is invalid: '#' is not alone in the last level",
    )]);
    check(&[(
        AckError::ManualAcksDisabled,
        "manual acks are off in the options",
    )]);
    check(&[(
        ReauthError::Failed(ReasonCode::NotAuthorized),
        "the authenticator refused to start: Not authorized (0x87)",
    )]);
    check(&[(
        DisconnectError::AlreadyClosed,
        "the client is already disconnected",
    )]);
    check(&[(
        PublishFailure::Expired,
        "the message expired before it was sent",
    )]);
}

#[test]
fn codec_errors_read_as_sentences() {
    check(&[
        (
            DecodeError::PacketTooLarge {
                size: 2000,
                max: 1024,
            },
            "a 2000-byte packet is over the limit of 1024 bytes",
        ),
        (
            DecodeError::InvalidFixedHeaderFlags {
                packet_type: PacketType::PubRel,
                flags: 0,
            },
            "PUBREL with invalid header flags 0b0000",
        ),
        (
            DecodeError::PropertyNotAllowed {
                id: 0x23,
                packet_type: PacketType::Connect,
                in_will: true,
            },
            "property 0x23 is not allowed in CONNECT will properties",
        ),
        (
            DecodeError::UnknownReasonCode {
                code: 0xFF,
                packet_type: PacketType::PubAck,
            },
            "unknown reason code 0xff in PUBACK",
        ),
    ]);
    check(&[
        (
            EncodeError::PacketTooLarge { size: 10, max: 5 },
            "the packet would be 10 bytes, over the limit of 5",
        ),
        (
            EncodeError::PacketNotInVersion(PacketType::Auth),
            "AUTH does not exist in this protocol version",
        ),
    ]);
}

#[test]
fn reason_codes_read_as_the_spec_names_them() {
    for code in ReasonCode::ALL {
        let text = code.to_string();
        assert!(
            text.ends_with(&format!("(0x{:02X})", code.as_u8())),
            "{text}"
        );
    }
    assert_eq!(
        ReasonCode::BadUserNameOrPassword.to_string(),
        "Bad User Name or Password (0x86)"
    );
}

/// With std, every error is a `std::error::Error` (for `?` into `Box<dyn Error>`, anyhow, ...).
#[cfg(feature = "std")]
#[test]
fn with_std_every_error_is_a_std_error() {
    fn is_error<E: std::error::Error>() {}
    is_error::<ConnectionError>();
    is_error::<ProtocolViolation>();
    is_error::<ConfigError>();
    is_error::<RestoreError>();
}
