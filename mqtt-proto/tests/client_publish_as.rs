//! `publish_as`: publishes under ids the caller chose (an adapter that hands
//! out ids before it can reach the core). The ids may arrive out of order;
//! every event names the id it was given; `publish` and `next_publish_id`
//! continue above the highest id; a refused publish uses no id.

#[path = "support/bare.rs"]
mod bare;

use std::time::Duration;

use bare::connected;
use bytes::BytesMut;
use mqtt_sansio::client::{Config, Event, OutgoingPublish, PublishError, PublishId};
use mqtt_sansio::codec::{self, Packet, Properties, ProtocolVersion, PubResponse, ReasonCode};
use mqtt_sansio::QoS;

fn msg(topic: &str, qos: QoS) -> OutgoingPublish {
    OutgoingPublish::new(topic.to_owned(), "x", qos)
}

#[test]
fn ids_given_out_of_order_are_kept_and_publish_continues_above_them() {
    let mut c = connected("publish-as", ProtocolVersion::V3_1_1);
    let first = c.next_publish_id();
    let (a, b) = (PublishId(first.0 + 7), PublishId(first.0 + 3));
    c.publish_as(Duration::ZERO, a, msg("t/a", QoS::AtLeastOnce))
        .unwrap();
    c.publish_as(Duration::ZERO, b, msg("t/b", QoS::AtLeastOnce))
        .unwrap();
    assert_eq!(c.next_publish_id(), PublishId(first.0 + 8));
    let c_id = c
        .publish(Duration::ZERO, msg("t/c", QoS::AtMostOnce))
        .unwrap();
    assert_eq!(c_id, PublishId(first.0 + 8));
    assert_eq!(c.next_publish_id(), PublishId(first.0 + 9));

    // Acknowledge both QoS 1 publishes by their packet ids, in the order sent.
    let mut out = BytesMut::new();
    while c.poll_transmit(&mut out) > 0 {}
    let mut sent = Vec::new();
    while let Some(p) = codec::decode(&mut out, ProtocolVersion::V3_1_1, usize::MAX).unwrap() {
        if let Packet::Publish(p) = p {
            sent.push((p.topic.to_string(), p.packet_id));
        }
    }
    let topics: Vec<&str> = sent.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(topics, ["t/a", "t/b", "t/c"], "sent in the order accepted");
    for (_, pid) in sent.iter().take(2) {
        let mut ack = BytesMut::new();
        let puback = Packet::PubAck(PubResponse {
            packet_id: pid.expect("QoS 1 has a packet id"),
            reason: ReasonCode::Success,
            properties: Properties::default(),
        });
        codec::encode(&puback, ProtocolVersion::V3_1_1, usize::MAX, &mut ack).unwrap();
        c.handle_data(Duration::ZERO, &ack);
    }
    let done: Vec<PublishId> = std::iter::from_fn(|| c.poll_event())
        .filter_map(|e| match e {
            Event::PublishComplete { id, .. } => Some(id),
            _ => None,
        })
        .collect();
    assert_eq!(
        done,
        [c_id, a, b],
        "QoS 0 completes when written, then the acks"
    );
}

#[test]
fn a_refused_publish_uses_no_id() {
    let mut c = connected("publish-as-refused", ProtocolVersion::V3_1_1);
    let next = c.next_publish_id();
    let err = c
        .publish_as(
            Duration::ZERO,
            PublishId(next.0 + 5),
            msg("bad/#", QoS::AtMostOnce),
        )
        .unwrap_err();
    assert!(matches!(err, PublishError::InvalidTopic(_)), "{err:?}");
    assert_eq!(c.next_publish_id(), next);
}

#[test]
fn a_restored_client_gives_out_ids_above_every_saved_one() {
    let mut c = connected("publish-as-restore", ProtocolVersion::V3_1_1);
    let high = PublishId(c.next_publish_id().0 + 41);
    c.publish_as(Duration::ZERO, high, msg("t/high", QoS::AtLeastOnce))
        .unwrap();
    let snapshot = c.snapshot(Duration::ZERO).unwrap();
    let config = Config::default()
        .client_id("publish-as-restore")
        .protocol(ProtocolVersion::V3_1_1);
    let restored = mqtt_sansio::Client::restore(config, &snapshot, Duration::ZERO).unwrap();
    assert_eq!(restored.next_publish_id(), PublishId(high.0 + 1));
}
