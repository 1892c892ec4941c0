//! The session snapshot: a stable, versioned byte format an adapter can keep
//! on disk, and restore into a new [`Client`].
//!
//! # Format, version 1
//! All integers are big-endian. Publishes are stored as MQTT 5 PUBLISH
//! packets (the wire format is itself a stable, documented encoding), so
//! every property survives.
//!
//! ```text
//! magic      "MQSN"                      4 bytes
//! version    1                           u8
//! protocol   level (3, 4 or 5)           u8
//! client id  u16 length + UTF-8
//! next ids   next publish id u64, next request id u64
//! in flight  u32 count, then per entry (oldest first):
//!              publish id u64, state u8 (1 await PUBACK, 2 await PUBREC,
//!              3 await PUBCOMP), u32 length + MQTT 5 PUBLISH (with its packet id)
//! queued     u32 count, then per entry (in order):
//!              publish id u64, u32 length + MQTT 5 PUBLISH (QoS 1/2 carry
//!              packet id 1 as a placeholder; a new id is allocated on send)
//! inbound    u32 count, then per QoS 2 message held until PUBREL:
//!              packet id u16, acknowledged u8 (0/1)
//! subs       u32 count, then per subscription:
//!              u16 length + UTF-8 filter, options u8 (bits 0-1 QoS, 2 No Local,
//!              3 Retain As Published, 4-5 Retain Handling), identifier u32
//!              (0: none), state u8 (0 pending, 1 granted), granted QoS u8
//! unsubs     u32 count, then per unacknowledged UNSUBSCRIBE:
//!              request id u64, u16 filter count, per filter u16 length + UTF-8
//! ```
//!
//! Message Expiry Intervals are counted down to the time of the snapshot.
//! Inbound QoS 2 messages delivered with a manual-ack token and not yet
//! acknowledged are dropped at restore: the broker resends them and they are
//! delivered again (their tokens died with the old process).
//! A restored client treats the session as present at the broker: with
//! Session Present it resends in-flight messages with DUP; without, the
//! session-lost policy applies.

use alloc::string::String;
use alloc::vec::Vec;

use bytes::{Bytes, BytesMut};

use super::error::{RestoreError, SnapshotError};
use super::event::{OutgoingPublish, PublishId, RequestId};
use super::outbound::{Awaiting, Inflight, Queued};
use super::requests::{Request, RequestKind};
use super::subscriptions::{Subscription, SubscriptionState};
use super::{Client, Config};
use crate::codec::{
    self, ByteStr, Packet, PacketId, Properties, ProtocolVersion, Publish, QoS, RetainHandling,
    SubscriptionOptions,
};
use crate::time::Instant;

/// The snapshot format version written by this build.
pub const SNAPSHOT_VERSION: u8 = 1;
const MAGIC: &[u8; 4] = b"MQSN";

fn placeholder_id() -> Option<PacketId> {
    PacketId::new(1)
}

impl<I: Instant> Client<I> {
    /// Serialises the session (in-flight and queued publishes, inbound QoS 2
    /// state, subscriptions, unacknowledged unsubscribes) in the format
    /// above. `now` counts message expiry down.
    pub fn snapshot(&self, now: I) -> Result<Vec<u8>, SnapshotError> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.push(SNAPSHOT_VERSION);
        out.push(self.protocol.level());
        put_str(&mut out, &self.client_id);
        out.extend_from_slice(&self.next_publish_id.to_be_bytes());
        out.extend_from_slice(&self.next_request_id.to_be_bytes());

        put_u32(&mut out, self.inflight.len());
        for e in self.inflight.values() {
            out.extend_from_slice(&e.id.0.to_be_bytes());
            out.push(match e.state {
                Awaiting::Ack => 1,
                Awaiting::Rec => 2,
                Awaiting::Comp => 3,
            });
            let mut p = e.publish.clone();
            count_down(&mut p.properties, now, e.accepted_at);
            put_packet(&mut out, Packet::Publish(p))?;
        }

