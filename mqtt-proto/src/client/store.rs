//! Durable sessions: what must be stored, and a client rebuilt from it.
//!
//! With [`Config::durable`] the core keeps a record of every unfinished
//! flow in the adapter's store, so that a process killed at any moment
//! resumes where it stopped: no message lost, no QoS 2 message delivered
//! twice. The core does no I/O; it tells the adapter what to write.
//!
//! # The contract
//! After every input, before taking bytes with
//! [`poll_transmit`](Client::poll_transmit):
//! 1. drain [`poll_store`](Client::poll_store) and apply each [`StoreOp`] to
//!    the store, in order (a put replaces the record under its key);
//! 2. make them as durable as the application asked (sync policy);
//! 3. call [`handle_stored`](Client::handle_stored), or
//!    [`handle_store_failed`](Client::handle_store_failed) if the store
//!    could not be written.
//!
//! Until step 3, `poll_transmit` holds back every byte produced after the
//! first change that waits to be stored: an outbound QoS 1/2 PUBLISH is
//! never sent before its record (with its packet identifier) is stored, a
//! PUBREL before the PUBREC that led to it is, a PUBREC before the inbound
//! packet identifier it answers is. Removals need no such wait: a record
//! kept too long makes a restarted client resend a PUBLISH with DUP (QoS 1)
//! or a PUBREL (QoS 2), both allowed.
//!
//! After a restart, [`Client::restore_stored`] rebuilds the session from the
//! records the store holds: in-flight publishes (resent with DUP, or their
//! PUBREL, after CONNACK with Session Present), the queue (messages accepted
//! while disconnected or beyond the window, QoS 0 included when accepted
//! while disconnected), and inbound QoS 2 packet identifiers awaiting
//! PUBREL (a resent PUBLISH with one of them is answered, never delivered
//! again).
//!
//! # Records
//! Keys are [`StoreKey`]s, 9 bytes each ([`StoreKey::to_bytes`]). An
//! outbound record is a format byte (1), a state byte (0 queued, 1 awaiting
//! PUBACK, 2 awaiting PUBREC, 3 awaiting PUBCOMP) and the message as an
//! MQTT 5 PUBLISH packet (with its packet identifier once it has one; a
//! queued QoS 1/2 message carries 1 as a placeholder). An inbound record is
//! empty: the key holds the packet identifier. Message Expiry Intervals
//! start again at restore.
//!
//! ```
//! use core::time::Duration;
//! use bytes::BytesMut;
//! use mqtt_sansio::client::{Client, Config, OutgoingPublish, StoreOp, TransportCommand};
//! use mqtt_sansio::QoS;
//!
//! let now = Duration::ZERO;
//! let config = || Config::default().client_id("durable").clean_start(false).durable(true);
//! let mut client = Client::<Duration>::new(config()).unwrap();
//! client.connect(now);
//! assert!(matches!(client.poll_transport(), Some(TransportCommand::Open { .. })));
//! client.handle_connected(now);
//! let mut out = BytesMut::new();
//! client.poll_transmit(&mut out);
//! client.handle_data(now, &[0x20, 0x02, 0x00, 0x00]); // CONNACK
//! out.clear();
//!
//! client.publish(now, OutgoingPublish::new("t", &b"kept"[..], QoS::AtLeastOnce)).unwrap();
//! // Nothing goes out before the record is stored.
//! assert_eq!(client.poll_transmit(&mut out), 0);
//! let mut store = Vec::new();
//! while let Some(op) = client.poll_store() {
//!     if let StoreOp::Put { key, value } = op {
//!         store.push((key, value));
//!     }
//! }
//! client.handle_stored();
//! assert!(client.poll_transmit(&mut out) > 0); // the PUBLISH
//!
//! // The process dies here. The next one starts from the store:
//! let restored = Client::<Duration>::restore_stored(
//!     config(),
//!     store.iter().map(|(k, v)| (*k, &v[..])),
//!     now,
//! )
//! .unwrap();
//! assert_eq!(restored.inflight_publishes(), 1); // resent with DUP after CONNACK
//! ```

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;

