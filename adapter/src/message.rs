//! Messages in and out: [`Message`] (received) and [`Publish`] (to send).

use bytes::Bytes;
use mqtt_sansio::client::{AckToken, OutgoingPublish};
use mqtt_sansio::codec::{ByteStr, PacketId, Properties};
use mqtt_sansio::QoS;
use std::sync::Arc;

/// Sends a message's acknowledgement through the client it arrived on: the
/// adapter's hook, given to [`Dispatch::set_acker`](crate::dispatch::Dispatch::set_acker).
pub trait Acker: Send + Sync {
    /// Acknowledges the message of `token` (PUBACK for QoS 1, PUBREC for QoS 2).
    fn ack(&self, token: AckToken) -> Result<(), crate::Error>;
}

/// How a received message is acknowledged: through which client, and whether
/// the application does it ([`Options::manual_acks`](crate::Options::manual_acks)).
///
/// Two pointers: a message is moved several times on its way to the
/// application, and at 128 bytes or less a move is a few register copies
/// rather than a call to `memcpy`.
#[derive(Clone, Default)]
pub(crate) struct AckLink {
    /// `None`: nothing acknowledges it (no client behind it).
    pub(crate) how: Option<Arc<AckHow>>,
    /// Automatic acks: the acknowledgement waits until every holder let go.
    pub(crate) pending: Option<Arc<PendingAck>>,
}

/// Through which client, and whether the application acknowledges.
pub(crate) struct AckHow {
    pub(crate) acker: Arc<dyn Acker>,
    pub(crate) manual: bool,
}

impl AckLink {
    /// Acknowledged by the application ([`Options::manual_acks`](crate::Options::manual_acks)).
    pub(crate) fn manual(&self) -> bool {
        self.how.as_ref().is_some_and(|h| h.manual)
    }
}

/// An automatic acknowledgement waiting for everyone who got the message:
/// the dispatcher (until every handler returned) and every stream it entered
/// (until the application took it from there). Sent when the last one lets
/// go, unless a handler panicked.
pub(crate) struct PendingAck {
    token: AckToken,
    order: Arc<AckOrder>,
    seq: u64,
    holders: std::sync::atomic::AtomicUsize,
    poisoned: std::sync::atomic::AtomicBool,
}

/// Automatic acknowledgements go out in the order their messages arrived on
/// each connection `[MQTT-4.6.0-2]`, whenever each is released: one released
/// early waits for those before it. (Connections do not wait for each
/// other: a token of a connection that is gone is refused by the core, and
/// the broker resends that message.)
pub(crate) struct AckOrder {
    acker: Arc<dyn Acker>,
    state: std::sync::Mutex<OrderState>,
}

/// One connection's acknowledgements not yet sent, in arrival order: a
/// sequence number and, once released, `Some(token)` to send or `Some(None)`
/// to skip (a handler panicked).
type Waiting = std::collections::VecDeque<(u64, Option<Option<AckToken>>)>;

#[derive(Default)]
struct OrderState {
    next_seq: u64,
    /// Per connection.
    waiting: std::collections::BTreeMap<u64, Waiting>,
}

impl AckOrder {
    pub(crate) fn new(acker: Arc<dyn Acker>) -> Arc<AckOrder> {
        Arc::new(AckOrder {
            acker,
            state: Default::default(),
        })
    }

    fn issue(&self, connection: u64) -> u64 {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let seq = s.next_seq;
        s.next_seq += 1;
        s.waiting
            .entry(connection)
            .or_default()
            .push_back((seq, None));
        seq
    }

    fn release(&self, connection: u64, seq: u64, ack: Option<AckToken>) {
        // Sent under the lock, so that two releases cannot reorder them.
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let Some(q) = s.waiting.get_mut(&connection) else {
            return;
        };
        if let Some(e) = q.iter_mut().find(|(n, _)| *n == seq) {
            e.1 = Some(ack);
        }
        while let Some((_, Some(_))) = q.front() {
            if let Some((_, Some(Some(token)))) = q.pop_front() {
                // A stale token (the connection is gone) is refused by the
                // core: the broker resends that message anyway.
                let _ = self.acker.ack(token);
            }
        }
        if q.is_empty() {
            s.waiting.remove(&connection);
        }
    }
}

