//! The wire codec side by side with peer Rust MQTT codecs, on the same bytes.
//!
//! Each criterion group is one (operation, packet) pair; each function in it
//! is one codec: `mqtt-sansio/v4` and `mqtt-sansio/v5` (this project, MQTT
//! 3.1.1 and 5 wire images, owned decode to `Packet`), `mqtt-sansio-ref/v4`
//! and `mqtt-sansio-ref/v5` (this project's borrowed `decode_ref` to
//! `PacketRef`, decode only), `mqttbytes/v4`, `mqttbytes/v5` (mqttbytes 0.6),
//! `rumqttc/v4`, `rumqttc/v5` (rumqttc 0.25's `mqttbytes` modules), `mqttrs/v4`
//! (mqttrs 0.4) and `mqtt-protocol/v4` (mqtt-protocol 0.12). The v5 wire images
//! differ from v4 only by empty property lists.
//!
//! Equal work, by construction:
//! - Inputs are the hand-built fixtures of `mqtt_benches` (checked against every
//!   codec in `tests/fixtures.rs`).
//! - Decode: every codec gets a fresh `BytesMut` copy of the packet per
//!   iteration through `iter_batched_ref` (the copy is made before the timer
//!   starts, the emptied buffer is dropped after it stops), because the
//!   `BytesMut` decoders consume their input. Codecs that read a slice read the
//!   same fresh copy. The copies are cut from one shared buffer per batch
//!   ([`Pool`]), as packets are cut from a long-lived receive buffer; a
//!   Vec-backed copy would make every `BytesMut` decoder allocate a shared
//!   header at its first `split_to`, a cost no stream decoder pays per packet.
//!   The decoded packet is dropped inside the timed region for every codec (a
//!   decode that allocates also pays its frees; a decode that counts
//!   references pays its decrements). Every single-packet decode group times
//!   batches of 8 copies ([`BATCH`]), whatever the packet's size, so that the
//!   harness's per-batch clock reads weigh the same on every size; the
//!   `harness` function of each group measures that overhead.
//! - Encode: every codec encodes a packet value built once, into one reused
//!   buffer cleared before each iteration (`BytesMut`, or `Vec`/slice for the
//!   codecs that write to those).
//! - `memcpy/64KiB` copies the 64 KiB payload into a reused, cleared `BytesMut`:
//!   the floor for encoding a 64 KiB PUBLISH. `memcpy_at_37/64KiB` writes the
//!   37-byte v4 header and then copies the payload that `mqtt-sansio/v4`
//!   encodes (same allocation): the same bytes to the same place, the floor
//!   with the encoders' source/destination misalignment.

use bytes::BytesMut;
use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BatchSize, BenchmarkGroup, Criterion, Throughput,
};
use mqtt_benches::peers;
use mqtt_benches::*;
use std::hint::black_box;

const MAX: usize = 1 << 20;

fn size_label(n: usize) -> String {
    if n >= 1024 {
        format!("{}KiB", n / 1024)
    } else {
        format!("{n}B")
    }
}

/// Fresh copies of `packet` for `iter_batched_ref`, cut from a shared buffer.
fn pool(packet: &[u8]) -> impl FnMut() -> BytesMut {
    let mut p = Pool::new(packet);
    move || p.next_copy()
}

/// Iterations per timed batch, the same in every single-packet decode group.
///
/// criterion reads the clock once per batch: about 22 ns here, which a batch
/// of `n` iterations adds to each as 22 / `n` ns. The copies of a 64 KiB
/// packet cannot come in batches of more than a few without leaving the
/// cache (each copy is 64 KiB), so every size gets batches of 8: the harness
/// then adds the same ~3 ns to every function of every group (the `harness`
/// function of each group measures it), and a ratio between two sizes
/// compares decoders, not batch sizes. (Batches of 1,024 copies for small
/// packets and 8 for 64 KiB, as before, added 0.6 against 3.4 ns.)
const BATCH: BatchSize = BatchSize::NumIterations(8);

// ------------------------------------------------------------------ decode

