//! Decoding: the bytes of one whole packet to a [`Packet`], zero-copy.
//!
//! Every string, binary field and payload of the result is a slice of the
//! frame's [`Bytes`]; UTF-8 is validated once here. The PUBLISH payload is
//! never read: decode time does not depend on its size.

use super::bytestr::share;
use super::frame::{read_fixed_header, HeaderRead};
use super::props_wire::decode_properties;
use super::scan::{scan, text_mark};
use super::wire::{
    ascii_str, binary, check_topic_name, connack_v3_to_reason, fail, packet_id, reason_allowed_v5,
    run, suback_v3_allowed, topic_name, u16_, u8_, utf8, PResult, PropCtx,
};
use super::{
    Auth, ByteStr, ConnAck, Connect, DecodeError, Disconnect, Packet, PacketId, PacketType,
    Properties, ProtocolVersion, PubResponse, Publish, QoS, ReasonCode, RetainHandling, SubAck,
    Subscribe, SubscribeFilter, SubscriptionOptions, UnsubAck, Unsubscribe, Will,
};
use alloc::vec::Vec;
use bytes::{Buf, Bytes, BytesMut};

/// Decodes exactly one whole packet (fixed header included).
///
/// Zero-copy: topics, payloads and strings of the result are slices of
/// `frame`. CONNECT is decoded by its own protocol name and level, whatever
/// `version` says; every other packet by `version`.
///
/// ```
/// use bytes::Bytes;
/// use mqtt_sansio::codec::{decode_packet, Packet, ProtocolVersion};
/// let frame = Bytes::from_static(&[0x30, 0x07, 0x00, 0x03, b'a', b'/', b'b', b'h', b'i']);
/// let Ok(Packet::Publish(p)) = decode_packet(frame, ProtocolVersion::V3_1_1) else { panic!() };
/// assert_eq!(p.topic, "a/b");
/// assert_eq!(&p.payload[..], b"hi");
/// ```
#[inline]
pub fn decode_packet(frame: Bytes, version: ProtocolVersion) -> Result<Packet, DecodeError> {
    let h = match read_fixed_header(&frame)? {
        HeaderRead::Done(h) => h,
        HeaderRead::Short(needed) => {
            return Err(DecodeError::FrameLengthMismatch {
                declared: frame.len() + needed,
                actual: frame.len(),
            })
        }
    };
    let declared = h.header_len() + h.remaining;
    if declared != frame.len() {
        return Err(DecodeError::FrameLengthMismatch {
            declared,
            actual: frame.len(),
        });
    }
    decode_checked(frame, h, version)
}

/// Decodes a frame whose fixed header `h` was read and whose length matches it.
#[inline(always)]
fn decode_checked(
    frame: Bytes,
    h: super::frame::FixedHeader,
    version: ProtocolVersion,
) -> Result<Packet, DecodeError> {
    // PUBLISH is the hot path: decoded inline; everything else out of line.
    if h.byte1 >> 4 == PacketType::Publish as u8 {
        if version.is_v5() && !h.minimal {
            return Err(DecodeError::NonMinimalVariableByteInteger);
        }
        return publish(frame, h.header_len(), h.byte1 & 0x0F, version);
    }
    decode_other(&frame, h, version)
}

#[inline(never)]
fn decode_other(
    frame: &Bytes,
    h: super::frame::FixedHeader,
    version: ProtocolVersion,
) -> Result<Packet, DecodeError> {
    let hl = h.header_len();
    let flags = h.byte1 & 0x0F;
    let ptype = h.byte1 >> 4;
    let Some(pt) = PacketType::from_u8(ptype) else {
        return Err(DecodeError::ReservedPacketType);
    };
    check_flags(pt, flags, version)?;
    if pt == PacketType::Connect {
        return connect(frame, hl, h.minimal);
    }
    if version.is_v5() && !h.minimal {
        return Err(DecodeError::NonMinimalVariableByteInteger);
    }
    // In bounds: the frame is exactly header + Remaining Length long.
    let body = &frame[hl..];
    let v5 = version.is_v5();
    let (rest, packet) = run(match pt {
        PacketType::ConnAck => connack(frame, body, v5),
        PacketType::PubAck | PacketType::PubRec | PacketType::PubRel | PacketType::PubComp => {
            pub_response(frame, body, pt, v5)
        }
        PacketType::Subscribe => subscribe(frame, body, v5),
        PacketType::SubAck => suback(frame, body, v5),
        PacketType::Unsubscribe => unsubscribe(frame, body, v5),
        PacketType::UnsubAck => unsuback(frame, body, v5),
        PacketType::PingReq => Ok((body, Packet::PingReq)),
        PacketType::PingResp => Ok((body, Packet::PingResp)),
        PacketType::Disconnect => disconnect(frame, body, v5),
        PacketType::Auth if v5 => auth(frame, body),
        PacketType::Auth => return Err(DecodeError::UnexpectedPacket(PacketType::Auth)),
        PacketType::Connect | PacketType::Publish => {
            // Both returned above; kept total without a panic.
            return Err(DecodeError::UnexpectedPacket(pt));
        }
    })?;
    if !rest.is_empty() {
        return Err(DecodeError::TrailingBytes { count: rest.len() });
    }
    Ok(packet)
}

