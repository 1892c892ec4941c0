//! Each codec's own packet values carrying the content of the wire fixtures
//! in the crate root, for the encode benchmarks (and for our codec too).
//!
//! Payloads are built once, outside the measured code; each codec then
//! encodes the same packet value over and over.

use crate::*;
use bytes::Bytes;

/// `mqtt-sansio` (this project) packet values.
pub mod ours {
    use super::*;
    use mqtt_sansio::codec::{
        ByteStr, Connect, Packet, Properties, Publish, Subscribe, SubscribeFilter,
        SubscriptionOptions, Will,
    };
    use mqtt_sansio::{ProtocolVersion, QoS};

    fn qos(q: u8) -> QoS {
        QoS::from_u8(q).expect("fixtures only use QoS 0..=2")
    }

    /// The protocol version of a fixture.
    pub fn version(wire: Wire) -> ProtocolVersion {
        match wire {
            Wire::V4 => ProtocolVersion::V3_1_1,
            Wire::V5 => ProtocolVersion::V5,
        }
    }

    /// PUBLISH of `n` bytes with QoS 0 or 1.
    pub fn publish(q: u8, n: usize) -> Packet {
        Packet::Publish(Publish {
            dup: false,
            qos: qos(q),
            retain: false,
            topic: ByteStr::from_static(TOPIC),
            packet_id: if q > 0 {
                core::num::NonZeroU16::new(QOS1_PID)
            } else {
                None
            },
            properties: Properties::default(),
            payload: Bytes::from(payload(n)),
        })
    }

    /// CONNECT of [`crate::connect`].
    pub fn connect(wire: Wire) -> Packet {
        Packet::Connect(Box::new(Connect {
            protocol: version(wire),
            clean_start: true,
            keep_alive: KEEP_ALIVE,
            client_id: ByteStr::from_static(CLIENT_ID),
            will: Some(Will {
                topic: ByteStr::from_static(WILL_TOPIC),
                payload: Bytes::from_static(WILL_PAYLOAD),
                qos: qos(WILL_QOS),
                retain: false,
                properties: Properties::default(),
            }),
            username: Some(ByteStr::from_static(USERNAME)),
            password: Some(Bytes::from_static(PASSWORD.as_bytes())),
            properties: Properties::default(),
        }))
    }

    /// SUBSCRIBE of [`crate::subscribe`].
    pub fn subscribe() -> Packet {
        Packet::Subscribe(Subscribe {
            packet_id: core::num::NonZeroU16::new(SUBSCRIBE_PID).expect("non-zero constant"),
            filters: SUBSCRIBE_FILTERS
                .iter()
                .map(|(f, q)| SubscribeFilter {
                    filter: ByteStr::from_static(f),
                    options: SubscriptionOptions::new(qos(*q)),
                })
                .collect(),
            properties: Properties::default(),
        })
    }
}

/// mqttbytes 0.6, MQTT 3.1.1 module.
pub mod mqttbytes_v4 {
    use super::*;
    use mqttbytes::v4::{Connect, LastWill, Login, Publish, Subscribe, SubscribeFilter};
    use mqttbytes::{Protocol, QoS};

    fn qos(q: u8) -> QoS {
        mqttbytes::qos(q).expect("fixtures only use QoS 0..=2")
    }

    /// PUBLISH of `n` bytes with QoS 0 or 1.
    pub fn publish(q: u8, n: usize) -> Publish {
        let mut p = Publish::from_bytes(TOPIC, qos(q), Bytes::from(payload(n)));
        if q > 0 {
            p.pkid = QOS1_PID;
        }
        p
    }

    /// CONNECT of [`crate::connect`].
    pub fn connect() -> Connect {
        Connect {
            protocol: Protocol::V4,
            keep_alive: KEEP_ALIVE,
            client_id: CLIENT_ID.into(),
            clean_session: true,
            last_will: Some(LastWill::new(
                WILL_TOPIC,
                WILL_PAYLOAD,
                qos(WILL_QOS),
                false,
            )),
            login: Some(Login::new(USERNAME, PASSWORD)),
        }
    }

    /// SUBSCRIBE of [`crate::subscribe`].
    pub fn subscribe() -> Subscribe {
        let mut s = Subscribe::new_many(
            SUBSCRIBE_FILTERS
                .iter()
                .map(|(f, q)| SubscribeFilter::new(f.to_string(), qos(*q))),
        );
        s.pkid = SUBSCRIBE_PID;
        s
    }
}

