//! Every malformed-packet class the decoder rejects, and every packet the
//! encoder refuses, each with its own typed error.

use bytes::{Bytes, BytesMut};
use mqtt_sansio::codec::{
    check_frame, decode, decode_packet, encode, Auth, ByteStr, ConnAck, Connect, DecodeError,
    EncodeError, Packet, PacketId, PacketType, Properties, ProtocolVersion, PubResponse, Publish,
    QoS, ReasonCode, RetainHandling, SubAck, Subscribe, SubscribeFilter, SubscriptionOptions,
    UnsubAck, Unsubscribe, Will,
};
use mqtt_sansio::topic::TopicError;
use ProtocolVersion::{V3_1, V3_1_1, V5};

#[track_caller]
fn err(v: ProtocolVersion, bytes: &[u8]) -> DecodeError {
    let e = match decode_packet(Bytes::copy_from_slice(bytes), v) {
        Ok(p) => panic!("decoded {p:?}"),
        Err(e) => e,
    };
    // The borrowed decoder refuses the same bytes with the same error.
    assert_eq!(
        mqtt_sansio::codec::decode_packet_ref(bytes, v),
        Err(e),
        "borrowed decoding {v:?}"
    );
    e
}

/// A v5 packet: first byte, variable header before the properties, the
/// property bytes (length prefix added), and the rest.
fn v5(first: u8, head: &[u8], props: &[u8], tail: &[u8]) -> Vec<u8> {
    let rl = head.len() + 1 + props.len() + tail.len();
    assert!(rl < 128 && props.len() < 128);
    let mut b = vec![first, rl as u8];
    b.extend_from_slice(head);
    b.push(props.len() as u8);
    b.extend_from_slice(props);
    b.extend_from_slice(tail);
    b
}

/// A v5 PUBLISH QoS 0 to "t" with these property bytes and no payload.
fn publish5(props: &[u8]) -> Vec<u8> {
    v5(0x30, &[0, 1, b't'], props, &[])
}

/// A v5 CONNACK (success) with these property bytes.
fn connack5(props: &[u8]) -> Vec<u8> {
    v5(0x20, &[0, 0], props, &[])
}

/// A v5 CONNECT (client id "c") with these property bytes.
fn connect5(props: &[u8]) -> Vec<u8> {
    v5(
        0x10,
        &[0, 4, b'M', b'Q', b'T', b'T', 5, 0x02, 0, 0],
        props,
        &[0, 1, b'c'],
    )
}

fn connect311(flags: u8, payload: &[u8]) -> Vec<u8> {
    let mut b = vec![
        0x10,
        (10 + payload.len()) as u8,
        0,
        4,
        b'M',
        b'Q',
        b'T',
        b'T',
        4,
        flags,
        0,
        0,
    ];
    b.extend_from_slice(payload);
    b
}

// ------------------------------------------------------------ fixed header

#[test]
fn packet_type_0_is_reserved() {
    assert_eq!(err(V3_1_1, &[0x00, 0x00]), DecodeError::ReservedPacketType);
    assert_eq!(err(V5, &[0x00, 0x00]), DecodeError::ReservedPacketType);
}

#[test]
fn reserved_fixed_header_flags_are_rejected() {
    // [MQTT-2.2.2-1] / v5 [MQTT-2.1.3-1]
    assert_eq!(
        err(V3_1_1, &[0x41, 2, 0, 1]),
        DecodeError::InvalidFixedHeaderFlags {
            packet_type: PacketType::PubAck,
            flags: 1
        }
    );
    assert_eq!(
        err(V5, &[0xC8, 0]),
        DecodeError::InvalidFixedHeaderFlags {
            packet_type: PacketType::PingReq,
            flags: 8
        }
    );
}

#[test]
fn pubrel_subscribe_unsubscribe_need_flags_0010() {
    assert_eq!(
        err(V3_1_1, &[0x60, 2, 0, 1]),
        DecodeError::InvalidFixedHeaderFlags {
            packet_type: PacketType::PubRel,
            flags: 0
        }
    );
    assert_eq!(
        err(V3_1_1, &[0x80, 6, 0, 1, 0, 1, b'a', 0]),
        DecodeError::InvalidFixedHeaderFlags {
            packet_type: PacketType::Subscribe,
            flags: 0
        }
    );
    assert_eq!(
        err(V5, &[0xA0, 6, 0, 1, 0, 0, 1, b'a']),
        DecodeError::InvalidFixedHeaderFlags {
            packet_type: PacketType::Unsubscribe,
            flags: 0
        }
    );
}

#[test]
fn mqtt_3_1_accepts_dup_on_a_resent_pubrel_but_3_1_1_does_not() {
    assert!(decode_packet(Bytes::from_static(&[0x6A, 2, 0, 1]), V3_1).is_ok());
    assert_eq!(
        err(V3_1_1, &[0x6A, 2, 0, 1]),
        DecodeError::InvalidFixedHeaderFlags {
            packet_type: PacketType::PubRel,
            flags: 0x0A
        }
    );
}

