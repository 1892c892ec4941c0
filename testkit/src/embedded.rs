//! The embedded broker: rumqttd 0.20 in-process, on ephemeral loopback ports.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::OnceLock;
use std::thread;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::net::{free_loopback_port, wait_for_connack, wait_for_port};
use crate::relay::{self, Framing, Route};
use mqtt_sansio::ProtocolVersion;

/// Largest PUBLISH payload the embedded broker accepts (rumqttd's `max_payload_size`).
///
/// Well above what the integration tests send (64 KiB payloads), well below anything that could
/// exhaust memory on a shared CI machine.
pub const EMBEDDED_MAX_PAYLOAD: usize = 1024 * 1024;

/// Set (to anything) to print rumqttd's log (debug level) on stderr: what
/// the broker did with each connection, when a test needs to know.
pub const LOG_ENV: &str = "MQTT_TESTKIT_BROKER_LOG";

/// How long [`EmbeddedBroker::start`] waits for the listeners to accept connections.
const READY_TIMEOUT: Duration = Duration::from_secs(20);

/// A rumqttd broker running in this process, on its own threads, with three loopback listeners:
/// MQTT 3.1.1, MQTT 5.0, and WebSocket (MQTT 3.1.1 over `ws://`, subprotocol `mqtt`).
///
/// rumqttd has no shutdown: the broker lives until the process exits. Tests should share one
/// instance per process through [`EmbeddedBroker::shared`]; [`EmbeddedBroker::start`] starts a
/// fresh, independent one (for tests that need an empty broker).
///
/// Logs are quiet: rumqttd logs through `tracing`, and the kit installs no subscriber.
///
/// Each listener is a relay in front of rumqttd's own: rumqttd 0.20 can drop a client that
/// connects just as another one closes its socket after DISCONNECT (it hears of that
/// disconnection twice, and the second time the connection's slot may be the newcomer's). The
/// relay holds such a close until rumqttd has closed the connection itself; it passes every
/// other byte and close on as the client sent it. `testkit/tests/embedded_churn.rs` checks
/// that connections survive other clients' disconnections.
///
/// What it supports, each checked by `testkit/tests/capabilities.rs` on both MQTT listeners:
/// QoS 0/1/2, retained messages, will messages, persistent sessions (clean session 0 / session
/// expiry), shared subscriptions (`$share/group/filter`). Not MQTT 3.1. The WebSocket listener
/// speaks MQTT 3.1.1 only. Largest payload: [`EMBEDDED_MAX_PAYLOAD`].
///
/// ```no_run
/// let broker = mqtt_testkit::EmbeddedBroker::shared()?;
/// println!("MQTT 3.1.1 at {}", broker.mqtt311_url());
/// println!("MQTT 5.0   at {}", broker.mqtt5_url());
/// println!("WebSocket  at {}", broker.ws_url());
/// # Ok::<(), mqtt_testkit::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbeddedBroker {
    v311: SocketAddr,
    v5: SocketAddr,
    ws: SocketAddr,
}

impl EmbeddedBroker {
    /// Starts a new broker on three fresh ephemeral loopback ports and waits until all of them
    /// accept connections.
    ///
    /// A port picked free can be taken by another process before rumqttd binds it; rumqttd
    /// then only logs the failure, which shows here as a listener that never accepts. One
    /// retry on fresh ports covers that.
    pub fn start() -> Result<EmbeddedBroker> {
        match EmbeddedBroker::start_once() {
            Err(Error::NotReady { .. }) => EmbeddedBroker::start_once(),
            other => other,
        }
    }