use bytes::{Bytes, BytesMut};

use super::error::{PublishFailure, RestoreError};
use super::event::{Event, OutgoingPublish, PublishId};
use super::outbound::{Awaiting, Queued};
use super::{Client, Config, State};
use crate::codec::{self, Packet, PacketId, Publish, QoS};
use crate::time::Instant;

/// The key of one stored record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StoreKey {
    /// An outbound publish, by its id.
    Outbound(PublishId),
    /// An inbound QoS 2 message acknowledged with PUBREC, awaiting PUBREL.
    Inbound(PacketId),
    /// The next publish id (its value a big-endian `u64`), written when the
    /// newest outbound record is forgotten: publish ids never repeat across
    /// restarts, so an application can tell from
    /// [`next_publish_id`](Client::next_publish_id) how many messages it
    /// handed over before it was killed.
    NextPublishId,
}

impl StoreKey {
    /// Length of [`to_bytes`](Self::to_bytes).
    pub const LEN: usize = 9;

    /// The key as bytes: a kind byte (1 outbound, 2 inbound, 3 the next
    /// publish id) and the id as a big-endian `u64` (0 for kind 3). Ordering the bytes orders the keys.
    pub fn to_bytes(self) -> [u8; Self::LEN] {
        let (kind, n) = match self {
            StoreKey::Outbound(id) => (1u8, id.0),
            StoreKey::Inbound(pid) => (2u8, u64::from(pid.get())),
            StoreKey::NextPublishId => (3u8, 0),
        };
        let mut b = [0u8; Self::LEN];
        b[0] = kind;
        b[1..].copy_from_slice(&n.to_be_bytes());
        b
    }

    /// The key of [`to_bytes`](Self::to_bytes); `None` for any other bytes.
    pub fn from_bytes(b: &[u8]) -> Option<StoreKey> {
        if b.len() != Self::LEN {
            return None;
        }
        let mut n = [0u8; 8];
        n.copy_from_slice(&b[1..]);
        let n = u64::from_be_bytes(n);
        match b[0] {
            1 => Some(StoreKey::Outbound(PublishId(n))),
            2 => u16::try_from(n)
                .ok()
                .and_then(PacketId::new)
                .map(StoreKey::Inbound),
            3 if n == 0 => Some(StoreKey::NextPublishId),
            _ => None,
        }
    }
}

/// One change to the store ([`Client::poll_store`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreOp {
    /// Write `value` under `key`, replacing what is there.
    Put {
        /// The record's key.
        key: StoreKey,
        /// The record (see the module docs for its format).
        value: Vec<u8>,
    },
    /// The record under `key` may be forgotten.
    Remove {
        /// The record's key.
        key: StoreKey,
    },
}

impl StoreOp {
    /// The key this change is about.
    pub fn key(&self) -> StoreKey {
        match self {
            StoreOp::Put { key, .. } | StoreOp::Remove { key } => *key,
        }
    }
}

const FORMAT: u8 = 1;
const QUEUED: u8 = 0;

fn state_byte(a: Awaiting) -> u8 {
    match a {
        Awaiting::Ack => 1,
        Awaiting::Rec => 2,
        Awaiting::Comp => 3,
    }
}

/// What the store should hold for one outbound publish: its state byte and
/// the message (with its packet id once in flight).
type Wanted = Option<(u8, Publish)>;

