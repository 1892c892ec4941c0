//! [`Options`]: how to connect, and what to run on which events.

use crate::dispatch::{Callbacks, Handler, Registry};
use crate::{ConnectInfo, ConnectionLost, Delivery, Message, Topic};
use bytes::Bytes;
use mqtt_sansio::client::{Config, ReconnectPolicy};
use mqtt_sansio::codec::{ByteStr, Properties, Will};
use mqtt_sansio::{ProtocolVersion, QoS};
#[cfg(feature = "tls")]
use mqtt_transport::TlsOptions;
use mqtt_transport::{redact_password, TransportOptions, WsOptions};
use std::fmt;
use std::time::Duration;

/// Connection options: the core's [`Config`] (every MQTT setting, with its
/// documented defaults), extra server URLs for fail-over, transport settings,
/// handlers declared before connecting, and callbacks.
///
/// Users reach it as `mqtt_std::Options` or `mqtt_smol::Options` (the same
/// type).
///
/// Defaults (from [`Config::default`], matching Machine Head where it has one):
/// generated client id, clean session, keep alive 60 s, connect timeout 30 s,
/// MQTT 3.1.1 with fall-back to 3.1 when the broker refuses the level, 20
/// publishes in flight, 1024 more queued (also while disconnected), no
/// automatic reconnect, automatic acknowledgements, 1024 incoming messages
/// buffered for handlers and streams.
///
/// ```
/// use std::time::Duration;
/// use mqtt_std::{Options, QoS, ReconnectPolicy}; // or mqtt_smol::{...}
///
/// let options = Options::new()
///     .client_id("sensor-17")
///     .clean_session(false)
///     .keep_alive(Duration::from_secs(30))
///     .will("sensors/17/status", "offline", QoS::AtLeastOnce, true)
///     .reconnect(ReconnectPolicy::backoff(Duration::from_millis(200), Duration::from_secs(30)))
///     .handler("sensors/17/cmd", QoS::AtLeastOnce, |m| println!("command: {:?}", m.payload()));
/// assert_eq!(options.config().client_id, "sensor-17");
/// assert!(!options.config().clean_start);
/// ```
pub struct Options {
    parts: Parts,
}

/// What a client is started with: [`Options`] taken apart by the adapter
/// ([`Options::into_parts`]).
#[derive(Debug)]
#[non_exhaustive]
pub(crate) struct Parts {
    /// The core configuration.
    pub config: Config,
    /// Fail-over server URLs, tried after the one given to `Client::connect`.
    pub extra_servers: Vec<String>,
    /// The handlers declared before connecting.
    pub registry: Registry,
    /// Filters of the handlers declared here, to subscribe with the first
    /// CONNECT (so a persistent session's messages find their handler).
    pub initial_subscriptions: Vec<(ByteStr, QoS)>,
    /// The callbacks, for the dispatcher.
    pub callbacks: Callbacks,
    /// Bound of the incoming queue (at least 1).
    pub incoming_buffer: usize,
    /// TLS and WebSocket settings.
    pub transport: TransportOptions,
    /// A session snapshot to start from.
    pub session: Option<Vec<u8>>,
    /// Durable sessions: where the session is kept ([`Options::persistence`]).
    pub persistence: Option<crate::store::Persistence>,
    /// Bound of `subscribe` / `unsubscribe` waiting for their acknowledgement
    /// ([`Options::request_timeout`]).
    pub request_timeout: Option<Duration>,
    /// Bound of `Client::connect` retrying under the reconnect policy
    /// ([`Options::initial_connect_timeout`]).
    pub initial_connect_timeout: Option<Duration>,
    /// The application acknowledges messages itself
    /// ([`Options::manual_acks`]). The core always runs with manual acks
    /// (`config.manual_acks` is `true` after [`Options::into_parts`]): with
    /// automatic acks the dispatcher acknowledges once the handlers returned.
    pub manual_acks: bool,
}

