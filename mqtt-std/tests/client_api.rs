//! The blocking API's own promises: queue bounds, blocking and non-blocking
//! publish, typed connection failures, handlers calling back into the client,
//! readers that fall behind, handlers declared before connecting.

mod support;

use mqtt_sansio::codec::Packet;
use mqtt_std::{
    Client, ConnectionError, Error, Options, ProtocolViolation, Publish, PublishFailure, QoS,
    ReasonCode,
};
use std::sync::mpsc;
use std::time::Duration;
use support::fake::{FakeBroker, FakeConn};
use support::{channel, connect, expect_exactly, forward, prefix, WAIT};

/// A client connected to a scripted broker that accepted its CONNECT.
fn fake_connected(options: Options) -> (FakeBroker, FakeConn, Client) {
    let broker = FakeBroker::start();
    let t = std::thread::spawn({
        let url = broker.url.clone();
        move || Client::connect(&url, options)
    });
    let mut conn = broker.accept();
    conn.accept_connect();
    (broker, conn, t.join().unwrap().unwrap())
}

/// Reads packets until a PUBLISH; returns its packet id.
fn next_publish_id(conn: &mut support::fake::FakeConn) -> u16 {
    loop {
        if let Packet::Publish(p) = conn.read() {
            return p.packet_id.expect("QoS > 0").get();
        }
    }
}

#[test]
fn try_publish_fails_at_once_with_queue_full_when_window_and_queue_are_full() {
    let (_broker, mut conn, client) = fake_connected(Options::new().max_inflight(1).max_queued(1));
    let first = client.try_publish("a", "1").unwrap(); // in flight (no PUBACK comes)
    let second = client.try_publish("a", "2").unwrap(); // queued
    let third = client.try_publish("a", "3");
    assert!(
        matches!(third, Err(Error::QueueFull { max: 1 })),
        "{third:?}"
    );
    assert_eq!(client.pending_deliveries(), 2);
    let id = next_publish_id(&mut conn);
    conn.write(&[0x40, 0x02, (id >> 8) as u8, id as u8]); // PUBACK
    first.wait().unwrap();
    assert!(second.wait_timeout(Duration::ZERO).is_err());
    client.abort();
}

#[test]
fn publish_waits_for_room_and_proceeds_after_an_ack() {
    let (_broker, mut conn, client) = fake_connected(Options::new().max_inflight(1).max_queued(1));
    let _first = client.publish("a", "1").unwrap();
    let _second = client.publish("a", "2").unwrap();
    let (done_tx, done_rx) = mpsc::channel();
    let c2 = client.clone();
    let blocked = std::thread::spawn(move || {
        let r = c2.publish("a", "3").map(|h| h.id());
        done_tx.send(()).unwrap();
        r
    });
    // The third publish cannot be accepted before an acknowledgement frees room.
    assert!(done_rx.recv_timeout(Duration::from_millis(200)).is_err());
    let id = next_publish_id(&mut conn);
    conn.write(&[0x40, 0x02, (id >> 8) as u8, id as u8]);
    done_rx
        .recv_timeout(WAIT)
        .expect("publish proceeds after PUBACK");
    blocked.join().unwrap().unwrap();
    client.abort();
}

#[test]
fn refused_connack_is_a_typed_connection_error() {
    let broker = FakeBroker::start();
    let t = std::thread::spawn({
        let url = broker.url.clone();
        move || Client::connect(&url, Options::new())
    });
    let mut conn = broker.accept();
    assert!(matches!(conn.read(), Packet::Connect(_)));
    conn.write(&[0x20, 0x02, 0x00, 0x05]); // 3.1.1 return code 5: not authorized
    match t.join().unwrap() {
        Err(Error::Connection(lost)) => assert!(
            matches!(
                lost.cause,
                ConnectionError::Refused {
                    reason: ReasonCode::NotAuthorized,
                    ..
                }
            ),
            "{lost:?}"
        ),
        r => panic!("expected a refusal, got {r:?}"),
    }
}

