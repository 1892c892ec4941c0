//! Test support: a small sans-IO MODEL BROKER and a virtual-clock `Pair`
//! that drives one `Client` against it in memory.
//!
//! The broker speaks the real wire format through the crate's codec (which
//! has its own hand-written byte vectors, `codec_vectors.rs`), but matches
//! topics with a matcher of its own (`filter_matches`), so a matching bug
//! in the crate shows up as a wrong delivery. It enforces the Receive
//! Maximum it announces and keeps sessions by client id across connections,
//! so reconnect and session tests see what a real broker would do. Its
//! behaviour is configurable (`Behaviour`) to play well-behaved and
//! misbehaving brokers (RabbitMQ's PUBACK for QoS 2, silent links,
//! refusals). Tests can also inject any packet with `Pair::broker_send`.
//!
//! The clock is a `Duration` since an origin; `Pair::advance` jumps from
//! deadline to deadline, so minutes of keepalive and backoff run in
//! microseconds and deterministically.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use mqtt_sansio::client::{Client, Config, Event, TransportCommand};
use mqtt_sansio::codec::{
    self, ByteStr, ConnAck, Disconnect, Packet, PacketId, Properties, ProtocolVersion, PubResponse,
    Publish, QoS, ReasonCode, SubAck, UnsubAck,
};

/// How the model broker behaves. Defaults: a well-behaved MQTT broker.
#[derive(Debug, Clone)]
pub struct Behaviour {
    /// CONNACK code to answer with (Success accepts).
    pub connack_code: ReasonCode,
    /// Refuse these protocol levels with "unsupported protocol version".
    pub refuse_levels: Vec<u8>,
    /// Answer CONNECT at all.
    pub answer_connect: bool,
    /// Answer PINGREQ.
    pub answer_ping: bool,
    /// Acknowledge client publishes (PUBACK / PUBREC / PUBCOMP).
    pub ack_publishes: bool,
    /// Answer QoS 2 PUBLISH with PUBACK, as RabbitMQ does.
    pub puback_for_qos2: bool,
    /// Acknowledge SUBSCRIBE / UNSUBSCRIBE.
    pub ack_requests: bool,
    /// Highest QoS granted to subscriptions.
    pub max_granted_qos: QoS,
    /// Forget every session on connect (a broker restart).
    pub forget_sessions: bool,
    /// Properties added to CONNACK (MQTT 5).
    pub connack_properties: Properties,
    /// Reason code for acknowledgements of client publishes (MQTT 5).
    pub publish_ack_reason: ReasonCode,
    /// Send deliveries of routed messages to the client (its own subscriptions).
    pub route: bool,
    /// Assign this client id when the client sends an empty one (MQTT 5).
    pub assign_client_id: Option<&'static str>,
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour {
            connack_code: ReasonCode::Success,
            refuse_levels: Vec::new(),
            answer_connect: true,
            answer_ping: true,
            ack_publishes: true,
            puback_for_qos2: false,
            ack_requests: true,
            max_granted_qos: QoS::ExactlyOnce,
            forget_sessions: false,
            connack_properties: Properties::default(),
            publish_ack_reason: ReasonCode::Success,
            route: true,
            assign_client_id: None,
        }
    }
}

/// What the broker keeps per client id.
#[derive(Debug, Clone, Default)]
pub struct Session {
    /// Filter → granted QoS (and subscription identifier).
    pub subs: BTreeMap<String, (QoS, Option<u32>)>,
    /// Inbound QoS 2 ids received (PUBREC sent), waiting for PUBREL.
    pub qos2_in: BTreeSet<u16>,
    /// Messages delivered to the client and not yet acknowledged, by broker packet id.
    pub outbound: BTreeMap<u16, Publish>,
    /// Outbound QoS 2 ids for which PUBREC arrived (PUBREL sent).
    pub outbound_released: BTreeSet<u16>,
    /// Client publish ids received and not yet fully acknowledged by us.
    pub client_ids_in_flight: BTreeSet<u16>,
    next_pid: u16,
}

