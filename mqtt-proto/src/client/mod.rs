//! The sans-IO client state machine.
//!
//! One [`Client`] per logical MQTT client. It is driven by three kinds of
//! input and produces four kinds of output:
//!
//! | in | out |
//! |---|---|
//! | commands: [`connect`](Client::connect), [`publish`](Client::publish), [`subscribe`](Client::subscribe), [`unsubscribe`](Client::unsubscribe), [`ack`](Client::ack), [`disconnect`](Client::disconnect), [`reauthenticate`](Client::reauthenticate) | bytes: [`poll_transmit`](Client::poll_transmit) |
//! | transport: [`handle_connected`](Client::handle_connected), [`handle_data`](Client::handle_data), [`handle_closed`](Client::handle_closed) | events: [`poll_event`](Client::poll_event) |
//! | time: [`handle_timeout`](Client::handle_timeout) | deadline: [`poll_timeout`](Client::poll_timeout) |
//! | | transport requests: [`poll_transport`](Client::poll_transport) |
//!
//! After every input, drain every output (see the crate docs for the loop).
//!
//! Files: `conn.rs` holds every connection-state transition (read it top to
//! bottom); `outbound.rs` the publish window, queue and acknowledgements;
//! `inbound.rs` inbound messages, QoS 2 and topic aliases; `requests.rs`
//! SUBSCRIBE / UNSUBSCRIBE; `snapshot.rs` the session byte format.

use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::vec::Vec;
use core::time::Duration;

use bytes::BytesMut;

use crate::codec::{ByteStr, Properties, ProtocolVersion, QoS, SubscribeFilter};
use crate::time::Instant;

mod auth;
#[cfg(any(feature = "log", test))]
mod brief;
mod config;
mod conn;
mod error;
mod event;
mod inbound;
mod outbound;
mod packet_id;
mod requests;
mod rng;
mod seq_map;
mod snapshot;
pub mod store;
mod subscriptions;
mod timer;

pub use auth::{AuthFailure, Authenticator};
pub use config::{Config, ReconnectPolicy, SessionLostPolicy};
pub use error::{
    AckError, ConfigError, ConnectionError, DisconnectError, ProtocolViolation, PublishError,
    PublishFailure, ReauthError, RestoreError, SnapshotError, SubscribeError,
};
pub use event::{
    AckToken, DisconnectOptions, Event, OutgoingPublish, PublishId, RequestId, TransportCommand,
};
pub use snapshot::SNAPSHOT_VERSION;
pub use store::{StoreKey, StoreOp};
pub use subscriptions::{Subscription, SubscriptionState, Subscriptions};

use outbound::{Inflight, Queued};
use packet_id::PacketIds;
use requests::Request;
use rng::Rng;
use timer::{Timer, TimerTable};

/// The smallest broker Maximum Packet Size (MQTT 5 CONNACK) a connection can
/// work with: 4 bytes, the size of PUBACK / PUBREC / PUBREL / PUBCOMP, which
/// the client must be able to send (PINGREQ and DISCONNECT are 2). A broker
/// announcing less ends the connection with
/// [`ProtocolViolation::MaximumPacketSizeTooSmall`].
pub const MIN_USABLE_PACKET_SIZE: usize = 4;

/// Where the connection stands ([`Client::state`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum State {
    /// Not connected and nothing scheduled: call [`Client::connect`].
    Idle,
    /// Waiting for the reconnect backoff to pass.
    WaitingToReconnect,
    /// Asked the adapter for a transport ([`TransportCommand::Open`]).
    Opening,
    /// CONNECT sent, waiting for CONNACK (or in an AUTH exchange).
    Connecting,
    /// CONNACK accepted the connection.
    Connected,
}

/// What the broker allowed in its last CONNACK (MQTT 5; permissive for 3.x).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BrokerLimits {
    pub(crate) receive_maximum: u16,
    pub(crate) maximum_qos: QoS,
    pub(crate) retain_available: bool,
    pub(crate) maximum_packet_size: usize,
    pub(crate) topic_alias_maximum: u16,
    pub(crate) wildcard_available: bool,
    pub(crate) subscription_ids_available: bool,
    pub(crate) shared_available: bool,
}