/// How long `subscribe` and `unsubscribe` wait for the broker's answer by
/// default ([`Options::request_timeout`]).
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

impl Default for Options {
    fn default() -> Self {
        Options::new()
    }
}

impl fmt::Debug for Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = &self.parts;
        f.debug_struct("Options")
            .field("config", &p.config)
            .field(
                "extra_servers",
                &p.extra_servers
                    .iter()
                    .map(|u| redact_password(u))
                    .collect::<Vec<_>>(),
            )
            .field("handlers", &p.initial_subscriptions)
            .field("incoming_buffer", &p.incoming_buffer)
            .field("transport", &p.transport)
            .field("persistence", &p.persistence)
            .finish_non_exhaustive()
    }
}

impl Options {
    /// Options with every default.
    pub fn new() -> Options {
        Options {
            parts: Parts {
                config: Config::default(),
                extra_servers: Vec::new(),
                registry: Registry::default(),
                initial_subscriptions: Vec::new(),
                callbacks: Callbacks::default(),
                incoming_buffer: 1024,
                transport: TransportOptions::default(),
                session: None,
                persistence: None,
                request_timeout: Some(DEFAULT_REQUEST_TIMEOUT),
                initial_connect_timeout: None,
                manual_acks: false,
            },
        }
    }

    /// Takes the options apart (what the client does when it starts).
    ///
    /// The WebSocket message and frame limits are lowered to the largest
    /// MQTT packet the client accepts (`Config::max_incoming_packet_size`),
    /// so a server cannot make the client buffer more than that.
    pub(crate) fn into_parts(mut self) -> Parts {
        self.parts.manual_acks = self.parts.config.manual_acks;
        self.parts.config.manual_acks = true;
        let max = usize::try_from(self.parts.config.max_incoming_packet_size).unwrap_or(usize::MAX);
        let ws = &mut self.parts.transport.ws;
        ws.max_message_size = ws.max_message_size.min(max);
        ws.max_frame_size = ws.max_frame_size.min(max);
        self.parts
    }

    /// The core configuration these options carry.
    pub fn config(&self) -> &Config {
        &self.parts.config
    }

    /// Changes any field of the core [`Config`] (MQTT 5 properties, session
    /// expiry, topic aliases, authenticator, ...).
    ///
    /// ```
    /// use mqtt_std::Options;
    /// let o = Options::new().configure(|c| c.session_expiry_interval = 3600);
    /// assert_eq!(o.config().session_expiry_interval, 3600);
    /// ```
    pub fn configure(mut self, f: impl FnOnce(&mut Config)) -> Options {
        f(&mut self.parts.config);
        self
    }

    /// Client identifier (default: generated; see [`Config::client_id`]).
    /// Undoes [`broker_assigned_id`](Self::broker_assigned_id).
    pub fn client_id(mut self, id: impl Into<String>) -> Options {
        self.parts.config.client_id = id.into();
        self.parts.config.broker_assigned_client_id = false;
        self
    }

    /// Asks the broker to assign the client identifier: CONNECT carries an
    /// empty one (instead of the generated identifier a 3.x client sends by
    /// default). MQTT 3.1.1 allows this only with a clean session; MQTT 5
    /// brokers report the identifier they assigned
    /// ([`ConnectInfo::properties`](crate::ConnectInfo::properties),
    /// `assigned_client_identifier`), which reconnects reuse. See
    /// [`Config::broker_assigned_client_id`].
    ///
    /// ```
    /// use mqtt_std::Options;
    /// let options = Options::new().broker_assigned_id();
    /// assert_eq!(options.config().sends_empty_client_id(), Ok(true));
    /// ```
    pub fn broker_assigned_id(mut self) -> Options {
        self.parts.config.client_id.clear();
        self.parts.config.broker_assigned_client_id = true;
        self
    }

    /// Clean session (3.x) / clean start (5.0); default `true`.
    pub fn clean_session(mut self, clean: bool) -> Options {
        self.parts.config.clean_start = clean;
        self
    }

