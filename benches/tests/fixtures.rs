//! The benchmark inputs are what they claim to be, for every codec: each
//! decoder reads each wire fixture to the intended content, and each encoder
//! reproduces the fixture byte for byte from its own packet value. This is what
//! makes the side-by-side numbers in `benches/codec.rs` comparable.

use bytes::BytesMut;
use mqtt_benches::peers;
use mqtt_benches::*;

const MAX: usize = 1 << 20;

fn buf(v: &[u8]) -> BytesMut {
    BytesMut::from(v)
}

// ---------------------------------------------------------------- mqttbytes v4

mod mqttbytes_v4 {
    use super::*;
    use mqttbytes::v4::{read, Packet};

    #[test]
    fn decodes_every_fixture_to_the_builder_packet() {
        for n in PAYLOAD_SIZES {
            let p = read(&mut buf(&publish_qos0(Wire::V4, n)), MAX).unwrap();
            assert_eq!(p, Packet::Publish(peers::mqttbytes_v4::publish(0, n)));
        }
        let p = read(&mut buf(&publish_qos1(Wire::V4, SMALL)), MAX).unwrap();
        assert_eq!(p, Packet::Publish(peers::mqttbytes_v4::publish(1, SMALL)));
        let p = read(&mut buf(&connect(Wire::V4)), MAX).unwrap();
        assert_eq!(p, Packet::Connect(peers::mqttbytes_v4::connect()));
        let p = read(&mut buf(&subscribe(Wire::V4)), MAX).unwrap();
        assert_eq!(p, Packet::Subscribe(peers::mqttbytes_v4::subscribe()));
    }

    #[test]
    fn encodes_every_builder_packet_to_the_fixture() {
        for n in PAYLOAD_SIZES {
            let mut out = BytesMut::new();
            peers::mqttbytes_v4::publish(0, n).write(&mut out).unwrap();
            assert_eq!(&out[..], &publish_qos0(Wire::V4, n)[..]);
        }
        let mut out = BytesMut::new();
        peers::mqttbytes_v4::publish(1, SMALL)
            .write(&mut out)
            .unwrap();
        assert_eq!(&out[..], &publish_qos1(Wire::V4, SMALL)[..]);
        let mut out = BytesMut::new();
        peers::mqttbytes_v4::connect().write(&mut out).unwrap();
        assert_eq!(&out[..], &connect(Wire::V4)[..]);
        let mut out = BytesMut::new();
        peers::mqttbytes_v4::subscribe().write(&mut out).unwrap();
        assert_eq!(&out[..], &subscribe(Wire::V4)[..]);
    }

    #[test]
    fn stream_decodes_to_count_packets() {
        let mut b = buf(&publish_stream(Wire::V4, STREAM_COUNT, SMALL));
        let mut count = 0;
        while let Ok(p) = read(&mut b, MAX) {
            assert!(matches!(p, Packet::Publish(_)));
            count += 1;
        }
        assert_eq!(count, STREAM_COUNT);
        assert!(b.is_empty());
    }
}

// ---------------------------------------------------------------- mqttbytes v5

mod mqttbytes_v5 {
    use super::*;
    use mqttbytes::v5::{read, Packet};

    #[test]
    fn decodes_every_fixture_to_the_builder_packet() {
        for n in PAYLOAD_SIZES {
            let p = read(&mut buf(&publish_qos0(Wire::V5, n)), MAX).unwrap();
            assert_eq!(p, Packet::Publish(peers::mqttbytes_v5::publish(0, n)));
        }
        let p = read(&mut buf(&publish_qos1(Wire::V5, SMALL)), MAX).unwrap();
        assert_eq!(p, Packet::Publish(peers::mqttbytes_v5::publish(1, SMALL)));
        let p = read(&mut buf(&connect(Wire::V5)), MAX).unwrap();
        assert_eq!(p, Packet::Connect(peers::mqttbytes_v5::connect()));
        let p = read(&mut buf(&subscribe(Wire::V5)), MAX).unwrap();
        assert_eq!(p, Packet::Subscribe(peers::mqttbytes_v5::subscribe()));
    }

    #[test]
    fn encodes_every_builder_packet_to_the_fixture() {
        for n in PAYLOAD_SIZES {
            let mut out = BytesMut::new();
            peers::mqttbytes_v5::publish(0, n).write(&mut out).unwrap();
            assert_eq!(&out[..], &publish_qos0(Wire::V5, n)[..]);
        }
        let mut out = BytesMut::new();
        peers::mqttbytes_v5::publish(1, SMALL)
            .write(&mut out)
            .unwrap();
        assert_eq!(&out[..], &publish_qos1(Wire::V5, SMALL)[..]);
        let mut out = BytesMut::new();
        peers::mqttbytes_v5::connect().write(&mut out).unwrap();
        assert_eq!(&out[..], &connect(Wire::V5)[..]);
        let mut out = BytesMut::new();
        peers::mqttbytes_v5::subscribe().write(&mut out).unwrap();
        assert_eq!(&out[..], &subscribe(Wire::V5)[..]);
    }
}