/// Convenience streaming decoder: `Ok(None)` if `buf` does not yet hold a
/// whole packet (nothing is consumed); otherwise splits the packet off the
/// front of `buf` (no copy) and decodes it.
///
/// On an error the offending packet is left in `buf` when the fixed header
/// was at fault, and consumed otherwise; either way the connection should be
/// closed, since the stream cannot be trusted after a malformed packet.
///
/// ```
/// use bytes::BytesMut;
/// use mqtt_sansio::codec::{decode, Packet, ProtocolVersion};
/// let mut buf = BytesMut::from(&[0xD0u8, 0x00, 0xC0][..]); // PINGRESP, then half a PINGREQ
/// let v = ProtocolVersion::V3_1_1;
/// assert_eq!(decode(&mut buf, v, 1024), Ok(Some(Packet::PingResp)));
/// assert_eq!(decode(&mut buf, v, 1024), Ok(None));
/// buf.extend_from_slice(&[0x00]);
/// assert_eq!(decode(&mut buf, v, 1024), Ok(Some(Packet::PingReq)));
/// ```
#[inline]
pub fn decode(
    buf: &mut BytesMut,
    version: ProtocolVersion,
    max_packet_size: usize,
) -> Result<Option<Packet>, DecodeError> {
    // The fixed header is read once, here, for both the frame check and the decode.
    let h = match read_fixed_header(buf)? {
        HeaderRead::Short(_) => return Ok(None),
        HeaderRead::Done(h) => h,
    };
    let len = h.header_len() + h.remaining;
    if len > max_packet_size {
        return Err(DecodeError::PacketTooLarge {
            size: len,
            max: max_packet_size,
        });
    }
    if buf.len() < len {
        return Ok(None);
    }
    decode_checked(buf.split_to(len).freeze(), h, version).map(Some)
}

/// The fixed-header flags each type requires `[MQTT-2.2.2-1]` (v5 `[MQTT-2.1.3-1]`).
/// MQTT 3.1 also let PUBREL, SUBSCRIBE and UNSUBSCRIBE carry DUP on a resend.
#[inline]
fn check_flags(pt: PacketType, flags: u8, version: ProtocolVersion) -> Result<(), DecodeError> {
    let ok = match pt {
        PacketType::PubRel | PacketType::Subscribe | PacketType::Unsubscribe => {
            flags == 0b0010 || (version == ProtocolVersion::V3_1 && flags == 0b1010)
        }
        _ => flags == 0,
    };
    if ok {
        Ok(())
    } else {
        Err(DecodeError::InvalidFixedHeaderFlags {
            packet_type: pt,
            flags,
        })
    }
}

