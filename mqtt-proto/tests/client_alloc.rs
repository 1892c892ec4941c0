//! Zero heap allocations per QoS 0 publish and per inbound QoS 0 message in
//! steady state, counted with a global counting allocator.
//!
//! Counts, not timings: deterministic on any machine. The counter is
//! per-thread so the test harness's other threads do not disturb it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use mqtt_sansio::client::{Client, Config, Event, OutgoingPublish};
use mqtt_sansio::codec::{self, ByteStr, Packet, Properties, ProtocolVersion, Publish, QoS};

struct Counting;

thread_local! {
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> u64 {
    ALLOCS.with(|c| c.get())
}

fn connected(version: ProtocolVersion) -> Client<Duration> {
    let mut c = Client::new(Config::default().client_id("alloc").protocol(version)).unwrap();
    c.connect(Duration::ZERO);
    c.poll_transport();
    c.handle_connected(Duration::ZERO);
    let mut out = BytesMut::new();
    c.poll_transmit(&mut out);
    let mut connack = BytesMut::new();
    codec::encode(
        &Packet::ConnAck(codec::ConnAck {
            session_present: false,
            code: codec::ReasonCode::Success,
            properties: Properties::default(),
        }),
        version,
        usize::MAX,
        &mut connack,
    )
    .unwrap();
    c.handle_data(Duration::ZERO, &connack);
    assert!(matches!(c.poll_event(), Some(Event::Connected { .. })));
    c
}

fn qos0_publish_allocations(version: ProtocolVersion) -> u64 {
    let mut c = connected(version);
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
    let mut c = connected(version);
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
