//! MQTT 5: topic aliases both ways, server DISCONNECT, subscription
//! identifiers and options, shared subscriptions, enhanced authentication,
//! message and session expiry, request/response and user properties.

#[path = "support/broker.rs"]
mod broker;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use broker::{config, config_v5, filter, msg, Behaviour, Pair};
use bytes::Bytes;
use mqtt_sansio::client::{
    AuthFailure, Authenticator, ConnectionError, Event, ProtocolViolation, PublishFailure,
    SubscribeError,
};
use mqtt_sansio::codec::{
    Auth, ByteStr, ConnAck, Packet, Properties, Publish, QoS, ReasonCode, RetainHandling,
    SubscribeFilter, SubscriptionOptions,
};

fn quiet() -> Behaviour {
    Behaviour {
        route: false,
        ..Default::default()
    }
}

fn with_connack(props: Properties) -> Behaviour {
    Behaviour {
        connack_properties: props,
        ..quiet()
    }
}

fn sent_publishes(p: &Pair) -> Vec<Publish> {
    p.sent()
        .iter()
        .filter_map(|x| match x {
            Packet::Publish(p) => Some(p.clone()),
            _ => None,
        })
        .collect()
}

fn inbound(topic: &'static str, alias: Option<u16>) -> Packet {
    let mut properties = Properties::default();
    properties.topic_alias = alias;
    Packet::Publish(Publish {
        dup: false,
        qos: QoS::AtMostOnce,
        retain: false,
        topic: ByteStr::from_static(topic),
        packet_id: None,
        properties,
        payload: Bytes::from_static(b"p"),
    })
}

fn message_topics(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Message { publish, .. } => Some(publish.topic.to_string()),
            _ => None,
        })
        .collect()
}

// ------------------------------------------------------------ topic aliases

#[test]
fn outbound_topic_aliases_are_assigned_within_the_broker_maximum() {
    // v5 [MQTT-3.3.2-9]: never above the broker's Topic Alias Maximum.
    let mut props = Properties::default();
    props.topic_alias_maximum = Some(2);
    let mut p = Pair::connected(config_v5(), with_connack(props));
    for t in ["a", "a", "b", "c", "b"] {
        p.client
            .publish(p.now, msg(t, b"x", QoS::AtMostOnce))
            .unwrap();
    }
    p.drive();
    let wire: Vec<(String, Option<u16>)> = sent_publishes(&p)
        .iter()
        .map(|x| (x.topic.to_string(), x.properties.topic_alias))
        .collect();
    assert_eq!(
        wire,
        vec![
            ("a".into(), Some(1)),
            ("".into(), Some(1)),
            ("b".into(), Some(2)),
            ("c".into(), None),
            ("".into(), Some(2)),
        ]
    );
    let accepted: Vec<String> = p
        .broker
        .accepted
        .iter()
        .map(|x| x.topic.to_string())
        .collect();
    assert_eq!(accepted, ["a", "a", "b", "c", "b"]);
    assert!(p.broker.errors.is_empty(), "{:?}", p.broker.errors);
}

#[test]
fn no_outbound_aliases_without_a_broker_maximum() {
    let mut p = Pair::connected(config_v5(), quiet());
    for _ in 0..2 {
        p.client
            .publish(p.now, msg("a", b"x", QoS::AtMostOnce))
            .unwrap();
    }
    p.drive();
    assert!(sent_publishes(&p)
        .iter()
        .all(|x| x.properties.topic_alias.is_none() && &*x.topic == "a"));
}

#[test]
fn aliases_do_not_outlive_the_connection() {
    // v5 [MQTT-3.3.2-7]: alias mappings end with the network connection.
    let mut props = Properties::default();
    props.topic_alias_maximum = Some(4);
    let mut p = Pair::connected(config_v5(), with_connack(props));
    p.client
        .publish(p.now, msg("a", b"x", QoS::AtMostOnce))
        .unwrap();
    p.drive();
    p.drop_connection();
    p.connect();
    p.client
        .publish(p.now, msg("a", b"x", QoS::AtMostOnce))
        .unwrap();
    p.drive();
    let last = sent_publishes(&p).pop().unwrap();
    assert_eq!(
        &*last.topic, "a",
        "the topic is sent again on a new connection"
    );
}

