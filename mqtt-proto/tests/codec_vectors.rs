//! Byte-level test vectors for every packet type of MQTT 3.1, 3.1.1 and 5.0,
//! written by hand from the specifications' packet layouts: each decodes to
//! the expected struct and the struct encodes back to the same bytes.

use bytes::{Bytes, BytesMut};
use mqtt_sansio::codec::{
    check_frame, decode, decode_packet, encode, encoded_len, Auth, ByteStr, ConnAck, Connect,
    Disconnect, FrameStatus, Packet, PacketId, PacketType, Properties, ProtocolVersion,
    PubResponse, Publish, QoS, ReasonCode, RetainHandling, SubAck, Subscribe, SubscribeFilter,
    SubscriptionOptions, UnsubAck, Unsubscribe, Will,
};
use ProtocolVersion::{V3_1, V3_1_1, V5};

const V3: [ProtocolVersion; 2] = [V3_1, V3_1_1];
const ALL: [ProtocolVersion; 3] = [V3_1, V3_1_1, V5];

fn pid(v: u16) -> PacketId {
    PacketId::new(v).expect("test ids are non-zero")
}

fn s(v: &'static str) -> ByteStr {
    ByteStr::from_static(v)
}

/// `bytes` decodes to `packet`, and `packet` encodes to `bytes`.
#[track_caller]
fn both_ways(v: ProtocolVersion, bytes: &[u8], packet: Packet) {
    assert_eq!(
        decode_packet(Bytes::copy_from_slice(bytes), v),
        Ok(packet.clone()),
        "decoding {v:?}"
    );
    borrowed_decodes_to(v, bytes, &packet);
    let mut out = BytesMut::new();
    assert_eq!(encode(&packet, v, usize::MAX, &mut out), Ok(bytes.len()));
    assert_eq!(&out[..], bytes, "encoding {v:?}");
    assert_eq!(encoded_len(&packet, v), Ok(bytes.len()));
}

/// `bytes` decodes to `packet` (an alternative, non-canonical wire form).
#[track_caller]
fn decodes_to(v: ProtocolVersion, bytes: &[u8], packet: Packet) {
    assert_eq!(
        decode_packet(Bytes::copy_from_slice(bytes), v),
        Ok(packet.clone())
    );
    borrowed_decodes_to(v, bytes, &packet);
}

/// The borrowed decoder reads `bytes` as the same `packet`.
#[track_caller]
fn borrowed_decodes_to(v: ProtocolVersion, bytes: &[u8], packet: &Packet) {
    let frame = Bytes::copy_from_slice(bytes);
    let borrowed = mqtt_sansio::codec::decode_packet_ref(&frame, v).map(|r| r.to_packet(&frame));
    assert_eq!(borrowed.as_ref(), Ok(packet), "borrowed decoding {v:?}");
}

// ------------------------------------------------------------------ CONNECT

#[test]
fn connect_3_1_1_minimal() {
    // §3.1: "MQTT", level 4, Clean Session, keep alive 60, client id "abc".
    let bytes = [
        0x10, 0x0F, 0, 4, b'M', b'Q', b'T', b'T', 4, 0x02, 0x00, 0x3C, 0, 3, b'a', b'b', b'c',
    ];
    let c = Connect {
        protocol: V3_1_1,
        clean_start: true,
        keep_alive: 60,
        client_id: s("abc"),
        will: None,
        username: None,
        password: None,
        properties: Properties::EMPTY,
    };
    both_ways(V3_1_1, &bytes, Packet::Connect(c.into()));
}

