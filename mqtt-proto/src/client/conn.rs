//! Every connection-state transition, top to bottom:
//!
//! ```text
//! Idle ──connect──▶ Opening ──handle_connected──▶ Connecting ──CONNACK ok──▶ Connected
//!   ▲                 │ (fail-over: next server)      │ (3.1 fall-back: reopen)   │
//!   │                 ▼                               ▼                           ▼
//!   └──(no retry)── fail() ──backoff──▶ WaitingToReconnect ──timer──▶ Opening
//! any state ──disconnect──▶ Idle (Event::Closed)
//! ```
//!
//! `fail` is the one way a connection ends on its own; `do_disconnect` the
//! one way the application ends it.

use alloc::string::String;
use bytes::BytesMut;
use core::time::Duration;

use super::error::{ConfigError, ConnectionError, DisconnectError, ProtocolViolation, ReauthError};
use super::event::{DisconnectOptions, Event, TransportCommand};
use super::timer::Timer;
use super::{BrokerLimits, Client, Config, ReconnectPolicy, State, MIN_USABLE_PACKET_SIZE};
use crate::codec::{
    self, Auth, ByteStr, ConnAck, Connect, Disconnect, Packet, PacketType, Properties,
    ProtocolVersion, QoS, ReasonCode,
};
use crate::time::Instant;

/// MQTT 3.1 limits client identifiers to 23 characters.
const V31_MAX_CLIENT_ID: usize = 23;

/// The client identifier to use: configured, or generated for 3.x, or empty
/// for 5.0 (the broker assigns one).
pub(super) fn effective_client_id(cfg: &Config) -> Result<ByteStr, ConfigError> {
    if cfg.sends_empty_client_id()? {
        return Ok(ByteStr::new());
    }
    if !cfg.client_id.is_empty() {
        let chars = cfg.client_id.chars().count();
        if cfg.protocol == ProtocolVersion::V3_1 && chars > V31_MAX_CLIENT_ID {
            return Err(ConfigError::ClientIdTooLong { len: chars });
        }
        return Ok(ByteStr::from(cfg.client_id.clone()));
    }
    Ok(ByteStr::from(generate_client_id(cfg.seed)))
}

/// `mqttsansio` + 13 base-36 digits of a hash of the seed: 23 characters,
/// valid for every protocol version.
fn generate_client_id(seed: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut rng = super::rng::Rng::new(seed);
    let mut v = rng.next_u64();
    let mut s = String::from("mqttsansio");
    for _ in 0..13 {
        s.push(DIGITS[(v % 36) as usize] as char);
        v /= 36;
    }
    s
}

/// Whether a CONNACK refusal is worth another attempt (server-side trouble)
/// or final (the client's configuration is wrong).
fn refusal_is_final(reason: ReasonCode) -> bool {
    matches!(
        reason,
        ReasonCode::UnsupportedProtocolVersion
            | ReasonCode::ClientIdentifierNotValid
            | ReasonCode::BadUserNameOrPassword
            | ReasonCode::NotAuthorized
            | ReasonCode::Banned
            | ReasonCode::BadAuthenticationMethod
            | ReasonCode::MalformedPacket
            | ReasonCode::ProtocolError
    )
}

