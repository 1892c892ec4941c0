//! Keep alive: PINGREQ on silence, the PINGRESP deadline, Server Keep Alive.

#[path = "support/broker.rs"]
mod broker;

use std::time::Duration;

use broker::{config, config_v5, msg, Behaviour, Pair};
use mqtt_sansio::client::{ConnectionError, Event};
use mqtt_sansio::codec::{Packet, Properties, QoS};

fn pings(p: &Pair) -> usize {
    p.sent()
        .iter()
        .filter(|x| matches!(x, Packet::PingReq))
        .count()
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

#[test]
fn pingreq_is_sent_after_one_keep_alive_period_of_silence() {
    // [MQTT-3.1.2-23]: the client sends a packet within the keep alive period.
    let mut p = Pair::connected(config().keep_alive(secs(60)), Behaviour::default());
    p.advance(Duration::from_millis(59_999));
    assert_eq!(pings(&p), 0);
    p.advance(Duration::from_millis(1));
    assert_eq!(pings(&p), 1);
    // Answered: the connection stays up and the next ping is one period later.
    p.advance(secs(60));
    assert_eq!(pings(&p), 2);
    assert!(p.client.is_connected());
}

#[test]
fn no_pingresp_within_the_ping_timeout_ends_the_connection() {
    let b = Behaviour {
        answer_ping: false,
        ..Default::default()
    };
    let mut cfg = config().keep_alive(secs(30));
    cfg.ping_timeout = Some(secs(5));
    let mut p = Pair::connected(cfg, b);
    p.take_events();
    p.advance(secs(30));
    assert_eq!(pings(&p), 1);
    p.advance(Duration::from_millis(4_999));
    assert!(p.client.is_connected());
    p.advance(Duration::from_millis(1));
    assert_eq!(
        p.take_events(),
        vec![Event::ConnectionLost {
            cause: ConnectionError::KeepAliveTimeout,
            will_reconnect: false
        }]
    );
    assert!(!p.open, "the client asked to close the dead link");
}

#[test]
fn ping_timeout_defaults_to_one_keep_alive_period() {
    let b = Behaviour {
        answer_ping: false,
        ..Default::default()
    };
    let mut p = Pair::connected(config().keep_alive(secs(10)), b);
    p.advance(secs(19));
    assert!(p.client.is_connected());
    p.advance(secs(1));
    assert!(!p.client.is_connected());
}

#[test]
fn a_ping_is_sent_when_nothing_is_received_even_while_publishing() {
    // Prompt dead-link detection: sending alone does not prove the link.
    let b = Behaviour {
        route: false,
        ..Default::default()
    };
    let mut p = Pair::connected(config().keep_alive(secs(60)), b);
    for _ in 0..6 {
        p.advance(secs(10));
        p.client
            .publish(p.now, msg("t", b"x", QoS::AtMostOnce))
            .unwrap();
        p.drive();
    }
    assert_eq!(
        pings(&p),
        1,
        "pinged at 60 s although publishing every 10 s"
    );
}

#[test]
fn v5_server_keep_alive_overrides_the_configured_value() {
    // v5 [MQTT-3.2.2-21]: the client uses the Server Keep Alive.
    let mut props = Properties::default();
    props.server_keep_alive = Some(5);
    let b = Behaviour {
        connack_properties: props,
        ..Default::default()
    };
    let mut p = Pair::connected(config_v5().keep_alive(secs(60)), b);
    p.advance(secs(5));
    assert_eq!(pings(&p), 1);
}

#[test]
fn keep_alive_zero_never_pings_and_arms_no_timer() {
    let mut p = Pair::connected(config().keep_alive(Duration::ZERO), Behaviour::default());
    assert_eq!(p.client.poll_timeout(), None);
    p.advance(secs(3600));
    assert_eq!(pings(&p), 0);
    assert!(p.client.is_connected());
}

#[test]
fn a_spurious_timeout_is_a_no_op() {
    let mut p = Pair::connected(config().keep_alive(secs(60)), Behaviour::default());
    p.take_events();
    let deadline = p.client.poll_timeout();
    p.client.handle_timeout(p.now + secs(1));
    p.drive();
    assert_eq!(pings(&p), 0);
    assert!(p.take_events().is_empty());
    assert_eq!(p.client.poll_timeout(), deadline);
}

#[test]
fn the_keep_alive_deadline_is_reported_by_poll_timeout() {
    let p = Pair::connected(config().keep_alive(secs(42)), Behaviour::default());
    assert_eq!(p.client.poll_timeout(), Some(secs(42)));
}
