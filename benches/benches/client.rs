//! The sans-IO client core (issue 3): the cost of one message through the
//! state machine, codec included, for MQTT 3.1.1 and 5.
//!
//! - `client_publish_qos0_16B`: `publish` of a QoS 0 message, then
//!   `poll_transmit` of its bytes into a reused buffer, and the completion event.
//! - `client_publish_qos1_round_trip_16B`: `publish` QoS 1, `poll_transmit`,
//!   `handle_data` of the broker's PUBACK, and the completion event.
//! - `client_inbound_qos0_16B`: `handle_data` of a 16 B QoS 0 PUBLISH and the
//!   message event it produces (dropped at once, as an application that has
//!   handled it would).
//!
//! The client is connected and subscribed once per benchmark (see
//! `mqtt_benches::harness`); time does not move, so no timer fires.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mqtt_benches::harness::{inbound_qos0, Connected};
use mqtt_benches::Wire;
use std::hint::black_box;

fn name(wire: Wire) -> &'static str {
    match wire {
        Wire::V4 => "mqtt-sansio/v4",
        Wire::V5 => "mqtt-sansio/v5",
    }
}

fn publish_qos0(c: &mut Criterion) {
    let mut g = c.benchmark_group("client_publish_qos0_16B");
    g.throughput(Throughput::Elements(1));
    for wire in [Wire::V4, Wire::V5] {
        let mut h = Connected::new(wire);
        g.bench_function(name(wire), |b| b.iter(|| black_box(h.publish_qos0())));
    }
    g.finish();
}

fn publish_qos1(c: &mut Criterion) {
    let mut g = c.benchmark_group("client_publish_qos1_round_trip_16B");
    g.throughput(Throughput::Elements(1));
    for wire in [Wire::V4, Wire::V5] {
        let mut h = Connected::new(wire);
        g.bench_function(name(wire), |b| {
            b.iter(|| assert!(h.publish_qos1_round_trip()))
        });
    }
    g.finish();
}

fn inbound_qos0_bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("client_inbound_qos0_16B");
    g.throughput(Throughput::Elements(1));
    for wire in [Wire::V4, Wire::V5] {
        let mut h = Connected::new(wire);
        let packet = inbound_qos0(wire);
        g.bench_function(name(wire), |b| {
            b.iter(|| assert!(h.receive(black_box(&packet))))
        });
    }
    g.finish();
}

criterion_group!(benches, publish_qos0, publish_qos1, inbound_qos0_bench);
criterion_main!(benches);
