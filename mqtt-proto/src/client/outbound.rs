//! Outbound publishes: validation, the window, the bounded queue, QoS 1/2
//! acknowledgements, resend on a kept session, and session loss.

use alloc::vec::Vec;

use super::error::{ProtocolViolation, PublishError, PublishFailure};
use super::event::{Event, OutgoingPublish, PublishId};
use super::{Client, SessionLostPolicy, State};
use crate::codec::{
    self, EncodeError, Packet, PacketId, PacketType, Properties, PubResponse, Publish, QoS,
    ReasonCode,
};
use crate::time::Instant;

/// What an in-flight publish waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Awaiting {
    /// QoS 1, PUBLISH sent.
    Ack,
    /// QoS 2, PUBLISH sent.
    Rec,
    /// QoS 2, PUBREC received, PUBREL sent.
    Comp,
}

/// A QoS 1/2 publish sent and not completed. `publish` keeps the full topic
/// and no alias, so it can be resent on any connection.
#[derive(Debug, Clone)]
pub(crate) struct Inflight<I> {
    pub(crate) id: PublishId,
    pub(crate) publish: Publish,
    pub(crate) state: Awaiting,
    pub(crate) accepted_at: I,
    /// PUBREC's reason and properties, reported at PUBCOMP.
    pub(crate) pubrec: Option<(ReasonCode, Properties)>,
    /// Connections that ended soon after it was sent on them, without its
    /// acknowledgement (see `Config::max_publish_attempts`). Not in snapshots.
    pub(crate) attempts: u16,
    /// Not yet resent on this connection: at reconnect the broker's Receive
    /// Maximum had no room for it (see `resend_session`).
    pub(crate) resend: bool,
}

impl<I> Inflight<I> {
    pub(crate) fn packet_id(&self) -> PacketId {
        // Invariant: every in-flight publish is QoS 1 or 2 and was given a
        // packet id before it entered the in-flight map.
        self.publish
            .packet_id
            .expect("in-flight publish has a packet id")
    }
}

/// A publish accepted but not sent yet.
#[derive(Debug, Clone)]
pub(crate) struct Queued<I> {
    pub(crate) id: PublishId,
    pub(crate) msg: OutgoingPublish,
    pub(crate) accepted_at: I,
}

/// Bytes of output not yet taken by the adapter beyond which publishes wait
/// in the queue instead of being encoded (see `output_has_room`).
pub(super) const UNSENT_BOUND: usize = 64 * 1024;

impl<I: Instant> Client<I> {
    /// The effective window: our `max_inflight` and the broker's Receive Maximum.
    /// Whether the bytes produced and not yet taken by
    /// [`poll_transmit`](super::Client::poll_transmit) leave room for another
    /// publish. QoS 0 publishes have no window: without this bound a caller
    /// faster than the socket would grow the output buffer without limit.
    /// Beyond it they wait in the bounded queue (`max_queued`) and go out as
    /// the adapter takes the bytes.
    pub(super) fn output_has_room(&self) -> bool {
        self.tx.len() < UNSENT_BOUND
    }

    fn window(&self) -> usize {
        self.cfg.max_inflight.min(self.limits.receive_maximum) as usize
    }

    /// Checks a message against the rules and the broker's limits; returns
    /// it back with its encoded size.
    fn check_publish(&self, msg: OutgoingPublish) -> Result<OutgoingPublish, PublishError> {
        crate::topic::validate_topic_name(&msg.topic).map_err(PublishError::InvalidTopic)?;
        if msg.properties.topic_alias.is_some() {
            return Err(PublishError::ForbiddenProperty {
                property: "topic alias",
            });
        }
        if !msg.properties.subscription_identifiers.is_empty() {
            return Err(PublishError::ForbiddenProperty {
                property: "subscription identifier",
            });
        }
        if !self.is_v5() && !msg.properties.is_empty() {
            return Err(PublishError::RequiresV5);
        }
        if msg.qos > self.limits.maximum_qos {
            return Err(PublishError::QoSNotSupported {
                requested: msg.qos,
                maximum: self.limits.maximum_qos,
            });
        }
        if msg.retain && !self.limits.retain_available {
            return Err(PublishError::RetainNotSupported);
        }
        // The topic name was validated above: size the packet without
        // scanning it again (the encoder then skips it too, see `send_publish`).
        let size = codec::validated_publish_len(
            &msg.topic,
            msg.qos,
            &msg.properties,
            &msg.payload,
            self.protocol,
        )
        .map_err(|e| match e {
            EncodeError::InvalidTopicName(t) => PublishError::InvalidTopic(t),
            EncodeError::PropertiesNotSupported => PublishError::RequiresV5,
            EncodeError::PacketTooLarge { size, max } => PublishError::PacketTooLarge { size, max },
            e => PublishError::Encode(e),
        })?;
        if size > self.limits.maximum_packet_size {
            return Err(PublishError::PacketTooLarge {
                size,
                max: self.limits.maximum_packet_size,
            });
        }
        Ok(msg)
    }

