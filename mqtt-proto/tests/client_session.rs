//! Sessions across reconnects: resend with DUP in order, PUBREL resend,
//! session loss (resend or report), automatic re-subscription, inbound QoS 2
//! state.

#[path = "support/broker.rs"]
mod broker;

use broker::{config, filter, msg, pid, resp, Behaviour, Pair};
use bytes::Bytes;
use mqtt_sansio::client::{Event, PublishFailure, PublishId, SessionLostPolicy};
use mqtt_sansio::codec::{ByteStr, Packet, Properties, Publish, QoS, ReasonCode};

fn persistent() -> mqtt_sansio::client::Config {
    config().clean_start(false)
}

fn no_acks() -> Behaviour {
    Behaviour {
        ack_publishes: false,
        route: false,
        ..Default::default()
    }
}

fn publishes_after(p: &Pair, from: usize) -> Vec<Publish> {
    p.sent()[from..]
        .iter()
        .filter_map(|x| match x {
            Packet::Publish(p) => Some(p.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn kept_session_resends_unacknowledged_publishes_with_dup_in_original_order() {
    // [MQTT-4.4.0-1]: resend unacknowledged PUBLISH (and PUBREL) on reconnect,
    // original order [MQTT-4.6.0-1]; DUP set on a resend [MQTT-3.3.1-1].
    let mut p = Pair::connected(persistent(), no_acks());
    for (t, q) in [
        ("one", QoS::AtLeastOnce),
        ("two", QoS::ExactlyOnce),
        ("three", QoS::AtLeastOnce),
    ] {
        p.client.publish(p.now, msg(t, b"x", q)).unwrap();
    }
    p.drive();
    let before = p.sent().len();
    p.drop_connection();
    p.connect();
    let resent = publishes_after(&p, before);
    let got: Vec<(String, u16, bool)> = resent
        .iter()
        .map(|x| (x.topic.to_string(), x.packet_id.unwrap().get(), x.dup))
        .collect();
    assert_eq!(
        got,
        vec![
            ("one".into(), 1, true),
            ("two".into(), 2, true),
            ("three".into(), 3, true)
        ]
    );
    let ev = p.take_events();
    assert!(ev.iter().any(|e| matches!(
        e,
        Event::Connected {
            session_present: true,
            reconnect: true,
            ..
        }
    )));
}

#[test]
fn kept_session_resends_pubrel_not_publish_after_pubrec() {
    let mut p = Pair::connected(persistent(), no_acks());
    p.client
        .publish(p.now, msg("q2", b"x", QoS::ExactlyOnce))
        .unwrap();
    p.broker_send(&Packet::PubRec(resp(pid(1), ReasonCode::Success)));
    assert!(matches!(p.sent().last(), Some(Packet::PubRel(_))));
    let before = p.sent().len();
    p.drop_connection();
    p.connect();
    let after: Vec<&Packet> = p.sent()[before..].iter().collect();
    assert!(
        matches!(after.as_slice(), [Packet::Connect(_), Packet::PubRel(r)] if r.packet_id == pid(1)),
        "{after:?}"
    );
    p.broker_send(&Packet::PubComp(resp(pid(1), ReasonCode::Success)));
    assert!(p
        .take_events()
        .iter()
        .any(|e| matches!(e, Event::PublishComplete { packet_id: Some(x), .. } if *x == pid(1))));
}

#[test]
fn lost_session_resends_in_flight_publishes_as_new_messages() {
    let b = Behaviour {
        forget_sessions: true,
        ..no_acks()
    };
    let mut p = Pair::connected(persistent(), b);
    let a = p
        .client
        .publish(p.now, msg("a", b"x", QoS::AtLeastOnce))
        .unwrap();
    p.drive();
    let before = p.sent().len();
    p.drop_connection();
    p.take_events();
    p.connect();
    let ev = p.take_events();
    assert!(
        ev.contains(&Event::SessionLost {
            affected: vec![a],
            resent: true
        }),
        "{ev:?}"
    );
    let resent = publishes_after(&p, before);
    assert_eq!(resent.len(), 1);
    assert!(!resent[0].dup, "a new message on a new session");
}

#[test]
fn v5_a_pubrecd_publish_completes_with_its_pubrec_when_the_session_is_lost_and_reported() {
    // Past PUBREC the broker owns the message (§4.3.3): a session loss does
    // not fail it, even under the Report policy, and the completion carries
    // what the PUBREC said. It is not sent again.
    let b = Behaviour {
        forget_sessions: true,
        ..no_acks()
    };
    let mut cfg = broker::config_v5().clean_start(false);
    cfg.on_session_lost = SessionLostPolicy::Report;
    let mut p = Pair::connected(cfg, b);
    let q1 = p
        .client
        .publish(p.now, msg("one", b"1", QoS::AtLeastOnce))
        .unwrap();
    let q2 = p
        .client
        .publish(p.now, msg("two", b"2", QoS::ExactlyOnce))
        .unwrap();
    p.drive();
    let mut pubrec = resp(pid(2), ReasonCode::NoMatchingSubscribers);
    pubrec.properties.reason_string = Some(ByteStr::from_static("nobody"));
    p.broker_send(&Packet::PubRec(pubrec));
    p.drop_connection();
    p.take_events();
    let before = p.sent().len();
    p.connect();
    let ev = p.take_events();
    let mut props = Properties::default();
    props.reason_string = Some(ByteStr::from_static("nobody"));
    assert!(
        ev.contains(&Event::PublishComplete {
            id: q2,
            packet_id: Some(pid(2)),
            reason: ReasonCode::NoMatchingSubscribers,
            properties: props,
        }),
        "{ev:?}"
    );
    assert!(ev.contains(&Event::PublishFailed {
        id: q1,
        error: PublishFailure::SessionLost
    }));
    assert!(!ev
        .iter()
        .any(|e| matches!(e, Event::PublishFailed { id, .. } if *id == q2)));
    assert!(ev.contains(&Event::SessionLost {
        affected: vec![q1],
        resent: false
    }));
    assert!(publishes_after(&p, before).is_empty());
    assert!(!p.sent()[before..]
        .iter()
        .any(|x| matches!(x, Packet::PubRel(_))));
    assert_eq!(p.client.pending_publishes(), 0);
    assert_eq!(p.client.packet_ids_in_use(), 0);
}

#[test]
fn lost_session_reports_in_flight_publishes_when_configured() {
    let b = Behaviour {
        forget_sessions: true,
        ..no_acks()
    };
    let mut cfg = persistent();
    cfg.on_session_lost = SessionLostPolicy::Report;
    let mut p = Pair::connected(cfg, b);
    let a = p
        .client
        .publish(p.now, msg("a", b"x", QoS::AtLeastOnce))
        .unwrap();
    let c = p
        .client
        .publish(p.now, msg("c", b"x", QoS::ExactlyOnce))
        .unwrap();
    p.drive();
    let before = p.sent().len();
    p.drop_connection();
    p.take_events();
    p.connect();
    let ev = p.take_events();
    let failed: Vec<PublishId> = ev
        .iter()
        .filter_map(|e| match e {
            Event::PublishFailed {
                id,
                error: PublishFailure::SessionLost,
            } => Some(*id),
            _ => None,
        })
        .collect();
    assert_eq!(failed, vec![a, c]);
    assert!(ev.contains(&Event::SessionLost {
        affected: vec![a, c],
        resent: false
    }));
    assert!(publishes_after(&p, before).is_empty());
    assert_eq!(p.client.pending_publishes(), 0);
    assert_eq!(p.client.packet_ids_in_use(), 0);
}

#[test]
fn a_qos2_publish_past_pubrec_completes_when_the_session_is_lost() {
    // The broker acknowledged receipt with PUBREC: it owns the message.
    let b = Behaviour {
        forget_sessions: true,
        ..no_acks()
    };
    let mut p = Pair::connected(persistent(), b);
    let a = p
        .client
        .publish(p.now, msg("a", b"x", QoS::ExactlyOnce))
        .unwrap();
    p.broker_send(&Packet::PubRec(resp(pid(1), ReasonCode::Success)));
    p.drop_connection();
    p.take_events();
    p.connect();
    let ev = p.take_events();
    assert!(ev
        .iter()
        .any(|e| matches!(e, Event::PublishComplete { id, .. } if *id == a)));
    assert!(ev.contains(&Event::SessionLost {
        affected: vec![],
        resent: true
    }));
}

#[test]
fn lost_session_resubscribes_automatically() {
    let b = Behaviour {
        forget_sessions: true,
        ..Default::default()
    };
    let mut p = Pair::connected(persistent(), b);
    p.client
        .subscribe(
            p.now,
            vec![
                filter("a/+", QoS::AtLeastOnce),
                filter("b", QoS::AtMostOnce),
            ],
            Properties::default(),
        )
        .unwrap();
    p.drive();
    let before = p.sent().len();
    p.drop_connection();
    p.connect();
    let subs: Vec<Vec<String>> = p.sent()[before..]
        .iter()
        .filter_map(|x| match x {
            Packet::Subscribe(s) => Some(s.filters.iter().map(|f| f.filter.to_string()).collect()),
            _ => None,
        })
        .collect();
    assert_eq!(subs, vec![vec!["a/+".to_string(), "b".to_string()]]);
    // The broker has them again: messages flow.
    p.take_events();
    p.client
        .publish(p.now, msg("a/1", b"x", QoS::AtMostOnce))
        .unwrap();
    assert!(p
        .take_events()
        .iter()
        .any(|e| matches!(e, Event::Message { .. })));
}

#[test]
fn kept_session_does_not_resubscribe() {
    let mut p = Pair::connected(persistent(), Behaviour::default());
    p.client
        .subscribe(
            p.now,
            vec![filter("a", QoS::AtMostOnce)],
            Properties::default(),
        )
        .unwrap();
    p.drive();
    let before = p.sent().len();
    p.drop_connection();
    p.connect();
    assert!(!p.sent()[before..]
        .iter()
        .any(|x| matches!(x, Packet::Subscribe(_))));
}

#[test]
fn resubscription_can_be_turned_off() {
    let b = Behaviour {
        forget_sessions: true,
        ..Default::default()
    };
    let mut cfg = persistent();
    cfg.resubscribe_on_session_loss = false;
    let mut p = Pair::connected(cfg, b);
    p.client
        .subscribe(
            p.now,
            vec![filter("a", QoS::AtMostOnce)],
            Properties::default(),
        )
        .unwrap();
    p.drive();
    let before = p.sent().len();
    p.drop_connection();
    p.connect();
    assert!(!p.sent()[before..]
        .iter()
        .any(|x| matches!(x, Packet::Subscribe(_))));
}

#[test]
fn unacknowledged_subscribe_is_sent_again_after_reconnect() {
    let b = Behaviour {
        ack_requests: false,
        ..Default::default()
    };
    let mut p = Pair::connected(persistent(), b);
    let id = p
        .client
        .subscribe(
            p.now,
            vec![filter("a", QoS::AtMostOnce)],
            Properties::default(),
        )
        .unwrap();
    p.drive();
    p.drop_connection();
    p.broker.behaviour.ack_requests = true;
    p.connect();
    let subs = p
        .sent()
        .iter()
        .filter(|x| matches!(x, Packet::Subscribe(_)))
        .count();
    assert_eq!(subs, 2);
    assert!(p
        .take_events()
        .iter()
        .any(|e| matches!(e, Event::SubscribeComplete { id: i, .. } if *i == id)));
}

#[test]
fn inbound_qos2_state_survives_a_reconnect_so_a_resend_is_not_redelivered() {
    // [MQTT-4.3.3-2] across connections: the session keeps the packet id.
    let mut p = Pair::connected(persistent(), Behaviour::default());
    p.take_events();
    let publish = |dup| {
        Packet::Publish(Publish {
            dup,
            qos: QoS::ExactlyOnce,
            retain: false,
            topic: ByteStr::from_static("t"),
            packet_id: Some(pid(4)),
            properties: Properties::default(),
            payload: Bytes::from_static(b"once"),
        })
    };
    p.broker_send(&publish(false));
    p.drop_connection();
    p.connect();
    p.broker_send(&publish(true));
    let delivered = p
        .take_events()
        .iter()
        .filter(|e| matches!(e, Event::Message { .. }))
        .count();
    assert_eq!(delivered, 1);
    assert!(matches!(p.sent().last(), Some(Packet::PubRec(r)) if r.packet_id == pid(4)));
}

#[test]
fn broker_redelivery_on_a_kept_session_reaches_the_application() {
    // The model broker resends its unacknowledged QoS 1 delivery with DUP.
    let mut p = Pair::connected(persistent().manual_acks(true), Behaviour::default());
    p.client
        .subscribe(
            p.now,
            vec![filter("t", QoS::AtLeastOnce)],
            Properties::default(),
        )
        .unwrap();
    p.client
        .publish(p.now, msg("t", b"m", QoS::AtLeastOnce))
        .unwrap();
    let first = p
        .take_events()
        .into_iter()
        .filter(|e| matches!(e, Event::Message { .. }))
        .count();
    assert_eq!(first, 1);
    p.drop_connection();
    p.connect();
    let again: Vec<bool> = p
        .take_events()
        .iter()
        .filter_map(|e| match e {
            Event::Message { publish, .. } => Some(publish.dup),
            _ => None,
        })
        .collect();
    assert_eq!(again, vec![true]);
}

#[test]
fn an_in_flight_publish_too_large_for_the_new_broker_limit_is_handed_back() {
    let mut p = Pair::connected(
        config()
            .clean_start(false)
            .protocol(mqtt_sansio::ProtocolVersion::V5),
        no_acks(),
    );
    let big = mqtt_sansio::client::OutgoingPublish::new("t", vec![0u8; 500], QoS::AtLeastOnce);
    let id = p.client.publish(p.now, big).unwrap();
    p.drive();
    p.drop_connection();
    p.broker.behaviour.connack_properties.maximum_packet_size = Some(100);
    p.take_events();
    p.connect();
    let ev = p.take_events();
    assert!(
        ev.contains(&Event::PublishFailed {
            id,
            error: PublishFailure::RejectedByLimits
        }),
        "{ev:?}"
    );
    assert_eq!(p.client.pending_publishes(), 0);
    assert_eq!(p.client.packet_ids_in_use(), 0);
}
