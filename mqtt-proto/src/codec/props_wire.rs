//! MQTT 5 property blocks on the wire (v5 §2.2.2), encode side: measure and
//! write, with the same rules the decoder (`props_ref.rs`) enforces.

use super::wire::{id, property_allowed, vbi_len, PropCtx};
use super::{ByteStr, EncodeError, Properties};
use crate::codec::frame::MAX_REMAINING_LENGTH;
use bytes::{BufMut, Bytes, BytesMut};

// ---------------------------------------------------------------- encoding

fn str_len(s: &ByteStr) -> Result<usize, EncodeError> {
    if s.len() > 65_535 {
        return Err(EncodeError::FieldTooLong { len: s.len() });
    }
    if s.as_bytes().contains(&0) {
        return Err(EncodeError::NullCharacter);
    }
    Ok(2 + s.len())
}

fn bin_len(b: &Bytes) -> Result<usize, EncodeError> {
    if b.len() > 65_535 {
        return Err(EncodeError::FieldTooLong { len: b.len() });
    }
    Ok(2 + b.len())
}

/// Length of a binary data field (prefix included), checking the encode rules.
#[inline]
pub(crate) fn binary_len(b: &[u8]) -> Result<usize, EncodeError> {
    if b.len() > 65_535 {
        return Err(EncodeError::FieldTooLong { len: b.len() });
    }
    Ok(2 + b.len())
}

/// Validates `p` for `ctx` and returns the size of the property block's
/// content (without its own length prefix).
pub(crate) fn properties_len(p: &Properties, ctx: PropCtx) -> Result<usize, EncodeError> {
    if p.is_empty() {
        return Ok(0);
    }
    let mut n: usize = 0;
    let check = |pid: u8| -> Result<(), EncodeError> {
        if property_allowed(pid, ctx) == Some(true) {
            Ok(())
        } else {
            Err(EncodeError::PropertyNotAllowed {
                id: pid,
                packet_type: ctx.packet_type(),
                in_will: matches!(ctx, PropCtx::Will),
            })
        }
    };
    let bad = |pid: u8| EncodeError::InvalidPropertyValue { id: pid };
    let flags = [
        (id::PAYLOAD_FORMAT_INDICATOR, p.payload_format_indicator),
        (
            id::REQUEST_PROBLEM_INFORMATION,
            p.request_problem_information,
        ),
        (
            id::REQUEST_RESPONSE_INFORMATION,
            p.request_response_information,
        ),
        (id::MAXIMUM_QOS, p.maximum_qos),
        (id::RETAIN_AVAILABLE, p.retain_available),
        (
            id::WILDCARD_SUBSCRIPTION_AVAILABLE,
            p.wildcard_subscription_available,
        ),
        (
            id::SUBSCRIPTION_IDENTIFIER_AVAILABLE,
            p.subscription_identifier_available,
        ),
        (
            id::SHARED_SUBSCRIPTION_AVAILABLE,
            p.shared_subscription_available,
        ),
    ];
    for (pid, v) in flags {
        if let Some(v) = v {
            check(pid)?;
            if v > 1 {
                return Err(bad(pid));
            }
            n += 2;
        }
    }
    let u32s = [
        (id::MESSAGE_EXPIRY_INTERVAL, p.message_expiry_interval),
        (id::SESSION_EXPIRY_INTERVAL, p.session_expiry_interval),
        (id::WILL_DELAY_INTERVAL, p.will_delay_interval),
        (id::MAXIMUM_PACKET_SIZE, p.maximum_packet_size),
    ];
    for (pid, v) in u32s {
        if let Some(v) = v {
            check(pid)?;
            if v == 0 && pid == id::MAXIMUM_PACKET_SIZE {
                return Err(bad(pid));
            }
            n += 5;
        }
    }
    let u16s = [
        (id::SERVER_KEEP_ALIVE, p.server_keep_alive),
        (id::RECEIVE_MAXIMUM, p.receive_maximum),
        (id::TOPIC_ALIAS_MAXIMUM, p.topic_alias_maximum),
        (id::TOPIC_ALIAS, p.topic_alias),
    ];
    for (pid, v) in u16s {
        if let Some(v) = v {
            check(pid)?;
            if v == 0 && matches!(pid, id::RECEIVE_MAXIMUM | id::TOPIC_ALIAS) {
                return Err(bad(pid));
            }
            n += 3;
        }
    }
    let strings = [
        (id::CONTENT_TYPE, &p.content_type),
        (id::RESPONSE_TOPIC, &p.response_topic),
        (
            id::ASSIGNED_CLIENT_IDENTIFIER,
            &p.assigned_client_identifier,
        ),
        (id::AUTHENTICATION_METHOD, &p.authentication_method),
        (id::RESPONSE_INFORMATION, &p.response_information),
        (id::SERVER_REFERENCE, &p.server_reference),
        (id::REASON_STRING, &p.reason_string),
    ];
    for (pid, v) in strings {
        if let Some(s) = v {
            check(pid)?;
            if pid == id::RESPONSE_TOPIC && crate::topic::validate_topic_name(s).is_err() {
                return Err(bad(pid));
            }
            n = n.saturating_add(1 + str_len(s)?);
        }
    }
    let bins = [
        (id::CORRELATION_DATA, &p.correlation_data),
        (id::AUTHENTICATION_DATA, &p.authentication_data),
    ];
    for (pid, v) in bins {
        if let Some(b) = v {
            check(pid)?;
            n = n.saturating_add(1 + bin_len(b)?);
        }
    }
    if !p.subscription_identifiers.is_empty() {
        check(id::SUBSCRIPTION_IDENTIFIER)?;
        if ctx != PropCtx::Publish && p.subscription_identifiers.len() > 1 {
            return Err(EncodeError::DuplicateProperty {
                id: id::SUBSCRIPTION_IDENTIFIER,
            });
        }
        for &v in &p.subscription_identifiers {
            if v == 0 || v as usize > MAX_REMAINING_LENGTH {
                return Err(bad(id::SUBSCRIPTION_IDENTIFIER));
            }
            n = n.saturating_add(1 + vbi_len(v as usize));
        }
    }
    if !p.user_properties.is_empty() {
        check(id::USER_PROPERTY)?;
        for (k, v) in &p.user_properties {
            n = n.saturating_add(1 + str_len(k)? + str_len(v)?);
        }
    }
    Ok(n)
}

