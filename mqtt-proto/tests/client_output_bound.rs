//! QoS 0 publishes are bounded like every other publish: while the adapter
//! does not take the output (a socket that stopped draining), they wait in the
//! queue (`max_queued`), then `publish` refuses with `QueueFull`; taking the
//! output lets them go out, in order, and none is lost.

#[path = "support/bare.rs"]
mod bare;

use std::time::Duration;

use bare::connected;
use bytes::{Bytes, BytesMut};
use mqtt_sansio::client::{Event, OutgoingPublish, PublishError};
use mqtt_sansio::codec::{self, Packet, ProtocolVersion};
use mqtt_sansio::QoS;

fn qos0(n: u32) -> OutgoingPublish {
    let mut payload = vec![0u8; 1000];
    payload[..4].copy_from_slice(&n.to_be_bytes());
    OutgoingPublish::new("flood", Bytes::from(payload), QoS::AtMostOnce)
}

#[test]
fn qos0_publishes_wait_in_the_bounded_queue_when_output_is_not_taken() {
    let mut c = connected("bound", ProtocolVersion::V3_1_1);
    let max_queued = c.config().max_queued;
    let mut accepted = 0u32;
    let err = loop {
        match c.publish(Duration::ZERO, qos0(accepted)) {
            Ok(_) => accepted += 1,
            Err(e) => break e,
        }
        assert!(accepted < 100_000, "QoS 0 publishes are unbounded");
    };
    assert!(matches!(err, PublishError::QueueFull { max } if max == max_queued));
    // 64 KiB of output (65 packets of 1,009 bytes) plus the queue.
    assert!(
        (accepted as usize) <= max_queued + 65,
        "{accepted} accepted with max_queued {max_queued}"
    );
    assert_eq!(c.pending_publishes(), max_queued);

    // Taking the output lets every accepted message out, in order.
    let mut out = BytesMut::new();
    while c.poll_transmit(&mut out) > 0 {}
    assert_eq!(c.pending_publishes(), 0);
    let mut next = 0u32;
    while let Some(p) = codec::decode(&mut out, ProtocolVersion::V3_1_1, usize::MAX).unwrap() {
        let Packet::Publish(p) = p else {
            panic!("only PUBLISH")
        };
        assert_eq!(u32::from_be_bytes(p.payload[..4].try_into().unwrap()), next);
        next += 1;
    }
    assert_eq!(next, accepted, "every accepted QoS 0 message was sent");
    let completed = std::iter::from_fn(|| c.poll_event())
        .filter(|e| matches!(e, Event::PublishComplete { .. }))
        .count();
    assert_eq!(completed as u32, accepted);
}
