//! Connecting: CONNECT from options, CONNACK, refusals, the 3.1 fall-back,
//! the connect timeout, fail-over and disconnect.

#[path = "support/bare.rs"]
mod bare;
#[path = "support/broker.rs"]
mod broker;

use std::time::Duration;

use broker::{config, config_v5, Behaviour, Pair};
use bytes::Bytes;
use mqtt_sansio::client::{
    Client, Config, ConfigError, ConnectionError, DisconnectError, DisconnectOptions, Event,
    ProtocolViolation, ReconnectPolicy, State, TransportCommand,
};
use mqtt_sansio::codec::{
    ByteStr, Packet, PacketType, Properties, ProtocolVersion, QoS, ReasonCode, Will,
};

fn connect_packet(p: &Pair, n: usize) -> mqtt_sansio::codec::Connect {
    p.broker
        .received_of(|p| match p {
            Packet::Connect(c) => Some((**c).clone()),
            _ => None,
        })
        .into_iter()
        .nth(n)
        .expect("a CONNECT was sent")
}

fn lost_causes(events: &[Event]) -> Vec<ConnectionError> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::ConnectionLost { cause, .. } => Some(cause.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn connect_asks_for_a_transport_then_sends_connect_first() {
    // [MQTT-3.1.0-1]: the first packet sent is CONNECT.
    let mut c = Client::<Duration>::new(config()).unwrap();
    assert_eq!(c.state(), State::Idle);
    c.connect(Duration::ZERO);
    assert_eq!(
        c.poll_transport(),
        Some(TransportCommand::Open { server: 0 })
    );
    assert_eq!(c.state(), State::Opening);
    c.handle_connected(Duration::ZERO);
    assert_eq!(c.state(), State::Connecting);
    let mut out = bytes::BytesMut::new();
    assert!(c.poll_transmit(&mut out) > 0);
    let first = mqtt_sansio::codec::decode(&mut out, ProtocolVersion::V3_1_1, 1 << 20)
        .unwrap()
        .unwrap();
    assert!(matches!(first, Packet::Connect(_)));
}

#[test]
fn connect_carries_every_configured_option() {
    let will = Will {
        topic: ByteStr::from_static("clients/test/status"),
        payload: Bytes::from_static(b"gone"),
        qos: QoS::AtLeastOnce,
        retain: true,
        properties: Properties::default(),
    };
    let cfg = config()
        .clean_start(false)
        .keep_alive(Duration::from_secs(17))
        .credentials("alice", Bytes::from_static(b"s3cret"))
        .will(will.clone());
    let p = Pair::connected(cfg, Behaviour::default());
    let c = connect_packet(&p, 0);
    assert_eq!(c.protocol, ProtocolVersion::V3_1_1);
    assert_eq!(&*c.client_id, "test-client");
    assert!(!c.clean_start);
    assert_eq!(c.keep_alive, 17);
    assert_eq!(c.username.as_deref(), Some("alice"));
    assert_eq!(c.password.as_deref(), Some(&b"s3cret"[..]));
    assert_eq!(c.will, Some(will));
}

#[test]
fn connack_success_emits_connected_with_session_flag() {
    let mut p = Pair::connected(config(), Behaviour::default());
    let ev = p.take_events();
    assert!(
        matches!(
            ev.as_slice(),
            [Event::Connected {
                session_present: false,
                reconnect: false,
                server: 0,
                protocol: ProtocolVersion::V3_1_1,
                ..
            }]
        ),
        "{ev:?}"
    );
    assert!(p.client.is_connected());
}

#[test]
fn empty_client_id_is_generated_with_at_most_23_characters_for_3_1() {
    // MQTT 3.1: the client identifier is 1 to 23 characters.
    let cfg = Config::default().protocol(ProtocolVersion::V3_1).seed(99);
    let p = Pair::connected(cfg, Behaviour::default());
    let c = connect_packet(&p, 0);
    assert_eq!(c.protocol, ProtocolVersion::V3_1);
    assert!(!c.client_id.is_empty() && c.client_id.chars().count() <= 23);
    assert_eq!(p.client.client_id(), &*c.client_id);
}

#[test]
fn generated_client_ids_differ_by_seed() {
    let a = Client::<Duration>::new(Config::default().seed(1)).unwrap();
    let b = Client::<Duration>::new(Config::default().seed(2)).unwrap();
    assert_ne!(a.client_id(), b.client_id());
    assert!(!a.client_id().is_empty());
}

#[test]
fn client_id_longer_than_23_characters_is_refused_for_3_1() {
    let cfg = Config::default()
        .protocol(ProtocolVersion::V3_1)
        .client_id("a-client-id-of-24-chars!");
    assert_eq!(
        Client::<Duration>::new(cfg).unwrap_err(),
        ConfigError::ClientIdTooLong { len: 24 }
    );
}

#[test]
fn password_without_username_is_a_config_error_before_v5() {
    // [MQTT-3.1.2-22]
    let mut cfg = config();
    cfg.password = Some(Bytes::from_static(b"x"));
    assert_eq!(
        Client::<Duration>::new(cfg).unwrap_err(),
        ConfigError::PasswordWithoutUsername
    );
}

#[test]
fn v5_only_options_on_3_1_1_are_a_config_error() {
    let cfg = config().session_expiry_interval(60);
    assert!(matches!(
        Client::<Duration>::new(cfg),
        Err(ConfigError::RequiresV5 {
            field: "session_expiry_interval"
        })
    ));
}

#[test]
fn falls_back_to_3_1_when_the_broker_refuses_3_1_1() {
    let b = Behaviour {
        refuse_levels: vec![4],
        ..Default::default()
    };
    let mut p = Pair::connected(config(), b);
    assert_eq!(connect_packet(&p, 0).protocol, ProtocolVersion::V3_1_1);
    assert_eq!(connect_packet(&p, 1).protocol, ProtocolVersion::V3_1);
    assert_eq!(p.opened, vec![0, 0]);
    let ev = p.take_events();
    assert!(
        matches!(
            ev.as_slice(),
            [Event::Connected {
                protocol: ProtocolVersion::V3_1,
                ..
            }]
        ),
        "{ev:?}"
    );
    assert_eq!(p.client.protocol(), ProtocolVersion::V3_1);
}

#[test]
fn protocol_refusal_without_fallback_is_a_typed_final_refusal() {
    let mut cfg = config().reconnect(ReconnectPolicy::backoff(
        Duration::from_secs(1),
        Duration::from_secs(8),
    ));
    cfg.protocol_fallback = false;
    let b = Behaviour {
        refuse_levels: vec![4],
        ..Default::default()
    };
    let mut p = Pair::new(cfg, b);
    p.client.connect(p.now);
    p.drive();
    let ev = p.take_events();
    assert!(
        matches!(
            ev.as_slice(),
            [Event::ConnectionLost {
                cause: ConnectionError::Refused {
                    reason: ReasonCode::UnsupportedProtocolVersion,
                    ..
                },
                will_reconnect: false,
            }]
        ),
        "{ev:?}"
    );
    assert_eq!(p.client.state(), State::Idle);
}

#[test]
fn bad_credentials_refusal_is_typed_and_not_retried() {
    let cfg = config().reconnect(ReconnectPolicy::backoff(
        Duration::from_secs(1),
        Duration::from_secs(8),
    ));
    let b = Behaviour {
        connack_code: ReasonCode::BadUserNameOrPassword,
        ..Default::default()
    };
    let mut p = Pair::new(cfg, b);
    p.client.connect(p.now);
    p.drive();
    p.advance(Duration::from_secs(60));
    assert_eq!(p.opened, vec![0]);
    assert_eq!(
        lost_causes(&p.take_events()),
        vec![ConnectionError::Refused {
            reason: ReasonCode::BadUserNameOrPassword,
            properties: Properties::default()
        }]
    );
}

#[test]
fn server_unavailable_refusal_is_retried_with_backoff() {
    let cfg = config().reconnect(ReconnectPolicy::Backoff {
        min: Duration::from_secs(1),
        max: Duration::from_secs(8),
        jitter: false,
    });
    let b = Behaviour {
        connack_code: ReasonCode::ServerUnavailable,
        ..Default::default()
    };
    let mut p = Pair::new(cfg, b);
    p.client.connect(p.now);
    p.drive();
    p.advance(Duration::from_millis(3500));
    // Attempts at 0 s, 1 s, 3 s (delays 1 s, 2 s).
    assert_eq!(p.opened.len(), 3);
}

#[test]
fn no_connack_within_the_connect_timeout_ends_the_attempt() {
    let b = Behaviour {
        answer_connect: false,
        ..Default::default()
    };
    let mut p = Pair::new(config().connect_timeout(Duration::from_secs(5)), b);
    p.client.connect(p.now);
    p.drive();
    p.advance(Duration::from_millis(4999));
    assert!(lost_causes(&p.events).is_empty());
    p.advance(Duration::from_millis(1));
    assert_eq!(
        lost_causes(&p.take_events()),
        vec![ConnectionError::ConnectTimeout]
    );
    assert!(!p.open, "the client asked to close the transport");
    assert_eq!(p.client.state(), State::Idle);
}

#[test]
fn transport_that_never_opens_hits_the_connect_timeout() {
    let mut c = Client::<Duration>::new(config().connect_timeout(Duration::from_secs(2))).unwrap();
    c.connect(Duration::ZERO);
    assert_eq!(c.poll_timeout(), Some(Duration::from_secs(2)));
    c.handle_timeout(Duration::from_secs(2));
    assert!(matches!(
        c.poll_event(),
        Some(Event::ConnectionLost {
            cause: ConnectionError::ConnectTimeout,
            ..
        })
    ));
}

#[test]
fn unreachable_server_fails_over_to_the_next() {
    let mut p = Pair::new(config().server_count(3), Behaviour::default());
    p.unreachable.insert(0);
    p.connect();
    assert_eq!(p.opened, vec![0, 1]);
    let ev = p.take_events();
    assert!(
        matches!(
            ev.as_slice(),
            [
                Event::ConnectionLost {
                    cause: ConnectionError::TransportFailed,
                    will_reconnect: true
                },
                Event::Connected { server: 1, .. }
            ]
        ),
        "{ev:?}"
    );
}

#[test]
fn all_servers_unreachable_without_reconnect_ends_idle() {
    let mut p = Pair::new(config().server_count(2), Behaviour::default());
    p.unreachable.extend([0, 1]);
    p.client.connect(p.now);
    p.drive();
    assert_eq!(p.opened, vec![0, 1]);
    assert_eq!(p.client.state(), State::Idle);
    let ev = p.take_events();
    assert!(matches!(
        ev.last(),
        Some(Event::ConnectionLost {
            will_reconnect: false,
            ..
        })
    ));
}

#[test]
fn v5_assigned_client_identifier_is_adopted() {
    // v5 [MQTT-3.2.2-16]: the client uses the Assigned Client Identifier.
    let cfg = Config::default().protocol(ProtocolVersion::V5);
    let b = Behaviour {
        assign_client_id: Some("broker-chose-this"),
        ..Default::default()
    };
    let p = Pair::connected(cfg, b);
    assert_eq!(&*connect_packet(&p, 0).client_id, "");
    assert_eq!(p.client.client_id(), "broker-chose-this");
}

#[test]
fn disconnect_sends_disconnect_closes_and_emits_closed() {
    let mut p = Pair::connected(config(), Behaviour::default());
    p.take_events();
    p.client
        .disconnect(p.now, DisconnectOptions::default())
        .unwrap();
    p.drive();
    assert!(matches!(p.sent().last(), Some(Packet::Disconnect(_))));
    assert!(!p.open);
    assert_eq!(p.take_events(), vec![Event::Closed]);
    assert_eq!(p.client.state(), State::Idle);
    assert_eq!(p.client.poll_timeout(), None);
}

#[test]
fn a_second_disconnect_is_refused_and_emits_no_second_closed() {
    let mut p = Pair::connected(config(), Behaviour::default());
    p.client
        .disconnect(p.now, DisconnectOptions::default())
        .unwrap();
    p.drive();
    p.take_events();
    let sent = p.sent().len();
    assert_eq!(
        p.client.disconnect(p.now, DisconnectOptions::default()),
        Err(DisconnectError::AlreadyClosed)
    );
    p.drive();
    assert_eq!(p.take_events(), vec![]);
    assert_eq!(p.sent().len(), sent, "no second DISCONNECT");
    assert_eq!(p.client.poll_transport(), None);
    assert_eq!(p.client.state(), State::Idle);
}

#[test]
fn disconnect_after_a_new_connect_closes_again() {
    let mut p = Pair::connected(config(), Behaviour::default());
    p.client
        .disconnect(p.now, DisconnectOptions::default())
        .unwrap();
    p.drive();
    p.client.connect(p.now);
    p.drive();
    assert!(p.client.is_connected());
    p.take_events();
    p.client
        .disconnect(p.now, DisconnectOptions::default())
        .unwrap();
    p.drive();
    assert_eq!(p.take_events(), vec![Event::Closed]);
}

#[test]
fn disconnect_reason_code_on_3_1_1_is_refused() {
    let mut p = Pair::connected(config(), Behaviour::default());
    let opts = DisconnectOptions {
        reason: ReasonCode::DisconnectWithWillMessage,
        properties: Properties::default(),
    };
    assert!(p.client.disconnect(p.now, opts).is_err());
    assert!(p.client.is_connected());
}

#[test]
fn v5_disconnect_carries_its_reason_code() {
    let mut p = Pair::connected(config_v5(), Behaviour::default());
    let opts = DisconnectOptions {
        reason: ReasonCode::DisconnectWithWillMessage,
        properties: Properties::default(),
    };
    p.client.disconnect(p.now, opts).unwrap();
    p.drive();
    assert!(matches!(
        p.sent().last(),
        Some(Packet::Disconnect(d)) if d.reason == ReasonCode::DisconnectWithWillMessage
    ));
}

#[test]
fn a_packet_before_connack_is_a_broker_protocol_error() {
    let b = Behaviour {
        answer_connect: false,
        ..Default::default()
    };
    let mut p = Pair::new(config(), b);
    p.client.connect(p.now);
    p.drive();
    p.broker_send(&Packet::PingResp);
    assert_eq!(
        lost_causes(&p.take_events()),
        vec![ConnectionError::Protocol(
            ProtocolViolation::UnexpectedPacket(PacketType::PingResp)
        )]
    );
}

#[test]
fn a_second_connack_is_a_broker_protocol_error() {
    let mut p = Pair::connected(config(), Behaviour::default());
    p.broker_send_raw(&[0x20, 0x02, 0x00, 0x00]);
    assert_eq!(
        lost_causes(&p.take_events()),
        vec![ConnectionError::Protocol(
            ProtocolViolation::UnexpectedPacket(PacketType::ConnAck)
        )]
    );
}

#[test]
fn session_present_in_answer_to_clean_start_is_a_broker_protocol_error() {
    // [MQTT-3.2.2-1]
    let b = Behaviour {
        answer_connect: false,
        ..Default::default()
    };
    let mut p = Pair::new(config(), b);
    p.client.connect(p.now);
    p.drive();
    p.broker_send_raw(&[0x20, 0x02, 0x01, 0x00]);
    assert_eq!(
        lost_causes(&p.take_events()),
        vec![ConnectionError::Protocol(
            ProtocolViolation::SessionPresentOnCleanStart
        )]
    );
}

#[test]
fn malformed_bytes_from_the_broker_end_the_connection_with_a_typed_error() {
    let mut p = Pair::connected(config(), Behaviour::default());
    // Packet type 0 is reserved.
    p.broker_send_raw(&[0x00, 0x00]);
    let causes = lost_causes(&p.take_events());
    assert!(
        matches!(
            causes.as_slice(),
            [ConnectionError::Protocol(ProtocolViolation::Malformed(_))]
        ),
        "{causes:?}"
    );
}

#[test]
fn transport_closed_by_the_broker_is_reported() {
    let mut p = Pair::connected(config(), Behaviour::default());
    p.take_events();
    p.drop_connection();
    assert_eq!(
        lost_causes(&p.take_events()),
        vec![ConnectionError::TransportClosed]
    );
    assert_eq!(p.client.state(), State::Idle);
}

#[test]
fn data_and_timeouts_while_idle_are_ignored() {
    let mut c = Client::<Duration>::new(config()).unwrap();
    c.handle_data(Duration::ZERO, &[0x20, 0x02, 0x00, 0x00]);
    c.handle_timeout(Duration::from_secs(1000));
    c.handle_closed(Duration::from_secs(1000));
    assert_eq!(c.poll_event(), None);
    assert_eq!(c.poll_transport(), None);
    assert_eq!(c.state(), State::Idle);
}

#[test]
fn received_bytes_may_arrive_in_any_chunking() {
    // CONNACK, then two PUBLISHes (QoS 0 and QoS 1), as one stream.
    let stream: &[u8] = &[
        0x20, 0x02, 0x00, 0x00, // CONNACK
        0x30, 0x05, 0x00, 0x01, b'a', b'h', b'i', // PUBLISH QoS 0 "a" "hi"
        0x32, 0x07, 0x00, 0x01, b'b', 0x00, 0x05, b'y', b'o', // PUBLISH QoS 1 id 5
    ];
    let run = |chunk: usize| {
        let mut c = Client::<Duration>::new(config()).unwrap();
        c.connect(Duration::ZERO);
        c.poll_transport();
        c.handle_connected(Duration::ZERO);
        for part in stream.chunks(chunk) {
            c.handle_data(Duration::ZERO, part);
        }
        let mut events = Vec::new();
        while let Some(e) = c.poll_event() {
            events.push(e);
        }
        let mut out = bytes::BytesMut::new();
        c.poll_transmit(&mut out);
        (events, out)
    };
    let whole = run(stream.len());
    assert_eq!(whole.0.len(), 3, "{:?}", whole.0);
    assert!(
        whole.1.ends_with(&[0x40, 0x02, 0x00, 0x05]),
        "PUBACK for id 5"
    );
    for chunk in 1..stream.len() {
        assert_eq!(run(chunk), whole, "chunks of {chunk}");
    }
}

#[test]
fn disconnect_on_a_live_connection_asks_to_await_the_server_close() {
    // [MQTT-3.14.4-1] the client closes after DISCONNECT; the server then
    // closes too, and the adapter waits for that before reporting "closed".
    let mut c = bare::connected("close-kind", ProtocolVersion::V3_1_1);
    c.disconnect(Duration::ZERO, DisconnectOptions::default())
        .unwrap();
    let mut out = bytes::BytesMut::new();
    c.poll_transmit(&mut out);
    assert_eq!(&out[..], &[0xE0, 0x00]);
    assert_eq!(
        c.poll_transport(),
        Some(TransportCommand::Close { await_server: true })
    );
}

#[test]
fn a_broken_connection_is_closed_without_awaiting_the_server() {
    // A protocol violation (a PUBACK for an id never used) ends the connection
    // at once: nothing to wait for.
    let mut c = bare::connected("close-kind", ProtocolVersion::V3_1_1);
    c.handle_data(Duration::ZERO, &[0x40, 0x02, 0x00, 0x07]);
    assert_eq!(
        c.poll_transport(),
        Some(TransportCommand::Close {
            await_server: false
        })
    );
    // Abandoning a connection attempt does not wait either.
    let mut c = Client::<Duration>::new(config()).unwrap();
    c.connect(Duration::ZERO);
    c.poll_transport();
    c.handle_connected(Duration::ZERO);
    c.disconnect(Duration::ZERO, DisconnectOptions::default())
        .unwrap();
    assert_eq!(
        c.poll_transport(),
        Some(TransportCommand::Close {
            await_server: false
        })
    );
}
