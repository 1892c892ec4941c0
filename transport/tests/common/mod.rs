//! In-memory peers for the transport: a rustls server, a tungstenite server, and both stacked
//! (WebSocket over TLS), each fed and drained through byte buffers like a socket.
#![allow(dead_code)]

use std::io::{self, Read, Write};
use std::sync::Arc;

use bytes::BytesMut;
use mqtt_testkit::TestPki;
use mqtt_transport::rustls::crypto::ring;
use mqtt_transport::rustls::pki_types::pem::PemObject;
use mqtt_transport::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use mqtt_transport::rustls::server::WebPkiClientVerifier;
use mqtt_transport::rustls::{self, RootCertStore, ServerConfig, ServerConnection};
use mqtt_transport::{Transport, TransportError};
use tungstenite::handshake::server::{ErrorResponse, Request, Response, ServerHandshake};
use tungstenite::handshake::{HandshakeError, MidHandshake};
use tungstenite::{Message, WebSocket};

/// A server end of an in-memory connection.
pub trait Peer {
    /// Raw bytes from the client.
    fn absorb(&mut self, raw: &[u8]);
    /// Raw bytes for the client.
    fn output(&mut self) -> Vec<u8>;
}

/// Moves bytes both ways until neither side has anything more to say. Client errors are
/// returned (after delivering the bytes the client still had queued, e.g. an alert).
pub fn pump(client: &mut Transport, server: &mut dyn Peer) -> Result<(), TransportError> {
    pump_chunked(client, server, usize::MAX)
}

/// Like [`pump`], but hands bytes to the client at most `chunk` at a time.
pub fn pump_chunked(
    client: &mut Transport,
    server: &mut dyn Peer,
    chunk: usize,
) -> Result<(), TransportError> {
    for _ in 0..10_000 {
        let mut out = BytesMut::new();
        let sent = client.poll_send(&mut out);
        let mut progress = !out.is_empty();
        if !out.is_empty() {
            server.absorb(&out);
        }
        sent?;
        let back = server.output();
        if !back.is_empty() {
            progress = true;
            for piece in back.chunks(chunk) {
                if let Err(e) = client.handle_received(piece) {
                    // Let the client's alert reach the server before reporting.
                    let mut out = BytesMut::new();
                    let _ = client.poll_send(&mut out);
                    server.absorb(&out);
                    return Err(e);
                }
            }
        }
        if !progress {
            return Ok(());
        }
    }
    panic!("pump did not settle");
}

/// All MQTT bytes the client has received so far.
pub fn client_read(client: &mut Transport) -> Vec<u8> {
    let mut out = BytesMut::new();
    client.read_plaintext(&mut out).expect("read_plaintext");
    out.to_vec()
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(ring::default_provider())
}

fn certs(pem: &str) -> Vec<CertificateDer<'static>> {
    CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<_, _>>()
        .unwrap()
}

/// A rustls server config with the PKI's server certificate; with `require_client_cert`, the
/// client must present a certificate signed by the PKI's CA.
pub fn server_config(pki: &TestPki, require_client_cert: bool) -> Arc<ServerConfig> {
    let builder = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = if require_client_cert {
        let mut roots = RootCertStore::empty();
        for c in certs(&pki.ca_cert_pem) {
            roots.add(c).unwrap();
        }
        let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
            .build()
            .unwrap();
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    let key = PrivateKeyDer::from_pem_slice(pki.server_key_pem.as_bytes()).unwrap();
    Arc::new(
        builder
            .with_single_cert(certs(&pki.server_cert_pem), key)
            .unwrap(),
    )
}

/// A TLS server in memory; the plaintext it receives is kept in `received`.
pub struct TlsPeer {
    pub conn: ServerConnection,
    pub received: Vec<u8>,
    pub error: Option<rustls::Error>,
}

impl TlsPeer {
    pub fn new(config: Arc<ServerConfig>) -> TlsPeer {
        let mut conn = ServerConnection::new(config).unwrap();
        conn.set_buffer_limit(None);
        TlsPeer {
            conn,
            received: Vec::new(),
            error: None,
        }
    }

    /// Queues plaintext for the client.
    pub fn send(&mut self, data: &[u8]) {
        self.conn.writer().write_all(data).unwrap();
    }
}

impl Peer for TlsPeer {
    fn absorb(&mut self, mut raw: &[u8]) {
        while !raw.is_empty() && self.error.is_none() {
            self.conn.read_tls(&mut raw).unwrap();
            match self.conn.process_new_packets() {
                Ok(_) => {
                    let mut buf = Vec::new();
                    match self.conn.reader().read_to_end(&mut buf) {
                        Ok(_) => {}
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                        Err(e) => panic!("server read: {e}"),
                    }
                    self.received.extend_from_slice(&buf);
                }
                Err(e) => self.error = Some(e),
            }
        }
    }

    fn output(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        while self.conn.wants_write() {
            self.conn.write_tls(&mut out).unwrap();
        }
        out
    }
}

/// The in-memory socket of the WebSocket server. Its output is shared so that what the
/// server writes before failing a handshake (an HTTP error response) still reaches the client.
#[derive(Default)]
pub struct MemStream {
    pub incoming: BytesMut,
    pub outgoing: std::rc::Rc<std::cell::RefCell<Vec<u8>>>,
}

impl Read for MemStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.incoming.is_empty() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let n = buf.len().min(self.incoming.len());
        buf[..n].copy_from_slice(&self.incoming.split_to(n));
        Ok(n)
    }
}

impl Write for MemStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.outgoing.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// What the WebSocket server does with the upgrade request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WsAnswer {
    /// Accept, agreeing to the `mqtt` subprotocol.
    AcceptMqtt,
    /// Accept without naming a subprotocol.
    AcceptWithoutSubprotocol,
    /// Refuse with 404.
    NotFound,
}

