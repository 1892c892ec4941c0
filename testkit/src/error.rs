//! The one error type of the test kit.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// Why a broker could not be started, found or described.
///
/// `Clone` so that the outcome of starting the shared embedded broker can be handed to every
/// test of a process, failure included.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Error {
    /// An operating-system call failed.
    Io {
        /// What the kit was doing.
        context: String,
        /// The underlying error.
        source: Arc<io::Error>,
    },
    /// rumqttd rejected the configuration the kit generated (a bug in the kit).
    BrokerConfig {
        /// The message of the `config` crate or of rumqttd.
        message: String,
    },
    /// A broker did not accept connections on its port in time.
    NotReady {
        /// Which listener.
        what: String,
        /// Where it should listen.
        addr: SocketAddr,
        /// How long the kit waited.
        waited: Duration,
        /// Extra detail: the last connection error or the broker's log.
        detail: String,
    },
    /// The `mosquitto` binary is not installed (looked for on `PATH`, `/usr/sbin`,
    /// `/usr/local/sbin`). `.ci/run` installs it; tests that need TLS fail with this error.
    MosquittoNotFound,
    /// The private Mosquitto instance exited during start-up.
    MosquittoExited {
        /// Its exit status.
        status: String,
        /// Its log (stderr), which says why.
        log: String,
    },
    /// Generating a certificate failed.
    Certificate {
        /// The message of `rcgen`.
        message: String,
    },
    /// The embedded broker (rumqttd) does not speak this protocol version (it has no MQTT 3.1).
    EmbeddedUnsupportedVersion {
        /// The version asked for.
        version: mqtt_sansio::ProtocolVersion,
    },
    /// An entry of `MQTT_TEST_BROKERS` is malformed.
    BadBrokerList {
        /// The offending entry.
        entry: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}

impl Error {
    pub(crate) fn io(context: impl Into<String>, source: io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source: Arc::new(source),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // The OS error is the source (one layer, one part of the message).
            Error::Io { context, .. } => write!(f, "{context} failed"),
            Error::BrokerConfig { message } => {
                write!(f, "embedded broker configuration rejected: {message}")
            }
            Error::NotReady {
                what,
                addr,
                waited,
                detail,
            } => write!(
                f,
                "{what} did not accept connections on {addr} within {waited:?}: {detail}"
            ),
            Error::MosquittoNotFound => write!(
                f,
                "the `mosquitto` binary was not found on PATH, /usr/sbin or /usr/local/sbin \
                 (install it: apt-get install mosquitto; .ci/run does)"
            ),
            Error::MosquittoExited { status, log } => {
                write!(
                    f,
                    "mosquitto exited during start-up ({status}); its log:\n{log}"
                )
            }
            Error::Certificate { message } => {
                write!(f, "certificate generation failed: {message}")
            }
            Error::EmbeddedUnsupportedVersion { version } => write!(
                f,
                "the embedded broker (rumqttd) does not speak {version:?}; set MQTT_URL"
            ),
            Error::BadBrokerList { entry, reason } => {
                write!(f, "bad MQTT_TEST_BROKERS entry {entry:?}: {reason}")
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}

/// The result type of the test kit.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn an_io_error_says_what_failed_and_leaves_the_os_error_to_its_source() {
        let e = Error::io(
            "spawning mosquitto",
            io::Error::from(io::ErrorKind::NotFound),
        );
        assert_eq!(e.to_string(), "spawning mosquitto failed");
        assert_eq!(e.source().unwrap().to_string(), "entity not found");
    }
}
