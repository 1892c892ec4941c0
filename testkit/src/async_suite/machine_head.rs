//! Machine Head's own test expectations (seed-examples.md, "Machine Head's own
//! test expectations"), one test per row, on every broker under test.

use super::{brokers, channel, connect, expect_exactly, forward, prefix, within, QUIET, WAIT};
use crate::BrokerKind;
use futures_lite::StreamExt;
use mqtt_adapter::aio::{sleep, Client, Messages, Runtime};
use mqtt_adapter::api::{
    ConnectionError, Error, Message, Options, ProtocolViolation, PublishHandle, QoS,
};

/// Publishes `n` QoS 1 messages to `topic`, then awaits every acknowledgement.
async fn publish_n<R: Runtime>(client: &Client<R>, topic: &str, n: usize) {
    let mut handles: Vec<PublishHandle> = Vec::with_capacity(n);
    for i in 0..n {
        handles.push(client.publish(topic, format!("m{i}")).await.unwrap());
    }
    for h in handles {
        h.await.unwrap();
    }
}

pub async fn subscribe_one_topic_publish_100_receive_100<R: Runtime>() {
    for broker in brokers() {
        let t = format!("{}mh/topic", prefix("mh1"));
        let c = connect::<R>(&broker, Options::new()).await;
        let (tx, rx) = channel();
        c.subscribe([(t.as_str(), QoS::AtMostOnce)], forward(&tx))
            .await
            .unwrap();
        publish_n(&c, &t, 100).await;
        expect_exactly::<R>(&rx, 100, &broker.name).await;
        c.disconnect().await.unwrap();
    }
}

pub async fn two_clients_on_the_same_topic_receive_200_of_100<R: Runtime>() {
    for broker in brokers() {
        let t = format!("{}mh/topic", prefix("mh2"));
        let (tx, rx) = channel();
        let c1 = connect::<R>(&broker, Options::new()).await;
        let c2 = connect::<R>(&broker, Options::new()).await;
        for c in [&c1, &c2] {
            c.subscribe([(t.as_str(), QoS::AtMostOnce)], forward(&tx))
                .await
                .unwrap();
        }
        publish_n(&c1, &t, 100).await;
        expect_exactly::<R>(&rx, 200, &broker.name).await;
        c1.disconnect().await.unwrap();
        c2.disconnect().await.unwrap();
    }
}

pub async fn multi_level_wildcard_receives_100_published_below_it<R: Runtime>() {
    for broker in brokers() {
        let p = prefix("mh3");
        let c = connect::<R>(&broker, Options::new()).await;
        let (tx, rx) = channel();
        c.subscribe([(format!("{p}mh/topics/#"), QoS::AtMostOnce)], forward(&tx))
            .await
            .unwrap();
        publish_n(&c, &format!("{p}mh/topics/a/b/c"), 100).await;
        expect_exactly::<R>(&rx, 100, &broker.name).await;
        c.disconnect().await.unwrap();
    }
}

pub async fn single_level_wildcard_receives_20_of_40_published_at_four_depths<R: Runtime>() {
    for broker in brokers() {
        let p = prefix("mh4");
        let c = connect::<R>(&broker, Options::new()).await;
        let (tx, rx) = channel();
        c.subscribe([(format!("{p}mh/topics/+"), QoS::AtMostOnce)], forward(&tx))
            .await
            .unwrap();
        for sub in ["a", "b", "a/b", "a/b/c"] {
            publish_n(&c, &format!("{p}mh/topics/{sub}"), 10).await;
        }
        let got = expect_exactly::<R>(&rx, 20, &broker.name).await;
        assert!(
            got.iter()
                .all(|m| m.topic().ends_with("/a") || m.topic().ends_with("/b")),
            "{}: only one level below mh/topics",
            broker.name
        );
        c.disconnect().await.unwrap();
    }
}

pub async fn one_subscribe_with_two_topics_receives_110_of_50_and_60<R: Runtime>() {
    for broker in brokers() {
        let p = prefix("mh5");
        let (t1, t2) = (format!("{p}mh/topic1"), format!("{p}mh/topic2"));
        let c = connect::<R>(&broker, Options::new()).await;
        let (tx, rx) = channel();
        let ack = c
            .subscribe(
                [
                    (t1.as_str(), QoS::AtMostOnce),
                    (t2.as_str(), QoS::AtMostOnce),
                ],
                forward(&tx),
            )
            .await
            .unwrap();
        assert_eq!(
            ack.codes.len(),
            2,
            "{}: one SUBACK code per filter",
            broker.name
        );
        publish_n(&c, &t1, 50).await;
        publish_n(&c, &t2, 60).await;
        expect_exactly::<R>(&rx, 110, &broker.name).await;
        c.disconnect().await.unwrap();
    }
}