/// mqttbytes 0.6, MQTT 5 module.
pub mod mqttbytes_v5 {
    use super::*;
    use mqttbytes::v5::{
        Connect, LastWill, Login, Publish, RetainForwardRule, Subscribe, SubscribeFilter,
    };
    use mqttbytes::{Protocol, QoS};

    fn qos(q: u8) -> QoS {
        mqttbytes::qos(q).expect("fixtures only use QoS 0..=2")
    }

    /// PUBLISH of `n` bytes with QoS 0 or 1.
    pub fn publish(q: u8, n: usize) -> Publish {
        let mut p = Publish::from_bytes(TOPIC, qos(q), Bytes::from(payload(n)));
        if q > 0 {
            p.pkid = QOS1_PID;
        }
        p
    }

    /// CONNECT of [`crate::connect`].
    pub fn connect() -> Connect {
        Connect {
            protocol: Protocol::V5,
            keep_alive: KEEP_ALIVE,
            client_id: CLIENT_ID.into(),
            clean_session: true,
            last_will: Some(LastWill::new(
                WILL_TOPIC,
                WILL_PAYLOAD,
                qos(WILL_QOS),
                false,
            )),
            login: Some(Login::new(USERNAME, PASSWORD)),
            properties: None,
        }
    }

    /// SUBSCRIBE of [`crate::subscribe`].
    pub fn subscribe() -> Subscribe {
        let mut s = Subscribe::new_many(SUBSCRIBE_FILTERS.iter().map(|(f, q)| SubscribeFilter {
            path: f.to_string(),
            qos: qos(*q),
            nolocal: false,
            preserve_retain: false,
            retain_forward_rule: RetainForwardRule::OnEverySubscribe,
        }));
        s.pkid = SUBSCRIBE_PID;
        s
    }
}

/// rumqttc 0.25, `rumqttc::mqttbytes::v4`.
pub mod rumqttc_v4 {
    use super::*;
    use rumqttc::mqttbytes::v4::{Connect, LastWill, Login, Publish, Subscribe, SubscribeFilter};
    use rumqttc::mqttbytes::{Protocol, QoS};

    fn qos(q: u8) -> QoS {
        rumqttc::mqttbytes::qos(q).expect("fixtures only use QoS 0..=2")
    }

    /// PUBLISH of `n` bytes with QoS 0 or 1.
    pub fn publish(q: u8, n: usize) -> Publish {
        let mut p = Publish::from_bytes(TOPIC, qos(q), Bytes::from(payload(n)));
        if q > 0 {
            p.pkid = QOS1_PID;
        }
        p
    }

    /// CONNECT of [`crate::connect`].
    pub fn connect() -> Connect {
        Connect {
            protocol: Protocol::V4,
            keep_alive: KEEP_ALIVE,
            client_id: CLIENT_ID.into(),
            clean_session: true,
            last_will: Some(LastWill::new(
                WILL_TOPIC,
                WILL_PAYLOAD,
                qos(WILL_QOS),
                false,
            )),
            login: Some(Login::new(USERNAME, PASSWORD)),
        }
    }

    /// SUBSCRIBE of [`crate::subscribe`].
    pub fn subscribe() -> Subscribe {
        let mut s = Subscribe::new_many(
            SUBSCRIBE_FILTERS
                .iter()
                .map(|(f, q)| SubscribeFilter::new(f.to_string(), qos(*q))),
        );
        s.pkid = SUBSCRIBE_PID;
        s
    }
}

/// rumqttc 0.25, `rumqttc::v5::mqttbytes::v5`.
pub mod rumqttc_v5 {
    use super::*;
    use rumqttc::v5::mqttbytes::v5::{Connect, Filter, LastWill, Login, Publish, Subscribe};
    use rumqttc::v5::mqttbytes::QoS;

    fn qos(q: u8) -> QoS {
        match q {
            0 => QoS::AtMostOnce,
            1 => QoS::AtLeastOnce,
            _ => QoS::ExactlyOnce,
        }
    }

    /// PUBLISH of `n` bytes with QoS 0 or 1.
    pub fn publish(q: u8, n: usize) -> Publish {
        let mut p = Publish::new(TOPIC, qos(q), Bytes::from(payload(n)), None);
        if q > 0 {
            p.pkid = QOS1_PID;
        }
        p
    }

    /// CONNECT of [`crate::connect`], as rumqttc models it: the packet, the will and the login.
    pub fn connect() -> (Connect, Option<LastWill>, Option<Login>) {
        (
            Connect {
                keep_alive: KEEP_ALIVE,
                client_id: CLIENT_ID.into(),
                clean_start: true,
                properties: None,
            },
            Some(LastWill::new(
                WILL_TOPIC,
                WILL_PAYLOAD,
                qos(WILL_QOS),
                false,
                None,
            )),
            Some(Login::new(USERNAME, PASSWORD)),
        )
    }

