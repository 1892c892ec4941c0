//! A SUBSCRIBE the broker refuses for a filter it already granted leaves the
//! granted subscription in place (the broker keeps it): messages on that
//! filter are still routed to it.

#[path = "support/bare.rs"]
mod bare;

use std::time::Duration;

use bytes::BytesMut;
use mqtt_sansio::client::{Client, Event, SubscriptionState};
use mqtt_sansio::codec::{
    self, Packet, Properties, ProtocolVersion, ReasonCode, SubAck, SubscribeFilter,
    SubscriptionOptions,
};
use mqtt_sansio::QoS;

/// Subscribes `filter` and answers with `code`; returns the event's codes.
fn subscribe(c: &mut Client<Duration>, filter: &'static str, code: ReasonCode) -> Vec<ReasonCode> {
    let f = SubscribeFilter {
        filter: filter.into(),
        options: SubscriptionOptions::new(QoS::AtLeastOnce),
    };
    c.subscribe(Duration::ZERO, vec![f], Properties::default())
        .unwrap();
    let mut out = BytesMut::new();
    c.poll_transmit(&mut out);
    let Some(Packet::Subscribe(s)) =
        codec::decode(&mut out, ProtocolVersion::V3_1_1, usize::MAX).unwrap()
    else {
        panic!("SUBSCRIBE sent");
    };
    let mut ack = BytesMut::new();
    codec::encode(
        &Packet::SubAck(SubAck {
            packet_id: s.packet_id,
            codes: vec![code],
            properties: Properties::default(),
        }),
        ProtocolVersion::V3_1_1,
        usize::MAX,
        &mut ack,
    )
    .unwrap();
    c.handle_data(Duration::ZERO, &ack);
    match c.poll_event() {
        Some(Event::SubscribeComplete { codes, .. }) => codes,
        e => panic!("expected SubscribeComplete, got {e:?}"),
    }
}

#[test]
fn a_refused_resubscribe_keeps_the_granted_subscription() {
    let mut c = bare::connected("refused", ProtocolVersion::V3_1_1);
    subscribe(&mut c, "a/+", ReasonCode::GrantedQoS1);
    let codes = subscribe(&mut c, "a/+", ReasonCode::UnspecifiedError);
    assert_eq!(codes, [ReasonCode::UnspecifiedError]);
    let s = c.subscriptions().get("a/+").expect("still subscribed");
    assert_eq!(s.state, SubscriptionState::Granted(QoS::AtLeastOnce));
    assert_eq!(c.subscriptions().matching_topic("a/b", &[]).count(), 1);
}

#[test]
fn a_refused_new_subscription_leaves_the_registry() {
    let mut c = bare::connected("refused", ProtocolVersion::V3_1_1);
    subscribe(&mut c, "b/#", ReasonCode::UnspecifiedError);
    assert!(c.subscriptions().get("b/#").is_none());
    // A granted re-subscribe replaces the entry for good.
    subscribe(&mut c, "c", ReasonCode::GrantedQoS1);
    subscribe(&mut c, "c", ReasonCode::Success);
    subscribe(&mut c, "c", ReasonCode::UnspecifiedError);
    assert_eq!(
        c.subscriptions().get("c").unwrap().state,
        SubscriptionState::Granted(QoS::AtMostOnce)
    );
}