impl<I: Instant> Client<I> {
    pub(super) fn validate_config(&self) -> Result<(), ConfigError> {
        let c = &self.cfg;
        if c.max_inflight == 0 || c.receive_maximum == 0 {
            return Err(ConfigError::ZeroWindow);
        }
        if c.server_count == 0 {
            return Err(ConfigError::NoServers);
        }
        if c.keep_alive > Duration::from_secs(u16::MAX as u64) {
            return Err(ConfigError::KeepAliveTooLong);
        }
        if let ReconnectPolicy::Backoff { min, max, .. } = c.reconnect {
            if min.is_zero() || min > max {
                return Err(ConfigError::InvalidBackoff);
            }
        }
        if c.connect_timeout.is_zero() {
            return Err(ConfigError::ZeroConnectTimeout);
        }
        if c.max_incoming_packet_size < 2 {
            return Err(ConfigError::MaxPacketSizeTooSmall);
        }
        if !c.protocol.is_v5() {
            if c.password.is_some() && c.username.is_none() {
                return Err(ConfigError::PasswordWithoutUsername);
            }
            let v5_only = [
                ("authenticator", c.authenticator.is_some()),
                ("session_expiry_interval", c.session_expiry_interval != 0),
                ("user_properties", !c.user_properties.is_empty()),
                (
                    "request_response_information",
                    c.request_response_information,
                ),
                (
                    "request_problem_information",
                    c.request_problem_information.is_some(),
                ),
                (
                    "will.properties",
                    c.will.as_ref().is_some_and(|w| !w.properties.is_empty()),
                ),
            ];
            if let Some((field, _)) = v5_only.iter().find(|(_, set)| *set) {
                return Err(ConfigError::RequiresV5 { field });
            }
        }
        if let Some(w) = &c.will {
            crate::topic::validate_topic_name(&w.topic).map_err(ConfigError::InvalidWillTopic)?;
        }
        for (field, len) in [
            ("client_id", c.client_id.len()),
            ("username", c.username.as_ref().map_or(0, |u| u.len())),
            ("password", c.password.as_ref().map_or(0, |p| p.len())),
        ] {
            if len > u16::MAX as usize {
                return Err(ConfigError::FieldTooLong { field });
            }
        }
        // Whatever else is wrong, the encoder knows: build the CONNECT once.
        let connect = self.build_connect(None);
        codec::encoded_len(&connect, self.protocol).map_err(ConfigError::Encode)?;
        Ok(())
    }

    /// CONNECT for the current protocol, with the authenticator's first data.
    fn build_connect(&self, auth_data: Option<bytes::Bytes>) -> Packet {
        let c = &self.cfg;
        let mut properties = Properties::default();
        if self.is_v5() {
            if c.session_expiry_interval != 0 {
                properties.session_expiry_interval = Some(c.session_expiry_interval);
            }
            if c.receive_maximum != u16::MAX {
                properties.receive_maximum = Some(c.receive_maximum);
            }
            properties.maximum_packet_size = Some(c.max_incoming_packet_size);
            if c.topic_alias_maximum != 0 {
                properties.topic_alias_maximum = Some(c.topic_alias_maximum);
            }
            if c.request_response_information {
                properties.request_response_information = Some(1);
            }
            properties.request_problem_information = c.request_problem_information.map(u8::from);
            properties.user_properties = c.user_properties.clone();
            if let Some(a) = &c.authenticator {
                properties.authentication_method = Some(a.method());
                properties.authentication_data = auth_data;
            }
        }
        Packet::Connect(alloc::boxed::Box::new(Connect {
            protocol: self.protocol,
            clean_start: c.clean_start,
            keep_alive: c.keep_alive.as_secs() as u16,
            client_id: self.client_id.clone(),
            will: c.will.clone(),
            username: c.username.as_ref().map(ByteStr::from),
            password: c.password.clone(),
            properties,
        }))
    }

    // ------------------------------------------------------------------
    // Idle / WaitingToReconnect → Opening
    // ------------------------------------------------------------------

    pub(super) fn start_connect(&mut self, now: I) {
        self.closed = false;
        match self.state {
            State::Idle => {
                self.round_tried = 0;
                self.open(now);
            }
            State::WaitingToReconnect => {
                self.timers.stop(Timer::Reconnect);
                self.open(now);
            }
            State::Opening | State::Connecting | State::Connected => {}
        }
    }

    /// Asks the adapter for a transport to `self.server`.
    fn open(&mut self, now: I) {
        self.state = State::Opening;
        self.transport.push_back(TransportCommand::Open {
            server: self.server,
        });
        self.timers
            .set(Timer::Connect, now.saturating_add(self.cfg.connect_timeout));
    }

    // ------------------------------------------------------------------
    // Opening → Connecting
    // ------------------------------------------------------------------

