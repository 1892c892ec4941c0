//! The transport stack: plain, TLS, WebSocket, or WebSocket over TLS.

use bytes::BytesMut;

use crate::error::TransportError;
#[cfg(not(feature = "tls"))]
use crate::off::TlsLayer;
#[cfg(not(feature = "websocket"))]
use crate::off::WsLayer;
#[cfg(feature = "tls")]
use crate::tls::TlsLayer;
#[cfg(feature = "tls")]
use crate::tls::TlsOptions;
use crate::url::{Scheme, ServerUrl};
#[cfg(feature = "websocket")]
use crate::ws::WsLayer;
use crate::ws_options::WsOptions;

/// Options for every layer; only those the URL's scheme uses are read.
///
/// ```
/// # #[cfg(feature = "tls")] {
/// use mqtt_transport::{TlsOptions, TransportOptions};
///
/// let options = TransportOptions::default().with_tls(TlsOptions::new().ca_file("ca.crt"));
/// assert_eq!(options.ws.subprotocol, "mqtt");
/// # }
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct TransportOptions {
    /// For `mqtts://` and `wss://` (feature `tls`).
    #[cfg(feature = "tls")]
    pub tls: TlsOptions,
    /// For `ws://` and `wss://`.
    pub ws: WsOptions,
}

impl TransportOptions {
    /// Replaces the TLS options (feature `tls`).
    #[cfg(feature = "tls")]
    #[must_use]
    pub fn with_tls(mut self, tls: TlsOptions) -> Self {
        self.tls = tls;
        self
    }

    /// Replaces the WebSocket options.
    #[must_use]
    pub fn with_ws(mut self, ws: WsOptions) -> Self {
        self.ws = ws;
        self
    }
}

/// A sans-IO transport: turns MQTT bytes into the bytes to put on the socket and back, for
/// `mqtt://` (identity), `mqtts://` (TLS), `ws://` (WebSocket) and `wss://` (WebSocket over
/// TLS). It never touches a socket or a clock, so both adapters (blocking and async) share it.
///
/// # The loop an adapter runs
///
/// 1. Open a TCP connection to `(url.host(), url.port())`; create the transport with
///    [`Transport::new`]. [`write`](Self::write) the MQTT CONNECT right away if you like: it is
///    kept until the handshakes are done.
/// 2. Whenever the socket can be written and [`wants_send`](Self::wants_send) is true (and
///    after every call below), [`poll_send`](Self::poll_send) into a buffer and write that
///    buffer to the socket.
/// 3. When the socket yields bytes, [`handle_received`](Self::handle_received) them, then
///    [`read_plaintext`](Self::read_plaintext) to get the MQTT bytes for the protocol core.
///    On end of stream, call [`handle_eof`](Self::handle_eof).
/// 4. MQTT bytes from the core go in with [`write`](Self::write).
/// 5. To end: [`close`](Self::close), a last `poll_send`, then shut the socket down.
///
/// The invariant: drain `poll_send` after every input, since a received handshake message or a
/// WebSocket ping produces bytes to send.
///
/// Errors are sticky (as in rustls): after one, `handle_received`, `write` and
/// `read_plaintext` keep returning it — except that bytes already decoded are still handed out
/// by `read_plaintext`, and bytes already queued (a TLS alert, a WebSocket close) by
/// `poll_send`.
///
/// ```
/// use bytes::BytesMut;
/// use mqtt_transport::{ServerUrl, Transport, TransportOptions};
///
/// let url = ServerUrl::parse("mqtt://127.0.0.1:1883")?;
/// let mut transport = Transport::new(&url, &TransportOptions::default())?;
/// assert!(transport.is_ready()); // plain TCP: nothing to negotiate
///
/// transport.write(&[0xC0, 0x00])?; // PINGREQ from the MQTT core
/// let mut to_socket = BytesMut::new();
/// transport.poll_send(&mut to_socket)?;
/// assert_eq!(&to_socket[..], &[0xC0, 0x00]);
///
/// transport.handle_received(&[0xD0, 0x00])?; // PINGRESP from the socket
/// let mut to_core = BytesMut::new();
/// transport.read_plaintext(&mut to_core)?;
/// assert_eq!(&to_core[..], &[0xD0, 0x00]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Transport {
    scheme: Scheme,
    tls: Option<TlsLayer>,
    ws: Option<WsLayer>,
    /// Plain transport: MQTT bytes received, not yet read.
    plain_in: BytesMut,
    /// Plain transport: MQTT bytes to send.
    plain_out: BytesMut,
    /// Scratch buffer between the WebSocket and TLS layers of `wss://`.
    between: BytesMut,
    error: Option<TransportError>,
    closed_locally: bool,
    eof: bool,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("scheme", &self.scheme)
            .field("ready", &self.is_ready())
            .field("error", &self.error)
            .field("closed_locally", &self.closed_locally)
            .field("eof", &self.eof)
            .finish()
    }
}

