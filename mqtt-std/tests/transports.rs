//! TLS (against a private Mosquitto with generated certificates) and
//! WebSockets (rumqttd's ws listener, RabbitMQ's Web MQTT) end to end.

mod support;

use mqtt_std::{Client, Error, Options, QoS, TlsOptions, TransportError};
use mqtt_testkit::{MosquittoTls, TestPki};
use support::{channel, expect_exactly, forward, prefix};

/// Subscribes, publishes one QoS 1 message to itself, and checks it arrives.
fn round_trip(client: &Client, what: &str) {
    let topic = format!("{}t", prefix("transport"));
    let (tx, rx) = channel();
    let ack = client
        .subscribe([(topic.as_str(), QoS::AtLeastOnce)], forward(&tx))
        .unwrap();
    assert_eq!(ack.granted(), [Some(QoS::AtLeastOnce)], "{what}");
    client
        .publish(topic.as_str(), "over the transport")
        .unwrap()
        .wait()
        .unwrap();
    let got = expect_exactly(&rx, 1, what);
    assert_eq!(got[0].payload(), "over the transport", "{what}");
}

fn mosquitto_tls() -> MosquittoTls {
    MosquittoTls::start().expect("the private Mosquitto TLS instance starts (needs `mosquitto`)")
}

#[test]
fn tls_with_the_test_ca_connects_and_round_trips() {
    let broker = mosquitto_tls();
    let client = Client::connect(
        &broker.url(),
        Options::new().tls(TlsOptions::new().ca_file(broker.ca_cert_path())),
    )
    .unwrap();
    round_trip(&client, "mqtts");
    client.disconnect().unwrap();
}

#[test]
fn mutual_tls_with_a_client_certificate_connects() {
    let broker = mosquitto_tls();
    let tls = TlsOptions::new()
        .ca_file(broker.ca_cert_path())
        .client_cert_files(broker.client_cert_path(), broker.client_key_path());
    let client = Client::connect(&broker.mtls_url(), Options::new().tls(tls)).unwrap();
    round_trip(&client, "mqtts with a client certificate");
    client.disconnect().unwrap();
}

#[test]
fn mutual_tls_listener_refuses_a_client_without_certificate() {
    let broker = mosquitto_tls();
    let err = Client::connect(
        &broker.mtls_url(),
        Options::new().tls(TlsOptions::new().ca_file(broker.ca_cert_path())),
    )
    .unwrap_err();
    assert!(matches!(err, Error::Connection(_)), "{err:?}");
}

#[test]
fn tls_with_an_unknown_ca_fails_certificate_verification() {
    let broker = mosquitto_tls();
    let other = TestPki::generate().unwrap();
    let err = Client::connect(
        &broker.url(),
        Options::new().tls(TlsOptions::new().ca_pem(other.ca_cert_pem.clone())),
    )
    .unwrap_err();
    match err {
        Error::Connection(lost) => assert!(
            matches!(lost.transport, Some(TransportError::Tls(_))),
            "expected a TLS verification error, got {lost:?}"
        ),
        e => panic!("expected a connection error, got {e:?}"),
    }
}

#[test]
fn tls_server_name_must_match_the_certificate() {
    let broker = mosquitto_tls();
    let tls = TlsOptions::new()
        .ca_file(broker.ca_cert_path())
        .server_name("not-the-broker.example");
    let err = Client::connect(&broker.url(), Options::new().tls(tls)).unwrap_err();
    match err {
        Error::Connection(lost) => assert!(
            matches!(lost.transport, Some(TransportError::Tls(_))),
            "{lost:?}"
        ),
        e => panic!("expected a connection error, got {e:?}"),
    }
}

#[test]
fn unreadable_ca_file_is_a_typed_error_before_connecting() {
    let err = Client::connect(
        "mqtts://127.0.0.1:1",
        Options::new().tls(TlsOptions::new().ca_file("/nonexistent/ca.pem")),
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::Transport(TransportError::TlsConfig(_))),
        "{err:?}"
    );
}

#[test]
fn websocket_round_trips_on_every_broker_with_a_websocket_listener() {
    let mut covered = Vec::new();
    for broker in support::brokers() {
        // Debian's Mosquitto is built without WebSockets (its table says so);
        // the embedded broker and RabbitMQ's Web MQTT have a listener.
        let Some(url) = broker.caps.websocket.clone() else {
            assert_eq!(
                broker.kind,
                mqtt_testkit::BrokerKind::Mosquitto,
                "{}",
                broker.name
            );
            continue;
        };
        let client = Client::connect(&url, Options::new())
            .unwrap_or_else(|e| panic!("{} over {url}: {e}", broker.name));
        round_trip(&client, &format!("{} over {url}", broker.name));
        client.disconnect().unwrap();
        covered.push(broker.name);
    }
    assert!(covered.iter().any(|n| n == "embedded"), "{covered:?}");
}

#[test]
fn websocket_upgrade_refused_with_404_is_a_typed_handshake_error() {
    // A loopback HTTP server that refuses every upgrade, as a broker does for
    // a wrong path (RabbitMQ answers 404 outside `/ws`).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        use std::io::{Read, Write};
        let (mut s, _) = listener.accept().unwrap();
        let mut request = Vec::new();
        let mut buf = [0u8; 1024];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = s.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            request.extend_from_slice(&buf[..n]);
        }
        s.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            .unwrap();
    });
    let err = Client::connect(
        &format!("ws://127.0.0.1:{port}/no-such-path"),
        Options::new(),
    )
    .unwrap_err();
    match err {
        Error::Connection(lost) => assert!(
            matches!(
                lost.transport,
                Some(TransportError::WsHandshakeStatus { status: 404 })
            ),
            "{lost:?}"
        ),
        e => panic!("expected a connection error, got {e:?}"),
    }
    server.join().unwrap();
}

#[test]
fn invalid_url_is_a_typed_error() {
    let err = Client::connect("gopher://127.0.0.1", Options::new()).unwrap_err();
    assert!(matches!(err, Error::InvalidUrl { .. }), "{err:?}");
}

#[test]
fn websocket_over_tls_round_trips_through_a_tls_terminating_proxy() {
    let broker = mqtt_testkit::EmbeddedBroker::shared().unwrap();
    let proxy = support::tls_proxy::TlsProxy::start(broker.ws_addr());
    let url = format!("wss://127.0.0.1:{}/mqtt", proxy.port);
    let client = Client::connect(&url, Options::new().tls(proxy.client_tls.clone()))
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    round_trip(&client, &url);
    client.disconnect().unwrap();
}
