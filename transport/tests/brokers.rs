//! CONNECT / CONNACK through the transport stack against real brokers: the private Mosquitto
//! TLS instance (TLS and mutual TLS), and every WebSocket listener among the brokers under
//! test (the embedded rumqttd; RabbitMQ's Web MQTT when `MQTT_TEST_BROKERS` names rabbitmq: a
//! test that needs RabbitMQ says `SKIPPED` without it, and fails in CI).
//! The MQTT packets are hand-written bytes; the point is the transport.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use mqtt_testkit::{brokers, MosquittoTls, TestPki};
use mqtt_transport::rustls::{self, CertificateError};
use mqtt_transport::{ServerUrl, TlsOptions, Transport, TransportError, TransportOptions};

const TIMEOUT: Duration = Duration::from_secs(10);

/// MQTT 3.1.1 CONNECT, clean session, keepalive 60, client id `tr-<pid>`.
fn connect_packet() -> Vec<u8> {
    let id = format!("tr-{}", std::process::id());
    let mut body = vec![0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x02, 0x00, 0x3c];
    body.extend_from_slice(&(id.len() as u16).to_be_bytes());
    body.extend_from_slice(id.as_bytes());
    let mut packet = vec![0x10, body.len() as u8];
    packet.extend_from_slice(&body);
    packet
}

/// What the connection attempt produced.
#[derive(Debug)]
enum Outcome {
    /// These bytes arrived (the CONNACK, if all went well).
    Received(Vec<u8>),
    /// The transport failed.
    Failed(TransportError),
    /// The broker closed the connection before anything arrived.
    Closed,
}