    pub(super) fn on_transport_open(&mut self, now: I) {
        if self.state != State::Opening {
            return;
        }
        self.state = State::Connecting;
        self.connection += 1;
        self.rx.clear();
        self.last_rx = None;
        self.last_tx = None;
        self.ping_outstanding = false;
        // The broker's limits are unknown until CONNACK: use the protocol's.
        self.limits = BrokerLimits::PROTOCOL;
        let auth_data = match self.cfg.authenticator.as_mut() {
            Some(a) if self.protocol.is_v5() => match a.start() {
                Ok(d) => d,
                Err(f) => {
                    self.fail(now, ConnectionError::Auth(f.reason), None, true);
                    return;
                }
            },
            _ => None,
        };
        self.connect_auth_in_progress = self.cfg.authenticator.is_some() && self.is_v5();
        let connect = self.build_connect(auth_data);
        if let Err(e) = self.send(now, &connect) {
            // validate_config encoded the same CONNECT; only the
            // authenticator's data can differ.
            let _ = e;
            self.fail(
                now,
                ConnectionError::Auth(ReasonCode::ImplementationSpecificError),
                None,
                true,
            );
        }
    }

    // ------------------------------------------------------------------
    // Received bytes: frame, decode, dispatch by state
    // ------------------------------------------------------------------

    pub(super) fn on_data(&mut self, now: I, data: &[u8]) {
        if !matches!(self.state, State::Connecting | State::Connected) {
            return;
        }
        self.rx.extend_from_slice(data);
        self.decode_received(now);
    }

    /// Like `on_data`, taking the adapter's buffer instead of copying it:
    /// adopted when nothing is buffered, else joined to the buffered start
    /// of a packet (without a copy when it follows it in memory, as the next
    /// read into the same allocation does).
    pub(super) fn on_data_owned(&mut self, now: I, data: BytesMut) {
        if !matches!(self.state, State::Connecting | State::Connected) {
            return;
        }
        if self.rx.is_empty() {
            self.rx = data;
        } else {
            self.rx.unsplit(data);
        }
        self.decode_received(now);
    }

    /// Decodes and handles every whole packet in the receive buffer.
    fn decode_received(&mut self, now: I) {
        let max = self.cfg.max_incoming_packet_size as usize;
        while matches!(self.state, State::Connecting | State::Connected) {
            // A PUBLISH is split off the buffer: its topic and payload reach
            // the application as slices of it. Every other packet is decoded
            // in place and the buffer advanced past it: no reference count,
            // and no allocation unless it carries fields the client keeps.
            let publish = self
                .rx
                .first()
                .map_or(true, |&b| b >> 4 == PacketType::Publish as u8);
            let decoded = if publish {
                codec::decode(&mut self.rx, self.protocol, max)
            } else {
                match codec::decode_ref(&self.rx, self.protocol, max) {
                    Ok(Some((p, len))) => {
                        let packet = p.owned_copy();
                        bytes::Buf::advance(&mut self.rx, len);
                        Ok(Some(packet))
                    }
                    Ok(None) => Ok(None),
                    Err(e) => Err(e),
                }
            };
            match decoded {
                Ok(Some(packet)) => {
                    self.last_rx = Some(now);
                    #[cfg(feature = "log")]
                    log::trace!(target: "mqtt::packet", "client {:?}: received {}", &*self.client_id, super::brief::Brief(&packet));
                    self.on_packet(now, packet);
                }
                Ok(None) => break,
                Err(e) => {
                    self.violation(now, ProtocolViolation::Malformed(e));
                    break;
                }
            }
        }
        self.rearm_keep_alive();
    }

    fn on_packet(&mut self, now: I, packet: Packet) {
        if self.state == State::Connecting {
            match packet {
                Packet::ConnAck(ack) => self.on_connack(now, ack),
                Packet::Auth(auth) if self.connect_auth_in_progress => self.on_auth(now, auth),
                Packet::Disconnect(d) => self.on_server_disconnect(now, d),
                other => self.violation(
                    now,
                    ProtocolViolation::UnexpectedPacket(packet_type(&other)),
                ),
            }
            return;
        }
        match packet {
            Packet::Publish(p) => self.on_publish(now, p),
            Packet::PubAck(r) => self.on_puback(now, r),
            Packet::PubRec(r) => self.on_pubrec(now, r),
            Packet::PubRel(r) => self.on_pubrel(now, r),
            Packet::PubComp(r) => self.on_pubcomp(now, r),
            Packet::SubAck(a) => self.on_suback(now, a),
            Packet::UnsubAck(a) => self.on_unsuback(now, a),
            Packet::PingResp => {
                self.ping_outstanding = false;
                self.timers.stop(Timer::PingResp);
            }
            Packet::Disconnect(d) => self.on_server_disconnect(now, d),
            Packet::Auth(a) if self.reauth_in_progress => self.on_auth(now, a),
            Packet::Auth(_) => self.violation(now, ProtocolViolation::UnexpectedAuth),
            other => self.violation(
                now,
                ProtocolViolation::UnexpectedPacket(packet_type(&other)),
            ),
        }
    }

