//! Reconnect: exponential backoff with jitter from the seed, fail-over
//! across servers, and the application's control over it.

#[path = "support/broker.rs"]
mod broker;

use std::time::Duration;

use broker::{config, Behaviour, Pair};
use mqtt_sansio::client::{ConnectionError, DisconnectOptions, Event, ReconnectPolicy, State};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn backoff(jitter: bool) -> ReconnectPolicy {
    ReconnectPolicy::Backoff {
        min: ms(1000),
        max: ms(4000),
        jitter,
    }
}

/// Connected at t=0, then the link dies and every server is unreachable.
fn lose_everything(p: &mut Pair) {
    let n = p.client.config().server_count;
    p.unreachable.extend(0..n);
    p.drop_connection();
}

#[test]
fn reconnect_is_off_by_default() {
    let mut p = Pair::connected(config(), Behaviour::default());
    p.take_events();
    p.drop_connection();
    assert_eq!(
        p.take_events(),
        vec![Event::ConnectionLost {
            cause: ConnectionError::TransportClosed,
            will_reconnect: false
        }]
    );
    p.advance(Duration::from_secs(3600));
    assert_eq!(p.opened.len(), 1);
    assert_eq!(p.client.state(), State::Idle);
}

#[test]
fn backoff_doubles_from_min_to_max_without_jitter() {
    let mut p = Pair::connected(config().reconnect(backoff(false)), Behaviour::default());
    lose_everything(&mut p);
    p.advance(ms(20_000));
    let offsets: Vec<u128> = p.opened_at[1..].iter().map(|t| t.as_millis()).collect();
    // 1 s, then +2 s, +4 s, +4 s, +4 s ...
    assert_eq!(&offsets[..5], &[1000, 3000, 7000, 11000, 15000]);
}

#[test]
fn jittered_delays_come_from_the_seed_and_stay_within_half_to_full() {
    let run = |seed: u64| {
        let mut p = Pair::connected(
            config().reconnect(backoff(true)).seed(seed),
            Behaviour::default(),
        );
        lose_everything(&mut p);
        p.advance(ms(30_000));
        p.opened_at.clone()
    };
    let a = run(7);
    assert_eq!(a, run(7), "same seed, same schedule");
    assert_ne!(a, run(8), "another seed, another schedule");
    // a[0] is the first connection (t = 0, lost at once); each later entry
    // is one attempt after its backoff delay.
    let delays: Vec<u128> = a.windows(2).map(|w| (w[1] - w[0]).as_millis()).collect();
    let full = [1000u128, 2000, 4000, 4000, 4000];
    for (i, (d, f)) in delays.iter().zip(full).enumerate() {
        assert!(*d >= f / 2 && *d <= f, "attempt {i}: {d} ms");
    }
    assert!(delays.len() >= 5);
}

#[test]
fn a_successful_reconnect_reports_reconnect_and_resets_the_backoff() {
    let mut p = Pair::connected(config().reconnect(backoff(false)), Behaviour::default());
    p.take_events();
    p.unreachable.insert(0);
    p.drop_connection();
    p.advance(ms(3000)); // attempts at 1 s and 3 s fail
    p.unreachable.clear();
    p.advance(ms(4000)); // attempt at 7 s succeeds
    let ev = p.take_events();
    assert!(
        ev.iter().any(|e| matches!(
            e,
            Event::Connected {
                reconnect: true,
                ..
            }
        )),
        "{ev:?}"
    );
    assert_eq!(p.opened_at.last(), Some(&ms(7000)));
    // Healthy for `stable_after` (10 s), then lost: the first delay is back to min.
    p.advance(ms(10_000));
    p.drop_connection();
    p.advance(ms(1000));
    assert_eq!(p.opened_at.last(), Some(&ms(18_000)));
    assert!(p.client.is_connected());
}

#[test]
fn a_connection_lost_right_after_connack_keeps_backing_off() {
    // A broker that accepts, then closes at once (on a message it refuses):
    // every CONNACK must not reset the backoff, or the client hammers it.
    let mut p = Pair::connected(config().reconnect(backoff(false)), Behaviour::default());
    p.take_events();
    p.drop_connection(); // at 0 s, right after CONNACK: next attempt at 1 s
    p.advance(ms(1000));
    assert_eq!(p.opened_at.last(), Some(&ms(1000)));
    assert!(p.client.is_connected());
    p.drop_connection(); // again at once: 2 s now, not 1 s
    p.advance(ms(1000));
    assert_eq!(
        p.opened_at.last(),
        Some(&ms(1000)),
        "reconnected after only 1 s"
    );
    p.advance(ms(1000));
    assert_eq!(p.opened_at.last(), Some(&ms(3000)));
    assert!(p.client.is_connected());
}