impl Transport {
    /// Sets up the layers the URL's scheme asks for. For TLS this builds the rustls
    /// configuration from `options.tls`, which reads the CA / client certificate files.
    ///
    /// A scheme whose layer this build left out (`mqtts://` / `wss://` without the `tls`
    /// feature, `ws://` / `wss://` without `websocket`) is [`TransportError::Unsupported`].
    pub fn new(url: &ServerUrl, options: &TransportOptions) -> Result<Transport, TransportError> {
        let tls = if url.is_tls() {
            Some(TlsLayer::for_url(url, options)?)
        } else {
            None
        };
        let ws = if url.is_websocket() {
            Some(WsLayer::new(url, &options.ws)?)
        } else {
            None
        };
        Ok(Transport {
            scheme: url.scheme(),
            tls,
            ws,
            plain_in: BytesMut::new(),
            plain_out: BytesMut::new(),
            between: BytesMut::new(),
            error: None,
            closed_locally: false,
            eof: false,
        })
    }

    /// The stack this transport runs.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    fn check(&self) -> Result<(), TransportError> {
        match &self.error {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }

    fn fail(&mut self, e: TransportError) -> TransportError {
        self.error = Some(e.clone());
        e
    }

    /// Feeds bytes read from the socket.
    pub fn handle_received(&mut self, data: &[u8]) -> Result<(), TransportError> {
        self.check()?;
        let result = match (&mut self.tls, &mut self.ws) {
            (None, None) => {
                self.plain_in.extend_from_slice(data);
                Ok(())
            }
            (Some(tls), None) => tls.handle_received(data),
            (None, Some(ws)) => ws.handle_received(data),
            (Some(tls), Some(ws)) => tls.handle_received(data).and_then(|()| {
                tls.read(&mut self.between);
                if self.between.is_empty() {
                    return Ok(());
                }
                let r = ws.handle_received(&self.between);
                self.between.clear();
                r
            }),
        };
        result.map_err(|e| self.fail(e))
    }

    /// The socket reached end of stream (the peer closed its side).
    pub fn handle_eof(&mut self) -> Result<(), TransportError> {
        self.eof = true;
        self.check()?;
        if let Some(tls) = &mut self.tls {
            if let Err(e) = tls.handle_eof() {
                return Err(self.fail(e));
            }
        }
        Ok(())
    }