#[test]
fn connect_3_1_with_will_username_and_password() {
    // MQTT 3.1: "MQIsdp", level 3; flags user|pass|will retain|will QoS 1|will|clean = 0xEE.
    let bytes = [
        0x10, 0x21, 0, 6, b'M', b'Q', b'I', b's', b'd', b'p', 3, 0xEE, 0x00, 0x0A, 0, 2, b'c',
        b'1', 0, 3, b'w', b'/', b't', 0, 3, b'b', b'y', b'e', 0, 1, b'u', 0, 2, 1, 2,
    ];
    let c = Connect {
        protocol: V3_1,
        clean_start: true,
        keep_alive: 10,
        client_id: s("c1"),
        will: Some(Will {
            topic: s("w/t"),
            payload: Bytes::from_static(b"bye"),
            qos: QoS::AtLeastOnce,
            retain: true,
            properties: Properties::EMPTY,
        }),
        username: Some(s("u")),
        password: Some(Bytes::from_static(&[1, 2])),
        properties: Properties::EMPTY,
    };
    // CONNECT is decoded by its own protocol level whatever the connection's version.
    for v in ALL {
        both_ways(v, &bytes, Packet::Connect(c.clone().into()));
    }
}

#[test]
fn connect_5_with_properties_and_empty_client_id() {
    // Level 5, Clean Start, keep alive 30; properties: Session Expiry 120, Receive Maximum 10.
    let bytes = [
        0x10, 0x15, 0, 4, b'M', b'Q', b'T', b'T', 5, 0x02, 0x00, 0x1E, 0x08, 0x11, 0, 0, 0, 120,
        0x21, 0, 10, 0, 0,
    ];
    let mut props = Properties::EMPTY;
    props.session_expiry_interval = Some(120);
    props.receive_maximum = Some(10);
    let c = Connect {
        protocol: V5,
        clean_start: true,
        keep_alive: 30,
        client_id: ByteStr::new(),
        will: None,
        username: None,
        password: None,
        properties: props,
    };
    both_ways(V5, &bytes, Packet::Connect(c.into()));
}

#[test]
fn connect_5_with_will_properties() {
    // Flags: will QoS 2 (0x10) | will (0x04) | clean (0x02); will property Will Delay 5.
    let bytes = [
        0x10, 0x1B, 0, 4, b'M', b'Q', b'T', b'T', 5, 0x16, 0x00, 0x00, 0x00, 0, 2, b'i', b'd',
        0x05, 0x18, 0, 0, 0, 5, 0, 1, b't', 0, 1, b'x',
    ];
    let mut will_props = Properties::EMPTY;
    will_props.will_delay_interval = Some(5);
    let c = Connect {
        protocol: V5,
        clean_start: true,
        keep_alive: 0,
        client_id: s("id"),
        will: Some(Will {
            topic: s("t"),
            payload: Bytes::from_static(b"x"),
            qos: QoS::ExactlyOnce,
            retain: false,
            properties: will_props,
        }),
        username: None,
        password: None,
        properties: Properties::EMPTY,
    };
    both_ways(V5, &bytes, Packet::Connect(c.into()));
}

#[test]
fn connect_5_allows_a_password_without_a_user_name() {
    // v5 §3.1.2.9 dropped the 3.1.1 rule [MQTT-3.1.2-22].
    let bytes = [
        0x10, 0x10, 0, 4, b'M', b'Q', b'T', b'T', 5, 0x40, 0, 0, 0, 0, 0, 0, 1, 7,
    ];
    let c = Connect {
        protocol: V5,
        clean_start: false,
        keep_alive: 0,
        client_id: ByteStr::new(),
        will: None,
        username: None,
        password: Some(Bytes::from_static(&[7])),
        properties: Properties::EMPTY,
    };
    both_ways(V5, &bytes, Packet::Connect(c.into()));
}

// ------------------------------------------------------------------ CONNACK

#[test]
fn connack_3_x_accepted_with_session_present() {
    let p = Packet::ConnAck(ConnAck {
        session_present: true,
        code: ReasonCode::Success,
        properties: Properties::EMPTY,
    });
    for v in V3 {
        both_ways(v, &[0x20, 0x02, 0x01, 0x00], p.clone());
    }
}

