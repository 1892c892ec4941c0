//! Broker discovery for examples: the README's first command must work on a fresh machine.

use std::net::{Ipv4Addr, SocketAddr};

use mqtt_sansio::ProtocolVersion;

use crate::embedded::EmbeddedBroker;
use crate::error::{Error, Result};
use crate::net::is_listening;

/// The environment variable an example reads its broker URL from.
pub const MQTT_URL_ENV: &str = "MQTT_URL";

/// The URL of the broker an example should use (MQTT 3.1.1), in this order:
///
/// 1. `MQTT_URL`, if set (taken as is);
/// 2. `mqtt://127.0.0.1:1883`, if something accepts connections there;
/// 3. otherwise the embedded broker, started now (shared by the process, alive until it exits),
///    with a line on stderr saying so and where.
///
/// An example that has its own `--url` flag checks that first.
///
/// ```no_run
/// let url = mqtt_testkit::example_broker()?;
/// println!("connecting to {url}");
/// # Ok::<(), mqtt_testkit::Error>(())
/// ```
pub fn example_broker() -> Result<String> {
    example_broker_for(ProtocolVersion::V3_1_1)
}

/// Like [`example_broker`], for a given protocol version: when the embedded broker is used, its
/// listener for `version` is returned.
///
/// The embedded broker (rumqttd) does not speak MQTT 3.1; asking for it when neither
/// `MQTT_URL` nor a local broker is there is [`Error::EmbeddedUnsupportedVersion`].
pub fn example_broker_for(version: ProtocolVersion) -> Result<String> {
    choose(
        version,
        std::env::var(MQTT_URL_ENV).ok(),
        SocketAddr::from((Ipv4Addr::LOCALHOST, 1883)),
    )
}

/// The decision, with the environment and the local address as arguments (for the tests).
fn choose(version: ProtocolVersion, env: Option<String>, local: SocketAddr) -> Result<String> {
    if let Some(url) = env {
        if !url.trim().is_empty() {
            return Ok(url.trim().to_owned());
        }
    }
    if is_listening(local) {
        return Ok(format!("mqtt://{local}"));
    }
    let broker = EmbeddedBroker::shared()?;
    let url = match version {
        ProtocolVersion::V3_1_1 => broker.mqtt311_url(),
        ProtocolVersion::V5 => broker.mqtt5_url(),
        ProtocolVersion::V3_1 => return Err(Error::EmbeddedUnsupportedVersion { version }),
    };
    eprintln!(
        "no MQTT_URL and nothing listening on {local}: started the embedded broker (rumqttd) \
         at {url} (MQTT 3.1.1 at {}, MQTT 5.0 at {}, WebSocket at {})",
        broker.mqtt311_url(),
        broker.mqtt5_url(),
        broker.ws_url()
    );
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::free_loopback_port;
    use std::net::TcpListener;

    fn unused_addr() -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, free_loopback_port().unwrap()))
    }

    #[test]
    fn mqtt_url_is_taken_as_is() {
        let url = choose(
            ProtocolVersion::V3_1_1,
            Some(" mqtts://broker.example:8883 ".into()),
            unused_addr(),
        );
        assert_eq!(url.unwrap(), "mqtts://broker.example:8883");
    }

    #[test]
    fn a_listening_local_broker_comes_next() {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let local = listener.local_addr().unwrap();
        let url = choose(ProtocolVersion::V3_1_1, Some(String::new()), local);
        assert_eq!(url.unwrap(), format!("mqtt://{local}"));
    }

    #[test]
    fn otherwise_the_embedded_broker_serves_the_asked_version() {
        let embedded = EmbeddedBroker::shared().unwrap();
        let local = unused_addr();
        assert_eq!(
            choose(ProtocolVersion::V3_1_1, None, local).unwrap(),
            embedded.mqtt311_url()
        );
        assert_eq!(
            choose(ProtocolVersion::V5, None, local).unwrap(),
            embedded.mqtt5_url()
        );
    }

    #[test]
    fn the_embedded_broker_cannot_serve_mqtt_3_1() {
        let err = choose(ProtocolVersion::V3_1, None, unused_addr()).unwrap_err();
        assert!(matches!(
            err,
            Error::EmbeddedUnsupportedVersion {
                version: ProtocolVersion::V3_1
            }
        ));
    }
}
