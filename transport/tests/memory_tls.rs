//! TLS through the sans-IO transport against an in-memory rustls server with generated
//! certificates.

mod common;

use common::{client_read, pump, pump_chunked, server_config, TlsPeer};
use mqtt_testkit::TestPki;
use mqtt_transport::rustls::{self, CertificateError};
use mqtt_transport::{
    ServerUrl, TlsConfigError, TlsOptions, Transport, TransportError, TransportOptions,
};

const CONNECT: &[u8] = &[
    0x10, 0x10, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x02, 0x00, 0x3c, 0x00, 0x04, b't', b'e',
    b's', b't',
];
const CONNACK: &[u8] = &[0x20, 0x02, 0x00, 0x00];

fn client(url: &str, tls: TlsOptions) -> Transport {
    let url = ServerUrl::parse(url).unwrap();
    Transport::new(&url, &TransportOptions::default().with_tls(tls)).unwrap()
}

fn trusting(pki: &TestPki) -> TlsOptions {
    TlsOptions::new().ca_pem(pki.ca_cert_pem.clone())
}

#[test]
fn handshake_completes_and_bytes_flow_both_ways() {
    let pki = TestPki::generate().unwrap();
    let mut server = TlsPeer::new(server_config(&pki, false));
    let mut client = client("mqtts://127.0.0.1:8883", trusting(&pki));
    assert!(!client.is_ready());

    pump(&mut client, &mut server).unwrap();
    assert!(client.is_ready());

    client.write(CONNECT).unwrap();
    pump(&mut client, &mut server).unwrap();
    assert_eq!(server.received, CONNECT);

    server.send(CONNACK);
    pump(&mut client, &mut server).unwrap();
    assert_eq!(client_read(&mut client), CONNACK);
}

#[test]
fn bytes_written_before_the_handshake_are_sent_after_it() {
    let pki = TestPki::generate().unwrap();
    let mut server = TlsPeer::new(server_config(&pki, false));
    let mut client = client("mqtts://127.0.0.1", trusting(&pki));
    client.write(CONNECT).unwrap();
    pump(&mut client, &mut server).unwrap();
    assert!(client.is_ready());
    assert_eq!(server.received, CONNECT);
}

#[test]
fn server_bytes_delivered_one_at_a_time_still_decrypt() {
    let pki = TestPki::generate().unwrap();
    let mut server = TlsPeer::new(server_config(&pki, false));
    let mut client = client("mqtts://localhost", trusting(&pki));
    pump_chunked(&mut client, &mut server, 1).unwrap();
    let big: Vec<u8> = (0..100_000u32).map(|i| i as u8).collect();
    server.send(&big);
    pump_chunked(&mut client, &mut server, 7).unwrap();
    assert_eq!(client_read(&mut client), big);
}

#[test]
fn large_writes_span_several_records() {
    let pki = TestPki::generate().unwrap();
    let mut server = TlsPeer::new(server_config(&pki, false));
    let mut client = client("mqtts://127.0.0.1", trusting(&pki));
    let big: Vec<u8> = (0..200_000u32).map(|i| (i * 7) as u8).collect();
    client.write(&big).unwrap();
    pump(&mut client, &mut server).unwrap();
    assert_eq!(server.received, big);
}

#[test]
fn ipv6_literal_host_is_verified_as_an_ip_address() {
    let pki = TestPki::generate().unwrap();
    let mut server = TlsPeer::new(server_config(&pki, false));
    let mut client = client("mqtts://[::1]:8883", trusting(&pki));
    pump(&mut client, &mut server).unwrap();
    assert!(client.is_ready());
}

#[test]
fn unknown_ca_is_rejected() {
    let pki = TestPki::generate().unwrap();
    let stranger = TestPki::generate().unwrap();
    let mut server = TlsPeer::new(server_config(&pki, false));
    let mut client = client("mqtts://127.0.0.1", trusting(&stranger));
    let err = pump(&mut client, &mut server).unwrap_err();
    assert_eq!(
        err,
        TransportError::Tls(rustls::Error::InvalidCertificate(
            CertificateError::UnknownIssuer
        ))
    );
    assert!(!client.is_ready());
    // The server was told why (a fatal alert), so it failed too.
    assert!(server.error.is_some());
}

#[test]
fn host_not_in_the_certificate_is_rejected() {
    let pki = TestPki::generate().unwrap();
    let mut server = TlsPeer::new(server_config(&pki, false));
    let mut client = client("mqtts://broker.example", trusting(&pki));
    let err = pump(&mut client, &mut server).unwrap_err();
    assert!(
        matches!(
            err,
            TransportError::Tls(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForNameContext { .. } | CertificateError::NotValidForName
            ))
        ),
        "{err:?}"
    );
}

#[test]
fn server_name_override_is_what_gets_verified() {
    let pki = TestPki::generate().unwrap();
    // The URL names a host the certificate does not cover; the override names one it does.
    let mut server = TlsPeer::new(server_config(&pki, false));
    let mut ok = client(
        "mqtts://broker.example",
        trusting(&pki).server_name("localhost"),
    );
    pump(&mut ok, &mut server).unwrap();
    assert!(ok.is_ready());

    // And the other way round: a correct URL host, a wrong override, fails.
    let mut server = TlsPeer::new(server_config(&pki, false));
    let mut bad = client(
        "mqtts://127.0.0.1",
        trusting(&pki).server_name("other.example"),
    );
    assert!(matches!(
        pump(&mut bad, &mut server),
        Err(TransportError::Tls(rustls::Error::InvalidCertificate(_)))
    ));
}