impl BrokerLimits {
    /// Before any CONNACK: only the protocol's own limits.
    pub(crate) const PROTOCOL: BrokerLimits = BrokerLimits {
        receive_maximum: u16::MAX,
        maximum_qos: QoS::ExactlyOnce,
        retain_available: true,
        maximum_packet_size: crate::codec::MAX_REMAINING_LENGTH + 5,
        topic_alias_maximum: 0,
        wildcard_available: true,
        subscription_ids_available: true,
        shared_available: true,
    };
}

/// The sans-IO MQTT client. `I` is the caller's clock type (see
/// [`Instant`]); the client never reads a clock itself.
///
/// ```
/// use core::time::Duration;
/// use bytes::BytesMut;
/// use mqtt_sansio::client::{Client, Config, Event, OutgoingPublish, TransportCommand};
/// use mqtt_sansio::QoS;
///
/// let mut client = Client::<Duration>::new(Config::default().client_id("doc")).unwrap();
/// let now = Duration::ZERO;
/// client.connect(now);
/// assert_eq!(client.poll_transport(), Some(TransportCommand::Open { server: 0 }));
/// client.handle_connected(now);
/// let mut out = BytesMut::new();
/// client.poll_transmit(&mut out);
/// assert_eq!(out[0], 0x10); // CONNECT
/// // The broker accepts: CONNACK, session not present, return code 0.
/// client.handle_data(now, &[0x20, 0x02, 0x00, 0x00]);
/// assert!(matches!(client.poll_event(), Some(Event::Connected { .. })));
/// let id = client.publish(now, OutgoingPublish::new("hello", &b"Hello, world"[..], QoS::AtMostOnce)).unwrap();
/// out.clear();
/// client.poll_transmit(&mut out);
/// assert_eq!(out[0], 0x30); // PUBLISH QoS 0
/// assert!(matches!(client.poll_event(), Some(Event::PublishComplete { id: i, .. }) if i == id));
/// ```
pub struct Client<I: Instant> {
    cfg: Config,
    // --- connection ---
    state: State,
    protocol: ProtocolVersion,
    client_id: ByteStr,
    server: usize,
    /// Servers tried in the current round without reaching CONNACK.
    round_tried: usize,
    /// Failed rounds since the last healthy connection (backoff exponent):
    /// reset when a connection lasted `Config::stable_after`, not at CONNACK.
    attempt: u32,
    /// When the current connection's CONNACK arrived.
    connected_at: Option<I>,
    /// QoS 2 packet ids of publishes given up before PUBREC
    /// (`PublishFailure::Undeliverable`): not reused until the session ends.
    reserved_pids: Vec<crate::codec::PacketId>,
    /// [`disconnect`](Client::disconnect) ended the client and no
    /// [`connect`](Client::connect) followed: another disconnect is refused.
    closed: bool,
    /// Incremented for every transport: stale QoS 1 ack tokens are refused.
    connection: u64,
    /// Incremented whenever the broker loses the session: stale QoS 2 tokens.
    session_epoch: u64,
    ever_connected: bool,
    /// A session may exist at the broker (we connected before, or restored).
    has_session: bool,
    limits: BrokerLimits,
    keep_alive: Duration,
    ping_outstanding: bool,
    last_tx: Option<I>,
    last_rx: Option<I>,
    timers: TimerTable<I>,
    rng: Rng,
    reauth_in_progress: bool,
    connect_auth_in_progress: bool,
    // --- I/O ---
    rx: BytesMut,
    tx: BytesMut,
    events: VecDeque<Event>,
    transport: VecDeque<TransportCommand>,
    // --- session ---
    ids: PacketIds,
    next_publish_id: u64,
    next_request_id: u64,
    next_seq: u64,
    inflight: seq_map::SeqMap<Inflight<I>>,
    /// In-flight publishes marked `resend`: kept back at reconnect because
    /// the broker's Receive Maximum had no room for them yet.
    resends_waiting: usize,
    inflight_by_pid: BTreeMap<u16, u64>,
    queue: VecDeque<Queued<I>>,
    requests_pending: VecDeque<Request>,
    requests_inflight: BTreeMap<u16, Request>,
    /// Inbound QoS 2 ids held until PUBREL; `true` once PUBREC was allowed
    /// (always at once unless manual acks).
    inbound_qos2: BTreeMap<u16, bool>,
    /// Inbound QoS 1 ids delivered with a manual ack token, not yet acked.
    inbound_qos1: BTreeSet<u16>,
    subs: Subscriptions,
    aliases_out: BTreeMap<ByteStr, u16>,
    aliases_in: Vec<Option<ByteStr>>,
    /// Durable-session bookkeeping, with [`Config::durable`].
    durable: Option<alloc::boxed::Box<store::Durable>>,
}

