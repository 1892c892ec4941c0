//! SUBSCRIBE and UNSUBSCRIBE: validation, sending, acknowledgement, the
//! registry, and automatic re-subscription after a session loss.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use super::error::{ProtocolViolation, SubscribeError};
use super::event::{Event, RequestId};
use super::subscriptions::{Subscription, SubscriptionState};
use super::{Client, State};
use crate::codec::{
    ByteStr, EncodeError, Packet, PacketType, Properties, QoS, ReasonCode, RetainHandling, SubAck,
    Subscribe, SubscribeFilter, SubscriptionOptions, UnsubAck, Unsubscribe,
};
use crate::time::Instant;

/// The largest Subscription Identifier (a four-byte Variable Byte Integer).
const MAX_SUBSCRIPTION_ID: u32 = 268_435_455;

/// A SUBSCRIBE or UNSUBSCRIBE waiting to be sent or acknowledged.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) id: RequestId,
    pub(crate) kind: RequestKind,
    pub(crate) properties: Properties,
}

#[derive(Debug, Clone)]
pub(crate) enum RequestKind {
    Subscribe(Vec<SubscribeFilter>),
    Unsubscribe(Vec<ByteStr>),
}

impl Request {
    fn packet(&self, packet_id: crate::codec::PacketId) -> Packet {
        match &self.kind {
            RequestKind::Subscribe(filters) => Packet::Subscribe(Subscribe {
                packet_id,
                filters: filters.clone(),
                properties: self.properties.clone(),
            }),
            RequestKind::Unsubscribe(filters) => Packet::Unsubscribe(Unsubscribe {
                packet_id,
                filters: filters.clone(),
                properties: self.properties.clone(),
            }),
        }
    }
}

fn is_v5_only(o: &SubscriptionOptions) -> bool {
    o.no_local || o.retain_as_published || o.retain_handling != RetainHandling::SendAtSubscribe
}

impl<I: Instant> Client<I> {
    /// Requests that must wait (not connected, or others waiting) are bounded
    /// by `max_queued`; one that can go out at once always may.
    fn check_request_room(&self) -> Result<(), SubscribeError> {
        let goes_out_now = self.state == State::Connected && self.requests_pending.is_empty();
        if !goes_out_now && self.requests_pending.len() >= self.cfg.max_queued {
            return Err(SubscribeError::QueueFull {
                max: self.cfg.max_queued,
            });
        }
        Ok(())
    }

    fn check_encodable(&self, request: &Request) -> Result<(), SubscribeError> {
        let Some(pid) = crate::codec::PacketId::new(1) else {
            return Ok(());
        };
        let size =
            crate::codec::encoded_len(&request.packet(pid), self.protocol).map_err(
                |e| match e {
                    EncodeError::PropertiesNotSupported
                    | EncodeError::SubscriptionOptionsNotSupported => SubscribeError::RequiresV5,
                    e => SubscribeError::Encode(e),
                },
            )?;
        if size > self.limits.maximum_packet_size {
            return Err(SubscribeError::Encode(EncodeError::PacketTooLarge {
                size,
                max: self.limits.maximum_packet_size,
            }));
        }
        Ok(())
    }

    pub(super) fn do_subscribe(
        &mut self,
        now: I,
        filters: Vec<SubscribeFilter>,
        properties: Properties,
    ) -> Result<RequestId, SubscribeError> {
        if filters.is_empty() {
            return Err(SubscribeError::NoFilters);
        }
        let v5 = self.is_v5();
        if !v5 && (!properties.is_empty() || filters.iter().any(|f| is_v5_only(&f.options))) {
            return Err(SubscribeError::RequiresV5);
        }
        let identifier = match properties.subscription_identifiers.as_slice() {
            [] => None,
            [id] if (1..=MAX_SUBSCRIPTION_ID).contains(id) => Some(*id),
            _ => return Err(SubscribeError::InvalidSubscriptionIdentifier),
        };
        if identifier.is_some() && !self.limits.subscription_ids_available {
            return Err(SubscribeError::NotSupported {
                feature: "subscription identifiers",
            });
        }
        for (index, f) in filters.iter().enumerate() {
            crate::topic::validate_topic_filter(&f.filter)
                .map_err(|error| SubscribeError::InvalidFilter { index, error })?;
            let shared = crate::topic::shared_subscription(&f.filter);
            if shared.is_some() && f.options.no_local {
                return Err(SubscribeError::NoLocalOnSharedSubscription { index });
            }
            if shared.is_some() && !self.limits.shared_available {
                return Err(SubscribeError::NotSupported {
                    feature: "shared subscriptions",
                });
            }
            if (f.filter.contains('+') || f.filter.contains('#')) && !self.limits.wildcard_available
            {
                return Err(SubscribeError::NotSupported {
                    feature: "wildcard subscriptions",
                });
            }
        }
        self.check_request_room()?;
        let id = self.new_request_id();
        let request = Request {
            id,
            kind: RequestKind::Subscribe(filters),
            properties,
        };
        self.check_encodable(&request)?;
        if let RequestKind::Subscribe(filters) = &request.kind {
            for f in filters {
                self.subs.insert(Subscription {
                    filter: f.filter.clone(),
                    options: f.options,
                    identifier,
                    state: SubscriptionState::Pending,
                });
            }
        }
        self.requests_pending.push_back(request);
        self.send_pending_requests(now);
        Ok(id)
    }

