//! Target `client`: the client core driven by arbitrary commands, broker bytes
//! (well-formed packets that follow the client's own packet ids, and raw
//! garbage, in arbitrary chunks), transport events and time steps.
//!
//! Checked after every input, with every output drained:
//! - nothing panics;
//! - every byte the client transmits decodes as whole, valid packets;
//! - every accepted publish ends at most once (complete or failed), and at any
//!   time accepted = ended + [`Client::pending_publishes`]: nothing is lost;
//! - the in-flight window stays within its bound, and the pending publishes
//!   within queue + window;
//! - a snapshot restores to a client with the same pending publishes.

use super::source::{
    Source, AUTH_CODES, DISCONNECT_CODES, PUBACK_PUBREC_CODES, PUBREL_PUBCOMP_CODES, SUBACK_CODES,
    SUBACK_V3_1_1_CODES, SUBACK_V3_1_CODES, UNSUBACK_CODES,
};
use super::MAX_PACKET;
use crate::client::{
    AckToken, AuthFailure, Authenticator, Client, Config, DisconnectOptions, Event,
    OutgoingPublish, PublishId, ReconnectPolicy, SessionLostPolicy, TransportCommand,
};
use crate::codec::{
    decode, encode, ByteStr, ConnAck, Packet, PacketId, Properties, PubResponse, Publish,
    ReasonCode, SubAck, SubscribeFilter, SubscriptionOptions, UnsubAck,
};
use crate::{ProtocolVersion, QoS};
use alloc::boxed::Box;
use alloc::collections::BTreeSet;
use alloc::vec::Vec;
use bytes::{Bytes, BytesMut};
use core::time::Duration;

/// Operations per input: enough to cover connect, traffic and reconnects.
const MAX_OPS: usize = 256;

/// Topics shared by the publishes and the subscriptions, so messages match.
const TOPICS: [&str; 4] = ["a/b", "a/c", "$SYS/x", "t"];
const FILTERS: [&str; 5] = ["a/b", "a/+", "#", "$SYS/#", "$share/g/a/#"];

/// An authenticator whose answers depend only on the broker's data.
struct FuzzAuth;

impl Authenticator for FuzzAuth {
    fn method(&self) -> ByteStr {
        ByteStr::from_static("FUZZ")
    }
    fn start(&mut self) -> Result<Option<Bytes>, AuthFailure> {
        Ok(Some(Bytes::from_static(b"hello")))
    }
    fn challenge(&mut self, data: Option<&Bytes>) -> Result<Option<Bytes>, AuthFailure> {
        match data {
            Some(d) if d.first() == Some(&0xFF) => Err(AuthFailure {
                reason: ReasonCode::NotAuthorized,
            }),
            Some(d) => Ok(Some(d.clone())),
            None => Ok(None),
        }
    }
}

/// Where the transport stands, as the adapter sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transport {
    None,
    Opening,
    Open,
}

/// The adapter side of the harness: what it saw the client do.
struct Harness {
    client: Client<Duration>,
    now: Duration,
    transport: Transport,
    out: BytesMut,
    /// Publishes accepted by `publish`, and those that ended.
    accepted: BTreeSet<u64>,
    ended: BTreeSet<u64>,
    /// Packet ids the client used in PUBLISH (QoS > 0), SUBSCRIBE, UNSUBSCRIBE.
    sent_ids: Vec<u16>,
    /// Packet ids of QoS 2 messages the broker sent.
    inbound_qos2: Vec<u16>,
    tokens: Vec<AckToken>,
    max_inflight: usize,
    max_queued: usize,
}

fn config(s: &mut Source<'_>) -> Config {
    let protocol = s.version();
    let mut c = Config {
        protocol,
        protocol_fallback: s.bool(),
        client_id: if s.bool() {
            alloc::string::String::from("fuzz")
        } else {
            alloc::string::String::new()
        },
        clean_start: s.bool(),
        keep_alive: Duration::from_secs(s.below(4) as u64 * 30),
        max_inflight: 1 + s.below(8) as u16,
        max_queued: s.below(16),
        manual_acks: s.bool(),
        reconnect: if s.bool() {
            ReconnectPolicy::backoff(Duration::from_secs(1), Duration::from_secs(30))
        } else {
            ReconnectPolicy::Disabled
        },
        server_count: 1 + s.below(3),
        on_session_lost: if s.bool() {
            SessionLostPolicy::Resend
        } else {
            SessionLostPolicy::Report
        },
        resubscribe_on_session_loss: s.bool(),
        seed: s.u32() as u64,
        ..Config::default()
    };
    if protocol.is_v5() {
        c.session_expiry_interval = if s.bool() { 0 } else { 3600 };
        c.receive_maximum = 1 + s.below(8) as u16;
        c.topic_alias_maximum = s.below(4) as u16;
        c.auto_topic_alias = s.bool();
        if s.bool() {
            c.authenticator = Some(Box::new(FuzzAuth));
        }
    }
    c
}