#[test]
fn connack_3_x_return_codes_map_to_reason_codes_both_ways() {
    // §3.2.2.3: 1..5 and the MQTT 5 codes of the same meaning.
    let map = [
        (1u8, ReasonCode::UnsupportedProtocolVersion),
        (2, ReasonCode::ClientIdentifierNotValid),
        (3, ReasonCode::ServerUnavailable),
        (4, ReasonCode::BadUserNameOrPassword),
        (5, ReasonCode::NotAuthorized),
    ];
    for v in V3 {
        for (rc, code) in map {
            let p = Packet::ConnAck(ConnAck {
                session_present: false,
                code,
                properties: Properties::EMPTY,
            });
            both_ways(v, &[0x20, 0x02, 0x00, rc], p);
        }
    }
}

#[test]
fn connack_5_success_without_properties() {
    let p = Packet::ConnAck(ConnAck {
        session_present: false,
        code: ReasonCode::Success,
        properties: Properties::EMPTY,
    });
    both_ways(V5, &[0x20, 0x03, 0x00, 0x00, 0x00], p);
}

#[test]
fn connack_5_with_properties() {
    // Assigned Client Identifier "ab" (0x12), Topic Alias Maximum 5 (0x22).
    let bytes = [
        0x20, 0x0B, 0x00, 0x00, 0x08, 0x12, 0, 2, b'a', b'b', 0x22, 0, 5,
    ];
    let mut props = Properties::EMPTY;
    props.assigned_client_identifier = Some(s("ab"));
    props.topic_alias_maximum = Some(5);
    let p = Packet::ConnAck(ConnAck {
        session_present: false,
        code: ReasonCode::Success,
        properties: props,
    });
    both_ways(V5, &bytes, p);
}

#[test]
fn connack_5_refusal() {
    let p = Packet::ConnAck(ConnAck {
        session_present: false,
        code: ReasonCode::NotAuthorized,
        properties: Properties::EMPTY,
    });
    both_ways(V5, &[0x20, 0x03, 0x00, 0x87, 0x00], p);
}

// ------------------------------------------------------------------ PUBLISH

fn publish(qos: QoS, topic: &'static str, id: Option<u16>, payload: &'static [u8]) -> Publish {
    Publish {
        dup: false,
        qos,
        retain: false,
        topic: s(topic),
        packet_id: id.map(pid),
        properties: Properties::EMPTY,
        payload: Bytes::from_static(payload),
    }
}

#[test]
fn publish_qos0_3_x() {
    let bytes = [0x30, 0x07, 0, 3, b'a', b'/', b'b', b'h', b'i'];
    for v in V3 {
        both_ways(
            v,
            &bytes,
            Packet::Publish(publish(QoS::AtMostOnce, "a/b", None, b"hi")),
        );
    }
}

#[test]
fn publish_qos1_dup_retain_3_x() {
    // Flags DUP (8) | QoS 1 (2) | RETAIN (1).
    let bytes = [0x3B, 0x06, 0, 1, b't', 0x00, 0x0A, b'x'];
    let mut p = publish(QoS::AtLeastOnce, "t", Some(10), b"x");
    p.dup = true;
    p.retain = true;
    for v in V3 {
        both_ways(v, &bytes, Packet::Publish(p.clone()));
    }
}

#[test]
fn publish_qos2_empty_payload() {
    let bytes = [0x34, 0x05, 0, 1, b'a', 0x12, 0x34];
    for v in V3 {
        both_ways(
            v,
            &bytes,
            Packet::Publish(publish(QoS::ExactlyOnce, "a", Some(0x1234), b"")),
        );
    }
}

#[test]
fn publish_with_a_two_byte_remaining_length() {
    // 3 + 200 = 203 = 0xCB 0x01 as a Variable Byte Integer.
    static PAYLOAD: [u8; 200] = [0xAB; 200];
    let mut bytes = vec![0x30, 0xCB, 0x01, 0, 1, b't'];
    bytes.extend_from_slice(&PAYLOAD);
    for v in ALL {
        let mut p = publish(QoS::AtMostOnce, "t", None, &PAYLOAD);
        let mut b = bytes.clone();
        if v == V5 {
            // Property length 0 after the topic: 204 = 0xCC 0x01.
            b[1] = 0xCC;
            b.insert(6, 0);
            p.properties = Properties::EMPTY;
        }
        both_ways(v, &b, Packet::Publish(p));
    }
}