/// The model broker: bytes in, bytes out, sessions by client id.
#[derive(Debug, Default)]
pub struct Broker {
    pub behaviour: Behaviour,
    pub sessions: BTreeMap<String, Session>,
    /// The current connection's client id and protocol (after CONNECT).
    pub client_id: Option<String>,
    pub version: Option<ProtocolVersion>,
    /// Every packet received from the client, on every connection, in order.
    pub received: Vec<Packet>,
    /// Every application message accepted from the client (after QoS flow).
    pub accepted: Vec<Publish>,
    /// Topic aliases the client set on this connection.
    pub aliases: BTreeMap<u16, ByteStr>,
    /// Protocol problems the broker saw in the client's packets.
    pub errors: Vec<String>,
    /// Set when the broker wants the connection closed (after DISCONNECT).
    pub closed: bool,
    /// SUBSCRIBE / UNSUBSCRIBE ids of this connection not yet acknowledged.
    pub request_ids_in_flight: BTreeSet<u16>,
    /// Client QoS 1/2 publish ids received on this connection and not yet
    /// acknowledged (PUBACK, PUBCOMP, or PUBREC with an error).
    pub unacked_on_connection: BTreeSet<u16>,
    /// The Receive Maximum in this connection's CONNACK (65,535 if none).
    pub announced_receive_max: u16,
    /// Successful CONNACKs sent without Session Present (a new session), on
    /// every connection: more than the client saw means one was lost in a
    /// cut, and the client cannot know its session was replaced.
    pub new_sessions: usize,
    rx: BytesMut,
    out: BytesMut,
    connected: bool,
}

impl Broker {
    pub fn new(behaviour: Behaviour) -> Self {
        Broker {
            behaviour,
            ..Default::default()
        }
    }

    /// A new transport: forget per-connection state, keep sessions.
    pub fn accept(&mut self) {
        self.rx.clear();
        self.out.clear();
        self.client_id = None;
        self.version = None;
        self.aliases.clear();
        self.connected = false;
        self.closed = false;
        self.request_ids_in_flight.clear();
        self.unacked_on_connection.clear();
    }

    /// Records a packet id the client starts using; a new packet must not
    /// reuse an id still in flight [MQTT-2.2.1-3].
    fn claim_client_id(&mut self, id: PacketId, what: &str, resend: bool) {
        let v = id.get();
        let in_pub = self.session().client_ids_in_flight.contains(&v);
        let in_req = self.request_ids_in_flight.contains(&v);
        if !resend && (in_pub || in_req) {
            self.errors
                .push(format!("{what} reused packet id {v} while in flight"));
        }
    }

    /// A QoS 1 or 2 PUBLISH `id` arrived on this connection (new or resent).
    /// An MQTT 5 client may have at most our Receive Maximum of them
    /// unacknowledged on a connection [MQTT-3.3.4-7]; resends after a
    /// reconnect count too (§4.9: the quota starts again at Receive Maximum).
    fn check_receive_maximum(&mut self, id: u16) {
        if !self.v5() || !self.unacked_on_connection.insert(id) {
            return;
        }
        let max = self.announced_receive_max;
        let unacked = self.unacked_on_connection.len();
        if unacked > usize::from(max) {
            self.errors.push(format!(
                "Receive Maximum {max} exceeded: {unacked} unacknowledged QoS>0 PUBLISH"
            ));
        }
    }

    /// Bytes from the client.
    pub fn handle_data(&mut self, data: &[u8]) {
        self.rx.extend_from_slice(data);
        loop {
            let version = self.version.unwrap_or(ProtocolVersion::V3_1_1);
            match codec::decode(&mut self.rx, version, usize::MAX >> 1) {
                Ok(Some(p)) => self.on_packet(p),
                Ok(None) => break,
                Err(e) => {
                    self.errors.push(format!("decode: {e:?}"));
                    self.closed = true;
                    break;
                }
            }
        }
    }

    /// Bytes for the client.
    pub fn take_output(&mut self) -> BytesMut {
        std::mem::take(&mut self.out)
    }