#[test]
fn user_supplied_topic_alias_is_refused() {
    let mut p = Pair::connected(config_v5(), quiet());
    let mut props = Properties::default();
    props.topic_alias = Some(1);
    assert!(p
        .client
        .publish(p.now, msg("a", b"x", QoS::AtMostOnce).properties(props))
        .is_err());
}

#[test]
fn inbound_topic_alias_is_resolved() {
    let mut p = Pair::connected(config_v5(), quiet());
    p.take_events();
    p.broker_send(&inbound("x/y", Some(3)));
    p.broker_send(&inbound("", Some(3)));
    assert_eq!(message_topics(&p.take_events()), ["x/y", "x/y"]);
}

#[test]
fn inbound_publish_with_a_topic_and_a_mapped_alias_re_maps_the_alias() {
    // v5 §3.3.2.3.4: a sender may change a mapping by sending the same
    // alias with a different, non-empty topic name; later alias-only
    // publishes then stand for the new topic.
    let mut p = Pair::connected(config_v5(), quiet());
    p.take_events();
    p.broker_send(&inbound("x/y", Some(3)));
    p.broker_send(&inbound("a/b", Some(3)));
    p.broker_send(&inbound("", Some(3)));
    p.broker_send(&inbound("c", Some(1)));
    p.broker_send(&inbound("", Some(3)));
    assert_eq!(
        message_topics(&p.take_events()),
        ["x/y", "a/b", "a/b", "c", "a/b"]
    );
}

#[test]
fn inbound_alias_above_our_maximum_is_a_protocol_error_with_disconnect_0x94() {
    // v5 [MQTT-3.3.2-10]: 0 < alias <= our Topic Alias Maximum.
    let mut cfg = config_v5();
    cfg.topic_alias_maximum = 2;
    let mut p = Pair::connected(cfg, quiet());
    p.take_events();
    p.broker_send(&inbound("x", Some(3)));
    let ev = p.take_events();
    assert!(
        ev.contains(&Event::ConnectionLost {
            cause: ConnectionError::Protocol(ProtocolViolation::InvalidTopicAlias { alias: 3 }),
            will_reconnect: false
        }),
        "{ev:?}"
    );
    assert!(matches!(
        p.sent().last(),
        Some(Packet::Disconnect(d)) if d.reason == ReasonCode::TopicAliasInvalid
    ));
}

#[test]
fn inbound_unknown_alias_with_empty_topic_is_a_protocol_error() {
    let mut p = Pair::connected(config_v5(), quiet());
    p.take_events();
    p.broker_send(&inbound("", Some(1)));
    assert!(p.take_events().contains(&Event::ConnectionLost {
        cause: ConnectionError::Protocol(ProtocolViolation::InvalidTopicAlias { alias: 1 }),
        will_reconnect: false
    }));
}

// ------------------------------------------------------------ DISCONNECT

#[test]
fn server_disconnect_surfaces_reason_code_and_properties() {
    let mut p = Pair::connected(config_v5(), quiet());
    p.take_events();
    let mut props = Properties::default();
    props.reason_string = Some(ByteStr::from_static("maintenance"));
    props.server_reference = Some(ByteStr::from_static("other.example"));
    p.broker_send(&Packet::Disconnect(mqtt_sansio::codec::Disconnect {
        reason: ReasonCode::UseAnotherServer,
        properties: props.clone(),
    }));
    assert_eq!(
        p.take_events(),
        vec![Event::ConnectionLost {
            cause: ConnectionError::ServerDisconnect {
                reason: ReasonCode::UseAnotherServer,
                properties: props
            },
            will_reconnect: false
        }]
    );
    assert!(!p.open);
}

// ------------------------------------------------------------ subscriptions

