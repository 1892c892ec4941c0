//! Encoding a [`Packet`] into a caller's buffer.
//!
//! Every rule is checked, and every length computed, before the first byte is
//! written: on error `out` is untouched. The Remaining Length is computed once
//! (by [`encoded_len`]'s machinery) and the payload is appended with a single
//! copy, into one reservation.
//!
//! - `publish.rs`: PUBLISH, the hot path, apart from the general dispatch
//!   (and, for the client, without re-scanning a validated topic name).
//! - `plain.rs`: CONNECT, SUBSCRIBE, UNSUBSCRIBE without property content.
//! - `cursor.rs`: how those two write: into reserved capacity, the length
//!   committed once.
//! - Everything else: planned by [`plan`], written by [`write`] through `BufMut`.

use super::frame::MAX_REMAINING_LENGTH;
use super::props_wire::{binary_len, properties_len, write_properties};
use super::scan::{any_byte, nul_byte, nul_mark};
use super::wire::{
    put_vbi, reason_allowed_v5, reason_to_connack_v3, suback_v3_allowed, vbi_len, PropCtx,
};
use super::{
    ConnAck, Connect, EncodeError, Packet, PacketType, Properties, ProtocolVersion, PubResponse,
    ReasonCode, RetainHandling, SubAck, Subscribe, UnsubAck, Unsubscribe,
};
use crate::topic::{check_topic_filter, shared_subscription, validate_topic_name};
use bytes::{BufMut, BytesMut};

mod cursor;
mod plain;
mod publish;

use plain::write_plain;
use publish::{encode_publish, plan_publish, write_publish, TopicCheck};
pub(crate) use publish::{encode_validated_publish, validated_publish_len};

/// What encoding a packet takes, worked out (and validated) once.
struct Plan {
    /// The Remaining Length.
    remaining: usize,
    /// Length of the packet's property block content (MQTT 5).
    props: usize,
    /// Length of the will property block content (CONNECT, MQTT 5).
    will_props: usize,
}

impl Plan {
    fn total(&self) -> usize {
        1 + vbi_len(self.remaining) + self.remaining
    }
}

/// The encoded size of `packet` (fixed header included), after checking that
/// it can be encoded at all (the same checks as [`encode`], except the
/// maximum packet size).
///
/// ```
/// use mqtt_sansio::codec::{encoded_len, Packet, ProtocolVersion};
/// assert_eq!(encoded_len(&Packet::PingReq, ProtocolVersion::V5), Ok(2));
/// ```
pub fn encoded_len(packet: &Packet, version: ProtocolVersion) -> Result<usize, EncodeError> {
    let plan = plan(packet, version)?;
    if plan.remaining > MAX_REMAINING_LENGTH {
        return Err(EncodeError::PacketTooLarge {
            size: plan.remaining.saturating_add(5),
            max: MAX_REMAINING_LENGTH + 5,
        });
    }
    Ok(plan.total())
}

/// Appends the encoding of `packet` to `out` and returns the number of bytes
/// written.
///
/// `version` is the connection's protocol version; CONNECT is encoded by its
/// own `protocol` field. `max_packet_size` bounds the whole packet (fixed
/// header included), e.g. the server's Maximum Packet Size. On error nothing
/// is appended.
///
/// ```
/// use bytes::BytesMut;
/// use mqtt_sansio::codec::{encode, EncodeError, Packet, ProtocolVersion};
/// let mut out = BytesMut::new();
/// assert_eq!(encode(&Packet::PingReq, ProtocolVersion::V3_1_1, 1024, &mut out), Ok(2));
/// assert_eq!(&out[..], &[0xC0, 0x00]);
/// assert_eq!(
///     encode(&Packet::PingReq, ProtocolVersion::V3_1_1, 1, &mut out),
///     Err(EncodeError::PacketTooLarge { size: 2, max: 1 })
/// );
/// ```
pub fn encode(
    packet: &Packet,
    version: ProtocolVersion,
    max_packet_size: usize,
    out: &mut BytesMut,
) -> Result<usize, EncodeError> {
    // PUBLISH is the hot path: planned and written without the general dispatch.
    if let Packet::Publish(p) = packet {
        return encode_publish(p, version.is_v5(), max_packet_size, out, TopicCheck::Scan);
    }
    encode_other(packet, version, max_packet_size, out)
}

