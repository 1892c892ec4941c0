//! Issue #4: the client core driven without the standard library.
//!
//! This test crate is `#![no_std]`: everything below uses `core` and `alloc`
//! only (the test harness that calls it links std, as any test harness
//! must). It drives the client through connect, subscribe, a QoS 1 publish
//! and keep alive with a hand-written millisecond clock and an in-memory
//! byte pipe, against a scripted broker written with the crate's own codec,
//! exactly as an embedded adapter (embassy, RTIC, bare metal) would.
//! `.ci/run` also runs it with `--no-default-features`.
#![no_std]

extern crate alloc;

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::time::Duration;

use bytes::{Bytes, BytesMut};
use mqtt_sansio::client::{Client, Config, Event, OutgoingPublish, TransportCommand};
use mqtt_sansio::codec::{
    self, ByteStr, ConnAck, Packet, Properties, ProtocolVersion, PubResponse, QoS, ReasonCode,
    SubAck, SubscribeFilter, SubscriptionOptions,
};
use mqtt_sansio::time::Instant;

/// Milliseconds since boot, as a microcontroller's tick counter gives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Millis(u64);

impl Instant for Millis {
    fn checked_add(self, d: Duration) -> Option<Self> {
        let ms = u64::try_from(d.as_millis()).ok()?;
        self.0.checked_add(ms).map(Millis)
    }
    fn saturating_duration_since(self, earlier: Self) -> Duration {
        Duration::from_millis(self.0.saturating_sub(earlier.0))
    }
}

/// Both directions of an in-memory "socket".
#[derive(Default)]
struct Pipe {
    to_broker: VecDeque<u8>,
    to_client: VecDeque<u8>,
}

/// A scripted broker: answers CONNECT, SUBSCRIBE, QoS 1 PUBLISH (routing it
/// back to the subscriber) and PINGREQ.
#[derive(Default)]
struct TinyBroker {
    rx: BytesMut,
    pings: usize,
    subscribed: Vec<ByteStr>,
}

impl TinyBroker {
    fn poll(&mut self, pipe: &mut Pipe) {
        self.rx.extend(pipe.to_broker.drain(..));
        let mut out = BytesMut::new();
        while let Ok(Some(p)) = codec::decode(&mut self.rx, ProtocolVersion::V3_1_1, 1 << 16) {
            let reply = match p {
                Packet::Connect(_) => Some(Packet::ConnAck(ConnAck {
                    session_present: false,
                    code: ReasonCode::Success,
                    properties: Properties::default(),
                })),
                Packet::Subscribe(s) => {
                    self.subscribed
                        .extend(s.filters.iter().map(|f| f.filter.clone()));
                    Some(Packet::SubAck(SubAck {
                        packet_id: s.packet_id,
                        codes: s.filters.iter().map(|_| ReasonCode::GrantedQoS1).collect(),
                        properties: Properties::default(),
                    }))
                }
                Packet::Publish(mut p) => {
                    let id = p.packet_id;
                    if self
                        .subscribed
                        .iter()
                        .any(|f| mqtt_sansio::topic::matches(f, &p.topic))
                    {
                        // Deliver it back at QoS 0.
                        p.qos = QoS::AtMostOnce;
                        p.packet_id = None;
                        p.dup = false;
                        codec::encode(
                            &Packet::Publish(p),
                            ProtocolVersion::V3_1_1,
                            1 << 16,
                            &mut out,
                        )
                        .unwrap();
                    }
                    id.map(|packet_id| {
                        Packet::PubAck(PubResponse {
                            packet_id,
                            reason: ReasonCode::Success,
                            properties: Properties::default(),
                        })
                    })
                }
                Packet::PingReq => {
                    self.pings += 1;
                    Some(Packet::PingResp)
                }
                _ => None,
            };
            if let Some(r) = reply {
                codec::encode(&r, ProtocolVersion::V3_1_1, 1 << 16, &mut out).unwrap();
            }
        }
        pipe.to_client.extend(out.iter().copied());
    }
}

/// The adapter's run loop, in full: drain every output after every input.
fn drain(client: &mut Client<Millis>, pipe: &mut Pipe, now: Millis, events: &mut Vec<Event>) {
    let mut out = BytesMut::new();
    loop {
        let mut progress = false;
        out.clear();
        if client.poll_transmit(&mut out) > 0 {
            pipe.to_broker.extend(out.iter().copied());
            progress = true;
        }
        while let Some(cmd) = client.poll_transport() {
            progress = true;
            match cmd {
                TransportCommand::Open { .. } => client.handle_connected(now),
                TransportCommand::Close { .. } => {}
                _ => {}
            }
        }
        while let Some(e) = client.poll_event() {
            events.push(e);
            progress = true;
        }
        if !progress {
            return;
        }
    }
}

/// One turn of the loop: deliver what the broker sent, then drain.
fn turn(
    client: &mut Client<Millis>,
    broker: &mut TinyBroker,
    pipe: &mut Pipe,
    now: Millis,
    events: &mut Vec<Event>,
) {
    for _ in 0..8 {
        drain(client, pipe, now, events);
        broker.poll(pipe);
        if pipe.to_client.is_empty() {
            return;
        }
        let bytes: Vec<u8> = pipe.to_client.drain(..).collect();
        // Feed in small chunks, as a UART or a small TCP window would.
        for chunk in bytes.chunks(3) {
            client.handle_data(now, chunk);
        }
    }
}

#[test]
fn no_std_loop_connects_subscribes_publishes_qos1_and_keeps_alive() {
    let config = Config::default()
        .client_id("mcu-1")
        .keep_alive(Duration::from_secs(10));
    let mut client: Client<Millis> = Client::new(config).unwrap();
    let mut broker = TinyBroker::default();
    let mut pipe = Pipe::default();
    let mut events = Vec::new();
    let mut now = Millis(1_000);

    client.connect(now);
    turn(&mut client, &mut broker, &mut pipe, now, &mut events);
    assert!(client.is_connected());
    assert!(matches!(events.first(), Some(Event::Connected { .. })));

    let filter = SubscribeFilter {
        filter: ByteStr::from_static("sensors/#"),
        options: SubscriptionOptions::new(QoS::AtLeastOnce),
    };
    let sub = client
        .subscribe(now, alloc::vec![filter], Properties::default())
        .unwrap();
    turn(&mut client, &mut broker, &mut pipe, now, &mut events);
    assert!(events.iter().any(|e| matches!(
        e,
        Event::SubscribeComplete { id, codes, .. } if *id == sub && codes[..] == [ReasonCode::GrantedQoS1]
    )));

    let msg = OutgoingPublish::new("sensors/t", Bytes::from_static(b"21.5"), QoS::AtLeastOnce);
    let id = client.publish(now, msg).unwrap();
    turn(&mut client, &mut broker, &mut pipe, now, &mut events);
    assert!(events.iter().any(|e| matches!(
        e,
        Event::PublishComplete { id: i, reason: ReasonCode::Success, .. } if *i == id
    )));
    assert!(events.iter().any(|e| matches!(
        e,
        Event::Message { publish, .. } if &publish.payload[..] == b"21.5"
    )));

    // Keep alive: sleep until each deadline, as a timer interrupt would.
    for _ in 0..3 {
        let deadline = client.poll_timeout().unwrap();
        assert!(deadline > now);
        now = deadline;
        client.handle_timeout(now);
        turn(&mut client, &mut broker, &mut pipe, now, &mut events);
    }
    assert_eq!(broker.pings, 3);
    assert!(client.is_connected());
    assert_eq!(now, Millis(31_000), "one ping every 10 s of silence");
}
