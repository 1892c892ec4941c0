//! What transport errors say: one layer's part each (the details are the
//! `source`), and a TLS handshake cut short is called that, not a bare socket
//! error.

use std::path::PathBuf;
use std::sync::Arc;

use bytes::BytesMut;
use mqtt_transport::{
    rustls, ServerUrl, TlsConfigError, TlsOptions, Transport, TransportError, TransportOptions,
};

fn tls_transport() -> Transport {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    let tls = TlsOptions::new().rustls_config(Arc::new(config));
    let url = ServerUrl::parse("mqtts://127.0.0.1:1883").unwrap();
    Transport::new(&url, &TransportOptions::default().with_tls(tls)).unwrap()
}

/// Every layer's text, outermost first.
fn chain(e: &dyn std::error::Error) -> Vec<String> {
    let mut out = vec![e.to_string()];
    let mut next = e.source();
    while let Some(s) = next {
        out.push(s.to_string());
        next = s.source();
    }
    out
}

fn assert_no_repetition(e: &dyn std::error::Error) {
    let texts = chain(e);
    for pair in texts.windows(2) {
        assert!(
            !pair[0].contains(&pair[1]),
            "{:?} repeats its source {:?}",
            pair[0],
            pair[1]
        );
    }
}

#[test]
fn end_of_stream_during_the_tls_handshake_says_the_handshake_failed() {
    let mut t = tls_transport();
    let mut hello = BytesMut::new();
    t.poll_send(&mut hello).unwrap();
    assert!(!hello.is_empty(), "the ClientHello");
    // A plain MQTT listener that reads the ClientHello as garbage and closes.
    let err = t.handle_eof().unwrap_err();
    assert!(
        matches!(err, TransportError::TlsHandshakeInterrupted { .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "TLS handshake failed: the server closed the connection before the handshake \
         completed (does the port speak TLS?)"
    );
    // Sticky, like every transport error.
    assert_eq!(t.write(b"x").unwrap_err(), err);
}

#[test]
fn a_reset_during_the_tls_handshake_says_the_handshake_failed() {
    let mut t = tls_transport();
    let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
    let err = t.handle_socket_error(&reset).unwrap_err();
    assert!(
        err.to_string().starts_with("TLS handshake failed: "),
        "{err}"
    );
    assert!(err.to_string().contains(&reset.to_string()), "{err}");
}

#[test]
fn a_reset_on_a_plain_transport_is_left_to_the_socket_error() {
    let url = ServerUrl::parse("mqtt://127.0.0.1:1883").unwrap();
    let mut t = Transport::new(&url, &TransportOptions::default()).unwrap();
    let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
    assert_eq!(t.handle_socket_error(&reset), Ok(()));
}

#[test]
fn tls_errors_leave_the_details_to_their_source() {
    let config = TransportError::TlsConfig(TlsConfigError::ReadFile {
        path: PathBuf::from("/nonexistent/ca.pem"),
        kind: std::io::ErrorKind::NotFound,
        message: "No such file or directory (os error 2)".into(),
    });
    assert_no_repetition(&config);
    assert_eq!(
        chain(&config),
        [
            "invalid TLS configuration",
            "cannot read /nonexistent/ca.pem: No such file or directory (os error 2)"
        ]
    );
    let tls = TransportError::Tls(rustls::Error::InvalidCertificate(
        rustls::CertificateError::UnknownIssuer,
    ));
    assert_no_repetition(&tls);
    assert_eq!(chain(&tls).len(), 2);
}

#[test]
fn a_scheme_the_build_left_out_names_the_feature_to_turn_on() {
    // `Transport::new` returns this for `mqtts://` without the `tls` feature
    // and `ws://` without `websocket`; the tests build with every feature, so
    // the text is checked on a constructed value.
    let e = TransportError::Unsupported {
        scheme: mqtt_transport::Scheme::Wss,
        feature: "websocket",
    };
    assert_eq!(
        e.to_string(),
        "wss:// URLs need the `websocket` feature, which this build of the MQTT client left out"
    );
    assert!(std::error::Error::source(&e).is_none());
}
