//! A connected client core for the client benchmarks and the allocation test:
//! the adapter side is played by hand, the broker side by fixed bytes.

use crate::{publish_qos0, Wire, SMALL, TOPIC};
use bytes::{Bytes, BytesMut};
use core::time::Duration;
use mqtt_sansio::client::{Config, Event, OutgoingPublish, TransportCommand};
use mqtt_sansio::codec::{ByteStr, Properties, SubscribeFilter, SubscriptionOptions};
use mqtt_sansio::{Client, ProtocolVersion, QoS};

/// The clock of the harness: time never moves, so no timer fires.
pub const NOW: Duration = Duration::from_secs(1);

/// A client connected (CONNACK accepted) and subscribed to `sensors/#`.
pub struct Connected {
    /// The client core.
    pub client: Client<Duration>,
    /// The adapter's transmit buffer (cleared by the benchmarks).
    pub out: BytesMut,
    /// The protocol version in use.
    pub version: ProtocolVersion,
}

/// The protocol version of a fixture wire.
pub fn version(wire: Wire) -> ProtocolVersion {
    match wire {
        Wire::V4 => ProtocolVersion::V3_1_1,
        Wire::V5 => ProtocolVersion::V5,
    }
}

/// The 16-byte payload of the client benchmarks, as a static (no allocation to clone).
pub static PAYLOAD_16: [u8; SMALL] = *b"0123456789abcdef";

/// A QoS 0 or 1 message to [`TOPIC`] with the 16-byte payload; building it allocates nothing.
pub fn message(qos: QoS) -> OutgoingPublish {
    OutgoingPublish::new(
        ByteStr::from_static(TOPIC),
        Bytes::from_static(&PAYLOAD_16),
        qos,
    )
}

/// The wire image of an inbound QoS 0 PUBLISH to [`TOPIC`] with 16 bytes.
pub fn inbound_qos0(wire: Wire) -> Vec<u8> {
    publish_qos0(wire, SMALL)
}

impl Connected {
    /// Connects a fresh client (clean session, keep alive 60 s) and subscribes
    /// it to `sensors/#`; panics if the core does not get there.
    pub fn new(wire: Wire) -> Connected {
        let version = version(wire);
        let config = Config::default().protocol(version).client_id("bench");
        let mut client = Client::new(config).expect("valid configuration");
        let mut out = BytesMut::with_capacity(64 * 1024);
        client.connect(NOW);
        assert_eq!(
            client.poll_transport(),
            Some(TransportCommand::Open { server: 0 })
        );
        client.handle_connected(NOW);
        client.poll_transmit(&mut out);
        assert_eq!(out.first(), Some(&0x10), "CONNECT is sent first");
        out.clear();
        let connack: &[u8] = match wire {
            Wire::V4 => &[0x20, 0x02, 0x00, 0x00],
            Wire::V5 => &[0x20, 0x03, 0x00, 0x00, 0x00],
        };
        client.handle_data(NOW, connack);
        let mut connected = false;
        while let Some(e) = client.poll_event() {
            connected |= matches!(e, Event::Connected { .. });
        }
        assert!(connected, "CONNACK accepted");

        let filter = SubscribeFilter {
            filter: ByteStr::from_static("sensors/#"),
            options: SubscriptionOptions::new(QoS::AtMostOnce),
        };
        client
            .subscribe(NOW, vec![filter], Properties::default())
            .expect("subscribe accepted");
        client.poll_transmit(&mut out);
        assert_eq!(out.first(), Some(&0x82), "SUBSCRIBE is sent");
        let (hi, lo) = (out[2], out[3]);
        out.clear();
        let suback: Vec<u8> = match wire {
            Wire::V4 => vec![0x90, 0x03, hi, lo, 0x00],
            Wire::V5 => vec![0x90, 0x04, hi, lo, 0x00, 0x00],
        };
        client.handle_data(NOW, &suback);
        let mut subscribed = false;
        while let Some(e) = client.poll_event() {
            subscribed |= matches!(e, Event::SubscribeComplete { .. });
        }
        assert!(subscribed, "SUBACK accepted");
        assert!(client.poll_transport().is_none());
        Connected {
            client,
            out,
            version,
        }
    }

    /// Publishes one QoS 0 message and takes its bytes; returns how many.
    /// The completion event is drained (and dropped).
    pub fn publish_qos0(&mut self) -> usize {
        self.client
            .publish(NOW, message(QoS::AtMostOnce))
            .expect("publish accepted");
        self.out.clear();
        let n = self.client.poll_transmit(&mut self.out);
        while self.client.poll_event().is_some() {}
        n
    }

    /// Publishes one QoS 1 message, takes its bytes, answers with the PUBACK
    /// for its packet id and drains the completion event. Returns whether the
    /// publish completed.
    pub fn publish_qos1_round_trip(&mut self) -> bool {
        self.client
            .publish(NOW, message(QoS::AtLeastOnce))
            .expect("publish accepted");
        self.out.clear();
        self.client.poll_transmit(&mut self.out);
        // PUBLISH: type, 1-byte remaining length, topic length + topic, packet id.
        let at = 2 + 2 + TOPIC.len();
        let puback = [0x40, 0x02, self.out[at], self.out[at + 1]];
        self.client.handle_data(NOW, &puback);
        let mut done = false;
        while let Some(e) = self.client.poll_event() {
            done |= matches!(e, Event::PublishComplete { .. });
        }
        done
    }

    /// Feeds one inbound PUBLISH and drains its event; returns whether it was
    /// a message event. The event (and the message) is dropped before return.
    pub fn receive(&mut self, wire_bytes: &[u8]) -> bool {
        self.client.handle_data(NOW, wire_bytes);
        let mut got = false;
        while let Some(e) = self.client.poll_event() {
            got |= matches!(e, Event::Message { .. });
        }
        got
    }
}
