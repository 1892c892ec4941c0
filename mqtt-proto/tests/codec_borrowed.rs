//! The borrowed decoder (`decode_ref`, `decode_packet_ref`) against the owned
//! one (`decode`, `decode_packet`): for valid packets of every type and
//! version, for corrupted ones and for arbitrary bytes, both give the same
//! packet (after `to_packet`), the same error and the same consumed length.
//! Also: the borrowed views' iterators and accessors, and that borrowed
//! fields point into the frame.

#[path = "support/strategies.rs"]
mod strategies;

use bytes::{Bytes, BytesMut};
use mqtt_sansio::codec::{
    decode, decode_packet, decode_packet_ref, decode_ref, encode, DecodeError, Packet, PacketRef,
    PropertyRef, ProtocolVersion, QoS, ReasonCode, RetainHandling,
};
use proptest::prelude::*;
use strategies::*;
use ProtocolVersion::{V3_1_1, V5};

/// Above the largest generated packet (payloads reach past 2 MiB, for a
/// four-byte Remaining Length).
const MAX: usize = 1 << 24;

fn to_bytes(p: &Packet, v: ProtocolVersion) -> BytesMut {
    let mut out = BytesMut::new();
    encode(p, v, MAX, &mut out).expect("strategies build valid packets");
    out
}

/// One frame through both one-packet decoders: they must agree exactly.
/// Returns the (common) result.
fn same_one(frame: &[u8], v: ProtocolVersion) -> Result<Packet, DecodeError> {
    let owned_frame = Bytes::copy_from_slice(frame);
    let owned = decode_packet(owned_frame.clone(), v);
    let borrowed = decode_packet_ref(&owned_frame, v);
    match (&owned, &borrowed) {
        (Ok(p), Ok(r)) => {
            assert_eq!(&r.to_packet(&owned_frame), p, "same packet");
            assert_eq!(r.packet_type(), p.packet_type());
        }
        (Err(a), Err(b)) => assert_eq!(a, b, "same error"),
        _ => panic!("owned {owned:?} but borrowed {borrowed:?}"),
    }
    owned
}

