//! Every claim of the capability tables, checked against every broker under test (the embedded
//! rumqttd, plus each broker of `MQTT_TEST_BROKERS`) and every protocol version it speaks, with
//! hand-written packets. Mosquitto's `websocket: None` is checked against the installed
//! binary. Not checked: `disconnect_slot_race`, an observed race (see its documentation).
//!
//! A claim of "not supported" is checked as much as a claim of support: the table is what the
//! adapters' integration tests rely on to state their expectations per broker.

mod raw;

use std::time::{Duration, Instant};

use mqtt_sansio::{ProtocolVersion, QoS};
use mqtt_testkit::{brokers, Broker, BrokerKind, Capabilities, MosquittoTls};
use raw::{client_id, topic, ConnectOutcome, RawClient, Will, ABSENCE_WINDOW, EXPECT_TIMEOUT};

/// Read slice used while collecting several deliveries from several clients.
const POLL: Duration = Duration::from_millis(50);

const ALL_VERSIONS: [ProtocolVersion; 3] = [
    ProtocolVersion::V3_1,
    ProtocolVersion::V3_1_1,
    ProtocolVersion::V5,
];

fn under_test() -> Vec<Broker> {
    let list = brokers().expect("brokers under test");
    eprintln!(
        "brokers under test: {:?}",
        list.iter().map(|b| &b.name).collect::<Vec<_>>()
    );
    list
}

/// One test at a time: some tests here close abruptly or are refused on
/// purpose, and a broker may handle those slowly; run concurrently, they could
/// make an unrelated test's CONNECT fail or wait.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `check` for every broker under test and every (version, URL) it speaks.
fn for_each_broker_and_version(mut check: impl FnMut(&Broker, ProtocolVersion, &str, &str)) {
    for broker in under_test() {
        for version in broker.caps.versions() {
            let url = broker.caps.url(version).unwrap().to_owned();
            let who = format!("{} {version:?} at {url}", broker.name);
            eprintln!("checking {who}");
            check(&broker, version, &url, &who);
        }
    }
}

#[test]
fn the_embedded_broker_is_always_first() {
    let _serial = serial();
    let list = under_test();
    assert_eq!(list[0].name, "embedded");
    assert_eq!(list[0].kind, BrokerKind::Embedded);
}

#[test]
fn listed_protocol_versions_are_accepted() {
    let _serial = serial();
    for_each_broker_and_version(|_, version, url, who| {
        let (client, outcome) =
            RawClient::connect(url, version, &client_id("v"), true, None).unwrap();
        assert_eq!(
            outcome,
            ConnectOutcome::Accepted {
                session_present: false
            },
            "{who}"
        );
        client.disconnect();
    });
}

#[test]
fn unlisted_protocol_versions_are_refused() {
    let _serial = serial();
    for broker in under_test() {
        for version in ALL_VERSIONS {
            if broker.caps.url(version).is_some() {
                continue;
            }
            // Try the version on every URL the broker has: none may accept it.
            for v in broker.caps.versions() {
                let url = broker.caps.url(v).unwrap();
                let (client, outcome) =
                    RawClient::connect(url, version, &client_id("u"), true, None).unwrap();
                assert!(
                    !matches!(outcome, ConnectOutcome::Accepted { .. }),
                    "{}: {version:?} at {url} was accepted but the table says unsupported",
                    broker.name
                );
                eprintln!("{}: {version:?} at {url} -> {outcome:?}", broker.name);
                client.drop_abruptly();
            }
        }
    }
}

#[test]
fn granted_qos_is_capped_at_max_qos() {
    let _serial = serial();
    for_each_broker_and_version(|broker, version, url, who| {
        let (mut client, _) = RawClient::connect_ok(url, version, &client_id("q"), true, None);
        let granted = client.subscribe(&topic("granted"), 2);
        assert_eq!(
            QoS::from_u8(granted),
            Some(broker.caps.max_qos),
            "{who}: SUBACK for a QoS 2 subscription"
        );
        client.disconnect();
    });
}

#[test]
fn qos2_publish_is_answered_as_the_table_says() {
    let _serial = serial();
    for_each_broker_and_version(|broker, version, url, who| {
        let (mut client, _) = RawClient::connect_ok(url, version, &client_id("p"), true, None);
        let answer = client
            .publish_raw(&topic("qos2"), b"x", 2, false)
            .expect("an answer to a QoS 2 PUBLISH");
        let expected_kind = if broker.caps.qos2_publish_answered_with_puback {
            4 // PUBACK
        } else {
            5 // PUBREC [MQTT-4.3.3-2]
        };
        assert_eq!(answer.kind(), expected_kind, "{who}: {answer:?}");
        client.drop_abruptly();
    });
}

