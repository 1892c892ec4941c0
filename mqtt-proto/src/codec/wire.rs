//! Wire primitives shared by the decoder and encoder: nom parsers for the
//! MQTT data representations (§1.5), their encoded sizes, and the tables of
//! which property and reason code each packet type may carry.

use super::scan::{any_byte, name_byte, name_mark, text_byte, text_mark};
use super::{DecodeError, PacketId, PacketType, ReasonCode};
use core::num::NonZeroU16;
use nom::error::{ErrorKind, ParseError};
use nom::number::complete::{be_u32, be_u8};
use nom::IResult;

/// The nom error type of the decoder: a [`DecodeError`]. nom's own failures
/// from `complete` parsers are always "not enough input", which inside a
/// packet whose size is known means a field crosses the packet end.
#[derive(Debug)]
pub(crate) struct PErr(pub(crate) DecodeError);

impl<'a> ParseError<&'a [u8]> for PErr {
    #[inline]
    fn from_error_kind(_input: &'a [u8], _kind: ErrorKind) -> Self {
        PErr(DecodeError::FieldCrossesPacketEnd)
    }
    #[inline]
    fn append(_input: &'a [u8], _kind: ErrorKind, other: Self) -> Self {
        other
    }
}

pub(crate) type PResult<'a, O> = IResult<&'a [u8], O, PErr>;

/// A parse failure with a specific rule.
#[inline]
pub(crate) fn fail<'a, O>(e: DecodeError) -> PResult<'a, O> {
    Err(nom::Err::Failure(PErr(e)))
}

/// Runs a parser result out of nom into the public error type.
#[inline]
pub(crate) fn run<O>(r: PResult<'_, O>) -> Result<(&[u8], O), DecodeError> {
    r.map_err(|e| match e {
        nom::Err::Error(PErr(e)) | nom::Err::Failure(PErr(e)) => e,
        nom::Err::Incomplete(_) => DecodeError::FieldCrossesPacketEnd,
    })
}

/// A field that would cross the end of the packet, as nom's `complete`
/// parsers report it.
#[inline]
fn short<'a, O>() -> PResult<'a, O> {
    Err(nom::Err::Error(PErr(DecodeError::FieldCrossesPacketEnd)))
}

// `u8_`, `u16_` and `binary` are written by hand (same results and errors as
// nom's `be_u8`, `be_u16` and `take`): the combinators go through a
// non-inlined `Input::take_from` per call, a measurable share of decoding a
// CONNECT or SUBSCRIBE.

#[inline]
pub(crate) fn u8_(i: &[u8]) -> PResult<'_, u8> {
    match i {
        [b, rest @ ..] => Ok((rest, *b)),
        [] => short(),
    }
}

#[inline]
pub(crate) fn u16_(i: &[u8]) -> PResult<'_, u16> {
    match i {
        [hi, lo, rest @ ..] => Ok((rest, u16::from_be_bytes([*hi, *lo]))),
        _ => short(),
    }
}

#[inline]
pub(crate) fn u32_(i: &[u8]) -> PResult<'_, u32> {
    be_u32(i)
}

/// Two Byte Integer length followed by that many bytes (§1.5.6 Binary Data).
#[inline]
pub(crate) fn binary(i: &[u8]) -> PResult<'_, &[u8]> {
    if let [hi, lo, rest @ ..] = i {
        let n = usize::from(u16::from_be_bytes([*hi, *lo]));
        if n <= rest.len() {
            let (field, rest) = rest.split_at(n);
            return Ok((rest, field));
        }
    }
    short()
}

/// A UTF-8 Encoded String (§1.5.3; v5 §1.5.4): well-formed UTF-8, no U+0000.
#[inline]
pub(crate) fn utf8(i: &[u8]) -> PResult<'_, &str> {
    let (rest, b) = binary(i)?;
    match check_utf8(b) {
        Ok(s) => Ok((rest, s)),
        Err(e) => fail(e),
    }
}

/// Validates string bytes once: UTF-8 (which excludes surrogates) and no U+0000.
#[inline]
pub(crate) fn check_utf8(b: &[u8]) -> Result<&str, DecodeError> {
    if !any_byte(b, text_byte, text_mark) {
        return Ok(ascii_str(b));
    }
    let s = core::str::from_utf8(b).map_err(|_| DecodeError::InvalidUtf8)?;
    if b.contains(&0) {
        return Err(DecodeError::NullCharacter);
    }
    Ok(s)
}

