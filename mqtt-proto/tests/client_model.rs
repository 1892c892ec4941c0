//! Model-based property test: random commands, broker behaviours, clock
//! steps and connection drops at any byte (either direction), then a settle
//! phase with a well-behaved broker.
//!
//! Invariants checked after every step and at the end:
//! - every accepted publish ends with exactly one `PublishComplete` or
//!   `PublishFailed` (none twice, none invented, none missing after settle);
//! - an inbound QoS 2 message is delivered at most once, and exactly once
//!   when the session is never lost;
//! - no packet id is reused while in flight (checked by the model broker on
//!   the wire, and by the client's id accounting: every in-flight publish
//!   holds its id, nothing else leaks one);
//! - the window and the queue stay within their configured bounds, and in
//!   MQTT 5 the publishes unacknowledged on a connection (resends included)
//!   within the Receive Maximum the broker announced on it (checked on the
//!   wire by the model broker; the broker may change it between
//!   connections) [MQTT-3.3.4-7];
//! - after settling, the broker holds exactly the subscriptions the client
//!   reports granted (the client subscribes again after a session loss);
//! - nothing panics.

#[path = "support/broker.rs"]
mod broker;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use broker::{filter, Behaviour, Pair};
use bytes::Bytes;
use mqtt_sansio::client::{
    AckToken, Config, DisconnectError, DisconnectOptions, Event, OutgoingPublish, PublishError,
    ReconnectPolicy, SessionLostPolicy, SubscriptionState,
};
use mqtt_sansio::codec::{ByteStr, Properties, ProtocolVersion, QoS};
use proptest::prelude::*;

const TOPICS: [&str; 3] = ["m/a", "m/b", "other"];

#[derive(Debug, Clone)]
enum Op {
    Publish {
        qos: u8,
        topic: usize,
    },
    Subscribe {
        topic: usize,
        qos: u8,
    },
    Unsubscribe {
        topic: usize,
    },
    BrokerDeliver {
        qos: u8,
    },
    BrokerRedeliver,
    AckOldest,
    Advance {
        ms: u32,
    },
    Drop,
    CutClientAfter {
        bytes: u8,
    },
    CutBrokerAfter {
        bytes: u8,
    },
    SetBrokerAcks(bool),
    SetBrokerAnswersPing(bool),
    BrokerForgetsSessions(bool),
    /// MQTT 5: the Receive Maximum of the broker's next CONNACKs.
    SetBrokerReceiveMax(u16),
    Connect,
    Disconnect,
    /// The process dies: snapshot, drop the transport, restore a new client.
    SnapshotRestore,
}

fn qos(n: u8) -> QoS {
    QoS::from_u8(n % 3).unwrap_or(QoS::AtMostOnce)
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0u8..3, 0usize..3).prop_map(|(qos, topic)| Op::Publish { qos, topic }),
        1 => (0usize..3, 0u8..3).prop_map(|(topic, qos)| Op::Subscribe { topic, qos }),
        1 => (0usize..3).prop_map(|topic| Op::Unsubscribe { topic }),
        3 => (0u8..3).prop_map(|qos| Op::BrokerDeliver { qos }),
        1 => Just(Op::BrokerRedeliver),
        2 => Just(Op::AckOldest),
        3 => (0u32..90_000).prop_map(|ms| Op::Advance { ms }),
        1 => Just(Op::Drop),
        1 => any::<u8>().prop_map(|bytes| Op::CutClientAfter { bytes }),
        1 => any::<u8>().prop_map(|bytes| Op::CutBrokerAfter { bytes }),
        1 => any::<bool>().prop_map(Op::SetBrokerAcks),
        1 => any::<bool>().prop_map(Op::SetBrokerAnswersPing),
        1 => any::<bool>().prop_map(Op::BrokerForgetsSessions),
        1 => (1u16..4).prop_map(Op::SetBrokerReceiveMax),
        1 => Just(Op::Connect),
        1 => Just(Op::Disconnect),
        1 => Just(Op::SnapshotRestore),
    ]
}

#[derive(Debug, Clone)]
struct Setup {
    v5: bool,
    max_inflight: u16,
    max_queued: usize,
    manual_acks: bool,
    clean_start: bool,
    reconnect: bool,
    report_on_loss: bool,
    seed: u64,
    /// MQTT 5 broker limits in CONNACK: Topic Alias Maximum, Receive Maximum.
    broker_alias_max: u16,
    broker_receive_max: u16,
}