    /// A publish of `qos` would go out at once (rather than into the queue).
    fn can_send_now(&self, qos: QoS) -> bool {
        self.state == State::Connected
            && self.queue.is_empty()
            && self.output_has_room()
            && (qos == QoS::AtMostOnce
                || (self.inflight.len() < self.window() && self.ids.in_use() < 65535))
    }

    /// [`Client::has_room_for`](super::Client::has_room_for).
    pub(super) fn room_for(&self, qos: QoS) -> bool {
        self.can_send_now(qos) || self.queue.len() < self.cfg.max_queued
    }

    pub(super) fn do_publish(
        &mut self,
        now: I,
        id: PublishId,
        msg: OutgoingPublish,
    ) -> Result<(), PublishError> {
        let msg = self.check_publish(msg)?;
        let can_send_now = self.can_send_now(msg.qos);
        if !can_send_now && self.queue.len() >= self.cfg.max_queued {
            return Err(PublishError::QueueFull {
                max: self.cfg.max_queued,
            });
        }
        self.next_publish_id = self.next_publish_id.max(id.0.saturating_add(1));
        if can_send_now {
            self.send_new(now, id, msg, now, true);
        } else {
            self.mark_queued(id, &msg);
            self.queue.push_back(Queued {
                id,
                msg,
                accepted_at: now,
            });
        }
        Ok(())
    }

    /// The connection ended `lasted` after its CONNACK, too soon to count as
    /// healthy: every publish still waiting for its first acknowledgement
    /// there was sent on it once more in vain; one that reached
    /// `max_publish_attempts` fails with [`PublishFailure::Undeliverable`]
    /// instead of being resent forever (each resend would end the next
    /// connection the same way, and every later publish wait behind it).
    pub(super) fn count_failed_attempts(&mut self) {
        let max = self.cfg.max_publish_attempts;
        if max == 0 {
            return;
        }
        let seqs: Vec<u64> = self.inflight.keys().copied().collect();
        for seq in seqs {
            let Some(e) = self.inflight.get_mut(&seq) else {
                continue;
            };
            if e.state == Awaiting::Comp || e.resend {
                // PUBREC received: the broker has it; or not sent on this
                // connection (held back for its Receive Maximum).
                continue;
            }
            e.attempts = e.attempts.saturating_add(1);
            if e.attempts < max {
                continue;
            }
            let Some(e) = self.inflight.remove(&seq) else {
                continue;
            };
            let pid = e.packet_id();
            self.inflight_by_pid.remove(&pid.get());
            if e.state == Awaiting::Rec {
                // The broker may hold it under this id (`[MQTT-4.3.3-10]`):
                // reusing the id before the session ends could make it
                // discard a new message as a duplicate.
                self.reserved_pids.push(pid);
            } else {
                self.ids.release(pid);
            }
            self.push_event(Event::PublishFailed {
                id: e.id,
                error: PublishFailure::Undeliverable {
                    attempts: e.attempts,
                },
            });
        }
    }

    /// Sends what waits while connected and the window allows: first the
    /// in-flight publishes held back at reconnect, in order, then the queue.
    pub(super) fn pump(&mut self, now: I) {
        while self.state == State::Connected
            && self.resends_waiting > 0
            && self.inflight.len() - self.resends_waiting < self.window()
        {
            let Some(seq) = self
                .inflight
                .iter()
                .find_map(|(seq, e)| e.resend.then_some(*seq))
            else {
                // Invariant: `resends_waiting` counts the entries marked `resend`.
                self.resends_waiting = 0;
                break;
            };
            let Some(mut entry) = self.inflight.remove(&seq) else {
                break;
            };
            entry.resend = false;
            self.resends_waiting -= 1;
            self.resend_publish(now, seq, entry);
        }
        while self.state == State::Connected && self.output_has_room() {
            let Some(front) = self.queue.front() else {
                break;
            };
            if front.msg.qos != QoS::AtMostOnce
                && (self.inflight.len() >= self.window() || self.ids.in_use() >= 65535)
            {
                break;
            }
            let Some(q) = self.queue.pop_front() else {
                break;
            };
            self.send_new(now, q.id, q.msg, q.accepted_at, false);
        }
    }