#[test]
fn remaining_length_longer_than_four_bytes_is_rejected() {
    let bytes = [0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01];
    assert_eq!(
        check_frame(&bytes, usize::MAX),
        Err(DecodeError::RemainingLengthTooLong)
    );
    assert_eq!(err(V3_1_1, &bytes), DecodeError::RemainingLengthTooLong);
}

#[test]
fn non_minimal_remaining_length_is_rejected_in_mqtt_5_only() {
    // [MQTT-1.5.5-1]: 0x80 0x00 encodes 0 in two bytes.
    assert_eq!(
        err(V5, &[0xC0, 0x80, 0x00]),
        DecodeError::NonMinimalVariableByteInteger
    );
    assert_eq!(
        decode_packet(Bytes::from_static(&[0xC0, 0x80, 0x00]), V3_1_1),
        Ok(Packet::PingReq)
    );
}

#[test]
fn non_minimal_property_length_is_rejected() {
    let mut b = vec![0x30, 6, 0, 1, b't', 0x80, 0x00, b'p'];
    assert_eq!(err(V5, &b), DecodeError::NonMinimalVariableByteInteger);
    b[5] = 0x00; // sanity: the minimal form decodes
    b.remove(6);
    b[1] = 5;
    assert!(decode_packet(Bytes::from(b), V5).is_ok());
}

#[test]
fn packet_larger_than_the_maximum_is_rejected_from_the_fixed_header() {
    // A PUBLISH announcing 200 bytes; only its first 3 bytes have arrived.
    let head = [0x30, 0xC8, 0x01];
    assert_eq!(
        check_frame(&head, 100),
        Err(DecodeError::PacketTooLarge {
            size: 203,
            max: 100
        })
    );
    let mut buf = BytesMut::from(&head[..]);
    assert_eq!(
        decode(&mut buf, V3_1_1, 100),
        Err(DecodeError::PacketTooLarge {
            size: 203,
            max: 100
        })
    );
}

#[test]
fn frame_not_exactly_one_packet_is_rejected() {
    assert_eq!(
        err(V3_1_1, &[0xC0, 0x00, 0x00]),
        DecodeError::FrameLengthMismatch {
            declared: 2,
            actual: 3
        }
    );
    assert_eq!(
        err(V3_1_1, &[0x40, 0x02, 0x00]),
        DecodeError::FrameLengthMismatch {
            declared: 4,
            actual: 3
        }
    );
}

#[test]
fn trailing_bytes_after_the_last_field_are_rejected() {
    assert_eq!(
        err(V3_1_1, &[0xC0, 1, 0]),
        DecodeError::TrailingBytes { count: 1 }
    );
    assert_eq!(
        err(V3_1_1, &[0x40, 3, 0, 1, 0]),
        DecodeError::TrailingBytes { count: 1 }
    );
    assert_eq!(
        err(V3_1_1, &[0xE0, 1, 0]),
        DecodeError::TrailingBytes { count: 1 }
    );
    assert_eq!(
        err(V3_1_1, &[0x20, 3, 0, 0, 0]),
        DecodeError::TrailingBytes { count: 1 }
    );
}

#[test]
fn a_length_crossing_the_packet_end_is_rejected() {
    // Topic length 5 in a 4-byte body.
    assert_eq!(
        err(V3_1_1, &[0x30, 4, 0, 5, b'a', b'b']),
        DecodeError::FieldCrossesPacketEnd
    );
    // Property length 9 with 1 byte left.
    assert_eq!(
        err(V5, &[0x30, 5, 0, 1, b't', 9, 1]),
        DecodeError::FieldCrossesPacketEnd
    );
    // A string inside the property block crossing the block's end.
    assert_eq!(
        err(V5, &publish5(&[0x03, 0, 9, b'x'])),
        DecodeError::FieldCrossesPacketEnd
    );
    // PUBACK cut after one byte of its packet id.
    assert_eq!(
        err(V3_1_1, &[0x40, 1, 0]),
        DecodeError::FieldCrossesPacketEnd
    );
}

// ---------------------------------------------------------------- PUBLISH

#[test]
fn publish_qos_3_is_rejected() {
    // [MQTT-3.3.1-4]
    assert_eq!(
        err(V3_1_1, &[0x36, 5, 0, 1, b't', 0, 1]),
        DecodeError::InvalidQoS
    );
}

#[test]
fn publish_dup_on_qos_0_is_rejected() {
    // [MQTT-3.3.1-2]
    assert_eq!(err(V3_1_1, &[0x38, 3, 0, 1, b't']), DecodeError::DupOnQoS0);
}

#[test]
fn invalid_utf8_is_rejected() {
    // [MQTT-1.5.3-1]
    assert_eq!(
        err(V3_1_1, &[0x30, 3, 0, 1, 0xFF]),
        DecodeError::InvalidUtf8
    );
}

#[test]
fn utf16_surrogates_encoded_in_utf8_are_rejected() {
    // U+D800 as ED A0 80 [MQTT-1.5.3-1].
    assert_eq!(
        err(V3_1_1, &[0x30, 5, 0, 3, 0xED, 0xA0, 0x80]),
        DecodeError::InvalidUtf8
    );
}