    /// SUBSCRIBE of [`crate::subscribe`].
    pub fn subscribe() -> Subscribe {
        let mut s = Subscribe::new_many(
            SUBSCRIBE_FILTERS
                .iter()
                .map(|(f, q)| Filter::new(*f, qos(*q))),
            None,
        );
        s.pkid = SUBSCRIBE_PID;
        s
    }
}

/// mqttrs 0.4 (borrowing packets: they point into the caller's buffers).
pub mod mqttrs {
    use super::*;
    use ::mqttrs::SubscribeTopic;
    use ::mqttrs::{Connect, LastWill, Packet, Pid, Protocol, Publish, QoS, QosPid, Subscribe};

    fn qos(q: u8) -> QoS {
        match q {
            0 => QoS::AtMostOnce,
            1 => QoS::AtLeastOnce,
            _ => QoS::ExactlyOnce,
        }
    }

    fn pid(p: u16) -> Pid {
        Pid::try_from(p).expect("non-zero constant")
    }

    /// PUBLISH of `payload` with QoS 0 or 1.
    pub fn publish(q: u8, payload: &[u8]) -> Packet<'_> {
        Packet::Publish(Publish {
            dup: false,
            qospid: if q > 0 {
                QosPid::AtLeastOnce(pid(QOS1_PID))
            } else {
                QosPid::AtMostOnce
            },
            retain: false,
            topic_name: TOPIC,
            payload,
        })
    }

    /// CONNECT of [`crate::connect`].
    pub fn connect() -> Packet<'static> {
        Packet::Connect(Connect {
            protocol: Protocol::MQTT311,
            keep_alive: KEEP_ALIVE,
            client_id: CLIENT_ID,
            clean_session: true,
            last_will: Some(LastWill {
                topic: WILL_TOPIC,
                message: WILL_PAYLOAD,
                qos: qos(WILL_QOS),
                retain: false,
            }),
            username: Some(USERNAME),
            password: Some(PASSWORD.as_bytes()),
        })
    }

    /// SUBSCRIBE of [`crate::subscribe`].
    pub fn subscribe() -> Packet<'static> {
        Packet::Subscribe(Subscribe {
            pid: pid(SUBSCRIBE_PID),
            topics: SUBSCRIBE_FILTERS
                .iter()
                .map(|(f, q)| SubscribeTopic {
                    topic_path: f.to_string(),
                    qos: qos(*q),
                })
                .collect(),
        })
    }
}

/// mqtt-protocol 0.12 (crate `mqtt`).
pub mod mqtt_protocol {
    use super::*;
    use mqtt::packet::{ConnectPacket, PublishPacket, QoSWithPacketIdentifier, SubscribePacket};
    use mqtt::{QualityOfService, TopicFilter, TopicName};

    fn qos(q: u8) -> QualityOfService {
        match q {
            0 => QualityOfService::Level0,
            1 => QualityOfService::Level1,
            _ => QualityOfService::Level2,
        }
    }

    /// PUBLISH of `n` bytes with QoS 0 or 1.
    pub fn publish(q: u8, n: usize) -> PublishPacket {
        let topic = TopicName::new(TOPIC).expect("valid topic constant");
        let qp = if q > 0 {
            QoSWithPacketIdentifier::Level1(QOS1_PID)
        } else {
            QoSWithPacketIdentifier::Level0
        };
        PublishPacket::new(topic, qp, payload(n))
    }

    /// CONNECT of [`crate::connect`].
    pub fn connect() -> ConnectPacket {
        let mut c = ConnectPacket::new(CLIENT_ID);
        c.set_keep_alive(KEEP_ALIVE);
        c.set_clean_session(true);
        c.set_will(Some((
            TopicName::new(WILL_TOPIC).expect("valid topic constant"),
            WILL_PAYLOAD.to_vec(),
        )));
        c.set_will_qos(WILL_QOS);
        c.set_will_retain(false);
        c.set_user_name(Some(USERNAME.into()));
        c.set_password(Some(PASSWORD.into()));
        c
    }

    /// SUBSCRIBE of [`crate::subscribe`].
    pub fn subscribe() -> SubscribePacket {
        SubscribePacket::new(
            SUBSCRIBE_PID,
            SUBSCRIBE_FILTERS
                .iter()
                .map(|(f, q)| {
                    (
                        TopicFilter::new(*f).expect("valid filter constant"),
                        qos(*q),
                    )
                })
                .collect(),
        )
    }
}
