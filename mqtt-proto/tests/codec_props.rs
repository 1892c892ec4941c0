//! Property tests of the codec: encode→decode identity for every packet of
//! every version, no panic on arbitrary input, and stream reassembly from
//! arbitrary chunks.

#[path = "support/strategies.rs"]
mod strategies;

use bytes::{Bytes, BytesMut};
use mqtt_sansio::codec::{
    check_frame, decode, decode_packet, encode, encoded_len, FrameStatus, Packet, ProtocolVersion,
};
use proptest::prelude::*;
use strategies::*;

/// Above the largest generated packet (payloads reach past 2 MiB, for a
/// four-byte Remaining Length).
const MAX: usize = 1 << 24;

fn to_bytes(p: &Packet, v: ProtocolVersion) -> BytesMut {
    let mut out = BytesMut::new();
    let n = encode(p, v, MAX, &mut out).expect("strategies build valid packets");
    assert_eq!(n, out.len());
    out
}

/// The generators are only as good as the sizes they reach: every width of
/// the Remaining Length (1 to 4 bytes) and every field length up to the
/// 65,535-byte limit must come up in a run of the property tests.
#[test]
fn the_generators_reach_every_remaining_length_width_and_the_field_limit() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut widths = [0usize; 5];
    for _ in 0..1024 {
        let v = version().new_tree(&mut runner).unwrap().current();
        let p = Packet::Publish(publish(v).new_tree(&mut runner).unwrap().current());
        let bytes = to_bytes(&p, v);
        let len_bytes = 1 + bytes[1..].iter().position(|b| b & 0x80 == 0).unwrap();
        widths[len_bytes] += 1;
    }
    assert!(
        widths[1..].iter().all(|&n| n >= 5),
        "publishes per Remaining Length width: {widths:?}"
    );

    let mut strings = Vec::new();
    let mut topics = Vec::new();
    let mut binaries = Vec::new();
    for _ in 0..400 {
        strings.push(mqtt_string().new_tree(&mut runner).unwrap().current().len());
        topics.push(topic_name().new_tree(&mut runner).unwrap().current().len());
        binaries.push(binary().new_tree(&mut runner).unwrap().current().len());
    }
    for (what, lens) in [("string", strings), ("topic", topics), ("binary", binaries)] {
        assert!(
            lens.iter().all(|&n| n <= MAX_FIELD),
            "{what} over the limit"
        );
        assert!(
            lens.contains(&MAX_FIELD),
            "no {what} at the 65,535-byte limit"
        );
        assert!(
            lens.iter().any(|&n| n > 255 && n < MAX_FIELD - 8),
            "no mid-sized {what}"
        );
        assert!(lens.iter().any(|&n| n <= 12), "no short {what}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    #[test]
    fn encode_then_decode_packet_is_the_identity((v, p) in versioned_packet()) {
        let bytes = to_bytes(&p, v);
        prop_assert_eq!(encoded_len(&p, v), Ok(bytes.len()));
        let decoded = decode_packet(bytes.freeze(), v);
        prop_assert_eq!(decoded, Ok(p));
    }

    #[test]
    fn streaming_decode_consumes_exactly_one_encoded_packet((v, p) in versioned_packet()) {
        let mut buf = to_bytes(&p, v);
        buf.extend_from_slice(&[0xC0, 0x00]); // a PINGREQ after it
        prop_assert_eq!(decode(&mut buf, v, MAX), Ok(Some(p)));
        prop_assert_eq!(&buf[..], &[0xC0, 0x00]);
    }

    #[test]
    fn encode_appends_after_existing_bytes((v, p) in versioned_packet(), prefix in proptest::collection::vec(any::<u8>(), 0..8)) {
        let mut out = BytesMut::from(&prefix[..]);
        let n = encode(&p, v, MAX, &mut out).unwrap();
        prop_assert_eq!(&out[..prefix.len()], &prefix[..]);
        prop_assert_eq!(out.len(), prefix.len() + n);
        prop_assert_eq!(&out[prefix.len()..], &to_bytes(&p, v)[..]);
    }

    #[test]
    fn encode_refuses_a_packet_over_the_maximum_and_appends_nothing((v, p) in versioned_packet()) {
        let len = encoded_len(&p, v).unwrap();
        let mut out = BytesMut::new();
        let r = encode(&p, v, len - 1, &mut out);
        prop_assert_eq!(r, Err(mqtt_sansio::codec::EncodeError::PacketTooLarge { size: len, max: len - 1 }));
        prop_assert!(out.is_empty());
    }

    #[test]
    fn check_frame_reports_the_exact_missing_bytes_once_the_header_is_in((v, p) in versioned_packet(), cut in any::<prop::sample::Index>()) {
        let bytes = to_bytes(&p, v);
        let cut = cut.index(bytes.len() + 1);
        let status = check_frame(&bytes[..cut], MAX).unwrap();
        if cut == bytes.len() {
            prop_assert_eq!(status, FrameStatus::Complete { len: bytes.len() });
        } else {
            let FrameStatus::Incomplete { needed } = status else { panic!("{status:?}") };
            prop_assert!(needed >= 1 && cut + needed <= bytes.len());
            // Once the fixed header is complete, `needed` is exact.
            if cut >= 2 && bytes[1..cut].iter().any(|b| b & 0x80 == 0) {
                prop_assert_eq!(cut + needed, bytes.len());
            }
        }
    }

    #[test]
    fn an_incomplete_packet_is_judged_by_its_fixed_header_alone(
        (v, p) in versioned_packet(),
        cut in any::<prop::sample::Index>(),
        noise in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        // Streaming decode of part of a packet reads the fixed header and
        // nothing after it: overwrite every byte after the fixed header with
        // arbitrary bytes, and `check_frame`, `decode` and `decode_ref` still
        // answer exactly as for the real bytes (the count still missing,
        // `None`, `None`), consuming nothing.
        let bytes = to_bytes(&p, v);
        let header_len = 1 + bytes[1..].iter().position(|b| b & 0x80 == 0).unwrap() + 1;
        prop_assume!(bytes.len() > header_len);
        let cut = header_len + cut.index(bytes.len() - header_len);
        let mut partial = bytes[..cut].to_vec();
        for (i, b) in partial[header_len..].iter_mut().enumerate() {
            *b = noise.get(i % noise.len().max(1)).copied().unwrap_or(0xFF);
        }
        prop_assert_eq!(
            check_frame(&partial, MAX),
            Ok(FrameStatus::Incomplete { needed: bytes.len() - cut })
        );
        prop_assert_eq!(mqtt_sansio::codec::decode_ref(&partial, v, MAX), Ok(None));
        let mut buf = BytesMut::from(&partial[..]);
        prop_assert_eq!(decode(&mut buf, v, MAX), Ok(None));
        prop_assert_eq!(&buf[..], &partial[..]);
    }

    #[test]
    fn check_frame_enforces_the_maximum_from_the_fixed_header_alone((v, p) in versioned_packet()) {
        let bytes = to_bytes(&p, v);
        // Only the fixed header (at most 5 bytes) is given.
        let head = &bytes[..bytes.len().min(5)];
        prop_assert_eq!(
            check_frame(head, bytes.len() - 1),
            Err(mqtt_sansio::codec::DecodeError::PacketTooLarge { size: bytes.len(), max: bytes.len() - 1 })
        );
    }

    #[test]
    fn a_stream_cut_into_arbitrary_chunks_decodes_to_the_same_packets(
        (v, packets) in versioned_stream(8),
        cuts in proptest::collection::vec(1usize..40, 0..64),
    ) {
        let mut wire = BytesMut::new();
        for p in &packets {
            encode(p, v, MAX, &mut wire).unwrap();
        }
        let wire = wire.freeze();
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        let mut at = 0;
        let mut cuts = cuts.into_iter();
        while at < wire.len() {
            let n = cuts.next().unwrap_or(wire.len()).min(wire.len() - at);
            buf.extend_from_slice(&wire[at..at + n]);
            at += n;
            while let Some(p) = decode(&mut buf, v, MAX).unwrap() {
                out.push(p);
            }
        }
        prop_assert!(buf.is_empty());
        prop_assert_eq!(out, packets);
    }

    #[test]
    fn a_publish_topic_decodes_exactly_when_it_is_a_valid_topic_name(
        topic in proptest::collection::vec(prop_oneof![
            8 => 0x20u8..0x7F,
            1 => Just(0u8),
            1 => 0x80u8..=0xFF,
            1 => Just(b'+'),
            1 => Just(b'#'),
        ], 0..40),
    ) {
        let mut frame = vec![0x30, (2 + topic.len()) as u8, 0, topic.len() as u8];
        frame.extend_from_slice(&topic);
        let got = decode_packet(Bytes::from(frame), ProtocolVersion::V3_1_1);
        let valid = match std::str::from_utf8(&topic) {
            Ok(s) => mqtt_sansio::topic::validate_topic_name(s).is_ok(),
            Err(_) => false,
        };
        prop_assert_eq!(got.is_ok(), valid, "{:?}", got);
        if let Ok(Packet::Publish(p)) = got {
            prop_assert_eq!(p.topic.as_bytes().as_ref(), &topic[..]);
        }
    }

    #[test]
    fn encode_either_round_trips_or_refuses_without_writing(
        (v, p) in versioned_packet(),
        text in "[a-z/+#\u{0}]{0,6}",
        code in proptest::sample::select(mqtt_sansio::codec::ReasonCode::ALL.to_vec()),
        alias in proptest::option::of(any::<u16>()),
        sub_id in proptest::option::of(any::<u32>()),
        which in 0u8..4,
    ) {
        // Break one field of a valid packet in a way that may or may not be legal.
        let mut p = p;
        let s = mqtt_sansio::codec::ByteStr::from(text);
        match &mut p {
            Packet::Publish(x) => match which {
                0 => x.topic = s,
                1 => x.properties.topic_alias = alias,
                2 => x.properties.subscription_identifiers.extend(sub_id),
                _ => x.properties.reason_string = Some(s),
            },
            Packet::PubAck(x) | Packet::PubRec(x) | Packet::PubRel(x) | Packet::PubComp(x) => {
                x.reason = code
            }
            Packet::SubAck(x) => x.codes.push(code),
            Packet::UnsubAck(x) => x.codes.push(code),
            Packet::ConnAck(x) => x.code = code,
            Packet::Disconnect(x) => x.reason = code,
            Packet::Auth(x) => x.reason = code,
            Packet::Subscribe(x) => x.filters[0].filter = s,
            Packet::Unsubscribe(x) => x.filters[0] = s,
            Packet::Connect(x) => match which {
                0 => x.client_id = s,
                1 => x.properties.receive_maximum = alias,
                2 => x.properties.subscription_identifiers.extend(sub_id),
                _ => x.username = Some(s),
            },
            Packet::PingReq | Packet::PingResp => {}
        }
        let mut out = BytesMut::from(&b"xy"[..]);
        match encode(&p, v, MAX, &mut out) {
            Ok(n) => {
                prop_assert_eq!(out.len(), 2 + n);
                let ver = match &p { Packet::Connect(c) => c.protocol, _ => v };
                prop_assert_eq!(decode_packet(out.split_off(2).freeze(), ver), Ok(p));
            }
            Err(_) => prop_assert_eq!(&out[..], b"xy"),
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_decoder(bytes in proptest::collection::vec(any::<u8>(), 0..256), v in version(), max in 0usize..512) {
        let _ = check_frame(&bytes, max);
        let _ = decode_packet(Bytes::from(bytes.clone()), v);
        let mut buf = BytesMut::from(&bytes[..]);
        while let Ok(Some(_)) = decode(&mut buf, v, max) {}
    }

    #[test]
    fn a_corrupted_valid_packet_never_panics_the_decoder(
        (v, p) in versioned_packet(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        dv in version(),
    ) {
        let mut bytes = to_bytes(&p, v).to_vec();
        for (i, b) in flips {
            let i = i.index(bytes.len());
            bytes[i] = b;
        }
        let _ = decode_packet(Bytes::from(bytes.clone()), dv);
        let mut buf = BytesMut::from(&bytes[..]);
        while let Ok(Some(_)) = decode(&mut buf, dv, MAX) {}
    }

    #[test]
    fn whatever_decodes_re_encodes_and_decodes_to_the_same_packet(
        (v, p) in versioned_packet(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..3),
    ) {
        let mut bytes = to_bytes(&p, v).to_vec();
        for (i, b) in flips {
            let i = i.index(bytes.len());
            bytes[i] = b;
        }
        if let Ok(q) = decode_packet(Bytes::from(bytes), v) {
            // CONNECT is decoded by its own level, so re-encode it by that too.
            let ver = match &q { Packet::Connect(c) => c.protocol, _ => v };
            let re = to_bytes(&q, ver);
            prop_assert_eq!(decode_packet(re.freeze(), ver), Ok(q));
        }
    }
}
