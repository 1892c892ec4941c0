//! Instruction counts, a load-independent cross-check of the criterion numbers.
//!
//! `icount <scenario> <codec> <n>` prepares `n` inputs, then runs the
//! operation `n` times inside `measured`, the only function whose
//! instructions `benches/icount.sh` collects (`valgrind --tool=callgrind
//! --toggle-collect=*measured*`). The work per operation is the same as in
//! `benches/codec.rs` and `benches/client.rs`: fresh `BytesMut` copies made
//! before measuring, decoded packets dropped inside, encode into a reused
//! cleared buffer.
//!
//! Scenarios: decode_publish_16B, decode_publish_64KiB, decode_publish_qos1,
//! decode_connect, decode_subscribe5, decode_stream (one 10k-packet stream per
//! input), encode_publish_16B, encode_publish_64KiB, encode_connect,
//! encode_subscribe5, client_publish_qos0, client_qos1_round_trip,
//! client_inbound_qos0. Codecs: mqtt-sansio/v4, mqtt-sansio/v5 (owned decode),
//! mqtt-sansio-ref/v4, mqtt-sansio-ref/v5 (borrowed `decode_ref`, decode
//! scenarios only), mqttbytes/v4,
//! mqttbytes/v5, rumqttc/v4, mqttrs/v4, mqtt-protocol/v4, memcpy (encode of
//! 64 KiB only).

use bytes::BytesMut;
use mqtt_benches::harness::{inbound_qos0, Connected};
use mqtt_benches::*;
use std::hint::black_box;

const MAX: usize = 1 << 20;

#[inline(never)]
fn measured<T>(inputs: &mut [T], mut op: impl FnMut(&mut T)) {
    for input in inputs.iter_mut() {
        op(input);
    }
}

fn wire_of(codec: &str) -> Wire {
    if codec.ends_with("v5") {
        Wire::V5
    } else {
        Wire::V4
    }
}

fn decode(codec: &str, bytes: &[u8], n: usize, stream: bool) {
    let mut inputs: Vec<BytesMut> = if std::env::var_os("ICOUNT_VEC_INPUTS").is_some() {
        // Each input its own Vec-backed buffer: the first split_to of each allocates.
        (0..n).map(|_| BytesMut::from(bytes)).collect()
    } else {
        // Pieces of shared buffers, as in benches/codec.rs.
        let mut pool = Pool::new(bytes);
        (0..n).map(|_| pool.next_copy()).collect()
    };
    let ver = peers::ours::version(wire_of(codec));
    let one = publish_qos0(Wire::V4, SMALL).len();
    match codec {
        "mqtt-sansio/v4" | "mqtt-sansio/v5" => measured(&mut inputs, |b| {
            while let Some(p) = mqtt_sansio::codec::decode(b, ver, MAX).unwrap() {
                black_box(p);
            }
        }),
        "mqtt-sansio-ref/v4" | "mqtt-sansio-ref/v5" => measured(&mut inputs, |b| {
            let mut at = 0;
            while let Some((p, len)) = mqtt_sansio::codec::decode_ref(&b[at..], ver, MAX).unwrap() {
                black_box(p);
                at += len;
            }
        }),
        "mqttbytes/v4" => measured(&mut inputs, |b| {
            while !b.is_empty() {
                black_box(mqttbytes::v4::read(b, MAX).unwrap());
            }
        }),
        "mqttbytes/v5" => measured(&mut inputs, |b| {
            while !b.is_empty() {
                black_box(mqttbytes::v5::read(b, MAX).unwrap());
            }
        }),
        "rumqttc/v4" => measured(&mut inputs, |b| {
            while !b.is_empty() {
                black_box(rumqttc::mqttbytes::v4::Packet::read(b, MAX).unwrap());
            }
        }),
        "mqttrs/v4" => measured(&mut inputs, |b| {
            let step = if stream { one } else { b.len() };
            let mut at = 0;
            while at < b.len() {
                black_box(mqttrs::decode_slice(&b[at..]).unwrap());
                at += step;
            }
        }),
        "mqtt-protocol/v4" => measured(&mut inputs, |b| {
            use mqtt::Decodable;
            let mut r: &[u8] = b;
            while !r.is_empty() {
                black_box(mqtt::packet::VariablePacket::decode(&mut r).unwrap());
            }
        }),
        other => panic!("unknown codec {other}"),
    }
}

fn encode_with(n: usize, mut f: impl FnMut(&mut BytesMut) -> usize) {
    let mut out = BytesMut::with_capacity(MAX);
    let mut inputs = vec![(); n];
    measured(&mut inputs, |_| {
        out.clear();
        black_box(f(&mut out));
    });
}

