//! A hostile broker: arbitrary bytes (and mutated valid packets) at any
//! point of a connection, interleaved with commands and time. The client
//! must never panic, must end the connection with a typed error when the
//! bytes are not MQTT (a broker fault: `ConnectionError::Protocol`,
//! checked after every step; the exact `Malformed` reason for well-known
//! non-MQTT bytes in an example test), and must keep its promises about
//! accepted publishes.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use mqtt_sansio::client::{
    Client, Config, ConnectionError, Event, OutgoingPublish, ProtocolViolation, TransportCommand,
};
use mqtt_sansio::codec::{
    self, ByteStr, ConnAck, DecodeError, Packet, PacketId, PacketType, Properties, ProtocolVersion,
    PubResponse, Publish, QoS, ReasonCode,
};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Step {
    Raw(Vec<u8>),
    /// A valid packet, optionally with one byte flipped.
    Packet {
        kind: u8,
        id: u16,
        flip: Option<(usize, u8)>,
    },
    Publish(u8),
    Advance(u32),
    Reconnect,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        2 => proptest::collection::vec(any::<u8>(), 0..40).prop_map(Step::Raw),
        4 => (0u8..8, 1u16..6, proptest::option::of((any::<usize>(), any::<u8>())))
            .prop_map(|(kind, id, flip)| Step::Packet { kind, id, flip }),
        2 => (0u8..3).prop_map(Step::Publish),
        1 => (0u32..120_000).prop_map(Step::Advance),
        1 => Just(Step::Reconnect),
    ]
}

fn packet(kind: u8, id: u16, v: ProtocolVersion) -> Packet {
    let pid = PacketId::new(id).unwrap_or(PacketId::MIN);
    let resp = PubResponse {
        packet_id: pid,
        reason: ReasonCode::Success,
        properties: Properties::default(),
    };
    match kind {
        0 => Packet::ConnAck(ConnAck {
            session_present: false,
            code: ReasonCode::Success,
            properties: Properties::default(),
        }),
        1 => Packet::PubAck(resp),
        2 => Packet::PubRec(resp),
        3 => Packet::PubRel(resp),
        4 => Packet::PubComp(resp),
        5 => Packet::PingResp,
        _ => Packet::Publish(Publish {
            dup: false,
            qos: QoS::from_u8(kind % 3).unwrap_or(QoS::AtMostOnce),
            retain: false,
            topic: ByteStr::from_static("x/y"),
            packet_id: (kind % 3 != 0).then_some(pid),
            properties: {
                let mut p = Properties::default();
                if v.is_v5() && id % 2 == 0 {
                    p.topic_alias = Some(id);
                }
                p
            },
            payload: Bytes::from_static(b"data"),
        }),
    }
}

fn drain(c: &mut Client<Duration>, now: Duration, open: &mut bool, events: &mut Vec<Event>) {
    let mut out = BytesMut::new();
    for _ in 0..100 {
        let mut busy = c.poll_transmit(&mut out) > 0;
        while let Some(cmd) = c.poll_transport() {
            busy = true;
            match cmd {
                TransportCommand::Open { .. } => {
                    *open = true;
                    c.handle_connected(now);
                }
                TransportCommand::Close { .. } => *open = false,
                _ => {}
            }
        }
        while let Some(e) = c.poll_event() {
            busy = true;
            events.push(e);
        }
        if !busy {
            return;
        }
    }
    panic!("outputs never drained");
}

fn run(v5: bool, steps: Vec<Step>) -> Result<(), TestCaseError> {
    let version = if v5 {
        ProtocolVersion::V5
    } else {
        ProtocolVersion::V3_1_1
    };
    let mut cfg = Config::default()
        .client_id("hostile")
        .protocol(version)
        .max_inflight(3)
        .max_queued(8)
        .keep_alive(Duration::from_secs(20));
    cfg.max_incoming_packet_size = 512;
    let mut c = Client::<Duration>::new(cfg).unwrap();
    let mut now = Duration::ZERO;
    let mut open = false;
    let mut events = Vec::new();
    let mut accepted = 0usize;
    c.connect(now);
    drain(&mut c, now, &mut open, &mut events);
    for s in steps {
        let seen = events.len();
        let kind = match &s {
            Step::Raw(_) | Step::Packet { .. } => "bytes",
            Step::Advance(_) => "time",
            Step::Publish(_) | Step::Reconnect => "command",
        };
        match s {
            Step::Raw(bytes) => {
                if open {
                    c.handle_data(now, &bytes);
                }
            }
            Step::Packet { kind, id, flip } => {
                if open {
                    let mut buf = BytesMut::new();
                    codec::encode(&packet(kind, id, version), version, usize::MAX, &mut buf)
                        .unwrap();
                    if let Some((at, x)) = flip {
                        let i = at % buf.len();
                        buf[i] ^= x;
                    }
                    c.handle_data(now, &buf);
                }
            }
            Step::Publish(q) => {
                let msg =
                    OutgoingPublish::new("out", Bytes::from_static(b"m"), QoS::from_u8(q).unwrap());
                if c.publish(now, msg).is_ok() {
                    accepted += 1;
                }
            }
            Step::Advance(ms) => {
                now += Duration::from_millis(ms as u64);
                c.handle_timeout(now);
            }
            Step::Reconnect => {
                if !open {
                    c.connect(now);
                }
            }
        }
        drain(&mut c, now, &mut open, &mut events);
        // A connection ends for a reason that names who is at fault: bytes
        // from the broker end it with a typed broker fault, time with a
        // timeout, and a command of ours never ends it.
        for e in &events[seen..] {
            if let Event::ConnectionLost { cause, .. } = e {
                let fits = match kind {
                    "bytes" => matches!(
                        cause,
                        ConnectionError::Protocol(_)
                            | ConnectionError::ServerDisconnect { .. }
                            | ConnectionError::Refused { .. }
                    ),
                    "time" => matches!(
                        cause,
                        ConnectionError::ConnectTimeout | ConnectionError::KeepAliveTimeout
                    ),
                    _ => false,
                };
                prop_assert!(fits, "after {} input: {:?}", kind, cause);
            }
        }
        prop_assert!(c.inflight_publishes() <= 3);
        prop_assert!(c.queued_publishes() <= 8);
        prop_assert!(!c.is_connected() || open, "connected without a transport");
    }
    // Every accepted publish is either still pending or was resolved once.
    let resolved = events
        .iter()
        .filter(|e| {
            matches!(
                e,
                Event::PublishComplete { .. } | Event::PublishFailed { .. }
            )
        })
        .count();
    prop_assert_eq!(resolved + c.pending_publishes(), accepted);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(512),
        .. ProptestConfig::default()
    })]

    #[test]
    fn hostile_bytes_never_panic_and_never_lose_an_accepted_publish(
        v5 in any::<bool>(),
        steps in proptest::collection::vec(step(), 1..80),
    ) {
        run(v5, steps)?;
    }
}

