//! QoS 0/1/2 both ways, retained messages, persistent sessions with offline
//! messages, handlers declared before connecting, and MQTT 5 features, against
//! every broker under test (each broker's missing features asserted as such).

mod support;

use mqtt_std::{
    Client, Error, Options, Properties, ProtocolVersion, ProtocolViolation, Publish,
    PublishFailure, QoS, ReasonCode,
};
use std::sync::mpsc;
use support::{channel, client_id, connect, expect_exactly, forward, prefix, WAIT};

const ALL_QOS: [QoS; 3] = [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce];

#[test]
fn each_qos_is_acknowledged_outbound_and_delivered_inbound_at_the_granted_qos() {
    for broker in support::brokers() {
        for qos in ALL_QOS {
            let topic = format!("{}q{}", prefix("qos"), qos as u8);
            let client = connect(&broker, Options::new());
            let (tx, rx) = channel();
            let ack = client
                .subscribe([(topic.as_str(), qos)], forward(&tx))
                .unwrap();
            let granted = qos.min(broker.caps.max_qos);
            assert_eq!(ack.granted(), [Some(granted)], "{} {qos:?}", broker.name);
            let result = client
                .publish_with(Publish::new(topic.as_str(), "m").qos(qos))
                .unwrap()
                .wait();
            if qos == QoS::ExactlyOnce && broker.caps.qos2_publish_answered_with_puback {
                // RabbitMQ 3.10 answers a QoS 2 PUBLISH with PUBACK: the client
                // reports the broker's protocol violation instead of hanging.
                match result {
                    Err(Error::PublishFailed(PublishFailure::BrokerProtocolError(
                        ProtocolViolation::UnexpectedPubAck { .. },
                    ))) => {}
                    r => panic!("{}: expected UnexpectedPubAck, got {r:?}", broker.name),
                }
                assert!(
                    !client.is_connected(),
                    "{}: the connection ends",
                    broker.name
                );
                client.disconnect().unwrap();
                continue;
            }
            result.unwrap_or_else(|e| panic!("{} {qos:?}: {e}", broker.name));
            let got = expect_exactly(&rx, 1, &format!("{} {qos:?}", broker.name));
            assert_eq!(got[0].qos(), granted, "{} {qos:?}", broker.name);
            assert_eq!(got[0].payload(), "m");
            assert!(!got[0].retain());
            client.disconnect().unwrap();
        }
    }
}

#[test]
fn qos2_inbound_many_messages_each_delivered_exactly_once() {
    for broker in support::brokers() {
        let topic = format!("{}q2in", prefix("qos2-in"));
        let sub = connect(&broker, Options::new());
        // Mosquitto 2.0.11 drops inbound QoS 2 publishes beyond its
        // `max_inflight_messages` (20) from an MQTT 3.1.1 client, after
        // acknowledging them (observed: 20 of 50 delivered with a window of
        // 64). A window of 20 respects every broker here.
        let publisher = connect(&broker, Options::new().max_inflight(20));
        let (tx, rx) = channel();
        sub.subscribe([(topic.as_str(), QoS::ExactlyOnce)], forward(&tx))
            .unwrap();
        // Publish at QoS 1 where QoS 2 publishing is not available (RabbitMQ).
        let pub_qos = if broker.caps.qos2_publish_answered_with_puback {
            QoS::AtLeastOnce
        } else {
            QoS::ExactlyOnce
        };
        let handles: Vec<_> = (0..50)
            .map(|i| {
                publisher
                    .publish_with(Publish::new(topic.as_str(), format!("{i}")).qos(pub_qos))
                    .unwrap()
            })
            .collect();
        for h in handles {
            h.wait().unwrap();
        }
        let got = expect_exactly(&rx, 50, &broker.name);
        let payloads: Vec<String> = got
            .iter()
            .map(|m| m.payload_str().unwrap().to_owned())
            .collect();
        let expected: Vec<String> = (0..50).map(|i| i.to_string()).collect();
        assert_eq!(payloads, expected, "{}: once each, in order", broker.name);
        sub.disconnect().unwrap();
        publisher.disconnect().unwrap();
    }
}

