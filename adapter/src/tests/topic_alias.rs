//! A received MQTT 5 message carries its resolved topic and no Topic Alias,
//! so its properties can be published again as they came.

use std::time::Duration;

use crate::Message;
use bytes::{Bytes, BytesMut};
use mqtt_sansio::client::{Client, Config, Event, OutgoingPublish};
use mqtt_sansio::codec::{
    encode, ByteStr, ConnAck, Packet, Properties, ProtocolVersion, Publish, QoS, ReasonCode,
};

fn wire(p: Packet) -> BytesMut {
    let mut out = BytesMut::new();
    encode(&p, ProtocolVersion::V5, 1 << 20, &mut out).unwrap();
    out
}

fn publish(topic: &'static str, alias: u16) -> Packet {
    let mut properties = Properties::default();
    properties.topic_alias = Some(alias);
    properties.user_properties.push(("k".into(), "v".into()));
    Packet::Publish(Publish {
        dup: false,
        qos: QoS::AtMostOnce,
        retain: false,
        topic: ByteStr::from_static(topic),
        packet_id: None,
        properties,
        payload: Bytes::from_static(b"21.5"),
    })
}

#[test]
fn a_message_sent_with_a_topic_alias_has_its_topic_and_no_alias() {
    let now = Duration::ZERO;
    let mut core = Client::<Duration>::new(
        Config::default()
            .protocol(ProtocolVersion::V5)
            .client_id("a"),
    )
    .unwrap();
    core.connect(now);
    while core.poll_transport().is_some() {}
    core.handle_connected(now);
    core.handle_data(
        now,
        &wire(Packet::ConnAck(ConnAck {
            session_present: false,
            code: ReasonCode::Success,
            properties: Properties::default(),
        })),
    );
    // The broker names the topic once with alias 1, then sends the alias alone.
    core.handle_data(now, &wire(publish("sensors/temp", 1)));
    core.handle_data(now, &wire(publish("", 1)));
    let mut messages = Vec::new();
    while let Some(ev) = core.poll_event() {
        if let Event::Message { publish, ack } = ev {
            messages.push(Message::from_publish(publish, ack));
        }
    }
    assert_eq!(messages.len(), 2);
    for m in &messages {
        assert_eq!(m.topic(), "sensors/temp");
        assert_eq!(m.properties().topic_alias, None);
        assert_eq!(m.properties().user_properties.len(), 1);
        // Republished as it came: accepted (a Topic Alias would be refused).
        let again = OutgoingPublish::new(m.topic_bytes().clone(), m.payload().clone(), m.qos())
            .properties(m.properties().clone());
        core.publish(now, again).unwrap();
    }
}