#[test]
fn silent_broker_fails_connect_with_connect_timeout() {
    let broker = FakeBroker::start();
    let t = std::thread::spawn({
        let url = broker.url.clone();
        move || {
            Client::connect(
                &url,
                Options::new().connect_timeout(Duration::from_millis(300)),
            )
        }
    });
    let mut conn = broker.accept();
    assert!(matches!(conn.read(), Packet::Connect(_)));
    match t.join().unwrap() {
        Err(Error::Connection(lost)) => {
            assert_eq!(lost.cause, ConnectionError::ConnectTimeout, "{lost:?}")
        }
        r => panic!("expected a connect timeout, got {r:?}"),
    }
    conn.expect_closed();
}

#[test]
fn nothing_listening_is_a_typed_connection_error_with_the_io_cause() {
    // Bind then drop: a loopback port with nothing listening.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    match Client::connect(&format!("mqtt://127.0.0.1:{port}"), Options::new()) {
        Err(Error::Connection(lost)) => {
            assert_eq!(lost.cause, ConnectionError::TransportFailed, "{lost:?}");
            assert_eq!(
                lost.io.as_ref().map(|e| e.kind()),
                Some(std::io::ErrorKind::ConnectionRefused)
            );
        }
        r => panic!("expected a connection error, got {r:?}"),
    }
}

#[test]
fn fail_over_uses_the_next_server_when_the_first_is_down() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let broker = support::brokers().remove(0);
    let seen = std::sync::Arc::new(std::sync::Mutex::new(None));
    let seen2 = seen.clone();
    let client = Client::connect(
        &format!("mqtt://127.0.0.1:{port}"),
        Options::new()
            .server(broker.url())
            .reconnect(mqtt_std::ReconnectPolicy::backoff(
                Duration::from_millis(10),
                Duration::from_millis(100),
            ))
            .on_connect(move |i| *seen2.lock().unwrap() = Some(i.server.clone())),
    )
    .unwrap();
    assert!(client.is_connected());
    client.disconnect().unwrap();
    assert_eq!(seen.lock().unwrap().as_deref(), Some(broker.url()));
}

#[test]
fn qos2_publish_answered_with_puback_is_reported_as_the_brokers_protocol_violation() {
    let (_broker, mut conn, client) = fake_connected(Options::new());
    let handle = client
        .publish_with(Publish::new("a", "x").qos(QoS::ExactlyOnce))
        .unwrap();
    let id = next_publish_id(&mut conn);
    conn.write(&[0x40, 0x02, (id >> 8) as u8, id as u8]); // PUBACK instead of PUBREC
                                                          // The publish fails with the violation, and the connection ends with it.
    match handle.wait() {
        Err(Error::PublishFailed(PublishFailure::BrokerProtocolError(
            ProtocolViolation::UnexpectedPubAck { .. },
        ))) => {}
        r => panic!("expected the broker's protocol violation, got {r:?}"),
    }
    conn.expect_closed();
    assert!(!client.is_connected());
    client.disconnect().unwrap();
}

#[test]
fn keepalive_timeout_ends_a_connection_whose_broker_went_silent() {
    let broker = FakeBroker::start();
    let (lost_tx, lost_rx) = mpsc::channel();
    let t = std::thread::spawn({
        let url = broker.url.clone();
        move || {
            Client::connect(
                &url,
                Options::new()
                    .keep_alive(Duration::from_secs(1))
                    .on_connection_lost(move |l| lost_tx.send(l.clone()).unwrap()),
            )
        }
    });
    let mut conn = broker.accept();
    conn.accept_connect();
    let client = t.join().unwrap().unwrap();
    // The client pings after a quiet keep-alive period; the broker never answers.
    assert!(matches!(conn.read(), Packet::PingReq));
    let lost = lost_rx
        .recv_timeout(WAIT)
        .expect("connection lost reported");
    assert_eq!(lost.cause, ConnectionError::KeepAliveTimeout);
    assert!(!client.is_connected());
    client.disconnect().unwrap();
}