    /// The socket failed (reset by the peer, ...). Returns the error as this transport
    /// explains it when it can say more than the socket error: a reset during the TLS
    /// handshake is [`TransportError::TlsHandshakeInterrupted`] (the mark of a port that does
    /// not speak TLS). `Ok(())` when the socket error says it all. The transport is unusable
    /// afterwards either way.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use mqtt_transport::{rustls, ServerUrl, TlsOptions, Transport, TransportError, TransportOptions};
    ///
    /// let provider = Arc::new(rustls::crypto::ring::default_provider());
    /// let config = rustls::ClientConfig::builder_with_provider(provider)
    ///     .with_safe_default_protocol_versions()?
    ///     .with_root_certificates(rustls::RootCertStore::empty())
    ///     .with_no_client_auth();
    /// let tls = TlsOptions::new().rustls_config(Arc::new(config));
    /// let url = ServerUrl::parse("mqtts://127.0.0.1:1883")?;
    /// let mut transport = Transport::new(&url, &TransportOptions::default().with_tls(tls))?;
    ///
    /// // A plain MQTT port resets the connection when the ClientHello arrives.
    /// let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
    /// let err = transport.handle_socket_error(&reset).unwrap_err();
    /// assert!(matches!(err, TransportError::TlsHandshakeInterrupted { .. }));
    /// assert!(err.to_string().starts_with("TLS handshake failed: connection reset"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn handle_socket_error(&mut self, error: &std::io::Error) -> Result<(), TransportError> {
        self.eof = true;
        self.check()?;
        if self.tls.as_ref().is_some_and(TlsLayer::is_handshaking) {
            return Err(self.fail(TransportError::TlsHandshakeInterrupted {
                reason: error.to_string(),
            }));
        }
        Ok(())
    }

    /// Appends the MQTT bytes received so far to `out`; returns how many.
    ///
    /// Returns `Ok(0)` when none are available yet. After a fatal error, bytes decoded before it
    /// are still returned; once they are gone the error is.
    pub fn read_plaintext(&mut self, out: &mut BytesMut) -> Result<usize, TransportError> {
        let n = match (&mut self.tls, &mut self.ws) {
            (None, None) => take_all(&mut self.plain_in, out),
            (Some(tls), None) => tls.read(out),
            (_, Some(ws)) => ws.read(out),
        };
        if n == 0 {
            self.check()?;
        }
        Ok(n)
    }

    /// Queues MQTT bytes for sending. Before the handshakes complete they are kept and sent
    /// once the connection is ready.
    pub fn write(&mut self, data: &[u8]) -> Result<(), TransportError> {
        self.check()?;
        if self.closed_locally {
            return Err(TransportError::Closed);
        }
        let result = match (&mut self.tls, &mut self.ws) {
            (None, None) => {
                self.plain_out.extend_from_slice(data);
                Ok(())
            }
            (Some(tls), None) => tls.write(data),
            (_, Some(ws)) => ws.write(data),
        };
        result.map_err(|e| self.fail(e))
    }

    /// Appends the bytes to write to the socket to `out`; returns how many (0: nothing to send
    /// now). Call after every other method; see [`wants_send`](Self::wants_send).
    pub fn poll_send(&mut self, out: &mut BytesMut) -> Result<usize, TransportError> {
        let result = match (&mut self.tls, &mut self.ws) {
            (None, None) => Ok(take_all(&mut self.plain_out, out)),
            (Some(tls), None) => Ok(tls.poll_send(out)),
            (None, Some(ws)) => ws.poll_send(out),
            (Some(tls), Some(ws)) => {
                let framed = if self.error.is_none() {
                    ws.poll_send(&mut self.between)
                } else {
                    Ok(0)
                };
                let written = match framed {
                    Ok(n) if n > 0 => {
                        let r = tls.write(&self.between);
                        self.between.clear();
                        r
                    }
                    Ok(_) => Ok(()),
                    Err(e) => Err(e),
                };
                let n = tls.poll_send(out);
                written.map(|()| n)
            }
        };
        result.map_err(|e| self.fail(e))
    }

    /// Whether [`poll_send`](Self::poll_send) has something to hand out.
    pub fn wants_send(&self) -> bool {
        !self.plain_out.is_empty()
            || self.tls.as_ref().is_some_and(TlsLayer::wants_send)
            || self.ws.as_ref().is_some_and(WsLayer::wants_send)
    }

    /// Whether the handshakes (TLS, WebSocket) are complete. Always true for `mqtt://`.
    pub fn is_ready(&self) -> bool {
        self.error.is_none()
            && self.tls.as_ref().map_or(true, |t| !t.is_handshaking())
            && self.ws.as_ref().map_or(true, WsLayer::is_open)
    }

    /// Whether the peer ended the transport: end of stream, TLS close_notify, or a WebSocket
    /// Close frame.
    pub fn is_peer_closed(&self) -> bool {
        self.eof
            || self.tls.as_ref().is_some_and(TlsLayer::peer_closed)
            || self.ws.as_ref().is_some_and(WsLayer::peer_closed)
    }

    /// The ALPN protocol the TLS server selected, if any.
    pub fn alpn_protocol(&self) -> Option<&[u8]> {
        self.tls.as_ref().and_then(TlsLayer::alpn_protocol)
    }

    /// Starts an orderly close after the bytes already written: a WebSocket Close frame and/or
    /// a TLS close_notify. Take the result with [`poll_send`](Self::poll_send), then shut the
    /// socket down. Later [`write`](Self::write)s fail with [`TransportError::Closed`].
    pub fn close(&mut self) -> Result<(), TransportError> {
        if self.closed_locally {
            return Ok(());
        }
        self.closed_locally = true;
        if self.error.is_some() {
            return Ok(());
        }
        if let Some(ws) = &mut self.ws {
            if let Err(e) = ws.close() {
                return Err(self.fail(e));
            }
        }
        if let Some(tls) = &mut self.tls {
            if let Some(ws) = &mut self.ws {
                // The Close frame must be encrypted before close_notify.
                let r = ws
                    .poll_send(&mut self.between)
                    .and_then(|_| tls.write(&self.between));
                self.between.clear();
                if let Err(e) = r {
                    return Err(self.fail(e));
                }
            }
            tls.close();
        }
        Ok(())
    }
}

/// Moves everything from `from` to the end of `to` (without copying when `to` is empty).
pub(crate) fn take_all(from: &mut BytesMut, to: &mut BytesMut) -> usize {
    let n = from.len();
    if n == 0 {
        return 0;
    }
    if to.is_empty() {
        std::mem::swap(from, to);
    } else {
        to.extend_from_slice(from);
        from.clear();
    }
    n
}