/// Remaining Lengths at both sides of every width boundary of the Variable
/// Byte Integer (v5 §1.5.5 / 3.1.1 §2.2.3 table 2.4), with their encodings
/// written out by hand.
const REMAINING_LENGTH_BOUNDARIES: [(usize, &[u8]); 6] = [
    (127, &[0x7F]),
    (128, &[0x80, 0x01]),
    (16_383, &[0xFF, 0x7F]),
    (16_384, &[0x80, 0x80, 0x01]),
    (2_097_151, &[0xFF, 0xFF, 0x7F]),
    (2_097_152, &[0x80, 0x80, 0x80, 0x01]),
];

/// A payload whose bytes differ from their neighbours: an off-by-one in
/// where the payload starts or ends changes the decoded value.
fn patterned(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i % 251) as u8).collect()
}

/// `packet` encoded is `header` + `body`; checks both ways, and that the
/// fixed header alone tells the streaming decoder the exact size.
#[track_caller]
fn boundary_both_ways(v: ProtocolVersion, header: &[u8], body: &[u8], packet: Packet) {
    let mut bytes = header.to_vec();
    bytes.extend_from_slice(body);
    both_ways(v, &bytes, packet.clone());
    assert_eq!(
        check_frame(&bytes[..header.len()], usize::MAX),
        Ok(FrameStatus::Incomplete { needed: body.len() }),
        "{v:?} remaining length {}",
        body.len()
    );
    let mut stream = BytesMut::from(&bytes[..]);
    stream.extend_from_slice(&[0xC0, 0x00]);
    assert_eq!(decode(&mut stream, v, usize::MAX), Ok(Some(packet)));
    assert_eq!(&stream[..], &[0xC0, 0x00], "exactly one packet consumed");
}

#[test]
fn publish_remaining_length_at_every_width_boundary() {
    for (remaining, rl) in REMAINING_LENGTH_BOUNDARIES {
        // 3.x: topic length, topic "t", payload.
        let payload = patterned(remaining - 3);
        let mut header = vec![0x30];
        header.extend_from_slice(rl);
        let mut body = vec![0, 1, b't'];
        body.extend_from_slice(&payload);
        let p = Publish {
            payload: Bytes::from(payload),
            ..publish(QoS::AtMostOnce, "t", None, b"")
        };
        for v in V3 {
            boundary_both_ways(v, &header, &body, Packet::Publish(p.clone()));
        }

        // 5.0 without properties: an empty property block after the topic.
        let payload = patterned(remaining - 4);
        let mut body = vec![0, 1, b't', 0];
        body.extend_from_slice(&payload);
        let p = Publish {
            payload: Bytes::from(payload),
            ..publish(QoS::AtMostOnce, "t", None, b"")
        };
        boundary_both_ways(V5, &header, &body, Packet::Publish(p));

        // 5.0 with a property (the encoder's other PUBLISH path): QoS 1,
        // id 0x0102, Message Expiry Interval 60.
        let payload = patterned(remaining - 11);
        let mut header = vec![0x32];
        header.extend_from_slice(rl);
        let mut body = vec![0, 1, b't', 0x01, 0x02, 5, 0x02, 0, 0, 0, 60];
        body.extend_from_slice(&payload);
        let mut p = Publish {
            payload: Bytes::from(payload),
            ..publish(QoS::AtLeastOnce, "t", Some(0x0102), b"")
        };
        p.properties.message_expiry_interval = Some(60);
        boundary_both_ways(V5, &header, &body, Packet::Publish(p));
    }
}