    /// First transmission of an accepted publish (also for a resend after
    /// session loss). Re-checks limits that may have changed since acceptance.
    fn send_new(
        &mut self,
        now: I,
        id: PublishId,
        mut msg: OutgoingPublish,
        accepted_at: I,
        checked: bool,
    ) {
        // Message expiry: drop what expired while waiting, count the wait down.
        if let Some(expiry) = msg.properties.message_expiry_interval {
            let waited = now.saturating_duration_since(accepted_at).as_secs();
            if waited >= expiry as u64 {
                self.push_event(Event::PublishFailed {
                    id,
                    error: PublishFailure::Expired,
                });
                return;
            }
            // No truncation or underflow: `waited < expiry <= u32::MAX` here.
            msg.properties.message_expiry_interval = Some(expiry - waited as u32);
        }
        let msg = match if checked {
            Ok(msg)
        } else {
            self.check_publish(msg)
        } {
            Ok(m) => m,
            Err(_) => {
                self.push_event(Event::PublishFailed {
                    id,
                    error: PublishFailure::RejectedByLimits,
                });
                return;
            }
        };
        let packet_id = if msg.qos == QoS::AtMostOnce {
            None
        } else {
            // Invariant: callers check `ids.in_use() < 65535` before sending QoS > 0.
            match self.ids.allocate() {
                Some(p) => Some(p),
                None => {
                    self.queue.push_front(Queued {
                        id,
                        msg,
                        accepted_at,
                    });
                    return;
                }
            }
        };
        let mut publish = Publish {
            dup: false,
            qos: msg.qos,
            retain: msg.retain,
            topic: msg.topic,
            packet_id,
            properties: msg.properties,
            payload: msg.payload,
        };
        self.mark_sending(id, &publish);
        let sent = self.send_publish(now, &mut publish);
        match (packet_id, sent) {
            (_, Err(_)) => {
                // check_publish measured this packet against the same limit;
                // an alias only shortens it. Never silently lost all the same.
                if let Some(p) = packet_id {
                    self.ids.release(p);
                }
                self.push_event(Event::PublishFailed {
                    id,
                    error: PublishFailure::RejectedByLimits,
                });
            }
            (None, Ok(())) => self.push_event(Event::PublishComplete {
                id,
                packet_id: None,
                reason: ReasonCode::Success,
                properties: Properties::default(),
            }),
            (Some(pid), Ok(())) => {
                let state = if publish.qos == QoS::AtLeastOnce {
                    Awaiting::Ack
                } else {
                    Awaiting::Rec
                };
                let seq = self.next_seq;
                self.next_seq += 1;
                self.inflight_by_pid.insert(pid.get(), seq);
                self.inflight.insert(
                    seq,
                    Inflight {
                        id,
                        publish,
                        state,
                        accepted_at,
                        pubrec: None,
                        attempts: 0,
                        resend: false,
                    },
                );
            }
        }
    }

    /// Encodes a PUBLISH, using (and assigning) an outbound topic alias when
    /// the broker allows them. `publish` is left with its full topic and no alias.
    fn send_publish(&mut self, now: I, publish: &mut Publish) -> Result<(), EncodeError> {
        let max = self.limits.topic_alias_maximum;
        let mut alias = None;
        let mut topic_on_wire = true;
        if max > 0 && !publish.dup {
            if let Some(&a) = self.aliases_out.get(publish.topic.as_str()) {
                alias = Some(a);
                topic_on_wire = false;
            } else if self.aliases_out.len() < max as usize {
                // No overflow: `len < max <= u16::MAX`, so `len + 1 <= u16::MAX`.
                let a = self.aliases_out.len() as u16 + 1;
                self.aliases_out.insert(publish.topic.clone(), a);
                alias = Some(a);
            }
        }
        let topic = if topic_on_wire {
            None
        } else {
            Some(core::mem::take(&mut publish.topic))
        };
        // Touch the properties only when there is an alias: writing to them
        // may allocate, and the QoS 0 hot path allocates nothing.
        if alias.is_some() {
            publish.properties.topic_alias = alias;
        }
        // Every publish that reaches here had its topic name validated: by
        // `check_publish` when accepted, or by the decoder when restored from
        // a snapshot. Only the empty name of an aliased publish is new.
        let r = self.send_validated_publish(now, publish);
        if alias.is_some() {
            publish.properties.topic_alias = None;
        }
        if let Some(t) = topic {
            publish.topic = t;
        }
        r.map(|_| ())
    }