#[test]
fn qos2_message_is_delivered_to_a_qos2_subscriber_as_the_table_says() {
    let _serial = serial();
    for_each_broker_and_version(|broker, version, url, who| {
        if broker.caps.qos2_publish_answered_with_puback {
            // The publish side is already broken (see the test above); nothing to deliver.
            return;
        }
        let t = topic("qos2-deliver");
        let (mut sub, _) = RawClient::connect_ok(url, version, &client_id("q2s"), true, None);
        sub.subscribe(&t, 2);
        let (mut publisher, _) = RawClient::connect_ok(url, version, &client_id("q2p"), true, None);
        publisher.publish(&t, b"exactly once", 2, false);
        let got = sub.expect_delivery();
        assert_eq!(got.payload, b"exactly once", "{who}");
        // Delivered at min(publish QoS, granted QoS) [MQTT-3.8.4-6].
        assert_eq!(
            QoS::from_u8(got.qos),
            Some(broker.caps.max_qos.min(QoS::ExactlyOnce)),
            "{who}"
        );
        publisher.disconnect();
        sub.disconnect();
    });
}

#[test]
fn retained_message_reaches_a_later_subscriber() {
    let _serial = serial();
    for_each_broker_and_version(|broker, version, url, who| {
        let t = topic("retained");
        let (mut publisher, _) = RawClient::connect_ok(url, version, &client_id("r"), true, None);
        publisher.publish(&t, b"kept", 1, true);

        let (mut subscriber, _) = RawClient::connect_ok(url, version, &client_id("s"), true, None);
        subscriber.subscribe(&t, 1);
        let got = subscriber.next_delivery_within(EXPECT_TIMEOUT / 2);
        if broker.caps.retained {
            let got = got.unwrap_or_else(|| panic!("{who}: no retained message"));
            assert_eq!(got.payload, b"kept", "{who}");
            // [MQTT-3.3.1-8]: retained messages sent on subscription carry RETAIN = 1.
            assert!(got.retain, "{who}: RETAIN flag on a retained message");
        } else {
            assert_eq!(got, None, "{who}: table says no retained messages");
        }
        // Clear it: a zero-length retained PUBLISH removes the retained message [MQTT-3.3.1-10].
        publisher.publish(&t, b"", 1, true);
        publisher.disconnect();
        subscriber.disconnect();
    });
}

#[test]
fn will_is_published_when_a_client_vanishes() {
    let _serial = serial();
    for_each_broker_and_version(|broker, version, url, who| {
        let t = topic("will");
        let (mut watcher, _) = RawClient::connect_ok(url, version, &client_id("w"), true, None);
        watcher.subscribe(&t, 1);
        let will = Will {
            topic: &t,
            payload: b"gone",
            qos: 1,
            retain: false,
        };
        let (dying, _) = RawClient::connect_ok(url, version, &client_id("d"), true, Some(will));
        dying.drop_abruptly();
        let got = watcher.next_delivery_within(EXPECT_TIMEOUT);
        if broker.caps.will {
            let got = got.unwrap_or_else(|| panic!("{who}: no will message"));
            assert_eq!(got.payload, b"gone", "{who}");
        } else {
            assert_eq!(got, None, "{who}: table says no will");
        }
        watcher.disconnect();
    });
}

#[test]
fn will_is_not_published_after_a_clean_disconnect() {
    let _serial = serial();
    // [MQTT-3.1.2-10]: the will is removed when DISCONNECT is received.
    for_each_broker_and_version(|_, version, url, who| {
        let t = topic("nowill");
        let (mut watcher, _) = RawClient::connect_ok(url, version, &client_id("w"), true, None);
        watcher.subscribe(&t, 1);
        let will = Will {
            topic: &t,
            payload: b"gone",
            qos: 1,
            retain: false,
        };
        let (leaving, _) = RawClient::connect_ok(url, version, &client_id("l"), true, Some(will));
        leaving.disconnect();
        assert_eq!(
            watcher.next_delivery_within(ABSENCE_WINDOW * 2),
            None,
            "{who}"
        );
        watcher.disconnect();
    });
}