    // ------------------------------------------------------------------
    // Connecting → Connected (or refused)
    // ------------------------------------------------------------------

    fn on_connack(&mut self, now: I, ack: ConnAck) {
        if ack.code.is_error() {
            let reason = ack.code;
            if reason == ReasonCode::UnsupportedProtocolVersion
                && self.protocol == ProtocolVersion::V3_1_1
                && self.cfg.protocol_fallback
                && !self.client_id.is_empty()
                && self.client_id.chars().count() <= V31_MAX_CLIENT_ID
            {
                // Fall back to 3.1 on the same server, at once.
                self.protocol = ProtocolVersion::V3_1;
                self.transport.push_back(TransportCommand::Close {
                    await_server: false,
                });
                self.teardown();
                self.open(now);
                return;
            }
            self.fail(
                now,
                ConnectionError::Refused {
                    reason,
                    properties: ack.properties,
                },
                None,
                true,
            );
            return;
        }
        if ack.session_present && self.cfg.clean_start {
            self.violation(now, ProtocolViolation::SessionPresentOnCleanStart);
            return;
        }
        if self.connect_auth_in_progress {
            self.connect_auth_in_progress = false;
            if let Some(a) = self.cfg.authenticator.as_mut() {
                if let Err(f) = a.finish(&ack.properties) {
                    self.fail(now, ConnectionError::Auth(f.reason), Some(f.reason), true);
                    return;
                }
            }
        }
        let p = &ack.properties;
        self.limits = BrokerLimits {
            receive_maximum: p.receive_maximum.unwrap_or(u16::MAX).max(1),
            maximum_qos: match p.maximum_qos {
                Some(0) => QoS::AtMostOnce,
                Some(1) => QoS::AtLeastOnce,
                _ => QoS::ExactlyOnce,
            },
            retain_available: p.retain_available != Some(0),
            maximum_packet_size: p
                .maximum_packet_size
                .map_or(BrokerLimits::PROTOCOL.maximum_packet_size, |m| m as usize),
            topic_alias_maximum: if self.cfg.auto_topic_alias {
                p.topic_alias_maximum.unwrap_or(0)
            } else {
                0
            },
            wildcard_available: p.wildcard_subscription_available != Some(0),
            subscription_ids_available: p.subscription_identifier_available != Some(0),
            shared_available: p.shared_subscription_available != Some(0),
        };
        if let Some(max) = p.maximum_packet_size {
            if (max as usize) < MIN_USABLE_PACKET_SIZE {
                // The DISCONNECT that says so is sent only if it fits.
                self.violation(now, ProtocolViolation::MaximumPacketSizeTooSmall { max });
                return;
            }
        }
        if let Some(id) = &p.assigned_client_identifier {
            self.client_id = id.clone();
        }
        self.keep_alive = match p.server_keep_alive {
            Some(secs) => Duration::from_secs(secs as u64),
            None => Duration::from_secs(self.cfg.keep_alive.as_secs()),
        };
        self.timers.stop(Timer::Connect);
        self.state = State::Connected;
        self.round_tried = 0;
        // The backoff is not reset here: a broker that accepts and then
        // closes at once (on a message it refuses) must not be hammered.
        self.connected_at = Some(now);
        let reconnect = self.ever_connected;
        self.ever_connected = true;
        self.aliases_out.clear();
        self.aliases_in.clear();
        self.aliases_in
            .resize(self.cfg.topic_alias_maximum as usize + 1, None);
        self.push_event(Event::Connected {
            session_present: ack.session_present,
            reconnect,
            server: self.server,
            protocol: self.protocol,
            properties: ack.properties,
        });
        if ack.session_present {
            self.resend_session(now);
        } else {
            self.session_lost(now);
        }
        self.has_session = true;
        self.send_pending_requests(now);
        self.pump(now);
        self.rearm_keep_alive();
    }

