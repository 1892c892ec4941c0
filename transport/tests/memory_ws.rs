//! WebSocket (and WebSocket over TLS) through the sans-IO transport against an in-memory
//! tungstenite server.

mod common;

use bytes::Bytes;
use common::{client_read, pump, pump_chunked, server_config, TlsPeer, WsAnswer, WsPeer, WssPeer};
use mqtt_testkit::TestPki;
use mqtt_transport::{
    ServerUrl, TlsOptions, Transport, TransportError, TransportOptions, WsOptions,
};
use tungstenite::Message;

const CONNECT: &[u8] = &[
    0x10, 0x10, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x02, 0x00, 0x3c, 0x00, 0x04, b't', b'e',
    b's', b't',
];
const CONNACK: &[u8] = &[0x20, 0x02, 0x00, 0x00];
const PINGRESP: &[u8] = &[0xD0, 0x00];

fn ws_client(url: &str) -> Transport {
    Transport::new(
        &ServerUrl::parse(url).unwrap(),
        &TransportOptions::default(),
    )
    .unwrap()
}

fn open_pair() -> (Transport, WsPeer) {
    let mut server = WsPeer::new(WsAnswer::AcceptMqtt);
    let mut client = ws_client("ws://127.0.0.1:8083");
    pump(&mut client, &mut server).unwrap();
    assert!(client.is_ready() && server.is_open());
    (client, server)
}

#[test]
fn handshake_asks_for_the_mqtt_subprotocol_on_the_url_path() {
    // [MQTT-6.0.0-3]: the client includes "mqtt" in the list of WebSocket subprotocols.
    let mut server = WsPeer::new(WsAnswer::AcceptMqtt);
    let mut client = ws_client("ws://127.0.0.1:15675/ws");
    assert!(!client.is_ready());
    pump(&mut client, &mut server).unwrap();
    assert!(client.is_ready());
    let (path, proto) = server.request.borrow().clone().unwrap();
    assert_eq!(path, "/ws");
    assert_eq!(proto.as_deref(), Some("mqtt"));
}

#[test]
fn default_path_is_slash_mqtt() {
    let mut server = WsPeer::new(WsAnswer::AcceptMqtt);
    let mut client = ws_client("ws://localhost");
    pump(&mut client, &mut server).unwrap();
    assert_eq!(server.request.borrow().as_ref().unwrap().0, "/mqtt");
}

#[test]
fn mqtt_bytes_travel_in_binary_frames() {
    // [MQTT-6.0.0-1]: MQTT control packets are sent in binary data frames.
    let (mut client, mut server) = open_pair();
    client.write(CONNECT).unwrap();
    pump(&mut client, &mut server).unwrap();
    assert_eq!(
        server.messages,
        [Message::Binary(Bytes::from_static(CONNECT))]
    );
}

#[test]
fn bytes_written_before_the_upgrade_are_sent_after_it() {
    let mut server = WsPeer::new(WsAnswer::AcceptMqtt);
    let mut client = ws_client("ws://127.0.0.1:8083");
    client.write(CONNECT).unwrap();
    pump(&mut client, &mut server).unwrap();
    assert_eq!(server.binary_received(), CONNECT);
}

#[test]
fn a_packet_split_across_frames_is_reassembled() {
    // [MQTT-6.0.0-2]: a control packet may span WebSocket frame boundaries.
    let (mut client, mut server) = open_pair();
    for piece in CONNACK.chunks(1) {
        server.send(Message::Binary(Bytes::copy_from_slice(piece)));
    }
    pump(&mut client, &mut server).unwrap();
    assert_eq!(client_read(&mut client), CONNACK);
}

#[test]
fn several_packets_in_one_frame_are_all_delivered() {
    let (mut client, mut server) = open_pair();
    let both: Vec<u8> = [CONNACK, PINGRESP].concat();
    server.send(Message::Binary(Bytes::from(both.clone())));
    pump(&mut client, &mut server).unwrap();
    assert_eq!(client_read(&mut client), both);
}

