//! The small decisions the client takes through crate-private helpers: the
//! link's terminal errors, the first connect's verdict, subscribe filters and
//! server URLs; and the size of a message.

use crate::{subscribe_filters, Error, FirstConnect, Link, QoS, Server};
use std::time::{Duration, Instant};

#[test]
fn a_closed_link_is_terminal_and_a_connecting_one_is_not() {
    assert!(matches!(Link::Closed.terminal(), Some(Error::Closed)));
    assert!(Link::Connecting.terminal().is_none());
    assert!(Link::Connected.terminal().is_none());
}

#[test]
fn the_first_connect_waits_while_connecting_and_succeeds_at_connack() {
    let once = FirstConnect {
        servers: 1,
        retry: false,
        deadline: None,
    };
    let now = Instant::now();
    assert!(once.verdict(&Link::Connecting, 0, now).is_none());
    assert!(matches!(
        once.verdict(&Link::Connected, 0, now),
        Some(Ok(()))
    ));
    assert!(matches!(
        once.verdict(&Link::Closed, 0, now),
        Some(Err(Error::Closed))
    ));
}

#[test]
fn a_retrying_first_connect_gives_up_at_its_deadline() {
    let config = crate::Config::default().reconnect(crate::ReconnectPolicy::backoff(
        Duration::from_millis(10),
        Duration::from_secs(1),
    ));
    let first = FirstConnect::new(&config, 1, Some(Duration::from_secs(60)));
    assert!(first.retry);
    let deadline = first.deadline.unwrap();
    assert!(deadline > Instant::now() + Duration::from_secs(59));
    let without = FirstConnect::new(&crate::Config::default(), 2, None);
    assert!(!without.retry && without.deadline.is_none());
}

#[test]
fn subscribe_pairs_become_core_filters_with_their_qos() {
    let f = subscribe_filters([("a/#", QoS::AtLeastOnce), ("b", QoS::ExactlyOnce)]);
    assert_eq!(&*f[0].filter, "a/#");
    assert_eq!(f[0].options.qos, QoS::AtLeastOnce);
    assert_eq!(&*f[1].filter, "b");
    assert_eq!(f[1].options.qos, QoS::ExactlyOnce);
}

#[test]
fn a_server_keeps_the_url_it_was_given_and_refuses_unknown_schemes() {
    let s = Server::parse("mqtt://127.0.0.1:1883").unwrap();
    assert_eq!(s.url(), "mqtt://127.0.0.1:1883");
    assert!(s.is_plain_tcp());
    assert!(!Server::parse("mqtts://127.0.0.1").unwrap().is_plain_tcp());
    assert!(matches!(
        Server::parse("gopher://127.0.0.1"),
        Err(Error::InvalidUrl { .. })
    ));
}

#[test]
fn a_message_is_at_most_128_bytes() {
    // A message is moved several times between the socket and the
    // application (event, dispatcher item, stream queue, stream item); up to
    // 128 bytes a move is a few register copies, above it a call to `memcpy`
    // (14 of them per received message at 136 bytes, a fifth of the
    // instructions spent per QoS 0 message).
    assert!(
        std::mem::size_of::<crate::Message>() <= 128,
        "{}",
        std::mem::size_of::<crate::Message>()
    );
}

#[test]
fn a_message_keeps_the_packet_id_of_its_publish() {
    let publish = |qos, packet_id| mqtt_sansio::codec::Publish {
        dup: false,
        qos,
        retain: false,
        topic: mqtt_sansio::codec::ByteStr::from("t".to_owned()),
        packet_id,
        properties: Default::default(),
        payload: bytes::Bytes::from_static(b"x"),
    };
    let id = mqtt_sansio::codec::PacketId::new(7).unwrap();
    let m = crate::Message::from_publish(publish(QoS::AtLeastOnce, Some(id)), None);
    assert_eq!(m.packet_id(), Some(id));
    let m = crate::Message::from_publish(publish(QoS::AtMostOnce, None), None);
    assert_eq!(m.packet_id(), None);
}