/// Adds one function per codec decoding `v4` (MQTT 3.1.1 image) or `v5`.
fn decode_all(g: &mut BenchmarkGroup<'_, WallTime>, v4: &[u8], v5: &[u8]) {
    use mqtt_sansio::codec;
    let ver4 = peers::ours::version(Wire::V4);
    let ver5 = peers::ours::version(Wire::V5);

    // The timed loop around a routine that only reads the copy's length: the
    // harness overhead included in every other number of the group.
    g.bench_function("harness", |b| {
        b.iter_batched_ref(
            pool(v4),
            |buf| {
                black_box(buf.len());
            },
            BATCH,
        )
    });
    g.bench_function("mqtt-sansio/v4", |b| {
        b.iter_batched_ref(
            pool(v4),
            |buf| {
                black_box(codec::decode(buf, ver4, MAX).unwrap());
            },
            BATCH,
        )
    });
    g.bench_function("mqtt-sansio-ref/v4", |b| {
        b.iter_batched_ref(
            pool(v4),
            |buf| {
                black_box(codec::decode_ref(&buf[..], ver4, MAX).unwrap());
            },
            BATCH,
        )
    });
    g.bench_function("mqttbytes/v4", |b| {
        b.iter_batched_ref(
            pool(v4),
            |buf| {
                black_box(mqttbytes::v4::read(buf, MAX).unwrap());
            },
            BATCH,
        )
    });
    g.bench_function("rumqttc/v4", |b| {
        b.iter_batched_ref(
            pool(v4),
            |buf| {
                black_box(rumqttc::mqttbytes::v4::Packet::read(buf, MAX).unwrap());
            },
            BATCH,
        )
    });
    g.bench_function("mqttrs/v4", |b| {
        b.iter_batched_ref(
            pool(v4),
            |buf| {
                black_box(mqttrs::decode_slice(buf).unwrap());
            },
            BATCH,
        )
    });
    g.bench_function("mqtt-protocol/v4", |b| {
        use mqtt::Decodable;
        b.iter_batched_ref(
            pool(v4),
            |buf| {
                let mut r: &[u8] = buf;
                black_box(mqtt::packet::VariablePacket::decode(&mut r).unwrap());
            },
            BATCH,
        )
    });
    g.bench_function("mqtt-sansio/v5", |b| {
        b.iter_batched_ref(
            pool(v5),
            |buf| {
                black_box(codec::decode(buf, ver5, MAX).unwrap());
            },
            BATCH,
        )
    });
    g.bench_function("mqtt-sansio-ref/v5", |b| {
        b.iter_batched_ref(
            pool(v5),
            |buf| {
                black_box(codec::decode_ref(&buf[..], ver5, MAX).unwrap());
            },
            BATCH,
        )
    });
    g.bench_function("mqttbytes/v5", |b| {
        b.iter_batched_ref(
            pool(v5),
            |buf| {
                black_box(mqttbytes::v5::read(buf, MAX).unwrap());
            },
            BATCH,
        )
    });
    g.bench_function("rumqttc/v5", |b| {
        b.iter_batched_ref(
            pool(v5),
            |buf| {
                black_box(rumqttc::v5::mqttbytes::v5::Packet::read(buf, Some(MAX as u32)).unwrap());
            },
            BATCH,
        )
    });
}

fn decode_publish(c: &mut Criterion) {
    for n in PAYLOAD_SIZES {
        let mut g = c.benchmark_group(format!("decode_publish_qos0_{}", size_label(n)));
        g.throughput(Throughput::Elements(1));
        decode_all(
            &mut g,
            &publish_qos0(Wire::V4, n),
            &publish_qos0(Wire::V5, n),
        );
        g.finish();
    }
    let mut g = c.benchmark_group("decode_publish_qos1_16B");
    g.throughput(Throughput::Elements(1));
    decode_all(
        &mut g,
        &publish_qos1(Wire::V4, SMALL),
        &publish_qos1(Wire::V5, SMALL),
    );
    g.finish();
}

fn decode_control(c: &mut Criterion) {
    let mut g = c.benchmark_group("decode_connect");
    g.throughput(Throughput::Elements(1));
    decode_all(&mut g, &connect(Wire::V4), &connect(Wire::V5));
    g.finish();
    let mut g = c.benchmark_group("decode_subscribe5");
    g.throughput(Throughput::Elements(1));
    decode_all(&mut g, &subscribe(Wire::V4), &subscribe(Wire::V5));
    g.finish();
}