#[test]
fn null_character_is_rejected_in_every_string() {
    // [MQTT-1.5.3-2]: a topic, a client id, a user property.
    assert_eq!(
        err(V3_1_1, &[0x30, 4, 0, 2, b'a', 0]),
        DecodeError::NullCharacter
    );
    assert_eq!(
        err(V3_1_1, &connect311(0x02, &[0, 2, b'c', 0])),
        DecodeError::NullCharacter
    );
    assert_eq!(
        err(V5, &publish5(&[0x26, 0, 1, 0, 0, 1, b'v'])),
        DecodeError::NullCharacter
    );
}

#[test]
fn wildcards_in_a_topic_name_are_rejected() {
    // [MQTT-3.3.2-2]
    assert_eq!(
        err(V3_1_1, &[0x30, 5, 0, 3, b'a', b'/', b'+']),
        DecodeError::WildcardInTopicName
    );
    assert_eq!(
        err(V5, &[0x30, 4, 0, 1, b'#', 0]),
        DecodeError::WildcardInTopicName
    );
}

#[test]
fn empty_topic_is_rejected_in_3_x() {
    // [MQTT-4.7.3-1]
    assert_eq!(err(V3_1_1, &[0x30, 2, 0, 0]), DecodeError::EmptyTopicName);
}

#[test]
fn empty_topic_without_topic_alias_is_rejected_in_5() {
    assert_eq!(
        err(V5, &[0x30, 3, 0, 0, 0]),
        DecodeError::EmptyTopicWithoutAlias
    );
}

#[test]
fn zero_packet_identifiers_are_rejected() {
    // [MQTT-2.3.1-1]
    assert_eq!(
        err(V3_1_1, &[0x32, 5, 0, 1, b't', 0, 0]),
        DecodeError::ZeroPacketId
    );
    assert_eq!(err(V3_1_1, &[0x40, 2, 0, 0]), DecodeError::ZeroPacketId);
    assert_eq!(
        err(V3_1_1, &[0x82, 6, 0, 0, 0, 1, b'a', 0]),
        DecodeError::ZeroPacketId
    );
}

// -------------------------------------------------------- SUBSCRIBE family

#[test]
fn subscribe_without_filters_is_rejected() {
    // [MQTT-3.8.3-3] / v5 [MQTT-3.8.3-2]
    assert_eq!(err(V3_1_1, &[0x82, 2, 0, 1]), DecodeError::EmptySubscribe);
    assert_eq!(err(V5, &[0x82, 3, 0, 1, 0]), DecodeError::EmptySubscribe);
}

#[test]
fn unsubscribe_without_filters_is_rejected() {
    // [MQTT-3.10.3-2]
    assert_eq!(err(V3_1_1, &[0xA2, 2, 0, 1]), DecodeError::EmptyUnsubscribe);
    assert_eq!(err(V5, &[0xA2, 3, 0, 1, 0]), DecodeError::EmptyUnsubscribe);
}

#[test]
fn subscription_options_reserved_bits_are_rejected() {
    // 3.1.1 [MQTT-3-8.3-4]: bits 2..7 reserved; v5 [MQTT-3.8.3-5]: bits 6..7.
    assert_eq!(
        err(V3_1_1, &[0x82, 6, 0, 1, 0, 1, b'a', 0x04]),
        DecodeError::SubscriptionOptionsReservedBits { options: 0x04 }
    );
    assert_eq!(
        err(V5, &[0x82, 7, 0, 1, 0, 0, 1, b'a', 0x40]),
        DecodeError::SubscriptionOptionsReservedBits { options: 0x40 }
    );
}

#[test]
fn subscription_qos_3_is_rejected() {
    assert_eq!(
        err(V3_1_1, &[0x82, 6, 0, 1, 0, 1, b'a', 0x03]),
        DecodeError::InvalidSubscriptionQoS
    );
}

#[test]
fn retain_handling_3_is_rejected() {
    assert_eq!(
        err(V5, &[0x82, 7, 0, 1, 0, 0, 1, b'a', 0x30]),
        DecodeError::InvalidRetainHandling
    );
}

#[test]
fn no_local_on_a_shared_subscription_is_rejected() {
    // v5 [MQTT-3.8.3-4]
    let mut b = vec![0x82, 15, 0, 1, 0, 0, 9];
    b.extend_from_slice(b"$share/g/");
    assert_eq!(b.len(), 16);
    b[6] = 10;
    b.extend_from_slice(b"t");
    b.push(0x04);
    b[1] = (b.len() - 2) as u8;
    assert_eq!(err(V5, &b), DecodeError::NoLocalOnSharedSubscription);
}

#[test]
fn invalid_topic_filters_are_rejected() {
    assert_eq!(
        err(
            V3_1_1,
            &[0x82, 10, 0, 1, 0, 5, b'a', b'/', b'#', b'/', b'b', 0]
        ),
        DecodeError::InvalidTopicFilter(TopicError::MultiLevelWildcardNotLast)
    );
    assert_eq!(
        err(V3_1_1, &[0xA2, 6, 0, 1, 0, 2, b'a', b'+']),
        DecodeError::InvalidTopicFilter(TopicError::SingleLevelWildcardNotWholeLevel)
    );
    assert_eq!(
        err(V3_1_1, &[0xA2, 4, 0, 1, 0, 0]),
        DecodeError::InvalidTopicFilter(TopicError::Empty)
    );
}

