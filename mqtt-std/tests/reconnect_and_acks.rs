//! Automatic reconnect (handlers and subscriptions survive it), manual acks,
//! and per-subscription iterators.

mod support;

use mqtt_sansio::codec::Packet;
use mqtt_std::{Client, Options, QoS, ReconnectPolicy};
use std::sync::mpsc;
use std::time::Duration;
use support::fake::{FakeBroker, FakeConn};
use support::{channel, connect, expect_exactly, forward, prefix, WAIT};

/// Reads packets until a SUBSCRIBE; answers it with SUBACK granting QoS 1 for
/// every filter, and returns the filters.
fn answer_subscribe(conn: &mut FakeConn) -> Vec<String> {
    loop {
        if let Packet::Subscribe(s) = conn.read() {
            let id = s.packet_id.get();
            let n = s.filters.len();
            let mut suback = vec![0x90, (2 + n) as u8, (id >> 8) as u8, id as u8];
            suback.resize(4 + n, 0x01);
            conn.write(&suback);
            return s.filters.iter().map(|f| f.filter.to_string()).collect();
        }
    }
}

/// A QoS 0 PUBLISH of `payload` to `topic`.
fn publish_packet(topic: &str, payload: &[u8]) -> Vec<u8> {
    let mut p = vec![
        0x30,
        (2 + topic.len() + payload.len()) as u8,
        0,
        topic.len() as u8,
    ];
    p.extend_from_slice(topic.as_bytes());
    p.extend_from_slice(payload);
    p
}

#[test]
fn after_a_lost_connection_the_client_reconnects_resubscribes_and_keeps_its_handlers() {
    let broker = FakeBroker::start();
    let (info_tx, info_rx) = mpsc::channel();
    let (lost_tx, lost_rx) = mpsc::channel();
    let t = std::thread::spawn({
        let url = broker.url.clone();
        move || {
            Client::connect(
                &url,
                Options::new()
                    .reconnect(ReconnectPolicy::backoff(
                        Duration::from_millis(10),
                        Duration::from_millis(100),
                    ))
                    .on_connect(move |i| info_tx.send(i.reconnect).unwrap())
                    .on_connection_lost(move |l| lost_tx.send(l.will_reconnect).unwrap()),
            )
        }
    });
    let mut first = broker.accept();
    first.accept_connect();
    let client = t.join().unwrap().unwrap();
    assert!(
        !info_rx.recv_timeout(WAIT).unwrap(),
        "first connect is not a reconnect"
    );

    let (tx, rx) = channel();
    let sub = std::thread::spawn({
        let client = client.clone();
        move || {
            client
                .subscribe([("news", QoS::AtLeastOnce)], forward(&tx))
                .unwrap()
        }
    });
    assert_eq!(answer_subscribe(&mut first), ["news"]);
    sub.join().unwrap();

    // The broker drops the connection.
    first.stream.shutdown(std::net::Shutdown::Both).unwrap();
    assert!(
        lost_rx.recv_timeout(WAIT).unwrap(),
        "a reconnect is scheduled"
    );

    // The client comes back; the broker has no session, so it subscribes again.
    let mut second = broker.accept();
    second.accept_connect();
    assert!(
        info_rx.recv_timeout(WAIT).unwrap(),
        "second connect is a reconnect"
    );
    assert_eq!(
        answer_subscribe(&mut second),
        ["news"],
        "re-subscribed after session loss"
    );
    second.write(&publish_packet("news", b"after reconnect"));
    let got = expect_exactly(&rx, 1, "handler kept across the reconnect");
    assert_eq!(got[0].payload(), "after reconnect");
    assert!(client.is_connected());
    client.abort();
}