#[inline(always)]
fn publish(
    mut frame: Bytes,
    hl: usize,
    flags: u8,
    version: ProtocolVersion,
) -> Result<Packet, DecodeError> {
    let qos = match (flags >> 1) & 0b11 {
        0 => QoS::AtMostOnce,
        1 => QoS::AtLeastOnce,
        2 => QoS::ExactlyOnce,
        _ => return Err(DecodeError::InvalidQoS),
    };
    let dup = flags & 0b1000 != 0;
    if dup && qos == QoS::AtMostOnce {
        return Err(DecodeError::DupOnQoS0);
    }
    let retain = flags & 1 != 0;
    // The hot path reads the variable header by hand rather than through nom:
    // on a small PUBLISH the combinators' bookkeeping cost as much as the
    // rest of the decode. Every index below is checked against the frame.
    let Some(&[hi, lo]) = frame.get(hl..hl + 2) else {
        return Err(DecodeError::FieldCrossesPacketEnd);
    };
    let topic_len = usize::from(u16::from_be_bytes([hi, lo]));
    if frame.len() - (hl + 2) < topic_len {
        return Err(DecodeError::FieldCrossesPacketEnd);
    }
    // The topic and the payload share the frame's buffer: move the frame's
    // start past the topic length, split the topic off its front (one
    // reference-count increment), and keep the rest as the payload.
    frame.advance(hl + 2);
    let mut topic = frame.clone();
    topic.truncate(topic_len);
    frame.advance(topic_len);
    let topic = ByteStr::from_validated(topic, check_topic_name)?;
    let mut at = 0;
    let packet_id = if qos == QoS::AtMostOnce {
        None
    } else {
        let Some(&[hi, lo]) = frame.get(..2) else {
            return Err(DecodeError::FieldCrossesPacketEnd);
        };
        at = 2;
        match PacketId::new(u16::from_be_bytes([hi, lo])) {
            Some(id) => Some(id),
            None => return Err(DecodeError::ZeroPacketId),
        }
    };
    let v5 = version.is_v5();
    if v5 {
        if frame.get(at) != Some(&0) {
            // Properties present (or their length missing: reported there).
            return publish_with_properties(frame, at, dup, qos, retain, topic, packet_id);
        }
        at += 1;
    }
    if topic.is_empty() {
        // Without properties there is no Topic Alias to stand in for the topic.
        return Err(if v5 {
            DecodeError::EmptyTopicWithoutAlias
        } else {
            DecodeError::EmptyTopicName
        });
    }
    frame.advance(at);
    // Built in one expression so the (large) packet is written once, in place.
    Ok(Packet::Publish(Publish {
        dup,
        qos,
        retain,
        topic,
        packet_id,
        properties: Properties::EMPTY,
        payload: frame,
    }))
}

/// The rest of an MQTT 5 PUBLISH whose property block, at `at` in `frame`
/// (which starts after the topic), is not empty.
#[inline(never)]
fn publish_with_properties(
    mut frame: Bytes,
    at: usize,
    dup: bool,
    qos: QoS,
    retain: bool,
    topic: ByteStr,
    packet_id: Option<super::PacketId>,
) -> Result<Packet, DecodeError> {
    // `at` is where the caller stopped parsing, inside the frame.
    let (rest, properties) = run(decode_properties(&frame, &frame[at..], PropCtx::Publish))?;
    if topic.is_empty() && properties.topic_alias.is_none() {
        return Err(DecodeError::EmptyTopicWithoutAlias);
    }
    let payload_at = frame.len() - rest.len();
    frame.advance(payload_at);
    Ok(Packet::Publish(Publish {
        dup,
        qos,
        retain,
        topic,
        packet_id,
        properties,
        payload: frame,
    }))
}

fn connect(frame: &Bytes, hl: usize, minimal: bool) -> Result<Packet, DecodeError> {
    // In bounds: the frame is exactly header + Remaining Length long.
    let body = &frame[hl..];
    let (rest, c) = run(connect_body(frame, body, minimal))?;
    if !rest.is_empty() {
        return Err(DecodeError::TrailingBytes { count: rest.len() });
    }
    Ok(Packet::Connect(c.into()))
}