/// Every packet but PUBLISH.
#[inline(never)]
fn encode_other(
    packet: &Packet,
    version: ProtocolVersion,
    max_packet_size: usize,
    out: &mut BytesMut,
) -> Result<usize, EncodeError> {
    let plan = plan(packet, version)?;
    let max = max_packet_size.min(MAX_REMAINING_LENGTH + 5);
    if plan.remaining > MAX_REMAINING_LENGTH || plan.total() > max {
        return Err(EncodeError::PacketTooLarge {
            size: plan.remaining.saturating_add(1 + vbi_len(plan.remaining)),
            max,
        });
    }
    let total = plan.total();
    let (r, p, w) = (plan.remaining, plan.props, plan.will_props);
    if write_plain(packet, version, r, total, p, w, out) {
        return Ok(total);
    }
    out.reserve(total);
    let start = out.len();
    write(packet, version, &plan, out);
    debug_assert_eq!(out.len() - start, total);
    Ok(total)
}

/// The packet's total size for a Remaining Length of `remaining`, or
/// `PacketTooLarge` if over `max_packet_size` or the protocol's limit.
#[inline(always)]
fn check_size(remaining: usize, max_packet_size: usize) -> Result<usize, EncodeError> {
    let max = max_packet_size.min(MAX_REMAINING_LENGTH + 5);
    // No overflow: `remaining` is at most MAX_REMAINING_LENGTH when added to.
    if remaining > MAX_REMAINING_LENGTH || 1 + vbi_len(remaining) + remaining > max {
        return Err(too_large(remaining, max));
    }
    Ok(1 + vbi_len(remaining) + remaining)
}

#[cold]
#[inline(never)]
fn too_large(remaining: usize, max: usize) -> EncodeError {
    EncodeError::PacketTooLarge {
        size: remaining.saturating_add(1 + vbi_len(remaining)),
        max,
    }
}

// ---------------------------------------------------------------- planning

/// Size of a property block (length prefix included) whose content is `n`.
#[inline]
fn block(n: usize) -> usize {
    vbi_len(n) + n
}

#[inline]
fn no_props(p: &Properties) -> Result<(), EncodeError> {
    if p.is_empty() {
        Ok(())
    } else {
        Err(EncodeError::PropertiesNotSupported)
    }
}

/// Size of a packet identifier plus the property block (MQTT 5; refused when
/// non-empty before), and the size of the block's content: the shared start
/// of SUBSCRIBE, SUBACK and UNSUBSCRIBE.
#[inline]
fn id_and_props(p: &Properties, ctx: PropCtx, v5: bool) -> Result<(usize, usize), EncodeError> {
    if v5 {
        let props = properties_len(p, ctx)?;
        Ok((2 + block(props), props))
    } else {
        no_props(p)?;
        Ok((2, 0))
    }
}

fn plan(packet: &Packet, version: ProtocolVersion) -> Result<Plan, EncodeError> {
    let v5 = version.is_v5();
    let mut props = 0;
    let mut will_props = 0;
    let remaining = match packet {
        Packet::Publish(p) => {
            let (r, n) = plan_publish(p, v5, TopicCheck::Scan)?;
            props = n;
            r
        }
        Packet::Connect(c) => {
            let (r, n, w) = plan_connect(c)?;
            props = n;
            will_props = w;
            r
        }
        Packet::ConnAck(c) => {
            let (r, n) = plan_connack(c, v5)?;
            props = n;
            r
        }
        Packet::PubAck(r) | Packet::PubRec(r) | Packet::PubRel(r) | Packet::PubComp(r) => {
            let pt = packet.packet_type();
            let (r, n) = plan_pub_response(r, pt, v5)?;
            props = n;
            r
        }
        Packet::Subscribe(s) => {
            let (r, n) = plan_subscribe(s, v5)?;
            props = n;
            r
        }
        Packet::SubAck(s) => {
            let (r, n) = plan_suback(s, v5)?;
            props = n;
            r
        }
        Packet::Unsubscribe(u) => {
            let (r, n) = plan_unsubscribe(u, v5)?;
            props = n;
            r
        }
        Packet::UnsubAck(u) => {
            let (r, n) = plan_unsuback(u, v5)?;
            props = n;
            r
        }
        Packet::PingReq | Packet::PingResp => 0,
        Packet::Disconnect(d) => {
            let (r, n) = plan_reason_props(
                d.reason,
                &d.properties,
                PacketType::Disconnect,
                PropCtx::Disconnect,
                v5,
            )?;
            props = n;
            r
        }
        Packet::Auth(a) => {
            if !v5 {
                return Err(EncodeError::PacketNotInVersion(PacketType::Auth));
            }
            let (r, n) =
                plan_reason_props(a.reason, &a.properties, PacketType::Auth, PropCtx::Auth, v5)?;
            props = n;
            r
        }
    };
    Ok(Plan {
        remaining,
        props,
        will_props,
    })
}

