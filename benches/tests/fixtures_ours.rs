//! The benchmark fixtures against this project's codec: each decodes to the
//! packet the builders in `mqtt_benches::peers::ours` make, and each of those
//! encodes to the fixture byte for byte (the peers are checked in `fixtures.rs`).

use bytes::BytesMut;
use mqtt_benches::peers;
use mqtt_benches::*;

const MAX: usize = 1 << 20;

fn buf(v: &[u8]) -> BytesMut {
    BytesMut::from(v)
}

mod ours {
    use super::*;
    use mqtt_sansio::codec::{self, Packet};

    fn decode_one(wire: Wire, bytes: &[u8]) -> Packet {
        let mut b = buf(bytes);
        let p = codec::decode(&mut b, peers::ours::version(wire), MAX)
            .expect("fixture decodes")
            .expect("fixture is one whole packet");
        assert!(b.is_empty(), "decode consumes exactly one packet");
        p
    }

    fn encode(wire: Wire, p: &Packet) -> Vec<u8> {
        let mut out = BytesMut::new();
        let n = codec::encode(p, peers::ours::version(wire), MAX, &mut out).expect("encodes");
        assert_eq!(n, out.len());
        out.to_vec()
    }

    #[test]
    fn decodes_every_fixture_to_the_builder_packet() {
        for wire in [Wire::V4, Wire::V5] {
            for n in PAYLOAD_SIZES {
                assert_eq!(
                    decode_one(wire, &publish_qos0(wire, n)),
                    peers::ours::publish(0, n)
                );
            }
            assert_eq!(
                decode_one(wire, &publish_qos1(wire, SMALL)),
                peers::ours::publish(1, SMALL)
            );
            assert_eq!(decode_one(wire, &connect(wire)), peers::ours::connect(wire));
            assert_eq!(decode_one(wire, &subscribe(wire)), peers::ours::subscribe());
        }
    }

    #[test]
    fn encodes_every_builder_packet_to_the_fixture() {
        for wire in [Wire::V4, Wire::V5] {
            for n in PAYLOAD_SIZES {
                assert_eq!(
                    encode(wire, &peers::ours::publish(0, n)),
                    publish_qos0(wire, n)
                );
            }
            assert_eq!(
                encode(wire, &peers::ours::publish(1, SMALL)),
                publish_qos1(wire, SMALL)
            );
            assert_eq!(encode(wire, &peers::ours::connect(wire)), connect(wire));
            assert_eq!(encode(wire, &peers::ours::subscribe()), subscribe(wire));
        }
    }

    #[test]
    fn stream_decodes_to_count_packets() {
        for wire in [Wire::V4, Wire::V5] {
            let mut b = buf(&publish_stream(wire, STREAM_COUNT, SMALL));
            let mut count = 0;
            while let Some(p) = codec::decode(&mut b, peers::ours::version(wire), MAX).unwrap() {
                assert_eq!(p, peers::ours::publish(0, SMALL));
                count += 1;
            }
            assert_eq!(count, STREAM_COUNT);
        }
    }
}
