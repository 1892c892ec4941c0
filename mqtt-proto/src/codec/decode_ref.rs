//! Decoding, borrowed: the bytes of one whole packet to a [`PacketRef`].
//!
//! This is the codec's only packet parser: every rule of the wire format is
//! checked here, and the owned decoder ([`decode`](super::decode),
//! [`decode_packet`](super::decode_packet)) builds its [`Packet`](super::Packet)
//! from the result. Nothing here allocates or touches a reference count.

use super::frame::{packet_len, read_fixed_header, FixedHeader, HeaderRead};
use super::packet_ref::{
    options_of, AuthRef, ConnAckRef, ConnectRef, DisconnectRef, PacketRef, PubResponseRef,
    PublishRef, ReasonCodes, SubAckRef, SubscribeFilters, SubscribeRef, TopicFilters, UnsubAckRef,
    UnsubscribeRef, WillRef,
};
use super::props_ref::{validate_properties, PropertiesRef};
use super::scan::{scan, text_mark};
use super::wire::{
    ascii_str, binary, check_topic_name, connack_v3_to_reason, fail, packet_id, reason_allowed_v5,
    run, suback_v3_allowed, topic_name, u16_, u8_, utf8, PResult, PropCtx,
};
use super::{DecodeError, PacketId, PacketType, ProtocolVersion, QoS, ReasonCode};

/// Decodes exactly one whole packet (fixed header included), borrowing from it.
///
/// The borrowed twin of [`decode_packet`](super::decode_packet): the same
/// rules, the same errors, no allocation and no reference count. CONNECT is
/// decoded by its own protocol name and level, whatever `version` says.
///
/// ```
/// use mqtt_sansio::codec::{decode_packet_ref, PacketRef, ProtocolVersion};
/// let frame = [0x30, 0x07, 0x00, 0x03, b'a', b'/', b'b', b'h', b'i'];
/// let Ok(PacketRef::Publish(p)) = decode_packet_ref(&frame, ProtocolVersion::V3_1_1) else { panic!() };
/// assert_eq!(p.topic, "a/b");
/// assert_eq!(p.payload, b"hi");
/// ```
#[inline]
pub fn decode_packet_ref(
    frame: &[u8],
    version: ProtocolVersion,
) -> Result<PacketRef<'_>, DecodeError> {
    let h = whole_frame_header(frame)?;
    decode_checked_ref(frame, h, version)
}

/// The fixed header of a buffer that must be exactly one packet long.
#[inline]
pub(crate) fn whole_frame_header(frame: &[u8]) -> Result<FixedHeader, DecodeError> {
    let h = match read_fixed_header(frame)? {
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
    Ok(h)
}

/// Streaming decode, borrowed: `Ok(None)` if `buf` does not yet hold a whole
/// packet; otherwise the packet at the front of `buf` and its length in
/// bytes, which the caller advances past. Consumes nothing itself.
///
/// The same rules and errors as [`decode`](super::decode), `max_packet_size`
/// included (checked from the fixed header alone).
///
/// ```
/// use mqtt_sansio::codec::{decode_ref, PacketRef, ProtocolVersion};
/// // A PUBLISH to "t" with payload "hi", a PINGRESP, then half a PINGREQ.
/// let buf = [0x30, 0x05, 0x00, 0x01, b't', b'h', b'i', 0xD0, 0x00, 0xC0];
/// let v = ProtocolVersion::V3_1_1;
/// let mut at = 0;
/// let mut topics = Vec::new();
/// while let Some((packet, len)) = decode_ref(&buf[at..], v, 1024).unwrap() {
///     if let PacketRef::Publish(p) = packet {
///         topics.push(p.topic);
///     }
///     at += len;
/// }
/// assert_eq!(topics, ["t"]);
/// assert_eq!(at, 9); // the half PINGREQ waits for its second byte
/// ```
#[inline]
pub fn decode_ref(
    buf: &[u8],
    version: ProtocolVersion,
    max_packet_size: usize,
) -> Result<Option<(PacketRef<'_>, usize)>, DecodeError> {
    let h = match read_fixed_header(buf)? {
        HeaderRead::Short(_) => return Ok(None),
        HeaderRead::Done(h) => h,
    };
    let len = packet_len(&h, max_packet_size)?;
    let Some(frame) = buf.get(..len) else {
        check_first_byte(h.byte1, version)?;
        return Ok(None);
    };
    match decode_checked_ref(frame, h, version) {
        Ok(p) => Ok(Some((p, len))),
        Err(e) => Err(e),
    }
}

/// Decodes a frame whose fixed header `h` was read and whose length matches it.
#[inline(always)]
pub(crate) fn decode_checked_ref(
    frame: &[u8],
    h: FixedHeader,
    version: ProtocolVersion,
) -> Result<PacketRef<'_>, DecodeError> {
    // PUBLISH is the hot path: decoded inline; everything else out of line.
    if h.byte1 >> 4 == PacketType::Publish as u8 {
        return publish_checked(frame, h, version, PacketRef::Publish, PacketRef::Publish);
    }
    decode_other(frame, h, version)
}

