//! Inbound application messages: topic aliases, QoS 1 and 2 (exactly once),
//! manual acknowledgements and the Receive Maximum we advertised.

use super::error::{AckError, ProtocolViolation};
use super::event::{AckToken, Event};
use super::outbound::ack;
use super::{Client, State};
use crate::codec::{Packet, PubResponse, Publish, QoS, ReasonCode};
use crate::time::Instant;

impl<I: Instant> Client<I> {
    pub(super) fn on_publish(&mut self, now: I, mut p: Publish) {
        // Topic alias `[MQTT-3.3.2-8]` .. `[MQTT-3.3.2-12]` (v5).
        if let Some(alias) = p.properties.topic_alias {
            let slot = alias as usize;
            if alias == 0 || slot >= self.aliases_in.len() {
                return self.violation(now, ProtocolViolation::InvalidTopicAlias { alias });
            }
            if p.topic.is_empty() {
                match &self.aliases_in[slot] {
                    Some(t) => p.topic = t.clone(),
                    None => {
                        return self.violation(now, ProtocolViolation::InvalidTopicAlias { alias })
                    }
                }
            } else {
                self.aliases_in[slot] = Some(p.topic.clone());
            }
        } else if p.topic.is_empty() {
            return self.violation(now, ProtocolViolation::EmptyTopic);
        }
        let manual = self.cfg.manual_acks;
        match (p.qos, p.packet_id) {
            (QoS::AtMostOnce, _) | (_, None) => {
                self.push_event(Event::Message {
                    publish: p,
                    ack: None,
                });
            }
            (QoS::AtLeastOnce, Some(pid)) => {
                if manual {
                    if !self.inbound_qos1.contains(&pid.get()) {
                        if self.inbound_over_limit() {
                            return self.violation(now, ProtocolViolation::ReceiveMaximumExceeded);
                        }
                        self.inbound_qos1.insert(pid.get());
                    }
                    let token = self.token(pid, QoS::AtLeastOnce);
                    self.push_event(Event::Message {
                        publish: p,
                        ack: Some(token),
                    });
                } else {
                    self.push_event(Event::Message {
                        publish: p,
                        ack: None,
                    });
                    let _ = self.send(now, &Packet::PubAck(ack(pid, ReasonCode::Success)));
                }
            }
            (QoS::ExactlyOnce, Some(pid)) => {
                match self.inbound_qos2.get(&pid.get()) {
                    // Already delivered: never again `[MQTT-4.3.3-2]`. Answer
                    // PUBREC again if the application has acknowledged it.
                    Some(&acked) => {
                        if acked {
                            let _ = self.send(now, &Packet::PubRec(ack(pid, ReasonCode::Success)));
                        }
                    }
                    None => {
                        if self.inbound_over_limit() {
                            return self.violation(now, ProtocolViolation::ReceiveMaximumExceeded);
                        }
                        self.inbound_qos2.insert(pid.get(), !manual);
                        let token = manual.then(|| self.token(pid, QoS::ExactlyOnce));
                        self.push_event(Event::Message {
                            publish: p,
                            ack: token,
                        });
                        if !manual {
                            self.mark_in(pid, true, true);
                            let _ = self.send(now, &Packet::PubRec(ack(pid, ReasonCode::Success)));
                        }
                    }
                }
            }
        }
    }

    /// Whether one more unacknowledged inbound QoS 1/2 message would exceed
    /// the Receive Maximum we sent in CONNECT (MQTT 5 only).
    fn inbound_over_limit(&self) -> bool {
        self.is_v5()
            && self.inbound_qos1.len() + self.inbound_qos2.len()
                >= self.cfg.receive_maximum as usize
    }

    fn token(&self, pid: crate::codec::PacketId, qos: QoS) -> AckToken {
        AckToken {
            packet_id: pid,
            qos,
            connection: self.connection,
            session: self.session_epoch,
        }
    }

    pub(super) fn on_pubrel(&mut self, now: I, r: PubResponse) {
        let pid = r.packet_id;
        match self.inbound_qos2.get(&pid.get()) {
            Some(true) => {
                self.inbound_qos2.remove(&pid.get());
                self.mark_in(pid, false, false);
                let _ = self.send(now, &Packet::PubComp(ack(pid, ReasonCode::Success)));
            }
            Some(false) => self.violation(
                now,
                ProtocolViolation::PubRelBeforePubRec { packet_id: pid },
            ),
            None => {
                // Not held (already completed, or state lost): answer so the
                // broker can finish `[MQTT-4.3.3-11]`.
                let reason = if self.is_v5() {
                    ReasonCode::PacketIdentifierNotFound
                } else {
                    ReasonCode::Success
                };
                let _ = self.send(now, &Packet::PubComp(ack(pid, reason)));
            }
        }
    }

    pub(super) fn do_ack(&mut self, now: I, token: AckToken) -> Result<(), AckError> {
        if !self.cfg.manual_acks {
            return Err(AckError::ManualAcksDisabled);
        }
        let pid = token.packet_id;
        match token.qos {
            QoS::AtLeastOnce => {
                if token.connection != self.connection || self.state != State::Connected {
                    return Err(AckError::StaleConnection);
                }
                if !self.inbound_qos1.remove(&pid.get()) {
                    return Err(AckError::UnknownToken);
                }
                if self.state == State::Connected {
                    let _ = self.send(now, &Packet::PubAck(ack(pid, ReasonCode::Success)));
                }
                Ok(())
            }
            QoS::ExactlyOnce => {
                if token.session != self.session_epoch {
                    return Err(AckError::UnknownToken);
                }
                match self.inbound_qos2.get_mut(&pid.get()) {
                    Some(acked @ false) => {
                        *acked = true;
                        self.mark_in(pid, true, true);
                        if self.state == State::Connected {
                            let _ = self.send(now, &Packet::PubRec(ack(pid, ReasonCode::Success)));
                        }
                        Ok(())
                    }
                    _ => Err(AckError::UnknownToken),
                }
            }
            QoS::AtMostOnce => Err(AckError::UnknownToken),
        }
    }
}