/// Target `client`.
pub fn client(data: &[u8]) {
    let mut s = Source::new(data);
    let cfg = config(&mut s);
    let max_inflight = cfg.max_inflight as usize;
    let max_queued = cfg.max_queued;
    let Ok(client) = Client::new(cfg) else {
        return;
    };
    let mut h = Harness {
        client,
        now: Duration::ZERO,
        transport: Transport::None,
        out: BytesMut::new(),
        accepted: BTreeSet::new(),
        ended: BTreeSet::new(),
        sent_ids: Vec::new(),
        inbound_qos2: Vec::new(),
        tokens: Vec::new(),
        max_inflight,
        max_queued,
    };
    h.client.connect(h.now);
    h.drain();
    for _ in 0..MAX_OPS {
        if s.is_empty() {
            break;
        }
        h.step(&mut s);
        h.drain();
    }
}

impl Harness {
    fn v(&self) -> ProtocolVersion {
        self.client.protocol()
    }

    fn step(&mut self, s: &mut Source<'_>) {
        let now = self.now;
        match s.below(16) {
            0 => self.client.connect(now),
            1 | 2 => self.publish(s),
            3 => {
                let n = 1 + s.below(3);
                let filters = (0..n)
                    .map(|_| SubscribeFilter {
                        filter: ByteStr::from_static(FILTERS[s.below(FILTERS.len())]),
                        options: SubscriptionOptions::new(s.qos()),
                    })
                    .collect();
                let _ = self.client.subscribe(now, filters, Properties::default());
            }
            4 => {
                let f = ByteStr::from_static(FILTERS[s.below(FILTERS.len())]);
                let _ = self
                    .client
                    .unsubscribe(now, alloc::vec![f], Properties::default());
            }
            5 => {
                if !self.tokens.is_empty() {
                    let t = self.tokens.swap_remove(s.below(self.tokens.len()));
                    let _ = self.client.ack(now, t);
                }
            }
            6 => {
                let mut o = DisconnectOptions::default();
                if self.v().is_v5() && s.bool() {
                    o.reason = ReasonCode::DisconnectWithWillMessage;
                }
                let _ = self.client.disconnect(now, o);
            }
            7 => {
                if self.transport == Transport::Opening {
                    self.transport = Transport::Open;
                    self.client.handle_connected(now);
                }
            }
            8..=10 => self.broker_packet(s),
            11 => {
                if self.transport == Transport::Open {
                    let n = s.below(16);
                    let raw = s.bytes(n);
                    self.client.handle_data(now, raw);
                }
            }
            12 => {
                if self.transport != Transport::None {
                    self.transport = Transport::None;
                    self.client.handle_closed(now);
                }
            }
            13 => {
                // Jump to the next deadline (the usual adapter loop).
                if let Some(t) = self.client.poll_timeout() {
                    self.now = self.now.max(t);
                    self.client.handle_timeout(self.now);
                }
            }
            14 => {
                self.now += Duration::from_millis(s.u16() as u64 * 16);
                self.client.handle_timeout(self.now);
            }
            _ => {
                if s.bool() {
                    let _ = self.client.reauthenticate(now);
                } else {
                    self.snapshot_restore();
                }
            }
        }
    }

    fn publish(&mut self, s: &mut Source<'_>) {
        let qos = s.qos();
        let n = s.below(32);
        let payload = Bytes::copy_from_slice(s.bytes(n));
        let msg = OutgoingPublish::new(ByteStr::from_static(TOPICS[s.below(3)]), payload, qos)
            .retain(s.bool());
        if let Ok(PublishId(id)) = self.client.publish(self.now, msg) {
            assert!(self.accepted.insert(id), "publish ids are unique");
        }
    }