// ------------------------------------------------------------- properties

#[test]
fn duplicate_properties_are_rejected() {
    // Message Expiry Interval twice.
    assert_eq!(
        err(V5, &publish5(&[0x02, 0, 0, 0, 1, 0x02, 0, 0, 0, 2])),
        DecodeError::DuplicateProperty { id: 0x02 }
    );
    // Receive Maximum twice in CONNACK.
    assert_eq!(
        err(V5, &connack5(&[0x21, 0, 1, 0x21, 0, 2])),
        DecodeError::DuplicateProperty { id: 0x21 }
    );
    // Two Subscription Identifiers in SUBSCRIBE.
    assert_eq!(
        err(
            V5,
            &v5(0x82, &[0, 1], &[0x0B, 1, 0x0B, 2], &[0, 1, b'a', 0])
        ),
        DecodeError::DuplicateProperty { id: 0x0B }
    );
}

#[test]
fn repeated_user_properties_and_publish_subscription_identifiers_are_allowed() {
    let b = publish5(&[0x0B, 1, 0x0B, 2, 0x26, 0, 0, 0, 0, 0x26, 0, 0, 0, 0]);
    let Ok(Packet::Publish(p)) = decode_packet(Bytes::from(b), V5) else {
        panic!()
    };
    assert_eq!(p.properties.subscription_identifiers, vec![1, 2]);
    assert_eq!(p.properties.user_properties.len(), 2);
}

#[test]
fn properties_not_allowed_in_the_packet_type_are_rejected() {
    // Session Expiry Interval in PUBLISH.
    assert_eq!(
        err(V5, &publish5(&[0x11, 0, 0, 0, 1])),
        DecodeError::PropertyNotAllowed {
            id: 0x11,
            packet_type: PacketType::Publish,
            in_will: false
        }
    );
    // Topic Alias in CONNECT.
    assert_eq!(
        err(V5, &connect5(&[0x23, 0, 1])),
        DecodeError::PropertyNotAllowed {
            id: 0x23,
            packet_type: PacketType::Connect,
            in_will: false
        }
    );
    // Reason String in PUBLISH.
    assert_eq!(
        err(V5, &publish5(&[0x1F, 0, 0])),
        DecodeError::PropertyNotAllowed {
            id: 0x1F,
            packet_type: PacketType::Publish,
            in_will: false
        }
    );
}

#[test]
fn will_properties_are_checked_as_will_properties() {
    // Will flag, will properties with a Topic Alias (only PUBLISH may carry one).
    let mut b = vec![0, 4, b'M', b'Q', b'T', b'T', 5, 0x06, 0, 0, 0, 0, 1, b'c'];
    b.extend_from_slice(&[3, 0x23, 0, 1, 0, 1, b't', 0, 0]);
    let mut frame = vec![0x10, b.len() as u8];
    frame.extend_from_slice(&b);
    assert_eq!(
        err(V5, &frame),
        DecodeError::PropertyNotAllowed {
            id: 0x23,
            packet_type: PacketType::Connect,
            in_will: true
        }
    );
}

#[test]
fn unknown_property_identifiers_are_rejected() {
    assert_eq!(
        err(V5, &publish5(&[0x05, 0])),
        DecodeError::UnknownProperty { id: 0x05 }
    );
    assert_eq!(
        err(V5, &publish5(&[0x80, 0x01])),
        DecodeError::UnknownProperty { id: 0x80 }
    );
}

#[test]
fn forbidden_property_values_are_rejected() {
    let bad = |id| DecodeError::InvalidPropertyValue { id };
    assert_eq!(err(V5, &connect5(&[0x21, 0, 0])), bad(0x21)); // Receive Maximum 0
    assert_eq!(err(V5, &publish5(&[0x23, 0, 0])), bad(0x23)); // Topic Alias 0
    assert_eq!(err(V5, &publish5(&[0x0B, 0])), bad(0x0B)); // Subscription Identifier 0
    assert_eq!(err(V5, &connack5(&[0x27, 0, 0, 0, 0])), bad(0x27)); // Maximum Packet Size 0
    assert_eq!(err(V5, &publish5(&[0x01, 2])), bad(0x01)); // Payload Format 2
    assert_eq!(err(V5, &connack5(&[0x24, 2])), bad(0x24)); // Maximum QoS 2
    assert_eq!(err(V5, &connack5(&[0x25, 7])), bad(0x25)); // Retain Available 7
    assert_eq!(err(V5, &connect5(&[0x17, 2])), bad(0x17)); // Request Problem Information 2
    assert_eq!(err(V5, &connect5(&[0x19, 2])), bad(0x19)); // Request Response Information 2
                                                           // Response Topic with a wildcard [MQTT-3.3.2-14].
    assert_eq!(err(V5, &publish5(&[0x08, 0, 1, b'#'])), bad(0x08));
}

// ------------------------------------------------------------ reason codes