    /// Sends any packet to the client (for misbehaviour tests).
    pub fn send(&mut self, p: &Packet) {
        // An acknowledgement that ends a client publish, injected by a test
        // or sent by the broker, frees its id and its Receive Maximum slot.
        let done = match p {
            Packet::PubAck(r) | Packet::PubComp(r) => Some(r.packet_id),
            Packet::PubRec(r) if r.reason.is_error() => Some(r.packet_id),
            _ => None,
        };
        if let (Some(id), Some(_)) = (done, &self.client_id) {
            self.session().client_ids_in_flight.remove(&id.get());
            self.unacked_on_connection.remove(&id.get());
        }
        let v = self.version.unwrap_or(ProtocolVersion::V3_1_1);
        codec::encode(p, v, usize::MAX >> 1, &mut self.out).expect("model broker packet encodes");
    }

    fn session(&mut self) -> &mut Session {
        let id = self.client_id.clone().unwrap_or_default();
        self.sessions.entry(id).or_default()
    }

    fn v5(&self) -> bool {
        self.version == Some(ProtocolVersion::V5)
    }

    fn on_packet(&mut self, p: Packet) {
        self.received.push(p.clone());
        match p {
            Packet::Connect(c) => {
                if self.connected {
                    self.errors.push("second CONNECT".into());
                    self.closed = true;
                    return;
                }
                self.version = Some(c.protocol);
                if !self.behaviour.answer_connect {
                    return;
                }
                if self.behaviour.refuse_levels.contains(&c.protocol.level()) {
                    // 3.x return code 1 = unacceptable protocol version.
                    self.send(&Packet::ConnAck(ConnAck {
                        session_present: false,
                        code: ReasonCode::UnsupportedProtocolVersion,
                        properties: Properties::default(),
                    }));
                    self.closed = true;
                    return;
                }
                if self.behaviour.connack_code != ReasonCode::Success {
                    self.send(&Packet::ConnAck(ConnAck {
                        session_present: false,
                        code: self.behaviour.connack_code,
                        properties: Properties::default(),
                    }));
                    self.closed = true;
                    return;
                }
                let mut id = c.client_id.to_string();
                let mut props = self.behaviour.connack_properties.clone();
                if id.is_empty() {
                    if let Some(a) = self.behaviour.assign_client_id {
                        id = a.to_string();
                        props.assigned_client_identifier = Some(ByteStr::from(id.clone()));
                    }
                }
                if self.behaviour.forget_sessions || c.clean_start {
                    self.sessions.remove(&id);
                }
                let present = self.sessions.contains_key(&id);
                self.client_id = Some(id);
                self.session();
                self.connected = true;
                self.announced_receive_max = props.receive_maximum.unwrap_or(u16::MAX);
                if !present {
                    self.new_sessions += 1;
                }
                self.send(&Packet::ConnAck(ConnAck {
                    session_present: present,
                    code: ReasonCode::Success,
                    properties: props,
                }));
                if present {
                    self.resend_session();
                }
            }
            Packet::Publish(mut p) => {
                if let Some(a) = p.properties.topic_alias {
                    if p.topic.is_empty() {
                        match self.aliases.get(&a) {
                            Some(t) => p.topic = t.clone(),
                            None => self.errors.push(format!("unknown alias {a}")),
                        }
                    } else {
                        self.aliases.insert(a, p.topic.clone());
                    }
                    p.properties.topic_alias = None;
                }
                let reason = self.behaviour.publish_ack_reason;
                if let Some(id) = p.packet_id {
                    self.claim_client_id(id, "PUBLISH", p.dup);
                    self.session().client_ids_in_flight.insert(id.get());
                    self.check_receive_maximum(id.get());
                }
                match (p.qos, p.packet_id) {
                    (QoS::AtMostOnce, _) => self.accept_message(p),
                    (QoS::AtLeastOnce, Some(pid)) => {
                        self.accept_message(p);
                        if self.behaviour.ack_publishes {
                            self.session().client_ids_in_flight.remove(&pid.get());
                            self.send(&Packet::PubAck(resp(pid, reason)));
                        }
                    }
                    (QoS::ExactlyOnce, Some(pid)) => {
                        if self.behaviour.puback_for_qos2 {
                            self.accept_message(p);
                            self.send(&Packet::PubAck(resp(pid, ReasonCode::Success)));
                            return;
                        }
                        let fresh = self.session().qos2_in.insert(pid.get());
                        if fresh && !reason.is_error() {
                            self.accept_message(p);
                        }
                        if reason.is_error() {
                            self.session().qos2_in.remove(&pid.get());
                            self.session().client_ids_in_flight.remove(&pid.get());
                        }
                        if self.behaviour.ack_publishes {
                            self.send(&Packet::PubRec(resp(pid, reason)));
                        }
                    }
                    _ => self.errors.push("QoS>0 without packet id".into()),
                }
            }
            Packet::PubRel(r) => {
                self.session().qos2_in.remove(&r.packet_id.get());
                if self.behaviour.ack_publishes {
                    self.session()
                        .client_ids_in_flight
                        .remove(&r.packet_id.get());
                    self.send(&Packet::PubComp(resp(r.packet_id, ReasonCode::Success)));
                }
            }
            Packet::PubAck(r) => {
                if self.session().outbound.remove(&r.packet_id.get()).is_none() {
                    self.errors
                        .push(format!("PUBACK for unknown {}", r.packet_id));
                }
            }
            Packet::PubRec(r) => {
                // Only for deliveries this broker made (tests also inject
                // publishes the broker does not track).
                // A PUBREC names a QoS 2 delivery; one whose id now belongs to
                // a QoS 1 delivery is ignored, as Mosquitto does. (It happens
                // when the broker replaced the session while the CONNACK that
                // said so was lost: the client cannot tell, and acks a QoS 2
                // message of the old session whose id was reused.)
                let s = self.session();
                let pid = r.packet_id.get();
                let is_qos2 = s
                    .outbound
                    .get(&pid)
                    .is_some_and(|p| p.qos == QoS::ExactlyOnce);
                if (is_qos2 && s.outbound.remove(&pid).is_some())
                    || s.outbound_released.contains(&pid)
                {
                    s.outbound_released.insert(r.packet_id.get());
                    self.send(&Packet::PubRel(resp(r.packet_id, ReasonCode::Success)));
                }
            }
            Packet::PubComp(r) => {
                self.session().outbound_released.remove(&r.packet_id.get());
            }
            Packet::Subscribe(s) => {
                self.claim_client_id(s.packet_id, "SUBSCRIBE", false);
                self.request_ids_in_flight.insert(s.packet_id.get());
                let max = self.behaviour.max_granted_qos;
                let id = s.properties.subscription_identifiers.first().copied();
                let mut codes = Vec::new();
                for f in &s.filters {
                    let q = f.options.qos.min(max);
                    self.session().subs.insert(f.filter.to_string(), (q, id));
                    codes.push(granted(q));
                }
                if self.behaviour.ack_requests {
                    self.request_ids_in_flight.remove(&s.packet_id.get());
                    self.send(&Packet::SubAck(SubAck {
                        packet_id: s.packet_id,
                        codes,
                        properties: Properties::default(),
                    }));
                }
            }
            Packet::Unsubscribe(u) => {
                self.claim_client_id(u.packet_id, "UNSUBSCRIBE", false);
                self.request_ids_in_flight.insert(u.packet_id.get());
                let mut codes = Vec::new();
                for f in &u.filters {
                    let existed = self.session().subs.remove(f.as_str()).is_some();
                    codes.push(if existed {
                        ReasonCode::Success
                    } else {
                        ReasonCode::NoSubscriptionExisted
                    });
                }
                if !self.v5() {
                    codes.clear();
                }
                if self.behaviour.ack_requests {
                    self.request_ids_in_flight.remove(&u.packet_id.get());
                    self.send(&Packet::UnsubAck(UnsubAck {
                        packet_id: u.packet_id,
                        codes,
                        properties: Properties::default(),
                    }));
                }
            }
            Packet::PingReq => {
                if self.behaviour.answer_ping {
                    self.send(&Packet::PingResp);
                }
            }
            Packet::Disconnect(_) => {
                self.closed = true;
                self.connected = false;
            }
            Packet::Auth(_) => {}
            other => self
                .errors
                .push(format!("unexpected from client: {other:?}")),
        }
    }