impl<I: Instant> core::fmt::Debug for Client<I> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Client")
            .field("state", &self.state)
            .field("protocol", &self.protocol)
            .field("client_id", &self.client_id)
            .field("server", &self.server)
            .field("inflight", &self.inflight.len())
            .field("queued", &self.queue.len())
            .field("subscriptions", &self.subs.len())
            .finish_non_exhaustive()
    }
}

impl<I: Instant> Client<I> {
    /// A client in [`State::Idle`]. Checks the configuration and that its
    /// CONNECT can be encoded.
    pub fn new(config: Config) -> Result<Self, ConfigError> {
        let client_id = conn::effective_client_id(&config)?;
        let client = Client {
            state: State::Idle,
            protocol: config.protocol,
            client_id,
            server: 0,
            round_tried: 0,
            closed: false,
            attempt: 0,
            connected_at: None,
            reserved_pids: Vec::new(),
            connection: 0,
            session_epoch: 0,
            ever_connected: false,
            has_session: false,
            limits: BrokerLimits::PROTOCOL,
            // Whole seconds, as CONNECT carries them.
            keep_alive: Duration::from_secs(config.keep_alive.as_secs()),
            ping_outstanding: false,
            last_tx: None,
            last_rx: None,
            timers: TimerTable::new(),
            rng: Rng::new(config.seed ^ 0x6d71_7474_7361_6e73),
            reauth_in_progress: false,
            connect_auth_in_progress: false,
            rx: BytesMut::new(),
            tx: BytesMut::new(),
            events: VecDeque::new(),
            transport: VecDeque::new(),
            ids: PacketIds::new(),
            next_publish_id: 1,
            next_request_id: 1,
            next_seq: 0,
            inflight: seq_map::SeqMap::new(),
            resends_waiting: 0,
            inflight_by_pid: BTreeMap::new(),
            queue: VecDeque::new(),
            requests_pending: VecDeque::new(),
            requests_inflight: BTreeMap::new(),
            inbound_qos2: BTreeMap::new(),
            inbound_qos1: BTreeSet::new(),
            subs: Subscriptions::default(),
            aliases_out: BTreeMap::new(),
            aliases_in: Vec::new(),
            durable: config.durable.then(Default::default),
            cfg: config,
        };
        client.validate_config()?;
        Ok(client)
    }

    // ------------------------------------------------------------------
    // Commands
    // ------------------------------------------------------------------

    /// Starts connecting: the next [`poll_transport`](Self::poll_transport)
    /// asks for a transport to server 0 (or the next server of the round).
    /// Arms the connect timeout. Also cancels a scheduled reconnect and
    /// connects at once. A no-op while opening, connecting or connected.
    pub fn connect(&mut self, now: I) {
        self.start_connect(now);
    }

    /// Accepts a message for sending and returns its id; the message ends with
    /// exactly one [`Event::PublishComplete`] or [`Event::PublishFailed`].
    ///
    /// Sent at once when connected and the window allows, otherwise queued
    /// (also while not connected: queued messages go out after the next
    /// CONNACK). QoS 0 needs no window but keeps its place in the queue.
    /// Errors are the caller's: nothing was queued.
    pub fn publish(&mut self, now: I, msg: OutgoingPublish) -> Result<PublishId, PublishError> {
        let id = PublishId(self.next_publish_id);
        self.do_publish(now, id, msg)?;
        Ok(id)
    }