/// The durable-session bookkeeping ([`Config::durable`]).
#[derive(Debug, Default)]
pub(crate) struct Durable {
    /// Outbound changes not yet polled: the latest wanted record per id.
    pending_out: BTreeMap<u64, Wanted>,
    /// Inbound changes not yet polled: `true` put, `false` remove.
    pending_in: BTreeMap<u16, bool>,
    /// What the store holds (as far as polled), outbound: state and packet id.
    stored_out: BTreeMap<u64, (u8, u16)>,
    /// What the store holds (as far as polled), inbound.
    stored_in: BTreeSet<u16>,
    /// The next publish id the store holds (0: none).
    stored_next: u64,
    /// A [`StoreKey::NextPublishId`] put to emit next.
    next_due: Option<u64>,
    /// Changes polled and not yet confirmed: key, what the store held
    /// before, what it should hold now (for `handle_store_failed`).
    polled: Vec<Polled>,
    /// Offset in `tx` of the first byte produced after the oldest change
    /// not yet polled; nothing from there on is handed out.
    gate_pending: Option<usize>,
    /// The same for changes polled and not yet confirmed.
    gate_polled: Option<usize>,
}

#[derive(Debug)]
enum Polled {
    Out(u64, Option<(u8, u16)>, Wanted),
    In(u16, bool, bool),
    Next(u64),
}

fn min_gate(a: Option<usize>, b: Option<usize>) -> Option<usize> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

fn pid_of(p: &Publish) -> u16 {
    p.packet_id.map_or(0, PacketId::get)
}

impl Durable {
    pub(crate) fn gate(&self) -> Option<usize> {
        min_gate(self.gate_pending, self.gate_polled)
    }

    /// `n` bytes before the gates were handed out.
    pub(crate) fn advanced(&mut self, n: usize) {
        self.gate_pending = self.gate_pending.map(|g| g.saturating_sub(n));
        self.gate_polled = self.gate_polled.map(|g| g.saturating_sub(n));
    }

    fn hold_from(&mut self, at: usize) {
        self.gate_pending = min_gate(self.gate_pending, Some(at));
    }

    /// Whether the store holds, or is about to hold, publish `id`.
    fn knows(&self, id: u64) -> bool {
        match self.pending_out.get(&id) {
            Some(w) => w.is_some(),
            None => self.stored_out.contains_key(&id),
        }
    }
}

impl<I: Instant> Client<I> {
    /// Durable sessions: outbound publish `id` should now be stored as
    /// `wanted` (`None`: forgotten). With `hold`, bytes encoded from here on
    /// wait until it is stored.
    pub(super) fn mark_out(&mut self, id: PublishId, wanted: Wanted, hold: bool) {
        let at = self.tx.len();
        if let Some(d) = self.durable.as_deref_mut() {
            if hold {
                d.hold_from(at);
            }
            d.pending_out.insert(id.0, wanted);
        }
    }

    /// Durable sessions: inbound QoS 2 packet id `pid` should be stored
    /// (`put`) or forgotten. With `hold`, bytes from here on wait for it.
    pub(super) fn mark_in(&mut self, pid: PacketId, put: bool, hold: bool) {
        let at = self.tx.len();
        if let Some(d) = self.durable.as_deref_mut() {
            if hold {
                d.hold_from(at);
            }
            d.pending_in.insert(pid.get(), put);
        }
    }

    /// Durable sessions: a QoS 1/2 publish enters the queue (also a QoS 0
    /// one accepted while not connected: the offline queue).
    pub(super) fn mark_queued(&mut self, id: PublishId, msg: &OutgoingPublish) {
        if self.durable.is_none() || (msg.qos == QoS::AtMostOnce && self.state == State::Connected)
        {
            return;
        }
        let publish = Publish {
            dup: false,
            qos: msg.qos,
            retain: msg.retain,
            topic: msg.topic.clone(),
            packet_id: if msg.qos == QoS::AtMostOnce {
                None
            } else {
                PacketId::new(1)
            },
            properties: msg.properties.clone(),
            payload: msg.payload.clone(),
        };
        self.mark_out(id, Some((QUEUED, publish)), false);
    }