    /// Routes an accepted message to the client's own matching subscriptions.
    fn accept_message(&mut self, p: Publish) {
        self.accepted.push(p.clone());
        if !self.behaviour.route {
            return;
        }
        let matching: Vec<(QoS, Option<u32>)> = self
            .session()
            .subs
            .iter()
            .filter(|(f, _)| filter_matches(f, &p.topic))
            .map(|(_, v)| *v)
            .collect();
        if matching.is_empty() {
            return;
        }
        // One copy per client at the highest granted QoS, with every identifier.
        let qos = matching
            .iter()
            .map(|m| m.0)
            .max()
            .unwrap_or(QoS::AtMostOnce)
            .min(p.qos);
        let ids: Vec<u32> = matching.iter().filter_map(|m| m.1).collect();
        let mut props = p.properties.clone();
        if self.v5() {
            props.subscription_identifiers = ids;
        }
        self.deliver(p.topic.clone(), p.payload.clone(), qos, props);
    }

    /// Sends an application message to the client with the next broker id.
    pub fn deliver(
        &mut self,
        topic: ByteStr,
        payload: Bytes,
        qos: QoS,
        properties: Properties,
    ) -> Option<PacketId> {
        let pid = if qos == QoS::AtMostOnce {
            None
        } else {
            let s = self.session();
            loop {
                s.next_pid = s.next_pid.wrapping_add(1);
                if s.next_pid != 0 && !s.outbound.contains_key(&s.next_pid) {
                    break;
                }
            }
            PacketId::new(s.next_pid)
        };
        let publish = Publish {
            dup: false,
            qos,
            retain: false,
            topic,
            packet_id: pid,
            properties,
            payload,
        };
        if let Some(id) = pid {
            self.session().outbound.insert(id.get(), publish.clone());
        }
        if self.connected {
            self.send(&Packet::Publish(publish));
        }
        pid
    }