#[test]
fn retained_message_is_delivered_to_a_later_subscriber_with_the_retain_flag() {
    for broker in support::brokers() {
        assert!(
            broker.caps.retained,
            "{}: every broker here keeps retained messages",
            broker.name
        );
        let topic = format!("{}status", prefix("retained"));
        let publisher = connect(&broker, Options::new());
        publisher
            .publish_with(Publish::new(topic.as_str(), "up").retain(true))
            .unwrap()
            .wait()
            .unwrap();
        let sub = connect(&broker, Options::new());
        let (tx, rx) = channel();
        sub.subscribe([(topic.as_str(), QoS::AtLeastOnce)], forward(&tx))
            .unwrap();
        let got = expect_exactly(&rx, 1, &broker.name);
        assert_eq!(got[0].payload(), "up");
        assert!(got[0].retain(), "{}: retained flag set", broker.name);
        // Clear it: an empty retained message deletes the retained one.
        publisher
            .publish_with(Publish::new(topic.as_str(), "").retain(true))
            .unwrap()
            .wait()
            .unwrap();
        sub.disconnect().unwrap();
        publisher.disconnect().unwrap();
    }
}

#[test]
fn persistent_session_delivers_offline_messages_to_handlers_declared_before_connect() {
    for broker in support::brokers() {
        assert!(broker.caps.persistent_session, "{}", broker.name);
        let topic = format!("{}offline", prefix("session"));
        let id = client_id("sess");
        // First connection: subscribe at QoS 1 in a persistent session, leave.
        let first = connect(
            &broker,
            Options::new().client_id(id.clone()).clean_session(false),
        );
        first
            .subscribe([(topic.as_str(), QoS::AtLeastOnce)], |_| {})
            .unwrap();
        first.disconnect().unwrap();
        // While it is away, three messages are published.
        let publisher = connect(&broker, Options::new());
        for i in 0..3 {
            publisher
                .publish(topic.as_str(), format!("{i}"))
                .unwrap()
                .wait()
                .unwrap();
        }
        publisher.disconnect().unwrap();
        // Back, with the handler declared in the options: stored messages
        // reach it from the first packet on.
        let (tx, rx) = channel();
        let (info_tx, info_rx) = mpsc::channel();
        let again = connect(
            &broker,
            Options::new()
                .client_id(id.clone())
                .clean_session(false)
                .handler(topic.clone(), QoS::AtLeastOnce, forward(&tx))
                .on_connect(move |i| info_tx.send(i.clone()).unwrap()),
        );
        let info = info_rx.recv_timeout(WAIT).unwrap();
        assert!(
            info.session_present,
            "{}: the broker kept the session",
            broker.name
        );
        assert!(!info.reconnect);
        let got = expect_exactly(&rx, 3, &broker.name);
        let payloads: Vec<&str> = got.iter().map(|m| m.payload_str().unwrap()).collect();
        assert_eq!(payloads, ["0", "1", "2"], "{}", broker.name);
        again.disconnect().unwrap();
        // Leave no session behind.
        connect(&broker, Options::new().client_id(id))
            .disconnect()
            .unwrap();
    }
}

#[test]
fn stored_messages_without_a_handler_go_to_on_unhandled() {
    for broker in support::brokers() {
        let topic = format!("{}nohandler", prefix("unhandled"));
        let id = client_id("unh");
        let first = connect(
            &broker,
            Options::new().client_id(id.clone()).clean_session(false),
        );
        first
            .subscribe([(topic.as_str(), QoS::AtLeastOnce)], |_| {})
            .unwrap();
        first.disconnect().unwrap();
        let publisher = connect(&broker, Options::new());
        publisher
            .publish(topic.as_str(), "stored")
            .unwrap()
            .wait()
            .unwrap();
        publisher.disconnect().unwrap();
        // Back without declaring any handler: the stored message is unhandled.
        let (tx, rx) = channel();
        let again = connect(
            &broker,
            Options::new()
                .client_id(id.clone())
                .clean_session(false)
                .on_unhandled(forward(&tx)),
        );
        let got = expect_exactly(&rx, 1, &broker.name);
        assert_eq!(got[0].payload(), "stored");
        again.disconnect().unwrap();
        connect(&broker, Options::new().client_id(id))
            .disconnect()
            .unwrap();
    }
}

#[test]
fn clean_session_discards_what_was_stored() {
    for broker in support::brokers() {
        let topic = format!("{}clean", prefix("clean"));
        let id = client_id("cln");
        let first = connect(
            &broker,
            Options::new().client_id(id.clone()).clean_session(false),
        );
        first
            .subscribe([(topic.as_str(), QoS::AtLeastOnce)], |_| {})
            .unwrap();
        first.disconnect().unwrap();
        let publisher = connect(&broker, Options::new());
        publisher
            .publish(topic.as_str(), "stored")
            .unwrap()
            .wait()
            .unwrap();
        publisher.disconnect().unwrap();
        let (tx, rx) = channel();
        let (info_tx, info_rx) = mpsc::channel();
        let again = connect(
            &broker,
            Options::new()
                .client_id(id)
                .on_unhandled(forward(&tx))
                .on_connect(move |i| info_tx.send(i.session_present).unwrap()),
        );
        assert!(
            !info_rx.recv_timeout(WAIT).unwrap(),
            "{}: no session",
            broker.name
        );
        support::expect_none(&rx, &broker.name);
        again.disconnect().unwrap();
    }
}