#[test]
fn suback_remaining_length_at_every_width_boundary() {
    // A packet other than PUBLISH: SUBACK with one return code per byte.
    let cycle = [
        ReasonCode::Success,
        ReasonCode::GrantedQoS1,
        ReasonCode::GrantedQoS2,
        ReasonCode::UnspecifiedError,
    ];
    for (remaining, rl) in REMAINING_LENGTH_BOUNDARIES {
        let mut header = vec![0x90];
        header.extend_from_slice(rl);
        for v in ALL {
            // Packet id 7, then (5.0) an empty property block, then the codes.
            let mut body = vec![0, 7];
            if v == V5 {
                body.push(0);
            }
            let n = remaining - body.len();
            let codes: Vec<ReasonCode> = (0..n).map(|i| cycle[i % 3 + i / 5 % 2]).collect();
            body.extend(codes.iter().map(|c| *c as u8));
            let p = Packet::SubAck(SubAck {
                packet_id: pid(7),
                codes,
                properties: Properties::EMPTY,
            });
            boundary_both_ways(v, &header, &body, p);
        }
    }
}

#[test]
fn publish_5_qos0_without_properties() {
    let bytes = [0x30, 0x05, 0, 1, b't', 0x00, b'p'];
    both_ways(
        V5,
        &bytes,
        Packet::Publish(publish(QoS::AtMostOnce, "t", None, b"p")),
    );
}

#[test]
fn publish_5_with_topic_alias_and_properties() {
    // Empty topic + Topic Alias 1, Payload Format 1, Subscription Identifier 128 (0x80 0x01),
    // User Property ("k", "v"); written in identifier order.
    let bytes = [
        0x32, 0x16, 0, 0, 0x00, 0x01, 0x0F, 0x01, 0x01, 0x0B, 0x80, 0x01, 0x23, 0, 1, 0x26, 0, 1,
        b'k', 0, 1, b'v', b'h', b'i',
    ];
    let mut p = publish(QoS::AtLeastOnce, "", Some(1), b"hi");
    p.properties.topic_alias = Some(1);
    p.properties.payload_format_indicator = Some(1);
    p.properties.subscription_identifiers.push(128);
    p.properties.user_properties.push((s("k"), s("v")));
    both_ways(V5, &bytes, Packet::Publish(p));
}

#[test]
fn decoded_publish_borrows_topic_and_payload_from_the_frame() {
    let frame = Bytes::from_static(&[0x30, 0x07, 0, 3, b'a', b'/', b'b', b'h', b'i']);
    let Ok(Packet::Publish(p)) = decode_packet(frame.clone(), V3_1_1) else {
        panic!("not a publish")
    };
    assert_eq!(p.topic.as_ptr(), frame[4..].as_ptr());
    assert_eq!(p.payload.as_ptr(), frame[7..].as_ptr());
}

// ------------------------------------------------ PUBACK PUBREC PUBREL PUBCOMP

fn ack(id: u16, reason: ReasonCode) -> PubResponse {
    PubResponse {
        packet_id: pid(id),
        reason,
        properties: Properties::EMPTY,
    }
}

#[test]
fn qos_acknowledgements_3_x() {
    for v in V3 {
        both_ways(
            v,
            &[0x40, 2, 0, 7],
            Packet::PubAck(ack(7, ReasonCode::Success)),
        );
        both_ways(
            v,
            &[0x50, 2, 0, 7],
            Packet::PubRec(ack(7, ReasonCode::Success)),
        );
        // PUBREL has the fixed-header flags 0010 [MQTT-3.6.1-1].
        both_ways(
            v,
            &[0x62, 2, 0, 7],
            Packet::PubRel(ack(7, ReasonCode::Success)),
        );
        both_ways(
            v,
            &[0x70, 2, 0, 7],
            Packet::PubComp(ack(7, ReasonCode::Success)),
        );
    }
}

#[test]
fn qos_acknowledgements_5_omit_a_success_reason_and_empty_properties() {
    // v5 §3.4.2.1: Remaining Length 2 means Success with no properties.
    both_ways(
        V5,
        &[0x40, 2, 0, 7],
        Packet::PubAck(ack(7, ReasonCode::Success)),
    );
    both_ways(
        V5,
        &[0x70, 2, 0, 7],
        Packet::PubComp(ack(7, ReasonCode::Success)),
    );
    // The same packet with the reason code or the property length spelled out.
    decodes_to(
        V5,
        &[0x40, 3, 0, 7, 0],
        Packet::PubAck(ack(7, ReasonCode::Success)),
    );
    decodes_to(
        V5,
        &[0x40, 4, 0, 7, 0, 0],
        Packet::PubAck(ack(7, ReasonCode::Success)),
    );
}