    /// Like [`publish`](Self::publish), under an id the caller chose: for an
    /// adapter that hands out ids before it can reach the core (a publish
    /// accepted while another thread is inside the core).
    ///
    /// The caller keeps ids unique among this client's publishes, for
    /// example by counting up from [`next_publish_id`](Self::next_publish_id)
    /// and giving every publish an id that way; ids may arrive out of order.
    /// Later ids of [`publish`](Self::publish) continue above the highest
    /// id given here. On error nothing was queued and the id is not used.
    pub fn publish_as(
        &mut self,
        now: I,
        id: PublishId,
        msg: OutgoingPublish,
    ) -> Result<(), PublishError> {
        self.do_publish(now, id, msg)
    }

    /// The lowest publish id the core has not given out, nor been given:
    /// every id from here up is free (also after a snapshot restore).
    pub fn next_publish_id(&self) -> PublishId {
        PublishId(self.next_publish_id)
    }

    /// Subscribes to `filters`. The filters enter the registry at once (state
    /// [`SubscriptionState::Pending`]) so messages are routed to them even
    /// before SUBACK; [`Event::SubscribeComplete`] carries the codes. Sent at
    /// once when connected, otherwise after the next CONNACK.
    ///
    /// `properties` may carry one Subscription Identifier and user
    /// properties (MQTT 5).
    pub fn subscribe(
        &mut self,
        now: I,
        filters: Vec<SubscribeFilter>,
        properties: Properties,
    ) -> Result<RequestId, SubscribeError> {
        self.do_subscribe(now, filters, properties)
    }

    /// Unsubscribes from `filters`; they leave the registry at UNSUBACK
    /// ([`Event::UnsubscribeComplete`]).
    pub fn unsubscribe(
        &mut self,
        now: I,
        filters: Vec<ByteStr>,
        properties: Properties,
    ) -> Result<RequestId, SubscribeError> {
        self.do_unsubscribe(now, filters, properties)
    }

    /// Acknowledges an inbound message delivered with a token (manual acks):
    /// sends PUBACK (QoS 1) or PUBREC (QoS 2, then PUBCOMP follows PUBREL on
    /// its own). A QoS 2 token stays valid across reconnects while the
    /// session lasts; if not connected, PUBREC is sent when the broker
    /// resends the message.
    pub fn ack(&mut self, now: I, token: AckToken) -> Result<(), AckError> {
        self.do_ack(now, token)
    }

    /// Ends the connection: sends DISCONNECT (when connected), asks the
    /// adapter to close ([`TransportCommand::Close`]) and emits
    /// [`Event::Closed`]. No reconnect follows. Once closed, another call is
    /// refused with [`DisconnectError::AlreadyClosed`] (and emits nothing)
    /// until [`connect`](Self::connect) is called again.
    ///
    /// This does not wait: publishes still in flight or queued stay in the
    /// session (and in a [`snapshot`](Self::snapshot)) and go out after the
    /// next [`connect`](Self::connect). For a graceful shutdown an adapter
    /// waits until [`pending_publishes`](Self::pending_publishes) is zero (or
    /// a timeout passes), then calls this.
    pub fn disconnect(
        &mut self,
        now: I,
        options: DisconnectOptions,
    ) -> Result<(), DisconnectError> {
        self.do_disconnect(now, options)
    }

    /// Starts an MQTT 5 re-authentication (AUTH with reason Re-authenticate)
    /// with the configured [`Authenticator`]. Ends with
    /// [`Event::Reauthenticated`], or with the connection closed.
    pub fn reauthenticate(&mut self, now: I) -> Result<(), ReauthError> {
        self.do_reauthenticate(now)
    }

    // ------------------------------------------------------------------
    // Inputs
    // ------------------------------------------------------------------

    /// The transport asked for by [`TransportCommand::Open`] is open: CONNECT
    /// is queued for sending. Ignored in any other state.
    pub fn handle_connected(&mut self, now: I) {
        self.on_transport_open(now);
    }