/// A client that has sent CONNECT (and, if `connected`, got its CONNACK).
fn client_at(v5: bool, connected: bool) -> (Client<Duration>, bool, Vec<Event>) {
    let version = if v5 {
        ProtocolVersion::V5
    } else {
        ProtocolVersion::V3_1_1
    };
    let mut c =
        Client::<Duration>::new(Config::default().client_id("h").protocol(version)).unwrap();
    let (mut open, mut events) = (false, Vec::new());
    c.connect(Duration::ZERO);
    drain(&mut c, Duration::ZERO, &mut open, &mut events);
    if connected {
        let mut connack = BytesMut::new();
        codec::encode(&packet(0, 1, version), version, usize::MAX, &mut connack).unwrap();
        c.handle_data(Duration::ZERO, &connack);
        drain(&mut c, Duration::ZERO, &mut open, &mut events);
        assert!(c.is_connected());
    }
    events.clear();
    (c, open, events)
}

#[test]
fn bytes_that_are_not_mqtt_end_the_connection_as_a_malformed_packet() {
    // What a client meets when the URL points at the wrong service. Each is
    // read as a fixed header and refused for what it is, whether it arrives
    // before or after CONNACK; MQTT 5 says why in DISCONNECT 0x81
    // [MQTT-4.13.1-1].
    let mut http = b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\n\r\n".to_vec();
    http.extend_from_slice(b"<html><body><h1>400 Bad Request</h1></body></html>\r\n");
    let cases: [(&str, &[u8], DecodeError); 4] = [
        // Refused from its first byte, not after the 86 bytes 'T' announces.
        (
            "HTTP status line alone",
            b"HTTP/1.1 400 Bad Request\r\n",
            DecodeError::InvalidFixedHeaderFlags {
                packet_type: PacketType::PubAck,
                flags: 8,
            },
        ),
        // 0x48: PUBACK with flags 8; 'T' (84) as the Remaining Length.
        (
            "HTTP",
            &http,
            DecodeError::InvalidFixedHeaderFlags {
                packet_type: PacketType::PubAck,
                flags: 8,
            },
        ),
        // A TLS alert record: 0x15 reads as CONNECT with flags 5.
        (
            "TLS alert",
            &[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28],
            DecodeError::InvalidFixedHeaderFlags {
                packet_type: PacketType::Connect,
                flags: 5,
            },
        ),
        // Packet type 0 is reserved.
        ("zeros", &[0; 8], DecodeError::ReservedPacketType),
    ];
    for (name, bytes, error) in cases {
        for v5 in [false, true] {
            for connected in [false, true] {
                let (mut c, mut open, mut events) = client_at(v5, connected);
                c.handle_data(Duration::ZERO, bytes);
                let mut out = BytesMut::new();
                c.poll_transmit(&mut out);
                drain(&mut c, Duration::ZERO, &mut open, &mut events);
                let what = format!("{name}, v5 {v5}, connected {connected}");
                assert_eq!(
                    events,
                    [Event::ConnectionLost {
                        cause: ConnectionError::Protocol(ProtocolViolation::Malformed(error)),
                        will_reconnect: false
                    }],
                    "{what}"
                );
                assert!(!open, "{what}: transport still open");
                let disconnect = codec::decode_packet(out.freeze(), ProtocolVersion::V5);
                if v5 {
                    assert!(
                        matches!(&disconnect, Ok(Packet::Disconnect(d)) if d.reason == ReasonCode::MalformedPacket),
                        "{what}: {disconnect:?}"
                    );
                }
            }
        }
    }
}