        put_u32(&mut out, self.queue.len());
        for q in &self.queue {
            out.extend_from_slice(&q.id.0.to_be_bytes());
            let mut properties = q.msg.properties.clone();
            count_down(&mut properties, now, q.accepted_at);
            let p = Publish {
                dup: false,
                qos: q.msg.qos,
                retain: q.msg.retain,
                topic: q.msg.topic.clone(),
                packet_id: if q.msg.qos == QoS::AtMostOnce {
                    None
                } else {
                    placeholder_id()
                },
                properties,
                payload: q.msg.payload.clone(),
            };
            put_packet(&mut out, Packet::Publish(p))?;
        }

        put_u32(&mut out, self.inbound_qos2.len());
        for (pid, acked) in &self.inbound_qos2 {
            out.extend_from_slice(&pid.to_be_bytes());
            out.push(u8::from(*acked));
        }

        put_u32(&mut out, self.subs.len());
        for s in self.subs.iter() {
            put_str(&mut out, &s.filter);
            let o = &s.options;
            out.push(
                o.qos as u8
                    | u8::from(o.no_local) << 2
                    | u8::from(o.retain_as_published) << 3
                    | (o.retain_handling as u8) << 4,
            );
            out.extend_from_slice(&s.identifier.unwrap_or(0).to_be_bytes());
            match s.state {
                SubscriptionState::Pending => out.extend_from_slice(&[0, 0]),
                SubscriptionState::Granted(q) => out.extend_from_slice(&[1, q as u8]),
            }
        }