fn setup() -> impl Strategy<Value = Setup> {
    (
        any::<bool>(),
        1u16..4,
        0usize..6,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<u64>(),
        (0u16..3, 1u16..4),
    )
        .prop_map(
            |(
                v5,
                max_inflight,
                max_queued,
                manual_acks,
                clean_start,
                reconnect,
                report_on_loss,
                seed,
                (broker_alias_max, broker_receive_max),
            )| Setup {
                v5,
                max_inflight,
                max_queued,
                manual_acks,
                clean_start,
                reconnect,
                report_on_loss,
                seed,
                broker_alias_max,
                broker_receive_max,
            },
        )
}

fn config(s: &Setup) -> Config {
    let mut c = Config::default()
        .client_id("model")
        .protocol(if s.v5 {
            ProtocolVersion::V5
        } else {
            ProtocolVersion::V3_1_1
        })
        .keep_alive(Duration::from_secs(30))
        .max_inflight(s.max_inflight)
        .max_queued(s.max_queued)
        .manual_acks(s.manual_acks)
        .clean_start(s.clean_start)
        .seed(s.seed);
    if s.reconnect {
        c = c.reconnect(ReconnectPolicy::backoff(
            Duration::from_millis(100),
            Duration::from_secs(5),
        ));
    }
    if s.report_on_loss {
        c.on_session_lost = SessionLostPolicy::Report;
    }
    c
}

/// What the test knows from the outside.
#[derive(Default)]
struct Model {
    accepted: BTreeSet<u64>,
    resolved: BTreeMap<u64, &'static str>,
    qos2_delivered: BTreeMap<Vec<u8>, usize>,
    qos2_sent_by_broker: BTreeSet<Vec<u8>>,
    tokens: Vec<AckToken>,
    session_ever_lost: bool,
    /// The largest Receive Maximum set by `SetBrokerReceiveMax`.
    largest_receive_max: u16,
    /// `Connected` events without Session Present (compared with the
    /// broker's count of new sessions: fewer means a CONNACK was cut).
    new_sessions_seen: usize,
    /// A restart dropped unacknowledged manual-ack QoS 2 messages, which the
    /// broker then delivers again: exactly-once is not promised for them.
    restarted_with_unacked: bool,
    next_tag: u64,
}

impl Model {
    fn absorb(&mut self, events: Vec<Event>) -> Result<(), TestCaseError> {
        for e in events {
            match e {
                Event::PublishComplete { id, .. } => {
                    prop_assert!(
                        self.accepted.contains(&id.0),
                        "completion for unknown {id:?}"
                    );
                    prop_assert!(
                        self.resolved.insert(id.0, "complete").is_none(),
                        "{id:?} resolved twice"
                    );
                }
                Event::PublishFailed { id, .. } => {
                    prop_assert!(self.accepted.contains(&id.0), "failure for unknown {id:?}");
                    prop_assert!(
                        self.resolved.insert(id.0, "failed").is_none(),
                        "{id:?} resolved twice"
                    );
                }
                Event::Message { publish, ack } => {
                    // Broker-originated messages (tag `b…`): one message each.
                    // Our own publishes routed back may legitimately come
                    // twice: a resend after session loss is a new message.
                    if publish.qos == QoS::ExactlyOnce && publish.payload.starts_with(b"b") {
                        let n = self
                            .qos2_delivered
                            .entry(publish.payload.to_vec())
                            .or_default();
                        *n += 1;
                        prop_assert!(
                            *n == 1 || self.restarted_with_unacked,
                            "QoS 2 message delivered {n} times"
                        );
                    }
                    if let Some(t) = ack {
                        self.tokens.push(t);
                    }
                }
                Event::Connected {
                    session_present: false,
                    ..
                } => {
                    self.session_ever_lost = true;
                    self.new_sessions_seen += 1;
                }
                Event::SessionLost { .. } => {
                    self.session_ever_lost = true;
                }
                _ => {}
            }
        }
        Ok(())
    }
}

fn check_bounds(p: &Pair, s: &Setup, m: &Model) -> Result<(), TestCaseError> {
    prop_assert!(p.client.inflight_publishes() <= s.max_inflight as usize);
    if s.v5 && p.client.is_connected() {
        // Per connection the broker checks the exact rule on the wire; here:
        // never more in flight than the largest Receive Maximum announced.
        let largest = s.broker_receive_max.max(m.largest_receive_max);
        let window = s.max_inflight.min(largest) as usize;
        prop_assert!(
            p.client.inflight_publishes() <= window,
            "{} in flight over the broker's Receive Maximum {}",
            p.client.inflight_publishes(),
            largest
        );
    }
    // The documented bound (`Config::max_queued`): acceptance stops at
    // max_queued, and in-flight publishes put back after a reconnect may add
    // up to the window.
    prop_assert!(
        p.client.pending_publishes() <= s.max_queued + s.max_inflight as usize,
        "pending {} over max_queued {} + window {}",
        p.client.pending_publishes(),
        s.max_queued,
        s.max_inflight
    );
    prop_assert!(
        p.broker.errors.is_empty(),
        "broker saw: {:?}",
        p.broker.errors
    );
    // Every in-flight publish holds its packet id; only requests hold others.
    let ids = p.client.packet_ids_in_use();
    prop_assert!(
        ids >= p.client.inflight_publishes(),
        "an in-flight publish lost its id"
    );
    prop_assert!(
        ids <= p.client.inflight_publishes() + p.client.pending_requests(),
        "leaked ids"
    );
    Ok(())
}

