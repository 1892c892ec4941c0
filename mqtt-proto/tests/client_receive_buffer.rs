//! Handing the core the adapter's own read buffer (`handle_data_owned`) is
//! the same input as `handle_data`, without its copy.

use bytes::BytesMut;
use core::time::Duration;
use mqtt_sansio::client::{Client, Config, Event, TransportCommand};

fn connected() -> Client<Duration> {
    let mut c = Client::<Duration>::new(Config::default()).unwrap();
    let now = Duration::ZERO;
    c.connect(now);
    assert!(matches!(
        c.poll_transport(),
        Some(TransportCommand::Open { .. })
    ));
    c.handle_connected(now);
    c.handle_data_owned(now, BytesMut::from(&[0x20u8, 0x02, 0x00, 0x00][..]));
    assert!(c.is_connected());
    while c.poll_event().is_some() {}
    c
}

/// A QoS 0 PUBLISH to `a/b` with `payload`.
fn publish(payload: &[u8]) -> Vec<u8> {
    let mut p = vec![
        0x30,
        (2 + 3 + payload.len()) as u8,
        0x00,
        0x03,
        b'a',
        b'/',
        b'b',
    ];
    p.extend_from_slice(payload);
    p
}

fn payloads(c: &mut Client<Duration>) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while let Some(ev) = c.poll_event() {
        if let Event::Message { publish, .. } = ev {
            out.push(publish.payload.to_vec());
        }
    }
    out
}

#[test]
fn reads_handed_over_in_any_chunking_are_decoded_as_with_handle_data() {
    let mut wire = publish(b"one");
    wire.extend(publish(b"two"));
    wire.extend(publish(b"three"));
    for cut in 0..=wire.len() {
        let mut owned = connected();
        let mut copied = connected();
        // One read buffer, each read split off it: what the adapters do.
        let mut read_buf = BytesMut::with_capacity(256);
        let (a, b) = wire.split_at(cut);
        for chunk in [a, b] {
            read_buf.extend_from_slice(chunk);
            owned.handle_data_owned(Duration::from_millis(1), read_buf.split());
            copied.handle_data(Duration::from_millis(1), chunk);
        }
        let got = payloads(&mut owned);
        assert_eq!(got, payloads(&mut copied), "cut at {cut}");
        assert_eq!(got, [b"one".to_vec(), b"two".to_vec(), b"three".to_vec()]);
    }
}

#[test]
fn a_read_that_does_not_follow_the_partial_packet_in_memory_is_joined_all_the_same() {
    let wire = publish(b"payload");
    let mut c = connected();
    let (a, b) = wire.split_at(4);
    c.handle_data_owned(Duration::ZERO, BytesMut::from(a));
    c.handle_data_owned(Duration::ZERO, BytesMut::from(b));
    assert_eq!(payloads(&mut c), [b"payload".to_vec()]);
}

#[test]
fn bytes_handed_over_with_no_transport_open_are_ignored() {
    let mut c = Client::<Duration>::new(Config::default()).unwrap();
    let now = Duration::ZERO;
    c.handle_data_owned(now, BytesMut::from(&[0x20u8, 0x02, 0x00, 0x00][..]));
    c.connect(now);
    let _ = c.poll_transport();
    c.handle_connected(now);
    c.handle_data_owned(now, BytesMut::new());
    assert!(
        !c.is_connected(),
        "only a CONNACK received on this transport connects"
    );
}