/// Bytes already checked to be ASCII, as `&str`.
#[inline(always)]
pub(crate) fn ascii_str(b: &[u8]) -> &str {
    // SAFETY: every caller has checked (with `scan`, `any_byte` or
    // `topic::plainly_valid_filter`) that no byte of `b` has its top bit
    // set, and a run of ASCII bytes is valid UTF-8. A second, general UTF-8
    // pass costs as much as the rest of a small PUBLISH decode.
    #[allow(unsafe_code)]
    unsafe {
        core::str::from_utf8_unchecked(b)
    }
}

/// A topic name: a string without wildcards (emptiness is the caller's rule,
/// it differs between versions).
#[inline]
pub(crate) fn topic_name(i: &[u8]) -> PResult<'_, &str> {
    let (rest, b) = binary(i)?;
    match check_topic_name(b) {
        Ok(s) => Ok((rest, s)),
        Err(e) => fail(e),
    }
}

/// Checks a topic name's bytes: no U+0000, no `+` or `#`, valid UTF-8.
///
/// Topic names are nearly always ASCII, so the whole name is tested eight
/// bytes at a time for "non-ASCII, NUL, `+` or `#`"; only a hit falls back
/// to the exact, per-byte path.
#[inline]
pub(crate) fn check_topic_name(b: &[u8]) -> Result<&str, DecodeError> {
    if !any_byte(b, name_byte, name_mark) {
        return Ok(ascii_str(b));
    }
    check_topic_name_slow(b)
}

#[inline(never)]
fn check_topic_name_slow(b: &[u8]) -> Result<&str, DecodeError> {
    for &c in b {
        match c {
            0 => return Err(DecodeError::NullCharacter),
            b'+' | b'#' => return Err(DecodeError::WildcardInTopicName),
            _ => {}
        }
    }
    core::str::from_utf8(b).map_err(|_| DecodeError::InvalidUtf8)
}

/// A non-zero Packet Identifier `[MQTT-2.3.1-1]` (v5 `[MQTT-2.2.1-3]`).
#[inline]
pub(crate) fn packet_id(i: &[u8]) -> PResult<'_, PacketId> {
    let (rest, v) = u16_(i)?;
    match NonZeroU16::new(v) {
        Some(id) => Ok((rest, id)),
        None => fail(DecodeError::ZeroPacketId),
    }
}

/// A Variable Byte Integer (v5 §1.5.5) in minimal form `[MQTT-1.5.5-1]`.
#[inline]
pub(crate) fn vbi(i: &[u8]) -> PResult<'_, u32> {
    let mut value: u32 = 0;
    let mut rest = i;
    for n in 0..4 {
        let (r, b) = be_u8(rest)?;
        rest = r;
        value |= u32::from(b & 0x7F) << (7 * n);
        if b & 0x80 == 0 {
            if n > 0 && b == 0 {
                return fail(DecodeError::NonMinimalVariableByteInteger);
            }
            return Ok((rest, value));
        }
    }
    fail(DecodeError::RemainingLengthTooLong)
}

/// Bytes a Variable Byte Integer takes for `v` (`v` <= 268,435,455).
#[inline]
pub(crate) const fn vbi_len(v: usize) -> usize {
    if v < 0x80 {
        1
    } else if v < 0x4000 {
        2
    } else if v < 0x20_0000 {
        3
    } else {
        4
    }
}

/// Writes a Variable Byte Integer (`v` <= 268,435,455).
#[inline]
pub(crate) fn put_vbi(out: &mut bytes::BytesMut, mut v: usize) {
    use bytes::BufMut;
    loop {
        let mut b = (v & 0x7F) as u8;
        v >>= 7;
        if v > 0 {
            b |= 0x80;
        }
        out.put_u8(b);
        if v == 0 {
            break;
        }
    }
}

/// Where a property block sits: a packet type, or the will of CONNECT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PropCtx {
    Connect = 0,
    Will,
    ConnAck,
    Publish,
    PubAck,
    PubRec,
    PubRel,
    PubComp,
    Subscribe,
    SubAck,
    Unsubscribe,
    UnsubAck,
    Disconnect,
    Auth,
}

impl PropCtx {
    pub(crate) const fn packet_type(self) -> PacketType {
        match self {
            PropCtx::Connect | PropCtx::Will => PacketType::Connect,
            PropCtx::ConnAck => PacketType::ConnAck,
            PropCtx::Publish => PacketType::Publish,
            PropCtx::PubAck => PacketType::PubAck,
            PropCtx::PubRec => PacketType::PubRec,
            PropCtx::PubRel => PacketType::PubRel,
            PropCtx::PubComp => PacketType::PubComp,
            PropCtx::Subscribe => PacketType::Subscribe,
            PropCtx::SubAck => PacketType::SubAck,
            PropCtx::Unsubscribe => PacketType::Unsubscribe,
            PropCtx::UnsubAck => PacketType::UnsubAck,
            PropCtx::Disconnect => PacketType::Disconnect,
            PropCtx::Auth => PacketType::Auth,
        }
    }