    /// CONNACK with Session Present: resend every in-flight publish with DUP
    /// and every PUBREL, in original order `[MQTT-4.4.0-1]` (v5 `[MQTT-4.4.0-1]`).
    /// Resent publishes count against the broker's Receive Maximum like new
    /// ones `[MQTT-3.3.4-7]` (its quota starts again on every connection, and
    /// may be smaller than before): those without room are marked `resend`
    /// and go out, in order, as acknowledgements free it (`pump`).
    pub(super) fn resend_session(&mut self, now: I) {
        let window = self.window();
        let mut used = 0;
        self.resends_waiting = 0;
        let seqs: Vec<u64> = self.inflight.keys().copied().collect();
        for seq in seqs {
            let Some(mut entry) = self.inflight.remove(&seq) else {
                continue;
            };
            entry.resend = false;
            match entry.state {
                Awaiting::Ack | Awaiting::Rec if used >= window => {
                    entry.resend = true;
                    self.resends_waiting += 1;
                    self.inflight.insert(seq, entry);
                }
                Awaiting::Ack | Awaiting::Rec => {
                    used += 1;
                    self.resend_publish(now, seq, entry);
                }
                Awaiting::Comp => {
                    // Counted as using the window too, as `pump` counts it.
                    used += 1;
                    let pid = entry.packet_id();
                    let _ = self.send(now, &Packet::PubRel(ack(pid, ReasonCode::Success)));
                    self.inflight.insert(seq, entry);
                }
            }
        }
    }

    /// Sends an in-flight publish again (DUP) and puts it back in flight.
    fn resend_publish(&mut self, now: I, seq: u64, mut entry: Inflight<I>) {
        entry.publish.dup = true;
        // Aliases do not survive the connection: full topic `[MQTT-3.3.2-7]`.
        if self.send_publish(now, &mut entry.publish).is_err() {
            // The broker's new Maximum Packet Size no longer fits it:
            // hand it back rather than hold it forever.
            let pid = entry.packet_id();
            self.inflight_by_pid.remove(&pid.get());
            self.ids.release(pid);
            self.push_event(Event::PublishFailed {
                id: entry.id,
                error: PublishFailure::RejectedByLimits,
            });
            return;
        }
        self.inflight.insert(seq, entry);
    }

    /// CONNACK without Session Present: the broker forgot the session.
    pub(super) fn session_lost(&mut self, now: I) {
        let had_state = self.has_session
            && (!self.inflight.is_empty()
                || !self.inbound_qos2.is_empty()
                || !self.subs.is_empty());
        self.inbound_qos2.clear();
        self.mark_inbound_cleared();
        self.inbound_qos1.clear();
        self.session_epoch += 1;
        // A new session: no broker state can hold these any more.
        for pid in core::mem::take(&mut self.reserved_pids) {
            self.ids.release(pid);
        }
        let entries: Vec<Inflight<I>> = core::mem::take(&mut self.inflight).into_values().collect();
        self.resends_waiting = 0;
        self.inflight_by_pid.clear();
        let resend = self.cfg.on_session_lost == SessionLostPolicy::Resend;
        let mut affected = Vec::new();
        let mut requeue = Vec::new();
        for e in entries {
            let pid = e.packet_id();
            self.ids.release(pid);
            if e.state == Awaiting::Comp {
                // PUBREC received: the broker owns the message.
                let (reason, properties) = e
                    .pubrec
                    .unwrap_or((ReasonCode::Success, Properties::default()));
                self.push_event(Event::PublishComplete {
                    id: e.id,
                    packet_id: Some(pid),
                    reason,
                    properties,
                });
                continue;
            }
            affected.push(e.id);
            if resend {
                requeue.push(Queued {
                    id: e.id,
                    msg: OutgoingPublish {
                        topic: e.publish.topic,
                        payload: e.publish.payload,
                        qos: e.publish.qos,
                        retain: e.publish.retain,
                        properties: e.publish.properties,
                    },
                    accepted_at: e.accepted_at,
                });
            } else {
                self.push_event(Event::PublishFailed {
                    id: e.id,
                    error: PublishFailure::SessionLost,
                });
            }
        }
        // Resent ones go first, in their original order.
        for q in requeue.into_iter().rev() {
            self.mark_queued(q.id, &q.msg);
            self.queue.push_front(q);
        }
        if had_state {
            self.push_event(Event::SessionLost {
                affected,
                resent: resend,
            });
        }
        if self.cfg.resubscribe_on_session_loss {
            self.resubscribe(now);
        }
    }

