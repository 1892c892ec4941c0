//! QoS 0/1/2 both ways, retained messages, persistent sessions, MQTT 5
//! features and broker quirks, on every broker under test. Where a broker
//! lacks a feature, the test asserts what that broker does instead.

use super::{
    brokers, channel, client_id, connect, connect_version, expect_exactly, expect_none, forward,
    payloads, prefix, within, WAIT,
};
use futures_lite::StreamExt;
use mqtt_adapter::aio::{Client, Runtime};
use mqtt_adapter::api::{
    self as api, ConnectionError, Error, Options, Properties, ProtocolVersion, ProtocolViolation,
    Publish, PublishFailure, QoS, ReasonCode,
};
use std::sync::{Arc, Mutex};

fn qos_min(a: QoS, b: QoS) -> QoS {
    if a < b {
        a
    } else {
        b
    }
}

pub async fn qos_0_1_2_round_trip_at_the_qos_the_broker_grants<R: Runtime>() {
    for broker in brokers() {
        for qos in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
            let what = format!("{} {qos:?}", broker.name);
            let t = format!("{}qos", prefix("qos"));
            let c = connect::<R>(&broker, Options::new()).await;
            let (tx, rx) = channel();
            let ack = c
                .subscribe([(t.as_str(), qos)], forward(&tx))
                .await
                .unwrap();
            let granted = qos_min(qos, broker.caps.max_qos);
            assert_eq!(ack.granted(), [Some(granted)], "{what}");
            // A broker that answers QoS 2 publishes with PUBACK gets QoS 1
            // here; the next test covers its QoS 2 publish.
            let publish_qos = if broker.caps.qos2_publish_answered_with_puback {
                qos_min(qos, QoS::AtLeastOnce)
            } else {
                qos
            };
            let done = c
                .publish_with(Publish::new(t.as_str(), "payload").qos(publish_qos))
                .await
                .unwrap()
                .await
                .unwrap();
            assert_eq!(done.reason, ReasonCode::Success, "{what}");
            let got = expect_exactly::<R>(&rx, 1, &what).await;
            assert_eq!(got[0].qos(), qos_min(publish_qos, granted), "{what}");
            assert!(!got[0].dup(), "{what}: a first delivery is not a duplicate");
            assert!(
                !got[0].retain(),
                "{what}: a live delivery has RETAIN 0 [MQTT-3.3.1-9]"
            );
            c.disconnect().await.unwrap();
        }
    }
}

/// RabbitMQ 3.10 answers a QoS 2 PUBLISH with PUBACK: the client cannot tell
/// whether the message will arrive once, so it reports the broker's protocol
/// violation (and does not hang). Other brokers complete the QoS 2 flow.
pub async fn qos2_publish_completes_or_a_puback_answer_is_reported_as_a_violation<R: Runtime>() {
    for broker in brokers() {
        let t = format!("{}qos2", prefix("qos2"));
        let (lost_tx, lost_rx) = async_channel::unbounded();
        let c = connect::<R>(
            &broker,
            Options::new().on_connection_lost(move |l| {
                let _ = lost_tx.try_send(l.clone());
            }),
        )
        .await;
        let result = c
            .publish_with(Publish::new(t.as_str(), "x").qos(QoS::ExactlyOnce))
            .await
            .unwrap()
            .await;
        if broker.caps.qos2_publish_answered_with_puback {
            // The publish is handed back (not resent on every reconnect)
            // and the connection ends with the same violation.
            match result {
                Err(Error::PublishFailed(PublishFailure::BrokerProtocolError(
                    ProtocolViolation::UnexpectedPubAck { .. },
                ))) => {}
                r => panic!("{}: expected UnexpectedPubAck, got {r:?}", broker.name),
            }
            let lost = lost_rx.recv().await.expect("on_connection_lost ran");
            assert!(
                matches!(
                    lost.cause,
                    ConnectionError::Protocol(ProtocolViolation::UnexpectedPubAck { .. })
                ),
                "{}: {lost:?}",
                broker.name
            );
            assert!(!c.is_connected(), "{}", broker.name);
        } else {
            assert_eq!(
                result.unwrap().reason,
                ReasonCode::Success,
                "{}",
                broker.name
            );
        }
        c.disconnect().await.unwrap();
    }
}

pub async fn retained_message_reaches_a_later_subscriber_with_the_retain_flag_until_cleared<
    R: Runtime,