    // ------------------------------------------------------------------
    // MQTT 5 AUTH (connect-time and re-authentication)
    // ------------------------------------------------------------------

    fn on_auth(&mut self, now: I, auth: Auth) {
        let Some(authenticator) = self.cfg.authenticator.as_mut() else {
            self.violation(now, ProtocolViolation::UnexpectedAuth);
            return;
        };
        match auth.reason {
            ReasonCode::ContinueAuthentication => {
                match authenticator.challenge(auth.properties.authentication_data.as_ref()) {
                    Ok(data) => {
                        let mut properties = Properties::default();
                        properties.authentication_method = Some(authenticator.method());
                        properties.authentication_data = data;
                        let packet = Packet::Auth(Auth {
                            reason: ReasonCode::ContinueAuthentication,
                            properties,
                        });
                        if self.send(now, &packet).is_err() {
                            // Our authenticator's answer does not encode (too
                            // long, or over the broker's maximum packet size):
                            // our fault, not the broker's, and a retry would
                            // fail the same way.
                            let reason = ReasonCode::ImplementationSpecificError;
                            self.fail(now, ConnectionError::Auth(reason), Some(reason), true);
                        }
                    }
                    Err(f) => self.fail(now, ConnectionError::Auth(f.reason), Some(f.reason), true),
                }
            }
            ReasonCode::Success if self.reauth_in_progress => {
                self.reauth_in_progress = false;
                match authenticator.finish(&auth.properties) {
                    Ok(()) => self.push_event(Event::Reauthenticated {
                        properties: auth.properties,
                    }),
                    Err(f) => self.fail(now, ConnectionError::Auth(f.reason), Some(f.reason), true),
                }
            }
            _ => self.violation(now, ProtocolViolation::UnexpectedAuth),
        }
    }

    pub(super) fn do_reauthenticate(&mut self, now: I) -> Result<(), ReauthError> {
        if !self.is_v5() {
            return Err(ReauthError::NoAuthenticator);
        }
        let Some(a) = self.cfg.authenticator.as_mut() else {
            return Err(ReauthError::NoAuthenticator);
        };
        if self.state != State::Connected {
            return Err(ReauthError::NotConnected);
        }
        if self.reauth_in_progress {
            return Err(ReauthError::InProgress);
        }
        let data = a.start().map_err(|f| ReauthError::Failed(f.reason))?;
        let mut properties = Properties::default();
        properties.authentication_method = Some(a.method());
        properties.authentication_data = data;
        let packet = Packet::Auth(Auth {
            reason: ReasonCode::ReAuthenticate,
            properties,
        });
        self.send(now, &packet)
            .map_err(|_| ReauthError::Failed(ReasonCode::ImplementationSpecificError))?;
        self.reauth_in_progress = true;
        Ok(())
    }

    // ------------------------------------------------------------------
    // Connection ends
    // ------------------------------------------------------------------

    fn on_server_disconnect(&mut self, now: I, d: Disconnect) {
        self.fail(
            now,
            ConnectionError::ServerDisconnect {
                reason: d.reason,
                properties: d.properties,
            },
            None,
            true,
        );
    }

    /// The broker broke the protocol: DISCONNECT with the matching reason
    /// (MQTT 5), close, report.
    pub(super) fn violation(&mut self, now: I, v: ProtocolViolation) {
        let reason = v.reason_code();
        self.fail(now, ConnectionError::Protocol(v), Some(reason), true);
    }

    pub(super) fn on_transport_closed(&mut self, now: I) {
        match self.state {
            State::Opening => self.fail(now, ConnectionError::TransportFailed, None, false),
            State::Connecting | State::Connected => {
                self.fail(now, ConnectionError::TransportClosed, None, false)
            }
            State::Idle | State::WaitingToReconnect => {}
        }
    }