#[test]
fn persistent_session_keeps_qos1_messages_while_offline() {
    let _serial = serial();
    for_each_broker_and_version(|broker, version, url, who| {
        let t = topic("offline");
        let id = client_id("ps");
        let (mut sub, present) = RawClient::connect_ok(url, version, &id, false, None);
        assert!(!present, "{who}: a new session is not present");
        sub.subscribe(&t, 1);
        sub.disconnect();

        let (mut publisher, _) = RawClient::connect_ok(url, version, &client_id("pp"), true, None);
        publisher.publish(&t, b"while away", 1, false);
        publisher.disconnect();

        let (mut sub, present) = RawClient::connect_ok(url, version, &id, false, None);
        let got = sub.next_delivery_within(EXPECT_TIMEOUT / 2);
        if broker.caps.persistent_session {
            // MQTT 3.1's CONNACK has no session-present flag (the byte is reserved).
            if version != ProtocolVersion::V3_1 {
                assert!(present, "{who}: session present [MQTT-3.2.2-2]");
            }
            let got = got.unwrap_or_else(|| panic!("{who}: offline message lost"));
            assert_eq!(got.payload, b"while away", "{who}");
        } else {
            assert_eq!(got, None, "{who}: table says no persistent session");
        }
        sub.disconnect();
        // End the session so the broker can forget it.
        let (sub, _) = RawClient::connect_ok(url, version, &id, true, None);
        sub.disconnect();
    });
}

#[test]
fn shared_subscription_delivers_each_message_once_to_the_group() {
    let _serial = serial();
    for_each_broker_and_version(|broker, version, url, who| {
        let t = topic("shared");
        let filter = format!("$share/tk/{t}");
        let (mut a, _) = RawClient::connect_ok(url, version, &client_id("sa"), true, None);
        let (mut b, _) = RawClient::connect_ok(url, version, &client_id("sb"), true, None);
        let code_a = a.subscribe(&filter, 1);
        let code_b = b.subscribe(&filter, 1);
        let (mut publisher, _) = RawClient::connect_ok(url, version, &client_id("sp"), true, None);
        for i in 0..4u8 {
            publisher.publish(&t, &[i], 1, false);
        }
        // Collect until all 4 arrived (or the timeout), then look for extra copies; a slow
        // machine must not turn a late delivery into a miscount.
        let expected = if broker.caps.shared_subscriptions {
            4
        } else {
            0
        };
        let deadline = Instant::now() + EXPECT_TIMEOUT;
        let mut count = 0;
        while count < expected && Instant::now() < deadline {
            for client in [&mut a, &mut b] {
                if client.next_delivery_within(POLL).is_some() {
                    count += 1;
                }
            }
        }
        for client in [&mut a, &mut b] {
            while client.next_delivery_within(ABSENCE_WINDOW).is_some() {
                count += 1;
            }
        }
        eprintln!("{who}: $share SUBACK codes {code_a:#x}/{code_b:#x}, {count} deliveries");
        if broker.caps.shared_subscriptions {
            assert!(code_a < 0x80 && code_b < 0x80, "{who}: SUBACK");
            assert_eq!(count, 4, "{who}: each message once to the group");
        } else {
            // Without support the filter is refused or taken literally: no delivery as a group.
            assert_eq!(count, 0, "{who}: table says no shared subscriptions");
        }
        for c in [a, b, publisher] {
            c.disconnect();
        }
    });
}

#[test]
fn v5_puback_for_a_publish_without_subscribers() {
    let _serial = serial();
    for broker in under_test() {
        let Some(url) = broker.caps.url(ProtocolVersion::V5) else {
            eprintln!("{}: no MQTT 5 (per table), nothing to check", broker.name);
            continue;
        };
        let (mut client, _) =
            RawClient::connect_ok(url, ProtocolVersion::V5, &client_id("n"), true, None);
        let answer = client
            .publish_raw(&topic("nobody"), b"x", 1, false)
            .expect("PUBACK");
        assert_eq!(answer.kind(), 4, "{}: PUBACK", broker.name);
        // A 2-byte PUBACK means reason 0x00 [MQTT-3.4.2-1].
        let reason = answer.body.get(2).copied().unwrap_or(0);
        let expected = if broker.caps.v5_no_matching_subscribers {
            0x10
        } else {
            0x00
        };
        assert_eq!(reason, expected, "{}: PUBACK reason code", broker.name);
        client.disconnect();
    }
}

#[test]
fn mosquitto_serves_websockets_exactly_when_its_table_has_a_websocket_url() {
    // The table says Debian's build has no WebSockets: the installed binary must refuse a
    // `protocol websockets` listener. If a build with WebSockets is installed, this fails and
    // the table must change.
    let serves = MosquittoTls::serves_websockets()
        .expect("the mosquitto binary is required (.ci/run installs it)");
    let table = Capabilities::mosquitto("mqtt://127.0.0.1:1883");
    assert_eq!(
        table.websocket.is_some(),
        serves,
        "table websocket {:?}, installed mosquitto serves WebSockets: {serves}",
        table.websocket
    );
}