    /// Bytes received from the transport, in any chunking. Ignored unless a
    /// transport is open (connecting or connected).
    pub fn handle_data(&mut self, now: I, data: &[u8]) {
        self.on_data(now, data);
    }

    /// Bytes received from the transport, in the adapter's own buffer: the
    /// same input as [`handle_data`](Self::handle_data) without its copy.
    /// The core adopts the buffer when it holds no partial packet, and
    /// otherwise joins it to the partial packet, copy-free when `data` comes
    /// right after it in memory, as it does when the adapter reads into one
    /// `BytesMut` and hands over each read with
    /// [`BytesMut::split`](bytes::BytesMut::split). Decoded PUBLISH topics and payloads are
    /// slices of it. Ignored unless a transport is open.
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use mqtt_sansio::client::{Client, Config, TransportCommand};
    /// use core::time::Duration;
    /// let mut c = Client::<Duration>::new(Config::default()).unwrap();
    /// let now = Duration::ZERO;
    /// c.connect(now);
    /// assert!(matches!(c.poll_transport(), Some(TransportCommand::Open { .. })));
    /// c.handle_connected(now);
    /// let mut read_buf = BytesMut::with_capacity(4096);
    /// read_buf.extend_from_slice(&[0x20, 0x02, 0x00, 0x00]); // a socket read: CONNACK
    /// c.handle_data_owned(now, read_buf.split());
    /// assert!(c.is_connected());
    /// ```
    pub fn handle_data_owned(&mut self, now: I, data: bytes::BytesMut) {
        self.on_data_owned(now, data);
    }

    /// Gives the adapter back the received bytes not decoded yet (the start
    /// of a packet whose end has not arrived; usually empty), so that it can
    /// read the rest right after them in a buffer of its own: when its read
    /// buffer runs out of room, a fresh one that starts with these bytes
    /// costs a copy of them only, where joining the next read to them would
    /// copy the whole read (see [`handle_data_owned`](Self::handle_data_owned)).
    /// The adapter must hand them back, first, with the next bytes it
    /// passes in: the core then holds nothing received.
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use mqtt_sansio::client::{Client, Config, TransportCommand};
    /// use core::time::Duration;
    /// let mut c = Client::<Duration>::new(Config::default()).unwrap();
    /// let now = Duration::ZERO;
    /// c.connect(now);
    /// assert!(matches!(c.poll_transport(), Some(TransportCommand::Open { .. })));
    /// c.handle_connected(now);
    /// let mut read_buf = BytesMut::with_capacity(4096);
    /// read_buf.extend_from_slice(&[0x20, 0x02, 0x00]); // CONNACK, short of its last byte
    /// c.handle_data_owned(now, read_buf.split());
    /// // The read buffer is low on room: start the next one with what is pending.
    /// let mut read_buf = c.take_partial();
    /// assert_eq!(&read_buf[..], &[0x20, 0x02, 0x00]);
    /// read_buf.reserve(4096);
    /// read_buf.extend_from_slice(&[0x00]); // the next socket read
    /// c.handle_data_owned(now, read_buf.split());
    /// assert!(c.is_connected());
    /// ```
    pub fn take_partial(&mut self) -> bytes::BytesMut {
        core::mem::take(&mut self.rx)
    }

    /// The transport closed, or could not be opened. Not to be called for a
    /// transport the core asked to close. A no-op when no transport is open.
    pub fn handle_closed(&mut self, now: I) {
        self.on_transport_closed(now);
    }

    /// Time passed: fires every due timer (connect timeout, keep alive, PINGRESP
    /// deadline, reconnect). A call before any deadline is a no-op.
    pub fn handle_timeout(&mut self, now: I) {
        self.on_timeout(now);
    }

    // ------------------------------------------------------------------
    // Outputs
    // ------------------------------------------------------------------

