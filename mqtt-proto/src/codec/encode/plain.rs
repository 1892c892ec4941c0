//! CONNECT, SUBSCRIBE and UNSUBSCRIBE without property blocks to write (all
//! of MQTT 3.x, and MQTT 5 with empty properties): the string-heavy packets,
//! written field by field through a [`Cursor`] into one reservation.

use super::cursor::{write_reserved, Cursor};
use crate::codec::{Connect, Packet, PacketType, ProtocolVersion, Subscribe, Unsubscribe};
use bytes::BytesMut;

/// Writes `packet` if it is one of the packets this file handles and has no
/// property content (`props`, `will_props`: the planned block lengths);
/// returns whether it did. `total` and `remaining` come from the same plan.
#[inline]
pub(super) fn write_plain(
    packet: &Packet,
    version: ProtocolVersion,
    remaining: usize,
    total: usize,
    props: usize,
    will_props: usize,
    out: &mut BytesMut,
) -> bool {
    if props != 0 || will_props != 0 {
        return false;
    }
    let v5 = version.is_v5();
    match packet {
        Packet::Connect(c) => write_reserved(out, total, |w| connect(w, c, remaining)),
        Packet::Subscribe(s) => write_reserved(out, total, |w| subscribe(w, s, v5, remaining)),
        Packet::Unsubscribe(u) => write_reserved(out, total, |w| unsubscribe(w, u, v5, remaining)),
        _ => return false,
    }
    true
}

/// A UTF-8 string or binary field; its length was checked while planning.
#[inline(always)]
fn string(w: &mut Cursor<'_>, s: &[u8]) {
    w.u16(s.len() as u16);
    w.slice(s);
}

#[inline(always)]
fn connect(w: &mut Cursor<'_>, c: &Connect, remaining: usize) {
    w.u8((PacketType::Connect as u8) << 4);
    w.vbi(remaining);
    if c.protocol == ProtocolVersion::V3_1 {
        string(w, b"MQIsdp");
    } else {
        string(w, b"MQTT");
    }
    w.u8(c.protocol.level());
    let mut flags = u8::from(c.clean_start) << 1;
    if let Some(will) = &c.will {
        flags |= 0b100 | ((will.qos as u8) << 3) | (u8::from(will.retain) << 5);
    }
    if c.password.is_some() {
        flags |= 0b100_0000;
    }
    if c.username.is_some() {
        flags |= 0b1000_0000;
    }
    w.u8(flags);
    w.u16(c.keep_alive);
    let v5 = c.protocol.is_v5();
    if v5 {
        w.u8(0);
    }
    string(w, c.client_id.as_bytes());
    if let Some(will) = &c.will {
        if v5 {
            w.u8(0);
        }
        string(w, will.topic.as_bytes());
        string(w, &will.payload);
    }
    if let Some(u) = &c.username {
        string(w, u.as_bytes());
    }
    if let Some(p) = &c.password {
        string(w, p);
    }
}

#[inline(always)]
fn subscribe(w: &mut Cursor<'_>, s: &Subscribe, v5: bool, remaining: usize) {
    w.u8(((PacketType::Subscribe as u8) << 4) | 0b0010);
    w.vbi(remaining);
    w.u16(s.packet_id.get());
    if v5 {
        w.u8(0);
    }
    for f in &s.filters {
        string(w, f.filter.as_bytes());
        let o = &f.options;
        w.u8((o.qos as u8)
            | (u8::from(o.no_local) << 2)
            | (u8::from(o.retain_as_published) << 3)
            | ((o.retain_handling as u8) << 4));
    }
}

