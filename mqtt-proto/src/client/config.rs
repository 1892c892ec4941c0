//! Client configuration: everything CONNECT carries plus the core's own limits.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;

use bytes::Bytes;

use super::auth::Authenticator;
use crate::codec::{ByteStr, ProtocolVersion, Will};

/// Configuration of a [`Client`](super::Client).
///
/// Every field is public and has a documented default ([`Config::default`]);
/// the builder-style methods are shorthands for setting fields.
///
/// ```
/// use core::time::Duration;
/// use mqtt_sansio::client::{Config, ReconnectPolicy};
/// use mqtt_sansio::ProtocolVersion;
///
/// let config = Config::default()
///     .protocol(ProtocolVersion::V5)
///     .client_id("sensor-17")
///     .keep_alive(Duration::from_secs(30))
///     .reconnect(ReconnectPolicy::backoff(Duration::from_millis(500), Duration::from_secs(30)));
/// assert_eq!(config.client_id, "sensor-17");
/// assert!(config.clean_start);
/// ```
#[non_exhaustive]
pub struct Config {
    /// Protocol version to connect with. Default: [`ProtocolVersion::V3_1_1`].
    pub protocol: ProtocolVersion,
    /// When `protocol` is 3.1.1 and the broker refuses the protocol level
    /// (CONNACK return code 1), retry at once with 3.1 on the same server.
    /// Default: `true` (the behaviour of Paho and Machine Head).
    pub protocol_fallback: bool,
    /// Client identifier. Default: empty, which means: for 3.1 and 3.1.1 an
    /// identifier of 23 characters is generated from [`seed`](Self::seed)
    /// (`mqttsansio` + 13 base-36 digits), unless
    /// [`broker_assigned_client_id`](Self::broker_assigned_client_id) asks
    /// for an empty one; for 5.0 an empty identifier is sent
    /// and the broker's Assigned Client Identifier is used from then on
    /// (also for reconnects). MQTT 3.1 allows at most 23 characters.
    pub client_id: String,
    /// Send an empty client identifier so that the broker assigns one, in
    /// MQTT 3.1.1 too (`client_id` must then be empty). Default: `false` (a
    /// 3.x client sends a generated identifier).
    ///
    /// MQTT 3.1.1 allows it only with a clean session `[MQTT-3.1.3-7]`: the
    /// broker would refuse it otherwise (return code 2), so a configuration
    /// with `clean_start` false is refused first with
    /// [`ConfigError::PersistentSessionNeedsClientId`](super::ConfigError::PersistentSessionNeedsClientId).
    /// MQTT 3.1 has no empty identifier at all. In MQTT 5 the broker reports
    /// the identifier it assigned (CONNACK Assigned Client Identifier), which
    /// is used for reconnects, so a persistent session works there. See
    /// [`sends_empty_client_id`](Self::sends_empty_client_id).
    pub broker_assigned_client_id: bool,
    /// Clean Session (3.x) / Clean Start (5.0), sent on every connection
    /// attempt. Default: `true`.
    pub clean_start: bool,
    /// Keep alive. Whole seconds are sent (at most 65,535 s); zero disables
    /// keep alive. Default: 60 s.
    pub keep_alive: Duration,
    /// How long to wait for PINGRESP after sending PINGREQ before the link is
    /// declared dead. `None` (the default) means one keep-alive period.
    pub ping_timeout: Option<Duration>,
    /// User name. Default: none.
    pub username: Option<String>,
    /// Password (binary). Default: none.
    pub password: Option<Bytes>,
    /// Will message published by the broker if the connection ends without
    /// DISCONNECT. Default: none.
    pub will: Option<Will>,
    /// Time allowed from asking for a transport to receiving a successful
    /// CONNACK (including any AUTH exchange). Default: 30 s.
    pub connect_timeout: Duration,
    /// Outbound window: QoS 1 and 2 publishes in flight (sent, not yet
    /// completed) at once. The effective window is the smaller of this and the
    /// broker's MQTT 5 Receive Maximum. Default: 20. Publishes beyond the
    /// window wait in the bounded queue (see `max_queued`); they are never
    /// refused for the window itself, unlike Machine Head's "too many
    /// publishes in progress" at 10. Why not more: Mosquitto's default
    /// `max_inflight_messages` is 20, and Mosquitto 2.0 answers a QoS 2
    /// PUBLISH beyond that quota from an MQTT 3.x client (which has no
    /// Receive Maximum to tell it) with a PUBREC and then drops the message —
    /// a silent loss that a wider default window would cause (observed with
    /// Mosquitto 2.0.11 here: 30 QoS 2 publishes with a window of 21
    /// delivered 29). Raise it for brokers known to accept more.
    pub max_inflight: u16,
    /// Publishes accepted beyond the window (or while not connected, or while
    /// 64 KiB of output wait for the adapter to take them: QoS 0 too) and
    /// waiting to be sent. When full, [`publish`](super::Client::publish)
    /// fails with [`PublishError::QueueFull`](super::PublishError::QueueFull).
    /// Default: 1024.
    ///
    /// This bounds what [`publish`](super::Client::publish) accepts; it never
    /// drops what was already accepted. So after a reconnect the queue may
    /// hold up to `max_inflight` more: publishes that were in flight go back
    /// to the head of the queue when the new window is smaller (a lower MQTT 5
    /// Receive Maximum) or when a lost session is resent. Pending publishes
    /// never exceed `max_queued + max_inflight` (the model-based test and
    /// the `client` fuzz target check that bound).
    pub max_queued: usize,
    /// Largest packet accepted from the broker, in bytes (fixed header
    /// included). Sent as the MQTT 5 Maximum Packet Size. A bigger packet
    /// ends the connection ([`ProtocolViolation::Malformed`](super::ProtocolViolation::Malformed)
    /// with `PacketTooLarge`). Default: 1 MiB.
    pub max_incoming_packet_size: u32,
    /// What to do after the connection is lost. Default:
    /// [`ReconnectPolicy::Disabled`].
    pub reconnect: ReconnectPolicy,
    /// How long a connection must last after its CONNACK to count as
    /// healthy: losing a healthy connection resets the reconnect backoff to
    /// its minimum; losing one sooner keeps backing off, and counts one more
    /// failed attempt for every publish waiting for its first
    /// acknowledgement (see [`max_publish_attempts`](Self::max_publish_attempts)).
    /// Default: 10 s.
    pub stable_after: Duration,
    /// A publish sent on this many connections in a row that each ended
    /// sooner than [`stable_after`](Self::stable_after) without its
    /// acknowledgement fails with
    /// [`PublishFailure::Undeliverable`](super::PublishFailure::Undeliverable)
    /// instead of being resent forever (a broker that closes the connection on
    /// it would otherwise hold every later publish behind it). 0: no limit.
    /// Default: 5.
    pub max_publish_attempts: u16,
    /// Number of servers the adapter can open (its fail-over list). The core
    /// picks the index in [`TransportCommand::Open`](super::TransportCommand::Open):
    /// each reconnect attempt moves to the next server. Default: 1.
    pub server_count: usize,
    /// When `true`, inbound QoS 1 and 2 messages carry an
    /// [`AckToken`](super::AckToken) and PUBACK / PUBREC is sent only when the
    /// application calls [`ack`](super::Client::ack). Default: `false`.
    pub manual_acks: bool,
    /// When the broker reports that the session is gone (CONNACK Session
    /// Present = 0 after a session existed), subscribe again to every filter
    /// of the registry. Default: `true`.
    pub resubscribe_on_session_loss: bool,
    /// What to do with in-flight publishes when the session is lost.
    /// Default: [`SessionLostPolicy::Resend`].
    pub on_session_lost: SessionLostPolicy,
    /// Seed of the core's only randomness: the generated client identifier and
    /// the reconnect jitter. Adapters should fill it from the operating
    /// system's randomness; two clients with the same seed and no client id
    /// get the same generated identifier. Default: 0.
    pub seed: u64,
    /// MQTT 5 Session Expiry Interval in seconds sent in CONNECT
    /// (0: the session ends with the connection; `u32::MAX`: never).
    /// Default: 0.
    pub session_expiry_interval: u32,
    /// MQTT 5 Receive Maximum sent in CONNECT: inbound QoS 1 and 2 messages
    /// the broker may have unacknowledged at once. Default: 65,535.
    pub receive_maximum: u16,
    /// MQTT 5 Topic Alias Maximum sent in CONNECT: how many inbound topic
    /// aliases the client accepts. Default: 16.
    pub topic_alias_maximum: u16,
    /// Assign outbound topic aliases automatically, within the broker's Topic
    /// Alias Maximum (MQTT 5). Default: `true`.
    pub auto_topic_alias: bool,
    /// MQTT 5 Request Response Information. Default: `false`.
    pub request_response_information: bool,
    /// MQTT 5 Request Problem Information; `None` leaves the broker default
    /// (`true`). Default: `None`.
    pub request_problem_information: Option<bool>,
    /// MQTT 5 user properties sent in CONNECT. Default: none.
    pub user_properties: Vec<(ByteStr, ByteStr)>,
    /// MQTT 5 enhanced authentication. Default: none.
    pub authenticator: Option<Box<dyn Authenticator>>,
    /// Durable session: the core says, through
    /// [`Client::poll_store`](super::Client::poll_store), what the adapter
    /// must keep in durable storage, and holds back every byte that depends
    /// on it until [`Client::handle_stored`](super::Client::handle_stored)
    /// (see [`store`](super::store)). Default: `false` (nothing to store,
    /// no cost).
    pub durable: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            protocol: ProtocolVersion::V3_1_1,
            protocol_fallback: true,
            client_id: String::new(),
            broker_assigned_client_id: false,
            clean_start: true,
            keep_alive: Duration::from_secs(60),
            ping_timeout: None,
            username: None,
            password: None,
            will: None,
            connect_timeout: Duration::from_secs(30),
            max_inflight: 20,
            max_queued: 1024,
            max_incoming_packet_size: 1 << 20,
            reconnect: ReconnectPolicy::Disabled,
            stable_after: Duration::from_secs(10),
            max_publish_attempts: 5,
            server_count: 1,
            manual_acks: false,
            resubscribe_on_session_loss: true,
            on_session_lost: SessionLostPolicy::Resend,
            seed: 0,
            session_expiry_interval: 0,
            receive_maximum: u16::MAX,
            topic_alias_maximum: 16,
            auto_topic_alias: true,
            request_response_information: false,
            request_problem_information: None,
            user_properties: Vec::new(),
            authenticator: None,
            durable: false,
        }
    }
}