    fn start_once() -> Result<EmbeddedBroker> {
        // rumqttd's own listeners, behind the relay.
        let inner = EmbeddedBroker {
            v311: SocketAddr::from((Ipv4Addr::LOCALHOST, free_loopback_port()?)),
            v5: SocketAddr::from((Ipv4Addr::LOCALHOST, free_loopback_port()?)),
            ws: SocketAddr::from((Ipv4Addr::LOCALHOST, free_loopback_port()?)),
        };
        let toml = inner.config_toml();
        let config = config::Config::builder()
            .add_source(config::File::from_str(&toml, config::FileFormat::Toml))
            .build()
            .and_then(|c| c.try_deserialize::<rumqttd::Config>())
            .map_err(|e| Error::BrokerConfig {
                message: e.to_string(),
            })?;

        if std::env::var_os(LOG_ENV).is_some() {
            // A second broker in the process finds a subscriber installed.
            let _ = tracing_subscriber::fmt()
                .with_max_level(tracing_subscriber::filter::LevelFilter::DEBUG)
                .with_writer(std::io::stderr)
                .try_init();
        }
        let (done_tx, done_rx) = std::sync::mpsc::channel::<String>();
        thread::Builder::new()
            .name("mqtt-testkit-rumqttd".into())
            .spawn(move || {
                let mut rumqttd = rumqttd::Broker::new(config);
                // `start` blocks for the life of the broker; it only returns on a start-up error.
                let outcome = match rumqttd.start() {
                    Ok(()) => "rumqttd stopped".to_owned(),
                    Err(e) => format!("rumqttd failed: {e}"),
                };
                let _ = done_tx.send(outcome);
            })
            .map_err(|e| Error::io("spawning the embedded broker thread", e))?;

        let alive = || match done_rx.try_recv() {
            Ok(message) => Err(Error::BrokerConfig { message }),
            Err(_) => Ok(()),
        };
        for (what, addr) in [
            ("embedded broker (MQTT 3.1.1)", inner.v311),
            ("embedded broker (MQTT 5.0)", inner.v5),
            ("embedded broker (WebSocket)", inner.ws),
        ] {
            wait_for_port(what, addr, READY_TIMEOUT, alive)?;
        }
        let bind = || {
            std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
                .map_err(|e| Error::io("binding the relay's listener on 127.0.0.1:0", e))
        };
        let routes = vec![
            Route {
                listener: bind()?,
                upstream: inner.v311,
                framing: Framing::Mqtt,
            },
            Route {
                listener: bind()?,
                upstream: inner.v5,
                framing: Framing::Mqtt,
            },
            Route {
                listener: bind()?,
                upstream: inner.ws,
                framing: Framing::WebSocket,
            },
        ];
        let addr = |r: &Route| {
            r.listener
                .local_addr()
                .map_err(|e| Error::io("reading the relay listener's address", e))
        };
        let broker = EmbeddedBroker {
            v311: addr(&routes[0])?,
            v5: addr(&routes[1])?,
            ws: addr(&routes[2])?,
        };
        relay::spawn(routes)?;
        // Accepting TCP is not serving MQTT yet: wait for a CONNACK on both
        // MQTT listeners.
        wait_for_connack(
            "embedded broker (MQTT 3.1.1)",
            broker.v311,
            ProtocolVersion::V3_1_1,
            READY_TIMEOUT,
            alive,
        )?;
        wait_for_connack(
            "embedded broker (MQTT 5.0)",
            broker.v5,
            ProtocolVersion::V5,
            READY_TIMEOUT,
            alive,
        )?;
        Ok(broker)
    }

    /// The broker shared by every test of this process, started on first use.
    ///
    /// A failed start is remembered: every later call returns the same error.
    pub fn shared() -> Result<&'static EmbeddedBroker> {
        static SHARED: OnceLock<Result<EmbeddedBroker>> = OnceLock::new();
        SHARED
            .get_or_init(EmbeddedBroker::start)
            .as_ref()
            .map_err(Clone::clone)
    }

    /// `mqtt://127.0.0.1:PORT` of the MQTT 3.1.1 listener.
    pub fn mqtt311_url(&self) -> String {
        format!("mqtt://{}", self.v311)
    }

    /// `mqtt://127.0.0.1:PORT` of the MQTT 5.0 listener.
    pub fn mqtt5_url(&self) -> String {
        format!("mqtt://{}", self.v5)
    }

    /// `ws://127.0.0.1:PORT/mqtt` of the WebSocket listener (MQTT 3.1.1 inside; rumqttd accepts
    /// any path and answers with the `mqtt` subprotocol).
    pub fn ws_url(&self) -> String {
        format!("ws://{}/mqtt", self.ws)
    }

    /// Socket address of the MQTT 3.1.1 listener.
    pub fn mqtt311_addr(&self) -> SocketAddr {
        self.v311
    }

    /// Socket address of the MQTT 5.0 listener.
    pub fn mqtt5_addr(&self) -> SocketAddr {
        self.v5
    }

    /// Socket address of the WebSocket listener.
    pub fn ws_addr(&self) -> SocketAddr {
        self.ws
    }

    /// The rumqttd configuration: three loopback listeners, no console, no metrics.
    fn config_toml(&self) -> String {
        let connections = format!(
            "connection_timeout_ms = 60000\n\
             max_payload_size = {EMBEDDED_MAX_PAYLOAD}\n\
             max_inflight_count = 100\n\
             dynamic_filters = true\n"
        );
        format!(
            "id = 0\n\
             [router]\n\
             id = 0\n\
             max_connections = 10010\n\
             max_outgoing_packet_count = 200\n\
             max_segment_size = 10485760\n\
             max_segment_count = 10\n\
             [v4.1]\n\
             name = \"v4-1\"\n\
             listen = \"{v311}\"\n\
             next_connection_delay_ms = 1\n\
             [v4.1.connections]\n\
             {connections}\
             [v5.1]\n\
             name = \"v5-1\"\n\
             listen = \"{v5}\"\n\
             next_connection_delay_ms = 1\n\
             [v5.1.connections]\n\
             {connections}\
             [ws.1]\n\
             name = \"ws-1\"\n\
             listen = \"{ws}\"\n\
             next_connection_delay_ms = 1\n\
             [ws.1.connections]\n\
             {connections}",
            v311 = self.v311,
            v5 = self.v5,
            ws = self.ws,
        )
    }
}
