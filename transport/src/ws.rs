//! WebSocket: tungstenite's client handshake and framing over an in-memory duplex buffer.

use std::io::{self, Read, Write};

use bytes::{Bytes, BytesMut};
use tungstenite::client::IntoClientRequest;
use tungstenite::error::{CapacityError, Error as WsError, ProtocolError};
use tungstenite::handshake::client::ClientHandshake;
use tungstenite::handshake::{HandshakeError, MidHandshake};
use tungstenite::http::HeaderValue;
use tungstenite::protocol::WebSocketConfig;
use tungstenite::{Message, WebSocket};

use crate::error::TransportError;
use crate::transport::take_all;
use crate::url::ServerUrl;
use crate::ws_options::WsOptions;

/// Largest HTTP response head accepted during the upgrade (tungstenite's own limit).
const MAX_RESPONSE_HEAD: usize = 64 * 1024;

/// The in-memory "socket" tungstenite reads from and writes to.
#[derive(Default)]
struct Duplex {
    /// Bytes from the network (or the TLS layer), not yet consumed by tungstenite.
    incoming: BytesMut,
    /// Bytes tungstenite produced, for the network (or the TLS layer).
    outgoing: BytesMut,
}

impl Read for Duplex {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.incoming.is_empty() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let n = buf.len().min(self.incoming.len());
        buf[..n].copy_from_slice(&self.incoming.split_to(n));
        Ok(n)
    }
}

impl Write for Duplex {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.outgoing.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

enum State {
    Handshaking(MidHandshake<ClientHandshake<Duplex>>),
    Open(WebSocket<Duplex>),
    /// Only while a handshake step owns the state, or after a fatal error.
    Failed,
}

/// The WebSocket layer: MQTT bytes in binary frames.
pub(crate) struct WsLayer {
    state: State,
    /// MQTT bytes written before the handshake completed, or since the last `poll_send`.
    pending: BytesMut,
    /// MQTT bytes received in binary frames, not yet taken.
    received: BytesMut,
    /// The server sent a Close frame.
    peer_closed: bool,
    /// We sent a Close frame.
    local_closed: bool,
}

impl WsLayer {
    pub(crate) fn new(url: &ServerUrl, options: &WsOptions) -> Result<WsLayer, TransportError> {
        let scheme = if url.is_tls() { "wss" } else { "ws" };
        let uri = format!("{scheme}://{}{}", url.authority(), url.path());
        let bad_request = |reason: String| TransportError::WsHandshake { reason };
        let mut request = uri
            .as_str()
            .into_client_request()
            .map_err(|e| bad_request(format!("cannot build the request for {uri}: {e}")))?;
        let headers = request.headers_mut();
        headers.insert(
            "Sec-WebSocket-Protocol",
            HeaderValue::from_str(&options.subprotocol)
                .map_err(|_| bad_request("invalid subprotocol name".to_owned()))?,
        );
        for (name, value) in &options.headers {
            let name = tungstenite::http::HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| bad_request(format!("invalid header name {name:?}")))?;
            let value = HeaderValue::from_str(value)
                .map_err(|_| bad_request(format!("invalid value for header {name}")))?;
            headers.append(name, value);
        }
        let config = WebSocketConfig::default()
            .max_message_size(Some(options.max_message_size))
            .max_frame_size(Some(options.max_frame_size));
        let mid = ClientHandshake::start(Duplex::default(), request, Some(config))
            .map_err(map_handshake_error)?;
        let mut layer = WsLayer {
            state: State::Handshaking(mid),
            pending: BytesMut::new(),
            received: BytesMut::new(),
            peer_closed: false,
            local_closed: false,
        };
        // The first step writes the request into the duplex, then waits for the response.
        layer.advance()?;
        Ok(layer)
    }

    fn duplex(&mut self) -> Option<&mut Duplex> {
        match &mut self.state {
            State::Handshaking(mid) => Some(mid.get_mut().get_mut()),
            State::Open(ws) => Some(ws.get_mut()),
            State::Failed => None,
        }
    }

    /// Feeds bytes from the layer below.
    pub(crate) fn handle_received(&mut self, data: &[u8]) -> Result<(), TransportError> {
        let handshaking = matches!(self.state, State::Handshaking(_));
        let Some(duplex) = self.duplex() else {
            return Ok(());
        };
        duplex.incoming.extend_from_slice(data);
        if handshaking {
            // Hand tungstenite the response headers in one piece: it takes many small reads
            // for a slow-loris attack and fails the handshake, but a network may well deliver
            // the response in small segments.
            let buffered = &duplex.incoming;
            if !buffered.windows(4).any(|w| w == b"\r\n\r\n") {
                if buffered.len() > MAX_RESPONSE_HEAD {
                    self.state = State::Failed;
                    return Err(TransportError::WsHandshake {
                        reason: format!(
                            "no end of the HTTP response head within {MAX_RESPONSE_HEAD} bytes"
                        ),
                    });
                }
                return Ok(());
            }
        }
        self.advance()
    }