#[test]
fn undefined_reason_codes_are_rejected() {
    assert_eq!(
        err(V5, &[0x40, 3, 0, 1, 0x05]),
        DecodeError::UnknownReasonCode {
            code: 0x05,
            packet_type: PacketType::PubAck
        }
    );
    assert_eq!(
        err(V5, &[0x90, 4, 0, 1, 0, 0x03]),
        DecodeError::UnknownReasonCode {
            code: 0x03,
            packet_type: PacketType::SubAck
        }
    );
}

#[test]
fn reason_codes_not_allowed_for_the_packet_type_are_rejected() {
    let na = |code, packet_type| DecodeError::ReasonCodeNotAllowed { code, packet_type };
    // Session taken over is a DISCONNECT code, not a PUBACK one.
    assert_eq!(
        err(V5, &[0x40, 3, 0, 1, 0x8E]),
        na(0x8E, PacketType::PubAck)
    );
    assert_eq!(err(V5, &[0xF0, 1, 0x80]), na(0x80, PacketType::Auth));
    assert_eq!(
        err(V5, &[0x20, 3, 0, 0x04, 0]),
        na(0x04, PacketType::ConnAck)
    );
    assert_eq!(
        err(V5, &[0xB0, 4, 0, 1, 0, 0x01]),
        na(0x01, PacketType::UnsubAck)
    );
    assert_eq!(
        err(V5, &[0x62, 3, 0, 1, 0x10]),
        na(0x10, PacketType::PubRel)
    );
    // 3.x: CONNACK return codes stop at 5, SUBACK has 0, 1, 2 and 0x80.
    assert_eq!(err(V3_1_1, &[0x20, 2, 0, 6]), na(6, PacketType::ConnAck));
    assert_eq!(
        err(V3_1_1, &[0x90, 3, 0, 1, 0x03]),
        na(3, PacketType::SubAck)
    );
    assert_eq!(
        err(V3_1_1, &[0x90, 3, 0, 1, 0x87]),
        na(0x87, PacketType::SubAck)
    );
}

// ---------------------------------------------------------------- CONNECT

#[test]
fn invalid_protocol_name_is_rejected() {
    // [MQTT-3.1.2-1]
    let b = [0x10, 12, 0, 4, b'M', b'Q', b'T', b'X', 4, 2, 0, 0, 0, 0];
    assert_eq!(err(V3_1_1, &b), DecodeError::InvalidProtocolName);
}

#[test]
fn unsupported_protocol_levels_are_rejected() {
    // [MQTT-3.1.2-2]: "MQTT" with level 3 or 6, "MQIsdp" with level 4.
    for level in [3u8, 6] {
        let b = [0x10, 12, 0, 4, b'M', b'Q', b'T', b'T', level, 2, 0, 0, 0, 0];
        assert_eq!(
            err(V3_1_1, &b),
            DecodeError::UnsupportedProtocolLevel { level }
        );
    }
    let b = [
        0x10, 14, 0, 6, b'M', b'Q', b'I', b's', b'd', b'p', 4, 2, 0, 0, 0, 0,
    ];
    assert_eq!(
        err(V3_1, &b),
        DecodeError::UnsupportedProtocolLevel { level: 4 }
    );
}

#[test]
fn connect_reserved_flag_is_rejected() {
    // [MQTT-3.1.2-3]
    assert_eq!(
        err(V3_1_1, &connect311(0x03, &[0, 0])),
        DecodeError::ConnectReservedFlag
    );
}

#[test]
fn will_qos_or_retain_without_a_will_is_rejected() {
    // [MQTT-3.1.2-13] [MQTT-3.1.2-15]
    assert_eq!(
        err(V3_1_1, &connect311(0x08 | 0x02, &[0, 0])),
        DecodeError::WillFlagsWithoutWill
    );
    assert_eq!(
        err(V3_1_1, &connect311(0x20 | 0x02, &[0, 0])),
        DecodeError::WillFlagsWithoutWill
    );
}

#[test]
fn will_qos_3_is_rejected() {
    // [MQTT-3.1.2-14]
    assert_eq!(
        err(
            V3_1_1,
            &connect311(0x18 | 0x04 | 0x02, &[0, 0, 0, 1, b't', 0, 0])
        ),
        DecodeError::InvalidWillQoS
    );
}

#[test]
fn will_topic_must_be_a_topic_name() {
    assert_eq!(
        err(V3_1_1, &connect311(0x06, &[0, 0, 0, 1, b'+', 0, 0])),
        DecodeError::WildcardInTopicName
    );
    assert_eq!(
        err(V3_1_1, &connect311(0x06, &[0, 0, 0, 0, 0, 0])),
        DecodeError::EmptyTopicName
    );
}

#[test]
fn password_without_user_name_is_rejected_before_mqtt_5() {
    // [MQTT-3.1.2-22]
    assert_eq!(
        err(V3_1_1, &connect311(0x42, &[0, 0, 0, 1, 7])),
        DecodeError::PasswordWithoutUsername
    );
}

#[test]
fn connect_fields_missing_from_the_payload_are_rejected() {
    // User Name flag set, no user name in the payload.
    assert_eq!(
        err(V3_1_1, &connect311(0x82, &[0, 0])),
        DecodeError::FieldCrossesPacketEnd
    );
}

// ---------------------------------------------------------------- CONNACK, AUTH