// ---------------------------------------------------------------- rumqttc v4

mod rumqttc_v4 {
    use super::*;
    use rumqttc::mqttbytes::v4::Packet;

    #[test]
    fn decodes_every_fixture_to_the_builder_packet() {
        for n in PAYLOAD_SIZES {
            let p = Packet::read(&mut buf(&publish_qos0(Wire::V4, n)), MAX).unwrap();
            assert_eq!(p, Packet::Publish(peers::rumqttc_v4::publish(0, n)));
        }
        let p = Packet::read(&mut buf(&publish_qos1(Wire::V4, SMALL)), MAX).unwrap();
        assert_eq!(p, Packet::Publish(peers::rumqttc_v4::publish(1, SMALL)));
        let p = Packet::read(&mut buf(&connect(Wire::V4)), MAX).unwrap();
        assert_eq!(p, Packet::Connect(peers::rumqttc_v4::connect()));
        let p = Packet::read(&mut buf(&subscribe(Wire::V4)), MAX).unwrap();
        assert_eq!(p, Packet::Subscribe(peers::rumqttc_v4::subscribe()));
    }

    #[test]
    fn encodes_every_builder_packet_to_the_fixture() {
        for n in PAYLOAD_SIZES {
            let mut out = BytesMut::new();
            peers::rumqttc_v4::publish(0, n).write(&mut out).unwrap();
            assert_eq!(&out[..], &publish_qos0(Wire::V4, n)[..]);
        }
        let mut out = BytesMut::new();
        peers::rumqttc_v4::publish(1, SMALL)
            .write(&mut out)
            .unwrap();
        assert_eq!(&out[..], &publish_qos1(Wire::V4, SMALL)[..]);
        let mut out = BytesMut::new();
        peers::rumqttc_v4::connect().write(&mut out).unwrap();
        assert_eq!(&out[..], &connect(Wire::V4)[..]);
        let mut out = BytesMut::new();
        peers::rumqttc_v4::subscribe().write(&mut out).unwrap();
        assert_eq!(&out[..], &subscribe(Wire::V4)[..]);
    }
}

// ---------------------------------------------------------------- rumqttc v5

mod rumqttc_v5 {
    use super::*;
    use rumqttc::v5::mqttbytes::v5::Packet;

    #[test]
    fn decodes_every_fixture_to_the_builder_packet() {
        let max = Some(MAX as u32);
        for n in PAYLOAD_SIZES {
            let p = Packet::read(&mut buf(&publish_qos0(Wire::V5, n)), max).unwrap();
            assert_eq!(p, Packet::Publish(peers::rumqttc_v5::publish(0, n)));
        }
        let p = Packet::read(&mut buf(&publish_qos1(Wire::V5, SMALL)), max).unwrap();
        assert_eq!(p, Packet::Publish(peers::rumqttc_v5::publish(1, SMALL)));
        let p = Packet::read(&mut buf(&connect(Wire::V5)), max).unwrap();
        let (c, w, l) = peers::rumqttc_v5::connect();
        assert_eq!(p, Packet::Connect(c, w, l));
        let p = Packet::read(&mut buf(&subscribe(Wire::V5)), max).unwrap();
        assert_eq!(p, Packet::Subscribe(peers::rumqttc_v5::subscribe()));
    }

    #[test]
    fn encodes_every_builder_packet_to_the_fixture() {
        for n in PAYLOAD_SIZES {
            let mut out = BytesMut::new();
            peers::rumqttc_v5::publish(0, n).write(&mut out).unwrap();
            assert_eq!(&out[..], &publish_qos0(Wire::V5, n)[..]);
        }
        let mut out = BytesMut::new();
        peers::rumqttc_v5::publish(1, SMALL)
            .write(&mut out)
            .unwrap();
        assert_eq!(&out[..], &publish_qos1(Wire::V5, SMALL)[..]);
        let mut out = BytesMut::new();
        let (c, w, l) = peers::rumqttc_v5::connect();
        c.write(&w, &l, &mut out).unwrap();
        assert_eq!(&out[..], &connect(Wire::V5)[..]);
        let mut out = BytesMut::new();
        peers::rumqttc_v5::subscribe().write(&mut out).unwrap();
        assert_eq!(&out[..], &subscribe(Wire::V5)[..]);
    }
}

