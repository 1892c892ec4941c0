//! A publish the broker answers by closing the connection (NATS 2.9 closes on
//! every QoS 2 PUBLISH) is not resent forever: after
//! `Config::max_publish_attempts` short-lived connections it fails with
//! `PublishFailure::Undeliverable`, its QoS 2 packet id stays reserved until
//! the session ends, and the publishes behind it go out.

use std::time::Duration;

use bytes::BytesMut;
use mqtt_sansio::client::{
    Client, Config, Event, OutgoingPublish, PublishFailure, ReconnectPolicy, TransportCommand,
};
use mqtt_sansio::codec::{self, ConnAck, Packet, Properties, ProtocolVersion, ReasonCode};
use mqtt_sansio::QoS;

const V: ProtocolVersion = ProtocolVersion::V3_1_1;

fn connack(session_present: bool) -> BytesMut {
    let mut b = BytesMut::new();
    codec::encode(
        &Packet::ConnAck(ConnAck {
            session_present,
            code: ReasonCode::Success,
            properties: Properties::default(),
        }),
        V,
        usize::MAX,
        &mut b,
    )
    .unwrap();
    b
}

/// Opens the transport the core asked for, answers CONNACK, returns the
/// PUBLISH packet ids it then sent.
fn connect(c: &mut Client<Duration>, now: Duration, session_present: bool) -> Vec<u16> {
    assert!(matches!(
        c.poll_transport(),
        Some(TransportCommand::Open { .. })
    ));
    c.handle_connected(now);
    let mut out = BytesMut::new();
    c.poll_transmit(&mut out);
    c.handle_data(now, &connack(session_present));
    c.poll_transmit(&mut out);
    let mut pids = Vec::new();
    while let Some(p) = codec::decode(&mut out, V, usize::MAX).unwrap() {
        if let Packet::Publish(p) = p {
            pids.push(p.packet_id.unwrap().get());
        }
    }
    pids
}

#[test]
fn a_publish_that_ends_every_connection_fails_after_max_attempts() {
    let config = Config::default()
        .client_id("poison")
        .clean_start(false)
        .reconnect(ReconnectPolicy::Backoff {
            min: Duration::from_millis(100),
            max: Duration::from_millis(400),
            jitter: false,
        });
    assert_eq!(config.max_publish_attempts, 5);
    let mut c = Client::new(config).unwrap();
    let mut now = Duration::ZERO;
    c.connect(now);
    assert!(connect(&mut c, now, false).is_empty());
    let poison = c
        .publish(now, OutgoingPublish::new("q2", &b"x"[..], QoS::ExactlyOnce))
        .unwrap();
    let mut out = BytesMut::new();
    c.poll_transmit(&mut out);
    let Some(Packet::Publish(first)) = codec::decode(&mut out, V, usize::MAX).unwrap() else {
        panic!("PUBLISH sent")
    };
    let poison_pid = first.packet_id.unwrap().get();
    let mut delays = Vec::new();
    let mut failed = None;
    for attempt in 1..=5 {
        // The broker closes the connection on it, at once.
        c.handle_closed(now);
        let events: Vec<Event> = std::iter::from_fn(|| c.poll_event()).collect();
        failed = events.iter().find_map(|e| match e {
            Event::PublishFailed { id, error } if *id == poison => Some(*error),
            _ => None,
        });
        if failed.is_some() {
            assert_eq!(attempt, 5);
            break;
        }
        let at = c.poll_timeout().expect("a reconnect is scheduled");
        delays.push(at - now);
        now = at;
        c.handle_timeout(now);
        assert_eq!(
            connect(&mut c, now, true),
            [poison_pid],
            "resent on attempt {attempt}"
        );
    }
    assert_eq!(failed, Some(PublishFailure::Undeliverable { attempts: 5 }));
    // The backoff kept growing: no reset at each CONNACK.
    let ms: Vec<u128> = delays.iter().map(|d| d.as_millis()).collect();
    assert_eq!(ms, [100, 200, 400, 400]);
    // The publishes behind it go out, never under the reserved id.
    now += Duration::from_secs(1);
    c.handle_timeout(now);
    let pids = connect(&mut c, now, true);
    assert!(
        pids.is_empty(),
        "the failed publish is not resent: {pids:?}"
    );
    // Once around the whole id space (ids are handed out in turn): the
    // reserved one is skipped.
    for n in 0..65_536u32 {
        c.publish(now, OutgoingPublish::new("q1", &b"y"[..], QoS::AtLeastOnce))
            .unwrap();
        let mut out = BytesMut::new();
        c.poll_transmit(&mut out);
        let Some(Packet::Publish(p)) = codec::decode(&mut out, V, usize::MAX).unwrap() else {
            panic!("PUBLISH {n} sent")
        };
        let pid = p.packet_id.unwrap();
        assert_ne!(pid.get(), poison_pid, "reserved id reused by publish {n}");
        let mut ack = BytesMut::new();
        codec::encode(
            &Packet::PubAck(codec::PubResponse {
                packet_id: pid,
                reason: ReasonCode::Success,
                properties: Properties::default(),
            }),
            V,
            usize::MAX,
            &mut ack,
        )
        .unwrap();
        c.handle_data(now, &ack);
        while c.poll_event().is_some() {}
    }
}