#[test]
fn v5_properties_round_trip_where_the_broker_speaks_mqtt5() {
    for broker in support::brokers() {
        let Some(client) = support::connect_version(&broker, ProtocolVersion::V5, Options::new())
        else {
            // RabbitMQ 3.10 has no MQTT 5 (needs 3.13+): a v5 CONNECT is refused.
            assert!(
                support::is_rabbitmq(&broker),
                "{} should speak MQTT 5",
                broker.name
            );
            let err = Client::connect(broker.url(), Options::new().protocol(ProtocolVersion::V5))
                .expect_err("RabbitMQ 3.10 refuses MQTT 5");
            assert!(matches!(err, Error::Connection(_)), "{err:?}");
            continue;
        };
        let topic = format!("{}v5", prefix("v5"));
        let (tx, rx) = channel();
        client
            .subscribe([(topic.as_str(), QoS::AtLeastOnce)], forward(&tx))
            .unwrap();
        let mut props = Properties::default();
        props
            .user_properties
            .push(("unit".into(), "celsius".into()));
        props.content_type = Some("text/plain".into());
        props.response_topic = Some(format!("{topic}/reply").into());
        props.correlation_data = Some(mqtt_std::Bytes::from_static(b"req-1"));
        let ack = client
            .publish_with(Publish::new(topic.as_str(), "21.5").properties(props))
            .unwrap()
            .wait()
            .unwrap();
        assert_eq!(
            ack.reason,
            ReasonCode::Success,
            "{}: a subscriber matched",
            broker.name
        );
        let got = expect_exactly(&rx, 1, &broker.name);
        let p = got[0].properties();
        assert_eq!(p.user_properties.len(), 1, "{}: {p:?}", broker.name);
        assert_eq!(&*p.user_properties[0].0, "unit");
        assert_eq!(&*p.user_properties[0].1, "celsius");
        assert_eq!(
            p.content_type.as_deref(),
            Some("text/plain"),
            "{}",
            broker.name
        );
        assert_eq!(
            p.response_topic.as_deref(),
            Some(format!("{topic}/reply").as_str())
        );
        assert_eq!(p.correlation_data.as_deref(), Some(&b"req-1"[..]));
        client.disconnect().unwrap();
    }
}

#[test]
fn v5_puback_reason_for_a_publish_nobody_receives_follows_the_broker() {
    for broker in support::brokers() {
        let Some(client) = support::connect_version(&broker, ProtocolVersion::V5, Options::new())
        else {
            assert!(support::is_rabbitmq(&broker), "{}", broker.name);
            continue;
        };
        let topic = format!("{}nobody", prefix("v5-nomatch"));
        let ack = client.publish(topic.as_str(), "x").unwrap().wait().unwrap();
        let expected = if broker.caps.v5_no_matching_subscribers {
            ReasonCode::NoMatchingSubscribers
        } else {
            ReasonCode::Success
        };
        assert_eq!(ack.reason, expected, "{}", broker.name);
        client.disconnect().unwrap();
    }
}

#[test]
fn mqtt_3_1_where_the_broker_speaks_it() {
    for broker in support::brokers() {
        let Some(client) = support::connect_version(&broker, ProtocolVersion::V3_1, Options::new())
        else {
            // rumqttd has no MQTT 3.1 listener: its table says so, and a 3.1
            // CONNECT to its 3.1.1 listener is refused.
            assert_eq!(
                broker.kind,
                mqtt_testkit::BrokerKind::Embedded,
                "{}",
                broker.name
            );
            let err = Client::connect(broker.url(), Options::new().protocol(ProtocolVersion::V3_1))
                .expect_err("rumqttd refuses MQTT 3.1");
            assert!(matches!(err, Error::Connection(_)), "{err:?}");
            continue;
        };
        let topic = format!("{}v31", prefix("v31"));
        let (tx, rx) = channel();
        client
            .subscribe([(topic.as_str(), QoS::AtLeastOnce)], forward(&tx))
            .unwrap();
        client
            .publish(topic.as_str(), "old")
            .unwrap()
            .wait()
            .unwrap();
        expect_exactly(&rx, 1, &broker.name);
        client.disconnect().unwrap();
    }
}