    /// Ends the current connection attempt or connection: optional MQTT 5
    /// DISCONNECT, a Close request (unless the transport is already gone),
    /// then fail-over, backoff or Idle, and [`Event::ConnectionLost`].
    pub(super) fn fail(
        &mut self,
        now: I,
        cause: ConnectionError,
        disconnect: Option<ReasonCode>,
        close: bool,
    ) {
        let was = self.state;
        if !matches!(was, State::Opening | State::Connecting | State::Connected) {
            return;
        }
        if was == State::Connected {
            let lasted = self
                .connected_at
                .take()
                .map(|t| now.saturating_duration_since(t));
            if lasted.is_some_and(|d| d >= self.cfg.stable_after) {
                self.attempt = 0;
            } else {
                self.count_failed_attempts();
            }
        }
        if let Some(reason) = disconnect {
            if self.is_v5() && was != State::Opening {
                let packet = Packet::Disconnect(Disconnect {
                    reason,
                    properties: Properties::default(),
                });
                // Best effort: the connection is ending whatever happens.
                let _ = self.send(now, &packet);
            }
        }
        if close {
            self.transport.push_back(TransportCommand::Close {
                await_server: false,
            });
        }
        self.teardown();
        let retry = match &cause {
            ConnectionError::Refused { reason, .. } => !refusal_is_final(*reason),
            ConnectionError::Auth(_) => false,
            _ => true,
        };
        let will_reconnect = if !retry {
            self.state = State::Idle;
            false
        } else if was == State::Connected {
            // An established connection: start a new round at the same server.
            self.round_tried = 0;
            self.schedule_reconnect(now)
        } else {
            self.round_tried += 1;
            if self.round_tried < self.cfg.server_count {
                // Fail-over: the next server of this round, at once.
                self.server = (self.server + 1) % self.cfg.server_count;
                self.open(now);
                true
            } else {
                self.round_tried = 0;
                self.server = (self.server + 1) % self.cfg.server_count;
                self.schedule_reconnect(now)
            }
        };
        self.push_event(Event::ConnectionLost {
            cause,
            will_reconnect,
        });
    }

    /// Arms the reconnect timer per the policy; false (and Idle) if disabled.
    fn schedule_reconnect(&mut self, now: I) -> bool {
        match self.cfg.reconnect {
            ReconnectPolicy::Disabled => {
                self.state = State::Idle;
                false
            }
            ReconnectPolicy::Backoff { min, max, jitter } => {
                let delay = backoff_delay(min, max, self.attempt, jitter, &mut self.rng);
                self.attempt = self.attempt.saturating_add(1);
                self.state = State::WaitingToReconnect;
                self.timers.set(Timer::Reconnect, now.saturating_add(delay));
                true
            }
        }
    }

    /// Forgets everything that belongs to one transport. The session (in
    /// flight, queue, inbound QoS 2, registry) stays.
    fn teardown(&mut self) {
        self.timers.stop(Timer::Connect);
        self.timers.stop(Timer::KeepAlive);
        self.timers.stop(Timer::PingResp);
        self.ping_outstanding = false;
        self.reauth_in_progress = false;
        self.connect_auth_in_progress = false;
        self.rx.clear();
        self.aliases_out.clear();
        self.aliases_in.clear();
        // QoS 1 tokens die with the connection: the broker resends with DUP.
        self.inbound_qos1.clear();
        self.requeue_inflight_requests();
    }

    pub(super) fn do_disconnect(
        &mut self,
        now: I,
        options: DisconnectOptions,
    ) -> Result<(), DisconnectError> {
        if self.closed {
            return Err(DisconnectError::AlreadyClosed);
        }
        if !self.is_v5()
            && (options.reason != ReasonCode::Success || !options.properties.is_empty())
        {
            return Err(DisconnectError::RequiresV5);
        }
        if self.cfg.session_expiry_interval == 0
            && options
                .properties
                .session_expiry_interval
                .is_some_and(|s| s != 0)
        {
            return Err(DisconnectError::SessionExpiryWasZero);
        }
        match self.state {
            State::Connected => {
                let packet = Packet::Disconnect(Disconnect {
                    reason: options.reason,
                    properties: options.properties,
                });
                if self.send(now, &packet).is_err() {
                    // Properties too large for the broker: send a bare DISCONNECT.
                    let _ = self.send(
                        now,
                        &Packet::Disconnect(Disconnect {
                            reason: options.reason,
                            properties: Properties::default(),
                        }),
                    );
                }
                self.transport
                    .push_back(TransportCommand::Close { await_server: true });
            }
            State::Connecting | State::Opening => {
                self.transport.push_back(TransportCommand::Close {
                    await_server: false,
                });
            }
            State::Idle | State::WaitingToReconnect => {}
        }
        self.teardown();
        self.timers.stop_all();
        self.state = State::Idle;
        self.round_tried = 0;
        self.closed = true;
        self.push_event(Event::Closed);
        Ok(())
    }