>() {
    for broker in brokers() {
        assert!(
            broker.caps.retained,
            "every broker here keeps retained messages"
        );
        let t = format!("{}retained", prefix("retain"));
        let publisher = connect::<R>(&broker, Options::new()).await;
        publisher
            .publish_with(Publish::new(t.as_str(), "kept").retain(true))
            .await
            .unwrap()
            .await
            .unwrap();

        let late = connect::<R>(&broker, Options::new()).await;
        let (tx, rx) = channel();
        late.subscribe([(t.as_str(), QoS::AtLeastOnce)], forward(&tx))
            .await
            .unwrap();
        let got = expect_exactly::<R>(&rx, 1, &broker.name).await;
        assert_eq!(payloads(&got), ["kept"], "{}", broker.name);
        assert!(
            got[0].retain(),
            "{}: sent because retained [MQTT-3.3.1-8]",
            broker.name
        );

        // An empty retained payload clears it [MQTT-3.3.1-10].
        publisher
            .publish_with(Publish::new(t.as_str(), "").retain(true))
            .await
            .unwrap()
            .await
            .unwrap();
        // The live subscriber sees the clearing publish itself.
        expect_exactly::<R>(&rx, 1, &broker.name).await;
        let later = connect::<R>(&broker, Options::new()).await;
        let (tx2, rx2) = channel();
        later
            .subscribe([(t.as_str(), QoS::AtLeastOnce)], forward(&tx2))
            .await
            .unwrap();
        expect_none::<R>(&rx2, &format!("{}: cleared", broker.name)).await;
        for c in [publisher, late, later] {
            c.disconnect().await.unwrap();
        }
    }
}

pub async fn persistent_session_delivers_offline_messages_to_handlers_declared_before_connect<
    R: Runtime,
>() {
    for broker in brokers() {
        assert!(
            broker.caps.persistent_session,
            "every broker here keeps sessions"
        );
        let t = format!("{}offline", prefix("persist"));
        let id = client_id("persist");
        let first = connect::<R>(
            &broker,
            Options::new().client_id(id.clone()).clean_session(false),
        )
        .await;
        first
            .subscribe([(t.as_str(), QoS::AtLeastOnce)], |_| {})
            .await
            .unwrap();
        first.disconnect().await.unwrap();

        let publisher = connect::<R>(&broker, Options::new()).await;
        for i in 0..3 {
            publisher
                .publish(t.as_str(), format!("offline {i}"))
                .await
                .unwrap()
                .await
                .unwrap();
        }

        let (tx, rx) = channel();
        let present = Arc::new(Mutex::new(None));
        let p2 = present.clone();
        let back = connect::<R>(
            &broker,
            Options::new()
                .client_id(id.clone())
                .clean_session(false)
                .on_connect(move |info| *p2.lock().unwrap() = Some(info.session_present))
                .handler(t.as_str(), QoS::AtLeastOnce, forward(&tx)),
        )
        .await;
        let got = expect_exactly::<R>(&rx, 3, &broker.name).await;
        assert_eq!(
            payloads(&got),
            ["offline 0", "offline 1", "offline 2"],
            "{}",
            broker.name
        );
        // The dispatcher runs on_connect before any message of the session.
        assert_eq!(*present.lock().unwrap(), Some(true), "{}", broker.name);
        back.disconnect().await.unwrap();
        // Leave no session behind on the shared broker.
        let cleanup = connect::<R>(&broker, Options::new().client_id(id)).await;
        cleanup.disconnect().await.unwrap();
        publisher.disconnect().await.unwrap();
    }
}

pub async fn v5_user_properties_and_content_type_round_trip_where_the_broker_speaks_5<
    R: Runtime,