    /// Keep-alive period (default 60 s; zero disables it).
    pub fn keep_alive(mut self, d: Duration) -> Options {
        self.parts.config.keep_alive = d;
        self
    }

    /// User name and password.
    pub fn credentials(
        mut self,
        username: impl Into<String>,
        password: impl Into<Bytes>,
    ) -> Options {
        self.parts.config.username = Some(username.into());
        self.parts.config.password = Some(password.into());
        self
    }

    /// User name only.
    pub fn username(mut self, username: impl Into<String>) -> Options {
        self.parts.config.username = Some(username.into());
        self
    }

    /// The will: published by the broker for this client when the connection
    /// ends without DISCONNECT.
    pub fn will(
        mut self,
        topic: impl Into<Topic>,
        payload: impl Into<Bytes>,
        qos: QoS,
        retain: bool,
    ) -> Options {
        self.parts.config.will = Some(Will {
            topic: topic.into().0,
            payload: payload.into(),
            qos,
            retain,
            properties: Properties::default(),
        });
        self
    }

    /// A will with MQTT 5 properties (will delay, message expiry, ...).
    pub fn will_message(mut self, will: Will) -> Options {
        self.parts.config.will = Some(will);
        self
    }

    /// Time allowed from opening the socket to CONNACK (default 30 s).
    pub fn connect_timeout(mut self, d: Duration) -> Options {
        self.parts.config.connect_timeout = d;
        self
    }

    /// How long `Client::connect` keeps retrying the first connection under
    /// the [reconnect policy](Options::reconnect) before it gives up with
    /// [`Error::Connection`](crate::Error::Connection) (default: no bound —
    /// a service that starts before its broker waits for it).
    ///
    /// Without a reconnect policy `connect` makes one round over the servers
    /// and this bound does not apply. A refusal that no retry can fix (bad
    /// credentials, not authorized, ...) ends `connect` at once either way.
    pub fn initial_connect_timeout(mut self, d: Duration) -> Options {
        self.parts.initial_connect_timeout = Some(d);
        self
    }

    /// How long `subscribe` and `unsubscribe` wait for the broker's answer
    /// before failing with [`Error::Timeout`](crate::Error::Timeout) (default
    /// [`DEFAULT_REQUEST_TIMEOUT`], 30 s). The request itself stays queued:
    /// if the broker answers later, the subscription is in place (its handler
    /// is installed) though the caller was told of the timeout.
    pub fn request_timeout(mut self, d: Duration) -> Options {
        self.parts.request_timeout = Some(d);
        self
    }

    /// QoS 1 and 2 publishes in flight at once (default 20; see
    /// [`Config::max_inflight`] for why not more).
    ///
    /// Mind the broker's own limit: Mosquitto 2.0 (`max_inflight_messages`,
    /// default 20) was observed to acknowledge, then drop, QoS 2 publishes of an
    /// MQTT 3.1.1 client beyond it. MQTT 5 brokers announce theirs (Receive
    /// Maximum) and the core respects it.
    pub fn max_inflight(mut self, n: u16) -> Options {
        self.parts.config.max_inflight = n;
        self
    }

    /// Publishes queued beyond the in-flight window or while offline (default
    /// 1024). When full, `Client::publish` waits and `Client::try_publish`
    /// fails with [`Error::QueueFull`](crate::Error::QueueFull).
    pub fn max_queued(mut self, n: usize) -> Options {
        self.parts.config.max_queued = n;
        self
    }

    /// Protocol version (default 3.1.1).
    pub fn protocol(mut self, v: ProtocolVersion) -> Options {
        self.parts.config.protocol = v;
        self
    }