#[test]
fn frames_delivered_one_byte_at_a_time_still_decode() {
    let mut server = WsPeer::new(WsAnswer::AcceptMqtt);
    let mut client = ws_client("ws://127.0.0.1:8083");
    pump_chunked(&mut client, &mut server, 1).unwrap();
    let big: Vec<u8> = (0..70_000u32).map(|i| i as u8).collect();
    server.send(Message::Binary(Bytes::from(big.clone())));
    pump_chunked(&mut client, &mut server, 1).unwrap();
    assert_eq!(client_read(&mut client), big);
}

#[test]
fn a_text_frame_is_a_protocol_error() {
    // [MQTT-6.0.0-1]: a non-binary data frame closes the connection.
    let (mut client, mut server) = open_pair();
    server.send(Message::Text("hello".into()));
    assert_eq!(
        pump(&mut client, &mut server),
        Err(TransportError::WsTextFrame)
    );
    assert_eq!(client.write(CONNECT), Err(TransportError::WsTextFrame));
}

#[test]
fn ping_is_answered_with_pong() {
    let (mut client, mut server) = open_pair();
    server.send(Message::Ping(Bytes::from_static(b"hi")));
    pump(&mut client, &mut server).unwrap();
    assert_eq!(server.messages, [Message::Pong(Bytes::from_static(b"hi"))]);
}

#[test]
fn server_without_the_subprotocol_is_refused() {
    let mut server = WsPeer::new(WsAnswer::AcceptWithoutSubprotocol);
    let mut client = ws_client("ws://127.0.0.1:8083");
    let err = pump(&mut client, &mut server).unwrap_err();
    assert!(matches!(err, TransportError::WsHandshake { .. }), "{err:?}");
    assert!(!client.is_ready());
}

#[test]
fn http_error_status_is_reported() {
    let mut server = WsPeer::new(WsAnswer::NotFound);
    let mut client = ws_client("ws://127.0.0.1:8083/wrong");
    assert_eq!(
        pump(&mut client, &mut server),
        Err(TransportError::WsHandshakeStatus { status: 404 })
    );
}

#[test]
fn garbage_instead_of_a_handshake_response_is_an_error_not_a_panic() {
    let mut client = ws_client("ws://127.0.0.1:8083");
    let err = client
        .handle_received(b"\x00\x01garbage\r\n\r\n")
        .unwrap_err();
    assert!(
        matches!(
            err,
            TransportError::WsHandshake { .. } | TransportError::WsProtocol { .. }
        ),
        "{err:?}"
    );
}

#[test]
fn a_message_over_the_maximum_is_refused() {
    let mut server = WsPeer::new(WsAnswer::AcceptMqtt);
    let mut ws = WsOptions::default();
    ws.max_message_size = 1024;
    ws.max_frame_size = 1024;
    let mut client = Transport::new(
        &ServerUrl::parse("ws://127.0.0.1:8083").unwrap(),
        &TransportOptions::default().with_ws(ws),
    )
    .unwrap();
    pump(&mut client, &mut server).unwrap();
    server.send(Message::Binary(Bytes::from(vec![0u8; 4096])));
    let err = pump(&mut client, &mut server).unwrap_err();
    assert!(matches!(err, TransportError::WsTooLarge { .. }), "{err:?}");
}

#[test]
fn close_sends_a_close_frame_after_pending_data() {
    let (mut client, mut server) = open_pair();
    client.write(CONNECT).unwrap();
    client.close().unwrap();
    pump(&mut client, &mut server).unwrap();
    assert_eq!(server.messages.len(), 2, "{:?}", server.messages);
    assert_eq!(
        server.messages[0],
        Message::Binary(Bytes::from_static(CONNECT))
    );
    assert!(matches!(server.messages[1], Message::Close(_)));
    assert_eq!(client.write(CONNECT), Err(TransportError::Closed));
}