/// A buffer through both streaming decoders, packet after packet, until one
/// needs more bytes or fails: they must agree on every step.
fn same_stream(data: &[u8], v: ProtocolVersion, max: usize) -> Vec<Packet> {
    let mut buf = BytesMut::from(data);
    let mut at = 0;
    let mut out = Vec::new();
    loop {
        let before = buf.len();
        let owned = decode(&mut buf, v, max);
        let borrowed = decode_ref(&data[at..], v, max);
        match (owned, borrowed) {
            (Ok(Some(p)), Ok(Some((r, len)))) => {
                assert_eq!(len, before - buf.len(), "same consumed length");
                let frame = Bytes::copy_from_slice(&data[at..at + len]);
                assert_eq!(r.to_packet(&frame), p, "same packet");
                // A whole frame decodes the same through the one-packet decoders.
                assert_eq!(same_one(&frame, v), Ok(p.clone()));
                at += len;
                out.push(p);
            }
            (Ok(None), Ok(None)) => {
                assert_eq!(buf.len(), before, "nothing consumed");
                return out;
            }
            (Err(a), Err(b)) => {
                assert_eq!(a, b, "same error");
                return out;
            }
            (owned, borrowed) => panic!("owned {owned:?} but borrowed {borrowed:?}"),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    #[test]
    fn every_valid_packet_decodes_the_same_borrowed_and_owned((v, p) in versioned_packet()) {
        let bytes = to_bytes(&p, v);
        prop_assert_eq!(same_one(&bytes, v), Ok(p.clone()));
        let frame = bytes.freeze();
        let r = decode_packet_ref(&frame, v).expect("valid packet");
        prop_assert_eq!(r.to_packet(&frame), p);
    }

    #[test]
    fn a_stream_of_valid_packets_decodes_the_same_borrowed_and_owned(
        (v, ps) in versioned_stream(8),
        tail in proptest::collection::vec(any::<u8>(), 0..4),
    ) {
        let mut data = BytesMut::new();
        for p in &ps {
            data.extend_from_slice(&to_bytes(p, v));
        }
        data.extend_from_slice(&tail);
        let got = same_stream(&data, v, MAX);
        prop_assert!(got.len() >= ps.len());
        prop_assert_eq!(&got[..ps.len()], &ps[..]);
    }

    #[test]
    fn a_corrupted_valid_packet_gives_the_same_result_borrowed_and_owned(
        (v, p) in versioned_packet(),
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        as_version in version(),
    ) {
        let mut bytes = to_bytes(&p, v);
        let i = at.index(bytes.len());
        bytes[i] = byte;
        let _ = same_one(&bytes, as_version);
        same_stream(&bytes, as_version, MAX);
    }

    #[test]
    fn a_truncated_valid_packet_gives_the_same_result_borrowed_and_owned(
        (v, p) in versioned_packet(),
        cut in any::<prop::sample::Index>(),
    ) {
        let bytes = to_bytes(&p, v);
        let n = cut.index(bytes.len());
        let _ = same_one(&bytes[..n], v);
        same_stream(&bytes[..n], v, MAX);
    }

    #[test]
    fn arbitrary_bytes_give_the_same_result_borrowed_and_owned(
        bytes in proptest::collection::vec(any::<u8>(), 0..300),
        v in version(),
        max in 0usize..400,
    ) {
        let _ = same_one(&bytes, v);
        same_stream(&bytes, v, max);
    }

    #[test]
    fn arbitrary_bodies_behind_every_first_byte_give_the_same_result(
        first in any::<u8>(),
        body in proptest::collection::vec(any::<u8>(), 0..120),
        v in version(),
    ) {
        // A correct Remaining Length, so the body's parsers are what is tested.
        let mut bytes = vec![first, body.len() as u8];
        bytes.extend_from_slice(&body);
        let _ = same_one(&bytes, v);
    }

    #[test]
    fn borrowed_strings_and_payloads_point_into_the_frame((v, p) in versioned_packet()) {
        let bytes = to_bytes(&p, v);
        let range = bytes.as_ptr_range();
        let inside = |s: &[u8]| s.is_empty() || (range.contains(&s.as_ptr()) && s.as_ptr_range().end <= range.end);
        match decode_packet_ref(&bytes, v).expect("valid packet") {
            PacketRef::Publish(r) => {
                prop_assert!(inside(r.topic.as_bytes()));
                prop_assert!(inside(r.payload));
                prop_assert!(inside(r.properties.as_bytes()));
            }
            PacketRef::Connect(c) => {
                prop_assert!(inside(c.client_id.as_bytes()));
                if let Some(w) = c.will {
                    prop_assert!(inside(w.topic.as_bytes()) && inside(w.payload));
                }
                prop_assert!(c.password.map_or(true, inside));
            }
            PacketRef::Subscribe(s) => {
                for f in s.filters {
                    prop_assert!(inside(f.filter.as_bytes()));
                }
            }
            PacketRef::Unsubscribe(u) => {
                for f in u.filters {
                    prop_assert!(inside(f.as_bytes()));
                }
            }
            _ => {}
        }
    }
}

#[test]
fn decode_ref_needs_more_bytes_without_consuming() {
    let publish = [0x30, 0x05, 0x00, 0x01, b't', b'h', b'i'];
    for n in 0..publish.len() {
        assert_eq!(
            decode_ref(&publish[..n], V3_1_1, 1024),
            Ok(None),
            "{n} bytes"
        );
    }
    let Ok(Some((PacketRef::Publish(p), 7))) = decode_ref(&publish, V3_1_1, 1024) else {
        panic!("a whole PUBLISH")
    };
    assert_eq!(
        (p.topic, p.payload, p.qos),
        ("t", &b"hi"[..], QoS::AtMostOnce)
    );
}

#[test]
fn decode_ref_enforces_the_maximum_from_the_fixed_header() {
    // A PUBLISH announcing 200 bytes of body, only 3 of which arrived.
    assert_eq!(
        decode_ref(&[0x30, 0xC8, 0x01, 0, 1, b't'], V3_1_1, 100),
        Err(DecodeError::PacketTooLarge {
            size: 203,
            max: 100
        })
    );
}

#[test]
fn decode_packet_ref_refuses_a_buffer_that_is_not_one_frame() {
    assert_eq!(
        decode_packet_ref(&[0xC0, 0x00, 0x00], V3_1_1),
        Err(DecodeError::FrameLengthMismatch {
            declared: 2,
            actual: 3
        })
    );
}

#[test]
fn subscribe_filters_iterate_with_their_options() {
    // SUBSCRIBE 10: "a/+" QoS 1, "b/#" QoS 2 with No Local and Retain Handling 2 (v5).
    let frame = [
        0x82, 15, 0, 10, 0, 0, 3, b'a', b'/', b'+', 0x01, 0, 3, b'b', b'/', b'#', 0x26,
    ];
    let Ok(PacketRef::Subscribe(s)) = decode_packet_ref(&frame, V5) else {
        panic!("a SUBSCRIBE")
    };
    assert_eq!(s.filters.len(), 2);
    let got: Vec<_> = s
        .filters
        .iter()
        .map(|f| {
            (
                f.filter,
                f.options.qos,
                f.options.no_local,
                f.options.retain_handling,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "a/+",
                QoS::AtLeastOnce,
                false,
                RetainHandling::SendAtSubscribe
            ),
            ("b/#", QoS::ExactlyOnce, true, RetainHandling::DoNotSend),
        ]
    );
    assert_eq!(s.filters.iter().len(), 2);
}

#[test]
fn suback_and_unsuback_codes_iterate_in_order() {
    let Ok(PacketRef::SubAck(s)) = decode_packet_ref(&[0x90, 5, 0, 7, 0x00, 0x02, 0x80], V3_1_1)
    else {
        panic!("a SUBACK")
    };
    let codes: Vec<_> = s.codes.iter().collect();
    assert_eq!(
        codes,
        [
            ReasonCode::Success,
            ReasonCode::GrantedQoS2,
            ReasonCode::UnspecifiedError
        ]
    );
    let Ok(PacketRef::UnsubAck(u)) = decode_packet_ref(&[0xB0, 5, 0, 7, 0, 0x00, 0x11], V5) else {
        panic!("an UNSUBACK")
    };
    let codes: Vec<_> = u.codes.iter().collect();
    assert_eq!(
        codes,
        [ReasonCode::Success, ReasonCode::NoSubscriptionExisted]
    );
    let Ok(PacketRef::UnsubAck(u)) = decode_packet_ref(&[0xB0, 2, 0, 7], V3_1_1) else {
        panic!("an UNSUBACK")
    };
    assert!(u.codes.is_empty());
}

#[test]
fn publish_properties_iterate_and_answer_accessors() {
    // v5 PUBLISH QoS 0, empty topic, Topic Alias 3, two User Properties,
    // two Subscription Identifiers, payload "x".
    let props = [
        0x23, 0, 3, 0x26, 0, 1, b'k', 0, 1, b'v', 0x0B, 5, 0x26, 0, 1, b'a', 0, 0, 0x0B, 0x81, 0x01,
    ];
    let mut frame = vec![
        0x30,
        (2 + 1 + props.len() + 1) as u8,
        0,
        0,
        props.len() as u8,
    ];
    frame.extend_from_slice(&props);
    frame.push(b'x');
    let Ok(PacketRef::Publish(p)) = decode_packet_ref(&frame, V5) else {
        panic!("a PUBLISH")
    };
    assert_eq!(p.topic, "");
    assert_eq!(p.payload, b"x");
    assert_eq!(p.properties.topic_alias(), Some(3));
    assert_eq!(p.properties.reason_string(), None);
    let users: Vec<_> = p.properties.user_properties().collect();
    assert_eq!(users, [("k", "v"), ("a", "")]);
    let ids: Vec<_> = p.properties.subscription_identifiers().collect();
    assert_eq!(ids, [5, 129]);
    let all: Vec<_> = p.properties.iter().collect();
    assert_eq!(
        all,
        [
            PropertyRef::TopicAlias(3),
            PropertyRef::UserProperty("k", "v"),
            PropertyRef::SubscriptionIdentifier(5),
            PropertyRef::UserProperty("a", ""),
            PropertyRef::SubscriptionIdentifier(129),
        ]
    );
    // And the owned decoder read the same block.
    let Ok(Packet::Publish(o)) = decode_packet(Bytes::from(frame), V5) else {
        panic!("a PUBLISH")
    };
    assert_eq!(o.properties.topic_alias, Some(3));
    assert_eq!(o.properties.subscription_identifiers, [5, 129]);
}

#[test]
fn to_packet_copies_fields_that_are_not_in_the_given_frame() {
    let frame = [0x30, 0x05, 0x00, 0x01, b't', b'h', b'i'];
    let r = decode_packet_ref(&frame, V3_1_1).expect("a PUBLISH");
    // An unrelated buffer: every field is copied instead of shared.
    let other = Bytes::from_static(b"unrelated");
    let owned = decode_packet(Bytes::copy_from_slice(&frame), V3_1_1).expect("a PUBLISH");
    assert_eq!(r.to_packet(&other), owned);
}