    /// Manual acknowledgements: inbound QoS 1/2 messages are acknowledged only
    /// when the application calls [`Message::ack`] (from the handler it was
    /// given to, or later) or `Client::ack` (default: off).
    ///
    /// Automatic acknowledgements (the default) are sent once every handler
    /// of the message returned and the application took it from every message
    /// stream it entered (or dropped that stream): at least once means at least once *to the
    /// application*. A process that dies mid-handler gets the message again
    /// from a persistent session. A handler that panics leaves its message
    /// unacknowledged (the panic hook reports the panic); the broker sends it
    /// again on the next connection of a persistent session.
    pub fn manual_acks(mut self, manual: bool) -> Options {
        self.parts.config.manual_acks = manual;
        self
    }

    /// Automatic reconnect (default: [`ReconnectPolicy::Disabled`]).
    pub fn reconnect(mut self, policy: ReconnectPolicy) -> Options {
        self.parts.config.reconnect = policy;
        self
    }

    /// Adds a fail-over server URL, tried after the one given to
    /// `Client::connect`, in order.
    pub fn server(mut self, url: impl Into<String>) -> Options {
        self.parts.extra_servers.push(url.into());
        self
    }

    /// TLS settings for `mqtts://` and `wss://` servers: CA file or PEM,
    /// system roots, client certificate (mutual TLS), server name. Without
    /// this, the system's trust store is used. Verification is always on.
    ///
    /// ```
    /// use mqtt_std::{Options, TlsOptions};
    /// let o = Options::new().tls(TlsOptions::new().ca_file("ca.pem").server_name("broker.local"));
    /// ```
    ///
    /// Feature `tls` (on by default).
    #[cfg(feature = "tls")]
    pub fn tls(mut self, tls: TlsOptions) -> Options {
        self.parts.transport.tls = tls;
        self
    }

    /// WebSocket settings for `ws://` and `wss://` servers (subprotocol,
    /// extra handshake headers, size limits). Read only by a build with the
    /// `websocket` feature (on by default).
    pub fn websocket(mut self, ws: WsOptions) -> Options {
        self.parts.transport.ws = ws;
        self
    }

    /// Starts from a session saved by `Client::snapshot`
    /// (in-flight and queued publishes, inbound QoS 2 state, subscriptions):
    /// persistence across process restarts, in a documented, versioned byte
    /// format. Use it with `clean_session(false)` and the same client id.
    /// Messages restored this way have no `PublishHandle`;
    /// their completion is reported to [`on_delivery_complete`](Options::on_delivery_complete).
    pub fn restore_session(mut self, snapshot: impl Into<Vec<u8>>) -> Options {
        self.parts.session = Some(snapshot.into());
        self
    }

    /// Durable sessions, off by default: every QoS 1/2 publish (and every
    /// message accepted while disconnected) is in `persistence`'s store
    /// before `publish` returns and before a byte of it is sent, and so is
    /// each step of its flow; inbound QoS 2 packet identifiers are stored
    /// before PUBREC. A client started again with the same store and client
    /// id resumes every unfinished flow, in order, so a process killed at
    /// any moment loses no message and delivers no QoS 2 message twice
    /// (see [`store`](crate::store) for what each [`SyncPolicy`](crate::store::SyncPolicy)
    /// survives).
    ///
    /// Needs a fixed [`client_id`](Options::client_id) and a persistent
    /// session: `clean_session(false)` (MQTT 5: also a Session Expiry
    /// Interval long enough to come back in, `config.session_expiry_interval`);
    /// [`connect`](crate::aio::Client::connect) fails with
    /// [`Error::Store`] otherwise, or when the store cannot be opened (another
    /// process holds it, permissions...). Not together with
    /// [`restore_session`](Options::restore_session).
    ///
    /// ```no_run
    /// use mqtt_std::{Client, Options, Persistence, SyncPolicy};
    ///
    /// let options = Options::new()
    ///     .client_id("meter-17")
    ///     .clean_session(false)
    ///     .persistence(Persistence::new("/var/lib/meter/mqtt").sync(SyncPolicy::Batched));
    /// let client = Client::connect("mqtt://127.0.0.1:1883", options)?;
    /// client.publish("meter/17", "42 kWh")?; // on disk when this returns
    /// # Ok::<(), mqtt_std::Error>(())
    /// ```
    pub fn persistence(mut self, persistence: crate::store::Persistence) -> Options {
        self.parts.persistence = Some(persistence);
        self
    }