/// Opens TCP, runs the transport, writes CONNECT, and waits for 4 bytes of MQTT.
fn connect_through(url: &str, options: &TransportOptions) -> Outcome {
    let url = ServerUrl::parse(url).unwrap();
    let addr = (url.host(), url.port())
        .to_socket_addrs()
        .unwrap()
        .next()
        .unwrap();
    let mut socket = TcpStream::connect_timeout(&addr, TIMEOUT).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    let mut transport = Transport::new(&url, options).unwrap();
    transport.write(&connect_packet()).unwrap();

    let deadline = Instant::now() + TIMEOUT;
    let mut mqtt = BytesMut::new();
    let mut buf = vec![0u8; 16 * 1024];
    while Instant::now() < deadline {
        let mut out = BytesMut::new();
        let sent = transport.poll_send(&mut out);
        if !out.is_empty() && socket.write_all(&out).is_err() {
            return Outcome::Closed;
        }
        if let Err(e) = sent {
            return Outcome::Failed(e);
        }
        match socket.read(&mut buf) {
            Ok(0) => {
                let _ = transport.handle_eof();
                let _ = transport.read_plaintext(&mut mqtt);
                return if mqtt.is_empty() {
                    Outcome::Closed
                } else {
                    Outcome::Received(mqtt.to_vec())
                };
            }
            Ok(n) => {
                if let Err(e) = transport.handle_received(&buf[..n]) {
                    return Outcome::Failed(e);
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => return Outcome::Closed,
            Err(e) => panic!("socket read: {e}"),
        }
        if let Err(e) = transport.read_plaintext(&mut mqtt) {
            return Outcome::Failed(e);
        }
        if mqtt.len() >= 4 {
            transport.write(&[0xE0, 0x00]).unwrap(); // DISCONNECT
            transport.close().unwrap();
            let mut out = BytesMut::new();
            let _ = transport.poll_send(&mut out);
            let _ = socket.write_all(&out);
            let _ = socket.shutdown(Shutdown::Both);
            return Outcome::Received(mqtt.to_vec());
        }
    }
    panic!("no answer from {url} within {TIMEOUT:?}");
}

fn assert_connack_accepted(outcome: Outcome, what: &str) {
    match outcome {
        Outcome::Received(bytes) => assert_eq!(&bytes[..4], &[0x20, 0x02, 0x00, 0x00], "{what}"),
        other => panic!("{what}: expected CONNACK, got {other:?}"),
    }
}

fn mosquitto() -> MosquittoTls {
    MosquittoTls::start().expect("the mosquitto binary is required (.ci/run installs it)")
}

#[test]
fn mosquitto_tls_with_ca_file_connects() {
    let broker = mosquitto();
    let tls = TlsOptions::new().ca_file(broker.ca_cert_path());
    let outcome = connect_through(&broker.url(), &TransportOptions::default().with_tls(tls));
    assert_connack_accepted(outcome, "mosquitto TLS");
}

#[test]
fn mosquitto_tls_verifies_the_server_name_override() {
    // Connect to 127.0.0.1 but verify the certificate for `localhost` (also in its SANs).
    let broker = mosquitto();
    let tls = TlsOptions::new()
        .ca_file(broker.ca_cert_path())
        .server_name("localhost");
    let outcome = connect_through(&broker.url(), &TransportOptions::default().with_tls(tls));
    assert_connack_accepted(outcome, "mosquitto TLS, server name localhost");

    let tls = TlsOptions::new()
        .ca_file(broker.ca_cert_path())
        .server_name("not-the-broker.example");
    match connect_through(&broker.url(), &TransportOptions::default().with_tls(tls)) {
        Outcome::Failed(TransportError::Tls(rustls::Error::InvalidCertificate(_))) => {}
        other => panic!("expected a name mismatch, got {other:?}"),
    }
}

#[test]
fn mosquitto_tls_with_an_unknown_ca_is_refused() {
    let broker = mosquitto();
    let stranger = TestPki::generate().unwrap();
    let tls = TlsOptions::new().ca_pem(stranger.ca_cert_pem.clone());
    match connect_through(&broker.url(), &TransportOptions::default().with_tls(tls)) {
        Outcome::Failed(TransportError::Tls(rustls::Error::InvalidCertificate(
            CertificateError::UnknownIssuer,
        ))) => {}
        other => panic!("expected an unknown-issuer error, got {other:?}"),
    }
}

#[test]
fn mosquitto_mutual_tls_with_client_certificate_connects() {
    let broker = mosquitto();
    let tls = TlsOptions::new()
        .ca_file(broker.ca_cert_path())
        .client_cert_files(broker.client_cert_path(), broker.client_key_path());
    let outcome = connect_through(
        &broker.mtls_url(),
        &TransportOptions::default().with_tls(tls),
    );
    assert_connack_accepted(outcome, "mosquitto mutual TLS");
}

#[test]
fn mosquitto_mutual_tls_without_client_certificate_gets_no_connack() {
    let broker = mosquitto();
    let tls = TlsOptions::new().ca_file(broker.ca_cert_path());
    match connect_through(
        &broker.mtls_url(),
        &TransportOptions::default().with_tls(tls),
    ) {
        Outcome::Failed(TransportError::Tls(_)) | Outcome::Closed => {}
        Outcome::Received(bytes) => {
            panic!("broker answered without a client certificate: {bytes:?}")
        }
        other => panic!("unexpected: {other:?}"),
    }
}

#[test]
fn plain_mqtt_through_the_transport_connects_to_every_broker() {
    for broker in brokers().unwrap() {
        let url = broker.url().to_owned();
        let outcome = connect_through(&url, &TransportOptions::default());
        assert_connack_accepted(outcome, &format!("{} at {url}", broker.name));
    }
}

#[test]
fn websocket_connects_to_every_broker_with_a_websocket_listener() {
    let mut tested = Vec::new();
    for broker in brokers().unwrap() {
        let Some(ws) = broker.caps.websocket.clone() else {
            eprintln!(
                "{}: no WebSocket listener (per capability table)",
                broker.name
            );
            continue;
        };
        let outcome = connect_through(&ws, &TransportOptions::default());
        assert_connack_accepted(outcome, &format!("{} at {ws}", broker.name));
        tested.push(broker.name);
    }
    eprintln!("WebSocket CONNECT/CONNACK checked against: {tested:?}");
    assert!(
        tested.iter().any(|n| n == "embedded"),
        "the embedded broker has a ws listener"
    );
}

#[test]
fn websocket_to_a_wrong_port_kind_fails_cleanly() {
    // Speaking WebSocket to a plain MQTT listener: the broker sees garbage and drops us, or
    // answers with bytes that are no HTTP response. Either way: an error or a close, no hang.
    let embedded = mqtt_testkit::EmbeddedBroker::shared().unwrap();
    let url = format!("ws://{}/mqtt", embedded.mqtt311_addr());
    match connect_through(&url, &TransportOptions::default()) {
        Outcome::Closed | Outcome::Failed(_) => {}
        Outcome::Received(bytes) => panic!("got MQTT bytes over a bogus upgrade: {bytes:?}"),
    }
}

#[test]
fn rabbitmq_web_mqtt_refuses_the_default_path_with_404() {
    // RabbitMQ serves Web MQTT on /ws only; `ws://host:15675` (path /mqtt by default) must
    // surface as an HTTP status, not as a hang or a garbled stream.
    let rabbits = mqtt_testkit::brokers_for_test(
        "rabbitmq_web_mqtt_refuses_the_default_path_with_404",
        mqtt_testkit::BrokerKind::RabbitMq,
    )
    .unwrap();
    for broker in rabbits {
        let ws = broker
            .caps
            .websocket
            .clone()
            .expect("RabbitMQ has Web MQTT");
        let wrong = ws.replace("/ws", "/mqtt");
        match connect_through(&wrong, &TransportOptions::default()) {
            Outcome::Failed(TransportError::WsHandshakeStatus { status: 404 }) => {}
            other => panic!("{}: {wrong}: expected HTTP 404, got {other:?}", broker.name),
        }
    }
}
