//! Machine Head's own test expectations (every row of the table in
//! `shared/reference/seed-examples.md`), against every broker under test.

mod support;

use mqtt_std::{ConnectionError, Error, Options, ProtocolViolation, QoS};
use mqtt_testkit::BrokerKind;
use support::{channel, connect, expect_exactly, expect_none, forward, prefix};

/// Publishes `n` QoS 1 messages to `topic` and waits for every acknowledgement.
fn publish_n(client: &mqtt_std::Client, topic: &str, n: usize) {
    let handles: Vec<_> = (0..n)
        .map(|i| client.publish(topic.to_owned(), format!("{i}")).unwrap())
        .collect();
    for h in handles {
        h.wait().unwrap();
    }
}

#[test]
fn subscribe_one_topic_publish_100_receive_100() {
    for broker in support::brokers() {
        let p = prefix("mh-100");
        let topic = format!("{p}mh/topic");
        let c = connect(&broker, Options::new());
        let (tx, rx) = channel();
        c.subscribe([(topic.as_str(), QoS::AtMostOnce)], forward(&tx))
            .unwrap();
        publish_n(&c, &topic, 100);
        expect_exactly(&rx, 100, &broker.name);
        c.disconnect().unwrap();
    }
}

#[test]
fn two_clients_on_the_same_topic_receive_200_of_100() {
    for broker in support::brokers() {
        let p = prefix("mh-200");
        let topic = format!("{p}mh/topic");
        let (tx, rx) = channel();
        let a = connect(&broker, Options::new());
        let b = connect(&broker, Options::new());
        a.subscribe([(topic.as_str(), QoS::AtMostOnce)], forward(&tx))
            .unwrap();
        b.subscribe([(topic.as_str(), QoS::AtMostOnce)], forward(&tx))
            .unwrap();
        publish_n(&a, &topic, 100);
        expect_exactly(&rx, 200, &broker.name);
        a.disconnect().unwrap();
        b.disconnect().unwrap();
    }
}

#[test]
fn multi_level_wildcard_receives_100_published_below_it() {
    for broker in support::brokers() {
        let p = prefix("mh-hash");
        let c = connect(&broker, Options::new());
        let (tx, rx) = channel();
        c.subscribe([(format!("{p}mh/topics/#"), QoS::AtMostOnce)], forward(&tx))
            .unwrap();
        publish_n(&c, &format!("{p}mh/topics/a/b/c"), 100);
        expect_exactly(&rx, 100, &broker.name);
        c.disconnect().unwrap();
    }
}

#[test]
fn single_level_wildcard_receives_20_of_40_published_at_four_depths() {
    for broker in support::brokers() {
        let p = prefix("mh-plus");
        let c = connect(&broker, Options::new());
        let (tx, rx) = channel();
        c.subscribe([(format!("{p}mh/topics/+"), QoS::AtMostOnce)], forward(&tx))
            .unwrap();
        for sub in ["a", "b", "a/b", "a/b/c"] {
            publish_n(&c, &format!("{p}mh/topics/{sub}"), 10);
        }
        let got = expect_exactly(&rx, 20, &broker.name);
        for m in got {
            let rest = &m.topic()[p.len()..];
            assert!(
                rest == "mh/topics/a" || rest == "mh/topics/b",
                "{}: {rest}",
                broker.name
            );
        }
        c.disconnect().unwrap();
    }
}

#[test]
fn one_subscribe_with_two_topics_receives_110_of_50_and_60() {
    for broker in support::brokers() {
        let p = prefix("mh-two");
        let (t1, t2) = (format!("{p}mh/topic1"), format!("{p}mh/topic2"));
        let c = connect(&broker, Options::new());
        let (tx, rx) = channel();
        let ack = c
            .subscribe(
                [
                    (t1.as_str(), QoS::AtMostOnce),
                    (t2.as_str(), QoS::AtMostOnce),
                ],
                forward(&tx),
            )
            .unwrap();
        assert_eq!(ack.granted(), [Some(QoS::AtMostOnce); 2], "{}", broker.name);
        publish_n(&c, &t1, 50);
        publish_n(&c, &t2, 60);
        expect_exactly(&rx, 110, &broker.name);
        c.disconnect().unwrap();
    }
}

#[test]
fn separate_handlers_for_two_topics_receive_50_and_60() {
    for broker in support::brokers() {
        let p = prefix("mh-sep");
        let (t1, t2) = (format!("{p}mh/topic1"), format!("{p}mh/topic2"));
        let c = connect(&broker, Options::new());
        let (tx1, rx1) = channel();
        let (tx2, rx2) = channel();
        c.subscribe([(t1.as_str(), QoS::AtMostOnce)], forward(&tx1))
            .unwrap();
        c.subscribe([(t2.as_str(), QoS::AtMostOnce)], forward(&tx2))
            .unwrap();
        publish_n(&c, &t1, 50);
        publish_n(&c, &t2, 60);
        let got1 = expect_exactly(&rx1, 50, &broker.name);
        let got2 = expect_exactly(&rx2, 60, &broker.name);
        assert!(got1.iter().all(|m| m.topic() == t1));
        assert!(got2.iter().all(|m| m.topic() == t2));
        c.disconnect().unwrap();
    }
}