fn behaviour(s: &Setup) -> Behaviour {
    let mut b = Behaviour::default();
    if s.v5 {
        b.connack_properties.topic_alias_maximum = Some(s.broker_alias_max);
        b.connack_properties.receive_maximum = Some(s.broker_receive_max);
    }
    b
}

fn run(s: Setup, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut p = Pair::new(config(&s), behaviour(&s));
    let mut m = Model::default();
    p.client.connect(p.now);
    p.drive();
    // A disconnect ended the client and no connect followed.
    let mut closed = false;
    for op in ops {
        match op {
            Op::Publish { qos: q, topic } => {
                let tag = m.next_tag;
                m.next_tag += 1;
                let msg = OutgoingPublish::new(
                    ByteStr::from_static(TOPICS[topic]),
                    Bytes::from(format!("c{tag}")),
                    qos(q),
                );
                match p.client.publish(p.now, msg) {
                    Ok(id) => {
                        m.accepted.insert(id.0);
                    }
                    Err(PublishError::QueueFull { .. }) => {}
                    Err(e) => prop_assert!(false, "unexpected publish error {e:?}"),
                }
            }
            Op::Subscribe { topic, qos: q } => {
                let _ = p.client.subscribe(
                    p.now,
                    vec![filter(TOPICS[topic], qos(q))],
                    Properties::default(),
                );
            }
            Op::Unsubscribe { topic } => {
                let _ = p.client.unsubscribe(
                    p.now,
                    vec![ByteStr::from_static(TOPICS[topic])],
                    Properties::default(),
                );
            }
            Op::BrokerDeliver { qos: q } => {
                if p.open && p.broker.client_id.is_some() {
                    let tag = format!("b{}", m.next_tag);
                    m.next_tag += 1;
                    if qos(q) == QoS::ExactlyOnce {
                        m.qos2_sent_by_broker.insert(tag.clone().into_bytes());
                    }
                    p.broker.deliver(
                        ByteStr::from_static("in"),
                        Bytes::from(tag),
                        qos(q),
                        Properties::default(),
                    );
                }
            }
            Op::BrokerRedeliver => {
                // A 3.1.1 broker may resend unacknowledged deliveries with DUP.
                if p.open && p.broker.client_id.is_some() && !s.v5 {
                    let id = p.broker.client_id.clone().unwrap_or_default();
                    let pending: Vec<_> = p
                        .broker
                        .sessions
                        .get(&id)
                        .map(|x| x.outbound.values().cloned().collect())
                        .unwrap_or_default();
                    for mut publish in pending {
                        publish.dup = true;
                        p.broker.send(&mqtt_sansio::codec::Packet::Publish(publish));
                    }
                }
            }
            Op::AckOldest => {
                if !m.tokens.is_empty() {
                    let t = m.tokens.remove(0);
                    let _ = p.client.ack(p.now, t);
                }
            }
            Op::Advance { ms } => p.advance(Duration::from_millis(ms as u64)),
            Op::Drop => p.drop_connection(),
            Op::CutClientAfter { bytes } => p.cut_client_at = Some(p.client_bytes + bytes as usize),
            Op::CutBrokerAfter { bytes } => p.cut_broker_at = Some(p.broker_bytes + bytes as usize),
            Op::SetBrokerAcks(on) => p.broker.behaviour.ack_publishes = on,
            Op::SetBrokerAnswersPing(on) => p.broker.behaviour.answer_ping = on,
            Op::BrokerForgetsSessions(on) => p.broker.behaviour.forget_sessions = on,
            Op::SetBrokerReceiveMax(n) => {
                if s.v5 {
                    p.broker.behaviour.connack_properties.receive_maximum = Some(n);
                    m.largest_receive_max = m.largest_receive_max.max(n);
                }
            }
            Op::Connect => {
                p.client.connect(p.now);
                closed = false;
            }
            Op::SnapshotRestore => {
                let snap = p.client.snapshot(p.now).unwrap();
                if p.open {
                    p.open = false;
                    p.broker.accept();
                }
                p.client = mqtt_sansio::Client::restore(config(&s), &snap, p.now).unwrap();
                if m.tokens.iter().any(|t| t.qos() == QoS::ExactlyOnce) {
                    m.restarted_with_unacked = true;
                }
                m.tokens.clear();
                p.client.connect(p.now);
                closed = false;
            }
            Op::Disconnect => {
                let r = p.client.disconnect(p.now, DisconnectOptions::default());
                if closed {
                    // A second disconnect is refused and emits no second Closed.
                    prop_assert_eq!(r, Err(DisconnectError::AlreadyClosed));
                    prop_assert_eq!(p.client.poll_event(), None);
                } else {
                    prop_assert_eq!(r, Ok(()));
                    closed = true;
                }
            }
        }
        p.drive();
        let events = std::mem::take(&mut p.events);
        m.absorb(events)?;
        check_bounds(&p, &s, &m)?;
    }

    // Settle: a good broker, no cuts, everything acknowledged. A broker that
    // stopped acknowledging never will on that connection (MQTT 5 forbids
    // resending on it), so start a fresh one: the session resends.
    p.cut_client_at = None;
    p.cut_broker_at = None;
    p.broker.behaviour = behaviour(&s);
    p.drop_connection();
    for _ in 0..6 {
        if !p.client.is_connected() {
            p.client.connect(p.now);
        }
        p.advance(Duration::from_secs(10));
        let events = std::mem::take(&mut p.events);
        m.absorb(events)?;
        for t in std::mem::take(&mut m.tokens) {
            let _ = p.client.ack(p.now, t);
        }
        p.drive();
        let events = std::mem::take(&mut p.events);
        m.absorb(events)?;
        check_bounds(&p, &s, &m)?;
    }
    prop_assert!(p.client.is_connected(), "did not reconnect: {:?}", p.client);
    let unresolved: Vec<u64> = m
        .accepted
        .iter()
        .filter(|id| !m.resolved.contains_key(id))
        .copied()
        .collect();
    prop_assert!(
        unresolved.is_empty(),
        "accepted publishes never completed or reported: {unresolved:?} (pending {})",
        p.client.pending_publishes()
    );
    prop_assert_eq!(p.client.pending_publishes(), 0);
    prop_assert_eq!(p.client.pending_requests(), 0);
    let granted: BTreeSet<String> = p
        .client
        .subscriptions()
        .iter()
        .filter(|x| matches!(x.state, SubscriptionState::Granted(_)))
        .map(|x| x.filter.to_string())
        .collect();
    let held: BTreeSet<String> = p
        .broker
        .sessions
        .get("model")
        .map(|x| x.subs.keys().cloned().collect())
        .unwrap_or_default();
    // Unless a CONNACK announcing a new session was cut: then the client
    // could not know the broker dropped its subscriptions.
    if m.new_sessions_seen == p.broker.new_sessions {
        prop_assert_eq!(
            granted,
            held,
            "client's granted subscriptions vs the broker's"
        );
    }
    if !m.session_ever_lost && !s.clean_start && !m.restarted_with_unacked {
        for tag in &m.qos2_sent_by_broker {
            prop_assert_eq!(
                m.qos2_delivered.get(tag).copied().unwrap_or(0),
                1,
                "QoS 2 {:?} not delivered exactly once",
                String::from_utf8_lossy(tag)
            );
        }
    }
    Ok(())
}

