//! TLS (against a private Mosquitto with generated certificates) and
//! WebSockets (rumqttd's ws listener, RabbitMQ's Web MQTT) end to end.

use super::{brokers, channel, expect_exactly, forward, prefix};
use crate::{BrokerKind, MosquittoTls, TestPki};
use mqtt_adapter::aio::{Client, Runtime};
use mqtt_adapter::api::{Error, Options, QoS, TlsOptions, TransportError};

/// Subscribes, publishes one QoS 1 message to itself, and checks it arrives.
async fn round_trip<R: Runtime>(client: &Client<R>, what: &str) {
    let topic = format!("{}t", prefix("transport"));
    let (tx, rx) = channel();
    let ack = client
        .subscribe([(topic.as_str(), QoS::AtLeastOnce)], forward(&tx))
        .await
        .unwrap();
    assert_eq!(ack.granted(), [Some(QoS::AtLeastOnce)], "{what}");
    client
        .publish(topic.as_str(), "over the transport")
        .await
        .unwrap()
        .await
        .unwrap();
    let got = expect_exactly::<R>(&rx, 1, what).await;
    assert_eq!(got[0].payload(), "over the transport", "{what}");
}

fn mosquitto_tls() -> MosquittoTls {
    MosquittoTls::start().expect("the private Mosquitto TLS instance starts (needs `mosquitto`)")
}

/// The transport error behind a failed connect.
fn transport_error<R>(r: Result<Client<R>, Error>) -> Option<TransportError> {
    match r {
        Err(Error::Connection(lost)) => lost.transport,
        Err(e) => panic!("expected a connection error, got {e:?}"),
        Ok(_) => panic!("expected the connection to fail"),
    }
}

pub async fn tls_with_the_test_ca_connects_and_round_trips<R: Runtime>() {
    let broker = mosquitto_tls();
    let client = Client::<R>::connect(
        &broker.url(),
        Options::new().tls(TlsOptions::new().ca_file(broker.ca_cert_path())),
    )
    .await
    .unwrap();
    round_trip::<R>(&client, "mqtts").await;
    client.disconnect().await.unwrap();
}

pub async fn mutual_tls_with_a_client_certificate_connects<R: Runtime>() {
    let broker = mosquitto_tls();
    let tls = TlsOptions::new()
        .ca_file(broker.ca_cert_path())
        .client_cert_files(broker.client_cert_path(), broker.client_key_path());
    let client = Client::<R>::connect(&broker.mtls_url(), Options::new().tls(tls))
        .await
        .unwrap();
    round_trip::<R>(&client, "mqtts with a client certificate").await;
    client.disconnect().await.unwrap();
}

pub async fn mutual_tls_listener_refuses_a_client_without_certificate<R: Runtime>() {
    let broker = mosquitto_tls();
    let r = Client::<R>::connect(
        &broker.mtls_url(),
        Options::new().tls(TlsOptions::new().ca_file(broker.ca_cert_path())),
    )
    .await;
    assert!(matches!(r, Err(Error::Connection(_))), "{r:?}");
}

pub async fn tls_with_an_unknown_ca_fails_certificate_verification<R: Runtime>() {
    let broker = mosquitto_tls();
    let other = TestPki::generate().unwrap();
    let r = Client::<R>::connect(
        &broker.url(),
        Options::new().tls(TlsOptions::new().ca_pem(other.ca_cert_pem.clone())),
    )
    .await;
    let e = transport_error(r);
    assert!(matches!(e, Some(TransportError::Tls(_))), "{e:?}");
}

pub async fn tls_server_name_must_match_the_certificate<R: Runtime>() {
    let broker = mosquitto_tls();
    let tls = TlsOptions::new()
        .ca_file(broker.ca_cert_path())
        .server_name("not-the-broker.example");
    let e = transport_error(Client::<R>::connect(&broker.url(), Options::new().tls(tls)).await);
    assert!(matches!(e, Some(TransportError::Tls(_))), "{e:?}");
}

pub async fn unreadable_ca_file_is_a_typed_error_before_connecting<R: Runtime>() {
    let r = Client::<R>::connect(
        "mqtts://127.0.0.1:1",
        Options::new().tls(TlsOptions::new().ca_file("/nonexistent/ca.pem")),
    )
    .await;
    assert!(
        matches!(r, Err(Error::Transport(TransportError::TlsConfig(_)))),
        "{r:?}"
    );
}

pub async fn websocket_round_trips_on_every_broker_with_a_websocket_listener<R: Runtime>() {
    let mut covered = Vec::new();
    for broker in brokers() {
        // Debian's Mosquitto is built without WebSockets (its table says
        // so); the embedded broker and RabbitMQ's Web MQTT have a listener.
        let Some(url) = broker.caps.websocket.clone() else {
            assert_eq!(broker.kind, BrokerKind::Mosquitto, "{}", broker.name);
            continue;
        };
        let client = Client::<R>::connect(&url, Options::new())
            .await
            .unwrap_or_else(|e| panic!("{} over {url}: {e}", broker.name));
        round_trip::<R>(&client, &format!("{} over {url}", broker.name)).await;
        client.disconnect().await.unwrap();
        covered.push(broker.name);
    }
    assert!(covered.iter().any(|n| n == "embedded"), "{covered:?}");
}

pub async fn websocket_upgrade_refused_with_404_is_a_typed_handshake_error<R: Runtime>() {
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
    let e = transport_error(
        Client::<R>::connect(
            &format!("ws://127.0.0.1:{port}/no-such-path"),
            Options::new(),
        )
        .await,
    );
    assert!(
        matches!(e, Some(TransportError::WsHandshakeStatus { status: 404 })),
        "{e:?}"
    );
    server.join().unwrap();
}

pub async fn invalid_url_is_a_typed_error<R: Runtime>() {
    let r = Client::<R>::connect("gopher://127.0.0.1", Options::new()).await;
    assert!(matches!(r, Err(Error::InvalidUrl { .. })), "{r:?}");
}

pub async fn nothing_listening_is_a_typed_connection_error<R: Runtime>() {
    // A port that was free a moment ago: connecting is refused.
    let port = crate::free_loopback_port().unwrap();
    let r = Client::<R>::connect(&format!("mqtt://127.0.0.1:{port}"), Options::new()).await;
    match r {
        Err(Error::Connection(lost)) => {
            assert!(lost.io.is_some(), "the socket error is kept: {lost:?}");
            assert!(!lost.will_reconnect);
        }
        r => panic!("expected a connection error, got {r:?}"),
    }
}
