//! Flow control: the in-flight window, the v5 Receive Maximum both ways,
//! the bounded queue, and publishing while offline.

#[path = "support/broker.rs"]
mod broker;

use broker::{config, config_v5, msg, pid, resp, Behaviour, Pair};
use bytes::Bytes;
use mqtt_sansio::client::{ConnectionError, Event, ProtocolViolation, PublishError};
use mqtt_sansio::codec::{ByteStr, Packet, Properties, Publish, QoS, ReasonCode};

fn no_acks() -> Behaviour {
    Behaviour {
        ack_publishes: false,
        route: false,
        ..Default::default()
    }
}

fn sent_publishes(p: &Pair) -> Vec<Publish> {
    p.sent()
        .iter()
        .filter_map(|x| match x {
            Packet::Publish(p) => Some(p.clone()),
            _ => None,
        })
        .collect()
}

fn completed(events: &[Event]) -> Vec<u64> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::PublishComplete { id, .. } => Some(id.0),
            _ => None,
        })
        .collect()
}

#[test]
fn the_window_limits_publishes_in_flight_and_the_rest_wait_in_order() {
    let mut p = Pair::connected(config().max_inflight(2), no_acks());
    for _ in 0..5 {
        p.client
            .publish(p.now, msg("a", b"x", QoS::AtLeastOnce))
            .unwrap();
    }
    p.drive();
    assert_eq!(sent_publishes(&p).len(), 2);
    assert_eq!(p.client.inflight_publishes(), 2);
    assert_eq!(p.client.queued_publishes(), 3);
    p.broker_send(&Packet::PubAck(resp(pid(2), ReasonCode::Success)));
    assert_eq!(sent_publishes(&p).len(), 3);
    assert_eq!(completed(&p.take_events()), vec![2]);
}

#[test]
fn v5_broker_receive_maximum_narrows_the_window() {
    // v5 [MQTT-4.9.0-1]: no more unacknowledged QoS>0 publishes than Receive Maximum.
    let mut props = Properties::default();
    props.receive_maximum = Some(1);
    let b = Behaviour {
        connack_properties: props,
        ..no_acks()
    };
    let mut p = Pair::connected(config_v5().max_inflight(10), b);
    for _ in 0..3 {
        p.client
            .publish(p.now, msg("a", b"x", QoS::ExactlyOnce))
            .unwrap();
    }
    p.drive();
    assert_eq!(sent_publishes(&p).len(), 1);
    // PUBREC does not free the slot: only PUBCOMP does.
    p.broker_send(&Packet::PubRec(resp(pid(1), ReasonCode::Success)));
    assert_eq!(sent_publishes(&p).len(), 1);
    p.broker_send(&Packet::PubComp(resp(pid(1), ReasonCode::Success)));
    assert_eq!(sent_publishes(&p).len(), 2);
}

#[test]
fn v5_receive_maximum_quota_comes_back_one_per_puback_even_an_error_one() {
    // v5 [MQTT-3.3.4-7]: at most Receive Maximum QoS 1/2 PUBLISH without
    // PUBACK; each PUBACK, whatever its reason code, frees one (§4.9).
    let mut props = Properties::default();
    props.receive_maximum = Some(2);
    let b = Behaviour {
        connack_properties: props,
        ..no_acks()
    };
    let mut p = Pair::connected(config_v5().max_inflight(10), b);
    for _ in 0..5 {
        p.client
            .publish(p.now, msg("a", b"x", QoS::AtLeastOnce))
            .unwrap();
    }
    p.drive();
    assert_eq!(sent_publishes(&p).len(), 2);
    assert_eq!(p.client.inflight_publishes(), 2);
    assert_eq!(p.client.queued_publishes(), 3);
    p.broker_send(&Packet::PubAck(resp(pid(2), ReasonCode::QuotaExceeded)));
    assert_eq!(sent_publishes(&p).len(), 3, "one slot back");
    assert_eq!(p.client.inflight_publishes(), 2);
    p.broker_send(&Packet::PubAck(resp(pid(1), ReasonCode::Success)));
    assert_eq!(sent_publishes(&p).len(), 4);
    assert!(
        p.broker.errors.is_empty(),
        "model broker: {:?}",
        p.broker.errors
    );
}

