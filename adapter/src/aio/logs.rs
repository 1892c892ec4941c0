//! What the driver tells the `log` facade (target `mqtt`): each connection
//! attempt and its outcome, CONNACK, a lost connection with the reconnect
//! delay, a lost session, the end of the client. Packets are logged by the
//! core (target `mqtt::packet`, trace). URLs are logged without passwords.
//!
//! Levels: `info` for what an operator wants to see once per connection
//! (connected, disconnected), `warn` for what went wrong (a failed attempt,
//! a lost connection or session, with the error chain that says why:
//! refused, TLS or WebSocket failure, protocol violation, keep-alive
//! timeout), `debug` for the steps of an attempt. Nothing here runs per
//! message.

use crate::{ConnectInfo, ConnectionLost, ProtocolVersion};
use mqtt_transport::redact_password;
use std::error::Error as _;
use std::fmt::Write as _;
use std::time::Duration;

/// `e` and every error behind it, joined by ": ".
fn chain(e: &ConnectionLost) -> String {
    let mut s = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        let _ = write!(s, ": {cause}");
        next = cause.source();
    }
    s
}

pub(super) fn attempt(id: &str, url: &str) {
    log::debug!(target: "mqtt", "client {id:?}: connecting to {}", redact_password(url));
}

pub(super) fn socket_open(id: &str, url: &str, layered: bool) {
    log::debug!(
        target: "mqtt",
        "client {id:?}: TCP connection to {} open{}",
        redact_password(url),
        if layered { ", handshaking (TLS / WebSocket)" } else { ", sending CONNECT" }
    );
}

pub(super) fn handshake_done(id: &str, url: &str) {
    log::debug!(
        target: "mqtt",
        "client {id:?}: TLS / WebSocket handshake with {} done, sending CONNECT",
        redact_password(url)
    );
}

pub(super) fn connected(id: &str, info: &ConnectInfo) {
    log::info!(
        target: "mqtt",
        "client {id:?}: {} to {} (MQTT {}, session present: {})",
        if info.reconnect { "reconnected" } else { "connected" },
        redact_password(&info.server),
        match info.protocol {
            ProtocolVersion::V3_1 => "3.1",
            ProtocolVersion::V3_1_1 => "3.1.1",
            _ => "5",
        },
        info.session_present
    );
}

/// A connection (`established`: CONNACK had accepted it) or an attempt
/// ended; `reconnect_in` is the backoff before the next attempt when one is
/// scheduled (`None` with `will_reconnect`: fail-over to the next server at
/// once).
pub(super) fn lost(
    id: &str,
    url: Option<&str>,
    lost: &ConnectionLost,
    established: bool,
    reconnect_in: Option<Duration>,
) {
    let what = if established {
        "connection lost"
    } else {
        "connection attempt failed"
    };
    let to = url
        .map(|u| format!(" ({})", redact_password(u)))
        .unwrap_or_default();
    let next = match (lost.will_reconnect, reconnect_in) {
        (false, _) => "not reconnecting".to_owned(),
        // Measured from now, not from the moment the core scheduled it:
        // rounded to the millisecond, it is the policy's delay.
        (true, Some(d)) => format!("reconnecting in {} ms", (d.as_micros() + 500) / 1000),
        (true, None) => "trying the next server now".to_owned(),
    };
    log::warn!(target: "mqtt", "client {id:?}: {what}{to}: {}; {next}", chain(lost));
}

pub(super) fn session_lost(id: &str, affected: usize, resent: bool) {
    log::warn!(
        target: "mqtt",
        "client {id:?}: the broker no longer had this client's session (its subscriptions and unacknowledged messages are gone); {affected} in-flight publishes {}",
        if resent { "are sent again" } else { "fail with SessionLost" }
    );
}

pub(super) fn closed(id: &str) {
    log::info!(target: "mqtt", "client {id:?}: disconnected");
}