#[test]
fn a_handler_may_publish_subscribe_and_disconnect_without_deadlock() {
    let broker = support::brokers().remove(0);
    let p = prefix("reentrant");
    let (ping, pong, more) = (format!("{p}ping"), format!("{p}pong"), format!("{p}more"));
    let client = connect(&broker, Options::new());
    let (tx, rx) = channel();
    let (done_tx, done_rx) = mpsc::channel();
    let c = client.clone();
    let (pong2, more2, tx2) = (pong.clone(), more.clone(), tx.clone());
    client
        .subscribe([(ping.as_str(), QoS::AtLeastOnce)], move |_m| {
            // Blocking calls from inside a handler: a QoS 1 publish waited on,
            // a subscribe waiting for SUBACK, then a disconnect.
            c.subscribe([(more2.as_str(), QoS::AtMostOnce)], forward(&tx2))
                .unwrap();
            c.publish(pong2.as_str(), "pong").unwrap().wait().unwrap();
            c.publish(more2.as_str(), "more").unwrap().wait().unwrap();
            let _ = done_tx.send(());
        })
        .unwrap();
    client
        .subscribe([(pong.as_str(), QoS::AtLeastOnce)], forward(&tx))
        .unwrap();
    client
        .publish(ping.as_str(), "ping")
        .unwrap()
        .wait()
        .unwrap();
    done_rx
        .recv_timeout(WAIT)
        .expect("the handler finished its calls");
    let got = expect_exactly(&rx, 2, "pong and more");
    assert!(got.iter().any(|m| m.topic() == pong));
    assert!(got.iter().any(|m| m.topic() == more));
    client.disconnect().unwrap();
}

#[test]
fn a_handler_may_disconnect_the_client() {
    let broker = support::brokers().remove(0);
    let topic = format!("{}bye", prefix("handler-disconnect"));
    let client = connect(&broker, Options::new());
    let (done_tx, done_rx) = mpsc::channel();
    let c = client.clone();
    client
        .subscribe([(topic.as_str(), QoS::AtMostOnce)], move |_| {
            done_tx.send(c.disconnect()).unwrap();
        })
        .unwrap();
    let _not_awaited = client.publish(topic.as_str(), "bye").unwrap();
    done_rx.recv_timeout(WAIT).unwrap().unwrap();
    assert!(!client.is_connected());
    assert!(matches!(
        client.publish(topic.as_str(), "x"),
        Err(Error::Closed)
    ));
}

#[test]
fn an_unread_messages_iterator_does_not_deadlock_publishing() {
    let broker = support::brokers().remove(0);
    let topic = format!("{}flood", prefix("unread"));
    let client = connect(&broker, Options::new().incoming_buffer(8));
    let _unread = client.messages(); // never read
    client
        .subscribe([(topic.as_str(), QoS::AtLeastOnce)], |_| {})
        .unwrap();
    // Each publish comes back to this client; its PUBACKs arrive behind those
    // messages. Waiting on the acknowledgements must still finish.
    let handles: Vec<_> = (0..50)
        .map(|i| client.publish(topic.as_str(), format!("{i}")).unwrap())
        .collect();
    for h in handles {
        h.wait().unwrap();
    }
    client.disconnect().unwrap();
}

#[test]
fn a_slow_handler_receives_everything_in_order() {
    let broker = support::brokers().remove(0);
    let topic = format!("{}slow", prefix("slow"));
    let client = connect(&broker, Options::new().incoming_buffer(4));
    let (tx, rx) = mpsc::channel();
    client
        .subscribe([(topic.as_str(), QoS::AtLeastOnce)], move |m| {
            std::thread::sleep(Duration::from_millis(2));
            tx.send(m.payload_str().unwrap().to_owned()).unwrap();
        })
        .unwrap();
    let n = 200;
    for i in 0..n {
        let _not_awaited = client.publish(topic.as_str(), format!("{i}")).unwrap();
    }
    let got: Vec<String> = (0..n).map(|_| rx.recv_timeout(WAIT).unwrap()).collect();
    let expected: Vec<String> = (0..n).map(|i| i.to_string()).collect();
    assert_eq!(got, expected);
    client.disconnect().unwrap();
}