proptest! {
    // 384 cases by default (about two seconds); PROPTEST_CASES raises it.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(384),
        .. ProptestConfig::default()
    })]

    #[test]
    fn client_keeps_its_promises_under_random_operation(s in setup(), ops in proptest::collection::vec(op(), 1..60)) {
        run(s, ops)?;
    }
}

/// A case the model test found: the broker replaced the session while the
/// CONNACK that said so was cut; the client, told "session present" on the
/// next connection, acks a QoS 2 message of the old session whose packet id
/// the broker has since reused for a QoS 1 delivery.
#[test]
fn qos2_ack_of_a_silently_replaced_session_does_not_ack_a_reused_id() {
    let s = Setup {
        v5: false,
        max_inflight: 1,
        max_queued: 2,
        manual_acks: true,
        clean_start: false,
        reconnect: false,
        report_on_loss: false,
        seed: 0,
        broker_alias_max: 0,
        broker_receive_max: 1,
    };
    let ops = vec![
        Op::BrokerDeliver { qos: 2 },
        Op::BrokerDeliver { qos: 1 },
        Op::Drop,
        Op::CutBrokerAfter { bytes: 24 },
        Op::CutClientAfter { bytes: 19 },
        Op::Subscribe { topic: 1, qos: 1 },
        Op::Publish { qos: 0, topic: 0 },
        Op::SnapshotRestore,
        Op::BrokerForgetsSessions(true),
        Op::Publish { qos: 1, topic: 1 },
        Op::Connect,
    ];
    run(s, ops).unwrap();
}
