//! Automatic acknowledgements wait for every consumer of a message (handlers,
//! and the application taking it from a stream) and go out in the order the
//! messages arrived [MQTT-4.6.0-2], whichever is released first.

use crate::dispatch::{taken_from_stream, Callbacks, Dispatch, Dispatcher, Item, Registry, Sink};
use crate::{Acker, Error, Message};
use bytes::BytesMut;
use mqtt_sansio::client::{AckToken, Client, Config, Event};
use mqtt_sansio::codec::{
    self, ByteStr, ConnAck, Packet, PacketId, Properties, ProtocolVersion, Publish, ReasonCode,
};
use mqtt_sansio::QoS;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Records the packet ids it is asked to acknowledge.
#[derive(Default)]
struct Recorder(Mutex<Vec<u16>>);

impl Acker for Recorder {
    fn ack(&self, token: AckToken) -> Result<(), Error> {
        self.0.lock().unwrap().push(token.packet_id().get());
        Ok(())
    }
}

/// A stream queue that keeps what it is given until the test takes it.
#[derive(Default)]
struct Held(Mutex<Vec<Message>>);

impl Sink for Held {
    fn push(&self, m: Message) -> bool {
        crate::dispatch::hold_for_stream(&m);
        self.0.lock().unwrap().push(m);
        true
    }
    fn close(&self) {}
}

/// Two QoS 1 messages from a core with manual acks: their items and tokens.
fn two_messages() -> Vec<(mqtt_sansio::codec::Publish, AckToken)> {
    let v = ProtocolVersion::V3_1_1;
    let mut c = Client::new(Config::default().client_id("order").manual_acks(true)).unwrap();
    let t = Duration::ZERO;
    c.connect(t);
    c.poll_transport();
    c.handle_connected(t);
    let mut b = BytesMut::new();
    let enc = |p: &Packet, b: &mut BytesMut| codec::encode(p, v, usize::MAX, b).unwrap();
    enc(
        &Packet::ConnAck(ConnAck {
            session_present: false,
            code: ReasonCode::Success,
            properties: Properties::default(),
        }),
        &mut b,
    );
    for (pid, topic) in [(1u16, "stream/a"), (2, "handler/b")] {
        enc(
            &Packet::Publish(Publish {
                dup: false,
                qos: QoS::AtLeastOnce,
                retain: false,
                topic: ByteStr::from(topic),
                packet_id: PacketId::new(pid),
                properties: Properties::default(),
                payload: bytes::Bytes::from_static(b"m"),
            }),
            &mut b,
        );
    }
    c.handle_data(t, &b);
    std::iter::from_fn(|| c.poll_event())
        .filter_map(|e| match e {
            Event::Message {
                publish,
                ack: Some(a),
            } => Some((publish, a)),
            _ => None,
        })
        .collect()
}

#[test]
fn an_ack_released_early_waits_for_the_messages_before_it() {
    let dispatch = Arc::new(Dispatch::new(Registry::default()));
    let recorder = Arc::new(Recorder::default());
    dispatch.set_acker(recorder.clone(), false);
    let held = Arc::new(Held::default());
    dispatch.add_sink(held.clone());
    let mut d = Dispatcher::new(dispatch.clone(), Callbacks::default());
    let subs = Client::<Duration>::new(Config::default()).unwrap();
    for (publish, token) in two_messages() {
        d.handle(Item::message(subs.subscriptions(), publish, Some(token)));
    }
    // Both messages sit unread in the stream (every message goes there).
    assert_eq!(held.0.lock().unwrap().len(), 2);
    assert!(
        recorder.0.lock().unwrap().is_empty(),
        "nothing acknowledged before the stream's reader took them"
    );
    // The reader takes message 2 first: its ack still waits for message 1.
    let m2 = held.0.lock().unwrap().remove(1);
    taken_from_stream(&m2);
    assert!(
        recorder.0.lock().unwrap().is_empty(),
        "PUBACK 2 went out before PUBACK 1"
    );
    let m1 = held.0.lock().unwrap().remove(0);
    taken_from_stream(&m1);
    assert_eq!(*recorder.0.lock().unwrap(), [1, 2]);
}