/// Length of a UTF-8 string field (prefix included): at most 65,535 bytes
/// and no U+0000 (the `&str` is UTF-8 already), the NUL test sixteen bytes
/// at a time.
#[inline]
fn string_len(s: &str) -> Result<usize, EncodeError> {
    if s.len() > 65_535 {
        return Err(EncodeError::FieldTooLong { len: s.len() });
    }
    if any_byte(s.as_bytes(), nul_byte, nul_mark) {
        return Err(EncodeError::NullCharacter);
    }
    Ok(2 + s.len())
}

fn plan_connect(c: &Connect) -> Result<(usize, usize, usize), EncodeError> {
    let v5 = c.protocol.is_v5();
    let name_len = if c.protocol == ProtocolVersion::V3_1 {
        8
    } else {
        6
    };
    // Protocol name, level, flags, keep alive.
    let mut r: usize = name_len + 1 + 1 + 2;
    let mut props = 0;
    if v5 {
        props = properties_len(&c.properties, PropCtx::Connect)?;
        r += block(props);
    } else {
        no_props(&c.properties)?;
    }
    r += string_len(&c.client_id)?;
    let mut will_props = 0;
    if let Some(w) = &c.will {
        validate_topic_name(&w.topic).map_err(EncodeError::InvalidTopicName)?;
        if v5 {
            will_props = properties_len(&w.properties, PropCtx::Will)?;
            r += block(will_props);
        } else {
            no_props(&w.properties)?;
        }
        r = r
            // validate_topic_name checked its length and U+0000.
            .saturating_add(2 + w.topic.len())
            .saturating_add(binary_len(&w.payload)?);
    }
    if let Some(u) = &c.username {
        r = r.saturating_add(string_len(u)?);
    } else if c.password.is_some() && !v5 {
        return Err(EncodeError::PasswordWithoutUsername);
    }
    if let Some(p) = &c.password {
        r = r.saturating_add(binary_len(p)?);
    }
    Ok((r, props, will_props))
}

fn plan_connack(c: &ConnAck, v5: bool) -> Result<(usize, usize), EncodeError> {
    let not_allowed = EncodeError::ReasonCodeNotAllowed {
        code: c.code.as_u8(),
        packet_type: PacketType::ConnAck,
    };
    if c.session_present && c.code != ReasonCode::Success {
        return Err(EncodeError::SessionPresentOnFailure);
    }
    if v5 {
        if !reason_allowed_v5(PacketType::ConnAck, c.code) {
            return Err(not_allowed);
        }
        let props = properties_len(&c.properties, PropCtx::ConnAck)?;
        Ok((2 + block(props), props))
    } else {
        if reason_to_connack_v3(c.code).is_none() {
            return Err(not_allowed);
        }
        no_props(&c.properties)?;
        Ok((2, 0))
    }
}

/// The reason code / properties tail shared by PUBACK..PUBCOMP, DISCONNECT
/// and AUTH: both omitted when Success and empty, properties omitted when empty.
fn plan_tail(
    reason: ReasonCode,
    p: &Properties,
    pt: PacketType,
    ctx: PropCtx,
    v5: bool,
) -> Result<(usize, usize), EncodeError> {
    if !v5 {
        if reason != ReasonCode::Success {
            return Err(EncodeError::ReasonCodeNotAllowed {
                code: reason.as_u8(),
                packet_type: pt,
            });
        }
        no_props(p)?;
        return Ok((0, 0));
    }
    if !reason_allowed_v5(pt, reason) {
        return Err(EncodeError::ReasonCodeNotAllowed {
            code: reason.as_u8(),
            packet_type: pt,
        });
    }
    let props = properties_len(p, ctx)?;
    Ok(if props > 0 {
        (1 + block(props), props)
    } else if reason != ReasonCode::Success {
        (1, 0)
    } else {
        (0, 0)
    })
}

fn plan_pub_response(
    r: &PubResponse,
    pt: PacketType,
    v5: bool,
) -> Result<(usize, usize), EncodeError> {
    let (tail, props) = plan_tail(r.reason, &r.properties, pt, PropCtx::for_ack(pt), v5)?;
    Ok((2 + tail, props))
}

