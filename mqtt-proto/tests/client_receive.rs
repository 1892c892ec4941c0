//! The client's receive path: PUBLISH is split off the receive buffer, every
//! other packet is decoded in place and the buffer advanced past it. Both
//! must agree on where each packet ends, however the bytes arrive.

#[path = "support/bare.rs"]
mod bare;

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use mqtt_sansio::client::{Client, ConnectionError, Event, OutgoingPublish};
use mqtt_sansio::codec::{self, ByteStr, DecodeError, Packet, ProtocolVersion, QoS};

const T: Duration = Duration::ZERO;

/// Publishes at QoS 1 and returns the packet id bytes the client chose.
fn publish_qos1(c: &mut Client<Duration>, version: ProtocolVersion) -> [u8; 2] {
    let msg = OutgoingPublish::new(
        ByteStr::from_static("out"),
        Bytes::from_static(b"x"),
        QoS::AtLeastOnce,
    );
    c.publish(T, msg).unwrap();
    let mut out = BytesMut::new();
    c.poll_transmit(&mut out);
    let Ok(Packet::Publish(p)) = codec::decode_packet(out.freeze(), version) else {
        panic!("the client sent its PUBLISH");
    };
    p.packet_id
        .expect("QoS 1 has a packet id")
        .get()
        .to_be_bytes()
}

/// What a test looks at in the events: completions and message topics.
fn summary(c: &mut Client<Duration>) -> Vec<String> {
    let mut seen = Vec::new();
    while let Some(e) = c.poll_event() {
        match e {
            Event::PublishComplete { reason, .. } => seen.push(format!("complete {reason:?}")),
            Event::Message { publish, .. } => seen.push(format!("message {}", publish.topic)),
            Event::ConnectionLost { cause: error, .. } => seen.push(format!("lost {error:?}")),
            _ => {}
        }
    }
    seen
}

fn acks_and_publishes_split_at_every_byte(version: ProtocolVersion) {
    for cut in 0..=16 {
        let mut c = bare::connected("rx", version);
        let [hi, lo] = publish_qos1(&mut c, version);
        let _ = summary(&mut c);
        // PUBACK, PUBLISH "a/b" (QoS 0, payload "hi"), PINGRESP, PUBLISH "c".
        let mut wire = vec![0x40, 0x02, hi, lo];
        if version == ProtocolVersion::V5 {
            wire.extend_from_slice(&[0x30, 0x08, 0x00, 0x03, b'a', b'/', b'b', 0x00, b'h', b'i']);
        } else {
            wire.extend_from_slice(&[0x30, 0x07, 0x00, 0x03, b'a', b'/', b'b', b'h', b'i']);
        }
        wire.extend_from_slice(&[0xD0, 0x00]);
        if version == ProtocolVersion::V5 {
            wire.extend_from_slice(&[0x30, 0x04, 0x00, 0x01, b'c', 0x00]);
        } else {
            wire.extend_from_slice(&[0x30, 0x03, 0x00, 0x01, b'c']);
        }
        let cut = cut.min(wire.len());
        c.handle_data(T, &wire[..cut]);
        c.handle_data(T, &wire[cut..]);
        assert_eq!(
            summary(&mut c),
            ["complete Success", "message a/b", "message c"],
            "{version:?}, bytes split at {cut}"
        );
    }
}

#[test]
fn acks_decoded_in_place_and_publishes_split_off_agree_on_packet_ends_3_1_1() {
    acks_and_publishes_split_at_every_byte(ProtocolVersion::V3_1_1);
}

#[test]
fn acks_decoded_in_place_and_publishes_split_off_agree_on_packet_ends_5() {
    acks_and_publishes_split_at_every_byte(ProtocolVersion::V5);
}

#[test]
fn a_malformed_ack_decoded_in_place_is_a_protocol_violation() {
    let version = ProtocolVersion::V3_1_1;
    let mut c = bare::connected("rx", version);
    // PUBACK with packet id 0 `[MQTT-2.3.1-1]`.
    c.handle_data(T, &[0x40, 0x02, 0x00, 0x00]);
    let lost = std::iter::from_fn(|| c.poll_event()).find_map(|e| match e {
        Event::ConnectionLost { cause: error, .. } => Some(error),
        _ => None,
    });
    let Some(ConnectionError::Protocol(v)) = lost else {
        panic!("expected a protocol violation, got {lost:?}");
    };
    assert_eq!(
        v,
        mqtt_sansio::client::ProtocolViolation::Malformed(DecodeError::ZeroPacketId)
    );
}