    /// Appends every pending byte to `out` and returns how many. Call after
    /// every input until it returns 0; the adapter writes all of it, in order.
    ///
    /// Publishes that waited for room in the output (see
    /// [`Config::max_queued`]) are encoded as the bytes are taken, so this
    /// may return more after returning some: bounded by the queue.
    pub fn poll_transmit(&mut self, out: &mut BytesMut) -> usize {
        if let Some(gate) = self.durable.as_deref().and_then(store::Durable::gate) {
            // Durable sessions: what follows a change not yet stored waits.
            let n = gate.min(self.tx.len());
            if n > 0 {
                out.extend_from_slice(&self.tx[..n]);
                bytes::Buf::advance(&mut self.tx, n);
                if let Some(d) = self.durable.as_deref_mut() {
                    d.advanced(n);
                }
            }
            return n;
        }
        let n = self.tx.len();
        if n > 0 {
            out.extend_from_slice(&self.tx);
            // `clear` keeps the capacity: no allocation in steady state.
            self.tx.clear();
            // Room again: move waiting publishes out, timed as of the input
            // that produced these bytes (this is called right after it).
            if let (Some(now), false) = (self.last_tx, self.queue.is_empty()) {
                self.pump(now);
            }
        }
        n
    }

    /// The next event, or `None`. Call after every input until `None`.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// The earliest deadline: call [`handle_timeout`](Self::handle_timeout)
    /// when it passes. Changes after every input; ask again after each.
    pub fn poll_timeout(&self) -> Option<I> {
        self.timers.next()
    }

    /// The next transport request, or `None`. Call after every input until
    /// `None`, after draining [`poll_transmit`](Self::poll_transmit) (a
    /// [`TransportCommand::Close`] comes after the bytes it must flush).
    pub fn poll_transport(&mut self) -> Option<TransportCommand> {
        self.transport.pop_front()
    }

    // ------------------------------------------------------------------
    // Getters
    // ------------------------------------------------------------------

    /// Whether a publish of `qos` would be taken now: sent at once or queued,
    /// rather than refused with [`PublishError::QueueFull`] (it may still be
    /// refused for what it is: its topic, size, QoS...). For an adapter that
    /// waits for room: it can keep the message until there is some, instead
    /// of handing over a copy each time it tries.
    ///
    /// ```
    /// use mqtt_sansio::client::{Client, Config, OutgoingPublish, PublishError};
    /// use mqtt_sansio::codec::QoS;
    /// use core::time::Duration;
    /// let mut c = Client::<Duration>::new(Config::default().max_queued(1)).unwrap();
    /// let now = Duration::ZERO;
    /// assert!(c.has_room_for(QoS::AtLeastOnce));
    /// c.publish(now, OutgoingPublish::new("a", "1", QoS::AtLeastOnce)).unwrap();
    /// // Not connected: that one waits in the queue, which is now full.
    /// assert!(!c.has_room_for(QoS::AtLeastOnce));
    /// let refused = c.publish(now, OutgoingPublish::new("a", "2", QoS::AtLeastOnce));
    /// assert!(matches!(refused, Err(PublishError::QueueFull { max: 1 })));
    /// ```
    pub fn has_room_for(&self, qos: QoS) -> bool {
        self.room_for(qos)
    }