fn encode(codec: &str, what: &str, n: usize) {
    use mqtt::Encodable;
    let size = if what == "publish_64KiB" {
        65536
    } else {
        SMALL
    };
    let wire = wire_of(codec);
    match codec {
        "mqtt-sansio/v4" | "mqtt-sansio/v5" => {
            let p = match what {
                "connect" => peers::ours::connect(wire),
                "subscribe5" => peers::ours::subscribe(),
                _ => peers::ours::publish(0, size),
            };
            let ver = peers::ours::version(wire);
            encode_with(n, |o| mqtt_sansio::codec::encode(&p, ver, MAX, o).unwrap());
        }
        "mqttbytes/v4" => match what {
            "connect" => {
                let p = peers::mqttbytes_v4::connect();
                encode_with(n, |o| p.write(o).unwrap())
            }
            "subscribe5" => {
                let p = peers::mqttbytes_v4::subscribe();
                encode_with(n, |o| p.write(o).unwrap())
            }
            _ => {
                let p = peers::mqttbytes_v4::publish(0, size);
                encode_with(n, |o| p.write(o).unwrap())
            }
        },
        "mqttbytes/v5" => match what {
            "connect" => {
                let p = peers::mqttbytes_v5::connect();
                encode_with(n, |o| p.write(o).unwrap())
            }
            "subscribe5" => {
                let p = peers::mqttbytes_v5::subscribe();
                encode_with(n, |o| p.write(o).unwrap())
            }
            _ => {
                let p = peers::mqttbytes_v5::publish(0, size);
                encode_with(n, |o| p.write(o).unwrap())
            }
        },
        "rumqttc/v4" => {
            use rumqttc::mqttbytes::v4::Packet;
            let p = match what {
                "connect" => Packet::Connect(peers::rumqttc_v4::connect()),
                "subscribe5" => Packet::Subscribe(peers::rumqttc_v4::subscribe()),
                _ => Packet::Publish(peers::rumqttc_v4::publish(0, size)),
            };
            encode_with(n, |o| p.write(o, MAX).unwrap());
        }
        "mqttrs/v4" => {
            let pl = payload(size);
            let p = match what {
                "connect" => peers::mqttrs::connect(),
                "subscribe5" => peers::mqttrs::subscribe(),
                _ => peers::mqttrs::publish(0, &pl),
            };
            let mut slice = vec![0u8; MAX];
            let mut inputs = vec![(); n];
            measured(&mut inputs, |_| {
                black_box(mqttrs::encode_slice(&p, &mut slice).unwrap());
            });
        }
        "mqtt-protocol/v4" => {
            let p: mqtt::packet::VariablePacket = match what {
                "connect" => peers::mqtt_protocol::connect().into(),
                "subscribe5" => peers::mqtt_protocol::subscribe().into(),
                _ => peers::mqtt_protocol::publish(0, size).into(),
            };
            let mut v: Vec<u8> = Vec::with_capacity(MAX);
            let mut inputs = vec![(); n];
            measured(&mut inputs, |_| {
                v.clear();
                p.encode(&mut v).unwrap();
                black_box(v.len());
            });
        }
        "memcpy" => {
            let src = payload(size);
            encode_with(n, |o| {
                o.extend_from_slice(&src);
                o.len()
            });
        }
        other => panic!("unknown codec {other}"),
    }
}

fn client(codec: &str, what: &str, n: usize) {
    let wire = wire_of(codec);
    let mut h = Connected::new(wire);
    let packet = inbound_qos0(wire);
    let mut inputs = vec![(); n];
    // Warm up to steady state (buffers at their working capacity).
    for _ in 0..1000 {
        match what {
            "publish_qos0" => {
                h.publish_qos0();
            }
            "qos1_round_trip" => assert!(h.publish_qos1_round_trip()),
            _ => assert!(h.receive(&packet)),
        }
    }
    match what {
        "publish_qos0" => measured(&mut inputs, |_| {
            black_box(h.publish_qos0());
        }),
        "qos1_round_trip" => measured(&mut inputs, |_| assert!(h.publish_qos1_round_trip())),
        _ => measured(&mut inputs, |_| assert!(h.receive(&packet))),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, scenario, codec, n] = &args[..] else {
        panic!("usage: icount <scenario> <codec> <n>");
    };
    let n: usize = n.parse().expect("n");
    let wire = wire_of(codec);
    match scenario.as_str() {
        "decode_publish_16B" => decode(codec, &publish_qos0(wire, SMALL), n, false),
        "decode_publish_64KiB" => decode(codec, &publish_qos0(wire, 65536), n, false),
        "decode_publish_qos1" => decode(codec, &publish_qos1(wire, SMALL), n, false),
        "decode_connect" => decode(codec, &connect(wire), n, false),
        "decode_subscribe5" => decode(codec, &subscribe(wire), n, false),
        "decode_stream" => decode(codec, &publish_stream(wire, STREAM_COUNT, SMALL), n, true),
        "encode_publish_16B" => encode(codec, "publish_16B", n),
        "encode_publish_64KiB" => encode(codec, "publish_64KiB", n),
        "encode_connect" => encode(codec, "connect", n),
        "encode_subscribe5" => encode(codec, "subscribe5", n),
        "client_publish_qos0" => client(codec, "publish_qos0", n),
        "client_qos1_round_trip" => client(codec, "qos1_round_trip", n),
        "client_inbound_qos0" => client(codec, "inbound_qos0", n),
        other => panic!("unknown scenario {other}"),
    }
}