#[test]
fn qos_acknowledgements_5_with_reason_codes() {
    both_ways(
        V5,
        &[0x40, 3, 0, 7, 0x10],
        Packet::PubAck(ack(7, ReasonCode::NoMatchingSubscribers)),
    );
    both_ways(
        V5,
        &[0x62, 3, 0, 7, 0x92],
        Packet::PubRel(ack(7, ReasonCode::PacketIdentifierNotFound)),
    );
    let mut rec = ack(7, ReasonCode::UnspecifiedError);
    rec.properties.reason_string = Some(s("no"));
    both_ways(
        V5,
        &[0x50, 9, 0, 7, 0x80, 5, 0x1F, 0, 2, b'n', b'o'],
        Packet::PubRec(rec),
    );
}

// -------------------------------------------------------------- SUBSCRIBE

#[test]
fn subscribe_3_x() {
    let bytes = [0x82, 0x0C, 0, 1, 0, 3, b'a', b'/', b'#', 1, 0, 1, b'+', 2];
    let p = Packet::Subscribe(Subscribe {
        packet_id: pid(1),
        filters: vec![
            SubscribeFilter {
                filter: s("a/#"),
                options: SubscriptionOptions::new(QoS::AtLeastOnce),
            },
            SubscribeFilter {
                filter: s("+"),
                options: SubscriptionOptions::new(QoS::ExactlyOnce),
            },
        ],
        properties: Properties::EMPTY,
    });
    for v in V3 {
        both_ways(v, &bytes, p.clone());
    }
}

#[test]
fn subscribe_5_with_options_and_subscription_identifier() {
    // Subscription Identifier 5; "$share/g/t" QoS 1 + Retain As Published + Retain Handling 2
    // (0x29); "x" QoS 0 + No Local (0x04).
    let bytes = [
        0x82, 0x16, 0, 2, 2, 0x0B, 5, 0, 10, b'$', b's', b'h', b'a', b'r', b'e', b'/', b'g', b'/',
        b't', 0x29, 0, 1, b'x', 0x04,
    ];
    let mut props = Properties::EMPTY;
    props.subscription_identifiers.push(5);
    let p = Packet::Subscribe(Subscribe {
        packet_id: pid(2),
        filters: vec![
            SubscribeFilter {
                filter: s("$share/g/t"),
                options: SubscriptionOptions {
                    qos: QoS::AtLeastOnce,
                    no_local: false,
                    retain_as_published: true,
                    retain_handling: RetainHandling::DoNotSend,
                },
            },
            SubscribeFilter {
                filter: s("x"),
                options: SubscriptionOptions {
                    qos: QoS::AtMostOnce,
                    no_local: true,
                    retain_as_published: false,
                    retain_handling: RetainHandling::SendAtSubscribe,
                },
            },
        ],
        properties: props,
    });
    both_ways(V5, &bytes, p);
}

#[test]
fn suback_3_x() {
    let p = Packet::SubAck(SubAck {
        packet_id: pid(1),
        codes: vec![
            ReasonCode::Success,
            ReasonCode::GrantedQoS1,
            ReasonCode::UnspecifiedError,
        ],
        properties: Properties::EMPTY,
    });
    for v in V3 {
        both_ways(v, &[0x90, 5, 0, 1, 0x00, 0x01, 0x80], p.clone());
    }
}

#[test]
fn suback_5() {
    let p = Packet::SubAck(SubAck {
        packet_id: pid(1),
        codes: vec![
            ReasonCode::GrantedQoS2,
            ReasonCode::WildcardSubscriptionsNotSupported,
        ],
        properties: Properties::EMPTY,
    });
    both_ways(V5, &[0x90, 5, 0, 1, 0, 0x02, 0xA2], p);
}

// ------------------------------------------------------------ UNSUBSCRIBE

