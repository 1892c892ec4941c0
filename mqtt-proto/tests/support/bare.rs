//! A client connected by hand, without the model broker: CONNECT taken from
//! the transmit buffer, a successful CONNACK fed back.

use std::time::Duration;

use bytes::BytesMut;
use mqtt_sansio::client::{Client, Config, Event};
use mqtt_sansio::codec::{self, Packet, Properties, ProtocolVersion};

/// A client with id `id` speaking `version`, connected at time zero, its
/// `Connected` event already taken.
pub fn connected(id: &str, version: ProtocolVersion) -> Client<Duration> {
    let mut c = Client::new(Config::default().client_id(id).protocol(version)).unwrap();
    c.connect(Duration::ZERO);
    c.poll_transport();
    c.handle_connected(Duration::ZERO);
    let mut out = BytesMut::new();
    c.poll_transmit(&mut out);
    let mut connack = BytesMut::new();
    codec::encode(
        &Packet::ConnAck(codec::ConnAck {
            session_present: false,
            code: codec::ReasonCode::Success,
            properties: Properties::default(),
        }),
        version,
        usize::MAX,
        &mut connack,
    )
    .unwrap();
    c.handle_data(Duration::ZERO, &connack);
    assert!(matches!(c.poll_event(), Some(Event::Connected { .. })));
    c
}
