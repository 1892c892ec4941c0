//! What a user reads when connecting fails, against real listeners (the
//! async twin of mqtt-std's tests/error_text.rs).

use crate::cli::chain;
use crate::{MosquittoPassword, TestPki};
use mqtt_adapter::aio::{Client, Runtime};
use mqtt_adapter::api::{Options, ProtocolVersion, TlsOptions};
use std::io::Read;
use std::net::TcpListener;
use std::time::Duration;

pub async fn a_wrong_password_reads_as_a_refusal_not_a_lost_connection<R: Runtime>() {
    let broker = MosquittoPassword::start().expect("private mosquitto starts");
    for version in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
        let options = Options::new()
            .protocol(version)
            .credentials(MosquittoPassword::USER, "not-the-password");
        let err = Client::<R>::connect(&broker.url(), options)
            .await
            .expect_err("refused");
        let text = err.to_string();
        assert!(
            text.starts_with("the broker refused the connection: "),
            "{version:?}: {text}"
        );
        assert!(!text.contains("lost"), "{version:?}: {text}");
    }
}

pub async fn mqtts_to_a_plain_port_that_closes_says_the_tls_handshake_failed<R: Runtime>() {
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
    let err = Client::<R>::connect(&url, options)
        .await
        .expect_err("fails");
    let text = chain(&err);
    assert!(text.contains("TLS handshake failed"), "{text}");
}

/// Mosquitto resets the connection (it leaves the rest of the ClientHello
/// unread), so the socket error must go through
/// `Transport::handle_socket_error` in the driver.
pub async fn mqtts_to_mosquittos_plain_port_says_the_tls_handshake_failed<R: Runtime>() {
    let pki = TestPki::generate().unwrap();
    let options = Options::new()
        .connect_timeout(Duration::from_secs(5))
        .tls(TlsOptions::new().ca_pem(pki.ca_cert_pem));
    let err = Client::<R>::connect("mqtts://127.0.0.1:1883", options)
        .await
        .expect_err("fails");
    let text = chain(&err);
    assert!(text.contains("TLS handshake failed"), "{text}");
}
