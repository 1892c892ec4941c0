//! One-line descriptions of packets for logs (feature `log`): the type, the
//! packet id and the fields that tell packets apart, never a password or a
//! payload's bytes.

use crate::codec::{Packet, Publish};
use core::fmt;

/// `packet`, described in one line (see the module docs).
pub(crate) struct Brief<'a>(pub(crate) &'a Packet);

/// A PUBLISH, described as [`Brief`] describes it.
pub(crate) struct BriefPublish<'a>(pub(crate) &'a Publish);

impl fmt::Display for BriefPublish<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = self.0;
        write!(f, "PUBLISH ({}", p.qos)?;
        if let Some(id) = p.packet_id {
            write!(f, ", id {id}")?;
        }
        write!(f, ", topic {:?}, {} B", &*p.topic, p.payload.len())?;
        if p.retain {
            f.write_str(", retain")?;
        }
        if p.dup {
            f.write_str(", dup")?;
        }
        f.write_str(")")
    }
}

impl fmt::Display for Brief<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.0.packet_type();
        match self.0 {
            Packet::Connect(c) => write!(
                f,
                "{name} (client id {:?}, clean start {}, keep alive {} s{}{})",
                &*c.client_id,
                c.clean_start,
                c.keep_alive,
                if c.will.is_some() { ", will" } else { "" },
                if c.username.is_some() {
                    ", username"
                } else {
                    ""
                },
            ),
            Packet::ConnAck(a) => write!(
                f,
                "{name} (session present {}, {})",
                a.session_present, a.code
            ),
            Packet::Publish(p) => BriefPublish(p).fmt(f),
            Packet::PubAck(r) | Packet::PubRec(r) | Packet::PubRel(r) | Packet::PubComp(r) => {
                write!(f, "{name} (id {}, {})", r.packet_id, r.reason)
            }
            Packet::Subscribe(s) => {
                write!(f, "{name} (id {}", s.packet_id)?;
                for sf in &s.filters {
                    write!(f, ", {:?} {}", &*sf.filter, sf.options.qos)?;
                }
                f.write_str(")")
            }
            Packet::SubAck(a) => write!(f, "{name} (id {}, {} codes)", a.packet_id, a.codes.len()),
            Packet::Unsubscribe(u) => {
                write!(f, "{name} (id {}", u.packet_id)?;
                for filter in &u.filters {
                    write!(f, ", {:?}", &**filter)?;
                }
                f.write_str(")")
            }
            Packet::UnsubAck(a) => write!(f, "{name} (id {})", a.packet_id),
            Packet::Disconnect(d) => write!(f, "{name} ({})", d.reason),
            Packet::Auth(a) => write!(f, "{name} ({})", a.reason),
            Packet::PingReq | Packet::PingResp => write!(f, "{name}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Brief;
    use crate::codec::{ByteStr, Connect, Packet, Properties, ProtocolVersion, Publish, QoS};
    use alloc::string::ToString;

    #[test]
    fn a_connect_names_its_client_but_never_its_password() {
        let p = Packet::Connect(alloc::boxed::Box::new(Connect {
            protocol: ProtocolVersion::V3_1_1,
            clean_start: true,
            keep_alive: 60,
            client_id: ByteStr::from_static("sensor-17"),
            will: None,
            username: Some(ByteStr::from_static("alice")),
            password: Some(bytes::Bytes::from_static(b"s3cret")),
            properties: Properties::default(),
        }));
        let s = Brief(&p).to_string();
        assert!(s.contains("\"sensor-17\""), "{s}");
        assert!(
            s.contains("username") && !s.contains("alice") && !s.contains("s3cret"),
            "{s}"
        );
    }

    #[test]
    fn a_publish_shows_qos_id_topic_and_size_not_the_payload() {
        let p = Packet::Publish(Publish {
            dup: false,
            qos: QoS::AtLeastOnce,
            retain: true,
            topic: ByteStr::from_static("a/b"),
            packet_id: core::num::NonZeroU16::new(7),
            properties: Properties::default(),
            payload: bytes::Bytes::from_static(b"secret payload"),
        });
        let s = Brief(&p).to_string();
        assert!(
            s.contains("QoS 1") && s.contains("id 7") && s.contains("\"a/b\""),
            "{s}"
        );
        assert!(s.contains("14 B") && s.contains("retain"), "{s}");
        assert!(!s.contains("secret"), "{s}");
    }
}