        let unsubs: Vec<&Request> = self
            .requests_pending
            .iter()
            .chain(self.requests_inflight.values())
            .filter(|r| matches!(r.kind, RequestKind::Unsubscribe(_)))
            .collect();
        put_u32(&mut out, unsubs.len());
        for r in unsubs {
            if let RequestKind::Unsubscribe(filters) = &r.kind {
                out.extend_from_slice(&r.id.0.to_be_bytes());
                out.extend_from_slice(&(filters.len().min(u16::MAX as usize) as u16).to_be_bytes());
                for f in filters.iter().take(u16::MAX as usize) {
                    put_str(&mut out, f);
                }
            }
        }
        Ok(out)
    }

    /// A client in [`State::Idle`](super::State::Idle) holding the session of
    /// `snapshot`. The configuration's client id must be empty or equal the
    /// snapshot's, and its protocol must be MQTT 5 exactly when the
    /// snapshot's is. `now` restarts message-expiry countdowns.
    pub fn restore(config: Config, snapshot: &[u8], now: I) -> Result<Self, RestoreError> {
        let mut r = Reader(snapshot);
        if r.take(4)? != MAGIC {
            return Err(RestoreError::NotASnapshot);
        }
        let version = r.u8()?;
        if version != SNAPSHOT_VERSION {
            return Err(RestoreError::UnsupportedVersion(version));
        }
        let level = r.u8()?;
        let protocol = match level {
            3 => ProtocolVersion::V3_1,
            4 => ProtocolVersion::V3_1_1,
            5 => ProtocolVersion::V5,
            _ => return Err(RestoreError::Corrupt),
        };
        let client_id = r.string()?;
        if protocol.is_v5() != config.protocol.is_v5()
            || (!config.client_id.is_empty() && config.client_id != client_id)
        {
            return Err(RestoreError::Mismatch);
        }
        let mut config = config;
        let stored_id = client_id.clone();
        if config.client_id.is_empty() {
            config.client_id = client_id;
        }
        let mut client = Client::new(config).map_err(RestoreError::Config)?;
        // An empty v5 id stays empty (assigned at CONNACK), otherwise keep it.
        client.client_id = ByteStr::from(stored_id);
        if protocol == ProtocolVersion::V3_1 {
            client.protocol = protocol;
        }
        // Every id handed out is below its counter, and a counter only grows:
        // one at u64::MAX could not advance (the next publish or request,
        // including the re-subscribes below, would overflow it), so it can
        // only come from corrupt bytes.
        let next_publish_id = r.u64()?;
        let next_request_id = r.u64()?;
        if next_publish_id == u64::MAX || next_request_id == u64::MAX {
            return Err(RestoreError::Corrupt);
        }
        client.next_publish_id = next_publish_id;
        client.next_request_id = next_request_id;
        // An id at or above its counter would be handed out again, and one
        // seen twice would name two publishes (each would resolve under it).
        let mut seen_publish_ids = alloc::collections::BTreeSet::new();
        let mut issued_publish = |id: u64| {
            if id < next_publish_id && seen_publish_ids.insert(id) {
                Ok(PublishId(id))
            } else {
                Err(RestoreError::Corrupt)
            }
        };

        for _ in 0..r.u32()? {
            let id = issued_publish(r.u64()?)?;
            let state = match r.u8()? {
                1 => Awaiting::Ack,
                2 => Awaiting::Rec,
                3 => Awaiting::Comp,
                _ => return Err(RestoreError::Corrupt),
            };
            let publish = r.publish()?;
            client.restore_inflight(id, publish, state, now)?;
        }

        for _ in 0..r.u32()? {
            let id = issued_publish(r.u64()?)?;
            let p = r.publish()?;
            client.queue.push_back(Queued {
                id,
                msg: OutgoingPublish {
                    topic: p.topic,
                    payload: p.payload,
                    qos: p.qos,
                    retain: p.retain,
                    properties: p.properties,
                },
                accepted_at: now,
            });
        }

        for _ in 0..r.u32()? {
            let pid = r.u16()?;
            let acked = r.u8()? != 0;
            if pid == 0 {
                return Err(RestoreError::Corrupt);
            }
            // A message the application never acknowledged (manual acks) was
            // not processed: forget it, so the broker's resend is delivered
            // again, with a token the new process can use.
            if acked {
                client.inbound_qos2.insert(pid, true);
            }
        }

        let mut pending_subs = Vec::new();
        for _ in 0..r.u32()? {
            let filter = ByteStr::from(r.string()?);
            crate::topic::validate_topic_filter(&filter).map_err(|_| RestoreError::Corrupt)?;
            let o = r.u8()?;
            let options = SubscriptionOptions {
                qos: QoS::from_u8(o & 3).ok_or(RestoreError::Corrupt)?,
                no_local: o & 4 != 0,
                retain_as_published: o & 8 != 0,
                retain_handling: match (o >> 4) & 3 {
                    0 => RetainHandling::SendAtSubscribe,
                    1 => RetainHandling::SendIfNew,
                    2 => RetainHandling::DoNotSend,
                    _ => return Err(RestoreError::Corrupt),
                },
            };
            let identifier = Some(r.u32_raw()?).filter(|&i| i != 0);
            let state = match (r.u8()?, r.u8()?) {
                (0, _) => SubscriptionState::Pending,
                (1, q) => SubscriptionState::Granted(QoS::from_u8(q).ok_or(RestoreError::Corrupt)?),
                _ => return Err(RestoreError::Corrupt),
            };
            if state == SubscriptionState::Pending {
                pending_subs.push((identifier, filter.clone(), options));
            }
            client.subs.insert(Subscription {
                filter,
                options,
                identifier,
                state,
            });
        }
        // Subscriptions never acknowledged are asked for again.
        for (identifier, filter, options) in pending_subs {
            let mut properties = Properties::default();
            properties.subscription_identifiers.extend(identifier);
            let id = client.new_request_id();
            client.requests_pending.push_back(Request {
                id,
                kind: RequestKind::Subscribe(alloc::vec![codec::SubscribeFilter {
                    filter,
                    options
                }]),
                properties,
            });
        }

        let mut seen_request_ids = alloc::collections::BTreeSet::new();
        for _ in 0..r.u32()? {
            let id = r.u64()?;
            if id >= next_request_id || !seen_request_ids.insert(id) {
                return Err(RestoreError::Corrupt);
            }
            let id = RequestId(id);
            let n = r.u16()?;
            let mut filters = Vec::with_capacity(n.min(64) as usize);
            for _ in 0..n {
                filters.push(ByteStr::from(r.string()?));
            }
            if filters.is_empty() {
                return Err(RestoreError::Corrupt);
            }
            client.requests_pending.push_back(Request {
                id,
                kind: RequestKind::Unsubscribe(filters),
                properties: Properties::default(),
            });
        }
        if !r.0.is_empty() {
            return Err(RestoreError::Corrupt);
        }
        client.has_session = true;
        Ok(client)
    }
}