#[test]
fn qos0_and_qos1_subscriptions_receive_200_of_300() {
    for broker in support::brokers() {
        let p = prefix("mh-mixed");
        let t: Vec<String> = (1..=3).map(|i| format!("{p}mh/topic{i}")).collect();
        let c = connect(&broker, Options::new());
        let (tx, rx) = channel();
        let ack = c
            .subscribe(
                [
                    (t[0].as_str(), QoS::AtMostOnce),
                    (t[2].as_str(), QoS::AtLeastOnce),
                ],
                forward(&tx),
            )
            .unwrap();
        assert_eq!(
            ack.granted(),
            [Some(QoS::AtMostOnce), Some(QoS::AtLeastOnce)],
            "{}",
            broker.name
        );
        for topic in &t {
            publish_n(&c, topic, 100);
        }
        let got = expect_exactly(&rx, 200, &broker.name);
        assert_eq!(got.iter().filter(|m| m.topic() == t[0]).count(), 100);
        assert_eq!(got.iter().filter(|m| m.topic() == t[2]).count(), 100);
        assert!(got
            .iter()
            .filter(|m| m.topic() == t[2])
            .all(|m| m.qos() == QoS::AtLeastOnce));
        c.disconnect().unwrap();
    }
}

#[test]
fn unsubscribed_topic_receives_nothing() {
    for broker in support::brokers() {
        let p = prefix("mh-unsub");
        let topic = format!("{p}mh/temp-topic");
        let (tx, rx) = channel();
        let (utx, urx) = channel();
        // Messages no handler matches would go to `on_unhandled`: nothing there either.
        let c = connect(&broker, Options::new().on_unhandled(forward(&utx)));
        c.subscribe([(topic.as_str(), QoS::AtMostOnce)], forward(&tx))
            .unwrap();
        c.unsubscribe([topic.as_str()]).unwrap();
        publish_n(&c, &topic, 10);
        expect_none(&rx, &broker.name);
        expect_none(&urx, &broker.name);
        c.disconnect().unwrap();
    }
}

#[test]
fn three_subscriptions_minus_two_unsubscribed_receive_10() {
    for broker in support::brokers() {
        let p = prefix("mh-3minus2");
        let t: Vec<String> = (1..=3).map(|i| format!("{p}mh/topic{i}")).collect();
        let c = connect(&broker, Options::new());
        let (tx, rx) = channel();
        c.subscribe(
            t.iter().map(|s| (s.as_str(), QoS::AtMostOnce)),
            forward(&tx),
        )
        .unwrap();
        if broker.kind == BrokerKind::Embedded {
            // rumqttd 0.20 answers one UNSUBSCRIBE with one UNSUBACK per filter
            // (see `embedded_broker_answers_a_two_filter_unsubscribe_twice`):
            // unsubscribe one filter per request there.
            c.unsubscribe([t[0].as_str()]).unwrap();
            c.unsubscribe([t[1].as_str()]).unwrap();
        } else {
            c.unsubscribe([t[0].as_str(), t[1].as_str()]).unwrap();
        }
        for topic in &t {
            publish_n(&c, topic, 10);
        }
        let got = expect_exactly(&rx, 10, &broker.name);
        assert!(got.iter().all(|m| m.topic() == t[2]), "{}", broker.name);
        c.disconnect().unwrap();
    }
}

/// rumqttd 0.20 sends one UNSUBACK per filter of an UNSUBSCRIBE, which MQTT
/// forbids (one UNSUBACK per UNSUBSCRIBE `[MQTT-3.10.4-4]`, `[MQTT-3.10.4-5]`).
/// The client must report that as the broker's protocol violation, not hang.
#[test]
fn embedded_broker_answers_a_two_filter_unsubscribe_twice() {
    let broker = support::brokers().remove(0);
    assert_eq!(broker.kind, BrokerKind::Embedded);
    let p = prefix("mh-unsub2");
    let lost = std::sync::Arc::new(std::sync::Mutex::new(None));
    let lost2 = lost.clone();
    let c = connect(
        &broker,
        Options::new().on_connection_lost(move |l| *lost2.lock().unwrap() = Some(l.clone())),
    );
    let (a, b) = (format!("{p}a"), format!("{p}b"));
    c.subscribe(
        [(a.as_str(), QoS::AtMostOnce), (b.as_str(), QoS::AtMostOnce)],
        |_| {},
    )
    .unwrap();
    // The first UNSUBACK completes the request; the second ends the connection.
    c.unsubscribe([a.as_str(), b.as_str()]).unwrap();
    let err = c.publish(a.as_str(), "x").unwrap().wait().unwrap_err();
    match err {
        Error::Connection(l) => assert!(
            matches!(
                l.cause,
                ConnectionError::Protocol(ProtocolViolation::UnknownPacketId { .. })
            ),
            "{l:?}"
        ),
        e => panic!("expected the broker's protocol violation, got {e:?}"),
    }
    c.disconnect().unwrap();
    assert!(
        lost.lock().unwrap().is_some(),
        "on_connection_lost was called"
    );
}

#[test]
fn will_is_delivered_when_a_client_dies_without_disconnect() {
    for broker in support::brokers() {
        assert!(broker.caps.will, "every broker here publishes wills");
        let p = prefix("mh-will");
        let topic = format!("{p}mh/will");
        let watcher = connect(&broker, Options::new());
        let (tx, rx) = channel();
        watcher
            .subscribe([(topic.as_str(), QoS::AtLeastOnce)], forward(&tx))
            .unwrap();
        let dying = connect(
            &broker,
            Options::new().will(topic.clone(), "gone", QoS::AtLeastOnce, false),
        );
        // Close the socket without DISCONNECT: the broker must publish the will.
        dying.abort();
        let got = expect_exactly(&rx, 1, &broker.name);
        assert_eq!(got[0].payload(), "gone", "{}", broker.name);
        watcher.disconnect().unwrap();
    }
}
