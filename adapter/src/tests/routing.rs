//! The routing rule, run through the dispatcher loop: which handlers a
//! delivered copy of a message reaches (the filters it matched are given, as
//! the core's subscription registry would give them).

use crate::dispatch::{Dispatch, Dispatcher, Filters, Handler, Item, Registry, Sink};
use crate::{Message, Options, QoS};
use mqtt_sansio::codec::{ByteStr, Publish};
use std::sync::{Arc, Mutex};

fn message(topic: &str) -> Message {
    Message::from_publish(
        Publish {
            dup: false,
            qos: QoS::AtMostOnce,
            retain: false,
            topic: ByteStr::from(topic.to_owned()),
            packet_id: None,
            properties: Default::default(),
            payload: bytes::Bytes::from_static(b"x"),
        },
        None,
    )
}

fn copy(topic: &str, filters: &[&str]) -> Item {
    Item::Message(
        message(topic),
        filters
            .iter()
            .map(|f| ByteStr::from(f.to_string()))
            .collect(),
    )
}

/// A handler that records the topics it is given under `name`.
fn recorder(log: &Arc<Mutex<Vec<String>>>, name: &str) -> Handler {
    let (log, name) = (log.clone(), name.to_owned());
    Handler::new(move |m| log.lock().unwrap().push(format!("{name} {}", m.topic())))
}

fn filter(f: &str) -> ByteStr {
    ByteStr::from(f.to_owned())
}

/// Runs `items` through the dispatcher with `registry`; returns the topics
/// `on_unhandled` saw.
fn dispatch(registry: Registry, items: Vec<Item>) -> Vec<String> {
    let unhandled = Arc::new(Mutex::new(Vec::new()));
    let u = unhandled.clone();
    let options =
        Options::new().on_unhandled(move |m| u.lock().unwrap().push(m.topic().to_owned()));
    let parts = options.into_parts();
    let mut d = Dispatcher::new(Arc::new(Dispatch::new(registry)), parts.callbacks);
    for item in items {
        d.handle(item);
    }
    d.finish();
    let out = unhandled.lock().unwrap().clone();
    out
}

#[test]
fn a_handler_matched_by_several_of_its_filters_runs_once_per_copy() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut reg = Registry::default();
    let h = recorder(&log, "h");
    reg.insert(&filter("a/+"), h.clone());
    reg.insert(&filter("a/#"), h);
    let unhandled = dispatch(reg, vec![copy("a/b", &["a/+", "a/#"])]);
    assert_eq!(*log.lock().unwrap(), ["h a/b"]);
    assert!(unhandled.is_empty());
}

#[test]
fn every_distinct_matching_handler_gets_the_copy() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut reg = Registry::default();
    reg.insert(&filter("a/+"), recorder(&log, "one"));
    reg.insert(&filter("a/#"), recorder(&log, "two"));
    dispatch(reg, vec![copy("a/b", &["a/+", "a/#"])]);
    assert_eq!(*log.lock().unwrap(), ["one a/b", "two a/b"]);
}

#[test]
fn each_copy_the_broker_sends_is_delivered_once_to_each_matching_handler() {
    // A broker sending one copy per matching subscription (rumqttd with
    // 3.1.1, MQTT 5 without identifiers): two copies, each matching both.
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut reg = Registry::default();
    reg.insert(&filter("a/+"), recorder(&log, "one"));
    reg.insert(&filter("a/#"), recorder(&log, "two"));
    let copies = vec![copy("a/b", &["a/+", "a/#"]), copy("a/b", &["a/+", "a/#"])];
    dispatch(reg, copies);
    assert_eq!(
        *log.lock().unwrap(),
        ["one a/b", "two a/b", "one a/b", "two a/b"]
    );
}

#[test]
fn subscribing_a_filter_again_replaces_only_that_filters_handler() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut reg = Registry::default();
    let old = recorder(&log, "old");
    reg.insert(&filter("a"), old.clone());
    reg.insert(&filter("b"), old);
    let replaced = reg.insert(&filter("a"), recorder(&log, "new"));
    assert!(replaced.is_some());
    dispatch(reg, vec![copy("a", &["a"]), copy("b", &["b"])]);
    assert_eq!(*log.lock().unwrap(), ["new a", "old b"]);
}

#[test]
fn a_copy_matching_no_handler_goes_to_on_unhandled() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut reg = Registry::default();
    reg.insert(&filter("a"), recorder(&log, "h"));
    // Matched by a subscription whose handler this process never declared.
    let unhandled = dispatch(reg, vec![copy("stored", &["stored/#"]), copy("x", &[])]);
    assert!(log.lock().unwrap().is_empty());
    assert_eq!(unhandled, ["stored", "x"]);
}

#[test]
fn a_refused_subscription_puts_the_previous_handler_back() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut reg = Registry::default();
    reg.insert(&filter("a"), recorder(&log, "old"));
    let new = recorder(&log, "new");
    let previous = reg.insert(&filter("a"), new.clone());
    reg.restore("a", &new, previous);
    dispatch(reg, vec![copy("a", &["a"])]);
    assert_eq!(*log.lock().unwrap(), ["old a"]);
}

#[test]
fn a_panicking_handler_does_not_stop_later_deliveries() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut reg = Registry::default();
    reg.insert(&filter("boom"), Handler::new(|_| panic!("a handler bug")));
    reg.insert(&filter("a"), recorder(&log, "h"));
    dispatch(reg, vec![copy("boom", &["boom"]), copy("a", &["a"])]);
    assert_eq!(*log.lock().unwrap(), ["h a"]);
}