impl<I: Instant> Client<I> {
    /// Puts a restored in-flight publish back (snapshot and durable store):
    /// its QoS must fit `state` and its packet id be free.
    pub(super) fn restore_inflight(
        &mut self,
        id: PublishId,
        publish: Publish,
        state: Awaiting,
        now: I,
    ) -> Result<(), RestoreError> {
        let pid = publish.packet_id.ok_or(RestoreError::Corrupt)?;
        let fits = match state {
            Awaiting::Ack => publish.qos == QoS::AtLeastOnce,
            _ => publish.qos == QoS::ExactlyOnce,
        };
        if !fits || !self.ids.claim(pid) {
            return Err(RestoreError::Corrupt);
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.inflight_by_pid.insert(pid.get(), seq);
        self.inflight.insert(
            seq,
            Inflight {
                id,
                publish,
                state,
                accepted_at: now,
                pubrec: None,
                attempts: 0,
                resend: false,
            },
        );
        Ok(())
    }
}

/// Counts a Message Expiry Interval down by the time since `since`.
fn count_down<I: Instant>(p: &mut Properties, now: I, since: I) {
    if let Some(e) = p.message_expiry_interval {
        let waited = now.saturating_duration_since(since).as_secs();
        p.message_expiry_interval = Some(e.saturating_sub(waited.min(u32::MAX as u64) as u32));
    }
}

fn put_u32(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n as u32).to_be_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    // Every string here was validated as an MQTT string (at most 65,535 bytes).
    let len = s.len().min(u16::MAX as usize);
    out.extend_from_slice(&(len as u16).to_be_bytes());
    out.extend_from_slice(&s.as_bytes()[..len]);
}