    pub(super) fn do_unsubscribe(
        &mut self,
        now: I,
        filters: Vec<ByteStr>,
        properties: Properties,
    ) -> Result<RequestId, SubscribeError> {
        if filters.is_empty() {
            return Err(SubscribeError::NoFilters);
        }
        if !self.is_v5() && !properties.is_empty() {
            return Err(SubscribeError::RequiresV5);
        }
        for (index, f) in filters.iter().enumerate() {
            crate::topic::validate_topic_filter(f)
                .map_err(|error| SubscribeError::InvalidFilter { index, error })?;
        }
        self.check_request_room()?;
        let id = self.new_request_id();
        let request = Request {
            id,
            kind: RequestKind::Unsubscribe(filters),
            properties,
        };
        self.check_encodable(&request)?;
        self.requests_pending.push_back(request);
        self.send_pending_requests(now);
        Ok(id)
    }

    /// Sends every waiting request while connected and packet ids are free.
    pub(super) fn send_pending_requests(&mut self, now: I) {
        while self.state == State::Connected {
            let Some(request) = self.requests_pending.pop_front() else {
                break;
            };
            let Some(pid) = self.ids.allocate() else {
                self.requests_pending.push_front(request);
                break;
            };
            if self.send(now, &request.packet(pid)).is_err() {
                // Measured against the broker's limit at acceptance; a later
                // CONNACK lowered it. Report instead of dropping.
                self.ids.release(pid);
                self.fail_request(request, ReasonCode::PacketTooLarge);
                continue;
            }
            self.requests_inflight.insert(pid.get(), request);
        }
    }

    /// A request the broker will never see: completes with a failure code per filter.
    fn fail_request(&mut self, request: Request, code: ReasonCode) {
        match request.kind {
            RequestKind::Subscribe(filters) => {
                let filters: Vec<ByteStr> = filters.into_iter().map(|f| f.filter).collect();
                for f in &filters {
                    self.subs.refuse(f);
                }
                let codes = alloc::vec![code; filters.len()];
                self.push_event(Event::SubscribeComplete {
                    id: request.id,
                    filters,
                    codes,
                    properties: Properties::default(),
                });
            }
            RequestKind::Unsubscribe(filters) => {
                let codes = alloc::vec![code; filters.len()];
                self.push_event(Event::UnsubscribeComplete {
                    id: request.id,
                    filters,
                    codes,
                    properties: Properties::default(),
                });
            }
        }
    }

    /// The connection ended: unacknowledged requests go back to the front of
    /// the waiting list, in their original order, and are sent after the next CONNACK.
    pub(super) fn requeue_inflight_requests(&mut self) {
        let inflight = core::mem::take(&mut self.requests_inflight);
        let mut by_id: Vec<Request> = Vec::with_capacity(inflight.len());
        for (pid, request) in inflight {
            if let Some(p) = crate::codec::PacketId::new(pid) {
                self.ids.release(p);
            }
            by_id.push(request);
        }
        by_id.sort_by_key(|r| r.id);
        for r in by_id.into_iter().rev() {
            self.requests_pending.push_front(r);
        }
    }

