//! QoS 0/1/2 in both directions, packet identifiers, manual acks,
//! subscribe/unsubscribe, and broker protocol errors in the QoS flows.

#[path = "support/broker.rs"]
mod broker;

use std::collections::BTreeSet;
use std::time::Duration;

use broker::{config, config_v5, filter, msg, pid, resp, Behaviour, Pair};
use bytes::Bytes;
use mqtt_sansio::client::{
    AckError, ConnectionError, Event, ProtocolViolation, PublishError, PublishFailure,
    SubscribeError, SubscriptionState,
};
use mqtt_sansio::codec::{
    ByteStr, Packet, PacketType, Properties, Publish, QoS, ReasonCode, SubAck,
};
use mqtt_sansio::topic::TopicError;

fn completions(events: &[Event]) -> Vec<(u64, Option<u16>, ReasonCode)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::PublishComplete {
                id,
                packet_id,
                reason,
                ..
            } => Some((id.0, packet_id.map(|p| p.get()), *reason)),
            _ => None,
        })
        .collect()
}

fn messages(events: &[Event]) -> Vec<Publish> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Message { publish, .. } => Some(publish.clone()),
            _ => None,
        })
        .collect()
}

fn lost(events: &[Event]) -> Vec<ConnectionError> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::ConnectionLost { cause, .. } => Some(cause.clone()),
            _ => None,
        })
        .collect()
}

fn inbound(topic: &'static str, qos: QoS, id: Option<u16>, dup: bool) -> Packet {
    Packet::Publish(Publish {
        dup,
        qos,
        retain: false,
        topic: ByteStr::from_static(topic),
        packet_id: id.map(pid),
        properties: Properties::default(),
        payload: Bytes::from_static(b"payload"),
    })
}

fn quiet() -> Behaviour {
    Behaviour {
        route: false,
        ..Default::default()
    }
}

// ---------------------------------------------------------------- outbound

#[test]
fn qos0_publish_completes_when_written() {
    let mut p = Pair::connected(config(), quiet());
    let id = p
        .client
        .publish(p.now, msg("a/b", b"hi", QoS::AtMostOnce))
        .unwrap();
    let ev = p.take_events();
    assert_eq!(completions(&ev), vec![(id.0, None, ReasonCode::Success)]);
    assert_eq!(p.broker.accepted.len(), 1);
    assert_eq!(p.broker.accepted[0].packet_id, None);
}

#[test]
fn qos1_publish_completes_at_puback_with_its_packet_id() {
    // [MQTT-4.3.2-1]: a new packet id; complete only at PUBACK.
    let b = Behaviour {
        ack_publishes: false,
        ..quiet()
    };
    let mut p = Pair::connected(config(), b);
    let id = p
        .client
        .publish(p.now, msg("a", b"1", QoS::AtLeastOnce))
        .unwrap();
    assert!(completions(&p.take_events()).is_empty());
    assert_eq!(p.client.inflight_publishes(), 1);
    let sent_id = p.broker.accepted[0].packet_id.unwrap();
    p.broker_send(&Packet::PubAck(resp(sent_id, ReasonCode::Success)));
    assert_eq!(
        completions(&p.take_events()),
        vec![(id.0, Some(sent_id.get()), ReasonCode::Success)]
    );
    assert_eq!(p.client.inflight_publishes(), 0);
    assert_eq!(p.client.packet_ids_in_use(), 0);
}