fn decode_stream(c: &mut Criterion) {
    use mqtt_sansio::codec;
    let s4 = publish_stream(Wire::V4, STREAM_COUNT, SMALL);
    let s5 = publish_stream(Wire::V5, STREAM_COUNT, SMALL);
    let one4 = publish_qos0(Wire::V4, SMALL).len();
    let mut g = c.benchmark_group("decode_stream_10k_publish_16B");
    g.throughput(Throughput::Elements(STREAM_COUNT as u64));
    let fresh4 = || BytesMut::from(&s4[..]);
    let fresh5 = || BytesMut::from(&s5[..]);
    // One stream is ~0.5 MB: one per batch.
    let per = BatchSize::PerIteration;

    for (name, ver, fresh) in [
        (
            "mqtt-sansio/v4",
            peers::ours::version(Wire::V4),
            &fresh4 as &dyn Fn() -> BytesMut,
        ),
        ("mqtt-sansio/v5", peers::ours::version(Wire::V5), &fresh5),
    ] {
        g.bench_function(name, |b| {
            b.iter_batched_ref(
                fresh,
                |buf| {
                    let mut n = 0usize;
                    while let Some(p) = codec::decode(buf, ver, MAX).unwrap() {
                        black_box(p);
                        n += 1;
                    }
                    assert_eq!(n, STREAM_COUNT);
                },
                per,
            )
        });
    }
    for (name, ver, fresh) in [
        (
            "mqtt-sansio-ref/v4",
            peers::ours::version(Wire::V4),
            &fresh4 as &dyn Fn() -> BytesMut,
        ),
        (
            "mqtt-sansio-ref/v5",
            peers::ours::version(Wire::V5),
            &fresh5,
        ),
    ] {
        g.bench_function(name, |b| {
            b.iter_batched_ref(
                fresh,
                |buf| {
                    let mut at = 0usize;
                    let mut n = 0usize;
                    while let Some((p, len)) = codec::decode_ref(&buf[at..], ver, MAX).unwrap() {
                        black_box(p);
                        at += len;
                        n += 1;
                    }
                    assert_eq!(n, STREAM_COUNT);
                },
                per,
            )
        });
    }
    g.bench_function("mqttbytes/v4", |b| {
        b.iter_batched_ref(
            fresh4,
            |buf| {
                let mut n = 0usize;
                while !buf.is_empty() {
                    black_box(mqttbytes::v4::read(buf, MAX).unwrap());
                    n += 1;
                }
                assert_eq!(n, STREAM_COUNT);
            },
            per,
        )
    });
    g.bench_function("rumqttc/v4", |b| {
        b.iter_batched_ref(
            fresh4,
            |buf| {
                let mut n = 0usize;
                while !buf.is_empty() {
                    black_box(rumqttc::mqttbytes::v4::Packet::read(buf, MAX).unwrap());
                    n += 1;
                }
                assert_eq!(n, STREAM_COUNT);
            },
            per,
        )
    });
    g.bench_function("mqttrs/v4", |b| {
        // mqttrs does not report how much it consumed; advance by the known
        // frame length (checked in tests/fixtures.rs).
        b.iter_batched_ref(
            fresh4,
            |buf| {
                let mut at = 0usize;
                let mut n = 0usize;
                while at < buf.len() {
                    black_box(mqttrs::decode_slice(&buf[at..]).unwrap().unwrap());
                    at += one4;
                    n += 1;
                }
                assert_eq!(n, STREAM_COUNT);
            },
            per,
        )
    });
    g.bench_function("mqtt-protocol/v4", |b| {
        use mqtt::Decodable;
        b.iter_batched_ref(
            fresh4,
            |buf| {
                let mut r: &[u8] = buf;
                let mut n = 0usize;
                while !r.is_empty() {
                    black_box(mqtt::packet::VariablePacket::decode(&mut r).unwrap());
                    n += 1;
                }
                assert_eq!(n, STREAM_COUNT);
            },
            per,
        )
    });
    g.bench_function("mqttbytes/v5", |b| {
        b.iter_batched_ref(
            fresh5,
            |buf| {
                let mut n = 0usize;
                while !buf.is_empty() {
                    black_box(mqttbytes::v5::read(buf, MAX).unwrap());
                    n += 1;
                }
                assert_eq!(n, STREAM_COUNT);
            },
            per,
        )
    });
    g.bench_function("rumqttc/v5", |b| {
        b.iter_batched_ref(
            fresh5,
            |buf| {
                let mut n = 0usize;
                while !buf.is_empty() {
                    black_box(
                        rumqttc::v5::mqttbytes::v5::Packet::read(buf, Some(MAX as u32)).unwrap(),
                    );
                    n += 1;
                }
                assert_eq!(n, STREAM_COUNT);
            },
            per,
        )
    });
    g.finish();
}

