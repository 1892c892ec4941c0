//! The borrowed decoder makes no heap allocation, for any packet of any type
//! and version, including walking every list and property it hands out;
//! counted with a per-thread counting global allocator.

#[path = "support/counting_alloc.rs"]
mod counting_alloc;
#[path = "support/strategies.rs"]
mod strategies;

use std::hint::black_box;

use bytes::{Bytes, BytesMut};
use counting_alloc::allocations;
use mqtt_sansio::codec::{decode_packet, decode_ref, encode, PacketRef, PropertiesRef};
use proptest::prelude::*;
use strategies::*;

#[global_allocator]
static GLOBAL: counting_alloc::Counting = counting_alloc::Counting;

/// Touches every property, so lazily parsed blocks are read in full.
fn walk_props(p: PropertiesRef<'_>) -> usize {
    p.iter().fold(0, |n, x| {
        black_box(x);
        n + 1
    })
}

/// Reads every reason code.
fn count(codes: mqtt_sansio::codec::ReasonCodes<'_>) -> usize {
    codes.iter().fold(0, |n, c| {
        black_box(c);
        n + 1
    })
}

/// Decodes `bytes` borrowed and reads every field, list and property.
fn decode_and_walk(bytes: &[u8], v: mqtt_sansio::codec::ProtocolVersion) -> usize {
    let (packet, len) = decode_ref(bytes, v, usize::MAX)
        .expect("a valid packet")
        .expect("a whole packet");
    let n = match packet {
        PacketRef::Connect(c) => {
            walk_props(c.properties)
                + c.will
                    .map_or(0, |w| walk_props(w.properties) + w.payload.len())
                + c.client_id.len()
        }
        PacketRef::ConnAck(c) => walk_props(c.properties),
        PacketRef::Publish(p) => walk_props(p.properties) + p.topic.len() + p.payload.len(),
        PacketRef::PubAck(r)
        | PacketRef::PubRec(r)
        | PacketRef::PubRel(r)
        | PacketRef::PubComp(r) => walk_props(r.properties),
        PacketRef::Subscribe(s) => {
            walk_props(s.properties)
                + s.filters
                    .iter()
                    .map(|f| black_box(f).filter.len())
                    .sum::<usize>()
        }
        PacketRef::SubAck(s) => walk_props(s.properties) + count(s.codes),
        PacketRef::Unsubscribe(u) => {
            walk_props(u.properties) + u.filters.iter().map(|f| black_box(f).len()).sum::<usize>()
        }
        PacketRef::UnsubAck(u) => walk_props(u.properties) + count(u.codes),
        PacketRef::Disconnect(d) => walk_props(d.properties),
        PacketRef::Auth(a) => walk_props(a.properties),
        PacketRef::PingReq | PacketRef::PingResp => 0,
    };
    black_box(n) + len
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn borrowed_decode_of_any_valid_packet_allocates_nothing((v, p) in versioned_packet()) {
        let mut bytes = BytesMut::new();
        encode(&p, v, usize::MAX, &mut bytes).expect("strategies build valid packets");
        let before = allocations();
        let n = decode_and_walk(&bytes, v);
        let after = allocations();
        prop_assert!(n >= bytes.len());
        prop_assert_eq!(after - before, 0, "allocations decoding {:?}", p);
    }
}

#[test]
fn the_counter_counts_an_owned_decode_that_allocates() {
    // SUBSCRIBE 1, one filter "a" QoS 0 (3.1.1): the owned decoder allocates its Vec.
    let frame = Bytes::from_static(&[0x82, 6, 0, 1, 0, 1, b'a', 0]);
    let before = allocations();
    let packet = decode_packet(frame, mqtt_sansio::codec::ProtocolVersion::V3_1_1);
    let after = allocations();
    assert!(packet.is_ok());
    assert!(
        after - before >= 1,
        "the counting allocator sees allocations"
    );
    // And the borrowed decoder, on the same bytes, does not.
    let before = allocations();
    let n = decode_and_walk(
        &[0x82, 6, 0, 1, 0, 1, b'a', 0],
        mqtt_sansio::codec::ProtocolVersion::V3_1_1,
    );
    assert_eq!(allocations() - before, 0);
    assert_eq!(n, 8 + 1, "the frame's length plus the filter's");
}