#[test]
fn server_close_frame_marks_the_peer_closed() {
    let (mut client, mut server) = open_pair();
    server.send(Message::Binary(Bytes::from_static(CONNACK)));
    server.ws().close(None).unwrap();
    pump(&mut client, &mut server).unwrap();
    assert!(client.is_peer_closed());
    assert_eq!(client_read(&mut client), CONNACK);
}

#[test]
fn custom_headers_are_sent_with_the_upgrade() {
    let mut ws = WsOptions::default();
    ws.headers.push(("X-Test".into(), "yes".into()));
    let client = Transport::new(
        &ServerUrl::parse("ws://127.0.0.1:8083").unwrap(),
        &TransportOptions::default().with_ws(ws),
    );
    let mut client = client.unwrap();
    let mut out = bytes::BytesMut::new();
    client.poll_send(&mut out).unwrap();
    let request = String::from_utf8(out.to_vec()).unwrap();
    assert!(
        request.contains("\r\nX-Test: yes\r\n") || request.contains("\r\nx-test: yes\r\n"),
        "{request}"
    );
}

#[test]
fn invalid_custom_header_is_an_error() {
    let mut ws = WsOptions::default();
    ws.headers.push(("bad header".into(), "x".into()));
    let err = Transport::new(
        &ServerUrl::parse("ws://127.0.0.1:8083").unwrap(),
        &TransportOptions::default().with_ws(ws),
    )
    .unwrap_err();
    assert!(matches!(err, TransportError::WsHandshake { .. }), "{err:?}");
}

#[test]
fn websocket_over_tls_carries_mqtt_both_ways() {
    let pki = TestPki::generate().unwrap();
    let mut server = WssPeer {
        tls: TlsPeer::new(server_config(&pki, false)),
        ws: WsPeer::new(WsAnswer::AcceptMqtt),
    };
    let tls = TlsOptions::new().ca_pem(pki.ca_cert_pem.clone());
    let mut client = Transport::new(
        &ServerUrl::parse("wss://localhost:8884/mqtt").unwrap(),
        &TransportOptions::default().with_tls(tls),
    )
    .unwrap();
    client.write(CONNECT).unwrap();
    pump(&mut client, &mut server).unwrap();
    assert!(client.is_ready());
    assert_eq!(server.ws.binary_received(), CONNECT);

    server.ws.send(Message::Binary(Bytes::from_static(CONNACK)));
    pump(&mut client, &mut server).unwrap();
    assert_eq!(client_read(&mut client), CONNACK);

    client.close().unwrap();
    pump(&mut client, &mut server).unwrap();
    assert!(matches!(server.ws.messages.last(), Some(Message::Close(_))));
}

#[test]
fn websocket_over_tls_rejects_an_unknown_ca() {
    let pki = TestPki::generate().unwrap();
    let stranger = TestPki::generate().unwrap();
    let mut server = WssPeer {
        tls: TlsPeer::new(server_config(&pki, false)),
        ws: WsPeer::new(WsAnswer::AcceptMqtt),
    };
    let tls = TlsOptions::new().ca_pem(stranger.ca_cert_pem.clone());
    let mut client = Transport::new(
        &ServerUrl::parse("wss://127.0.0.1").unwrap(),
        &TransportOptions::default().with_tls(tls),
    )
    .unwrap();
    assert!(matches!(
        pump(&mut client, &mut server),
        Err(TransportError::Tls(_))
    ));
    assert!(
        server.ws.request.borrow().is_none(),
        "no HTTP request may leak before TLS"
    );
}

#[test]
fn endless_handshake_response_head_is_refused() {
    let mut client = ws_client("ws://127.0.0.1:8083");
    let mut result = Ok(());
    for _ in 0..70 {
        result = client.handle_received(&[b'x'; 1024]);
        if result.is_err() {
            break;
        }
    }
    assert!(
        matches!(result, Err(TransportError::WsHandshake { .. })),
        "{result:?}"
    );
}