// ------------------------------------------------------------------ encode

/// One encode benchmark: `f` appends one packet to a reused, cleared buffer.
fn bench_encode<F: FnMut(&mut BytesMut) -> usize>(
    g: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    mut f: F,
) {
    let mut out = BytesMut::with_capacity(MAX);
    g.bench_function(name, |b| {
        b.iter(|| {
            out.clear();
            f(&mut out)
        })
    });
}

fn ours_encode(g: &mut BenchmarkGroup<'_, WallTime>, wire: Wire, p: mqtt_sansio::Packet) {
    let ver = peers::ours::version(wire);
    let name = match wire {
        Wire::V4 => "mqtt-sansio/v4",
        Wire::V5 => "mqtt-sansio/v5",
    };
    bench_encode(g, name, |out| {
        mqtt_sansio::codec::encode(black_box(&p), ver, MAX, out).unwrap()
    });
}

fn mqttrs_encode(g: &mut BenchmarkGroup<'_, WallTime>, p: &mqttrs::Packet<'_>) {
    let mut slice = vec![0u8; MAX];
    g.bench_function("mqttrs/v4", |b| {
        b.iter(|| mqttrs::encode_slice(black_box(p), &mut slice).unwrap())
    });
}

fn mqtt_protocol_encode<P: mqtt::Encodable>(g: &mut BenchmarkGroup<'_, WallTime>, p: &P) {
    let mut v: Vec<u8> = Vec::with_capacity(MAX);
    g.bench_function("mqtt-protocol/v4", |b| {
        b.iter(|| {
            v.clear();
            black_box(p).encode(&mut v).unwrap();
            v.len()
        })
    });
}

fn rumqttc_v4_encode(g: &mut BenchmarkGroup<'_, WallTime>, p: rumqttc::mqttbytes::v4::Packet) {
    bench_encode(g, "rumqttc/v4", |out| {
        black_box(&p).write(out, MAX).unwrap()
    });
}

fn rumqttc_v5_encode(g: &mut BenchmarkGroup<'_, WallTime>, p: rumqttc::v5::mqttbytes::v5::Packet) {
    bench_encode(g, "rumqttc/v5", |out| {
        black_box(&p).write(out, Some(MAX as u32)).unwrap()
    });
}

/// Encodes the PUBLISH with every codec; returns the payload of our v4
/// packet (the same allocation, shared) for the `memcpy_at_37` floor.
fn encode_publish_group(g: &mut BenchmarkGroup<'_, WallTime>, qos: u8, n: usize) -> bytes::Bytes {
    use rumqttc::mqttbytes::v4::Packet as R4;
    use rumqttc::v5::mqttbytes::v5::Packet as R5;
    let ours_v4 = peers::ours::publish(qos, n);
    let shared_payload = match &ours_v4 {
        mqtt_sansio::Packet::Publish(p) => p.payload.clone(),
        _ => unreachable!("peers::ours::publish builds a PUBLISH"),
    };
    ours_encode(g, Wire::V4, ours_v4);
    let p = peers::mqttbytes_v4::publish(qos, n);
    bench_encode(g, "mqttbytes/v4", |out| black_box(&p).write(out).unwrap());
    rumqttc_v4_encode(g, R4::Publish(peers::rumqttc_v4::publish(qos, n)));
    let pl = payload(n);
    mqttrs_encode(g, &peers::mqttrs::publish(qos, &pl));
    mqtt_protocol_encode(g, &peers::mqtt_protocol::publish(qos, n));
    ours_encode(g, Wire::V5, peers::ours::publish(qos, n));
    let p = peers::mqttbytes_v5::publish(qos, n);
    bench_encode(g, "mqttbytes/v5", |out| black_box(&p).write(out).unwrap());
    rumqttc_v5_encode(g, R5::Publish(peers::rumqttc_v5::publish(qos, n)));
    shared_payload
}