>() {
    for broker in brokers() {
        let Some(c) = connect_version::<R>(&broker, ProtocolVersion::V5, Options::new()).await
        else {
            assert!(
                broker.caps.mqtt5.is_none(),
                "{} claims MQTT 5 but has no URL for it",
                broker.name
            );
            continue;
        };
        let t = format!("{}v5", prefix("v5props"));
        let (tx, rx) = channel();
        c.subscribe([(t.as_str(), QoS::AtLeastOnce)], forward(&tx))
            .await
            .unwrap();
        let mut props = Properties::default();
        props
            .user_properties
            .push(("unit".into(), "celsius".into()));
        props.content_type = Some("text/plain".into());
        props.response_topic = Some(format!("{t}/reply").into());
        c.publish_with(Publish::new(t.as_str(), "21.5").properties(props))
            .await
            .unwrap()
            .await
            .unwrap();
        let got = expect_exactly::<R>(&rx, 1, &broker.name).await;
        let p = got[0].properties();
        assert_eq!(
            p.user_properties
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect::<Vec<_>>(),
            [("unit", "celsius")],
            "{}",
            broker.name
        );
        assert_eq!(
            p.content_type.as_deref(),
            Some("text/plain"),
            "{}",
            broker.name
        );
        assert_eq!(
            p.response_topic.as_deref(),
            Some(format!("{t}/reply").as_str()),
            "{}",
            broker.name
        );
        c.disconnect().await.unwrap();
    }
}

pub async fn v5_puback_reports_no_matching_subscribers_where_the_broker_does<R: Runtime>() {
    for broker in brokers() {
        let Some(c) = connect_version::<R>(&broker, ProtocolVersion::V5, Options::new()).await
        else {
            continue;
        };
        let t = format!("{}nobody", prefix("v5nomatch"));
        let ack = c.publish(t.as_str(), "x").await.unwrap().await.unwrap();
        let expected = if broker.caps.v5_no_matching_subscribers {
            ReasonCode::NoMatchingSubscribers
        } else {
            ReasonCode::Success
        };
        assert_eq!(ack.reason, expected, "{}", broker.name);
        c.disconnect().await.unwrap();
    }
}

/// A broker without MQTT 5 (RabbitMQ 3.10) refuses a 5.0 CONNECT: the client
/// gets a typed connection error, it does not hang.
pub async fn v5_connect_to_a_broker_without_mqtt5_is_a_typed_error<R: Runtime>() {
    for broker in brokers() {
        if broker.caps.mqtt5.is_some() {
            continue;
        }
        let r =
            Client::<R>::connect(broker.url(), Options::new().protocol(ProtocolVersion::V5)).await;
        match r {
            Err(Error::Connection(l)) => assert!(!l.will_reconnect, "{}: {l:?}", broker.name),
            Err(e) => panic!("{}: expected a connection error, got {e:?}", broker.name),
            Ok(_) => panic!("{}: a broker without MQTT 5 accepted it", broker.name),
        }
    }
}

/// A subscriber stream that nobody reads does not stop this client from
/// publishing: while it awaits acknowledgements the incoming bound is lifted
/// (up to its hard cap), and every message is still there, in order.
pub async fn an_unread_stream_does_not_stop_publishing_and_loses_nothing<R: Runtime>() {
    for broker in brokers() {
        let t = format!("{}slow", prefix("slow"));
        let c = connect::<R>(&broker, Options::new().incoming_buffer(8)).await;
        let mut unread = c
            .subscribe_stream([(t.as_str(), QoS::AtLeastOnce)])
            .await
            .unwrap();
        for i in 0..100 {
            c.publish(t.as_str(), format!("{i}"))
                .await
                .unwrap()
                .await
                .unwrap_or_else(|e| panic!("{} publish {i}: {e}", broker.name));
        }
        for i in 0..100 {
            let m = within::<R, _>(WAIT, unread.next())
                .await
                .flatten()
                .unwrap_or_else(|| panic!("{}: message {i} missing", broker.name));
            assert_eq!(
                m.payload_str(),
                Some(format!("{i}").as_str()),
                "{}",
                broker.name
            );
        }
        c.disconnect().await.unwrap();
    }
}

/// A subscription's stream gets the message published to it. (mqtt-smol
/// also runs this under `futures_lite::future::block_on`: its futures work
/// on an executor other than smol's.)
pub async fn a_subscription_stream_delivers_its_message<R: Runtime>() {
    let broker = brokers().remove(0);
    let t = format!("{}exec", prefix("exec"));
    let c = connect::<R>(&broker, Options::new()).await;
    let mut s = c
        .subscribe_stream([(t.as_str(), QoS::AtLeastOnce)])
        .await
        .unwrap();
    c.publish(t.as_str(), "hi").await.unwrap().await.unwrap();
    let m = within::<R, _>(WAIT, s.next())
        .await
        .flatten()
        .expect("delivered");
    assert_eq!(m.payload_str(), Some("hi"));
    c.disconnect().await.unwrap();
}