fn connect_body<'a>(frame: &Bytes, i: &'a [u8], minimal: bool) -> PResult<'a, Connect> {
    let (i, name) = binary(i)?;
    let (i, level) = u8_(i)?;
    let protocol = match (name, level) {
        (b"MQTT", 4) => ProtocolVersion::V3_1_1,
        (b"MQTT", 5) => ProtocolVersion::V5,
        (b"MQIsdp", 3) => ProtocolVersion::V3_1,
        (b"MQTT", _) | (b"MQIsdp", _) => {
            return fail(DecodeError::UnsupportedProtocolLevel { level })
        }
        _ => return fail(DecodeError::InvalidProtocolName),
    };
    let v5 = protocol.is_v5();
    if v5 && !minimal {
        return fail(DecodeError::NonMinimalVariableByteInteger);
    }
    let (i, flags) = u8_(i)?;
    if flags & 0b1 != 0 {
        return fail(DecodeError::ConnectReservedFlag);
    }
    let clean_start = flags & 0b10 != 0;
    let will_flag = flags & 0b100 != 0;
    let will_qos = (flags >> 3) & 0b11;
    let will_retain = flags & 0b10_0000 != 0;
    let has_password = flags & 0b100_0000 != 0;
    let has_username = flags & 0b1000_0000 != 0;
    if !will_flag && (will_qos != 0 || will_retain) {
        return fail(DecodeError::WillFlagsWithoutWill);
    }
    let Some(will_qos) = QoS::from_u8(will_qos) else {
        return fail(DecodeError::InvalidWillQoS);
    };
    if !v5 && has_password && !has_username {
        return fail(DecodeError::PasswordWithoutUsername);
    }
    let (i, keep_alive) = u16_(i)?;
    let (i, properties) = if v5 {
        decode_properties(frame, i, PropCtx::Connect)?
    } else {
        (i, Properties::EMPTY)
    };
    let (mut i, client_id) = utf8(i)?;
    let client_id = ByteStr::slice_of(frame, client_id);
    let mut will = None;
    if will_flag {
        let (j, will_props) = if v5 {
            decode_properties(frame, i, PropCtx::Will)?
        } else {
            (i, Properties::EMPTY)
        };
        let (j, topic) = topic_name(j)?;
        if topic.is_empty() {
            return fail(DecodeError::EmptyTopicName);
        }
        let (j, payload) = binary(j)?;
        will = Some(Will {
            topic: ByteStr::slice_of(frame, topic),
            payload: share(frame, payload),
            qos: will_qos,
            retain: will_retain,
            properties: will_props,
        });
        i = j;
    }
    let mut username = None;
    if has_username {
        let (j, u) = utf8(i)?;
        username = Some(ByteStr::slice_of(frame, u));
        i = j;
    }
    let mut password = None;
    if has_password {
        let (j, p) = binary(i)?;
        password = Some(share(frame, p));
        i = j;
    }
    Ok((
        i,
        Connect {
            protocol,
            clean_start,
            keep_alive,
            client_id,
            will,
            username,
            password,
            properties,
        },
    ))
}

/// A v5 reason code byte checked against the packet type carrying it.
#[inline]
fn reason_v5<'a>(i: &'a [u8], pt: PacketType) -> PResult<'a, ReasonCode> {
    let (i, b) = u8_(i)?;
    let Some(code) = ReasonCode::from_u8(b) else {
        return fail(DecodeError::UnknownReasonCode {
            code: b,
            packet_type: pt,
        });
    };
    if !reason_allowed_v5(pt, code) {
        return fail(DecodeError::ReasonCodeNotAllowed {
            code: b,
            packet_type: pt,
        });
    }
    Ok((i, code))
}

fn connack<'a>(frame: &Bytes, i: &'a [u8], v5: bool) -> PResult<'a, Packet> {
    let (i, ack_flags) = u8_(i)?;
    if ack_flags & 0xFE != 0 {
        return fail(DecodeError::ConnAckReservedFlags);
    }
    let session_present = ack_flags & 1 != 0;
    let (i, code, properties) = if v5 {
        let (i, code) = reason_v5(i, PacketType::ConnAck)?;
        let (i, props) = decode_properties(frame, i, PropCtx::ConnAck)?;
        (i, code, props)
    } else {
        let (i, rc) = u8_(i)?;
        let Some(code) = connack_v3_to_reason(rc) else {
            return fail(DecodeError::ReasonCodeNotAllowed {
                code: rc,
                packet_type: PacketType::ConnAck,
            });
        };
        (i, code, Properties::EMPTY)
    };
    if session_present && code != ReasonCode::Success {
        return fail(DecodeError::SessionPresentOnFailure);
    }
    Ok((
        i,
        Packet::ConnAck(ConnAck {
            session_present,
            code,
            properties,
        }),
    ))
}