#[test]
fn v5_resends_after_reconnect_keep_within_a_smaller_receive_maximum() {
    // Resent publishes count against the Receive Maximum of the new
    // connection [MQTT-3.3.4-7]: with 3 in flight and a new maximum of 1,
    // one is resent, and each acknowledgement lets the next one go, in order.
    let mut props = Properties::default();
    props.receive_maximum = Some(3);
    let b = Behaviour {
        connack_properties: props,
        ..no_acks()
    };
    let mut p = Pair::connected(config_v5().clean_start(false).max_inflight(10), b);
    let mut ids = Vec::new();
    for payload in [&b"1"[..], b"2", b"3"] {
        let m = mqtt_sansio::client::OutgoingPublish::new(
            "a",
            Bytes::copy_from_slice(payload),
            QoS::AtLeastOnce,
        );
        ids.push(p.client.publish(p.now, m).unwrap().0);
    }
    p.client
        .publish(p.now, msg("a", b"4", QoS::AtLeastOnce))
        .unwrap();
    p.drive();
    assert_eq!(sent_publishes(&p).len(), 3);
    p.broker.behaviour.connack_properties.receive_maximum = Some(1);
    p.drop_connection();
    let before = sent_publishes(&p).len();
    p.connect();
    let resent = |p: &Pair| -> Vec<(Bytes, bool)> {
        sent_publishes(p)[before..]
            .iter()
            .map(|x| (x.payload.clone(), x.dup))
            .collect()
    };
    assert_eq!(resent(&p), [(Bytes::from_static(b"1"), true)]);
    assert_eq!(p.client.inflight_publishes(), 3);
    p.broker_send(&Packet::PubAck(resp(pid(1), ReasonCode::Success)));
    assert_eq!(resent(&p).len(), 2);
    assert_eq!(resent(&p)[1], (Bytes::from_static(b"2"), true));
    p.broker_send(&Packet::PubAck(resp(pid(2), ReasonCode::Success)));
    p.broker_send(&Packet::PubAck(resp(pid(3), ReasonCode::Success)));
    // Then the queued one, new.
    assert_eq!(
        resent(&p),
        [
            (Bytes::from_static(b"1"), true),
            (Bytes::from_static(b"2"), true),
            (Bytes::from_static(b"3"), true),
            (Bytes::from_static(b"4"), false),
        ]
    );
    assert_eq!(completed(&p.take_events()), ids);
    assert!(
        p.broker.errors.is_empty(),
        "model broker: {:?}",
        p.broker.errors
    );
}

#[test]
fn a_full_queue_refuses_with_queue_full_and_drops_nothing() {
    let mut p = Pair::connected(config().max_inflight(1).max_queued(2), no_acks());
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(
            p.client
                .publish(p.now, msg("a", b"x", QoS::AtLeastOnce))
                .unwrap()
                .0,
        );
    }
    assert_eq!(
        p.client.publish(p.now, msg("a", b"x", QoS::AtLeastOnce)),
        Err(PublishError::QueueFull { max: 2 })
    );
    // QoS 0 queues behind them too, so it is refused as well.
    assert_eq!(
        p.client.publish(p.now, msg("a", b"x", QoS::AtMostOnce)),
        Err(PublishError::QueueFull { max: 2 })
    );
    for n in 1..=3 {
        p.broker_send(&Packet::PubAck(resp(pid(n), ReasonCode::Success)));
    }
    assert_eq!(completed(&p.take_events()), ids);
    assert_eq!(p.client.pending_publishes(), 0);
}