/// MQTT 3.1 (`MQIsdp`) where the broker speaks it; rumqttd does not, and
/// refuses the connection (the client reports it, it does not hang).
pub async fn mqtt_3_1_round_trips_where_the_broker_speaks_it<R: Runtime>() {
    for broker in brokers() {
        match broker.caps.url(ProtocolVersion::V3_1) {
            Some(url) => {
                let c = Client::<R>::connect(
                    url,
                    Options::new()
                        .protocol(ProtocolVersion::V3_1)
                        .client_id(client_id("v31")),
                )
                .await
                .unwrap_or_else(|e| panic!("{}: {e}", broker.name));
                let t = format!("{}v31", prefix("v31"));
                let (tx, rx) = channel();
                c.subscribe([(t.as_str(), QoS::AtLeastOnce)], forward(&tx))
                    .await
                    .unwrap();
                c.publish(t.as_str(), "old").await.unwrap().await.unwrap();
                assert_eq!(
                    payloads(&expect_exactly::<R>(&rx, 1, &broker.name).await),
                    ["old"]
                );
                c.disconnect().await.unwrap();
            }
            None => {
                let r = Client::<R>::connect(
                    broker.url(),
                    Options::new().protocol(ProtocolVersion::V3_1),
                )
                .await;
                assert!(
                    matches!(r, Err(Error::Connection(_))),
                    "{}: a broker without 3.1 must refuse it: {r:?}",
                    broker.name
                );
            }
        }
    }
}

/// MQTT 5 subscription identifiers come back on the messages they matched.
pub async fn v5_subscription_identifier_comes_back_on_matching_messages<R: Runtime>() {
    for broker in brokers() {
        let Some(c) = connect_version::<R>(&broker, ProtocolVersion::V5, Options::new()).await
        else {
            continue;
        };
        let t = format!("{}sid", prefix("v5sid"));
        let mut props = Properties::default();
        props.subscription_identifiers.push(42);
        let filters = vec![api::SubscribeFilter {
            filter: t.clone().into(),
            options: api::SubscriptionOptions::new(QoS::AtLeastOnce),
        }];
        let mut s = c.subscribe_stream_with(filters, props).await.unwrap();
        c.publish(t.as_str(), "x").await.unwrap().await.unwrap();
        let m = within::<R, _>(WAIT, s.next())
            .await
            .flatten()
            .expect("delivered");
        assert_eq!(
            m.properties().subscription_identifiers,
            [42],
            "{}",
            broker.name
        );
        c.disconnect().await.unwrap();
    }
}

/// A burst of QoS 2 publishes, kept within 20 in flight, arrives complete and
/// in order on every broker that takes QoS 2. (Mosquitto 2.0.11's default
/// `max_inflight_messages` is 20: from an MQTT 3.1.1 client it acknowledges
/// but does not deliver QoS 2 messages beyond that window — observed here
/// with its own mosquitto_sub as the subscriber — so the window is set to 20.)
pub async fn qos2_burst_within_twenty_in_flight_arrives_complete_and_in_order<R: Runtime>() {
    for broker in brokers() {
        if broker.caps.qos2_publish_answered_with_puback {
            // Covered by the PUBACK-violation test above.
            continue;
        }
        let t = format!("{}burst", prefix("q2burst"));
        let sub = connect::<R>(&broker, Options::new()).await;
        let (tx, rx) = channel();
        sub.subscribe([(t.as_str(), QoS::ExactlyOnce)], forward(&tx))
            .await
            .unwrap();
        let c = connect::<R>(&broker, Options::new().max_inflight(20)).await;
        let mut handles = Vec::new();
        for i in 0..100 {
            let p = Publish::new(t.as_str(), format!("{i}")).qos(QoS::ExactlyOnce);
            handles.push(c.publish_with(p).await.unwrap());
        }
        for h in handles {
            h.await.unwrap();
        }
        let got = expect_exactly::<R>(&rx, 100, &broker.name).await;
        assert_eq!(
            payloads(&got),
            (0..100).map(|i| i.to_string()).collect::<Vec<_>>(),
            "{}",
            broker.name
        );
        assert!(got.iter().all(|m| m.qos() == QoS::ExactlyOnce));
        c.disconnect().await.unwrap();
        sub.disconnect().await.unwrap();
    }
}