fn plan_reason_props(
    reason: ReasonCode,
    p: &Properties,
    pt: PacketType,
    ctx: PropCtx,
    v5: bool,
) -> Result<(usize, usize), EncodeError> {
    plan_tail(reason, p, pt, ctx, v5)
}

fn plan_subscribe(s: &Subscribe, v5: bool) -> Result<(usize, usize), EncodeError> {
    if s.filters.is_empty() {
        return Err(EncodeError::EmptySubscribe);
    }
    let (mut r, props) = id_and_props(&s.properties, PropCtx::Subscribe, v5)?;
    for f in &s.filters {
        check_topic_filter(&f.filter).map_err(EncodeError::InvalidTopicFilter)?;
        let o = &f.options;
        if v5 {
            if o.no_local && shared_subscription(&f.filter).is_some() {
                return Err(EncodeError::NoLocalOnSharedSubscription);
            }
        } else if o.no_local
            || o.retain_as_published
            || o.retain_handling != RetainHandling::SendAtSubscribe
        {
            return Err(EncodeError::SubscriptionOptionsNotSupported);
        }
        // check_topic_filter checked its length and U+0000.
        r = r.saturating_add(2 + f.filter.len() + 1);
    }
    Ok((r, props))
}

fn plan_suback(s: &SubAck, v5: bool) -> Result<(usize, usize), EncodeError> {
    let (r, props) = id_and_props(&s.properties, PropCtx::SubAck, v5)?;
    for &c in &s.codes {
        let ok = if v5 {
            reason_allowed_v5(PacketType::SubAck, c)
        } else {
            suback_v3_allowed(c)
        };
        if !ok {
            return Err(EncodeError::ReasonCodeNotAllowed {
                code: c.as_u8(),
                packet_type: PacketType::SubAck,
            });
        }
    }
    Ok((r.saturating_add(s.codes.len()), props))
}

fn plan_unsubscribe(u: &Unsubscribe, v5: bool) -> Result<(usize, usize), EncodeError> {
    if u.filters.is_empty() {
        return Err(EncodeError::EmptyUnsubscribe);
    }
    let (mut r, props) = id_and_props(&u.properties, PropCtx::Unsubscribe, v5)?;
    for f in &u.filters {
        check_topic_filter(f).map_err(EncodeError::InvalidTopicFilter)?;
        // check_topic_filter checked its length and U+0000.
        r = r.saturating_add(2 + f.len());
    }
    Ok((r, props))
}

fn plan_unsuback(u: &UnsubAck, v5: bool) -> Result<(usize, usize), EncodeError> {
    if !v5 {
        if !u.codes.is_empty() {
            return Err(EncodeError::ReasonCodesNotSupported);
        }
        no_props(&u.properties)?;
        return Ok((2, 0));
    }
    let props = properties_len(&u.properties, PropCtx::UnsubAck)?;
    for &c in &u.codes {
        if !reason_allowed_v5(PacketType::UnsubAck, c) {
            return Err(EncodeError::ReasonCodeNotAllowed {
                code: c.as_u8(),
                packet_type: PacketType::UnsubAck,
            });
        }
    }
    Ok(((2 + block(props)).saturating_add(u.codes.len()), props))
}

// ---------------------------------------------------------------- writing

#[inline]
fn put_str(out: &mut BytesMut, s: &[u8]) {
    // Every string was length-checked while planning.
    out.put_u16(s.len() as u16);
    out.put_slice(s);
}