fn encode_publish(c: &mut Criterion) {
    for n in PAYLOAD_SIZES {
        let mut g = c.benchmark_group(format!("encode_publish_qos0_{}", size_label(n)));
        g.throughput(Throughput::Elements(1));
        let shared_payload = encode_publish_group(&mut g, 0, n);
        if n == 65536 {
            let src = payload(n);
            bench_encode(&mut g, "memcpy/64KiB", |out| {
                out.extend_from_slice(black_box(&src));
                out.len()
            });
            // The same copy where a v4 PUBLISH puts it: after its 37-byte
            // header, from the very payload allocation `mqtt-sansio/v4`
            // encodes. The destination is then 37 bytes off the source's
            // alignment, as it is for every encoder, which `memcpy/64KiB`
            // (destination at the buffer start) does not pay.
            let image = publish_qos0(Wire::V4, n);
            let header = &image[..image.len() - n];
            bench_encode(&mut g, "memcpy_at_37/64KiB", |out| {
                out.extend_from_slice(black_box(header));
                out.extend_from_slice(black_box(&shared_payload));
                out.len()
            });
        }
        g.finish();
    }
    let mut g = c.benchmark_group("encode_publish_qos1_16B");
    g.throughput(Throughput::Elements(1));
    encode_publish_group(&mut g, 1, SMALL);
    g.finish();
}

/// An output buffer and a payload of `n` bytes in one allocation, placed so
/// that the payload copied to `header` bytes into the buffer lands `rel`
/// bytes past its source modulo 4 KiB, the source a page and a bit before it
/// (as a payload allocated just before the write buffer would be).
fn buffer_and_payload(header: usize, n: usize, rel: usize) -> (BytesMut, bytes::Bytes) {
    let pad = (rel + 4096 - header % 4096 - n % 4096) % 4096;
    let mut big = BytesMut::with_capacity(n + pad + MAX);
    big.extend_from_slice(&payload(n));
    big.extend_from_slice(&vec![0; pad]);
    let pl = big.split_to(n + pad).freeze().slice(..n);
    let out = big; // empty, with the rest of the allocation as capacity
    let dst = out.as_ptr() as usize + header;
    assert_eq!(dst.wrapping_sub(pl.as_ptr() as usize) % 4096, rel);
    (out, pl)
}

/// Encoding a 64 KiB PUBLISH whose payload's destination is 1 byte past the
/// source modulo 4 KiB: where glibc's `rep movsb` copy is slowest on these
/// machines (16 times slower for 1 to 7 bytes) (see `COPY_CHUNK` in `mqtt-proto/src/codec/encode/cursor.rs`).
/// Every encoder gets its own output buffer and a payload placed for it; the
/// buffer never grows (its capacity is reserved), so the placement holds.
fn encode_publish_offset1(c: &mut Criterion) {
    const N: usize = 64 * 1024;
    const HEADER: usize = 37; // the v4 image's fixed + variable header
    let mut g = c.benchmark_group("encode_publish_qos0_64KiB_offset1");
    g.throughput(Throughput::Elements(1));
    let ver4 = peers::ours::version(Wire::V4);
    {
        let (mut out, pl) = buffer_and_payload(HEADER, N, 1);
        let p = mqtt_sansio::Packet::Publish(mqtt_sansio::codec::Publish {
            dup: false,
            qos: mqtt_sansio::QoS::AtMostOnce,
            retain: false,
            topic: mqtt_sansio::codec::ByteStr::from_static(TOPIC),
            packet_id: None,
            properties: mqtt_sansio::codec::Properties::EMPTY,
            payload: pl,
        });
        g.bench_function("mqtt-sansio/v4", |b| {
            b.iter(|| {
                out.clear();
                mqtt_sansio::codec::encode(black_box(&p), ver4, MAX, &mut out).unwrap()
            })
        });
    }
    {
        let (mut out, pl) = buffer_and_payload(HEADER, N, 1);
        let p = mqttbytes::v4::Publish::from_bytes(TOPIC, mqttbytes::QoS::AtMostOnce, pl);
        g.bench_function("mqttbytes/v4", |b| {
            b.iter(|| {
                out.clear();
                black_box(&p).write(&mut out).unwrap()
            })
        });
    }
    {
        let (mut out, pl) = buffer_and_payload(HEADER, N, 1);
        let p =
            rumqttc::mqttbytes::v4::Packet::Publish(rumqttc::mqttbytes::v4::Publish::from_bytes(
                TOPIC,
                rumqttc::mqttbytes::QoS::AtMostOnce,
                pl,
            ));
        g.bench_function("rumqttc/v4", |b| {
            b.iter(|| {
                out.clear();
                black_box(&p).write(&mut out, MAX).unwrap()
            })
        });
    }
    {
        // The floor as the other groups measure it: the header, then one
        // `memcpy` of the payload, to the same relative offset.
        let image = publish_qos0(Wire::V4, N);
        let header = image[..HEADER].to_vec();
        let (mut out, pl) = buffer_and_payload(HEADER, N, 1);
        g.bench_function("memcpy_at_37/64KiB", |b| {
            b.iter(|| {
                out.clear();
                out.extend_from_slice(black_box(&header));
                out.extend_from_slice(black_box(&pl));
                out.len()
            })
        });
    }
    g.finish();
}