#[test]
fn connack_reserved_flags_are_rejected() {
    assert_eq!(
        err(V3_1_1, &[0x20, 2, 0x02, 0]),
        DecodeError::ConnAckReservedFlags
    );
}

#[test]
fn connack_session_present_with_a_failure_is_rejected() {
    // [MQTT-3.2.2-4] / v5 [MQTT-3.2.2-6]
    assert_eq!(
        err(V3_1_1, &[0x20, 2, 0x01, 5]),
        DecodeError::SessionPresentOnFailure
    );
    assert_eq!(
        err(V5, &[0x20, 3, 0x01, 0x87, 0]),
        DecodeError::SessionPresentOnFailure
    );
}

#[test]
fn auth_before_mqtt_5_is_rejected() {
    assert_eq!(
        err(V3_1_1, &[0xF0, 0]),
        DecodeError::UnexpectedPacket(PacketType::Auth)
    );
}

// ======================================================= encoder refusals

fn pid(v: u16) -> PacketId {
    PacketId::new(v).expect("non-zero")
}

fn publish(topic: &'static str) -> Publish {
    Publish {
        dup: false,
        qos: QoS::AtMostOnce,
        retain: false,
        topic: ByteStr::from_static(topic),
        packet_id: None,
        properties: Properties::EMPTY,
        payload: Bytes::from_static(b"x"),
    }
}

/// Encoding fails with `expected` and appends nothing.
#[track_caller]
fn refused(p: Packet, v: ProtocolVersion, expected: EncodeError) {
    let mut out = BytesMut::from(&b"keep"[..]);
    assert_eq!(encode(&p, v, usize::MAX, &mut out), Err(expected));
    assert_eq!(&out[..], b"keep");
}

#[test]
fn encode_refuses_strings_over_65535_bytes() {
    let long = ByteStr::from("a".repeat(65_536));
    let mut p = publish("t");
    p.topic = long;
    refused(
        Packet::Publish(p),
        V3_1_1,
        EncodeError::InvalidTopicName(TopicError::TooLong { len: 65_536 }),
    );
    let mut c = connect(V3_1_1);
    c.client_id = ByteStr::from("c".repeat(70_000));
    refused(
        Packet::Connect(c.into()),
        V3_1_1,
        EncodeError::FieldTooLong { len: 70_000 },
    );
    let mut c = connect(V5);
    c.password = Some(Bytes::from(vec![0u8; 65_536]));
    refused(
        Packet::Connect(c.into()),
        V5,
        EncodeError::FieldTooLong { len: 65_536 },
    );
}

#[test]
fn encode_refuses_a_packet_over_the_maximum_size() {
    let mut out = BytesMut::new();
    let p = Packet::Publish(publish("t"));
    // 2 (fixed header) + 3 (topic) + 1 (payload) = 6.
    assert_eq!(
        encode(&p, V3_1_1, 5, &mut out),
        Err(EncodeError::PacketTooLarge { size: 6, max: 5 })
    );
    assert!(out.is_empty());
    assert_eq!(encode(&p, V3_1_1, 6, &mut out), Ok(6));
}

#[test]
fn encode_refuses_properties_before_mqtt_5() {
    let mut p = publish("t");
    p.properties.message_expiry_interval = Some(1);
    refused(
        Packet::Publish(p),
        V3_1_1,
        EncodeError::PropertiesNotSupported,
    );
}

#[test]
fn encode_refuses_properties_the_packet_type_may_not_carry() {
    let mut p = publish("t");
    p.properties.session_expiry_interval = Some(1);
    refused(
        Packet::Publish(p),
        V5,
        EncodeError::PropertyNotAllowed {
            id: 0x11,
            packet_type: PacketType::Publish,
            in_will: false,
        },
    );
    let mut c = connect(V5);
    let mut w = will();
    w.properties.topic_alias = Some(3);
    c.will = Some(w);
    refused(
        Packet::Connect(c.into()),
        V5,
        EncodeError::PropertyNotAllowed {
            id: 0x23,
            packet_type: PacketType::Connect,
            in_will: true,
        },
    );
}

#[test]
fn encode_refuses_forbidden_property_values() {
    let mut c = connect(V5);
    c.properties.receive_maximum = Some(0);
    refused(
        Packet::Connect(c.into()),
        V5,
        EncodeError::InvalidPropertyValue { id: 0x21 },
    );
    let mut p = publish("t");
    p.properties.subscription_identifiers.push(268_435_456);
    refused(
        Packet::Publish(p),
        V5,
        EncodeError::InvalidPropertyValue { id: 0x0B },
    );
    let mut p = publish("t");
    p.properties.payload_format_indicator = Some(2);
    refused(
        Packet::Publish(p),
        V5,
        EncodeError::InvalidPropertyValue { id: 0x01 },
    );
}

#[test]
fn encode_refuses_two_subscription_identifiers_in_subscribe() {
    let mut s = subscribe("a");
    s.properties.subscription_identifiers = vec![1, 2];
    refused(
        Packet::Subscribe(s),
        V5,
        EncodeError::DuplicateProperty { id: 0x0B },
    );
}