    /// On a kept session: resend unacknowledged deliveries with DUP and PUBRELs.
    fn resend_session(&mut self) {
        let s = self.session().clone();
        for (_, mut p) in s.outbound {
            p.dup = true;
            self.send(&Packet::Publish(p));
        }
        for id in s.outbound_released {
            if let Some(pid) = PacketId::new(id) {
                self.send(&Packet::PubRel(resp(pid, ReasonCode::Success)));
            }
        }
    }

    /// Packets of one kind received from the client.
    pub fn received_of<T>(&self, f: impl Fn(&Packet) -> Option<T>) -> Vec<T> {
        self.received.iter().filter_map(f).collect()
    }
}

/// The broker's own topic matcher, written from §4.7 and §4.8.2 without the
/// crate's `topic` module, so that a matching bug there shows up as a
/// missing or extra delivery in the client tests rather than being agreed
/// with. A shared filter `$share/{group}/{filter}` matches what `filter`
/// matches.
pub fn filter_matches(filter: &str, topic: &str) -> bool {
    let filter = match filter.strip_prefix("$share/") {
        Some(rest) => match rest.split_once('/') {
            Some((_group, inner)) => inner,
            None => return false,
        },
        None => filter,
    };
    // [MQTT-4.7.2-1]: a filter starting with a wildcard does not match a
    // topic name starting with `$`.
    if topic.starts_with('$') && (filter.starts_with('+') || filter.starts_with('#')) {
        return false;
    }
    fn levels(f: &[&str], t: &[&str]) -> bool {
        match (f.split_first(), t.split_first()) {
            // `#` matches the parent level and any number of child levels.
            (Some((&"#", [])), _) => true,
            (Some((&"+", f)), Some((_, t))) => levels(f, t),
            (Some((a, f)), Some((b, t))) => a == b && levels(f, t),
            (None, None) => true,
            _ => false,
        }
    }
    let f: Vec<&str> = filter.split('/').collect();
    let t: Vec<&str> = topic.split('/').collect();
    levels(&f, &t)
}