#[test]
fn client_certificate_is_presented_for_mutual_tls() {
    let pki = TestPki::generate().unwrap();
    let mut server = TlsPeer::new(server_config(&pki, true));
    let tls =
        trusting(&pki).client_cert_pem(pki.client_cert_pem.clone(), pki.client_key_pem.clone());
    let mut client = client("mqtts://127.0.0.1", tls);
    client.write(CONNECT).unwrap();
    pump(&mut client, &mut server).unwrap();
    assert!(server.error.is_none(), "{:?}", server.error);
    assert!(server
        .conn
        .peer_certificates()
        .is_some_and(|c| !c.is_empty()));
    assert_eq!(server.received, CONNECT);
}

#[test]
fn missing_client_certificate_fails_mutual_tls() {
    let pki = TestPki::generate().unwrap();
    let mut server = TlsPeer::new(server_config(&pki, true));
    let mut client = client("mqtts://127.0.0.1", trusting(&pki));
    client.write(CONNECT).unwrap();
    let result = pump(&mut client, &mut server);
    // The server refuses; with TLS 1.3 the client learns it from the server's alert.
    assert!(server.error.is_some());
    assert!(
        server.received.is_empty(),
        "no MQTT byte may reach the server"
    );
    assert!(
        matches!(
            result,
            Err(TransportError::Tls(rustls::Error::AlertReceived(_)))
        ),
        "{result:?}"
    );
}

#[test]
fn errors_are_sticky() {
    let pki = TestPki::generate().unwrap();
    let stranger = TestPki::generate().unwrap();
    let mut server = TlsPeer::new(server_config(&pki, false));
    let mut client = client("mqtts://127.0.0.1", trusting(&stranger));
    let first = pump(&mut client, &mut server).unwrap_err();
    assert_eq!(
        client.handle_received(&[0x17, 0x03, 0x03]),
        Err(first.clone())
    );
    assert_eq!(client.write(CONNECT), Err(first.clone()));
    let mut out = bytes::BytesMut::new();
    assert_eq!(client.read_plaintext(&mut out), Err(first));
}

#[test]
fn garbage_from_the_server_is_a_tls_error_not_a_panic() {
    let pki = TestPki::generate().unwrap();
    let mut client = client("mqtts://127.0.0.1", trusting(&pki));
    let err = client
        .handle_received(b"HTTP/1.1 400 Bad Request\r\n\r\n")
        .unwrap_err();
    assert!(matches!(err, TransportError::Tls(_)), "{err:?}");
}

#[test]
fn close_sends_close_notify() {
    let pki = TestPki::generate().unwrap();
    let mut server = TlsPeer::new(server_config(&pki, false));
    let mut client = client("mqtts://127.0.0.1", trusting(&pki));
    pump(&mut client, &mut server).unwrap();
    client.write(CONNECT).unwrap();
    client.close().unwrap();
    pump(&mut client, &mut server).unwrap();
    // The data went out before the close_notify.
    assert_eq!(server.received, CONNECT);
    let state = server.conn.process_new_packets().unwrap();
    assert!(state.peer_has_closed());
    assert_eq!(client.write(CONNECT), Err(TransportError::Closed));
}

#[test]
fn server_close_notify_marks_the_peer_closed() {
    let pki = TestPki::generate().unwrap();
    let mut server = TlsPeer::new(server_config(&pki, false));
    let mut client = client("mqtts://127.0.0.1", trusting(&pki));
    pump(&mut client, &mut server).unwrap();
    server.send(CONNACK);
    server.conn.send_close_notify();
    pump(&mut client, &mut server).unwrap();
    assert!(client.is_peer_closed());
    // What came before the close is still delivered.
    assert_eq!(client_read(&mut client), CONNACK);
}

#[test]
fn missing_ca_file_is_a_config_error() {
    let url = ServerUrl::parse("mqtts://127.0.0.1").unwrap();
    let tls = TlsOptions::new().ca_file("/nonexistent/ca.crt");
    let err = Transport::new(&url, &TransportOptions::default().with_tls(tls)).unwrap_err();
    assert!(
        matches!(
            err,
            TransportError::TlsConfig(TlsConfigError::ReadFile {
                kind: std::io::ErrorKind::NotFound,
                ..
            })
        ),
        "{err:?}"
    );
}

#[test]
fn pem_without_certificates_is_a_config_error() {
    let err = TlsOptions::new()
        .ca_pem("not a certificate")
        .client_config()
        .unwrap_err();
    assert!(
        matches!(err, TlsConfigError::NoCertificates { .. }),
        "{err:?}"
    );
}

#[test]
fn client_key_pem_without_key_is_a_config_error() {
    let pki = TestPki::generate().unwrap();
    let err = trusting(&pki)
        .client_cert_pem(pki.client_cert_pem.clone(), pki.client_cert_pem.clone())
        .client_config()
        .unwrap_err();
    assert!(
        matches!(err, TlsConfigError::NoPrivateKey { .. }),
        "{err:?}"
    );
}

#[test]
fn mismatched_client_key_is_a_config_error() {
    let pki = TestPki::generate().unwrap();
    let other = TestPki::generate().unwrap();
    let err = trusting(&pki)
        .client_cert_pem(pki.client_cert_pem.clone(), other.client_key_pem.clone())
        .client_config()
        .unwrap_err();
    assert!(
        matches!(err, TlsConfigError::ClientCertificate(_)),
        "{err:?}"
    );
}

#[test]
fn debug_output_never_contains_key_material() {
    let pki = TestPki::generate().unwrap();
    let tls =
        trusting(&pki).client_cert_pem(pki.client_cert_pem.clone(), pki.client_key_pem.clone());
    let shown = format!("{tls:?}");
    assert!(!shown.contains("PRIVATE KEY"), "{shown}");
    assert!(!shown.contains("BEGIN"), "{shown}");
}