/// A queue that keeps what it is given.
#[derive(Default)]
struct Queue {
    got: Mutex<Vec<String>>,
    closed: Mutex<bool>,
}

impl Sink for Queue {
    fn push(&self, m: Message) -> bool {
        self.got.lock().unwrap().push(m.topic().to_owned());
        true
    }
    fn close(&self) {
        *self.closed.lock().unwrap() = true;
    }
}

#[test]
fn message_streams_see_every_copy_and_end_with_the_dispatcher() {
    let dispatch = Arc::new(Dispatch::new(Registry::default()));
    let q = Arc::new(Queue::default());
    dispatch.add_sink(q.clone());
    let mut d = Dispatcher::new(dispatch.clone(), Options::new().into_parts().callbacks);
    d.handle(copy("a", &["a"]));
    d.handle(copy("b", &[]));
    assert!(!*q.closed.lock().unwrap(), "open while the dispatcher runs");
    d.finish();
    assert_eq!(*q.got.lock().unwrap(), ["a", "b"]);
    assert!(*q.closed.lock().unwrap());
    // A stream added after the dispatcher finished ends at once.
    let late = Arc::new(Queue::default());
    dispatch.add_sink(late.clone());
    assert!(*late.closed.lock().unwrap());
}

#[test]
fn every_recipient_gets_the_message_whichever_is_last() {
    // The last recipient takes the message itself, the others a copy: a user
    // handler before a stream, a stream before a `messages` queue, a stream alone.
    let log = Arc::new(Mutex::new(Vec::new()));
    let (first, second) = (Arc::new(Queue::default()), Arc::new(Queue::default()));
    let mut reg = Registry::default();
    reg.insert(&filter("a"), recorder(&log, "user"));
    reg.insert(&filter("a/#"), Handler::stream(first.clone()));
    reg.insert(&filter("b"), Handler::stream(second.clone()));
    let dispatch = Arc::new(Dispatch::new(reg));
    let mut d = Dispatcher::new(dispatch.clone(), Options::new().into_parts().callbacks);
    d.handle(copy("a", &["a", "a/#"]));
    d.handle(copy("b", &["b"]));
    let all = Arc::new(Queue::default());
    dispatch.add_sink(all.clone());
    d.handle(copy("b", &["b"]));
    d.handle(copy("a", &["a/#"]));
    assert_eq!(*log.lock().unwrap(), ["user a"]);
    assert_eq!(*first.got.lock().unwrap(), ["a", "a"]);
    assert_eq!(*second.got.lock().unwrap(), ["b", "b"]);
    assert_eq!(*all.got.lock().unwrap(), ["b", "a"]);
}

#[test]
fn routing_a_copy_twice_matched_by_one_handler_gives_it_once() {
    let mut reg = Registry::default();
    let both = Handler::new(|_| {});
    reg.insert(&filter("a/+"), both.clone());
    reg.insert(&filter("a/#"), both);
    let mut out = Vec::new();
    reg.route(&[filter("a/+"), filter("a/#")], &mut out);
    assert_eq!(out.len(), 1);
}

#[test]
fn filters_keep_one_match_inline_and_any_number_in_order() {
    let none: Filters = std::iter::empty().collect();
    assert!(none.is_empty());
    let one: Filters = [filter("a/#")].into_iter().collect();
    assert_eq!(&one[..], &[filter("a/#")]);
    let three: Filters = ["a", "b", "c"].into_iter().map(filter).collect();
    assert_eq!(&three[..], &[filter("a"), filter("b"), filter("c")]);
}

#[test]
fn only_items_that_run_user_code_must_leave_the_dispatcher_task() {
    let info = crate::ConnectInfo {
        reconnect: false,
        session_present: false,
        server: String::new(),
        protocol: mqtt_sansio::ProtocolVersion::V3_1_1,
        properties: Default::default(),
    };
    let mut reg = Registry::default();
    reg.insert(&filter("user"), Handler::new(|_| {}));
    reg.insert(
        &filter("stream"),
        Handler::stream(Arc::new(Queue::default())),
    );
    let dispatch = Arc::new(Dispatch::new(reg));
    // No callbacks: a CONNACK and a copy for no handler run nothing.
    let mut d = Dispatcher::new(dispatch.clone(), Options::new().into_parts().callbacks);
    assert!(!d.must_unblock(&Item::Connected(info.clone())));
    assert!(!d.must_unblock(&copy("x", &[])));
    assert!(!d.must_unblock(&copy("stream", &["stream"])));
    assert!(d.must_unblock(&copy("user", &["user"])));
    assert!(d.try_handle(copy("user", &["user"])).is_some());
    assert!(d.try_handle(copy("stream", &["stream"])).is_none());
    // With callbacks, the same items run user code.
    let options = Options::new().on_connect(|_| {}).on_unhandled(|_| {});
    let mut d = Dispatcher::new(dispatch, options.into_parts().callbacks);
    assert!(d.must_unblock(&Item::Connected(info)));
    assert!(d.must_unblock(&copy("x", &[])));
}

#[test]
fn websocket_limits_are_lowered_to_the_largest_accepted_packet() {
    let parts = Options::new()
        .configure(|c| c.max_incoming_packet_size = 4096)
        .into_parts();
    assert_eq!(parts.transport.ws.max_message_size, 4096);
    assert_eq!(parts.transport.ws.max_frame_size, 4096);
    assert!(
        parts.config.manual_acks,
        "the core always runs with manual acks"
    );
    assert!(!parts.manual_acks, "the application did not ask for them");
}