fn pub_response<'a>(frame: &Bytes, i: &'a [u8], pt: PacketType, v5: bool) -> PResult<'a, Packet> {
    let (i, packet_id) = packet_id(i)?;
    // v5 §3.4.2.1: the reason code and properties may be omitted (Success, none).
    let (i, reason, properties) = if !v5 || i.is_empty() {
        (i, ReasonCode::Success, Properties::EMPTY)
    } else {
        let (i, reason) = reason_v5(i, pt)?;
        if i.is_empty() {
            (i, reason, Properties::EMPTY)
        } else {
            let (i, props) = decode_properties(frame, i, PropCtx::for_ack(pt))?;
            (i, reason, props)
        }
    };
    let r = PubResponse {
        packet_id,
        reason,
        properties,
    };
    Ok((
        i,
        match pt {
            PacketType::PubAck => Packet::PubAck(r),
            PacketType::PubRec => Packet::PubRec(r),
            PacketType::PubRel => Packet::PubRel(r),
            _ => Packet::PubComp(r),
        },
    ))
}

/// A topic filter of SUBSCRIBE or UNSUBSCRIBE: a string obeying §4.7.
#[inline]
fn filter(i: &[u8]) -> PResult<'_, &str> {
    let (i, b) = binary(i)?;
    // The usual filter (ASCII, wildcards in place) is accepted in one pass.
    if crate::topic::plainly_valid_filter(b) {
        return Ok((i, ascii_str(b)));
    }
    let s = if scan(b, text_mark) == 0 {
        ascii_str(b)
    } else {
        let Ok(s) = core::str::from_utf8(b) else {
            return fail(DecodeError::InvalidUtf8);
        };
        s
    };
    // The filter rules include "no U+0000", so this is the only other pass.
    if let Err(e) = crate::topic::validate_topic_filter(s) {
        return fail(match e {
            crate::topic::TopicError::NullCharacter => DecodeError::NullCharacter,
            e => DecodeError::InvalidTopicFilter(e),
        });
    }
    Ok((i, s))
}

/// How many length-prefixed strings (each followed by `extra` bytes) `i`
/// holds, by hopping over the length prefixes: sizes the filter list with one
/// allocation. Stops early on a malformed tail, which the parser then reports.
#[inline]
fn count_entries(mut i: &[u8], extra: usize) -> usize {
    let mut n = 0;
    while let [hi, lo, rest @ ..] = i {
        let skip = usize::from(u16::from_be_bytes([*hi, *lo])) + extra;
        if skip > rest.len() {
            break;
        }
        i = &rest[skip..];
        n += 1;
    }
    n
}

fn subscribe<'a>(frame: &Bytes, i: &'a [u8], v5: bool) -> PResult<'a, Packet> {
    let (i, packet_id) = packet_id(i)?;
    let (mut i, properties) = if v5 {
        decode_properties(frame, i, PropCtx::Subscribe)?
    } else {
        (i, Properties::EMPTY)
    };
    if i.is_empty() {
        return fail(DecodeError::EmptySubscribe);
    }
    let mut filters = Vec::with_capacity(count_entries(i, 1));
    while !i.is_empty() {
        let (j, f) = filter(i)?;
        let (j, o) = u8_(j)?;
        i = j;
        let reserved = if v5 { 0b1100_0000 } else { 0b1111_1100 };
        if o & reserved != 0 {
            return fail(DecodeError::SubscriptionOptionsReservedBits { options: o });
        }
        let Some(qos) = QoS::from_u8(o & 0b11) else {
            return fail(DecodeError::InvalidSubscriptionQoS);
        };
        let no_local = o & 0b100 != 0;
        let retain_handling = match (o >> 4) & 0b11 {
            0 => RetainHandling::SendAtSubscribe,
            1 => RetainHandling::SendIfNew,
            2 => RetainHandling::DoNotSend,
            _ => return fail(DecodeError::InvalidRetainHandling),
        };
        if no_local && crate::topic::shared_subscription(f).is_some() {
            return fail(DecodeError::NoLocalOnSharedSubscription);
        }
        filters.push(SubscribeFilter {
            filter: ByteStr::slice_of(frame, f),
            options: SubscriptionOptions {
                qos,
                no_local,
                retain_as_published: o & 0b1000 != 0,
                retain_handling,
            },
        });
    }
    Ok((
        i,
        Packet::Subscribe(Subscribe {
            packet_id,
            filters,
            properties,
        }),
    ))
}