#[test]
fn messages_iterator_yields_every_message_and_ends_after_disconnect() {
    let broker = support::brokers().remove(0);
    let topic = format!("{}it", prefix("iterator"));
    let client = connect(&broker, Options::new());
    let mut messages = client.messages();
    client
        .subscribe([(topic.as_str(), QoS::AtLeastOnce)], |_| {})
        .unwrap();
    for i in 0..3 {
        client
            .publish(topic.as_str(), format!("{i}"))
            .unwrap()
            .wait()
            .unwrap();
    }
    let got: Vec<String> = (0..3)
        .map(|_| {
            messages
                .next_timeout(WAIT)
                .expect("a message")
                .payload_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(got, ["0", "1", "2"]);
    client.disconnect().unwrap();
    assert!(
        messages.next().is_none(),
        "the iterator ends once the client is closed"
    );
}

#[test]
fn subscribing_a_filter_again_replaces_its_handler() {
    let broker = support::brokers().remove(0);
    let topic = format!("{}re", prefix("replace"));
    let client = connect(&broker, Options::new());
    let (tx1, rx1) = channel();
    let (tx2, rx2) = channel();
    client
        .subscribe([(topic.as_str(), QoS::AtMostOnce)], forward(&tx1))
        .unwrap();
    client
        .subscribe([(topic.as_str(), QoS::AtMostOnce)], forward(&tx2))
        .unwrap();
    client.publish(topic.as_str(), "x").unwrap().wait().unwrap();
    expect_exactly(&rx2, 1, "new handler");
    support::expect_none(&rx1, "replaced handler");
    client.disconnect().unwrap();
}

/// Overlapping subscriptions on one connection: brokers send one copy per
/// client (Mosquitto, RabbitMQ) or one per matching subscription (rumqttd).
/// Either way every matching handler gets every copy delivered, once per copy,
/// even a handler installed for several of the matching filters.
#[test]
fn every_matching_handler_gets_each_delivered_copy_once() {
    for broker in support::brokers() {
        let p = prefix("overlap");
        let client = connect(&broker, Options::new());
        let mut all = client.messages();
        let (tx1, rx1) = channel();
        let (tx2, rx2) = channel();
        let (tx3, rx3) = channel();
        client
            .subscribe([(format!("{p}a/#"), QoS::AtMostOnce)], forward(&tx1))
            .unwrap();
        client
            .subscribe([(format!("{p}a/+"), QoS::AtMostOnce)], forward(&tx2))
            .unwrap();
        client
            .subscribe(
                [
                    (format!("{p}+/b"), QoS::AtMostOnce),
                    (format!("{p}a/b"), QoS::AtMostOnce),
                ],
                forward(&tx3),
            )
            .unwrap();
        client
            .publish(format!("{p}a/b"), "x")
            .unwrap()
            .wait()
            .unwrap();
        let first = all.next_timeout(support::WAIT).expect("at least one copy");
        assert_eq!(first.topic(), format!("{p}a/b"));
        let mut copies = 1;
        while all.next_timeout(support::QUIET).is_some() {
            copies += 1;
        }
        if broker.kind == mqtt_testkit::BrokerKind::Mosquitto {
            assert_eq!(copies, 1, "Mosquitto sends one copy per client");
        }
        assert!(
            copies <= 4,
            "{}: at most one copy per matching subscription",
            broker.name
        );
        expect_exactly(&rx1, copies, &format!("{}: a/#", broker.name));
        expect_exactly(&rx2, copies, &format!("{}: a/+", broker.name));
        expect_exactly(&rx3, copies, &format!("{}: +/b and a/b", broker.name));
        client.disconnect().unwrap();
    }
}

#[test]
fn delivery_complete_callback_reports_each_publish() {
    let broker = support::brokers().remove(0);
    let (tx, rx) = mpsc::channel();
    let client = connect(
        &broker,
        Options::new().on_delivery_complete(move |d| {
            tx.send((d.id, d.result.is_ok())).unwrap();
        }),
    );
    let topic = format!("{}dc", prefix("delivery"));
    let h = client.publish(topic.as_str(), "x").unwrap();
    let id = h.id();
    h.wait().unwrap();
    assert_eq!(rx.recv_timeout(WAIT).unwrap(), (id, true));
    client.disconnect().unwrap();
}

#[test]
fn disconnect_lets_in_flight_publishes_finish() {
    let broker = support::brokers().remove(0);
    let topic = format!("{}drain", prefix("drain"));
    let client = connect(&broker, Options::new());
    let handles: Vec<_> = (0..100)
        .map(|i| client.publish(topic.as_str(), format!("{i}")).unwrap())
        .collect();
    client.disconnect().unwrap();
    for h in handles {
        assert!(
            h.wait().is_ok(),
            "every publish was acknowledged before DISCONNECT"
        );
    }
}

#[test]
fn calls_after_disconnect_fail_with_closed() {
    let broker = support::brokers().remove(0);
    let client = connect(&broker, Options::new());
    client.disconnect().unwrap();
    assert!(matches!(client.publish("a", "b"), Err(Error::Closed)));
    assert!(matches!(
        client.subscribe([("a", QoS::AtMostOnce)], |_| {}),
        Err(Error::Closed)
    ));
    assert!(!client.is_connected());
    client.disconnect().unwrap();
}

#[test]
fn invalid_topic_is_refused_synchronously() {
    let broker = support::brokers().remove(0);
    let client = connect(&broker, Options::new());
    assert!(matches!(client.publish("a/#", "x"), Err(Error::Publish(_))));
    assert!(matches!(
        client.subscribe([("a/#/b", QoS::AtMostOnce)], |_| {}),
        Err(Error::Subscribe(_))
    ));
    client.disconnect().unwrap();
}

#[test]
fn a_broker_refusing_3_1_1_gets_a_3_1_connect_next() {
    // Paho's behaviour, kept by the core: CONNACK return code 1 (unacceptable
    // protocol version) to MQTT 3.1.1 makes the client retry with MQTT 3.1.
    let broker = FakeBroker::start();
    let (info_tx, info_rx) = mpsc::channel();
    let t = std::thread::spawn({
        let url = broker.url.clone();
        move || {
            Client::connect(
                &url,
                Options::new().on_connect(move |i| info_tx.send(i.protocol).unwrap()),
            )
        }
    });
    let mut first = broker.accept();
    match first.read() {
        Packet::Connect(c) => assert_eq!(c.protocol, mqtt_std::ProtocolVersion::V3_1_1),
        p => panic!("expected CONNECT, got {p:?}"),
    }
    first.write(&[0x20, 0x02, 0x00, 0x01]);
    drop(first);
    let mut second = broker.accept();
    match second.read() {
        Packet::Connect(c) => assert_eq!(c.protocol, mqtt_std::ProtocolVersion::V3_1),
        p => panic!("expected a 3.1 CONNECT, got {p:?}"),
    }
    second.write(&[0x20, 0x02, 0x00, 0x00]);
    let client = t.join().unwrap().unwrap();
    assert_eq!(
        info_rx.recv_timeout(WAIT).unwrap(),
        mqtt_std::ProtocolVersion::V3_1
    );
    client.abort();
}

#[test]
fn dropping_the_last_handle_sends_disconnect_and_closes() {
    let (_broker, mut conn, client) = fake_connected(Options::new());
    let clone = client.clone();
    drop(client);
    drop(clone);
    match conn.read() {
        Packet::Disconnect(_) => {}
        p => panic!("expected DISCONNECT, got {p:?}"),
    }
    conn.expect_closed();
}

#[test]
fn abort_closes_without_disconnect() {
    let (_broker, mut conn, client) = fake_connected(Options::new());
    client.abort();
    // End of stream with no DISCONNECT before it.
    let mut rest = Vec::new();
    use std::io::Read;
    let _ = conn.stream.read_to_end(&mut rest);
    assert!(!rest.contains(&0xE0), "no DISCONNECT: {rest:?}");
    assert!(!client.is_connected());
}

#[test]
fn a_panicking_handler_does_not_stop_delivery() {
    let broker = support::brokers().remove(0);
    let p = prefix("panic");
    let (boom, fine) = (format!("{p}boom"), format!("{p}fine"));
    let client = connect(&broker, Options::new());
    let (tx, rx) = channel();
    client
        .subscribe([(boom.as_str(), QoS::AtMostOnce)], |_| {
            panic!("a handler bug (expected by this test)")
        })
        .unwrap();
    client
        .subscribe([(fine.as_str(), QoS::AtMostOnce)], forward(&tx))
        .unwrap();
    client.publish(boom.as_str(), "x").unwrap().wait().unwrap();
    client.publish(fine.as_str(), "y").unwrap().wait().unwrap();
    let got = expect_exactly(&rx, 1, "delivery after a handler panicked");
    assert_eq!(got[0].payload(), "y");
    client.disconnect().unwrap();
}

#[test]
fn ipv6_loopback_url_connects() {
    let listener = match std::net::TcpListener::bind("[::1]:0") {
        Ok(l) => l,
        // A machine without IPv6 loopback: the URL must still parse and fail typed.
        Err(_) => {
            let err = Client::connect("mqtt://[::1]:1", Options::new()).unwrap_err();
            assert!(matches!(err, Error::Connection(_)), "{err:?}");
            return;
        }
    };
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        use std::io::{Read, Write};
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = [0u8; 256];
        let _ = s.read(&mut buf).unwrap(); // CONNECT
        s.write_all(&[0x20, 0x02, 0x00, 0x00]).unwrap();
        let _ = s.read(&mut buf); // DISCONNECT or end of stream
    });
    let client = Client::connect(&format!("mqtt://[::1]:{port}"), Options::new()).unwrap();
    assert!(client.is_connected());
    client.disconnect().unwrap();
    server.join().unwrap();
}

