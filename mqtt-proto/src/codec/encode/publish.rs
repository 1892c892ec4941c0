//! PUBLISH, the hot path of [`encode`](super::encode): planned and written
//! without the general dispatch, and (for the client, whose `publish`
//! command has validated the topic name) without scanning the topic again.

use super::cursor::{extend_large, write_reserved};
use super::{block, check_size, no_props, put_vbi, vbi_len, PropCtx};
use crate::codec::props_wire::{properties_len, write_properties};
use crate::codec::{EncodeError, PacketType, Properties, ProtocolVersion, Publish, QoS};
use crate::topic::{check_topic_name, TopicError, MAX_TOPIC_LEN};
use bytes::{BufMut, BytesMut};

/// Whether the encoder scans a PUBLISH topic name's characters.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum TopicCheck {
    /// Scan for U+0000 and wildcards: the public `encode` trusts nothing.
    Scan,
    /// The caller validated this topic name (the client's `publish` command,
    /// or the decoder for a restored session): only its length is checked.
    Validated,
}

/// [`encode`](super::encode) for a PUBLISH whose topic name (if not empty)
/// the caller has validated with `topic::validate_topic_name` or decoded:
/// every other rule is checked as there.
#[inline]
pub(crate) fn encode_validated_publish(
    p: &Publish,
    version: ProtocolVersion,
    max_packet_size: usize,
    out: &mut BytesMut,
) -> Result<usize, EncodeError> {
    debug_assert!(scanned_clean(&p.topic));
    encode_publish(
        p,
        version.is_v5(),
        max_packet_size,
        out,
        TopicCheck::Validated,
    )
}

/// The encoded size of a PUBLISH (without packet identifier for QoS 0, with
/// one otherwise) whose topic name the caller has validated; every other
/// rule of [`encoded_len`](super::encoded_len) is checked, including the
/// property values.
#[inline]
pub(crate) fn validated_publish_len(
    topic: &str,
    qos: QoS,
    properties: &Properties,
    payload: &[u8],
    version: ProtocolVersion,
) -> Result<usize, EncodeError> {
    debug_assert!(scanned_clean(topic));
    let (remaining, _) = publish_remaining(
        topic.len(),
        qos != QoS::AtMostOnce,
        properties,
        payload.len(),
        version.is_v5(),
    )?;
    check_size(remaining, usize::MAX)
}

/// What the skipped scan would have found: no U+0000, no wildcard.
fn scanned_clean(topic: &str) -> bool {
    !topic.bytes().any(|b| matches!(b, 0 | b'+' | b'#'))
}

#[inline(always)]
pub(super) fn encode_publish(
    p: &Publish,
    v5: bool,
    max_packet_size: usize,
    out: &mut BytesMut,
    check: TopicCheck,
) -> Result<usize, EncodeError> {
    let (remaining, props) = plan_publish(p, v5, check)?;
    let total = check_size(remaining, max_packet_size)?;
    write_publish(p, v5, remaining, props, out);
    Ok(total)
}

/// The Remaining Length and property block content length of a PUBLISH,
/// after checking the rules its fields must keep.
#[inline(always)]
pub(super) fn plan_publish(
    p: &Publish,
    v5: bool,
    check: TopicCheck,
) -> Result<(usize, usize), EncodeError> {
    if p.qos == QoS::AtMostOnce {
        if p.packet_id.is_some() {
            return Err(EncodeError::PacketIdMismatch);
        }
        if p.dup {
            return Err(EncodeError::DupOnQoS0);
        }
    } else if p.packet_id.is_none() {
        return Err(EncodeError::PacketIdMismatch);
    }
    let topic = p.topic.as_bytes();
    if topic.is_empty() {
        // v5 may send an empty topic name with a Topic Alias `[MQTT-3.3.2-8]`.
        if !v5 || p.properties.topic_alias.is_none() {
            return Err(EncodeError::InvalidTopicName(TopicError::Empty));
        }
    } else if check == TopicCheck::Scan {
        check_topic_name(topic).map_err(EncodeError::InvalidTopicName)?;
    } else if topic.len() > MAX_TOPIC_LEN {
        // Validated elsewhere, but the 16-bit length prefix is ours to keep right.
        return Err(EncodeError::InvalidTopicName(TopicError::TooLong {
            len: topic.len(),
        }));
    }
    publish_remaining(
        topic.len(),
        p.packet_id.is_some(),
        &p.properties,
        p.payload.len(),
        v5,
    )
}