#[inline(always)]
fn unsubscribe(w: &mut Cursor<'_>, u: &Unsubscribe, v5: bool, remaining: usize) {
    w.u8(((PacketType::Unsubscribe as u8) << 4) | 0b0010);
    w.vbi(remaining);
    w.u16(u.packet_id.get());
    if v5 {
        w.u8(0);
    }
    for f in &u.filters {
        string(w, f.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{
        ByteStr, PacketId, Properties, QoS, SubscribeFilter, SubscriptionOptions, Will,
    };
    use alloc::boxed::Box;
    use alloc::string::String;
    use alloc::vec::Vec;
    use bytes::Bytes;

    fn text(n: usize) -> ByteStr {
        ByteStr::from(
            (0..n)
                .map(|i| (b'a' + (i % 26) as u8) as char)
                .collect::<String>(),
        )
    }

    /// What the general writer (`BufMut`, field by field) makes of `packet`.
    fn general(packet: &Packet, version: ProtocolVersion) -> BytesMut {
        let plan = super::super::plan(packet, version).unwrap();
        let mut out = BytesMut::from(&b"before"[..]);
        super::super::write(packet, version, &plan, &mut out);
        out
    }

    fn packets() -> Vec<Packet> {
        let mut all = Vec::new();
        for protocol in [
            ProtocolVersion::V3_1,
            ProtocolVersion::V3_1_1,
            ProtocolVersion::V5,
        ] {
            for id_len in [0, 5, 20, 40] {
                for with_will in [false, true] {
                    for with_login in [false, true] {
                        all.push(Packet::Connect(Box::new(crate::codec::Connect {
                            protocol,
                            clean_start: id_len % 2 == 0,
                            keep_alive: 60,
                            client_id: text(id_len),
                            will: with_will.then(|| Will {
                                topic: text(id_len + 1),
                                payload: Bytes::from(Vec::from([7u8; 33])),
                                qos: QoS::AtLeastOnce,
                                retain: true,
                                properties: Properties::EMPTY,
                            }),
                            username: with_login.then(|| text(9)),
                            password: with_login.then(|| Bytes::from_static(b"secret")),
                            properties: Properties::EMPTY,
                        })));
                    }
                }
            }
        }
        let id = PacketId::new(0x1234).unwrap();
        for count in 1..=3 {
            // Filter lengths around the copy's 8/16/32-byte cases; 200 makes
            // a two-byte Remaining Length.
            let filters: Vec<ByteStr> = [3, 8, 17, 33, 200][..count + 2]
                .iter()
                .map(|&n| text(n))
                .collect();
            all.push(Packet::Subscribe(Subscribe {
                packet_id: id,
                filters: filters
                    .iter()
                    .map(|f| SubscribeFilter {
                        filter: f.clone(),
                        options: SubscriptionOptions::new(QoS::ExactlyOnce),
                    })
                    .collect(),
                properties: Properties::EMPTY,
            }));
            all.push(Packet::Unsubscribe(Unsubscribe {
                packet_id: id,
                filters,
                properties: Properties::EMPTY,
            }));
        }
        all
    }

    #[test]
    fn the_cursor_writers_write_what_the_general_writer_does() {
        let mut written = 0;
        for packet in packets() {
            for version in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
                let plan = super::super::plan(&packet, version).unwrap();
                let mut out = BytesMut::from(&b"before"[..]);
                let total = plan.total();
                let (r, p, w) = (plan.remaining, plan.props, plan.will_props);
                assert!(write_plain(&packet, version, r, total, p, w, &mut out));
                assert_eq!(out, general(&packet, version), "{packet:?}");
                written += 1;
            }
        }
        assert_eq!(written, 2 * (3 * 4 * 2 * 2 + 3 * 2));
    }

    #[test]
    fn packets_with_properties_are_left_to_the_general_writer() {
        let mut s = Subscribe {
            packet_id: PacketId::new(1).unwrap(),
            filters: Vec::from([SubscribeFilter {
                filter: text(4),
                options: SubscriptionOptions::new(QoS::AtMostOnce),
            }]),
            properties: Properties::EMPTY,
        };
        s.properties.subscription_identifiers.push(5);
        let packet = Packet::Subscribe(s);
        let plan = super::super::plan(&packet, ProtocolVersion::V5).unwrap();
        let mut out = BytesMut::new();
        let (r, t) = (plan.remaining, plan.total());
        assert!(!write_plain(
            &packet,
            ProtocolVersion::V5,
            r,
            t,
            plan.props,
            0,
            &mut out
        ));
        assert!(out.is_empty());
    }
}