#[test]
fn qos2_publish_sends_pubrel_after_pubrec_and_completes_at_pubcomp() {
    // [MQTT-4.3.3-1]: PUBLISH, PUBREC, PUBREL, PUBCOMP.
    let mut p = Pair::connected(config(), quiet());
    let id = p
        .client
        .publish(p.now, msg("a", b"2", QoS::ExactlyOnce))
        .unwrap();
    let ev = p.take_events();
    let kinds: Vec<&str> = p
        .sent()
        .iter()
        .map(|x| match x {
            Packet::Connect(_) => "CONNECT",
            Packet::Publish(_) => "PUBLISH",
            Packet::PubRel(_) => "PUBREL",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, ["CONNECT", "PUBLISH", "PUBREL"]);
    assert_eq!(completions(&ev), vec![(id.0, Some(1), ReasonCode::Success)]);
    assert_eq!(p.broker.accepted.len(), 1);
}

#[test]
fn puback_for_a_qos2_publish_is_a_typed_broker_protocol_error() {
    // RabbitMQ answers QoS 2 with PUBACK: a clear error, never a hang.
    let b = Behaviour {
        puback_for_qos2: true,
        ..quiet()
    };
    let mut p = Pair::connected(config(), b);
    p.client
        .publish(p.now, msg("a", b"2", QoS::ExactlyOnce))
        .unwrap();
    let ev = p.take_events();
    assert_eq!(
        lost(&ev),
        vec![ConnectionError::Protocol(
            ProtocolViolation::UnexpectedPubAck { packet_id: pid(1) }
        )]
    );
    assert!(!p.client.is_connected());
    // The message is not silently lost: it is handed back, once, and not
    // resent (it would fail the same way on every reconnect).
    let failed: Vec<_> = ev
        .iter()
        .filter_map(|e| match e {
            Event::PublishFailed { error, .. } => Some(*error),
            _ => None,
        })
        .collect();
    assert_eq!(
        failed,
        vec![PublishFailure::BrokerProtocolError(
            ProtocolViolation::UnexpectedPubAck { packet_id: pid(1) }
        )]
    );
    assert_eq!(p.client.pending_publishes(), 0);
}

#[test]
fn v5_protocol_error_sends_disconnect_with_protocol_error_reason() {
    let b = Behaviour {
        puback_for_qos2: true,
        ..quiet()
    };
    let mut p = Pair::connected(config_v5(), b);
    p.client
        .publish(p.now, msg("a", b"2", QoS::ExactlyOnce))
        .unwrap();
    p.drive();
    assert!(matches!(
        p.sent().last(),
        Some(Packet::Disconnect(d)) if d.reason == ReasonCode::ProtocolError
    ));
}

#[test]
fn puback_for_an_unknown_packet_id_is_a_broker_protocol_error() {
    let mut p = Pair::connected(config(), quiet());
    p.broker_send(&Packet::PubAck(resp(pid(77), ReasonCode::Success)));
    assert_eq!(
        lost(&p.take_events()),
        vec![ConnectionError::Protocol(
            ProtocolViolation::UnknownPacketId {
                packet: PacketType::PubAck,
                packet_id: pid(77)
            }
        )]
    );
}

#[test]
fn pubrec_for_a_qos1_publish_is_a_broker_protocol_error() {
    let b = Behaviour {
        ack_publishes: false,
        ..quiet()
    };
    let mut p = Pair::connected(config(), b);
    p.client
        .publish(p.now, msg("a", b"1", QoS::AtLeastOnce))
        .unwrap();
    p.broker_send(&Packet::PubRec(resp(pid(1), ReasonCode::Success)));
    assert_eq!(
        lost(&p.take_events()),
        vec![ConnectionError::Protocol(
            ProtocolViolation::UnexpectedPubRec { packet_id: pid(1) }
        )]
    );
}

#[test]
fn pubcomp_before_pubrec_is_a_broker_protocol_error() {
    let b = Behaviour {
        ack_publishes: false,
        ..quiet()
    };
    let mut p = Pair::connected(config(), b);
    p.client
        .publish(p.now, msg("a", b"2", QoS::ExactlyOnce))
        .unwrap();
    p.broker_send(&Packet::PubComp(resp(pid(1), ReasonCode::Success)));
    assert_eq!(
        lost(&p.take_events()),
        vec![ConnectionError::Protocol(
            ProtocolViolation::UnexpectedPubComp { packet_id: pid(1) }
        )]
    );
}

#[test]
fn v5_reason_code_of_puback_is_reported_on_completion() {
    // Mosquitto answers 0x10 "No matching subscribers".
    let b = Behaviour {
        publish_ack_reason: ReasonCode::NoMatchingSubscribers,
        ..quiet()
    };
    let mut p = Pair::connected(config_v5(), b);
    let id = p
        .client
        .publish(p.now, msg("a", b"1", QoS::AtLeastOnce))
        .unwrap();
    assert_eq!(
        completions(&p.take_events()),
        vec![(id.0, Some(1), ReasonCode::NoMatchingSubscribers)]
    );
}

#[test]
fn v5_pubrec_with_an_error_completes_without_pubrel() {
    // v5 [MQTT-4.3.3-4]: after a PUBREC >= 0x80 the id is free and no PUBREL is sent.
    let b = Behaviour {
        publish_ack_reason: ReasonCode::NotAuthorized,
        ..quiet()
    };
    let mut p = Pair::connected(config_v5(), b);
    let id = p
        .client
        .publish(p.now, msg("a", b"2", QoS::ExactlyOnce))
        .unwrap();
    assert_eq!(
        completions(&p.take_events()),
        vec![(id.0, Some(1), ReasonCode::NotAuthorized)]
    );
    assert!(!p.sent().iter().any(|x| matches!(x, Packet::PubRel(_))));
    assert_eq!(p.client.packet_ids_in_use(), 0);
}

#[test]
fn packet_ids_are_unique_while_in_flight_and_acks_may_come_out_of_order() {
    // [MQTT-2.2.1-3] (v5 [MQTT-2.2.1-3]): an id is reused only after its ack.
    let b = Behaviour {
        ack_publishes: false,
        ack_requests: false,
        ..quiet()
    };
    let mut p = Pair::connected(config(), b);
    for i in 0..5 {
        let q = if i % 2 == 0 {
            QoS::AtLeastOnce
        } else {
            QoS::ExactlyOnce
        };
        p.client.publish(p.now, msg("a", b"x", q)).unwrap();
    }
    p.client
        .subscribe(
            p.now,
            vec![filter("s", QoS::AtMostOnce)],
            Properties::default(),
        )
        .unwrap();
    p.client
        .unsubscribe(
            p.now,
            vec![ByteStr::from_static("s")],
            Properties::default(),
        )
        .unwrap();
    p.drive();
    let ids: Vec<u16> = p
        .sent()
        .iter()
        .filter_map(|x| match x {
            Packet::Publish(p) => p.packet_id.map(|i| i.get()),
            Packet::Subscribe(s) => Some(s.packet_id.get()),
            Packet::Unsubscribe(u) => Some(u.packet_id.get()),
            _ => None,
        })
        .collect();
    let unique: BTreeSet<u16> = ids.iter().copied().collect();
    assert_eq!(unique.len(), 7, "{ids:?}");
    // Acks out of order: 3 (QoS 1), then 1 (QoS 1).
    p.broker_send(&Packet::PubAck(resp(pid(3), ReasonCode::Success)));
    p.broker_send(&Packet::PubAck(resp(pid(1), ReasonCode::Success)));
    let done: Vec<u64> = completions(&p.take_events()).iter().map(|c| c.0).collect();
    assert_eq!(done, vec![3, 1]);
    // A new publish never takes an id still in use.
    p.client
        .publish(p.now, msg("a", b"x", QoS::AtLeastOnce))
        .unwrap();
    p.drive();
    let Some(Packet::Publish(last)) = p.sent().last() else {
        panic!("a publish was sent")
    };
    let new_id = last.packet_id.unwrap().get();
    assert!(![2, 4, 5, 6, 7].contains(&new_id), "reused {new_id}");
}

#[test]
fn publish_to_an_invalid_topic_is_refused_synchronously() {
    let mut p = Pair::connected(config(), quiet());
    assert_eq!(
        p.client.publish(p.now, msg("a/#", b"x", QoS::AtMostOnce)),
        Err(PublishError::InvalidTopic(TopicError::WildcardInTopicName))
    );
    assert_eq!(
        p.client.publish(p.now, msg("", b"x", QoS::AtMostOnce)),
        Err(PublishError::InvalidTopic(TopicError::Empty))
    );
    p.drive();
    assert_eq!(p.broker.accepted.len(), 0);
}

#[test]
fn v5_publish_above_the_broker_maximum_qos_is_refused() {
    let mut props = Properties::default();
    props.maximum_qos = Some(1);
    let b = Behaviour {
        connack_properties: props,
        ..quiet()
    };
    let mut p = Pair::connected(config_v5(), b);
    assert_eq!(
        p.client.publish(p.now, msg("a", b"x", QoS::ExactlyOnce)),
        Err(PublishError::QoSNotSupported {
            requested: QoS::ExactlyOnce,
            maximum: QoS::AtLeastOnce
        })
    );
}

#[test]
fn v5_retain_when_the_broker_has_none_is_refused() {
    let mut props = Properties::default();
    props.retain_available = Some(0);
    let b = Behaviour {
        connack_properties: props,
        ..quiet()
    };
    let mut p = Pair::connected(config_v5(), b);
    assert_eq!(
        p.client
            .publish(p.now, msg("a", b"x", QoS::AtMostOnce).retain(true)),
        Err(PublishError::RetainNotSupported)
    );
}

#[test]
fn v5_publish_larger_than_the_broker_maximum_packet_size_is_refused_before_sending() {
    let mut props = Properties::default();
    props.maximum_packet_size = Some(100);
    let b = Behaviour {
        connack_properties: props,
        ..quiet()
    };
    let mut p = Pair::connected(config_v5(), b);
    let big = mqtt_sansio::client::OutgoingPublish::new("a", vec![0u8; 200], QoS::AtLeastOnce);
    assert!(matches!(
        p.client.publish(p.now, big),
        Err(PublishError::PacketTooLarge { max: 100, .. })
    ));
    p.drive();
    assert!(p.broker.accepted.is_empty());
    assert_eq!(p.client.pending_publishes(), 0);
}

#[test]
fn properties_on_a_3_1_1_publish_are_refused() {
    let mut p = Pair::connected(config(), quiet());
    let mut props = Properties::default();
    props.message_expiry_interval = Some(5);
    assert_eq!(
        p.client
            .publish(p.now, msg("a", b"x", QoS::AtMostOnce).properties(props)),
        Err(PublishError::RequiresV5)
    );
}

// ---------------------------------------------------------------- inbound

#[test]
fn inbound_qos0_message_is_delivered_as_an_event() {
    let mut p = Pair::connected(config(), quiet());
    p.take_events();
    p.broker_send(&inbound("news", QoS::AtMostOnce, None, false));
    let m = messages(&p.take_events());
    assert_eq!(m.len(), 1);
    assert_eq!(&*m[0].topic, "news");
    assert_eq!(&m[0].payload[..], b"payload");
}

#[test]
fn inbound_qos1_is_delivered_and_acknowledged_with_puback() {
    // [MQTT-4.3.2-2]
    let mut p = Pair::connected(config(), quiet());
    p.broker_send(&inbound("news", QoS::AtLeastOnce, Some(9), false));
    assert_eq!(messages(&p.take_events()).len(), 1);
    assert!(matches!(p.sent().last(), Some(Packet::PubAck(r)) if r.packet_id == pid(9)));
}

#[test]
fn inbound_qos2_resent_by_the_broker_is_delivered_exactly_once() {
    // [MQTT-4.3.3-2]: no duplicate delivery before PUBREL.
    let mut p = Pair::connected(config(), quiet());
    p.take_events();
    p.broker_send(&inbound("once", QoS::ExactlyOnce, Some(4), false));
    p.broker_send(&inbound("once", QoS::ExactlyOnce, Some(4), true));
    assert_eq!(messages(&p.take_events()).len(), 1);
    let pubrecs = p
        .sent()
        .iter()
        .filter(|x| matches!(x, Packet::PubRec(_)))
        .count();
    assert_eq!(pubrecs, 2, "each PUBLISH is answered with PUBREC");
    p.broker_send(&Packet::PubRel(resp(pid(4), ReasonCode::Success)));
    assert!(matches!(p.sent().last(), Some(Packet::PubComp(r)) if r.packet_id == pid(4)));
    // After PUBCOMP the id is a new message again.
    p.broker_send(&inbound("again", QoS::ExactlyOnce, Some(4), false));
    assert_eq!(messages(&p.take_events()).len(), 1);
}

#[test]
fn v5_pubrel_frees_the_inbound_qos2_slot_of_our_receive_maximum() {
    // At PUBREL the message is done [MQTT-4.3.3-13]: its state goes, and
    // with it the slot it held in the Receive Maximum we advertised
    // [MQTT-3.3.4-9]. With a maximum of 1, a second QoS 2 message after
    // PUBREL/PUBCOMP is a new message, not "Receive Maximum exceeded".
    let mut cfg = config_v5();
    cfg.receive_maximum = 1;
    let mut p = Pair::connected(cfg, quiet());
    p.take_events();
    p.broker_send(&inbound("a", QoS::ExactlyOnce, Some(1), false));
    p.broker_send(&Packet::PubRel(resp(pid(1), ReasonCode::Success)));
    assert!(matches!(
        p.sent().last(),
        Some(Packet::PubComp(r)) if r.packet_id == pid(1) && r.reason == ReasonCode::Success
    ));
    p.broker_send(&inbound("b", QoS::ExactlyOnce, Some(2), false));
    let ev = p.take_events();
    assert_eq!(messages(&ev).len(), 2, "{ev:?}");
    assert!(lost(&ev).is_empty(), "{ev:?}");
    assert!(matches!(p.sent().last(), Some(Packet::PubRec(r)) if r.packet_id == pid(2)));
}

#[test]
fn pubrel_for_an_unknown_id_is_answered_with_pubcomp() {
    // [MQTT-4.3.3-11] / v5: PUBCOMP with 0x92 Packet Identifier not found.
    let mut p = Pair::connected(config_v5(), quiet());
    p.broker_send(&Packet::PubRel(resp(pid(5), ReasonCode::Success)));
    assert!(matches!(
        p.sent().last(),
        Some(Packet::PubComp(r)) if r.reason == ReasonCode::PacketIdentifierNotFound
    ));
    assert!(p.client.is_connected());
}

#[test]
fn manual_ack_sends_puback_only_when_the_application_acks() {
    let mut p = Pair::connected(config().manual_acks(true), quiet());
    p.take_events();
    p.broker_send(&inbound("m", QoS::AtLeastOnce, Some(3), false));
    let ev = p.take_events();
    let Some(Event::Message {
        ack: Some(token), ..
    }) = ev.first()
    else {
        panic!("message with a token: {ev:?}")
    };
    assert!(!p.sent().iter().any(|x| matches!(x, Packet::PubAck(_))));
    p.client.ack(p.now, *token).unwrap();
    p.drive();
    assert!(matches!(p.sent().last(), Some(Packet::PubAck(r)) if r.packet_id == pid(3)));
    assert_eq!(p.client.ack(p.now, *token), Err(AckError::UnknownToken));
}

#[test]
fn manual_ack_of_qos2_sends_pubrec_then_pubcomp_follows_pubrel() {
    let mut p = Pair::connected(config().manual_acks(true), quiet());
    p.take_events();
    p.broker_send(&inbound("m", QoS::ExactlyOnce, Some(8), false));
    let ev = p.take_events();
    let Some(Event::Message {
        ack: Some(token), ..
    }) = ev.first()
    else {
        panic!("message with a token: {ev:?}")
    };
    assert!(!p.sent().iter().any(|x| matches!(x, Packet::PubRec(_))));
    // A resend before the ack is neither delivered nor answered.
    p.broker_send(&inbound("m", QoS::ExactlyOnce, Some(8), true));
    assert!(messages(&p.take_events()).is_empty());
    p.client.ack(p.now, *token).unwrap();
    p.drive();
    assert!(matches!(p.sent().last(), Some(Packet::PubRec(r)) if r.packet_id == pid(8)));
    p.broker_send(&Packet::PubRel(resp(pid(8), ReasonCode::Success)));
    assert!(matches!(p.sent().last(), Some(Packet::PubComp(_))));
}

#[test]
fn ack_without_manual_acks_is_refused() {
    let mut p = Pair::connected(config().manual_acks(true), quiet());
    p.take_events();
    p.broker_send(&inbound("m", QoS::AtLeastOnce, Some(3), false));
    let Some(Event::Message {
        ack: Some(token), ..
    }) = p.take_events().into_iter().next()
    else {
        panic!("token")
    };
    let mut other = Pair::connected(config(), quiet());
    assert_eq!(
        other.client.ack(other.now, token),
        Err(AckError::ManualAcksDisabled)
    );
}

#[test]
fn qos1_token_from_an_earlier_connection_is_stale() {
    let mut p = Pair::connected(config().manual_acks(true), quiet());
    p.take_events();
    p.broker_send(&inbound("m", QoS::AtLeastOnce, Some(3), false));
    let Some(Event::Message {
        ack: Some(token), ..
    }) = p.take_events().into_iter().next()
    else {
        panic!("token")
    };
    p.drop_connection();
    p.connect();
    assert_eq!(p.client.ack(p.now, token), Err(AckError::StaleConnection));
}

// ---------------------------------------------------------------- subscribe

#[test]
fn subscribe_reports_granted_codes_and_updates_the_registry() {
    let b = Behaviour {
        max_granted_qos: QoS::AtLeastOnce,
        ..Default::default()
    };
    let mut p = Pair::connected(config(), b);
    p.take_events();
    let id = p
        .client
        .subscribe(
            p.now,
            vec![
                filter("a/+", QoS::ExactlyOnce),
                filter("b/#", QoS::AtMostOnce),
            ],
            Properties::default(),
        )
        .unwrap();
    let ev = p.take_events();
    assert_eq!(
        ev,
        vec![Event::SubscribeComplete {
            id,
            filters: vec![ByteStr::from_static("a/+"), ByteStr::from_static("b/#")],
            codes: vec![ReasonCode::GrantedQoS1, ReasonCode::Success],
            properties: Properties::default(),
        }]
    );
    let s = p.client.subscriptions();
    assert_eq!(
        s.get("a/+").unwrap().state,
        SubscriptionState::Granted(QoS::AtLeastOnce)
    );
    assert_eq!(
        s.get("b/#").unwrap().state,
        SubscriptionState::Granted(QoS::AtMostOnce)
    );
}

#[test]
fn a_failed_suback_code_removes_the_filter_from_the_registry() {
    let b = Behaviour {
        ack_requests: false,
        ..Default::default()
    };
    let mut p = Pair::connected(config(), b);
    p.client
        .subscribe(
            p.now,
            vec![filter("x", QoS::AtMostOnce)],
            Properties::default(),
        )
        .unwrap();
    p.drive();
    assert_eq!(
        p.client.subscriptions().get("x").unwrap().state,
        SubscriptionState::Pending
    );
    p.broker_send(&Packet::SubAck(SubAck {
        packet_id: pid(1),
        codes: vec![ReasonCode::UnspecifiedError],
        properties: Properties::default(),
    }));
    assert!(p.client.subscriptions().get("x").is_none());
}

#[test]
fn suback_with_the_wrong_number_of_codes_is_a_broker_protocol_error() {
    let b = Behaviour {
        ack_requests: false,
        ..Default::default()
    };
    let mut p = Pair::connected(config(), b);
    p.client
        .subscribe(
            p.now,
            vec![filter("x", QoS::AtMostOnce), filter("y", QoS::AtMostOnce)],
            Properties::default(),
        )
        .unwrap();
    p.broker_send(&Packet::SubAck(SubAck {
        packet_id: pid(1),
        codes: vec![ReasonCode::Success],
        properties: Properties::default(),
    }));
    assert_eq!(
        lost(&p.take_events()),
        vec![ConnectionError::Protocol(
            ProtocolViolation::AckCountMismatch {
                expected: 2,
                got: 1
            }
        )]
    );
}

#[test]
fn unsubscribe_removes_the_filter_at_unsuback() {
    let mut p = Pair::connected(config(), Behaviour::default());
    p.client
        .subscribe(
            p.now,
            vec![filter("x", QoS::AtMostOnce)],
            Properties::default(),
        )
        .unwrap();
    p.drive();
    let id = p
        .client
        .unsubscribe(
            p.now,
            vec![ByteStr::from_static("x")],
            Properties::default(),
        )
        .unwrap();
    let ev = p.take_events();
    assert!(ev
        .iter()
        .any(|e| matches!(e, Event::UnsubscribeComplete { id: i, .. } if *i == id)));
    assert!(p.client.subscriptions().is_empty());
    // Messages for it no longer arrive (the model broker forgot it too).
    p.client
        .publish(p.now, msg("x", b"x", QoS::AtMostOnce))
        .unwrap();
    assert!(messages(&p.take_events()).is_empty());
}

#[test]
fn a_subscribe_made_after_an_unsubscribe_of_the_same_filter_is_kept_at_unsuback() {
    // The broker processes the requests in the order sent (§4.6):
    // UNSUBSCRIBE x then SUBSCRIBE x leaves x subscribed, and the client's
    // registry must say so (found by the model test's subscription invariant).
    let mut p = Pair::connected(config(), Behaviour::default());
    p.client
        .subscribe(
            p.now,
            vec![filter("x", QoS::AtLeastOnce)],
            Properties::default(),
        )
        .unwrap();
    p.drive();
    // Both requests go out before either acknowledgement comes back.
    p.broker.behaviour.ack_requests = false;
    p.client
        .unsubscribe(
            p.now,
            vec![ByteStr::from_static("x")],
            Properties::default(),
        )
        .unwrap();
    p.client
        .subscribe(
            p.now,
            vec![filter("x", QoS::AtMostOnce)],
            Properties::default(),
        )
        .unwrap();
    p.drive();
    let (unsub, sub) = match &p.sent()[p.sent().len() - 2..] {
        [Packet::Unsubscribe(u), Packet::Subscribe(s)] => (u.packet_id, s.packet_id),
        other => panic!("{other:?}"),
    };
    p.broker_send(&Packet::UnsubAck(mqtt_sansio::codec::UnsubAck {
        packet_id: unsub,
        codes: vec![],
        properties: Properties::default(),
    }));
    p.broker_send(&Packet::SubAck(SubAck {
        packet_id: sub,
        codes: vec![ReasonCode::Success],
        properties: Properties::default(),
    }));
    assert_eq!(
        p.client.subscriptions().get("x").map(|s| s.state),
        Some(SubscriptionState::Granted(QoS::AtMostOnce))
    );
}

#[test]
fn an_unsubscribe_made_after_a_subscribe_of_the_same_filter_removes_it() {
    let mut p = Pair::connected(config(), Behaviour::default());
    p.broker.behaviour.ack_requests = false;
    p.client
        .subscribe(
            p.now,
            vec![filter("x", QoS::AtMostOnce)],
            Properties::default(),
        )
        .unwrap();
    p.client
        .unsubscribe(
            p.now,
            vec![ByteStr::from_static("x")],
            Properties::default(),
        )
        .unwrap();
    p.drive();
    let (sub, unsub) = match &p.sent()[p.sent().len() - 2..] {
        [Packet::Subscribe(s), Packet::Unsubscribe(u)] => (s.packet_id, u.packet_id),
        other => panic!("{other:?}"),
    };
    p.broker_send(&Packet::SubAck(SubAck {
        packet_id: sub,
        codes: vec![ReasonCode::Success],
        properties: Properties::default(),
    }));
    p.broker_send(&Packet::UnsubAck(mqtt_sansio::codec::UnsubAck {
        packet_id: unsub,
        codes: vec![],
        properties: Properties::default(),
    }));
    assert!(p.client.subscriptions().is_empty());
}

#[test]
fn subscribe_to_an_invalid_filter_is_refused_synchronously() {
    let mut p = Pair::connected(config(), Behaviour::default());
    assert_eq!(
        p.client.subscribe(
            p.now,
            vec![filter("a/#/b", QoS::AtMostOnce)],
            Properties::default()
        ),
        Err(SubscribeError::InvalidFilter {
            index: 0,
            error: TopicError::MultiLevelWildcardNotLast
        })
    );
    assert_eq!(
        p.client.subscribe(p.now, vec![], Properties::default()),
        Err(SubscribeError::NoFilters)
    );
    assert!(p.client.subscriptions().is_empty());
}

#[test]
fn messages_to_own_subscription_round_trip_through_the_broker() {
    // Hello world: subscribe `hello`, publish "Hello, world", one delivery.
    let mut p = Pair::connected(config(), Behaviour::default());
    p.client
        .subscribe(
            p.now,
            vec![filter("hello", QoS::AtMostOnce)],
            Properties::default(),
        )
        .unwrap();
    p.client
        .publish(p.now, msg("hello", b"Hello, world", QoS::AtMostOnce))
        .unwrap();
    let m = messages(&p.take_events());
    assert_eq!(m.len(), 1);
    assert_eq!(&m[0].payload[..], b"Hello, world");
    let routed: Vec<&str> = p
        .client
        .subscriptions()
        .matching(&m[0])
        .map(|s| &*s.filter)
        .collect();
    assert_eq!(routed, ["hello"]);
}

#[test]
fn time_does_not_matter_to_qos_flows() {
    // The same flow at a late instant: no hidden clock reads.
    let mut p = Pair::connected(config().keep_alive(Duration::ZERO), quiet());
    p.now = Duration::from_secs(1_000_000);
    let id = p
        .client
        .publish(p.now, msg("a", b"1", QoS::AtLeastOnce))
        .unwrap();
    assert_eq!(
        completions(&p.take_events()),
        vec![(id.0, Some(1), ReasonCode::Success)]
    );
}

#[test]
fn pubrel_before_our_pubrec_is_a_broker_protocol_error() {
    // With a manual ack pending no PUBREC was sent, so PUBREL cannot be valid.
    let mut p = Pair::connected(config().manual_acks(true), quiet());
    p.take_events();
    p.broker_send(&inbound("m", QoS::ExactlyOnce, Some(8), false));
    p.take_events();
    p.broker_send(&Packet::PubRel(resp(pid(8), ReasonCode::Success)));
    assert_eq!(
        lost(&p.take_events()),
        vec![ConnectionError::Protocol(
            ProtocolViolation::PubRelBeforePubRec { packet_id: pid(8) }
        )]
    );
}

#[test]
fn the_client_can_move_between_threads() {
    fn assert_send<T: Send>() {}
    assert_send::<mqtt_sansio::Client<Duration>>();
    assert_send::<Event>();
}

#[test]
fn after_a_puback_for_qos2_the_reconnected_session_does_not_resend_it() {
    // Against a RabbitMQ-like broker the client does not loop on the bad message.
    let b = Behaviour {
        puback_for_qos2: true,
        ..quiet()
    };
    let cfg = config()
        .clean_start(false)
        .reconnect(mqtt_sansio::client::ReconnectPolicy::backoff(
            Duration::from_secs(1),
            Duration::from_secs(2),
        ));
    let mut p = Pair::connected(cfg, b);
    p.client
        .publish(p.now, msg("a", b"2", QoS::ExactlyOnce))
        .unwrap();
    p.drive();
    p.advance(Duration::from_secs(2));
    assert!(p.client.is_connected());
    let publishes = p
        .sent()
        .iter()
        .filter(|x| matches!(x, Packet::Publish(_)))
        .count();
    assert_eq!(publishes, 1);
    assert_eq!(lost(&p.take_events()).len(), 1);
}