/// A PUBLISH frame whose fixed header `h` was read and whose length matches
/// it, handed to `plain` when it has no properties and to `with_properties`
/// when it has.
///
/// Two continuations rather than one result: each is inlined where it is
/// called, so `decode_ref` builds its `PacketRef` in place on each branch
/// instead of merging the two into one `PublishRef` first (measured: 188
/// instead of 209 instructions per borrowed 16 B PUBLISH decode).
#[inline(always)]
pub(crate) fn publish_checked<'a, R>(
    frame: &'a [u8],
    h: FixedHeader,
    version: ProtocolVersion,
    plain: impl FnOnce(PublishRef<'a>) -> R,
    with_properties: impl FnOnce(PublishRef<'a>) -> R,
) -> Result<R, DecodeError> {
    if version.is_v5() && !h.minimal {
        return Err(DecodeError::NonMinimalVariableByteInteger);
    }
    publish(
        frame,
        h.header_len(),
        h.byte1 & 0x0F,
        version,
        plain,
        with_properties,
    )
}

#[inline(never)]
fn decode_other(
    frame: &[u8],
    h: FixedHeader,
    version: ProtocolVersion,
) -> Result<PacketRef<'_>, DecodeError> {
    let hl = h.header_len();
    let flags = h.byte1 & 0x0F;
    let ptype = h.byte1 >> 4;
    let Some(pt) = PacketType::from_u8(ptype) else {
        return Err(DecodeError::ReservedPacketType);
    };
    check_flags(pt, flags, version)?;
    // In bounds: the frame is exactly header + Remaining Length long.
    let body = &frame[hl..];
    if pt == PacketType::Connect {
        return connect(body, h.minimal);
    }
    if version.is_v5() && !h.minimal {
        return Err(DecodeError::NonMinimalVariableByteInteger);
    }
    let v5 = version.is_v5();
    let (rest, packet) = run(match pt {
        PacketType::ConnAck => connack(body, v5),
        PacketType::PubAck | PacketType::PubRec | PacketType::PubRel | PacketType::PubComp => {
            pub_response(body, pt, v5)
        }
        PacketType::Subscribe => subscribe(body, v5),
        PacketType::SubAck => suback(body, v5),
        PacketType::Unsubscribe => unsubscribe(body, v5),
        PacketType::UnsubAck => unsuback(body, v5),
        PacketType::PingReq => Ok((body, PacketRef::PingReq)),
        PacketType::PingResp => Ok((body, PacketRef::PingResp)),
        PacketType::Disconnect => disconnect(body, v5),
        PacketType::Auth if v5 => auth(body),
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

/// What the first byte alone can refuse (a reserved packet type, flags the
/// type does not allow, QoS 3, DUP on QoS 0), checked while the rest of a
/// packet is still to come: a peer that is not speaking MQTT (an HTTP
/// response starts with `H`, a PUBACK with flags 8) is refused at once
/// instead of after as many bytes as its "Remaining Length" claims. Off the
/// hot path: a whole packet is checked by its decoder.
#[cold]
pub(crate) fn check_first_byte(byte1: u8, version: ProtocolVersion) -> Result<(), DecodeError> {
    let flags = byte1 & 0x0F;
    let Some(pt) = PacketType::from_u8(byte1 >> 4) else {
        return Err(DecodeError::ReservedPacketType);
    };
    if pt != PacketType::Publish {
        return check_flags(pt, flags, version);
    }
    match (flags >> 1) & 0b11 {
        3 => Err(DecodeError::InvalidQoS),
        0 if flags & 0b1000 != 0 => Err(DecodeError::DupOnQoS0),
        _ => Ok(()),
    }
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
fn publish<'a, R>(
    frame: &'a [u8],
    hl: usize,
    flags: u8,
    version: ProtocolVersion,
    plain: impl FnOnce(PublishRef<'a>) -> R,
    with_properties: impl FnOnce(PublishRef<'a>) -> R,
) -> Result<R, DecodeError> {
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
    let Some((len, rest)) = frame.get(hl..).and_then(|b| b.split_first_chunk::<2>()) else {
        return Err(DecodeError::FieldCrossesPacketEnd);
    };
    let Some((topic, rest)) = rest.split_at_checked(usize::from(u16::from_be_bytes(*len))) else {
        return Err(DecodeError::FieldCrossesPacketEnd);
    };
    let topic = check_topic_name(topic)?;
    let mut at = 0;
    let packet_id = if qos == QoS::AtMostOnce {
        None
    } else {
        let Some(&[hi, lo]) = rest.first_chunk::<2>() else {
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
        if rest.get(at) != Some(&0) {
            // Properties present (or their length missing: reported there).
            return publish_with_properties(rest, at, dup, qos, retain, topic, packet_id)
                .map(with_properties);
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
    // In bounds: `at` bytes (packet id, empty property length) were read above.
    let payload = &rest[at..];
    Ok(plain(PublishRef {
        dup,
        qos,
        retain,
        topic,
        packet_id,
        properties: PropertiesRef::EMPTY,
        payload,
    }))
}

/// The rest of an MQTT 5 PUBLISH whose property block, at `at` in `rest`
/// (which starts after the topic), is not empty.
#[inline(never)]
fn publish_with_properties<'a>(
    rest: &'a [u8],
    at: usize,
    dup: bool,
    qos: QoS,
    retain: bool,
    topic: &'a str,
    packet_id: Option<PacketId>,
) -> Result<PublishRef<'a>, DecodeError> {
    // `at` is where the caller stopped parsing, inside `rest`.
    let (payload, properties) = run(validate_properties(&rest[at..], PropCtx::Publish))?;
    if topic.is_empty() && properties.topic_alias().is_none() {
        return Err(DecodeError::EmptyTopicWithoutAlias);
    }
    Ok(PublishRef {
        dup,
        qos,
        retain,
        topic,
        packet_id,
        properties,
        payload,
    })
}

fn connect(body: &[u8], minimal: bool) -> Result<PacketRef<'_>, DecodeError> {
    let (rest, c) = run(connect_body(body, minimal))?;
    if !rest.is_empty() {
        return Err(DecodeError::TrailingBytes { count: rest.len() });
    }
    Ok(PacketRef::Connect(c))
}

fn connect_body(i: &[u8], minimal: bool) -> PResult<'_, ConnectRef<'_>> {
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
        validate_properties(i, PropCtx::Connect)?
    } else {
        (i, PropertiesRef::EMPTY)
    };
    let (mut i, client_id) = utf8(i)?;
    let mut will = None;
    if will_flag {
        let (j, will_props) = if v5 {
            validate_properties(i, PropCtx::Will)?
        } else {
            (i, PropertiesRef::EMPTY)
        };
        let (j, topic) = topic_name(j)?;
        if topic.is_empty() {
            return fail(DecodeError::EmptyTopicName);
        }
        let (j, payload) = binary(j)?;
        will = Some(WillRef {
            topic,
            payload,
            qos: will_qos,
            retain: will_retain,
            properties: will_props,
        });
        i = j;
    }
    let mut username = None;
    if has_username {
        let (j, u) = utf8(i)?;
        username = Some(u);
        i = j;
    }
    let mut password = None;
    if has_password {
        let (j, p) = binary(i)?;
        password = Some(p);
        i = j;
    }
    Ok((
        i,
        ConnectRef {
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
fn reason_v5(i: &[u8], pt: PacketType) -> PResult<'_, ReasonCode> {
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

fn connack(i: &[u8], v5: bool) -> PResult<'_, PacketRef<'_>> {
    let (i, ack_flags) = u8_(i)?;
    if ack_flags & 0xFE != 0 {
        return fail(DecodeError::ConnAckReservedFlags);
    }
    let session_present = ack_flags & 1 != 0;
    let (i, code, properties) = if v5 {
        let (i, code) = reason_v5(i, PacketType::ConnAck)?;
        let (i, props) = validate_properties(i, PropCtx::ConnAck)?;
        (i, code, props)
    } else {
        let (i, rc) = u8_(i)?;
        let Some(code) = connack_v3_to_reason(rc) else {
            return fail(DecodeError::ReasonCodeNotAllowed {
                code: rc,
                packet_type: PacketType::ConnAck,
            });
        };
        (i, code, PropertiesRef::EMPTY)
    };
    if session_present && code != ReasonCode::Success {
        return fail(DecodeError::SessionPresentOnFailure);
    }
    Ok((
        i,
        PacketRef::ConnAck(ConnAckRef {
            session_present,
            code,
            properties,
        }),
    ))
}

fn pub_response(i: &[u8], pt: PacketType, v5: bool) -> PResult<'_, PacketRef<'_>> {
    let (i, packet_id) = packet_id(i)?;
    // v5 §3.4.2.1: the reason code and properties may be omitted (Success, none).
    let (i, reason, properties) = if !v5 || i.is_empty() {
        (i, ReasonCode::Success, PropertiesRef::EMPTY)
    } else {
        let (i, reason) = reason_v5(i, pt)?;
        if i.is_empty() {
            (i, reason, PropertiesRef::EMPTY)
        } else {
            let (i, props) = validate_properties(i, PropCtx::for_ack(pt))?;
            (i, reason, props)
        }
    };
    let r = PubResponseRef {
        packet_id,
        reason,
        properties,
    };
    Ok((
        i,
        match pt {
            PacketType::PubAck => PacketRef::PubAck(r),
            PacketType::PubRec => PacketRef::PubRec(r),
            PacketType::PubRel => PacketRef::PubRel(r),
            _ => PacketRef::PubComp(r),
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

fn subscribe(i: &[u8], v5: bool) -> PResult<'_, PacketRef<'_>> {
    let (i, packet_id) = packet_id(i)?;
    let (i, properties) = if v5 {
        validate_properties(i, PropCtx::Subscribe)?
    } else {
        (i, PropertiesRef::EMPTY)
    };
    if i.is_empty() {
        return fail(DecodeError::EmptySubscribe);
    }
    let entries = i;
    let mut i = i;
    let mut count = 0;
    while !i.is_empty() {
        let (j, f) = filter(i)?;
        let (j, o) = u8_(j)?;
        i = j;
        let reserved = if v5 { 0b1100_0000 } else { 0b1111_1100 };
        if o & reserved != 0 {
            return fail(DecodeError::SubscriptionOptionsReservedBits { options: o });
        }
        if QoS::from_u8(o & 0b11).is_none() {
            return fail(DecodeError::InvalidSubscriptionQoS);
        }
        let Some(options) = options_of(o) else {
            // The QoS is valid (checked above): Retain Handling is 3.
            return fail(DecodeError::InvalidRetainHandling);
        };
        if options.no_local && crate::topic::shared_subscription(f).is_some() {
            return fail(DecodeError::NoLocalOnSharedSubscription);
        }
        count += 1;
    }
    Ok((
        i,
        PacketRef::Subscribe(SubscribeRef {
            packet_id,
            filters: SubscribeFilters {
                bytes: entries,
                count,
            },
            properties,
        }),
    ))
}

fn suback(i: &[u8], v5: bool) -> PResult<'_, PacketRef<'_>> {
    let (i, packet_id) = packet_id(i)?;
    let (i, properties) = if v5 {
        validate_properties(i, PropCtx::SubAck)?
    } else {
        (i, PropertiesRef::EMPTY)
    };
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
        if !ok {
            return fail(DecodeError::ReasonCodeNotAllowed {
                code: b,
                packet_type: PacketType::SubAck,
            });
        }
    }
    Ok((
        &i[i.len()..],
        PacketRef::SubAck(SubAckRef {
            packet_id,
            codes: ReasonCodes { bytes: i },
            properties,
        }),
    ))
}

fn unsubscribe(i: &[u8], v5: bool) -> PResult<'_, PacketRef<'_>> {
    let (i, packet_id) = packet_id(i)?;
    let (i, properties) = if v5 {
        validate_properties(i, PropCtx::Unsubscribe)?
    } else {
        (i, PropertiesRef::EMPTY)
    };
    if i.is_empty() {
        return fail(DecodeError::EmptyUnsubscribe);
    }
    let entries = i;
    let mut i = i;
    let mut count = 0;
    while !i.is_empty() {
        i = filter(i)?.0;
        count += 1;
    }
    Ok((
        i,
        PacketRef::Unsubscribe(UnsubscribeRef {
            packet_id,
            filters: TopicFilters {
                bytes: entries,
                count,
            },
            properties,
        }),
    ))
}

fn unsuback(i: &[u8], v5: bool) -> PResult<'_, PacketRef<'_>> {
    let (i, packet_id) = packet_id(i)?;
    if !v5 {
        return Ok((
            i,
            PacketRef::UnsubAck(UnsubAckRef {
                packet_id,
                codes: ReasonCodes { bytes: &[] },
                properties: PropertiesRef::EMPTY,
            }),
        ));
    }
    let (i, properties) = validate_properties(i, PropCtx::UnsubAck)?;
    let codes = i;
    let mut i = i;
    while !i.is_empty() {
        i = reason_v5(i, PacketType::UnsubAck)?.0;
    }
    Ok((
        i,
        PacketRef::UnsubAck(UnsubAckRef {
            packet_id,
            codes: ReasonCodes { bytes: codes },
            properties,
        }),
    ))
}

/// DISCONNECT and AUTH (v5 §3.14.2, §3.15.2): both may omit the reason code
/// (Success) and the properties.
fn reason_and_props(
    i: &[u8],
    pt: PacketType,
    ctx: PropCtx,
) -> PResult<'_, (ReasonCode, PropertiesRef<'_>)> {
    if i.is_empty() {
        return Ok((i, (ReasonCode::Success, PropertiesRef::EMPTY)));
    }
    let (i, reason) = reason_v5(i, pt)?;
    if i.is_empty() {
        return Ok((i, (reason, PropertiesRef::EMPTY)));
    }
    let (i, props) = validate_properties(i, ctx)?;
    Ok((i, (reason, props)))
}

fn disconnect(i: &[u8], v5: bool) -> PResult<'_, PacketRef<'_>> {
    let (i, (reason, properties)) = if v5 {
        reason_and_props(i, PacketType::Disconnect, PropCtx::Disconnect)?
    } else {
        (i, (ReasonCode::Success, PropertiesRef::EMPTY))
    };
    Ok((
        i,
        PacketRef::Disconnect(DisconnectRef { reason, properties }),
    ))
}

fn auth(i: &[u8]) -> PResult<'_, PacketRef<'_>> {
    let (i, (reason, properties)) = reason_and_props(i, PacketType::Auth, PropCtx::Auth)?;
    Ok((i, PacketRef::Auth(AuthRef { reason, properties })))
}