pub fn resp(packet_id: PacketId, reason: ReasonCode) -> PubResponse {
    PubResponse {
        packet_id,
        reason,
        properties: Properties::default(),
    }
}

pub fn granted(q: QoS) -> ReasonCode {
    match q {
        QoS::AtMostOnce => ReasonCode::Success,
        QoS::AtLeastOnce => ReasonCode::GrantedQoS1,
        QoS::ExactlyOnce => ReasonCode::GrantedQoS2,
    }
}

pub fn pid(n: u16) -> PacketId {
    PacketId::new(n).expect("non-zero packet id")
}

/// One client, one model broker, a virtual clock and the pipe between them.
pub struct Pair {
    pub client: Client<Duration>,
    pub broker: Broker,
    pub now: Duration,
    /// Every event the client produced, in order.
    pub events: Vec<Event>,
    /// Servers the client asked to open, in order.
    pub opened: Vec<usize>,
    /// When each of those was asked for.
    pub opened_at: Vec<Duration>,
    /// Servers whose transport fails to open.
    pub unreachable: BTreeSet<usize>,
    /// Whether a transport is open.
    pub open: bool,
    /// Bytes the client wrote, on every connection.
    pub client_bytes: usize,
    /// Cut the connection once the client has written this many bytes in total.
    pub cut_client_at: Option<usize>,
    /// Bytes the broker wrote to the client, on every connection.
    pub broker_bytes: usize,
    /// Cut the connection once the broker has written this many bytes in total.
    pub cut_broker_at: Option<usize>,
    /// Pending transport open (opened on the next `drive`).
    pending_open: Option<usize>,
    out: BytesMut,
}

impl Pair {
    pub fn new(config: Config, behaviour: Behaviour) -> Self {
        Pair {
            client: Client::new(config).expect("valid config"),
            broker: Broker::new(behaviour),
            now: Duration::ZERO,
            events: Vec::new(),
            opened: Vec::new(),
            opened_at: Vec::new(),
            unreachable: BTreeSet::new(),
            open: false,
            client_bytes: 0,
            cut_client_at: None,
            broker_bytes: 0,
            cut_broker_at: None,
            pending_open: None,
            out: BytesMut::new(),
        }
    }

    /// A default-configured 3.1.1 client, connected.
    pub fn connected(config: Config, behaviour: Behaviour) -> Self {
        let mut p = Pair::new(config, behaviour);
        p.connect();
        p
    }

    /// `connect` and drive until quiet; asserts the client connected.
    pub fn connect(&mut self) {
        self.client.connect(self.now);
        self.drive();
        assert!(
            self.client.is_connected(),
            "client did not connect: {:?}",
            self.events
        );
    }