fn put_packet(out: &mut Vec<u8>, packet: Packet) -> Result<(), SnapshotError> {
    let mut buf = BytesMut::new();
    codec::encode(&packet, ProtocolVersion::V5, usize::MAX, &mut buf)
        .map_err(SnapshotError::Encode)?;
    put_u32(out, buf.len());
    out.extend_from_slice(&buf);
    Ok(())
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], RestoreError> {
        if self.0.len() < n {
            return Err(RestoreError::Corrupt);
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Ok(a)
    }
    fn u8(&mut self) -> Result<u8, RestoreError> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, RestoreError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u32_raw(&mut self) -> Result<u32, RestoreError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    /// A count: bounded by the bytes left, so a corrupt count cannot make the
    /// reader loop (or allocate) far beyond the input.
    fn u32(&mut self) -> Result<u32, RestoreError> {
        let n = self.u32_raw()?;
        if n as usize > self.0.len() {
            return Err(RestoreError::Corrupt);
        }
        Ok(n)
    }
    fn u64(&mut self) -> Result<u64, RestoreError> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_be_bytes(a))
    }
    fn string(&mut self) -> Result<String, RestoreError> {
        let n = self.u16()? as usize;
        let b = self.take(n)?;
        core::str::from_utf8(b)
            .map(String::from)
            .map_err(|_| RestoreError::Corrupt)
    }
    fn publish(&mut self) -> Result<Publish, RestoreError> {
        let n = self.u32_raw()? as usize;
        let b = self.take(n)?;
        match codec::decode_packet(Bytes::copy_from_slice(b), ProtocolVersion::V5) {
            Ok(Packet::Publish(p)) => Ok(p),
            Ok(_) => Err(RestoreError::Corrupt),
            Err(e) => Err(RestoreError::Packet(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use core::time::Duration;

    use super::*;
    use crate::client::event::OutgoingPublish;

    /// The byte offset of the two id counters (publish, then request) in a
    /// snapshot of a client with this id: magic, version, level, id string.
    fn counters_at(client_id: &str) -> usize {
        4 + 1 + 1 + 2 + client_id.len()
    }

    fn with_counter(mut snap: Vec<u8>, at: usize, value: u64) -> Vec<u8> {
        snap[at..at + 8].copy_from_slice(&value.to_be_bytes());
        snap
    }

    #[test]
    fn a_publish_id_counter_that_cannot_advance_is_corrupt() {
        let client = Client::<Duration>::new(Config::default().client_id("c")).unwrap();
        let snap = client.snapshot(Duration::ZERO).unwrap();
        let snap = with_counter(snap, counters_at("c"), u64::MAX);
        // Accepting it would overflow on the first publish after restore.
        assert_eq!(
            Client::<Duration>::restore(Config::default(), &snap, Duration::ZERO).err(),
            Some(RestoreError::Corrupt)
        );
    }

    #[test]
    fn a_request_id_counter_that_cannot_advance_is_corrupt() {
        let mut client = Client::<Duration>::new(Config::default().client_id("c")).unwrap();
        // A subscription still pending at snapshot time is asked for again at
        // restore, which takes a fresh request id from the counter.
        client
            .subscribe(
                Duration::ZERO,
                alloc::vec![codec::SubscribeFilter {
                    filter: ByteStr::from_static("a/b"),
                    options: SubscriptionOptions::new(QoS::AtLeastOnce),
                }],
                Properties::default(),
            )
            .unwrap();
        let snap = client.snapshot(Duration::ZERO).unwrap();
        let snap = with_counter(snap, counters_at("c") + 8, u64::MAX);
        assert_eq!(
            Client::<Duration>::restore(Config::default(), &snap, Duration::ZERO).err(),
            Some(RestoreError::Corrupt)
        );
    }

    #[test]
    fn a_queued_publish_id_at_or_above_the_counter_is_corrupt() {
        let mut client = Client::<Duration>::new(Config::default().client_id("c")).unwrap();
        let id = client
            .publish(
                Duration::ZERO,
                OutgoingPublish::new("t", &b"x"[..], QoS::AtLeastOnce),
            )
            .unwrap();
        let snap = client.snapshot(Duration::ZERO).unwrap();
        // Wind the counter back onto the queued message's id: the next
        // publish after restore would get the same id.
        let snap = with_counter(snap, counters_at("c"), id.0);
        assert_eq!(
            Client::<Duration>::restore(Config::default(), &snap, Duration::ZERO).err(),
            Some(RestoreError::Corrupt)
        );
    }

    #[test]
    fn a_request_id_given_to_two_waiting_unsubscribes_is_corrupt() {
        let mut client = Client::<Duration>::new(Config::default().client_id("c")).unwrap();
        let mut ids = alloc::vec::Vec::new();
        for f in ["a", "b"] {
            ids.push(
                client
                    .unsubscribe(
                        Duration::ZERO,
                        alloc::vec![ByteStr::from_static(f)],
                        Properties::default(),
                    )
                    .unwrap(),
            );
        }
        let mut snap = client.snapshot(Duration::ZERO).unwrap();
        assert!(Client::<Duration>::restore(Config::default(), &snap, Duration::ZERO).is_ok());
        // The last record: id (8 bytes), filter count (2), filter "b" (2 + 1).
        let at = snap.len() - 13;
        assert_eq!(snap[at..at + 8], ids[1].0.to_be_bytes());
        snap[at..at + 8].copy_from_slice(&ids[0].0.to_be_bytes());
        // Accepting it would complete two unsubscribes under one id.
        assert_eq!(
            Client::<Duration>::restore(Config::default(), &snap, Duration::ZERO).err(),
            Some(RestoreError::Corrupt)
        );
    }

    #[test]
    fn a_client_own_snapshot_with_queued_work_restores() {
        let mut client = Client::<Duration>::new(Config::default().client_id("c")).unwrap();
        client
            .publish(
                Duration::ZERO,
                OutgoingPublish::new("t", &b"x"[..], QoS::AtLeastOnce),
            )
            .unwrap();
        let snap = client.snapshot(Duration::ZERO).unwrap();
        assert!(Client::<Duration>::restore(Config::default(), &snap, Duration::ZERO).is_ok());
    }
}