/// The Remaining Length and property block content length of a PUBLISH
/// with these parts; checks the properties (refused before MQTT 5).
#[inline(always)]
fn publish_remaining(
    topic_len: usize,
    has_id: bool,
    properties: &Properties,
    payload_len: usize,
    v5: bool,
) -> Result<(usize, usize), EncodeError> {
    // Topic length prefix, topic, packet identifier: at most 65,539.
    let mut r = 2 + topic_len + if has_id { 2 } else { 0 };
    let mut props = 0;
    if v5 {
        // Most publishes carry no property: skip the planning, not the block.
        if !properties.is_empty() {
            props = properties_len(properties, PropCtx::Publish)?;
        }
        r += block(props);
    } else {
        no_props(properties)?;
    }
    Ok((r.saturating_add(payload_len), props))
}

/// Writes a PUBLISH that `plan_publish` validated and measured: `remaining`
/// is its Remaining Length, `props` its property block content length.
#[inline(always)]
pub(super) fn write_publish(
    p: &Publish,
    v5: bool,
    remaining: usize,
    props: usize,
    out: &mut BytesMut,
) {
    let first = ((PacketType::Publish as u8) << 4)
        | (u8::from(p.dup) << 3)
        | ((p.qos as u8) << 1)
        | u8::from(p.retain);
    let topic = p.topic.as_bytes();
    // The topic length was checked to fit in 16 bits while planning.
    let topic_len = topic.len() as u16;
    let total = 1 + vbi_len(remaining) + remaining;
    if props > 0 {
        // Properties: the general writer, into one reservation.
        out.reserve(total);
        out.put_u8(first);
        put_vbi(out, remaining);
        out.put_u16(topic_len);
        out.extend_from_slice(topic);
        if let Some(id) = p.packet_id {
            out.put_u16(id.get());
        }
        write_properties(out, &p.properties, props);
        extend_large(out, &p.payload);
        return;
    }
    write_reserved(
        out,
        total,
        #[inline(always)]
        |w| {
            if remaining < 0x80 {
                // The usual small packet: fixed header and topic length in one store.
                let [hi, lo] = topic_len.to_be_bytes();
                w.array([first, remaining as u8, hi, lo]);
            } else {
                w.u8(first);
                w.vbi(remaining);
                w.u16(topic_len);
            }
            w.slice(topic);
            if let Some(id) = p.packet_id {
                w.u16(id.get());
            }
            if v5 {
                // An empty property block: its length, zero.
                w.u8(0);
            }
            w.slice(&p.payload);
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{encode, encoded_len, ByteStr, Packet, PacketId};
    use alloc::string::String;
    use alloc::vec;
    use bytes::Bytes;

    const V4: ProtocolVersion = ProtocolVersion::V3_1_1;
    const V5: ProtocolVersion = ProtocolVersion::V5;

    fn publish(topic: &str, qos: QoS, payload: usize) -> Publish {
        Publish {
            dup: false,
            qos,
            retain: true,
            topic: ByteStr::from(String::from(topic)),
            packet_id: (qos != QoS::AtMostOnce).then(|| PacketId::new(7).unwrap()),
            properties: Properties::EMPTY,
            payload: Bytes::from(vec![0xA5; payload]),
        }
    }

    #[test]
    fn the_validated_path_writes_and_sizes_exactly_what_encode_does() {
        let mut aliased = publish("", QoS::AtLeastOnce, 3);
        aliased.properties.topic_alias = Some(4);
        let mut with_props = publish("a/b", QoS::AtMostOnce, 3);
        with_props.properties.message_expiry_interval = Some(60);
        let mut cases = vec![(aliased, V5), (with_props, V5)];
        for v in [V4, V5] {
            for qos in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
                // Remaining Lengths of one, two and three bytes.
                for payload in [0, 16, 200, 20_000] {
                    for topic_len in [1, 15, 16, 31, 32, 33, 100] {
                        let topic: String =
                            (0..topic_len).map(|i| (b'a' + i % 26) as char).collect();
                        cases.push((publish(&topic, qos, payload), v));
                    }
                }
            }
        }
        for (p, v) in cases {
            let packet = Packet::Publish(p.clone());
            let mut want = BytesMut::from(&b"prefix"[..]);
            let n = encode(&packet, v, usize::MAX, &mut want).unwrap();
            let mut got = BytesMut::from(&b"prefix"[..]);
            assert_eq!(encode_validated_publish(&p, v, usize::MAX, &mut got), Ok(n));
            assert_eq!(got, want, "{p:?}");
            assert_eq!(encoded_len(&packet, v), Ok(n));
            if !p.topic.is_empty() {
                let len = validated_publish_len(&p.topic, p.qos, &p.properties, &p.payload, v);
                assert_eq!(len, Ok(n), "{p:?}");
            }
        }
    }

    #[test]
    fn the_validated_path_still_refuses_everything_but_the_scanned_characters() {
        let mut out = BytesMut::from(&b"kept"[..]);
        let mut refuse = |p: &Publish, v, max, e: EncodeError| {
            assert_eq!(encode_validated_publish(p, v, max, &mut out), Err(e));
            assert_eq!(&out[..], b"kept");
        };
        let empty = publish("", QoS::AtMostOnce, 1);
        refuse(
            &empty,
            V5,
            100,
            EncodeError::InvalidTopicName(TopicError::Empty),
        );
        refuse(
            &empty,
            V4,
            100,
            EncodeError::InvalidTopicName(TopicError::Empty),
        );
        let long = publish(&"a".repeat(MAX_TOPIC_LEN + 1), QoS::AtMostOnce, 1);
        let too_long = TopicError::TooLong {
            len: MAX_TOPIC_LEN + 1,
        };
        refuse(
            &long,
            V4,
            usize::MAX,
            EncodeError::InvalidTopicName(too_long),
        );
        let mut id_on_qos0 = publish("t", QoS::AtMostOnce, 1);
        id_on_qos0.packet_id = PacketId::new(1);
        refuse(&id_on_qos0, V4, 100, EncodeError::PacketIdMismatch);
        let mut dup_on_qos0 = publish("t", QoS::AtMostOnce, 1);
        dup_on_qos0.dup = true;
        refuse(&dup_on_qos0, V4, 100, EncodeError::DupOnQoS0);
        let mut props_v4 = publish("t", QoS::AtMostOnce, 1);
        props_v4.properties.message_expiry_interval = Some(1);
        refuse(&props_v4, V4, 100, EncodeError::PropertiesNotSupported);
        let big = publish("t", QoS::AtMostOnce, 200);
        let size = EncodeError::PacketTooLarge {
            size: 206,
            max: 100,
        };
        refuse(&big, V4, 100, size);
    }

    #[test]
    fn the_public_encoder_finds_a_wildcard_or_nul_at_every_offset_of_every_length() {
        for len in 1..=80usize {
            for at in 0..len {
                for (bad, e) in [
                    ('+', TopicError::WildcardInTopicName),
                    ('#', TopicError::WildcardInTopicName),
                    ('\0', TopicError::NullCharacter),
                ] {
                    let mut topic = vec!['x'; len];
                    topic[at] = bad;
                    let topic: String = topic.into_iter().collect();
                    let packet = Packet::Publish(publish(&topic, QoS::AtMostOnce, 2));
                    let mut out = BytesMut::new();
                    let r = encode(&packet, V5, usize::MAX, &mut out);
                    assert_eq!(r, Err(EncodeError::InvalidTopicName(e)), "{len} {at}");
                    assert!(out.is_empty());
                }
            }
        }
    }
}