#[test]
fn encode_refuses_the_null_character() {
    let mut c = connect(V3_1_1);
    c.client_id = ByteStr::from(String::from("a\0b"));
    refused(
        Packet::Connect(c.into()),
        V3_1_1,
        EncodeError::NullCharacter,
    );
}

#[test]
fn encode_refuses_invalid_topic_names() {
    refused(
        Packet::Publish(publish("a/#")),
        V3_1_1,
        EncodeError::InvalidTopicName(TopicError::WildcardInTopicName),
    );
    refused(
        Packet::Publish(publish("")),
        V3_1_1,
        EncodeError::InvalidTopicName(TopicError::Empty),
    );
    // MQTT 5: an empty topic needs a Topic Alias.
    refused(
        Packet::Publish(publish("")),
        V5,
        EncodeError::InvalidTopicName(TopicError::Empty),
    );
    let mut p = publish("");
    p.properties.topic_alias = Some(1);
    assert!(encode(&Packet::Publish(p), V5, usize::MAX, &mut BytesMut::new()).is_ok());
}

#[test]
fn encode_refuses_a_packet_id_that_does_not_match_the_qos() {
    let mut p = publish("t");
    p.packet_id = Some(pid(1));
    refused(Packet::Publish(p), V3_1_1, EncodeError::PacketIdMismatch);
    let mut p = publish("t");
    p.qos = QoS::AtLeastOnce;
    refused(Packet::Publish(p), V3_1_1, EncodeError::PacketIdMismatch);
}

#[test]
fn encode_refuses_dup_on_qos_0() {
    let mut p = publish("t");
    p.dup = true;
    refused(Packet::Publish(p), V5, EncodeError::DupOnQoS0);
}

#[test]
fn encode_refuses_auth_before_mqtt_5() {
    let a = Packet::Auth(Auth {
        reason: ReasonCode::Success,
        properties: Properties::EMPTY,
    });
    refused(a, V3_1_1, EncodeError::PacketNotInVersion(PacketType::Auth));
}

fn subscribe(filter: &'static str) -> Subscribe {
    Subscribe {
        packet_id: pid(1),
        filters: vec![SubscribeFilter {
            filter: ByteStr::from_static(filter),
            options: SubscriptionOptions::new(QoS::AtLeastOnce),
        }],
        properties: Properties::EMPTY,
    }
}

#[test]
fn encode_refuses_empty_subscribe_and_unsubscribe() {
    let mut s = subscribe("a");
    s.filters.clear();
    refused(Packet::Subscribe(s), V3_1_1, EncodeError::EmptySubscribe);
    let u = Unsubscribe {
        packet_id: pid(1),
        filters: vec![],
        properties: Properties::EMPTY,
    };
    refused(Packet::Unsubscribe(u), V5, EncodeError::EmptyUnsubscribe);
}

#[test]
fn encode_refuses_invalid_topic_filters() {
    refused(
        Packet::Subscribe(subscribe("a/#/b")),
        V3_1_1,
        EncodeError::InvalidTopicFilter(TopicError::MultiLevelWildcardNotLast),
    );
    refused(
        Packet::Subscribe(subscribe("$share/g")),
        V5,
        EncodeError::InvalidTopicFilter(TopicError::SharedSubscriptionMissingFilter),
    );
}

#[test]
fn encode_refuses_no_local_on_a_shared_subscription() {
    let mut s = subscribe("$share/g/t");
    s.filters[0].options.no_local = true;
    refused(
        Packet::Subscribe(s),
        V5,
        EncodeError::NoLocalOnSharedSubscription,
    );
}

#[test]
fn encode_refuses_mqtt_5_subscription_options_on_3_x() {
    let mut s = subscribe("t");
    s.filters[0].options.retain_handling = RetainHandling::DoNotSend;
    refused(
        Packet::Subscribe(s),
        V3_1_1,
        EncodeError::SubscriptionOptionsNotSupported,
    );
}

fn connect(protocol: ProtocolVersion) -> Connect {
    Connect {
        protocol,
        clean_start: true,
        keep_alive: 0,
        client_id: ByteStr::from_static("c"),
        will: None,
        username: None,
        password: None,
        properties: Properties::EMPTY,
    }
}

fn will() -> Will {
    Will {
        topic: ByteStr::from_static("w"),
        payload: Bytes::new(),
        qos: QoS::AtMostOnce,
        retain: false,
        properties: Properties::EMPTY,
    }
}

#[test]
fn encode_refuses_a_password_without_user_name_before_mqtt_5() {
    let mut c = connect(V3_1_1);
    c.password = Some(Bytes::from_static(b"p"));
    refused(
        Packet::Connect(c.into()),
        V3_1_1,
        EncodeError::PasswordWithoutUsername,
    );
}

#[test]
fn encode_refuses_an_invalid_will_topic() {
    let mut c = connect(V3_1_1);
    let mut w = will();
    w.topic = ByteStr::from_static("w/+");
    c.will = Some(w);
    refused(
        Packet::Connect(c.into()),
        V3_1_1,
        EncodeError::InvalidTopicName(TopicError::WildcardInTopicName),
    );
}