fn encode_control(c: &mut Criterion) {
    use rumqttc::mqttbytes::v4::Packet as R4;
    use rumqttc::v5::mqttbytes::v5::Packet as R5;

    let mut g = c.benchmark_group("encode_connect");
    g.throughput(Throughput::Elements(1));
    ours_encode(&mut g, Wire::V4, peers::ours::connect(Wire::V4));
    let p = peers::mqttbytes_v4::connect();
    bench_encode(&mut g, "mqttbytes/v4", |out| {
        black_box(&p).write(out).unwrap()
    });
    rumqttc_v4_encode(&mut g, R4::Connect(peers::rumqttc_v4::connect()));
    mqttrs_encode(&mut g, &peers::mqttrs::connect());
    mqtt_protocol_encode(&mut g, &peers::mqtt_protocol::connect());
    ours_encode(&mut g, Wire::V5, peers::ours::connect(Wire::V5));
    let p = peers::mqttbytes_v5::connect();
    bench_encode(&mut g, "mqttbytes/v5", |out| {
        black_box(&p).write(out).unwrap()
    });
    let (rc, rw, rl) = peers::rumqttc_v5::connect();
    rumqttc_v5_encode(&mut g, R5::Connect(rc, rw, rl));
    g.finish();

    let mut g = c.benchmark_group("encode_subscribe5");
    g.throughput(Throughput::Elements(1));
    ours_encode(&mut g, Wire::V4, peers::ours::subscribe());
    let p = peers::mqttbytes_v4::subscribe();
    bench_encode(&mut g, "mqttbytes/v4", |out| {
        black_box(&p).write(out).unwrap()
    });
    rumqttc_v4_encode(&mut g, R4::Subscribe(peers::rumqttc_v4::subscribe()));
    mqttrs_encode(&mut g, &peers::mqttrs::subscribe());
    mqtt_protocol_encode(&mut g, &peers::mqtt_protocol::subscribe());
    ours_encode(&mut g, Wire::V5, peers::ours::subscribe());
    let p = peers::mqttbytes_v5::subscribe();
    bench_encode(&mut g, "mqttbytes/v5", |out| {
        black_box(&p).write(out).unwrap()
    });
    rumqttc_v5_encode(&mut g, R5::Subscribe(peers::rumqttc_v5::subscribe()));
    g.finish();
}

/// Streaming: what it costs to look at a buffer holding part of a packet.
/// Nothing is consumed, so every function reads the same long-lived buffer.
fn frame_check(c: &mut Criterion) {
    use mqtt_sansio::codec::{self, check_frame};
    let big = publish_qos0(Wire::V4, 64 * 1024);
    let half = &big[..big.len() / 2];
    let small = publish_qos0(Wire::V4, SMALL);
    let ver4 = peers::ours::version(Wire::V4);
    let mut g = c.benchmark_group("frame_check");
    g.throughput(Throughput::Elements(1));
    // Only the fixed header of the 64 KiB PUBLISH has arrived (4 bytes).
    g.bench_function("mqtt-sansio/v4 check_frame header only", |b| {
        b.iter(|| check_frame(black_box(&big[..4]), MAX))
    });
    // Half of the 64 KiB PUBLISH has arrived: the same work as above.
    g.bench_function("mqtt-sansio/v4 check_frame half of 64KiB", |b| {
        b.iter(|| check_frame(black_box(half), MAX))
    });
    g.bench_function("mqtt-sansio-ref/v4 decode_ref half of 64KiB", |b| {
        b.iter(|| codec::decode_ref(black_box(half), ver4, MAX).map(|p| p.is_none()))
    });
    g.bench_function("mqtt-sansio/v4 check_frame whole 16B", |b| {
        b.iter(|| check_frame(black_box(&small[..]), MAX))
    });
    g.bench_function("mqttbytes/v4 check half of 64KiB", |b| {
        b.iter(|| mqttbytes::check(black_box(half).iter(), MAX).is_err())
    });
    g.finish();
}

criterion_group!(
    benches,
    frame_check,
    decode_publish,
    decode_stream,
    decode_control,
    encode_publish,
    encode_publish_offset1,
    encode_control
);
criterion_main!(benches);
