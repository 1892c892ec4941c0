//! The subscription registry and its matcher: which of the client's filters
//! an inbound message is for, so adapters can route to per-filter handlers
//! (and report messages no handler matched).

#[path = "support/broker.rs"]
mod broker;

use std::time::Duration;

use broker::{config, filter, msg, Behaviour, Pair};
use mqtt_sansio::client::{Client, Event, SubscribeError, SubscriptionState};
use mqtt_sansio::codec::{ByteStr, Properties, QoS};

/// The seed's "weathr" example: eight filters, ten publishes, 18 deliveries.
#[test]
fn weathr_filters_route_each_topic_to_exactly_the_matching_subscriptions() {
    let filters = [
        ("americas/north/#", vec![1, 2, 3, 4]),
        ("americas/south/#", vec![5]),
        ("americas/north/us/ca/+", vec![1, 2, 3]),
        ("europe/italy/rome", vec![9]),
        ("asia/southeast/hk/+", vec![6]),
        ("asia/southeast/#", vec![6, 7, 8]),
        ("europe/#", vec![9, 10]),
        ("+/southeast/+/+", vec![6, 7, 8]),
    ];
    let topics = [
        "americas/north/us/ca/sandiego",
        "americas/north/us/ca/berkeley",
        "americas/north/us/ca/sanfrancisco",
        "americas/north/us/ny/newyork",
        "americas/south/brazil/saopaolo",
        "asia/southeast/hk/hongkong",
        "asia/southeast/japan/kyoto",
        "asia/southeast/prc/shanghai",
        "europe/italy/rome",
        "europe/france/paris",
    ];
    let mut c = Client::<Duration>::new(config()).unwrap();
    let subs = filters
        .iter()
        .map(|(f, _)| mqtt_sansio::codec::SubscribeFilter {
            filter: ByteStr::from_static(f),
            options: mqtt_sansio::codec::SubscriptionOptions::new(QoS::AtMostOnce),
        })
        .collect();
    c.subscribe(Duration::ZERO, subs, Properties::default())
        .unwrap();
    let mut total = 0;
    for (f, expected) in &filters {
        let got: Vec<usize> = topics
            .iter()
            .enumerate()
            .filter(|(_, t)| {
                c.subscriptions()
                    .matching_topic(t, &[])
                    .any(|s| &*s.filter == *f)
            })
            .map(|(i, _)| i + 1)
            .collect();
        assert_eq!(&got, expected, "filter {f}");
        total += got.len();
    }
    assert_eq!(total, 18);
}

#[test]
fn hash_matches_the_parent_level() {
    // [MQTT-4.7.1-2]: "sport/#" also matches "sport".
    let mut c = Client::<Duration>::new(config()).unwrap();
    c.subscribe(
        Duration::ZERO,
        vec![filter("americas/south/#", QoS::AtMostOnce)],
        Properties::default(),
    )
    .unwrap();
    assert_eq!(
        c.subscriptions()
            .matching_topic("americas/south", &[])
            .count(),
        1
    );
}

#[test]
fn a_message_no_filter_matches_yields_nothing_so_adapters_can_report_it() {
    let mut c = Client::<Duration>::new(config()).unwrap();
    c.subscribe(
        Duration::ZERO,
        vec![filter("a/+", QoS::AtMostOnce)],
        Properties::default(),
    )
    .unwrap();
    assert_eq!(c.subscriptions().matching_topic("b/1", &[]).count(), 0);
}

#[test]
fn filters_subscribed_before_connect_are_routed_and_sent_after_connack() {
    // Handlers registered before connect: a persistent session may deliver
    // stored messages right after CONNACK, before SUBACK.
    let mut p = Pair::new(config(), Behaviour::default());
    let id = p
        .client
        .subscribe(
            p.now,
            vec![filter("early/#", QoS::AtLeastOnce)],
            Properties::default(),
        )
        .unwrap();
    assert_eq!(
        p.client.subscriptions().get("early/#").unwrap().state,
        SubscriptionState::Pending
    );
    assert_eq!(
        p.client
            .subscriptions()
            .matching_topic("early/x", &[])
            .count(),
        1
    );
    p.connect();
    let ev = p.take_events();
    assert!(ev
        .iter()
        .any(|e| matches!(e, Event::SubscribeComplete { id: i, .. } if *i == id)));
    assert_eq!(
        p.client.subscriptions().get("early/#").unwrap().state,
        SubscriptionState::Granted(QoS::AtLeastOnce)
    );
}

#[test]
fn subscribing_a_filter_again_replaces_its_entry() {
    let mut p = Pair::connected(config(), Behaviour::default());
    p.client
        .subscribe(
            p.now,
            vec![filter("t", QoS::AtMostOnce)],
            Properties::default(),
        )
        .unwrap();
    p.client
        .subscribe(
            p.now,
            vec![filter("t", QoS::ExactlyOnce)],
            Properties::default(),
        )
        .unwrap();
    p.drive();
    assert_eq!(p.client.subscriptions().len(), 1);
    assert_eq!(
        p.client.subscriptions().get("t").unwrap().state,
        SubscriptionState::Granted(QoS::ExactlyOnce)
    );
}

#[test]
fn overlapping_filters_each_see_the_single_copy_a_broker_sends() {
    // Brokers send one copy per client (3.1.1 and Mosquitto): every matching
    // handler of this connection gets it, once.
    let mut p = Pair::connected(config(), Behaviour::default());
    p.client
        .subscribe(
            p.now,
            vec![
                filter("mh/topics/#", QoS::AtMostOnce),
                filter("mh/topics/+", QoS::AtMostOnce),
            ],
            Properties::default(),
        )
        .unwrap();
    p.client
        .publish(p.now, msg("mh/topics/a", b"x", QoS::AtMostOnce))
        .unwrap();
    let ev = p.take_events();
    let copies: Vec<usize> = ev
        .iter()
        .filter_map(|e| match e {
            Event::Message { publish, .. } => {
                Some(p.client.subscriptions().matching(publish).count())
            }
            _ => None,
        })
        .collect();
    assert_eq!(copies, vec![2], "one message, two matching handlers");
}

#[test]
fn requests_waiting_for_a_connection_are_bounded() {
    let mut p = Pair::new(config().max_queued(1), Behaviour::default());
    p.client
        .subscribe(
            p.now,
            vec![filter("a", QoS::AtMostOnce)],
            Properties::default(),
        )
        .unwrap();
    assert_eq!(
        p.client.subscribe(
            p.now,
            vec![filter("b", QoS::AtMostOnce)],
            Properties::default()
        ),
        Err(SubscribeError::QueueFull { max: 1 })
    );
    assert!(
        p.client.subscriptions().get("b").is_none(),
        "a refused request leaves no trace"
    );
}

#[test]
fn a_request_that_goes_out_at_once_is_never_refused_for_room() {
    let mut p = Pair::connected(config().max_queued(0), Behaviour::default());
    assert!(p
        .client
        .subscribe(
            p.now,
            vec![filter("a", QoS::AtMostOnce)],
            Properties::default()
        )
        .is_ok());
}