#[test]
fn unsubscribe_3_x() {
    let p = Packet::Unsubscribe(Unsubscribe {
        packet_id: pid(3),
        filters: vec![s("a"), s("b/+")],
        properties: Properties::EMPTY,
    });
    let bytes = [0xA2, 10, 0, 3, 0, 1, b'a', 0, 3, b'b', b'/', b'+'];
    for v in V3 {
        both_ways(v, &bytes, p.clone());
    }
}

#[test]
fn unsubscribe_5() {
    let p = Packet::Unsubscribe(Unsubscribe {
        packet_id: pid(3),
        filters: vec![s("a")],
        properties: Properties::EMPTY,
    });
    both_ways(V5, &[0xA2, 6, 0, 3, 0, 0, 1, b'a'], p);
}

#[test]
fn unsuback_3_x_has_no_reason_codes() {
    let p = Packet::UnsubAck(UnsubAck {
        packet_id: pid(3),
        codes: vec![],
        properties: Properties::EMPTY,
    });
    for v in V3 {
        both_ways(v, &[0xB0, 2, 0, 3], p.clone());
    }
}

#[test]
fn unsuback_5() {
    let p = Packet::UnsubAck(UnsubAck {
        packet_id: pid(3),
        codes: vec![ReasonCode::Success, ReasonCode::NoSubscriptionExisted],
        properties: Properties::EMPTY,
    });
    both_ways(V5, &[0xB0, 5, 0, 3, 0, 0x00, 0x11], p);
}

// ----------------------------------------------------------- PING, DISCONNECT, AUTH

#[test]
fn pingreq_and_pingresp_in_every_version() {
    for v in ALL {
        both_ways(v, &[0xC0, 0], Packet::PingReq);
        both_ways(v, &[0xD0, 0], Packet::PingResp);
    }
}

#[test]
fn disconnect_3_x() {
    let p = Packet::Disconnect(Disconnect {
        reason: ReasonCode::Success,
        properties: Properties::EMPTY,
    });
    for v in V3 {
        both_ways(v, &[0xE0, 0], p.clone());
    }
}

#[test]
fn disconnect_5_forms() {
    let normal = Packet::Disconnect(Disconnect {
        reason: ReasonCode::Success,
        properties: Properties::EMPTY,
    });
    both_ways(V5, &[0xE0, 0], normal.clone());
    decodes_to(V5, &[0xE0, 1, 0x00], normal);
    both_ways(
        V5,
        &[0xE0, 1, 0x04],
        Packet::Disconnect(Disconnect {
            reason: ReasonCode::DisconnectWithWillMessage,
            properties: Properties::EMPTY,
        }),
    );
    let mut props = Properties::EMPTY;
    props.server_reference = Some(s("h2"));
    both_ways(
        V5,
        &[0xE0, 7, 0x9C, 5, 0x1C, 0, 2, b'h', b'2'],
        Packet::Disconnect(Disconnect {
            reason: ReasonCode::UseAnotherServer,
            properties: props,
        }),
    );
}

#[test]
fn auth_5() {
    both_ways(
        V5,
        &[0xF0, 0],
        Packet::Auth(Auth {
            reason: ReasonCode::Success,
            properties: Properties::EMPTY,
        }),
    );
    let mut props = Properties::EMPTY;
    props.authentication_method = Some(s("S1"));
    props.authentication_data = Some(Bytes::from_static(&[0xFF]));
    both_ways(
        V5,
        &[0xF0, 11, 0x18, 9, 0x15, 0, 2, b'S', b'1', 0x16, 0, 1, 0xFF],
        Packet::Auth(Auth {
            reason: ReasonCode::ContinueAuthentication,
            properties: props,
        }),
    );
}

#[test]
fn packet_type_round_trips_through_the_first_byte() {
    for v in 0..=15u8 {
        let t = PacketType::from_u8(v);
        assert_eq!(t.map(|t| t as u8), if v == 0 { None } else { Some(v) });
    }
    assert_eq!(PacketType::from_u8(16), None);
    assert_eq!(Packet::PingReq.packet_type(), PacketType::PingReq);
}