    fn take_inflight(&mut self, pid: PacketId) -> Option<(u64, Inflight<I>)> {
        let seq = *self.inflight_by_pid.get(&pid.get())?;
        let mut entry = self.inflight.remove(&seq)?;
        if entry.resend {
            // Acknowledged before we resent it: nothing left to resend.
            entry.resend = false;
            self.resends_waiting -= 1;
        }
        Some((seq, entry))
    }

    fn complete(&mut self, now: I, entry: Inflight<I>, reason: ReasonCode, properties: Properties) {
        let pid = entry.packet_id();
        self.inflight_by_pid.remove(&pid.get());
        self.ids.release(pid);
        self.push_event(Event::PublishComplete {
            id: entry.id,
            packet_id: Some(pid),
            reason,
            properties,
        });
        self.pump(now);
    }

    pub(super) fn on_puback(&mut self, now: I, r: PubResponse) {
        let Some((_, entry)) = self.take_inflight(r.packet_id) else {
            return self.unknown_id(now, PacketType::PubAck, r.packet_id);
        };
        if entry.state != Awaiting::Ack {
            let v = ProtocolViolation::UnexpectedPubAck {
                packet_id: r.packet_id,
            };
            return self.fail_inflight(now, entry, v);
        }
        self.complete(now, entry, r.reason, r.properties);
    }

    pub(super) fn on_pubrec(&mut self, now: I, r: PubResponse) {
        let Some((seq, mut entry)) = self.take_inflight(r.packet_id) else {
            return self.unknown_id(now, PacketType::PubRec, r.packet_id);
        };
        match entry.state {
            Awaiting::Ack => {
                let v = ProtocolViolation::UnexpectedPubRec {
                    packet_id: r.packet_id,
                };
                self.fail_inflight(now, entry, v);
            }
            Awaiting::Rec if r.reason.is_error() => {
                // The broker refused it: no PUBREL; the id is free `[MQTT-4.3.3-4]`.
                self.complete(now, entry, r.reason, r.properties);
            }
            Awaiting::Rec | Awaiting::Comp => {
                if entry.state == Awaiting::Rec && self.durable.is_some() {
                    // Stored before the PUBREL goes: a restart must not
                    // resend the PUBLISH the broker already released.
                    self.mark_out(entry.id, Some((3, entry.publish.clone())), true);
                }
                entry.state = Awaiting::Comp;
                if entry.pubrec.is_none() {
                    entry.pubrec = Some((r.reason, r.properties));
                }
                self.inflight.insert(seq, entry);
                let _ = self.send(now, &Packet::PubRel(ack(r.packet_id, ReasonCode::Success)));
            }
        }
    }

    pub(super) fn on_pubcomp(&mut self, now: I, r: PubResponse) {
        let Some((_, mut entry)) = self.take_inflight(r.packet_id) else {
            return self.unknown_id(now, PacketType::PubComp, r.packet_id);
        };
        if entry.state != Awaiting::Comp {
            let v = ProtocolViolation::UnexpectedPubComp {
                packet_id: r.packet_id,
            };
            return self.fail_inflight(now, entry, v);
        }
        let (reason, properties) = match entry.pubrec.take() {
            Some(rec) if !r.reason.is_error() => rec,
            _ => (r.reason, r.properties),
        };
        self.complete(now, entry, reason, properties);
    }

    /// The broker answered this publish with the wrong acknowledgement. Its
    /// fate is unknown (RabbitMQ answers QoS 2 with PUBACK): resending it
    /// would fail the same way on every reconnect, so hand it back, then end
    /// the connection.
    fn fail_inflight(&mut self, now: I, entry: Inflight<I>, v: ProtocolViolation) {
        let pid = entry.packet_id();
        self.inflight_by_pid.remove(&pid.get());
        self.ids.release(pid);
        self.push_event(Event::PublishFailed {
            id: entry.id,
            error: PublishFailure::BrokerProtocolError(v),
        });
        self.violation(now, v);
    }

    pub(super) fn unknown_id(&mut self, now: I, packet: PacketType, packet_id: PacketId) {
        self.violation(
            now,
            ProtocolViolation::UnknownPacketId { packet, packet_id },
        );
    }
}

/// PUBACK / PUBREC / PUBREL / PUBCOMP body.
pub(crate) fn ack(packet_id: PacketId, reason: ReasonCode) -> PubResponse {
    PubResponse {
        packet_id,
        reason,
        properties: Properties::default(),
    }
}