    /// Incoming messages buffered for handlers and message streams before the
    /// client stops reading the socket (TCP backpressure). Default 1024.
    pub fn incoming_buffer(mut self, n: usize) -> Options {
        self.parts.incoming_buffer = n.max(1);
        self
    }

    /// Declares a handler before connecting: `filter` is subscribed with `qos`
    /// right after CONNECT, and messages matching it are routed to `handler`
    /// from the first packet on (also the ones a persistent session stored
    /// while this client was away).
    ///
    /// Declaring the same filter again replaces the handler. Routing follows
    /// the rule of `Client::subscribe`:
    /// each delivered copy of a message reaches every distinct matching
    /// handler once.
    pub fn handler(
        mut self,
        filter: impl Into<Topic>,
        qos: QoS,
        handler: impl FnMut(&Message) + Send + 'static,
    ) -> Options {
        let filter = filter.into().0;
        self.parts.registry.insert(&filter, Handler::new(handler));
        self.parts
            .initial_subscriptions
            .retain(|(f, _)| *f != filter);
        self.parts.initial_subscriptions.push((filter, qos));
        self
    }

    /// Called by the dispatcher (in order, where it may block) after every successful CONNACK.
    pub fn on_connect(mut self, f: impl FnMut(&ConnectInfo) + Send + 'static) -> Options {
        self.parts.callbacks.on_connect = Some(Box::new(f));
        self
    }

    /// Called by the dispatcher (in order, where it may block) when an established connection is lost
    /// (not after `Client::disconnect`).
    pub fn on_connection_lost(
        mut self,
        f: impl FnMut(&ConnectionLost) + Send + 'static,
    ) -> Options {
        self.parts.callbacks.on_connection_lost = Some(Box::new(f));
        self
    }

    /// Called by the dispatcher (in order, where it may block) for every connection attempt that
    /// failed before its CONNACK (the socket could not be opened, the broker
    /// refused, the connect timeout passed). `will_reconnect` says whether
    /// another attempt is scheduled. Attempts that fail do not call
    /// [`on_connection_lost`](Options::on_connection_lost), which is for
    /// established connections only.
    pub fn on_connect_failed(mut self, f: impl FnMut(&ConnectionLost) + Send + 'static) -> Options {
        self.parts.callbacks.on_connect_failed = Some(Box::new(f));
        self
    }

    /// Called by the dispatcher (in order, where it may block) when a publish completes or fails.
    pub fn on_delivery_complete(mut self, f: impl FnMut(&Delivery) + Send + 'static) -> Options {
        self.parts.callbacks.on_delivery_complete = Some(Box::new(f));
        self
    }

    /// Called by the dispatcher (in order, where it may block) for a message no handler matched.
    pub fn on_unhandled(mut self, f: impl FnMut(&Message) + Send + 'static) -> Options {
        self.parts.callbacks.on_unhandled = Some(Box::new(f));
        self
    }

    /// Called by the dispatcher (in order, where it may block) when an MQTT 5 re-authentication
    /// started by `Client::reauthenticate` succeeds, with the properties of
    /// the broker's final AUTH (its authentication data, reason string, user
    /// properties). A refused one ends the connection instead, reported to
    /// [`on_connection_lost`](Options::on_connection_lost) with
    /// `ConnectionError::Auth`.
    ///
    /// ```
    /// use mqtt_std::Options;
    /// let options = Options::new().on_reauthenticated(|p| {
    ///     println!("re-authenticated; reason: {:?}", p.reason_string);
    /// });
    /// # drop(options);
    /// ```
    pub fn on_reauthenticated(mut self, f: impl FnMut(&Properties) + Send + 'static) -> Options {
        self.parts.callbacks.on_reauthenticated = Some(Box::new(f));
        self
    }
}