    /// Moves everything between client and broker until nothing moves,
    /// at the current time. Drains every client output after every input.
    pub fn drive(&mut self) {
        for _ in 0..10_000 {
            let mut progress = false;
            while let Some(e) = self.client.poll_event() {
                self.events.push(e);
                progress = true;
            }
            self.out.clear();
            if self.client.poll_transmit(&mut self.out) > 0 {
                progress = true;
                if self.open {
                    let mut data = std::mem::take(&mut self.out);
                    if let Some(cut) = self.cut_client_at {
                        let room = cut.saturating_sub(self.client_bytes);
                        if data.len() > room {
                            data.truncate(room);
                            self.client_bytes += data.len();
                            self.broker.handle_data(&data);
                            self.out = data;
                            self.cut_client_at = None;
                            self.drop_connection();
                            continue;
                        }
                    }
                    self.client_bytes += data.len();
                    self.broker.handle_data(&data);
                    self.out = data;
                }
            }
            while let Some(cmd) = self.client.poll_transport() {
                progress = true;
                match cmd {
                    TransportCommand::Open { server } => {
                        self.opened.push(server);
                        self.opened_at.push(self.now);
                        self.pending_open = Some(server);
                    }
                    TransportCommand::Close { .. } => {
                        self.open = false;
                        self.broker.accept();
                    }
                    _ => unreachable!("unknown transport command"),
                }
            }
            if let Some(server) = self.pending_open.take() {
                if self.unreachable.contains(&server) {
                    self.client.handle_closed(self.now);
                } else {
                    self.open = true;
                    self.broker.accept();
                    self.client.handle_connected(self.now);
                }
                continue;
            }
            if self.open {
                let data = self.broker.take_output();
                if !data.is_empty() {
                    if let Some(cut) = self.cut_broker_at {
                        let room = cut.saturating_sub(self.broker_bytes);
                        if data.len() > room {
                            self.broker_bytes += room;
                            self.client.handle_data(self.now, &data[..room]);
                            self.cut_broker_at = None;
                            self.drop_connection();
                            continue;
                        }
                    }
                    self.broker_bytes += data.len();
                    self.client.handle_data(self.now, &data);
                    // Drain the client's outputs (a Close among them) first.
                    continue;
                }
                if self.broker.closed && self.open {
                    self.drop_connection();
                    progress = true;
                }
            }
            if !progress {
                return;
            }
        }
        panic!("pair did not settle (livelock)");
    }

    /// The transport breaks (the broker side closes).
    pub fn drop_connection(&mut self) {
        if self.open {
            self.open = false;
            self.broker.accept();
            self.client.handle_closed(self.now);
        }
    }

    /// Jumps the clock to the client's next deadline (if any, and not beyond
    /// `limit`), fires it and drives. Returns whether a deadline fired.
    pub fn step(&mut self, limit: Duration) -> bool {
        match self.client.poll_timeout() {
            Some(t) if t <= limit => {
                self.now = self.now.max(t);
                self.client.handle_timeout(self.now);
                self.drive();
                true
            }
            _ => false,
        }
    }

    /// Advances the clock by `d`, firing every deadline on the way.
    pub fn advance(&mut self, d: Duration) {
        let end = self.now + d;
        let mut guard = 0;
        while self.step(end) {
            guard += 1;
            assert!(guard < 100_000, "deadline loop");
        }
        self.now = end;
        self.client.handle_timeout(self.now);
        self.drive();
    }

    /// Events since the last call.
    pub fn take_events(&mut self) -> Vec<Event> {
        self.drive();
        std::mem::take(&mut self.events)
    }

    /// The broker injects a packet and the pair settles.
    pub fn broker_send(&mut self, p: &Packet) {
        self.broker.send(p);
        self.drive();
    }

    /// The broker injects raw bytes.
    pub fn broker_send_raw(&mut self, bytes: &[u8]) {
        self.client.handle_data(self.now, bytes);
        self.drive();
    }

    /// Packets the client sent on every connection.
    pub fn sent(&self) -> &[Packet] {
        &self.broker.received
    }

    pub fn server_disconnect(&mut self, reason: ReasonCode) {
        self.broker_send(&Packet::Disconnect(Disconnect {
            reason,
            properties: Properties::default(),
        }));
    }
}

/// Config shorthand: 3.1.1, fixed id, keepalive 60 s.
pub fn config() -> Config {
    Config::default().client_id("test-client")
}

/// Config shorthand for MQTT 5.
pub fn config_v5() -> Config {
    Config::default()
        .client_id("test-client")
        .protocol(ProtocolVersion::V5)
}

/// The subscribe filter shorthand.
pub fn filter(f: &'static str, qos: QoS) -> codec::SubscribeFilter {
    codec::SubscribeFilter {
        filter: ByteStr::from_static(f),
        options: codec::SubscriptionOptions::new(qos),
    }
}

pub fn msg(
    topic: &'static str,
    payload: &'static [u8],
    qos: QoS,
) -> mqtt_sansio::client::OutgoingPublish {
    mqtt_sansio::client::OutgoingPublish::new(topic, Bytes::from_static(payload), qos)
}