#[test]
fn encode_refuses_reason_codes_the_packet_may_not_carry() {
    let na = |code, packet_type| EncodeError::ReasonCodeNotAllowed { code, packet_type };
    let ack = |reason| PubResponse {
        packet_id: pid(1),
        reason,
        properties: Properties::EMPTY,
    };
    refused(
        Packet::PubAck(ack(ReasonCode::SessionTakenOver)),
        V5,
        na(0x8E, PacketType::PubAck),
    );
    // 3.x acknowledgements carry no reason code at all.
    refused(
        Packet::PubAck(ack(ReasonCode::UnspecifiedError)),
        V3_1_1,
        na(0x80, PacketType::PubAck),
    );
    // 3.x CONNACK has return codes 0..5 only.
    refused(
        Packet::ConnAck(ConnAck {
            session_present: false,
            code: ReasonCode::Banned,
            properties: Properties::EMPTY,
        }),
        V3_1_1,
        na(0x8A, PacketType::ConnAck),
    );
    refused(
        Packet::SubAck(SubAck {
            packet_id: pid(1),
            codes: vec![ReasonCode::QuotaExceeded],
            properties: Properties::EMPTY,
        }),
        V3_1_1,
        na(0x97, PacketType::SubAck),
    );
}

#[test]
fn encode_refuses_session_present_with_a_failure() {
    refused(
        Packet::ConnAck(ConnAck {
            session_present: true,
            code: ReasonCode::NotAuthorized,
            properties: Properties::EMPTY,
        }),
        V5,
        EncodeError::SessionPresentOnFailure,
    );
}

#[test]
fn encode_refuses_unsuback_reason_codes_before_mqtt_5() {
    refused(
        Packet::UnsubAck(UnsubAck {
            packet_id: pid(1),
            codes: vec![ReasonCode::Success],
            properties: Properties::EMPTY,
        }),
        V3_1_1,
        EncodeError::ReasonCodesNotSupported,
    );
}

#[test]
fn a_frame_cut_inside_its_fixed_header_says_how_long_it_claims_to_be() {
    // One byte: the header needs at least one more.
    assert_eq!(
        err(V3_1_1, &[0x30]),
        DecodeError::FrameLengthMismatch {
            declared: 2,
            actual: 1
        }
    );
    // A Remaining Length that continues: at least one more byte.
    assert_eq!(
        err(V3_1_1, &[0x30, 0x80, 0x80]),
        DecodeError::FrameLengthMismatch {
            declared: 4,
            actual: 3
        }
    );
}

#[test]
fn a_bad_first_byte_is_refused_before_the_rest_of_the_packet_arrives() {
    // Each header claims 100 bytes that have not come: the streaming decoders
    // refuse what the first byte alone rules out, instead of waiting for them.
    let cases: [(ProtocolVersion, u8, DecodeError); 6] = [
        (V3_1_1, 0x00, DecodeError::ReservedPacketType),
        (V3_1_1, 0x36, DecodeError::InvalidQoS),
        (V3_1_1, 0x38, DecodeError::DupOnQoS0),
        (
            V3_1_1,
            0x41,
            DecodeError::InvalidFixedHeaderFlags {
                packet_type: PacketType::PubAck,
                flags: 1,
            },
        ),
        (
            V3_1_1,
            0x6A,
            DecodeError::InvalidFixedHeaderFlags {
                packet_type: PacketType::PubRel,
                flags: 0b1010,
            },
        ),
        (
            V5,
            0x80,
            DecodeError::InvalidFixedHeaderFlags {
                packet_type: PacketType::Subscribe,
                flags: 0,
            },
        ),
    ];
    for (v, first, expected) in cases {
        let partial = [first, 100, 0, 1];
        assert_eq!(
            mqtt_sansio::codec::decode_ref(&partial, v, 1 << 20).err(),
            Some(expected),
            "decode_ref {first:#04x}"
        );
        assert_eq!(
            decode(&mut BytesMut::from(&partial[..]), v, 1 << 20).err(),
            Some(expected),
            "decode {first:#04x}"
        );
    }
    // What the first byte allows waits for the rest: QoS 2 with DUP, a PUBREL
    // with its flags, and MQTT 3.1's PUBREL with DUP.
    for (v, first) in [(V3_1_1, 0x3C), (V3_1_1, 0x62), (V3_1, 0x6A)] {
        let partial = [first, 100, 0, 1];
        assert_eq!(
            mqtt_sansio::codec::decode_ref(&partial, v, 1 << 20),
            Ok(None),
            "{first:#04x}"
        );
    }
}

#[test]
fn a_property_not_allowed_in_an_ack_names_that_ack() {
    // Packet id 1, reason Success, then Content Type (0x03 "t"): allowed in
    // none of the four acknowledgements; the error says which one it was.
    for (first, packet_type) in [
        (0x40, PacketType::PubAck),
        (0x50, PacketType::PubRec),
        (0x62, PacketType::PubRel),
        (0x70, PacketType::PubComp),
    ] {
        let bytes = v5(first, &[0x00, 0x01, 0x00], &[0x03, 0x00, 0x01, b't'], &[]);
        assert_eq!(
            err(V5, &bytes),
            DecodeError::PropertyNotAllowed {
                id: 0x03,
                packet_type,
                in_will: false
            },
            "{packet_type:?}"
        );
    }
}