fn suback<'a>(frame: &Bytes, i: &'a [u8], v5: bool) -> PResult<'a, Packet> {
    let (i, packet_id) = packet_id(i)?;
    let (i, properties) = if v5 {
        decode_properties(frame, i, PropCtx::SubAck)?
    } else {
        (i, Properties::EMPTY)
    };
    let mut codes = Vec::with_capacity(i.len());
    for &b in i {
        let code = ReasonCode::from_u8(b);
        let ok = match code {
            Some(c) if v5 => reason_allowed_v5(PacketType::SubAck, c),
            Some(c) => suback_v3_allowed(c),
            None if v5 => {
                return fail(DecodeError::UnknownReasonCode {
                    code: b,
                    packet_type: PacketType::SubAck,
                })
            }
            None => false,
        };
        match code {
            Some(c) if ok => codes.push(c),
            _ => {
                return fail(DecodeError::ReasonCodeNotAllowed {
                    code: b,
                    packet_type: PacketType::SubAck,
                })
            }
        }
    }
    Ok((
        &i[i.len()..],
        Packet::SubAck(SubAck {
            packet_id,
            codes,
            properties,
        }),
    ))
}

fn unsubscribe<'a>(frame: &Bytes, i: &'a [u8], v5: bool) -> PResult<'a, Packet> {
    let (i, packet_id) = packet_id(i)?;
    let (mut i, properties) = if v5 {
        decode_properties(frame, i, PropCtx::Unsubscribe)?
    } else {
        (i, Properties::EMPTY)
    };
    if i.is_empty() {
        return fail(DecodeError::EmptyUnsubscribe);
    }
    let mut filters = Vec::with_capacity(count_entries(i, 0));
    while !i.is_empty() {
        let (j, f) = filter(i)?;
        filters.push(ByteStr::slice_of(frame, f));
        i = j;
    }
    Ok((
        i,
        Packet::Unsubscribe(Unsubscribe {
            packet_id,
            filters,
            properties,
        }),
    ))
}

fn unsuback<'a>(frame: &Bytes, i: &'a [u8], v5: bool) -> PResult<'a, Packet> {
    let (i, packet_id) = packet_id(i)?;
    if !v5 {
        return Ok((
            i,
            Packet::UnsubAck(UnsubAck {
                packet_id,
                codes: Vec::new(),
                properties: Properties::EMPTY,
            }),
        ));
    }
    let (mut i, properties) = decode_properties(frame, i, PropCtx::UnsubAck)?;
    let mut codes = Vec::with_capacity(i.len());
    while !i.is_empty() {
        let (j, c) = reason_v5(i, PacketType::UnsubAck)?;
        codes.push(c);
        i = j;
    }
    Ok((
        i,
        Packet::UnsubAck(UnsubAck {
            packet_id,
            codes,
            properties,
        }),
    ))
}

/// DISCONNECT and AUTH (v5 §3.14.2, §3.15.2): both may omit the reason code
/// (Success) and the properties.
fn reason_and_props<'a>(
    frame: &Bytes,
    i: &'a [u8],
    pt: PacketType,
    ctx: PropCtx,
) -> PResult<'a, (ReasonCode, Properties)> {
    if i.is_empty() {
        return Ok((i, (ReasonCode::Success, Properties::EMPTY)));
    }
    let (i, reason) = reason_v5(i, pt)?;
    if i.is_empty() {
        return Ok((i, (reason, Properties::EMPTY)));
    }
    let (i, props) = decode_properties(frame, i, ctx)?;
    Ok((i, (reason, props)))
}

fn disconnect<'a>(frame: &Bytes, i: &'a [u8], v5: bool) -> PResult<'a, Packet> {
    let (i, (reason, properties)) = if v5 {
        reason_and_props(frame, i, PacketType::Disconnect, PropCtx::Disconnect)?
    } else {
        (i, (ReasonCode::Success, Properties::EMPTY))
    };
    Ok((i, Packet::Disconnect(Disconnect { reason, properties })))
}

fn auth<'a>(frame: &Bytes, i: &'a [u8]) -> PResult<'a, Packet> {
    let (i, (reason, properties)) = reason_and_props(frame, i, PacketType::Auth, PropCtx::Auth)?;
    Ok((i, Packet::Auth(Auth { reason, properties })))
}
