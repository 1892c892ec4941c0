//! A hostile broker: arbitrary bytes (and mutated valid packets) at any
//! point of a connection, interleaved with commands and time. The client
//! must never panic, must end the connection with a typed error when the
//! bytes are not MQTT, and must keep its promises about accepted publishes.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use mqtt_sansio::client::{Client, Config, Event, OutgoingPublish, TransportCommand};
use mqtt_sansio::codec::{
    self, ByteStr, ConnAck, Packet, PacketId, Properties, ProtocolVersion, PubResponse, Publish,
    QoS, ReasonCode,
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