    /// Durable sessions: publish `id` is about to be encoded for the first
    /// time on this session as `publish` (packet id assigned).
    pub(super) fn mark_sending(&mut self, id: PublishId, publish: &Publish) {
        let Some(d) = self.durable.as_deref() else {
            return;
        };
        match publish.qos {
            QoS::AtMostOnce => {
                // From the offline queue: forgotten before it goes out, so a
                // restart never sends it twice.
                if d.knows(id.0) {
                    self.mark_out(id, None, true);
                }
            }
            q => {
                let state = if q == QoS::AtLeastOnce {
                    Awaiting::Ack
                } else {
                    Awaiting::Rec
                };
                self.mark_out(id, Some((state_byte(state), publish.clone())), true);
            }
        }
    }

    /// Durable sessions: a publish ended (completed or failed).
    pub(super) fn mark_ended(&mut self, e: &Event) {
        if self.durable.is_none() {
            return;
        }
        if let Event::PublishComplete { id, .. } | Event::PublishFailed { id, .. } = e {
            self.mark_out(*id, None, false);
        }
    }

    /// Durable sessions: the broker lost the session, so no inbound packet
    /// id is held any more.
    pub(super) fn mark_inbound_cleared(&mut self) {
        let Some(d) = self.durable.as_deref_mut() else {
            return;
        };
        let all: BTreeSet<u16> = d
            .stored_in
            .iter()
            .copied()
            .chain(d.pending_in.keys().copied())
            .collect();
        for pid in all {
            d.pending_in.insert(pid, false);
        }
    }

    /// The next change to make to the durable store ([`Config::durable`];
    /// always `None` without it). Drain it after every input, apply the
    /// changes in order, then call [`handle_stored`](Self::handle_stored)
    /// (see [`store`](super::store)).
    pub fn poll_store(&mut self) -> Option<StoreOp> {
        let d = self.durable.as_deref_mut()?;
        loop {
            if let Some(next) = d.next_due.take() {
                d.polled.push(Polled::Next(d.stored_next));
                d.stored_next = next;
                return Some(StoreOp::Put {
                    key: StoreKey::NextPublishId,
                    value: next.to_be_bytes().to_vec(),
                });
            }
            if d.pending_out.is_empty() && d.pending_in.is_empty() {
                d.gate_polled = if d.polled.is_empty() {
                    // Nothing to store after all (the changes cancelled out).
                    None
                } else {
                    min_gate(d.gate_polled, d.gate_pending)
                };
                d.gate_pending = None;
                return None;
            }
            d.gate_polled = min_gate(d.gate_polled, d.gate_pending);
            if let Some((id, wanted)) = d.pending_out.pop_first() {
                let before = d.stored_out.get(&id).copied();
                let now = wanted.as_ref().map(|(s, p)| (*s, pid_of(p)));
                if before == now {
                    continue;
                }
                if now.is_none()
                    && id >= d.stored_next
                    && d.stored_out.range(id + 1..).next().is_none()
                {
                    // The newest record goes: keep the id counter first (a
                    // store cut mid-batch keeps a prefix of it).
                    d.pending_out.insert(id, wanted);
                    d.next_due = Some(id + 1);
                    continue;
                }
                let key = StoreKey::Outbound(PublishId(id));
                let op = match &wanted {
                    Some((state, publish)) => match encode_record(*state, publish) {
                        Some(value) => StoreOp::Put { key, value },
                        // Every publish the core holds was encoded once
                        // already (its size checked at acceptance).
                        None => continue,
                    },
                    None => StoreOp::Remove { key },
                };
                match now {
                    Some(n) => d.stored_out.insert(id, n),
                    None => d.stored_out.remove(&id),
                };
                d.polled.push(Polled::Out(id, before, wanted));
                return Some(op);
            }
            if let Some((pid, put)) = d.pending_in.pop_first() {
                let before = d.stored_in.contains(&pid);
                if before == put {
                    continue;
                }
                // Invariant: only non-zero packet ids are marked.
                let Some(p) = PacketId::new(pid) else {
                    continue;
                };
                let key = StoreKey::Inbound(p);
                if put {
                    d.stored_in.insert(pid);
                } else {
                    d.stored_in.remove(&pid);
                }
                d.polled.push(Polled::In(pid, before, put));
                return Some(if put {
                    StoreOp::Put {
                        key,
                        value: Vec::new(),
                    }
                } else {
                    StoreOp::Remove { key }
                });
            }
        }
    }