#[test]
fn qos0_keeps_its_place_behind_queued_publishes() {
    let mut p = Pair::connected(config().max_inflight(1), no_acks());
    p.client
        .publish(p.now, msg("first", b"1", QoS::AtLeastOnce))
        .unwrap();
    p.client
        .publish(p.now, msg("second", b"2", QoS::AtLeastOnce))
        .unwrap();
    p.client
        .publish(p.now, msg("third", b"3", QoS::AtMostOnce))
        .unwrap();
    p.drive();
    assert_eq!(sent_publishes(&p).len(), 1);
    p.broker_send(&Packet::PubAck(resp(pid(1), ReasonCode::Success)));
    let topics: Vec<String> = sent_publishes(&p)
        .iter()
        .map(|x| x.topic.to_string())
        .collect();
    assert_eq!(topics, ["first", "second", "third"]);
}

#[test]
fn publishes_accepted_while_offline_are_sent_after_connack() {
    let mut p = Pair::new(config(), Behaviour::default());
    let a = p
        .client
        .publish(p.now, msg("a", b"1", QoS::AtLeastOnce))
        .unwrap();
    let b = p
        .client
        .publish(p.now, msg("b", b"2", QoS::AtMostOnce))
        .unwrap();
    assert_eq!(p.client.queued_publishes(), 2);
    p.connect();
    let topics: Vec<String> = sent_publishes(&p)
        .iter()
        .map(|x| x.topic.to_string())
        .collect();
    assert_eq!(topics, ["a", "b"]);
    assert_eq!(completed(&p.take_events()), vec![b.0, a.0]);
}

#[test]
fn v5_connect_advertises_receive_maximum_and_maximum_packet_size() {
    let mut cfg = config_v5();
    cfg.receive_maximum = 7;
    cfg.max_incoming_packet_size = 4096;
    let p = Pair::connected(cfg, Behaviour::default());
    let Some(Packet::Connect(c)) = p.sent().first() else {
        panic!("CONNECT first")
    };
    assert_eq!(c.properties.receive_maximum, Some(7));
    assert_eq!(c.properties.maximum_packet_size, Some(4096));
}

#[test]
fn v5_broker_exceeding_our_receive_maximum_is_a_protocol_error() {
    // v5 [MQTT-3.3.4-9]: the broker must not send more than Receive Maximum unacknowledged.
    let mut cfg = config_v5().manual_acks(true);
    cfg.receive_maximum = 2;
    let mut p = Pair::connected(cfg, Behaviour::default());
    p.take_events();
    for n in 1..=3 {
        p.broker_send(&Packet::Publish(Publish {
            dup: false,
            qos: QoS::AtLeastOnce,
            retain: false,
            topic: ByteStr::from_static("t"),
            packet_id: Some(pid(n)),
            properties: Properties::default(),
            payload: Bytes::from_static(b"x"),
        }));
    }
    let ev = p.take_events();
    assert!(ev.contains(&Event::ConnectionLost {
        cause: ConnectionError::Protocol(ProtocolViolation::ReceiveMaximumExceeded),
        will_reconnect: false
    }));
    assert!(matches!(
        p.sent().last(),
        Some(Packet::Disconnect(d)) if d.reason == ReasonCode::ReceiveMaximumExceeded
    ));
}

#[test]
fn an_oversized_inbound_packet_ends_the_connection_without_buffering_it() {
    let mut cfg = config_v5();
    cfg.max_incoming_packet_size = 64;
    let mut p = Pair::connected(cfg, Behaviour::default());
    p.take_events();
    // A PUBLISH header announcing 1 MiB: refused from the fixed header alone.
    p.broker_send_raw(&[0x30, 0x80, 0x80, 0x40]);
    let ev = p.take_events();
    assert!(
        matches!(
            ev.as_slice(),
            [Event::ConnectionLost {
                cause: ConnectionError::Protocol(ProtocolViolation::Malformed(_)),
                ..
            }]
        ),
        "{ev:?}"
    );
    assert!(matches!(
        p.sent().last(),
        Some(Packet::Disconnect(d)) if d.reason == ReasonCode::PacketTooLarge
    ));
}