impl PendingAck {
    /// Held once, by the dispatcher; takes its place in `order`.
    pub(crate) fn new(token: AckToken, order: &Arc<AckOrder>) -> Arc<PendingAck> {
        Arc::new(PendingAck {
            token,
            seq: order.issue(token.connection()),
            order: order.clone(),
            holders: std::sync::atomic::AtomicUsize::new(1),
            poisoned: std::sync::atomic::AtomicBool::new(false),
        })
    }
    pub(crate) fn hold(&self) {
        self.holders
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }
    /// A handler panicked: never acknowledge (a persistent session redelivers).
    pub(crate) fn poison(&self) {
        self.poisoned
            .store(true, std::sync::atomic::Ordering::Release);
    }
    pub(crate) fn release(&self) {
        let before = self
            .holders
            .fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
        if before == 1 {
            let poisoned = self.poisoned.load(std::sync::atomic::Ordering::Acquire);
            self.order.release(
                self.token.connection(),
                self.seq,
                (!poisoned).then_some(self.token),
            );
        }
    }
}

impl std::fmt::Debug for AckLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AckLink")
            .field("manual", &self.manual())
            .finish_non_exhaustive()
    }
}

/// Two messages are equal by their content, whoever acknowledges them.
impl PartialEq for AckLink {
    fn eq(&self, _: &AckLink) -> bool {
        true
    }
}
impl Eq for AckLink {}

/// A message received from the broker.
///
/// Cloning is cheap: the topic and payload are reference-counted slices of the
/// receive buffer, never copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub(crate) topic: ByteStr,
    pub(crate) payload: Bytes,
    pub(crate) qos: QoS,
    pub(crate) retain: bool,
    pub(crate) dup: bool,
    pub(crate) packet_id: Option<PacketId>,
    pub(crate) properties: Properties,
    pub(crate) ack: Option<AckToken>,
    pub(crate) link: AckLink,
}

impl Message {
    /// Builds a message from a decoded PUBLISH and its manual-ack token (what
    /// an adapter does with the core's `Event::Message`).
    ///
    /// The core has already resolved a Topic Alias into the topic; the alias
    /// itself is dropped from the properties. It named the topic on the
    /// broker's connection only, and a client may not send it back: properties
    /// republished as they came would be refused (tested in
    /// `tests/topic_alias.rs`).
    pub(crate) fn from_publish(p: mqtt_sansio::codec::Publish, ack: Option<AckToken>) -> Message {
        let mut properties = p.properties;
        // Only when there is one: writing through `Properties` allocates its
        // values, and a message without properties (every MQTT 3.1.1 one)
        // must cost no allocation, nor one on every clone.
        if properties.topic_alias.is_some() {
            properties.topic_alias = None;
        }
        Message {
            topic: p.topic,
            payload: p.payload,
            qos: p.qos,
            retain: p.retain,
            dup: p.dup,
            packet_id: p.packet_id,
            properties,
            ack,
            link: AckLink::default(),
        }
    }

    /// The topic name it was published to (topic aliases already resolved).
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// The topic as the zero-copy string the decoder produced.
    pub fn topic_bytes(&self) -> &ByteStr {
        &self.topic
    }

    /// The application payload.
    pub fn payload(&self) -> &Bytes {
        &self.payload
    }

    /// The payload as UTF-8 text, or `None` when it is not valid UTF-8.
    pub fn payload_str(&self) -> Option<&str> {
        core::str::from_utf8(&self.payload).ok()
    }

    /// The QoS it was delivered with (at most the granted QoS of the subscription).
    pub fn qos(&self) -> QoS {
        self.qos
    }

    /// The RETAIN flag: set on a retained message the broker sends on
    /// subscribe (or, for MQTT 5 "retain as published" subscriptions, the flag
    /// of the original publish).
    pub fn retain(&self) -> bool {
        self.retain
    }

    /// Whether the broker flagged it as a possible re-delivery (DUP).
    pub fn dup(&self) -> bool {
        self.dup
    }

    /// The packet identifier of the PUBLISH that carried it (QoS 1 and 2;
    /// `None` at QoS 0). For logs and diagnostics (mosquitto_sub's `%m`): it
    /// names the delivery on one connection only, and the broker reuses it
    /// once the delivery is acknowledged, so it identifies no message.
    pub fn packet_id(&self) -> Option<PacketId> {
        self.packet_id
    }

    /// MQTT 5 properties (user properties, content type, response topic,
    /// correlation data, subscription identifiers, ...). Empty before MQTT 5.
    /// Never a Topic Alias: the alias is resolved into [`topic`](Self::topic).
    pub fn properties(&self) -> &Properties {
        &self.properties
    }

    /// Whether this message waits for the application's acknowledgement
    /// ([`ack`](Message::ack) or `Client::ack`): QoS 1 and 2 messages with
    /// [`Options::manual_acks`](crate::Options::manual_acks). With automatic
    /// acks the client acknowledges after the handlers returned.
    pub fn needs_ack(&self) -> bool {
        self.ack.is_some() && self.link.manual()
    }

    /// The core's token to acknowledge this message with (manual acks only).
    pub fn ack_token(&self) -> Option<AckToken> {
        self.ack.filter(|_| self.link.manual())
    }