#[test]
fn subscription_identifiers_route_messages_to_their_subscriptions() {
    let mut p = Pair::connected(config_v5(), Behaviour::default());
    let with_id = |id: u32| {
        let mut props = Properties::default();
        props.subscription_identifiers.push(id);
        props
    };
    p.client
        .subscribe(p.now, vec![filter("a/#", QoS::AtMostOnce)], with_id(5))
        .unwrap();
    p.client
        .subscribe(p.now, vec![filter("a/b", QoS::AtMostOnce)], with_id(6))
        .unwrap();
    p.drive();
    let sub = p.sent().iter().find_map(|x| match x {
        Packet::Subscribe(s) => Some(s.properties.subscription_identifiers.clone()),
        _ => None,
    });
    assert_eq!(sub, Some(vec![5]));
    let mut props = Properties::default();
    props.subscription_identifiers = vec![6];
    let publish = Publish {
        dup: false,
        qos: QoS::AtMostOnce,
        retain: false,
        topic: ByteStr::from_static("a/b"),
        packet_id: None,
        properties: props,
        payload: Bytes::new(),
    };
    let hits: Vec<&str> = p
        .client
        .subscriptions()
        .matching(&publish)
        .map(|s| &*s.filter)
        .collect();
    assert_eq!(
        hits,
        ["a/b"],
        "a/# matches the topic but not the identifier"
    );
    // Through the model broker, one copy carries both identifiers.
    p.client
        .publish(p.now, msg("a/b", b"x", QoS::AtMostOnce))
        .unwrap();
    let ev = p.take_events();
    let m = ev
        .iter()
        .find_map(|e| match e {
            Event::Message { publish, .. } => Some(publish.clone()),
            _ => None,
        })
        .unwrap();
    let mut ids = m.properties.subscription_identifiers.clone();
    ids.sort();
    assert_eq!(ids, vec![5, 6]);
    assert_eq!(p.client.subscriptions().matching(&m).count(), 2);
}

#[test]
fn subscription_identifiers_refused_when_the_broker_has_none() {
    let mut props = Properties::default();
    props.subscription_identifier_available = Some(0);
    let mut p = Pair::connected(config_v5(), with_connack(props));
    let mut sp = Properties::default();
    sp.subscription_identifiers.push(1);
    assert_eq!(
        p.client
            .subscribe(p.now, vec![filter("a", QoS::AtMostOnce)], sp),
        Err(SubscribeError::NotSupported {
            feature: "subscription identifiers"
        })
    );
}

#[test]
fn subscribe_options_are_sent_as_given() {
    let mut p = Pair::connected(config_v5(), Behaviour::default());
    let options = SubscriptionOptions {
        qos: QoS::AtLeastOnce,
        no_local: true,
        retain_as_published: true,
        retain_handling: RetainHandling::DoNotSend,
    };
    p.client
        .subscribe(
            p.now,
            vec![SubscribeFilter {
                filter: ByteStr::from_static("opts"),
                options,
            }],
            Properties::default(),
        )
        .unwrap();
    p.drive();
    let sent = p.sent().iter().find_map(|x| match x {
        Packet::Subscribe(s) => Some(s.filters[0].options),
        _ => None,
    });
    assert_eq!(sent, Some(options));
}

#[test]
fn a_lost_session_is_resubscribed_with_each_identifier_and_the_options_given() {
    // After CONNACK without Session Present the broker has no subscription
    // [MQTT-3.2.2-2]: the core asks again, one SUBSCRIBE per Subscription
    // Identifier, with the options of the original request.
    let b = Behaviour {
        forget_sessions: true,
        ..quiet()
    };
    let mut p = Pair::connected(config_v5().clean_start(false), b);
    let options = SubscriptionOptions {
        qos: QoS::AtLeastOnce,
        no_local: true,
        retain_as_published: true,
        retain_handling: RetainHandling::DoNotSend,
    };
    let mut with_id = |id: u32, filters: Vec<SubscribeFilter>| {
        let mut props = Properties::default();
        props.subscription_identifiers.push(id);
        p.client.subscribe(p.now, filters, props).unwrap();
    };
    with_id(
        7,
        vec![
            SubscribeFilter {
                filter: ByteStr::from_static("a/+"),
                options,
            },
            filter("b", QoS::ExactlyOnce),
        ],
    );
    with_id(9, vec![filter("c/#", QoS::AtMostOnce)]);
    p.drive();
    let before = p.sent().len();
    p.drop_connection();
    p.connect();
    let mut again: Vec<(Vec<u32>, Vec<SubscribeFilter>)> = p.sent()[before..]
        .iter()
        .filter_map(|x| match x {
            Packet::Subscribe(s) => Some((
                s.properties.subscription_identifiers.clone(),
                s.filters.clone(),
            )),
            _ => None,
        })
        .collect();
    again.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        again,
        vec![
            (
                vec![7],
                vec![
                    SubscribeFilter {
                        filter: ByteStr::from_static("a/+"),
                        options
                    },
                    filter("b", QoS::ExactlyOnce)
                ]
            ),
            (vec![9], vec![filter("c/#", QoS::AtMostOnce)]),
        ]
    );
    // The broker has them again: its session holds all three.
    let held: Vec<&String> = p.broker.sessions["test-client"].subs.keys().collect();
    assert_eq!(held, ["a/+", "b", "c/#"]);
}