// ---------------------------------------------------------------- mqttrs

mod mqttrs {
    use super::*;
    use ::mqttrs::{decode_slice, encode_slice};

    #[test]
    fn decodes_every_fixture_to_the_builder_packet() {
        for n in PAYLOAD_SIZES {
            let wire = publish_qos0(Wire::V4, n);
            let pl = payload(n);
            assert_eq!(
                decode_slice(&wire).unwrap(),
                Some(peers::mqttrs::publish(0, &pl))
            );
        }
        let wire = publish_qos1(Wire::V4, SMALL);
        let pl = payload(SMALL);
        assert_eq!(
            decode_slice(&wire).unwrap(),
            Some(peers::mqttrs::publish(1, &pl))
        );
        let wire = connect(Wire::V4);
        assert_eq!(decode_slice(&wire).unwrap(), Some(peers::mqttrs::connect()));
        let wire = subscribe(Wire::V4);
        assert_eq!(
            decode_slice(&wire).unwrap(),
            Some(peers::mqttrs::subscribe())
        );
    }

    #[test]
    fn encodes_every_builder_packet_to_the_fixture() {
        let mut out = vec![0u8; MAX];
        for n in PAYLOAD_SIZES {
            let pl = payload(n);
            let len = encode_slice(&peers::mqttrs::publish(0, &pl), &mut out).unwrap();
            assert_eq!(&out[..len], &publish_qos0(Wire::V4, n)[..]);
        }
        let pl = payload(SMALL);
        let len = encode_slice(&peers::mqttrs::publish(1, &pl), &mut out).unwrap();
        assert_eq!(&out[..len], &publish_qos1(Wire::V4, SMALL)[..]);
        let len = encode_slice(&peers::mqttrs::connect(), &mut out).unwrap();
        assert_eq!(&out[..len], &connect(Wire::V4)[..]);
        let len = encode_slice(&peers::mqttrs::subscribe(), &mut out).unwrap();
        assert_eq!(&out[..len], &subscribe(Wire::V4)[..]);
    }

    #[test]
    fn stream_frame_length_is_the_fixture_length() {
        // The stream bench advances mqttrs by the known frame length (it
        // returns no consumed count); that length must be the real one.
        let one = publish_qos0(Wire::V4, SMALL);
        let stream = publish_stream(Wire::V4, 2, SMALL);
        assert!(decode_slice(&stream[one.len()..]).unwrap().is_some());
        assert_eq!(stream.len(), 2 * one.len());
    }
}

// ---------------------------------------------------------------- mqtt-protocol

mod mqtt_protocol {
    use super::*;
    use mqtt::packet::VariablePacket;
    use mqtt::{Decodable, Encodable};

    fn decode(bytes: &[u8]) -> VariablePacket {
        let mut r = bytes;
        let p = VariablePacket::decode(&mut r).unwrap();
        assert!(r.is_empty(), "decode consumes exactly one packet");
        p
    }

    #[test]
    fn decodes_every_fixture_to_the_builder_packet() {
        for n in PAYLOAD_SIZES {
            assert_eq!(
                decode(&publish_qos0(Wire::V4, n)),
                VariablePacket::PublishPacket(peers::mqtt_protocol::publish(0, n))
            );
        }
        assert_eq!(
            decode(&publish_qos1(Wire::V4, SMALL)),
            VariablePacket::PublishPacket(peers::mqtt_protocol::publish(1, SMALL))
        );
        assert_eq!(
            decode(&connect(Wire::V4)),
            VariablePacket::ConnectPacket(peers::mqtt_protocol::connect())
        );
        assert_eq!(
            decode(&subscribe(Wire::V4)),
            VariablePacket::SubscribePacket(peers::mqtt_protocol::subscribe())
        );
    }

    #[test]
    fn encodes_every_builder_packet_to_the_fixture() {
        for n in PAYLOAD_SIZES {
            let mut out = Vec::new();
            peers::mqtt_protocol::publish(0, n)
                .encode(&mut out)
                .unwrap();
            assert_eq!(out, publish_qos0(Wire::V4, n));
        }
        let mut out = Vec::new();
        peers::mqtt_protocol::publish(1, SMALL)
            .encode(&mut out)
            .unwrap();
        assert_eq!(out, publish_qos1(Wire::V4, SMALL));
        let mut out = Vec::new();
        peers::mqtt_protocol::connect().encode(&mut out).unwrap();
        assert_eq!(out, connect(Wire::V4));
        let mut out = Vec::new();
        peers::mqtt_protocol::subscribe().encode(&mut out).unwrap();
        assert_eq!(out, subscribe(Wire::V4));
    }
}