#[test]
fn fail_over_tries_every_server_before_backing_off() {
    let mut p = Pair::new(
        config().server_count(3).reconnect(backoff(false)),
        Behaviour::default(),
    );
    p.unreachable.extend([0, 1, 2]);
    p.client.connect(p.now);
    p.drive();
    assert_eq!(p.opened, vec![0, 1, 2], "one round at once");
    assert_eq!(p.client.state(), State::WaitingToReconnect);
    p.unreachable.remove(&1);
    p.advance(ms(1000));
    // The next round starts at server 0 again... and server 1 answers.
    assert_eq!(p.opened, vec![0, 1, 2, 0, 1]);
    assert!(p.client.is_connected());
    assert_eq!(p.client.server(), 1);
}

#[test]
fn after_an_established_connection_drops_the_same_server_is_tried_first() {
    let mut p = Pair::connected(
        config().server_count(2).reconnect(backoff(false)),
        Behaviour::default(),
    );
    p.drop_connection();
    p.advance(ms(1000));
    assert_eq!(p.opened, vec![0, 0]);
    assert!(p.client.is_connected());
}

#[test]
fn server_disconnect_is_reported_and_followed_by_a_reconnect() {
    let mut p = Pair::connected(
        broker::config_v5().reconnect(backoff(false)),
        Behaviour::default(),
    );
    p.take_events();
    p.server_disconnect(mqtt_sansio::codec::ReasonCode::ServerShuttingDown);
    let ev = p.take_events();
    assert!(
        matches!(
            ev.as_slice(),
            [Event::ConnectionLost {
                cause: ConnectionError::ServerDisconnect {
                    reason: mqtt_sansio::codec::ReasonCode::ServerShuttingDown,
                    ..
                },
                will_reconnect: true
            }]
        ),
        "{ev:?}"
    );
    p.advance(ms(1000));
    assert!(p.client.is_connected());
}

#[test]
fn disconnect_cancels_a_scheduled_reconnect() {
    let mut p = Pair::connected(config().reconnect(backoff(false)), Behaviour::default());
    p.drop_connection();
    assert_eq!(p.client.state(), State::WaitingToReconnect);
    p.client
        .disconnect(p.now, DisconnectOptions::default())
        .unwrap();
    p.advance(Duration::from_secs(60));
    assert_eq!(p.opened.len(), 1);
    assert_eq!(p.client.state(), State::Idle);
    assert_eq!(p.client.poll_timeout(), None);
}

#[test]
fn connect_while_waiting_reconnects_at_once() {
    let mut p = Pair::connected(config().reconnect(backoff(false)), Behaviour::default());
    p.drop_connection();
    p.client.connect(p.now);
    p.drive();
    assert!(p.client.is_connected());
    assert_eq!(p.opened_at, vec![Duration::ZERO, Duration::ZERO]);
}

#[test]
fn keepalive_timeout_triggers_a_reconnect() {
    let b = Behaviour {
        answer_ping: false,
        ..Default::default()
    };
    let mut p = Pair::connected(
        config()
            .keep_alive(Duration::from_secs(10))
            .reconnect(backoff(false)),
        b,
    );
    p.take_events();
    p.advance(Duration::from_secs(20));
    let ev = p.take_events();
    assert!(ev.contains(&Event::ConnectionLost {
        cause: ConnectionError::KeepAliveTimeout,
        will_reconnect: true
    }));
    p.advance(ms(1000));
    assert!(p.client.is_connected());
}

#[test]
fn a_zero_or_inverted_backoff_is_a_config_error() {
    use mqtt_sansio::client::{Client, ConfigError};
    for (min, max) in [(ms(0), ms(10)), (ms(20), ms(10))] {
        let cfg = config().reconnect(ReconnectPolicy::Backoff {
            min,
            max,
            jitter: false,
        });
        assert_eq!(
            Client::<Duration>::new(cfg).unwrap_err(),
            ConfigError::InvalidBackoff
        );
    }
}

#[test]
fn a_zero_connect_timeout_is_a_config_error() {
    use mqtt_sansio::client::{Client, ConfigError};
    let cfg = config().connect_timeout(Duration::ZERO);
    assert_eq!(
        Client::<Duration>::new(cfg).unwrap_err(),
        ConfigError::ZeroConnectTimeout
    );
}