pub async fn separate_handlers_for_two_topics_receive_50_and_60<R: Runtime>() {
    for broker in brokers() {
        let p = prefix("mh6");
        let (t1, t2) = (format!("{p}mh/topic1"), format!("{p}mh/topic2"));
        let c = connect::<R>(&broker, Options::new()).await;
        let (tx1, rx1) = channel();
        let (tx2, rx2) = channel();
        c.subscribe([(t1.as_str(), QoS::AtMostOnce)], forward(&tx1))
            .await
            .unwrap();
        c.subscribe([(t2.as_str(), QoS::AtMostOnce)], forward(&tx2))
            .await
            .unwrap();
        publish_n(&c, &t1, 50).await;
        publish_n(&c, &t2, 60).await;
        let g1 = expect_exactly::<R>(&rx1, 50, &format!("{} topic1", broker.name)).await;
        let g2 = expect_exactly::<R>(&rx2, 60, &format!("{} topic2", broker.name)).await;
        assert!(g1.iter().all(|m| m.topic() == t1));
        assert!(g2.iter().all(|m| m.topic() == t2));
        c.disconnect().await.unwrap();
    }
}

pub async fn qos0_and_qos1_subscriptions_receive_200_of_300<R: Runtime>() {
    for broker in brokers() {
        let p = prefix("mh7");
        let (t1, t2, t3) = (
            format!("{p}mh/topic1"),
            format!("{p}mh/topic2"),
            format!("{p}mh/topic3"),
        );
        let c = connect::<R>(&broker, Options::new()).await;
        let (tx, rx) = channel();
        let ack = c
            .subscribe(
                [
                    (t1.as_str(), QoS::AtMostOnce),
                    (t3.as_str(), QoS::AtLeastOnce),
                ],
                forward(&tx),
            )
            .await
            .unwrap();
        assert_eq!(
            ack.granted(),
            [Some(QoS::AtMostOnce), Some(QoS::AtLeastOnce)],
            "{}",
            broker.name
        );
        for t in [&t1, &t2, &t3] {
            publish_n(&c, t, 100).await;
        }
        let got = expect_exactly::<R>(&rx, 200, &broker.name).await;
        let on3: Vec<&Message> = got.iter().filter(|m| m.topic() == t3).collect();
        assert_eq!(on3.len(), 100, "{}", broker.name);
        assert!(
            on3.iter().all(|m| m.qos() == QoS::AtLeastOnce),
            "{}: QoS 1 publishes on a QoS 1 subscription arrive at QoS 1",
            broker.name
        );
        c.disconnect().await.unwrap();
    }
}

/// Waits until `marker` arrives on `all` (every message of the client, in
/// order), returning the messages before it.
async fn until_marker<R: Runtime>(all: &mut Messages, marker: &str, what: &str) -> Vec<Message> {
    let mut before = Vec::new();
    loop {
        match within::<R, _>(WAIT, all.next()).await {
            Some(Some(m)) if m.topic() == marker => return before,
            Some(Some(m)) => before.push(m),
            _ => panic!("{what}: the marker message never arrived"),
        }
    }
}

pub async fn unsubscribed_topic_receives_nothing<R: Runtime>() {
    for broker in brokers() {
        let p = prefix("mh8");
        let (temp, marker) = (format!("{p}mh/temp-topic"), format!("{p}mh/marker"));
        let c = connect::<R>(&broker, Options::new()).await;
        // Every message the broker delivers, handled or not.
        let mut all = c.messages();
        c.subscribe([(temp.as_str(), QoS::AtLeastOnce)], |_| {})
            .await
            .unwrap();
        c.subscribe([(marker.as_str(), QoS::AtLeastOnce)], |_| {})
            .await
            .unwrap();
        c.unsubscribe([temp.as_str()]).await.unwrap();
        publish_n(&c, &temp, 10).await;
        // The broker keeps one client's messages in order: once the marker
        // published after them arrives, any leak would have arrived first.
        publish_n(&c, &marker, 1).await;
        let leaked = until_marker::<R>(&mut all, &marker, &broker.name).await;
        assert!(leaked.is_empty(), "{}: got {leaked:?}", broker.name);
        c.disconnect().await.unwrap();
    }
}