#[test]
fn disconnect_returns_after_the_broker_closed_its_side() {
    // [MQTT-3.14.4-1]: the client closes after DISCONNECT; it then waits
    // (bounded) for the broker to close too, so the broker is done with the
    // session when `disconnect` returns. This broker takes 300 ms to close.
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let (_broker, mut conn, client) = fake_connected(Options::new());
    let closed = Arc::new(AtomicBool::new(false));
    let b = std::thread::spawn({
        let closed = closed.clone();
        move || {
            assert!(matches!(conn.read(), Packet::Disconnect(_)));
            conn.expect_closed(); // the client's half-close
            std::thread::sleep(Duration::from_millis(300));
            closed.store(true, Ordering::SeqCst);
            drop(conn);
        }
    });
    client.disconnect().unwrap();
    assert!(
        closed.load(Ordering::SeqCst),
        "disconnect returned before the broker closed the connection"
    );
    b.join().unwrap();
}

#[test]
fn disconnect_from_a_broker_that_never_closes_is_bounded() {
    let (_broker, mut conn, client) = fake_connected(Options::new());
    let started = std::time::Instant::now();
    client.disconnect().unwrap();
    // Within the 5 s close grace (and some slack for a loaded machine).
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    assert!(matches!(conn.read(), Packet::Disconnect(_)));
    conn.expect_closed();
}