impl Config {
    /// Sets [`protocol`](Self::protocol).
    pub fn protocol(mut self, v: ProtocolVersion) -> Self {
        self.protocol = v;
        self
    }
    /// Sets [`client_id`](Self::client_id).
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.client_id = id.into();
        self
    }
    /// Asks the broker to assign the client identifier: sets
    /// [`broker_assigned_client_id`](Self::broker_assigned_client_id) and
    /// clears [`client_id`](Self::client_id).
    ///
    /// ```
    /// use mqtt_sansio::client::Config;
    /// let config = Config::default().client_id("x").broker_assigned_client_id();
    /// assert_eq!(config.sends_empty_client_id(), Ok(true));
    /// ```
    pub fn broker_assigned_client_id(mut self) -> Self {
        self.client_id.clear();
        self.broker_assigned_client_id = true;
        self
    }
    /// Whether CONNECT carries an empty client identifier (the broker
    /// assigns one): with [`broker_assigned_client_id`](Self::broker_assigned_client_id),
    /// or an empty [`client_id`](Self::client_id) in MQTT 5. Otherwise the
    /// configured or a generated identifier is sent. The error says why a
    /// broker-assigned identifier cannot work with the rest of the
    /// configuration.
    ///
    /// ```
    /// use mqtt_sansio::client::{Config, ConfigError};
    /// let assigned = Config::default().broker_assigned_client_id();
    /// assert_eq!(assigned.sends_empty_client_id(), Ok(true));
    /// assert_eq!(
    ///     assigned.clean_start(false).sends_empty_client_id(),
    ///     Err(ConfigError::PersistentSessionNeedsClientId)
    /// );
    /// assert_eq!(Config::default().sends_empty_client_id(), Ok(false)); // generated
    /// ```
    pub fn sends_empty_client_id(&self) -> Result<bool, super::ConfigError> {
        use super::ConfigError;
        if !self.broker_assigned_client_id {
            return Ok(self.client_id.is_empty() && self.protocol.is_v5());
        }
        if !self.client_id.is_empty() {
            return Err(ConfigError::ClientIdWithBrokerAssigned);
        }
        match self.protocol {
            ProtocolVersion::V3_1 => Err(ConfigError::EmptyClientIdNotInV3_1),
            ProtocolVersion::V3_1_1 if !self.clean_start => {
                Err(ConfigError::PersistentSessionNeedsClientId)
            }
            _ => Ok(true),
        }
    }
    /// Sets [`clean_start`](Self::clean_start).
    pub fn clean_start(mut self, clean: bool) -> Self {
        self.clean_start = clean;
        self
    }
    /// Sets [`keep_alive`](Self::keep_alive).
    pub fn keep_alive(mut self, d: Duration) -> Self {
        self.keep_alive = d;
        self
    }
    /// Sets [`username`](Self::username) and [`password`](Self::password).
    pub fn credentials(mut self, username: impl Into<String>, password: impl Into<Bytes>) -> Self {
        self.username = Some(username.into());
        self.password = Some(password.into());
        self
    }
    /// Sets [`will`](Self::will).
    pub fn will(mut self, will: Will) -> Self {
        self.will = Some(will);
        self
    }
    /// Sets [`connect_timeout`](Self::connect_timeout).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }
    /// Sets [`max_inflight`](Self::max_inflight).
    pub fn max_inflight(mut self, n: u16) -> Self {
        self.max_inflight = n;
        self
    }
    /// Sets [`max_queued`](Self::max_queued).
    pub fn max_queued(mut self, n: usize) -> Self {
        self.max_queued = n;
        self
    }
    /// Sets [`reconnect`](Self::reconnect).
    pub fn reconnect(mut self, policy: ReconnectPolicy) -> Self {
        self.reconnect = policy;
        self
    }
    /// Sets [`server_count`](Self::server_count).
    pub fn server_count(mut self, n: usize) -> Self {
        self.server_count = n;
        self
    }
    /// Sets [`manual_acks`](Self::manual_acks).
    pub fn manual_acks(mut self, manual: bool) -> Self {
        self.manual_acks = manual;
        self
    }
    /// Sets [`durable`](Self::durable).
    pub fn durable(mut self, durable: bool) -> Self {
        self.durable = durable;
        self
    }
    /// Sets [`seed`](Self::seed).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// Sets [`session_expiry_interval`](Self::session_expiry_interval).
    pub fn session_expiry_interval(mut self, secs: u32) -> Self {
        self.session_expiry_interval = secs;
        self
    }
    /// Sets [`authenticator`](Self::authenticator).
    pub fn authenticator(mut self, auth: impl Authenticator + 'static) -> Self {
        self.authenticator = Some(Box::new(auth));
        self
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("protocol", &self.protocol)
            .field("protocol_fallback", &self.protocol_fallback)
            .field("client_id", &self.client_id)
            .field("broker_assigned_client_id", &self.broker_assigned_client_id)
            .field("clean_start", &self.clean_start)
            .field("keep_alive", &self.keep_alive)
            .field("ping_timeout", &self.ping_timeout)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("will", &self.will)
            .field("connect_timeout", &self.connect_timeout)
            .field("max_inflight", &self.max_inflight)
            .field("max_queued", &self.max_queued)
            .field("stable_after", &self.stable_after)
            .field("max_publish_attempts", &self.max_publish_attempts)
            .field("max_incoming_packet_size", &self.max_incoming_packet_size)
            .field("reconnect", &self.reconnect)
            .field("server_count", &self.server_count)
            .field("manual_acks", &self.manual_acks)
            .field(
                "resubscribe_on_session_loss",
                &self.resubscribe_on_session_loss,
            )
            .field("on_session_lost", &self.on_session_lost)
            .field("seed", &self.seed)
            .field("session_expiry_interval", &self.session_expiry_interval)
            .field("receive_maximum", &self.receive_maximum)
            .field("topic_alias_maximum", &self.topic_alias_maximum)
            .field("auto_topic_alias", &self.auto_topic_alias)
            .field("durable", &self.durable)
            .field(
                "authenticator",
                &self.authenticator.as_ref().map(|_| "<dyn Authenticator>"),
            )
            .finish_non_exhaustive()
    }
}