    /// Subscribes again to every granted filter (one SUBSCRIBE per
    /// Subscription Identifier), ahead of other waiting requests.
    pub(super) fn resubscribe(&mut self, _now: I) {
        let mut groups: BTreeMap<Option<u32>, Vec<SubscribeFilter>> = BTreeMap::new();
        for s in self.subs.iter() {
            if let SubscriptionState::Granted(_) = s.state {
                groups
                    .entry(s.identifier)
                    .or_default()
                    .push(SubscribeFilter {
                        filter: s.filter.clone(),
                        options: s.options,
                    });
            }
        }
        let mut requests = Vec::new();
        for (identifier, filters) in groups {
            let mut properties = Properties::default();
            if let Some(id) = identifier {
                properties.subscription_identifiers.push(id);
            }
            for f in &filters {
                if let Some(s) = self.subs.get_mut(&f.filter) {
                    s.state = SubscriptionState::Pending;
                }
            }
            let id = self.new_request_id();
            requests.push(Request {
                id,
                kind: RequestKind::Subscribe(filters),
                properties,
            });
        }
        for r in requests.into_iter().rev() {
            self.requests_pending.push_front(r);
        }
    }

    /// Whether a SUBSCRIBE naming `filter`, made after request `after`, is
    /// still waiting or unacknowledged (the registry entry is then its own).
    fn later_subscribe_outstanding(&self, filter: &str, after: RequestId) -> bool {
        self.requests_pending
            .iter()
            .chain(self.requests_inflight.values())
            .any(|r| {
                r.id > after
                    && matches!(&r.kind, RequestKind::Subscribe(fs)
                        if fs.iter().any(|f| f.filter.as_str() == filter))
            })
    }

    fn take_request(&mut self, pid: crate::codec::PacketId) -> Option<Request> {
        let r = self.requests_inflight.remove(&pid.get())?;
        self.ids.release(pid);
        Some(r)
    }

    pub(super) fn on_suback(&mut self, now: I, ack: SubAck) {
        let filters = match self.requests_inflight.get(&ack.packet_id.get()) {
            Some(Request {
                kind: RequestKind::Subscribe(f),
                ..
            }) => f.len(),
            _ => return self.unknown_id(now, PacketType::SubAck, ack.packet_id),
        };
        if ack.codes.len() != filters {
            return self.violation(
                now,
                ProtocolViolation::AckCountMismatch {
                    expected: filters,
                    got: ack.codes.len(),
                },
            );
        }
        let Some(Request {
            id,
            kind: RequestKind::Subscribe(filters),
            ..
        }) = self.take_request(ack.packet_id)
        else {
            return;
        };
        let mut names = Vec::with_capacity(filters.len());
        for (f, code) in filters.into_iter().zip(ack.codes.iter()) {
            let granted = match code {
                ReasonCode::Success => Some(QoS::AtMostOnce),
                ReasonCode::GrantedQoS1 => Some(QoS::AtLeastOnce),
                ReasonCode::GrantedQoS2 => Some(QoS::ExactlyOnce),
                _ => None,
            };
            match granted {
                Some(q) => self.subs.grant(&f.filter, q),
                // A later SUBSCRIBE of the filter still outstanding decides.
                None => {
                    if !self.later_subscribe_outstanding(&f.filter, id) {
                        self.subs.refuse(&f.filter);
                    }
                }
            }
            names.push(f.filter);
        }
        self.push_event(Event::SubscribeComplete {
            id,
            filters: names,
            codes: ack.codes,
            properties: ack.properties,
        });
    }

    pub(super) fn on_unsuback(&mut self, now: I, ack: UnsubAck) {
        let filters = match self.requests_inflight.get(&ack.packet_id.get()) {
            Some(Request {
                kind: RequestKind::Unsubscribe(f),
                ..
            }) => f.len(),
            _ => return self.unknown_id(now, PacketType::UnsubAck, ack.packet_id),
        };
        if self.is_v5() && ack.codes.len() != filters {
            return self.violation(
                now,
                ProtocolViolation::AckCountMismatch {
                    expected: filters,
                    got: ack.codes.len(),
                },
            );
        }
        let Some(Request {
            id,
            kind: RequestKind::Unsubscribe(filters),
            ..
        }) = self.take_request(ack.packet_id)
        else {
            return;
        };
        for (i, f) in filters.iter().enumerate() {
            let removed = !ack.codes.get(i).is_some_and(|c| c.is_error());
            // A SUBSCRIBE to the same filter made after this UNSUBSCRIBE owns
            // the registry entry now: the broker applies the two in order.
            if removed && !self.later_subscribe_outstanding(f, id) {
                self.subs.remove(f);
            }
        }
        self.push_event(Event::UnsubscribeComplete {
            id,
            filters,
            codes: ack.codes,
            properties: ack.properties,
        });
    }
}