    /// Where the connection stands.
    pub fn state(&self) -> State {
        self.state
    }
    /// When the scheduled reconnect attempt starts (the reconnect policy's
    /// backoff after a lost connection or a failed round of attempts);
    /// `None` unless the client is waiting to reconnect. For logs and
    /// status displays: the attempt itself is driven by
    /// [`poll_timeout`](Self::poll_timeout) as usual.
    ///
    /// ```
    /// use core::time::Duration;
    /// use mqtt_sansio::client::{Client, Config, ReconnectPolicy};
    /// let policy = ReconnectPolicy::Backoff {
    ///     min: Duration::from_secs(1),
    ///     max: Duration::from_secs(30),
    ///     jitter: false,
    /// };
    /// let mut c = Client::<Duration>::new(Config::default().reconnect(policy)).unwrap();
    /// c.connect(Duration::ZERO);
    /// assert_eq!(c.reconnect_at(), None);
    /// c.handle_closed(Duration::from_secs(5)); // the TCP connect failed
    /// assert_eq!(c.reconnect_at(), Some(Duration::from_secs(6)));
    /// ```
    pub fn reconnect_at(&self) -> Option<I> {
        match self.state {
            State::WaitingToReconnect => self.timers.at(Timer::Reconnect),
            _ => None,
        }
    }
    /// Whether CONNACK accepted the current connection.
    pub fn is_connected(&self) -> bool {
        self.state == State::Connected
    }
    /// The protocol in use (or to be used by the next attempt).
    pub fn protocol(&self) -> ProtocolVersion {
        self.protocol
    }
    /// The client identifier in use: configured, generated, or assigned by
    /// the broker (MQTT 5; empty until then).
    pub fn client_id(&self) -> &str {
        &self.client_id
    }
    /// Index of the current (or next) server.
    pub fn server(&self) -> usize {
        self.server
    }
    /// The subscription registry and its matcher.
    pub fn subscriptions(&self) -> &Subscriptions {
        &self.subs
    }
    /// Publishes accepted and not yet completed or failed (in flight + queued).
    pub fn pending_publishes(&self) -> usize {
        self.inflight.len() + self.queue.len()
    }
    /// QoS 1 and 2 publishes sent and not yet completed.
    pub fn inflight_publishes(&self) -> usize {
        self.inflight.len()
    }
    /// Publishes waiting for the window or a connection.
    pub fn queued_publishes(&self) -> usize {
        self.queue.len()
    }
    /// Subscribe / unsubscribe requests not yet acknowledged.
    pub fn pending_requests(&self) -> usize {
        self.requests_pending.len() + self.requests_inflight.len()
    }
    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.cfg
    }
    /// Packet identifiers currently in use by outbound packets.
    pub fn packet_ids_in_use(&self) -> usize {
        self.ids.in_use()
    }

    // ------------------------------------------------------------------
    // Shared internals
    // ------------------------------------------------------------------

    fn push_event(&mut self, e: Event) {
        self.mark_ended(&e);
        self.events.push_back(e);
    }

    fn is_v5(&self) -> bool {
        self.protocol.is_v5()
    }

    /// Encodes `packet` into the transmit buffer and notes the send time.
    fn send(
        &mut self,
        now: I,
        packet: &crate::codec::Packet,
    ) -> Result<usize, crate::codec::EncodeError> {
        let n = crate::codec::encode(
            packet,
            self.protocol,
            self.limits.maximum_packet_size,
            &mut self.tx,
        )?;
        #[cfg(feature = "log")]
        log::trace!(target: "mqtt::packet", "client {:?}: sent {}", &*self.client_id, brief::Brief(packet));
        self.note_sent(now);
        Ok(n)
    }

    /// Something was queued for sending at `now`: the keep-alive restarts.
    fn note_sent(&mut self, now: I) {
        self.last_tx = Some(now);
        self.rearm_keep_alive();
    }

    /// [`Self::send`] for a PUBLISH whose topic name is known valid (see
    /// `codec::encode_validated_publish`): the one scan of it was made when
    /// the message was accepted.
    fn send_validated_publish(
        &mut self,
        now: I,
        publish: &crate::codec::Publish,
    ) -> Result<usize, crate::codec::EncodeError> {
        let n = crate::codec::encode_validated_publish(
            publish,
            self.protocol,
            self.limits.maximum_packet_size,
            &mut self.tx,
        )?;
        #[cfg(feature = "log")]
        log::trace!(target: "mqtt::packet", "client {:?}: sent {}", &*self.client_id, brief::BriefPublish(publish));
        self.note_sent(now);
        Ok(n)
    }

    /// KeepAlive fires one period after the older of the last send and the
    /// last receive, so a silent broker is probed even while we publish.
    fn rearm_keep_alive(&mut self) {
        if self.state != State::Connected || self.keep_alive.is_zero() || self.ping_outstanding {
            self.timers.stop(Timer::KeepAlive);
            return;
        }
        let base = match (self.last_tx, self.last_rx) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => return,
        };
        self.timers
            .set(Timer::KeepAlive, base.saturating_add(self.keep_alive));
    }

    fn new_request_id(&mut self) -> RequestId {
        let id = RequestId(self.next_request_id);
        self.next_request_id += 1;
        id
    }
}