/// Whether and how the core reconnects after losing the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReconnectPolicy {
    /// Never reconnect on its own; [`Client::connect`](super::Client::connect)
    /// starts again.
    Disabled,
    /// Reconnect after `min`, doubling the delay after every failed attempt up
    /// to `max`. With `jitter`, each delay is drawn uniformly from
    /// `[delay/2, delay]` using the configured seed. The delay resets when a
    /// connection that lasted [`Config::stable_after`] is lost (not at
    /// CONNACK: a broker that closes at once must not be hammered).
    Backoff {
        /// First delay.
        min: Duration,
        /// Largest delay.
        max: Duration,
        /// Randomise each delay within `[delay/2, delay]`.
        jitter: bool,
    },
}

impl ReconnectPolicy {
    /// Exponential backoff from `min` to `max` with jitter on.
    pub const fn backoff(min: Duration, max: Duration) -> Self {
        ReconnectPolicy::Backoff {
            min,
            max,
            jitter: true,
        }
    }
}

/// What happens to in-flight outbound publishes when the broker has lost the
/// session (CONNACK Session Present = 0).
///
/// A QoS 2 publish whose PUBREC was already received is owned by the broker:
/// it completes ([`Event::PublishComplete`](super::Event::PublishComplete))
/// under either policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionLostPolicy {
    /// Send them again as new publishes (new packet ids, DUP clear), before
    /// anything queued later. At-least-once across the loss.
    Resend,
    /// Hand them back: each ends with
    /// [`Event::PublishFailed`](super::Event::PublishFailed) and
    /// [`PublishFailure::SessionLost`](super::PublishFailure::SessionLost).
    Report,
}