    /// Every change polled with [`poll_store`](Self::poll_store) is in the
    /// store (as durable as the application asked): the bytes that waited
    /// for them may go out.
    pub fn handle_stored(&mut self) {
        if let Some(d) = self.durable.as_deref_mut() {
            d.polled.clear();
            d.gate_polled = None;
        }
    }

    /// The store could not apply the changes polled since the last
    /// [`handle_stored`](Self::handle_stored) (disk full, permission...).
    ///
    /// Publishes whose first record was among them fail with
    /// [`PublishFailure::StoreFailed`] and leave the session: they were never
    /// sent. Every byte held back for those changes is dropped; if any was,
    /// the connection ends with [`ConnectionError::StoreFailed`](super::ConnectionError::StoreFailed)
    /// (a reconnect per the policy). Other changes (a flow's next state, an
    /// inbound packet id, removals) are asked for again by the next
    /// `poll_store`, and their packets wait for them.
    pub fn handle_store_failed(&mut self, now: I) {
        let Some(d) = self.durable.as_deref_mut() else {
            return;
        };
        let held = d.gate();
        let mut failed = Vec::new();
        for p in core::mem::take(&mut d.polled).into_iter().rev() {
            match p {
                Polled::Out(id, before, wanted) => {
                    match before {
                        Some(b) => d.stored_out.insert(id, b),
                        None => d.stored_out.remove(&id),
                    };
                    if before.is_none() && wanted.is_some() {
                        failed.push(PublishId(id));
                    } else {
                        d.pending_out.entry(id).or_insert(wanted);
                    }
                }
                Polled::Next(before) => d.stored_next = before,
                Polled::In(pid, before, put) => {
                    if before {
                        d.stored_in.insert(pid);
                    } else {
                        d.stored_in.remove(&pid);
                    }
                    d.pending_in.entry(pid).or_insert(put);
                }
            }
        }
        d.gate_polled = None;
        d.gate_pending = None;
        let dropped = held.is_some_and(|g| g < self.tx.len());
        if let Some(g) = held {
            self.tx.truncate(g);
        }
        if let Some(d) = self.durable.as_deref_mut() {
            if !d.pending_out.is_empty() || !d.pending_in.is_empty() {
                d.gate_pending = Some(self.tx.len());
            }
        }
        for id in failed {
            self.withdraw(id);
        }
        if dropped {
            self.fail(now, super::ConnectionError::StoreFailed, None, true);
        }
    }

    /// Takes publish `id` out of the session (its record could not be
    /// stored, so none of its bytes went out) and fails it.
    fn withdraw(&mut self, id: PublishId) {
        if let Some(at) = self.queue.iter().position(|q| q.id == id) {
            self.queue.remove(at);
        } else if let Some(seq) = {
            let found = self
                .inflight
                .iter()
                .find_map(|(seq, e)| (e.id == id).then_some(*seq));
            found
        } {
            if let Some(e) = self.inflight.remove(&seq) {
                let pid = e.packet_id();
                self.inflight_by_pid.remove(&pid.get());
                self.ids.release(pid);
                if e.resend {
                    self.resends_waiting -= 1;
                }
            }
        } else {
            return;
        }
        self.push_event(Event::PublishFailed {
            id,
            error: PublishFailure::StoreFailed,
        });
    }