/// Writes the packet `plan` was made for. Infallible: `plan` validated everything.
fn write(packet: &Packet, version: ProtocolVersion, plan: &Plan, out: &mut BytesMut) {
    let v5 = version.is_v5();
    let first = |pt: PacketType, flags: u8| ((pt as u8) << 4) | flags;
    match packet {
        Packet::Publish(p) => write_publish(p, v5, plan.remaining, plan.props, out),
        Packet::Connect(c) => {
            out.put_u8(first(PacketType::Connect, 0));
            put_vbi(out, plan.remaining);
            let cv5 = c.protocol.is_v5();
            if c.protocol == ProtocolVersion::V3_1 {
                put_str(out, b"MQIsdp");
            } else {
                put_str(out, b"MQTT");
            }
            out.put_u8(c.protocol.level());
            let mut flags = u8::from(c.clean_start) << 1;
            if let Some(w) = &c.will {
                flags |= 0b100 | ((w.qos as u8) << 3) | (u8::from(w.retain) << 5);
            }
            if c.password.is_some() {
                flags |= 0b100_0000;
            }
            if c.username.is_some() {
                flags |= 0b1000_0000;
            }
            out.put_u8(flags);
            out.put_u16(c.keep_alive);
            if cv5 {
                write_properties(out, &c.properties, plan.props);
            }
            put_str(out, c.client_id.as_bytes());
            if let Some(w) = &c.will {
                if cv5 {
                    write_properties(out, &w.properties, plan.will_props);
                }
                put_str(out, w.topic.as_bytes());
                put_str(out, &w.payload);
            }
            if let Some(u) = &c.username {
                put_str(out, u.as_bytes());
            }
            if let Some(p) = &c.password {
                put_str(out, p);
            }
        }
        Packet::ConnAck(c) => {
            out.put_u8(first(PacketType::ConnAck, 0));
            put_vbi(out, plan.remaining);
            out.put_u8(u8::from(c.session_present));
            if v5 {
                out.put_u8(c.code.as_u8());
                write_properties(out, &c.properties, plan.props);
            } else {
                // `plan_connack` checked the mapping exists.
                out.put_u8(reason_to_connack_v3(c.code).unwrap_or(0));
            }
        }
        Packet::PubAck(r) | Packet::PubRec(r) | Packet::PubRel(r) | Packet::PubComp(r) => {
            let pt = packet.packet_type();
            let flags = if pt == PacketType::PubRel { 0b0010 } else { 0 };
            out.put_u8(first(pt, flags));
            put_vbi(out, plan.remaining);
            out.put_u16(r.packet_id.get());
            write_tail(out, r.reason, &r.properties, plan, 2);
        }
        Packet::Subscribe(s) => {
            out.put_u8(first(PacketType::Subscribe, 0b0010));
            put_vbi(out, plan.remaining);
            out.put_u16(s.packet_id.get());
            if v5 {
                write_properties(out, &s.properties, plan.props);
            }
            for f in &s.filters {
                put_str(out, f.filter.as_bytes());
                let o = &f.options;
                out.put_u8(
                    (o.qos as u8)
                        | (u8::from(o.no_local) << 2)
                        | (u8::from(o.retain_as_published) << 3)
                        | ((o.retain_handling as u8) << 4),
                );
            }
        }
        Packet::SubAck(s) => {
            out.put_u8(first(PacketType::SubAck, 0));
            put_vbi(out, plan.remaining);
            out.put_u16(s.packet_id.get());
            if v5 {
                write_properties(out, &s.properties, plan.props);
            }
            for c in &s.codes {
                out.put_u8(c.as_u8());
            }
        }
        Packet::Unsubscribe(u) => {
            out.put_u8(first(PacketType::Unsubscribe, 0b0010));
            put_vbi(out, plan.remaining);
            out.put_u16(u.packet_id.get());
            if v5 {
                write_properties(out, &u.properties, plan.props);
            }
            for f in &u.filters {
                put_str(out, f.as_bytes());
            }
        }
        Packet::UnsubAck(u) => {
            out.put_u8(first(PacketType::UnsubAck, 0));
            put_vbi(out, plan.remaining);
            out.put_u16(u.packet_id.get());
            if v5 {
                write_properties(out, &u.properties, plan.props);
                for c in &u.codes {
                    out.put_u8(c.as_u8());
                }
            }
        }
        Packet::PingReq => out.put_slice(&[first(PacketType::PingReq, 0), 0]),
        Packet::PingResp => out.put_slice(&[first(PacketType::PingResp, 0), 0]),
        Packet::Disconnect(d) => {
            out.put_u8(first(PacketType::Disconnect, 0));
            put_vbi(out, plan.remaining);
            write_tail(out, d.reason, &d.properties, plan, 0);
        }
        Packet::Auth(a) => {
            out.put_u8(first(PacketType::Auth, 0));
            put_vbi(out, plan.remaining);
            write_tail(out, a.reason, &a.properties, plan, 0);
        }
    }
}

/// Writes the optional reason code and properties after `head` bytes of
/// variable header, in the form `plan_tail` chose.
#[inline]
fn write_tail(out: &mut BytesMut, reason: ReasonCode, p: &Properties, plan: &Plan, head: usize) {
    let tail = plan.remaining - head;
    if tail >= 1 {
        out.put_u8(reason.as_u8());
    }
    if tail > 1 {
        write_properties(out, p, plan.props);
    }
}