    // ------------------------------------------------------------------
    // Time
    // ------------------------------------------------------------------

    pub(super) fn on_timeout(&mut self, now: I) {
        if self.timers.expired(Timer::Connect, now) {
            self.timers.stop(Timer::Connect);
            self.fail(now, ConnectionError::ConnectTimeout, None, true);
        }
        if self.timers.expired(Timer::PingResp, now) {
            self.timers.stop(Timer::PingResp);
            self.fail(now, ConnectionError::KeepAliveTimeout, None, true);
        }
        if self.timers.expired(Timer::KeepAlive, now) && self.state == State::Connected {
            self.timers.stop(Timer::KeepAlive);
            if self.send(now, &Packet::PingReq).is_ok() {
                self.ping_outstanding = true;
                let wait = self.cfg.ping_timeout.unwrap_or(self.keep_alive);
                self.timers.set(Timer::PingResp, now.saturating_add(wait));
                self.timers.stop(Timer::KeepAlive);
            }
        }
        if self.timers.expired(Timer::Reconnect, now) {
            self.timers.stop(Timer::Reconnect);
            if self.state == State::WaitingToReconnect {
                self.open(now);
            }
        }
    }
}

/// `min · 2^attempt`, capped at `max`; with jitter, uniform in `[d/2, d]`.
fn backoff_delay(
    min: Duration,
    max: Duration,
    attempt: u32,
    jitter: bool,
    rng: &mut super::rng::Rng,
) -> Duration {
    let factor = 1u32.checked_shl(attempt.min(31)).unwrap_or(u32::MAX);
    let d = min
        .checked_mul(factor)
        .unwrap_or(max)
        .min(max)
        .max(min.min(max));
    if !jitter {
        return d;
    }
    let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
    let half = nanos / 2;
    Duration::from_nanos(half + rng.below_or_eq(nanos - half))
}

fn packet_type(p: &Packet) -> PacketType {
    match p {
        Packet::Connect(_) => PacketType::Connect,
        Packet::ConnAck(_) => PacketType::ConnAck,
        Packet::Publish(_) => PacketType::Publish,
        Packet::PubAck(_) => PacketType::PubAck,
        Packet::PubRec(_) => PacketType::PubRec,
        Packet::PubRel(_) => PacketType::PubRel,
        Packet::PubComp(_) => PacketType::PubComp,
        Packet::Subscribe(_) => PacketType::Subscribe,
        Packet::SubAck(_) => PacketType::SubAck,
        Packet::Unsubscribe(_) => PacketType::Unsubscribe,
        Packet::UnsubAck(_) => PacketType::UnsubAck,
        Packet::PingReq => PacketType::PingReq,
        Packet::PingResp => PacketType::PingResp,
        Packet::Disconnect(_) => PacketType::Disconnect,
        Packet::Auth(_) => PacketType::Auth,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn generated_client_id_is_23_chars_and_depends_on_seed() {
        let a = generate_client_id(1);
        assert_eq!(a.chars().count(), 23);
        assert_eq!(a, generate_client_id(1));
        assert_ne!(a, generate_client_id(2));
    }

    #[test]
    fn backoff_doubles_up_to_max_without_jitter() {
        let mut rng = super::super::rng::Rng::new(0);
        let (min, max) = (Duration::from_millis(100), Duration::from_secs(1));
        let ds: Vec<_> = (0..6)
            .map(|a| backoff_delay(min, max, a, false, &mut rng).as_millis())
            .collect();
        assert_eq!(ds, [100, 200, 400, 800, 1000, 1000]);
    }

    #[test]
    fn backoff_jitter_stays_within_half_to_full_delay() {
        let mut rng = super::super::rng::Rng::new(42);
        let (min, max) = (Duration::from_millis(100), Duration::from_secs(10));
        for attempt in 0..40 {
            let full = backoff_delay(min, max, attempt, false, &mut rng);
            let d = backoff_delay(min, max, attempt, true, &mut rng);
            assert!(d >= full / 2 && d <= full, "{d:?} vs {full:?}");
        }
    }
}