#[test]
fn v5_subscribe_options_on_3_1_1_are_refused() {
    let mut p = Pair::connected(config(), Behaviour::default());
    let mut f = filter("a", QoS::AtMostOnce);
    f.options.no_local = true;
    assert_eq!(
        p.client.subscribe(p.now, vec![f], Properties::default()),
        Err(SubscribeError::RequiresV5)
    );
}

#[test]
fn no_local_on_a_shared_subscription_is_refused() {
    // v5 [MQTT-3.8.3-4]
    let mut p = Pair::connected(config_v5(), Behaviour::default());
    let mut f = filter("$share/g/jobs/#", QoS::AtMostOnce);
    f.options.no_local = true;
    assert_eq!(
        p.client.subscribe(p.now, vec![f], Properties::default()),
        Err(SubscribeError::NoLocalOnSharedSubscription { index: 0 })
    );
}

#[test]
fn shared_subscription_matches_by_its_inner_filter() {
    let mut p = Pair::connected(config_v5(), Behaviour::default());
    p.client
        .subscribe(
            p.now,
            vec![filter("$share/workers/jobs/+", QoS::AtMostOnce)],
            Properties::default(),
        )
        .unwrap();
    p.drive();
    let hits: Vec<&str> = p
        .client
        .subscriptions()
        .matching_topic("jobs/1", &[])
        .map(|s| &*s.filter)
        .collect();
    assert_eq!(hits, ["$share/workers/jobs/+"]);
}

#[test]
fn shared_subscriptions_refused_when_the_broker_has_none() {
    let mut props = Properties::default();
    props.shared_subscription_available = Some(0);
    let mut p = Pair::connected(config_v5(), with_connack(props));
    assert_eq!(
        p.client.subscribe(
            p.now,
            vec![filter("$share/g/a", QoS::AtMostOnce)],
            Properties::default()
        ),
        Err(SubscribeError::NotSupported {
            feature: "shared subscriptions"
        })
    );
}

// ------------------------------------------------------------ AUTH

/// Challenge/response: answers "response-N" to the Nth challenge and
/// records what it saw.
#[derive(Clone, Default)]
struct Scripted {
    seen: Arc<Mutex<Vec<String>>>,
    fail_challenge: bool,
}

impl Authenticator for Scripted {
    fn method(&self) -> ByteStr {
        ByteStr::from_static("SCRIPTED")
    }
    fn start(&mut self) -> Result<Option<Bytes>, AuthFailure> {
        self.seen.lock().unwrap().push("start".into());
        Ok(Some(Bytes::from_static(b"hello")))
    }
    fn challenge(&mut self, data: Option<&Bytes>) -> Result<Option<Bytes>, AuthFailure> {
        let d = data
            .map(|d| String::from_utf8_lossy(d).into_owned())
            .unwrap_or_default();
        self.seen.lock().unwrap().push(format!("challenge:{d}"));
        if self.fail_challenge {
            return Err(AuthFailure::NOT_AUTHORIZED);
        }
        Ok(Some(Bytes::from_static(b"response")))
    }
    fn finish(&mut self, properties: &Properties) -> Result<(), AuthFailure> {
        let d = properties
            .authentication_data
            .as_ref()
            .map(|d| String::from_utf8_lossy(d).into_owned())
            .unwrap_or_default();
        self.seen.lock().unwrap().push(format!("finish:{d}"));
        Ok(())
    }
}

fn auth_packet(reason: ReasonCode, data: &'static [u8]) -> Packet {
    let mut properties = Properties::default();
    properties.authentication_method = Some(ByteStr::from_static("SCRIPTED"));
    properties.authentication_data = Some(Bytes::from_static(data));
    Packet::Auth(Auth { reason, properties })
}