    pub(crate) const fn for_ack(pt: PacketType) -> PropCtx {
        match pt {
            PacketType::PubRec => PropCtx::PubRec,
            PacketType::PubRel => PropCtx::PubRel,
            PacketType::PubComp => PropCtx::PubComp,
            _ => PropCtx::PubAck,
        }
    }

    #[inline]
    const fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

const fn mask(ctxs: &[PropCtx]) -> u16 {
    let mut m = 0;
    let mut i = 0;
    while i < ctxs.len() {
        m |= ctxs[i].bit();
        i += 1;
    }
    m
}

/// Property identifiers (v5 §2.2.2.2, Table 2-4).
pub(crate) mod id {
    pub(crate) const PAYLOAD_FORMAT_INDICATOR: u8 = 0x01;
    pub(crate) const MESSAGE_EXPIRY_INTERVAL: u8 = 0x02;
    pub(crate) const CONTENT_TYPE: u8 = 0x03;
    pub(crate) const RESPONSE_TOPIC: u8 = 0x08;
    pub(crate) const CORRELATION_DATA: u8 = 0x09;
    pub(crate) const SUBSCRIPTION_IDENTIFIER: u8 = 0x0B;
    pub(crate) const SESSION_EXPIRY_INTERVAL: u8 = 0x11;
    pub(crate) const ASSIGNED_CLIENT_IDENTIFIER: u8 = 0x12;
    pub(crate) const SERVER_KEEP_ALIVE: u8 = 0x13;
    pub(crate) const AUTHENTICATION_METHOD: u8 = 0x15;
    pub(crate) const AUTHENTICATION_DATA: u8 = 0x16;
    pub(crate) const REQUEST_PROBLEM_INFORMATION: u8 = 0x17;
    pub(crate) const WILL_DELAY_INTERVAL: u8 = 0x18;
    pub(crate) const REQUEST_RESPONSE_INFORMATION: u8 = 0x19;
    pub(crate) const RESPONSE_INFORMATION: u8 = 0x1A;
    pub(crate) const SERVER_REFERENCE: u8 = 0x1C;
    pub(crate) const REASON_STRING: u8 = 0x1F;
    pub(crate) const RECEIVE_MAXIMUM: u8 = 0x21;
    pub(crate) const TOPIC_ALIAS_MAXIMUM: u8 = 0x22;
    pub(crate) const TOPIC_ALIAS: u8 = 0x23;
    pub(crate) const MAXIMUM_QOS: u8 = 0x24;
    pub(crate) const RETAIN_AVAILABLE: u8 = 0x25;
    pub(crate) const USER_PROPERTY: u8 = 0x26;
    pub(crate) const MAXIMUM_PACKET_SIZE: u8 = 0x27;
    pub(crate) const WILDCARD_SUBSCRIPTION_AVAILABLE: u8 = 0x28;
    pub(crate) const SUBSCRIPTION_IDENTIFIER_AVAILABLE: u8 = 0x29;
    pub(crate) const SHARED_SUBSCRIPTION_AVAILABLE: u8 = 0x2A;
}

/// The set of places a property may appear (v5 Table 2-4), or `None` for an
/// identifier MQTT 5 does not define.
#[inline]
pub(crate) const fn property_mask(pid: u8) -> Option<u16> {
    use PropCtx::*;
    Some(match pid {
        id::PAYLOAD_FORMAT_INDICATOR
        | id::MESSAGE_EXPIRY_INTERVAL
        | id::CONTENT_TYPE
        | id::RESPONSE_TOPIC
        | id::CORRELATION_DATA => mask(&[Publish, Will]),
        id::SUBSCRIPTION_IDENTIFIER => mask(&[Publish, Subscribe]),
        id::SESSION_EXPIRY_INTERVAL => mask(&[Connect, ConnAck, Disconnect]),
        id::ASSIGNED_CLIENT_IDENTIFIER
        | id::SERVER_KEEP_ALIVE
        | id::RESPONSE_INFORMATION
        | id::MAXIMUM_QOS
        | id::RETAIN_AVAILABLE
        | id::WILDCARD_SUBSCRIPTION_AVAILABLE
        | id::SUBSCRIPTION_IDENTIFIER_AVAILABLE
        | id::SHARED_SUBSCRIPTION_AVAILABLE => mask(&[ConnAck]),
        id::AUTHENTICATION_METHOD | id::AUTHENTICATION_DATA => mask(&[Connect, ConnAck, Auth]),
        id::REQUEST_PROBLEM_INFORMATION | id::REQUEST_RESPONSE_INFORMATION => mask(&[Connect]),
        id::WILL_DELAY_INTERVAL => mask(&[Will]),
        id::SERVER_REFERENCE => mask(&[ConnAck, Disconnect]),
        id::REASON_STRING => mask(&[
            ConnAck, PubAck, PubRec, PubRel, PubComp, SubAck, UnsubAck, Disconnect, Auth,
        ]),
        id::RECEIVE_MAXIMUM | id::TOPIC_ALIAS_MAXIMUM | id::MAXIMUM_PACKET_SIZE => {
            mask(&[Connect, ConnAck])
        }
        id::TOPIC_ALIAS => mask(&[Publish]),
        id::USER_PROPERTY => mask(&[
            Connect,
            Will,
            ConnAck,
            Publish,
            PubAck,
            PubRec,
            PubRel,
            PubComp,
            Subscribe,
            SubAck,
            Unsubscribe,
            UnsubAck,
            Disconnect,
            Auth,
        ]),
        _ => return None,
    })
}

/// Whether property `pid` may appear in `ctx`. `None`: unknown identifier.
#[inline]
pub(crate) const fn property_allowed(pid: u8, ctx: PropCtx) -> Option<bool> {
    match property_mask(pid) {
        Some(m) => Some(m & ctx.bit() != 0),
        None => None,
    }
}

/// Whether an MQTT 5 packet of type `pt` may carry reason code `code` (v5 §2.4, Table 2-6).
pub(crate) const fn reason_allowed_v5(pt: PacketType, code: ReasonCode) -> bool {
    let c = code as u8;
    match pt {
        PacketType::ConnAck => matches!(
            c,
            0x00 | 0x80..=0x8A | 0x8C | 0x90 | 0x95 | 0x97 | 0x99..=0x9D | 0x9F
        ),
        PacketType::PubAck | PacketType::PubRec => {
            matches!(
                c,
                0x00 | 0x10 | 0x80 | 0x83 | 0x87 | 0x90 | 0x91 | 0x97 | 0x99
            )
        }
        PacketType::PubRel | PacketType::PubComp => matches!(c, 0x00 | 0x92),
        PacketType::SubAck => matches!(
            c,
            0x00 | 0x01 | 0x02 | 0x80 | 0x83 | 0x87 | 0x8F | 0x91 | 0x97 | 0x9E | 0xA1 | 0xA2
        ),
        PacketType::UnsubAck => matches!(c, 0x00 | 0x11 | 0x80 | 0x83 | 0x87 | 0x8F | 0x91),
        PacketType::Disconnect => matches!(
            c,
            0x00 | 0x04 | 0x80..=0x83 | 0x87 | 0x89 | 0x8B..=0x90 | 0x93..=0xA2
        ),
        PacketType::Auth => matches!(c, 0x00 | 0x18 | 0x19),
        _ => false,
    }
}

/// MQTT 3.x CONNACK return code (§3.2.2.3) to the MQTT 5 code of the same meaning.
#[inline]
pub(crate) const fn connack_v3_to_reason(rc: u8) -> Option<ReasonCode> {
    Some(match rc {
        0 => ReasonCode::Success,
        1 => ReasonCode::UnsupportedProtocolVersion,
        2 => ReasonCode::ClientIdentifierNotValid,
        3 => ReasonCode::ServerUnavailable,
        4 => ReasonCode::BadUserNameOrPassword,
        5 => ReasonCode::NotAuthorized,
        _ => return None,
    })
}

/// The inverse of [`connack_v3_to_reason`].
#[inline]
pub(crate) const fn reason_to_connack_v3(code: ReasonCode) -> Option<u8> {
    Some(match code {
        ReasonCode::Success => 0,
        ReasonCode::UnsupportedProtocolVersion => 1,
        ReasonCode::ClientIdentifierNotValid => 2,
        ReasonCode::ServerUnavailable => 3,
        ReasonCode::BadUserNameOrPassword => 4,
        ReasonCode::NotAuthorized => 5,
        _ => return None,
    })
}

/// MQTT 3.x SUBACK return codes (§3.9.3): granted QoS 0..2 or failure 0x80.
#[inline]
pub(crate) const fn suback_v3_allowed(code: ReasonCode) -> bool {
    matches!(
        code,
        ReasonCode::Success
            | ReasonCode::GrantedQoS1
            | ReasonCode::GrantedQoS2
            | ReasonCode::UnspecifiedError
    )
}
