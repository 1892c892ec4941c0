//! What a user reads when connecting fails, against real listeners (the
//! async twin of mqtt-std's tests/error_text.rs).

use std::error::Error as _;
use std::io::Read;
use std::net::TcpListener;
use std::time::Duration;

use mqtt_smol::{Client, Error, Options, ProtocolVersion, TlsOptions};
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
    smol::block_on(async {
        for version in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
            let options = Options::new()
                .protocol(version)
                .credentials(MosquittoPassword::USER, "not-the-password");
            let err = Client::connect(&broker.url(), options)
                .await
                .expect_err("refused");
            let text = err.to_string();
            assert!(
                text.starts_with("the broker refused the connection: "),
                "{version:?}: {text}"
            );
            assert!(!text.contains("lost"), "{version:?}: {text}");
        }
    });
}

#[test]
fn mqtts_to_a_plain_port_that_closes_says_the_tls_handshake_failed() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("mqtts://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = [0u8; 4096];
        let _ = s.read(&mut buf);
    });
    let pki = TestPki::generate().unwrap();
    let options = Options::new()
        .connect_timeout(Duration::from_secs(5))
        .tls(TlsOptions::new().ca_pem(pki.ca_cert_pem));
    let err = smol::block_on(Client::connect(&url, options)).expect_err("fails");
    let text = chain(&err);
    assert!(text.contains("TLS handshake failed"), "{text}");
}

/// Mosquitto resets the connection (it leaves the rest of the ClientHello
/// unread), so the socket error must go through
/// `Transport::handle_socket_error` in the driver.
#[test]
fn mqtts_to_mosquittos_plain_port_says_the_tls_handshake_failed() {
    let pki = TestPki::generate().unwrap();
    let options = Options::new()
        .connect_timeout(Duration::from_secs(5))
        .tls(TlsOptions::new().ca_pem(pki.ca_cert_pem));
    let err =
        smol::block_on(Client::connect("mqtts://127.0.0.1:1883", options)).expect_err("fails");
    let text = chain(&err);
    assert!(text.contains("TLS handshake failed"), "{text}");
}