#[test]
fn enhanced_authentication_runs_the_auth_exchange_before_connack() {
    // v5 §4.12: CONNECT with method+data, AUTH continue both ways, CONNACK.
    let auth = Scripted::default();
    let seen = auth.seen.clone();
    let b = Behaviour {
        answer_connect: false,
        ..quiet()
    };
    let mut p = Pair::new(config_v5().authenticator(auth), b);
    p.client.connect(p.now);
    p.drive();
    let Some(Packet::Connect(c)) = p.sent().first() else {
        panic!("CONNECT")
    };
    assert_eq!(
        c.properties.authentication_method.as_deref(),
        Some("SCRIPTED")
    );
    assert_eq!(
        c.properties.authentication_data.as_deref(),
        Some(&b"hello"[..])
    );
    p.broker_send(&auth_packet(ReasonCode::ContinueAuthentication, b"nonce"));
    assert!(matches!(
        p.sent().last(),
        Some(Packet::Auth(a)) if a.reason == ReasonCode::ContinueAuthentication
            && a.properties.authentication_data.as_deref() == Some(&b"response"[..])
    ));
    let mut props = Properties::default();
    props.authentication_method = Some(ByteStr::from_static("SCRIPTED"));
    props.authentication_data = Some(Bytes::from_static(b"server-proof"));
    p.broker_send(&Packet::ConnAck(ConnAck {
        session_present: false,
        code: ReasonCode::Success,
        properties: props,
    }));
    assert!(p.client.is_connected());
    assert_eq!(
        *seen.lock().unwrap(),
        vec!["start", "challenge:nonce", "finish:server-proof"]
    );
}

#[test]
fn an_authenticator_that_gives_up_ends_the_connection_without_retry() {
    let auth = Scripted {
        fail_challenge: true,
        ..Default::default()
    };
    let b = Behaviour {
        answer_connect: false,
        ..quiet()
    };
    let cfg =
        config_v5()
            .authenticator(auth)
            .reconnect(mqtt_sansio::client::ReconnectPolicy::backoff(
                Duration::from_secs(1),
                Duration::from_secs(2),
            ));
    let mut p = Pair::new(cfg, b);
    p.client.connect(p.now);
    p.drive();
    p.broker_send(&auth_packet(ReasonCode::ContinueAuthentication, b"nonce"));
    assert_eq!(
        p.take_events(),
        vec![Event::ConnectionLost {
            cause: ConnectionError::Auth(ReasonCode::NotAuthorized),
            will_reconnect: false
        }]
    );
    assert!(matches!(
        p.sent().last(),
        Some(Packet::Disconnect(d)) if d.reason == ReasonCode::NotAuthorized
    ));
}

#[test]
fn reauthentication_sends_auth_0x19_and_reports_success() {
    let auth = Scripted::default();
    let b = Behaviour {
        answer_connect: false,
        ..quiet()
    };
    let mut p = Pair::new(config_v5().authenticator(auth), b);
    p.client.connect(p.now);
    p.drive();
    p.broker_send(&Packet::ConnAck(ConnAck {
        session_present: false,
        code: ReasonCode::Success,
        properties: Properties::default(),
    }));
    p.take_events();
    p.client.reauthenticate(p.now).unwrap();
    p.drive();
    assert!(
        matches!(p.sent().last(), Some(Packet::Auth(a)) if a.reason == ReasonCode::ReAuthenticate)
    );
    assert!(
        p.client.reauthenticate(p.now).is_err(),
        "one exchange at a time"
    );
    p.broker_send(&auth_packet(ReasonCode::ContinueAuthentication, b"n2"));
    p.broker_send(&auth_packet(ReasonCode::Success, b"ok"));
    let ev = p.take_events();
    assert!(
        matches!(ev.as_slice(), [Event::Reauthenticated { .. }]),
        "{ev:?}"
    );
    assert!(p.client.is_connected());
}

#[test]
fn unsolicited_auth_is_a_protocol_error() {
    let mut p = Pair::connected(config_v5(), quiet());
    p.take_events();
    p.broker_send(&auth_packet(ReasonCode::ContinueAuthentication, b"?"));
    assert!(p.take_events().contains(&Event::ConnectionLost {
        cause: ConnectionError::Protocol(ProtocolViolation::UnexpectedAuth),
        will_reconnect: false
    }));
}

// ------------------------------------------------------------ expiry, properties

#[test]
fn a_queued_message_whose_expiry_passes_fails_with_expired() {
    let mut p = Pair::new(config_v5(), quiet());
    let mut props = Properties::default();
    props.message_expiry_interval = Some(10);
    let short = p
        .client
        .publish(p.now, msg("a", b"x", QoS::AtLeastOnce).properties(props))
        .unwrap();
    let mut props = Properties::default();
    props.message_expiry_interval = Some(100);
    p.client
        .publish(p.now, msg("b", b"x", QoS::AtLeastOnce).properties(props))
        .unwrap();
    p.now += Duration::from_secs(30);
    p.connect();
    let ev = p.take_events();
    assert!(ev.contains(&Event::PublishFailed {
        id: short,
        error: PublishFailure::Expired
    }));
    let sent = sent_publishes(&p);
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].properties.message_expiry_interval,
        Some(70),
        "counted down by the wait"
    );
}