#[test]
fn manual_acks_send_puback_only_when_the_application_acks() {
    let broker = FakeBroker::start();
    let t = std::thread::spawn({
        let url = broker.url.clone();
        move || Client::connect(&url, Options::new().manual_acks(true))
    });
    let mut conn = broker.accept();
    conn.accept_connect();
    let client = t.join().unwrap().unwrap();
    let (tx, rx) = channel();
    let sub = std::thread::spawn({
        let client = client.clone();
        move || {
            client
                .subscribe([("jobs", QoS::AtLeastOnce)], forward(&tx))
                .unwrap()
        }
    });
    answer_subscribe(&mut conn);
    sub.join().unwrap();
    // QoS 1 PUBLISH "jobs" id 7.
    let mut p = vec![0x32, 2 + 4 + 2 + 3, 0, 4];
    p.extend_from_slice(b"jobs");
    p.extend_from_slice(&[0, 7]);
    p.extend_from_slice(b"job");
    conn.write(&p);
    let m = expect_exactly(&rx, 1, "the job").remove(0);
    assert!(m.needs_ack());
    // A fence: had the client acknowledged on its own, PUBACK would come first.
    let _ = client
        .publish_with(mqtt_std::Publish::new("fence", "f").qos(QoS::AtMostOnce))
        .unwrap();
    match conn.read() {
        Packet::Publish(f) => assert_eq!(&*f.topic, "fence"),
        p => panic!("expected the fence before any PUBACK, got {p:?}"),
    }
    client.ack(&m).unwrap();
    match conn.read() {
        Packet::PubAck(a) => assert_eq!(a.packet_id.get(), 7),
        p => panic!("expected PUBACK 7 after ack, got {p:?}"),
    }
    client.abort();
}