#[inline]
fn put_str(out: &mut BytesMut, s: &[u8]) {
    // Lengths were checked by `properties_len` / `string_len`.
    out.put_u16(s.len() as u16);
    out.put_slice(s);
}

/// Writes a property block: its length `len` (from [`properties_len`]) and content.
pub(crate) fn write_properties(out: &mut BytesMut, p: &Properties, len: usize) {
    super::wire::put_vbi(out, len);
    if len == 0 {
        return;
    }
    if let Some(v) = p.payload_format_indicator {
        out.put_u8(id::PAYLOAD_FORMAT_INDICATOR);
        out.put_u8(v);
    }
    if let Some(v) = p.message_expiry_interval {
        out.put_u8(id::MESSAGE_EXPIRY_INTERVAL);
        out.put_u32(v);
    }
    if let Some(v) = &p.content_type {
        out.put_u8(id::CONTENT_TYPE);
        put_str(out, v.as_bytes());
    }
    if let Some(v) = &p.response_topic {
        out.put_u8(id::RESPONSE_TOPIC);
        put_str(out, v.as_bytes());
    }
    if let Some(v) = &p.correlation_data {
        out.put_u8(id::CORRELATION_DATA);
        put_str(out, v);
    }
    for &v in &p.subscription_identifiers {
        out.put_u8(id::SUBSCRIPTION_IDENTIFIER);
        super::wire::put_vbi(out, v as usize);
    }
    if let Some(v) = p.session_expiry_interval {
        out.put_u8(id::SESSION_EXPIRY_INTERVAL);
        out.put_u32(v);
    }
    if let Some(v) = &p.assigned_client_identifier {
        out.put_u8(id::ASSIGNED_CLIENT_IDENTIFIER);
        put_str(out, v.as_bytes());
    }
    if let Some(v) = p.server_keep_alive {
        out.put_u8(id::SERVER_KEEP_ALIVE);
        out.put_u16(v);
    }
    if let Some(v) = &p.authentication_method {
        out.put_u8(id::AUTHENTICATION_METHOD);
        put_str(out, v.as_bytes());
    }
    if let Some(v) = &p.authentication_data {
        out.put_u8(id::AUTHENTICATION_DATA);
        put_str(out, v);
    }
    if let Some(v) = p.request_problem_information {
        out.put_u8(id::REQUEST_PROBLEM_INFORMATION);
        out.put_u8(v);
    }
    if let Some(v) = p.will_delay_interval {
        out.put_u8(id::WILL_DELAY_INTERVAL);
        out.put_u32(v);
    }
    if let Some(v) = p.request_response_information {
        out.put_u8(id::REQUEST_RESPONSE_INFORMATION);
        out.put_u8(v);
    }
    if let Some(v) = &p.response_information {
        out.put_u8(id::RESPONSE_INFORMATION);
        put_str(out, v.as_bytes());
    }
    if let Some(v) = &p.server_reference {
        out.put_u8(id::SERVER_REFERENCE);
        put_str(out, v.as_bytes());
    }
    if let Some(v) = &p.reason_string {
        out.put_u8(id::REASON_STRING);
        put_str(out, v.as_bytes());
    }
    if let Some(v) = p.receive_maximum {
        out.put_u8(id::RECEIVE_MAXIMUM);
        out.put_u16(v);
    }
    if let Some(v) = p.topic_alias_maximum {
        out.put_u8(id::TOPIC_ALIAS_MAXIMUM);
        out.put_u16(v);
    }
    if let Some(v) = p.topic_alias {
        out.put_u8(id::TOPIC_ALIAS);
        out.put_u16(v);
    }
    if let Some(v) = p.maximum_qos {
        out.put_u8(id::MAXIMUM_QOS);
        out.put_u8(v);
    }
    if let Some(v) = p.retain_available {
        out.put_u8(id::RETAIN_AVAILABLE);
        out.put_u8(v);
    }
    for (k, v) in &p.user_properties {
        out.put_u8(id::USER_PROPERTY);
        put_str(out, k.as_bytes());
        put_str(out, v.as_bytes());
    }
    if let Some(v) = p.maximum_packet_size {
        out.put_u8(id::MAXIMUM_PACKET_SIZE);
        out.put_u32(v);
    }
    if let Some(v) = p.wildcard_subscription_available {
        out.put_u8(id::WILDCARD_SUBSCRIPTION_AVAILABLE);
        out.put_u8(v);
    }
    if let Some(v) = p.subscription_identifier_available {
        out.put_u8(id::SUBSCRIPTION_IDENTIFIER_AVAILABLE);
        out.put_u8(v);
    }
    if let Some(v) = p.shared_subscription_available {
        out.put_u8(id::SHARED_SUBSCRIPTION_AVAILABLE);
        out.put_u8(v);
    }
}