// tungstenite's callback signature returns its (large) error response by value.
#[allow(clippy::result_large_err)]
type Callback = Box<dyn FnOnce(&Request, Response) -> Result<Response, ErrorResponse>>;

/// The request path and `Sec-WebSocket-Protocol` header the server saw.
pub type SeenRequest = std::rc::Rc<std::cell::RefCell<Option<(String, Option<String>)>>>;

enum WsState {
    Start(Callback),
    Handshaking(MidHandshake<ServerHandshake<MemStream, Callback>>),
    Open(WebSocket<MemStream>),
    Failed(String),
    Taken,
}

/// A tungstenite server in memory. Received messages are kept in `messages`; the request path
/// and subprotocol header in `request_path` / `request_subprotocol`.
pub struct WsPeer {
    state: WsState,
    pending_in: BytesMut,
    outgoing: std::rc::Rc<std::cell::RefCell<Vec<u8>>>,
    pub messages: Vec<Message>,
    pub request: SeenRequest,
}

impl WsPeer {
    #[allow(clippy::result_large_err)]
    pub fn new(answer: WsAnswer) -> WsPeer {
        let seen: SeenRequest = Default::default();
        let seen2 = seen.clone();
        let callback: Callback = Box::new(move |req: &Request, mut resp: Response| {
            let proto = req
                .headers()
                .get("Sec-WebSocket-Protocol")
                .map(|v| v.to_str().unwrap().to_owned());
            *seen2.borrow_mut() = Some((req.uri().to_string(), proto));
            match answer {
                WsAnswer::AcceptMqtt => {
                    resp.headers_mut()
                        .insert("Sec-WebSocket-Protocol", "mqtt".parse().unwrap());
                    Ok(resp)
                }
                WsAnswer::AcceptWithoutSubprotocol => Ok(resp),
                WsAnswer::NotFound => {
                    let mut err = ErrorResponse::new(Some("no such path".into()));
                    *err.status_mut() = tungstenite::http::StatusCode::NOT_FOUND;
                    Err(err)
                }
            }
        });
        WsPeer {
            state: WsState::Start(callback),
            pending_in: BytesMut::new(),
            outgoing: Default::default(),
            messages: Vec::new(),
            request: seen,
        }
    }

    pub fn is_open(&self) -> bool {
        matches!(self.state, WsState::Open(_))
    }

    pub fn ws(&mut self) -> &mut WebSocket<MemStream> {
        match &mut self.state {
            WsState::Open(ws) => ws,
            _ => panic!("WebSocket server not open"),
        }
    }

    /// Sends a message to the client.
    pub fn send(&mut self, message: Message) {
        self.ws().send(message).unwrap();
    }

    /// The binary payloads received, concatenated.
    pub fn binary_received(&self) -> Vec<u8> {
        self.messages
            .iter()
            .filter_map(|m| match m {
                Message::Binary(b) => Some(b.to_vec()),
                _ => None,
            })
            .flatten()
            .collect()
    }

    fn stream(&mut self) -> Option<&mut MemStream> {
        match &mut self.state {
            WsState::Handshaking(mid) => Some(mid.get_mut().get_mut()),
            WsState::Open(ws) => Some(ws.get_mut()),
            _ => None,
        }
    }

    fn advance(&mut self) {
        let state = std::mem::replace(&mut self.state, WsState::Taken);
        self.state = match state {
            WsState::Start(callback) => {
                let stream = MemStream {
                    incoming: self.pending_in.split(),
                    outgoing: self.outgoing.clone(),
                };
                match tungstenite::accept_hdr(stream, callback) {
                    Ok(ws) => WsState::Open(ws),
                    Err(HandshakeError::Interrupted(mid)) => WsState::Handshaking(mid),
                    Err(HandshakeError::Failure(e)) => WsState::Failed(e.to_string()),
                }
            }
            WsState::Handshaking(mid) => match mid.handshake() {
                Ok(ws) => WsState::Open(ws),
                Err(HandshakeError::Interrupted(mid)) => WsState::Handshaking(mid),
                Err(HandshakeError::Failure(e)) => WsState::Failed(e.to_string()),
            },
            other => other,
        };
        if let WsState::Open(ws) = &mut self.state {
            loop {
                match ws.read() {
                    Ok(m) => self.messages.push(m),
                    Err(tungstenite::Error::Io(e)) if e.kind() == io::ErrorKind::WouldBlock => {
                        break
                    }
                    Err(_) => break,
                }
            }
            let _ = ws.flush();
        }
    }
}

impl Peer for WsPeer {
    fn absorb(&mut self, raw: &[u8]) {
        match self.stream() {
            Some(s) => s.incoming.extend_from_slice(raw),
            None => self.pending_in.extend_from_slice(raw),
        }
        self.advance();
    }

    fn output(&mut self) -> Vec<u8> {
        if let WsState::Open(ws) = &mut self.state {
            let _ = ws.flush();
        }
        std::mem::take(&mut *self.outgoing.borrow_mut())
    }
}

/// WebSocket over TLS in memory.
pub struct WssPeer {
    pub tls: TlsPeer,
    pub ws: WsPeer,
}

impl Peer for WssPeer {
    fn absorb(&mut self, raw: &[u8]) {
        self.tls.absorb(raw);
        let plain = std::mem::take(&mut self.tls.received);
        if !plain.is_empty() {
            self.ws.absorb(&plain);
        }
    }

    fn output(&mut self) -> Vec<u8> {
        let from_ws = self.ws.output();
        if !from_ws.is_empty() {
            self.tls.send(&from_ws);
        }
        self.tls.output()
    }
}
