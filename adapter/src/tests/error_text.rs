//! What the adapters' errors say: one sentence per layer, the details in
//! `source()` (so `anyhow`'s `{:#}` prints each once), a refusal read as a
//! refusal, and never a password.

use std::error::Error as _;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use crate::{ConnectionLost, Error, Options, Server};
use mqtt_sansio::client::{ConfigError, ConnectionError, PublishError, PublishFailure};
use mqtt_sansio::codec::{Properties, ReasonCode};
use mqtt_sansio::topic::TopicError;
use mqtt_transport::{TlsConfigError, TransportError};

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

fn lost(cause: ConnectionError, io: Option<io::Error>) -> Error {
    Error::Connection(Box::new(ConnectionLost {
        cause,
        io: io.map(Arc::new),
        transport: None,
        will_reconnect: false,
    }))
}

fn samples() -> Vec<Error> {
    vec![
        Server::parse("gopher://h").unwrap_err(),
        Error::Transport(TransportError::TlsConfig(TlsConfigError::ReadFile {
            path: PathBuf::from("/nonexistent.pem"),
            kind: io::ErrorKind::NotFound,
            message: "No such file or directory (os error 2)".into(),
        })),
        Error::Config(ConfigError::ZeroWindow),
        Error::QueueFull { max: 3 },
        Error::Publish(PublishError::InvalidTopic(TopicError::WildcardInTopicName)),
        Error::PublishFailed(PublishFailure::SessionLost),
        lost(
            ConnectionError::TransportFailed,
            Some(io::Error::from(io::ErrorKind::ConnectionRefused)),
        ),
        lost(ConnectionError::KeepAliveTimeout, None),
        Error::Io(Arc::new(io::Error::other("thread limit reached"))),
        Error::Rejected {
            reason: ReasonCode::QuotaExceeded,
            properties: Box::default(),
        },
    ]
}

#[test]
fn no_layer_repeats_the_text_of_its_source() {
    for e in samples() {
        let texts = chain(&e);
        for pair in texts.windows(2) {
            assert!(
                !pair[0].contains(&pair[1]),
                "{:?} repeats its source {:?} (chain {texts:?})",
                pair[0],
                pair[1]
            );
        }
    }
}

#[test]
fn the_chain_carries_every_detail() {
    let e = Error::Publish(PublishError::InvalidTopic(TopicError::WildcardInTopicName));
    assert_eq!(
        chain(&e),
        [
            "publish refused",
            "invalid topic: topic name contains a wildcard"
        ]
    );
    let e = lost(
        ConnectionError::TransportFailed,
        Some(io::Error::from(io::ErrorKind::ConnectionRefused)),
    );
    assert_eq!(
        chain(&e),
        [
            "could not open a connection to the broker",
            "connection refused"
        ]
    );
}

#[test]
fn a_refused_connection_reads_as_a_refusal_not_a_loss() {
    let e = lost(
        ConnectionError::Refused {
            reason: ReasonCode::NotAuthorized,
            properties: Properties::default(),
        },
        None,
    );
    let text = e.to_string();
    assert_eq!(
        text,
        "the broker refused the connection: Not authorized (0x87)"
    );
    assert!(!text.contains("lost"), "{text}");
    assert!(e.source().is_none());
}

#[test]
fn a_url_with_credentials_is_never_echoed_with_its_password() {
    let e = Server::parse("mqtt://alice:s3cret@broker:1883").unwrap_err();
    for text in [e.to_string(), format!("{e:?}"), format!("{:#?}", e)] {
        assert!(!text.contains("s3cret"), "{text}");
    }
    assert_eq!(
        e.to_string(),
        "invalid server URL \"mqtt://alice:***@broker:1883\""
    );
    let options = Options::new().server("mqtts://bob:hunter2@other:8883");
    let shown = format!("{options:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("mqtts://bob:***@other:8883"), "{shown}");
}