    /// Acknowledges this message (manual acks): PUBACK for QoS 1, PUBREC for
    /// QoS 2, through the client it arrived on. Callable from the handler it
    /// was given to — no client handle needed. A message that needs no
    /// acknowledgement ([`needs_ack`](Message::needs_ack) is false) is
    /// accepted as a no-op.
    ///
    /// Fails with [`Error::Ack`](crate::Error::Ack) when the connection it
    /// arrived on is gone (QoS 1: the broker sends it again) and with
    /// [`Error::Closed`](crate::Error::Closed) when the client is gone.
    pub fn ack(&self) -> Result<(), crate::Error> {
        match (self.ack_token(), &self.link.how) {
            (Some(token), Some(how)) => how.acker.ack(token),
            (Some(_), None) => Err(crate::Error::Closed),
            (None, _) => Ok(()),
        }
    }
}

/// A message to publish, with its options. Built with [`Publish::new`].
///
/// Defaults follow Machine Head: QoS 1 ("at least once"), retain off, no properties.
///
/// ```
/// use mqtt_std::{Publish, QoS}; // or mqtt_smol::{...}
/// let p = Publish::new("sensors/temp", "21.5").qos(QoS::AtMostOnce).retain(true);
/// assert_eq!(p.topic(), "sensors/temp");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "a Publish does nothing until given to Client::publish_with"]
pub struct Publish {
    pub(crate) topic: ByteStr,
    pub(crate) payload: Bytes,
    pub(crate) qos: QoS,
    pub(crate) retain: bool,
    pub(crate) properties: Properties,
}

impl Publish {
    /// A message for `topic` with `payload`, QoS 1, not retained.
    pub fn new(topic: impl Into<Topic>, payload: impl Into<Bytes>) -> Publish {
        Publish {
            topic: topic.into().0,
            payload: payload.into(),
            qos: QoS::AtLeastOnce,
            retain: false,
            properties: Properties::default(),
        }
    }

    /// Sets the QoS (default: [`QoS::AtLeastOnce`]).
    pub fn qos(mut self, qos: QoS) -> Publish {
        self.qos = qos;
        self
    }

    /// Sets the retain flag (default: `false`).
    pub fn retain(mut self, retain: bool) -> Publish {
        self.retain = retain;
        self
    }

    /// Sets MQTT 5 properties (message expiry, content type, response topic,
    /// correlation data, user properties). On an MQTT 3.x connection a publish
    /// with properties is refused with [`Error::Publish`](crate::Error::Publish).
    pub fn properties(mut self, properties: Properties) -> Publish {
        self.properties = properties;
        self
    }

    /// Adds an MQTT 5 user property; `name` and `value` may be any `&str`
    /// (copied) or `String` (moved).
    ///
    /// ```
    /// use mqtt_std::Publish;
    /// let unit = String::from("celsius");
    /// let p = Publish::new("sensors/temp", "21.5").user_property("unit", unit.as_str());
    /// assert_eq!(p.properties_ref().user_properties[0].1, "celsius");
    /// ```
    pub fn user_property(mut self, name: impl Into<ByteStr>, value: impl Into<ByteStr>) -> Publish {
        self.properties
            .user_properties
            .push((name.into(), value.into()));
        self
    }

    /// The topic.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// The MQTT 5 properties set so far.
    pub fn properties_ref(&self) -> &Properties {
        &self.properties
    }

    /// The core's form of this message (what `Client::publish_with` hands to
    /// the core).
    pub(crate) fn into_outgoing(self) -> OutgoingPublish {
        OutgoingPublish::new(self.topic, self.payload, self.qos)
            .retain(self.retain)
            .properties(self.properties)
    }
}

/// A topic name or filter given by the caller: a `&str` (copied once), a
/// `String` (moved, not copied), a `&String`, or a [`ByteStr`] (shared).
///
/// ```
/// use mqtt_std::Topic;
/// let t: Topic = "a/b".into();
/// assert_eq!(t.as_str(), "a/b");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topic(pub(crate) ByteStr);

impl Topic {
    /// The topic text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The topic as the core takes it.
    pub fn into_inner(self) -> ByteStr {
        self.0
    }
}

impl From<&str> for Topic {
    fn from(s: &str) -> Self {
        Topic(ByteStr::from(s.to_owned()))
    }
}
impl From<String> for Topic {
    fn from(s: String) -> Self {
        Topic(ByteStr::from(s))
    }
}
impl From<&String> for Topic {
    fn from(s: &String) -> Self {
        Topic(ByteStr::from(s))
    }
}
impl From<ByteStr> for Topic {
    fn from(s: ByteStr) -> Self {
        Topic(s)
    }
}
