//! Zero heap allocations per QoS 0 publish and per inbound QoS 0 message in
//! steady state, counted with a global counting allocator.
//!
//! Counts, not timings: deterministic on any machine. The counter is
//! per-thread so the test harness's other threads do not disturb it.

#[path = "support/bare.rs"]
mod bare;
#[path = "support/counting_alloc.rs"]
mod counting_alloc;

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use counting_alloc::allocations;
use mqtt_sansio::client::{Client, Event, OutgoingPublish};
use mqtt_sansio::codec::{self, ByteStr, Packet, Properties, ProtocolVersion, Publish, QoS};

#[global_allocator]
static GLOBAL: counting_alloc::Counting = counting_alloc::Counting;

fn qos0_publish_allocations(version: ProtocolVersion) -> u64 {
    let mut c = bare::connected("alloc", version);
    let mut out = BytesMut::with_capacity(4096);
    let payload = Bytes::from_static(&[7u8; 64]);
    let mut run = |c: &mut Client<Duration>, n: usize| {
        for _ in 0..n {
            let msg = OutgoingPublish::new(
                ByteStr::from_static("sensors/temp"),
                payload.clone(),
                QoS::AtMostOnce,
            );
            c.publish(Duration::ZERO, msg).unwrap();
            out.clear();
            c.poll_transmit(&mut out);
            while let Some(e) = c.poll_event() {
                drop(e);
            }
        }
    };
    run(&mut c, 100); // warm up: buffers reach their steady capacity
    let before = allocations();
    run(&mut c, 1000);
    allocations() - before
}

fn inbound_qos0_allocations(version: ProtocolVersion) -> u64 {
    let mut c = bare::connected("alloc", version);
    let mut wire = BytesMut::new();
    codec::encode(
        &Packet::Publish(Publish {
            dup: false,
            qos: QoS::AtMostOnce,
            retain: false,
            topic: ByteStr::from_static("sensors/temp"),
            packet_id: None,
            properties: Properties::default(),
            payload: Bytes::from_static(&[1u8; 64]),
        }),
        version,
        usize::MAX,
        &mut wire,
    )
    .unwrap();
    let wire = wire.freeze();
    let run = |c: &mut Client<Duration>, n: usize| {
        for _ in 0..n {
            c.handle_data(Duration::ZERO, &wire);
            match c.poll_event() {
                Some(Event::Message { publish, .. }) => drop(publish),
                other => panic!("expected a message, got {other:?}"),
            }
        }
    };
    run(&mut c, 100);
    let before = allocations();
    run(&mut c, 1000);
    allocations() - before
}

#[test]
fn qos0_publish_allocates_nothing_in_steady_state_3_1_1() {
    assert_eq!(qos0_publish_allocations(ProtocolVersion::V3_1_1), 0);
}

#[test]
fn qos0_publish_allocates_nothing_in_steady_state_5() {
    assert_eq!(qos0_publish_allocations(ProtocolVersion::V5), 0);
}

#[test]
fn inbound_qos0_message_allocates_nothing_in_steady_state_3_1_1() {
    assert_eq!(inbound_qos0_allocations(ProtocolVersion::V3_1_1), 0);
}

#[test]
fn inbound_qos0_message_allocates_nothing_in_steady_state_5() {
    assert_eq!(inbound_qos0_allocations(ProtocolVersion::V5), 0);
}

#[test]
fn the_counter_sees_allocations() {
    // The check above can fail: an allocation on this thread is counted.
    let before = allocations();
    let v: Vec<u8> = Vec::with_capacity(10);
    drop(std::hint::black_box(v));
    assert!(allocations() > before);
}