    /// A client in [`State::Idle`] holding the session kept in a durable
    /// store: every record the store holds, in any order (see
    /// [`store`](super::store)). `config` must have [`Config::durable`] and
    /// a client id. No records: a new session (a first start).
    ///
    /// In-flight publishes are resent (with DUP, or their PUBREL) after a
    /// CONNACK with Session Present, in the order they were accepted, then
    /// the queue goes out; without Session Present the session-lost policy
    /// applies.
    pub fn restore_stored<'a>(
        config: Config,
        records: impl IntoIterator<Item = (StoreKey, &'a [u8])>,
        now: I,
    ) -> Result<Self, RestoreError> {
        if !config.durable || config.client_id.is_empty() {
            return Err(RestoreError::Mismatch);
        }
        let mut client = Client::new(config).map_err(RestoreError::Config)?;
        let mut out: BTreeMap<u64, (u8, Publish)> = BTreeMap::new();
        let mut inbound = BTreeSet::new();
        let mut next = None;
        for (key, value) in records {
            match key {
                StoreKey::Outbound(id) => {
                    if id.0 == u64::MAX || out.insert(id.0, decode_record(value)?).is_some() {
                        return Err(RestoreError::Corrupt);
                    }
                }
                StoreKey::Inbound(pid) => {
                    if !value.is_empty() || !inbound.insert(pid.get()) {
                        return Err(RestoreError::Corrupt);
                    }
                }
                StoreKey::NextPublishId => {
                    let n: [u8; 8] = value.try_into().map_err(|_| RestoreError::Corrupt)?;
                    let n = u64::from_be_bytes(n);
                    if n == u64::MAX || next.replace(n).is_some() {
                        return Err(RestoreError::Corrupt);
                    }
                }
            }
        }
        let mut stored_out = BTreeMap::new();
        client.next_publish_id = next.unwrap_or(1).max(1);
        for (id, (state, publish)) in out {
            client.next_publish_id = client.next_publish_id.max(id + 1);
            let stored_pid = pid_of(&publish);
            let awaiting = match state {
                QUEUED => {
                    client.queue.push_back(Queued {
                        id: PublishId(id),
                        msg: OutgoingPublish {
                            topic: publish.topic,
                            payload: publish.payload,
                            qos: publish.qos,
                            retain: publish.retain,
                            properties: publish.properties,
                        },
                        accepted_at: now,
                    });
                    stored_out.insert(id, (state, stored_pid));
                    continue;
                }
                1 => Awaiting::Ack,
                2 => Awaiting::Rec,
                3 => Awaiting::Comp,
                _ => return Err(RestoreError::Corrupt),
            };
            client.restore_inflight(PublishId(id), publish, awaiting, now)?;
            stored_out.insert(id, (state, stored_pid));
        }
        for &pid in &inbound {
            client.inbound_qos2.insert(pid, true);
        }
        if let Some(d) = client.durable.as_deref_mut() {
            d.stored_out = stored_out;
            d.stored_in = inbound;
            d.stored_next = next.unwrap_or(0);
        }
        client.has_session = true;
        Ok(client)
    }
}

fn encode_record(state: u8, publish: &Publish) -> Option<Vec<u8>> {
    let mut buf = BytesMut::with_capacity(2 + 16 + publish.topic.len() + publish.payload.len());
    buf.extend_from_slice(&[FORMAT, state]);
    let mut p = publish.clone();
    p.dup = false;
    p.properties.topic_alias = None;
    codec::encode(
        &Packet::Publish(p),
        crate::codec::ProtocolVersion::V5,
        usize::MAX,
        &mut buf,
    )
    .ok()?;
    Some(buf.to_vec())
}

fn decode_record(value: &[u8]) -> Result<(u8, Publish), RestoreError> {
    let [format, state, packet @ ..] = value else {
        return Err(RestoreError::Corrupt);
    };
    if *format != FORMAT {
        return Err(RestoreError::UnsupportedVersion(*format));
    }
    match codec::decode_packet(
        Bytes::copy_from_slice(packet),
        crate::codec::ProtocolVersion::V5,
    ) {
        Ok(Packet::Publish(p)) => {
            if *state == QUEUED && p.qos != QoS::AtMostOnce && p.packet_id.is_none() {
                return Err(RestoreError::Corrupt);
            }
            Ok((*state, p))
        }
        Ok(_) => Err(RestoreError::Corrupt),
        Err(e) => Err(RestoreError::Packet(e)),
    }
}
