//! Whatever the network sends, the transport answers with a value or a typed error: never a
//! panic, and never more buffered than it was given plus its own bounded state.

mod common;

use bytes::BytesMut;
use common::{pump, WsAnswer, WsPeer};
use mqtt_transport::{ServerUrl, TlsOptions, Transport, TransportOptions};
use proptest::prelude::*;

fn feed(transport: &mut Transport, chunks: &[Vec<u8>]) {
    for chunk in chunks {
        let _ = transport.handle_received(chunk);
        let mut out = BytesMut::new();
        let _ = transport.read_plaintext(&mut out);
        let _ = transport.poll_send(&mut out);
    }
    let _ = transport.handle_eof();
    let mut out = BytesMut::new();
    let _ = transport.read_plaintext(&mut out);
}

fn tls_options() -> TlsOptions {
    let pki = mqtt_testkit::TestPki::generate().unwrap();
    TlsOptions::new().ca_pem(pki.ca_cert_pem)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_bytes_during_the_websocket_upgrade_never_panic(
        chunks in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..512), 0..8)
    ) {
        let url = ServerUrl::parse("ws://127.0.0.1:8083").unwrap();
        let mut t = Transport::new(&url, &TransportOptions::default()).unwrap();
        feed(&mut t, &chunks);
    }

    #[test]
    fn random_frames_after_the_websocket_upgrade_never_panic(
        chunks in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..512), 0..8)
    ) {
        let mut server = WsPeer::new(WsAnswer::AcceptMqtt);
        let url = ServerUrl::parse("ws://127.0.0.1:8083").unwrap();
        let mut t = Transport::new(&url, &TransportOptions::default()).unwrap();
        pump(&mut t, &mut server).unwrap();
        prop_assert!(t.is_ready());
        feed(&mut t, &chunks);
    }

    #[test]
    fn random_bytes_as_tls_records_never_panic(
        chunks in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..512), 0..8),
        looks_like_a_record in any::<bool>(),
    ) {
        let url = ServerUrl::parse("mqtts://127.0.0.1").unwrap();
        let options = TransportOptions::default().with_tls(tls_options());
        let mut t = Transport::new(&url, &options).unwrap();
        let mut chunks = chunks;
        if looks_like_a_record {
            // A plausible handshake record header in front, so the parser goes deeper.
            chunks.insert(0, vec![0x16, 0x03, 0x03, 0x00, 0x40]);
        }
        feed(&mut t, &chunks);
    }
}