#[test]
fn reauthenticate_sends_auth_and_the_connection_continues_after_success() {
    // §4.12.1: re-authentication is an AUTH with reason 0x19, answered by an
    // AUTH with reason Success; the connection stays up throughout.
    let broker = FakeBroker::start();
    let (done_tx, done) = std::sync::mpsc::channel();
    let t = std::thread::spawn({
        let url = broker.url.clone();
        move || {
            Client::connect(
                &url,
                Options::new()
                    .protocol(mqtt_std::ProtocolVersion::V5)
                    .configure(|c| c.authenticator = Some(Box::new(mqtt_testkit::fake::Token)))
                    .on_reauthenticated(move |p| {
                        let _ = done_tx.send(p.reason_string.clone());
                    }),
            )
        }
    });
    let mut conn = broker.accept();
    conn.accept_token_connect();
    let client = t.join().unwrap().unwrap();
    client.reauthenticate().unwrap();
    conn.expect_reauthenticate();
    // A second one is refused while this exchange runs.
    assert!(matches!(
        client.reauthenticate(),
        Err(Error::Reauth(mqtt_std::ReauthError::InProgress))
    ));
    assert!(
        done.try_recv().is_err(),
        "on_reauthenticated before the broker's answer"
    );
    conn.auth_success();
    // The success reaches the callback, with the AUTH's properties.
    let reason = done.recv_timeout(WAIT).expect("on_reauthenticated called");
    assert_eq!(reason.as_deref(), Some("ok"));
    // Once the success is taken in, a new exchange may start.
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        match client.reauthenticate() {
            Ok(()) => break,
            Err(Error::Reauth(mqtt_std::ReauthError::InProgress)) => {
                assert!(
                    std::time::Instant::now() < deadline,
                    "AUTH success not taken"
                );
                std::thread::sleep(Duration::from_millis(10));
            }
            r => panic!("{r:?}"),
        }
    }
    assert!(matches!(conn.read(), Packet::Auth(_)));
    assert!(client.is_connected());
}

#[test]
fn reauthenticate_without_an_authenticator_is_refused_at_once() {
    let broker = support::brokers().remove(0);
    let client = connect(&broker, Options::new());
    assert!(matches!(
        client.reauthenticate(),
        Err(Error::Reauth(mqtt_std::ReauthError::NoAuthenticator))
    ));
    client.disconnect().unwrap();
}