#[test]
fn request_response_properties_pass_through_both_ways() {
    let mut p = Pair::connected(config_v5(), Behaviour::default());
    p.client
        .subscribe(
            p.now,
            vec![filter("req", QoS::AtMostOnce)],
            Properties::default(),
        )
        .unwrap();
    let mut props = Properties::default();
    props.response_topic = Some(ByteStr::from_static("resp/1"));
    props.correlation_data = Some(Bytes::from_static(b"corr-7"));
    props.content_type = Some(ByteStr::from_static("text/plain"));
    props
        .user_properties
        .push((ByteStr::from_static("k"), ByteStr::from_static("v")));
    p.client
        .publish(
            p.now,
            msg("req", b"?", QoS::AtMostOnce).properties(props.clone()),
        )
        .unwrap();
    let ev = p.take_events();
    let got = ev
        .iter()
        .find_map(|e| match e {
            Event::Message { publish, .. } => Some(publish.properties.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(got.response_topic, props.response_topic);
    assert_eq!(got.correlation_data, props.correlation_data);
    assert_eq!(got.content_type, props.content_type);
    assert_eq!(got.user_properties, props.user_properties);
}

#[test]
fn connect_carries_session_expiry_user_properties_and_requests() {
    let mut cfg = config_v5().session_expiry_interval(3600);
    cfg.user_properties
        .push((ByteStr::from_static("app"), ByteStr::from_static("test")));
    cfg.request_response_information = true;
    cfg.request_problem_information = Some(false);
    cfg.topic_alias_maximum = 9;
    let p = Pair::connected(cfg, quiet());
    let Some(Packet::Connect(c)) = p.sent().first() else {
        panic!("CONNECT")
    };
    assert_eq!(c.properties.session_expiry_interval, Some(3600));
    assert_eq!(c.properties.user_properties.len(), 1);
    assert_eq!(c.properties.request_response_information, Some(1));
    assert_eq!(c.properties.request_problem_information, Some(0));
    assert_eq!(c.properties.topic_alias_maximum, Some(9));
}

#[test]
fn connack_properties_are_surfaced_on_connected() {
    let mut props = Properties::default();
    props.response_information = Some(ByteStr::from_static("resp/base"));
    props
        .user_properties
        .push((ByteStr::from_static("region"), ByteStr::from_static("eu")));
    let mut p = Pair::connected(config_v5(), with_connack(props.clone()));
    let ev = p.take_events();
    assert!(matches!(
        ev.as_slice(),
        [Event::Connected { properties, .. }] if *properties == props
    ));
}

#[test]
fn a_maximum_packet_size_too_small_for_acks_ends_the_connection() {
    // [MQTT-3.1.2-24]: nothing over the broker's Maximum Packet Size may be
    // sent; below 4 bytes not even a PUBACK fits, so the connection could
    // only stall. It ends with a typed violation instead.
    for max in [1u32, 2, 3] {
        let mut props = Properties::default();
        props.maximum_packet_size = Some(max);
        let mut p = Pair::new(config_v5(), with_connack(props));
        p.client.connect(p.now);
        p.drive();
        assert!(!p.client.is_connected(), "max {max}");
        let cause = ConnectionError::Protocol(ProtocolViolation::MaximumPacketSizeTooSmall { max });
        assert!(
            p.take_events()
                .iter()
                .any(|e| matches!(e, Event::ConnectionLost { cause: c, .. } if *c == cause)),
            "max {max}"
        );
        // The DISCONNECT saying why is sent only where it fits (3 bytes with
        // its reason code).
        let disconnects = p
            .sent()
            .iter()
            .filter(|x| matches!(x, Packet::Disconnect(_)))
            .count();
        assert_eq!(disconnects, usize::from(max >= 3), "max {max}");
    }
    // Four bytes is enough: the connection stands.
    let mut props = Properties::default();
    props.maximum_packet_size = Some(4);
    let p = Pair::connected(config_v5(), with_connack(props));
    assert!(p.client.is_connected());
}