#[test]
fn subscribe_stream_yields_the_subscriptions_messages_and_its_suback() {
    for broker in support::brokers() {
        let topic = format!("{}s", prefix("stream"));
        let client = connect(&broker, Options::new());
        let mut stream = client
            .subscribe_stream([(topic.as_str(), QoS::AtLeastOnce)])
            .unwrap();
        assert_eq!(
            stream.ack().granted(),
            [Some(QoS::AtLeastOnce)],
            "{}",
            broker.name
        );
        for i in 0..3 {
            client
                .publish(topic.as_str(), format!("{i}"))
                .unwrap()
                .wait()
                .unwrap();
        }
        let got: Vec<String> = (0..3)
            .map(|_| {
                stream
                    .next_timeout(WAIT)
                    .unwrap()
                    .payload_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert_eq!(got, ["0", "1", "2"], "{}", broker.name);
        client.disconnect().unwrap();
        assert!(stream.next().is_none(), "ends with the client");
    }
}

#[test]
fn a_dropped_subscription_stream_sends_later_messages_to_on_unhandled() {
    let broker = support::brokers().remove(0);
    let topic = format!("{}d", prefix("stream-drop"));
    let (tx, rx) = channel();
    let client = connect(&broker, Options::new().on_unhandled(forward(&tx)));
    let stream = client
        .subscribe_stream([(topic.as_str(), QoS::AtLeastOnce)])
        .unwrap();
    drop(stream);
    client
        .publish(topic.as_str(), "late")
        .unwrap()
        .wait()
        .unwrap();
    let got = expect_exactly(&rx, 1, "unhandled after the stream was dropped");
    assert_eq!(got[0].payload(), "late");
    client.disconnect().unwrap();
}

#[test]
fn a_saved_session_resends_unacknowledged_publishes_in_a_new_client() {
    // First process: a QoS 1 publish the broker never acknowledges.
    let broker = FakeBroker::start();
    let t = std::thread::spawn({
        let url = broker.url.clone();
        move || {
            Client::connect(
                &url,
                Options::new().client_id("persist-1").clean_session(false),
            )
        }
    });
    let mut conn = broker.accept();
    conn.accept_connect();
    let client = t.join().unwrap().unwrap();
    let _unacked = client.publish("jobs/1", "important").unwrap();
    assert!(matches!(conn.read(), Packet::Publish(_)));
    client.abort();
    let saved = client.snapshot().unwrap();
    drop(conn);

    // Second process: restore, reconnect; the broker kept the session.
    let (done_tx, done_rx) = mpsc::channel();
    let t = std::thread::spawn({
        let url = broker.url.clone();
        move || {
            Client::connect(
                &url,
                Options::new()
                    .client_id("persist-1")
                    .clean_session(false)
                    .restore_session(saved)
                    .on_delivery_complete(move |d| done_tx.send(d.result.is_ok()).unwrap()),
            )
        }
    });
    let mut conn = broker.accept();
    match conn.read() {
        Packet::Connect(c) => assert!(!c.clean_start),
        p => panic!("expected CONNECT, got {p:?}"),
    }
    conn.write(&[0x20, 0x02, 0x01, 0x00]); // CONNACK, session present
    let client = t.join().unwrap().unwrap();
    let id = match conn.read() {
        Packet::Publish(p) => {
            assert!(p.dup, "a resend carries DUP [MQTT-3.3.1-1]");
            assert_eq!(&*p.topic, "jobs/1");
            assert_eq!(&p.payload[..], b"important");
            p.packet_id.unwrap().get()
        }
        p => panic!("expected the resent PUBLISH, got {p:?}"),
    };
    conn.write(&[0x40, 0x02, (id >> 8) as u8, id as u8]);
    assert!(done_rx.recv_timeout(WAIT).unwrap(), "completion reported");
    client.abort();
}

#[test]
fn a_snapshot_that_is_not_one_is_a_typed_error() {
    let err = Client::connect(
        "mqtt://127.0.0.1:1",
        Options::new().restore_session(b"not a snapshot".to_vec()),
    )
    .unwrap_err();
    assert!(matches!(err, mqtt_std::Error::Restore(_)), "{err:?}");
}

#[test]
fn without_auto_reconnect_a_lost_connection_is_reported_and_reconnect_resumes_publishing() {
    let broker = FakeBroker::start();
    let (lost_tx, lost_rx) = mpsc::channel();
    let (done_tx, done_rx) = mpsc::channel();
    let t = std::thread::spawn({
        let url = broker.url.clone();
        move || {
            Client::connect(
                &url,
                Options::new()
                    .on_connection_lost(move |l| lost_tx.send(l.clone()).unwrap())
                    .on_delivery_complete(move |d| {
                        let _ = done_tx.send((d.id, d.result.is_ok()));
                    }),
            )
        }
    });
    let mut first = broker.accept();
    first.accept_connect();
    let client = t.join().unwrap().unwrap();
    let handle = client.publish("jobs/2", "again").unwrap();
    assert!(matches!(first.read(), Packet::Publish(_)));
    first.stream.shutdown(std::net::Shutdown::Both).unwrap();
    let lost = lost_rx.recv_timeout(WAIT).unwrap();
    assert!(!lost.will_reconnect, "reconnect is off by default");
    assert!(matches!(handle.wait(), Err(mqtt_std::Error::Connection(_))));
    assert!(!client.is_connected());
    assert_eq!(
        client.pending_deliveries(),
        1,
        "the message is kept, not dropped"
    );

    // Manual recovery: the unacknowledged message goes out again.
    let t = std::thread::spawn({
        let client = client.clone();
        move || client.reconnect()
    });
    let mut second = broker.accept();
    second.accept_connect();
    t.join().unwrap().unwrap();
    let id = loop {
        if let Packet::Publish(p) = second.read() {
            assert_eq!(&p.payload[..], b"again");
            break p.packet_id.unwrap().get();
        }
    };
    second.write(&[0x40, 0x02, (id >> 8) as u8, id as u8]);
    // The handle keeps the error it resolved to (as in every adapter); the
    // resent publish's outcome is reported to `on_delivery_complete`.
    let acked = loop {
        let (done, ok) = done_rx.recv_timeout(WAIT).expect("a delivery report");
        if done == handle.id() && ok {
            break true;
        }
    };
    assert!(acked, "acknowledged after the reconnect");
    assert!(matches!(handle.wait(), Err(mqtt_std::Error::Connection(_))));
    assert_eq!(client.pending_deliveries(), 0);
    client.abort();
}