pub async fn three_subscriptions_minus_two_unsubscribed_receive_10<R: Runtime>() {
    for broker in brokers() {
        let p = prefix("mh9");
        let ts: Vec<String> = (1..=3).map(|i| format!("{p}mh/topic{i}")).collect();
        let c = connect::<R>(&broker, Options::new()).await;
        let mut all = c.messages();
        let (tx, rx) = channel();
        c.subscribe(
            ts.iter().map(|t| (t.as_str(), QoS::AtLeastOnce)),
            forward(&tx),
        )
        .await
        .unwrap();
        // One filter per UNSUBSCRIBE: rumqttd mis-answers a multi-filter one
        // (see the next test).
        c.unsubscribe([ts[0].as_str()]).await.unwrap();
        c.unsubscribe([ts[1].as_str()]).await.unwrap();
        for t in &ts {
            publish_n(&c, t, 10).await;
        }
        let got = expect_exactly::<R>(&rx, 10, &broker.name).await;
        assert!(got.iter().all(|m| m.topic() == ts[2]), "{}", broker.name);
        // And the broker itself sent nothing for the other two.
        let mut seen = 0;
        while let Some(Some(m)) = within::<R, _>(QUIET, all.next()).await {
            assert_eq!(m.topic(), ts[2], "{}", broker.name);
            seen += 1;
        }
        assert_eq!(seen, 10, "{}", broker.name);
        c.disconnect().await.unwrap();
    }
}

/// rumqttd 0.20 sends one UNSUBACK per filter of an UNSUBSCRIBE, which MQTT
/// forbids (one UNSUBACK per UNSUBSCRIBE `[MQTT-3.10.4-4]`, `[MQTT-3.10.4-5]`).
/// The client reports that as the broker's protocol violation; it does not
/// hang. Conforming brokers answer once and the connection stays up.
pub async fn two_filter_unsubscribe_is_answered_once_or_reported_as_a_violation<R: Runtime>() {
    for broker in brokers() {
        let p = prefix("mh-unsub2");
        let (a, b) = (format!("{p}a"), format!("{p}b"));
        let c = connect::<R>(&broker, Options::new()).await;
        c.subscribe(
            [(a.as_str(), QoS::AtMostOnce), (b.as_str(), QoS::AtMostOnce)],
            |_| {},
        )
        .await
        .unwrap();
        c.unsubscribe([a.as_str(), b.as_str()]).await.unwrap();
        let result = c.publish(a.as_str(), "x").await.unwrap().await;
        if broker.kind == BrokerKind::Embedded {
            match result {
                Err(Error::Connection(l)) => assert!(
                    matches!(
                        l.cause,
                        ConnectionError::Protocol(ProtocolViolation::UnknownPacketId { .. })
                    ),
                    "{l:?}"
                ),
                r => panic!("expected rumqttd's extra UNSUBACK to be reported, got {r:?}"),
            }
        } else {
            assert!(result.is_ok(), "{}: {result:?}", broker.name);
            assert!(c.is_connected(), "{}", broker.name);
        }
        c.disconnect().await.unwrap();
    }
}

pub async fn will_is_delivered_when_a_client_dies_without_disconnect<R: Runtime>() {
    for broker in brokers() {
        assert!(broker.caps.will, "every broker here publishes wills");
        let topic = format!("{}mh/will", prefix("mh-will"));
        let watcher = connect::<R>(&broker, Options::new()).await;
        let (tx, rx) = channel();
        watcher
            .subscribe([(topic.as_str(), QoS::AtLeastOnce)], forward(&tx))
            .await
            .unwrap();
        let dying = connect::<R>(
            &broker,
            Options::new().will(topic.clone(), "gone", QoS::AtLeastOnce, false),
        )
        .await;
        // Close the socket without DISCONNECT: the broker must publish the will.
        dying.abort().await;
        let got = expect_exactly::<R>(&rx, 1, &broker.name).await;
        assert_eq!(got[0].payload(), "gone", "{}", broker.name);
        watcher.disconnect().await.unwrap();
    }
}

pub async fn no_will_after_a_clean_disconnect<R: Runtime>() {
    for broker in brokers() {
        let p = prefix("mh-nowill");
        let (topic, marker) = (format!("{p}will"), format!("{p}marker"));
        let watcher = connect::<R>(&broker, Options::new()).await;
        let mut all = watcher.messages();
        watcher
            .subscribe(
                [
                    (topic.as_str(), QoS::AtLeastOnce),
                    (marker.as_str(), QoS::AtLeastOnce),
                ],
                |_| {},
            )
            .await
            .unwrap();
        let leaving = connect::<R>(
            &broker,
            Options::new().will(topic.clone(), "gone", QoS::AtLeastOnce, false),
        )
        .await;
        leaving.disconnect().await.unwrap();
        // A will would be published when the broker closes the session, at
        // the latest before it handles the watcher's later marker... almost:
        // wills are published asynchronously, so give it the quiet period too.
        sleep::<R>(QUIET).await;
        publish_marker(&watcher, &marker).await;
        let before = until_marker::<R>(&mut all, &marker, &broker.name).await;
        assert!(before.is_empty(), "{}: got {before:?}", broker.name);
        watcher.disconnect().await.unwrap();
    }
}

async fn publish_marker<R: Runtime>(c: &Client<R>, marker: &str) {
    c.publish(marker, "marker").await.unwrap().await.unwrap();
}
