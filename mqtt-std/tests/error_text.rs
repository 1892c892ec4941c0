//! What a user reads when connecting fails, against real listeners: a
//! refusal reads as a refusal, a TLS URL aimed at a plain port says the TLS
//! handshake failed.

mod support;

use std::error::Error as _;
use std::io::Read;
use std::net::TcpListener;
use std::time::Duration;

use mqtt_std::{Client, ConnectionError, Error, Options, ProtocolVersion, ReasonCode, TlsOptions};
use mqtt_testkit::{MosquittoPassword, TestPki};

/// Every layer's text, joined as `anyhow`'s `{:#}` does.
fn chain(e: &Error) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(s) = next {
        out.push_str(": ");
        out.push_str(&s.to_string());
        next = s.source();
    }
    out
}

#[test]
fn a_wrong_password_reads_as_a_refusal_not_a_lost_connection() {
    let broker = MosquittoPassword::start().expect("private mosquitto starts");
    for version in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
        let options = Options::new()
            .protocol(version)
            .credentials(MosquittoPassword::USER, "not-the-password");
        let err = match Client::connect(&broker.url(), options) {
            Ok(_) => panic!("{version:?}: connected with a wrong password"),
            Err(e) => e,
        };
        let Error::Connection(lost) = &err else {
            panic!("{version:?}: {err:?}");
        };
        assert!(
            matches!(lost.cause, ConnectionError::Refused { reason, .. }
                if reason == ReasonCode::NotAuthorized || reason == ReasonCode::BadUserNameOrPassword),
            "{version:?}: {err:?}"
        );
        let text = err.to_string();
        assert!(
            text.starts_with("the broker refused the connection: "),
            "{version:?}: {text}"
        );
        assert!(
            !text.contains("lost") && !text.contains('{'),
            "{version:?}: {text}"
        );
    }
    // The right password is let in: the refusal was about the password.
    let options = Options::new().credentials(MosquittoPassword::USER, MosquittoPassword::PASSWORD);
    let client = Client::connect(&broker.url(), options)
        .unwrap_or_else(|e| panic!("{e}; log: {}", broker.read_log()));
    client.disconnect().unwrap();
}

fn tls_options() -> Options {
    let pki = TestPki::generate().unwrap();
    Options::new()
        .connect_timeout(Duration::from_secs(5))
        .tls(TlsOptions::new().ca_pem(pki.ca_cert_pem))
}

#[test]
fn mqtts_to_a_plain_port_that_closes_says_the_tls_handshake_failed() {
    // A plain listener that reads the ClientHello as garbage and closes its side.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("mqtts://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = [0u8; 4096];
        let _ = s.read(&mut buf);
    });
    let err = Client::connect(&url, tls_options()).expect_err("fails");
    let text = chain(&err);
    assert!(text.contains("TLS handshake failed"), "{text}");
    assert!(!text.contains("lost"), "{text}");
}

/// Mosquitto resets the connection (it leaves the rest of the ClientHello
/// unread), so the socket error must go through
/// `Transport::handle_socket_error` in the driver.
#[test]
fn mqtts_to_mosquittos_plain_port_says_the_tls_handshake_failed() {
    let err = Client::connect("mqtts://127.0.0.1:1883", tls_options()).expect_err("fails");
    let text = chain(&err);
    assert!(text.contains("TLS handshake failed"), "{text}");
}