    /// Runs the handshake and reads whole frames, as far as the received bytes allow.
    fn advance(&mut self) -> Result<(), TransportError> {
        if let State::Handshaking(_) = self.state {
            if let State::Handshaking(mid) = std::mem::replace(&mut self.state, State::Failed) {
                match mid.handshake() {
                    Ok((ws, _response)) => self.state = State::Open(ws),
                    Err(HandshakeError::Interrupted(mid)) => {
                        self.state = State::Handshaking(mid);
                        return Ok(());
                    }
                    Err(HandshakeError::Failure(e)) => return Err(map_handshake_error(e)),
                }
            }
        }
        let State::Open(ws) = &mut self.state else {
            return Ok(());
        };
        loop {
            match ws.read() {
                Ok(Message::Binary(payload)) => self.received.extend_from_slice(&payload),
                Ok(Message::Text(_)) => {
                    // [MQTT-6.0.0-1]: a non-binary data frame closes the connection.
                    self.state = State::Failed;
                    return Err(TransportError::WsTextFrame);
                }
                // Pings are answered by tungstenite itself (queued, flushed below).
                Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_)) => {}
                Ok(Message::Close(_)) => self.peer_closed = true,
                Err(WsError::Io(e)) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(WsError::ConnectionClosed | WsError::AlreadyClosed) => {
                    self.peer_closed = true;
                    break;
                }
                Err(e) => {
                    self.state = State::Failed;
                    return Err(map_ws_error(e));
                }
            }
        }
        // Queue pongs / the close reply into the duplex; writing to memory cannot block.
        match ws.flush() {
            Ok(()) | Err(WsError::ConnectionClosed | WsError::AlreadyClosed) => Ok(()),
            Err(WsError::Io(e)) if e.kind() == io::ErrorKind::WouldBlock => Ok(()),
            Err(e) => Err(map_ws_error(e)),
        }
    }

    pub(crate) fn read(&mut self, out: &mut BytesMut) -> usize {
        take_all(&mut self.received, out)
    }

    pub(crate) fn write(&mut self, data: &[u8]) -> Result<(), TransportError> {
        if self.local_closed || self.peer_closed {
            return Err(TransportError::Closed);
        }
        self.pending.extend_from_slice(data);
        Ok(())
    }

    /// Frames the pending MQTT bytes (one binary frame per call) and moves everything for the
    /// layer below into `out`.
    pub(crate) fn poll_send(&mut self, out: &mut BytesMut) -> Result<usize, TransportError> {
        if let State::Open(ws) = &mut self.state {
            if !self.pending.is_empty() && !self.local_closed && !self.peer_closed {
                let frame = Bytes::from(self.pending.split());
                if let Err(e) = ws.send(Message::Binary(frame)) {
                    self.state = State::Failed;
                    return Err(map_ws_error(e));
                }
            }
        }
        Ok(match self.duplex() {
            Some(duplex) => take_all(&mut duplex.outgoing, out),
            None => 0,
        })
    }

    pub(crate) fn wants_send(&self) -> bool {
        let duplex_out = match &self.state {
            State::Handshaking(mid) => !mid.get_ref().get_ref().outgoing.is_empty(),
            State::Open(ws) => !ws.get_ref().outgoing.is_empty(),
            State::Failed => false,
        };
        duplex_out || (self.is_open() && !self.pending.is_empty())
    }

    pub(crate) fn is_open(&self) -> bool {
        matches!(self.state, State::Open(_))
    }

    pub(crate) fn peer_closed(&self) -> bool {
        self.peer_closed
    }

    /// Sends a Close frame (normal closure) after the pending data.
    pub(crate) fn close(&mut self) -> Result<(), TransportError> {
        if self.local_closed {
            return Ok(());
        }
        let mut scratch = BytesMut::new();
        // Frame what is pending first so it is not lost behind the Close frame.
        self.poll_send(&mut scratch)?;
        self.local_closed = true;
        if let State::Open(ws) = &mut self.state {
            match ws.close(None) {
                Ok(()) | Err(WsError::ConnectionClosed | WsError::AlreadyClosed) => {}
                Err(e) => return Err(map_ws_error(e)),
            }
            let _ = ws.flush();
        }
        // Put the framed data back in front of the Close frame.
        if let Some(duplex) = self.duplex() {
            scratch.extend_from_slice(&duplex.outgoing);
            duplex.outgoing = scratch;
        }
        Ok(())
    }
}

fn map_handshake_error(e: WsError) -> TransportError {
    match e {
        WsError::Http(response) => TransportError::WsHandshakeStatus {
            status: response.status().as_u16(),
        },
        WsError::Protocol(p) => TransportError::WsHandshake {
            reason: p.to_string(),
        },
        other => map_ws_error(other),
    }
}

fn map_ws_error(e: WsError) -> TransportError {
    match e {
        WsError::Capacity(c) => TransportError::WsTooLarge {
            reason: match c {
                CapacityError::MessageTooLong { size, max_size } => {
                    format!("message of {size} bytes over the maximum of {max_size}")
                }
                other => other.to_string(),
            },
        },
        WsError::Protocol(ProtocolError::HandshakeIncomplete) => TransportError::WsHandshake {
            reason: "incomplete handshake".to_owned(),
        },
        WsError::Http(response) => TransportError::WsHandshakeStatus {
            status: response.status().as_u16(),
        },
        other => TransportError::WsProtocol {
            reason: other.to_string(),
        },
    }
}