    /// A server-to-client packet, mostly about the client's own packet ids.
    fn broker_packet(&mut self, s: &mut Source<'_>) {
        if self.transport != Transport::Open {
            return;
        }
        let v = self.v();
        let v5 = v.is_v5();
        let pick = |s: &mut Source<'_>, ids: &[u16]| -> PacketId {
            if !ids.is_empty() && s.below(4) != 0 {
                PacketId::new(ids[s.below(ids.len())]).unwrap_or(PacketId::MIN)
            } else {
                PacketId::new(1 + s.below(8) as u16).unwrap_or(PacketId::MIN)
            }
        };
        let packet = match s.below(12) {
            0 | 1 => {
                let mut c: ConnAck = s.connack(v);
                if s.below(4) != 0 {
                    c.code = ReasonCode::Success;
                }
                if v5 && s.bool() {
                    c.properties.receive_maximum = Some(1 + s.below(4) as u16);
                    c.properties.topic_alias_maximum = Some(s.below(3) as u16);
                }
                Packet::ConnAck(c)
            }
            2 | 3 => {
                let qos = s.qos();
                let mut properties = Properties::default();
                let mut topic = ByteStr::from_static(TOPICS[s.below(TOPICS.len())]);
                if v5 && s.bool() {
                    properties.topic_alias = Some(1 + s.below(3) as u16);
                    if s.bool() {
                        topic = ByteStr::new();
                    }
                }
                let packet_id = (qos != QoS::AtMostOnce)
                    .then(|| PacketId::new(1 + s.below(8) as u16).unwrap_or(PacketId::MIN));
                if qos == QoS::ExactlyOnce {
                    if let Some(id) = packet_id {
                        self.inbound_qos2.push(id.get());
                    }
                }
                let n = s.below(16);
                Packet::Publish(Publish {
                    dup: qos != QoS::AtMostOnce && s.bool(),
                    qos,
                    retain: s.bool(),
                    topic,
                    packet_id,
                    properties,
                    payload: Bytes::copy_from_slice(s.bytes(n)),
                })
            }
            4 => Packet::PubAck(self.response(s, v5, PUBACK_PUBREC_CODES, pick)),
            5 => Packet::PubRec(self.response(s, v5, PUBACK_PUBREC_CODES, pick)),
            6 => Packet::PubComp(self.response(s, v5, PUBREL_PUBCOMP_CODES, pick)),
            7 => {
                let ids = self.inbound_qos2.clone();
                let mut r = self.response(s, v5, PUBREL_PUBCOMP_CODES, pick);
                r.packet_id = pick(s, &ids);
                Packet::PubRel(r)
            }
            8 => {
                let table = match v {
                    ProtocolVersion::V5 => SUBACK_CODES,
                    ProtocolVersion::V3_1_1 => SUBACK_V3_1_1_CODES,
                    ProtocolVersion::V3_1 => SUBACK_V3_1_CODES,
                };
                let n = 1 + s.below(3);
                Packet::SubAck(SubAck {
                    packet_id: pick(s, &self.sent_ids),
                    codes: (0..n).map(|_| s.pick_reason(table)).collect(),
                    properties: Properties::default(),
                })
            }
            9 => Packet::UnsubAck(UnsubAck {
                packet_id: pick(s, &self.sent_ids),
                codes: if v5 {
                    alloc::vec![s.pick_reason(UNSUBACK_CODES)]
                } else {
                    Vec::new()
                },
                properties: Properties::default(),
            }),
            10 => Packet::PingResp,
            _ => {
                if v5 && s.bool() {
                    let mut a = s.auth();
                    a.reason = s.pick_reason(AUTH_CODES);
                    if s.bool() {
                        a.properties.authentication_method = Some(ByteStr::from_static("FUZZ"));
                    }
                    Packet::Auth(a)
                } else {
                    let mut d = s.disconnect(v5);
                    if v5 {
                        d.reason = s.pick_reason(DISCONNECT_CODES);
                    }
                    Packet::Disconnect(d)
                }
            }
        };
        let mut wire = BytesMut::new();
        if encode(&packet, v, MAX_PACKET, &mut wire).is_err() {
            return;
        }
        // Deliver in up to three chunks.
        let mut rest = &wire[..];
        while !rest.is_empty() {
            let cut = 1 + s.below(rest.len());
            let (head, tail) = rest.split_at(cut);
            self.client.handle_data(self.now, head);
            rest = tail;
            if s.bool() {
                self.client.handle_data(self.now, rest);
                break;
            }
        }
    }

    fn response(
        &mut self,
        s: &mut Source<'_>,
        v5: bool,
        codes: &[u8],
        pick: impl Fn(&mut Source<'_>, &[u16]) -> PacketId,
    ) -> PubResponse {
        PubResponse {
            packet_id: pick(s, &self.sent_ids),
            reason: if v5 && s.below(4) == 0 {
                s.pick_reason(codes)
            } else {
                ReasonCode::Success
            },
            properties: Properties::default(),
        }
    }

    fn snapshot_restore(&mut self) {
        let Ok(snap) = self.client.snapshot(self.now) else {
            return;
        };
        // A process restart: the old transport is gone with the old client.
        let old = self.client.config();
        let cfg = Config {
            protocol: old.protocol,
            client_id: alloc::string::String::from(self.client.client_id()),
            max_inflight: old.max_inflight,
            max_queued: old.max_queued,
            manual_acks: old.manual_acks,
            receive_maximum: old.receive_maximum,
            ..Config::default()
        };
        match Client::restore(cfg, &snap, self.now) {
            Ok(c) => {
                assert_eq!(
                    c.pending_publishes(),
                    self.client.pending_publishes(),
                    "a snapshot keeps every pending publish"
                );
                self.client = c;
                self.transport = Transport::None;
                self.tokens.clear();
            }
            Err(e) => panic!("a client's own snapshot does not restore: {e:?}"),
        }
    }

    /// Drains every output and checks the invariants.
    fn drain(&mut self) {
        loop {
            let sent = self.client.poll_transmit(&mut self.out);
            if sent > 0 {
                assert_eq!(
                    self.transport,
                    Transport::Open,
                    "bytes only go to an open transport"
                );
            }
            self.check_transmitted();
            let mut progressed = sent > 0;
            while let Some(e) = self.client.poll_event() {
                progressed = true;
                self.on_event(e);
            }
            while let Some(t) = self.client.poll_transport() {
                progressed = true;
                match t {
                    TransportCommand::Open { server } => {
                        assert!(server < self.client.config().server_count);
                        self.transport = Transport::Opening;
                    }
                    TransportCommand::Close { .. } => self.transport = Transport::None,
                }
            }
            if !progressed {
                break;
            }
        }
        assert!(
            self.client.inflight_publishes() <= self.max_inflight,
            "the in-flight window is respected"
        );
        // `max_queued` bounds what `publish` accepts beyond the window; publishes
        // already in flight go back to the queue when the session is lost (Resend)
        // or a smaller broker Receive Maximum shrinks the window, so the queue
        // alone may exceed it by up to the window. The total stays bounded.
        assert!(
            self.client.pending_publishes() <= self.max_queued + self.max_inflight,
            "pending publishes stay within queue + window"
        );
        assert_eq!(
            self.accepted.len(),
            self.ended.len() + self.client.pending_publishes(),
            "every accepted publish is pending or has ended"
        );
    }

    /// The client only ever transmits whole, valid packets.
    fn check_transmitted(&mut self) {
        let v = self.v();
        loop {
            match decode(&mut self.out, v, usize::MAX) {
                Ok(Some(p)) => match p {
                    Packet::Publish(Publish {
                        packet_id: Some(id),
                        ..
                    }) => self.remember(id.get()),
                    Packet::Subscribe(s) => self.remember(s.packet_id.get()),
                    Packet::Unsubscribe(u) => self.remember(u.packet_id.get()),
                    _ => {}
                },
                Ok(None) => break,
                Err(e) => panic!("the client transmitted an invalid packet: {e:?}"),
            }
        }
        assert!(
            self.out.is_empty(),
            "the client transmits whole packets only"
        );
    }

    fn remember(&mut self, id: u16) {
        if !self.sent_ids.contains(&id) {
            if self.sent_ids.len() >= 16 {
                self.sent_ids.remove(0);
            }
            self.sent_ids.push(id);
        }
    }

    fn on_event(&mut self, e: Event) {
        match e {
            Event::PublishComplete { id, .. } | Event::PublishFailed { id, .. } => {
                assert!(self.accepted.contains(&id.0), "only accepted publishes end");
                assert!(self.ended.insert(id.0), "a publish ends once");
            }
            Event::Message { ack: Some(t), .. } => self.tokens.push(t),
            _ => {}
        }
    }
}
