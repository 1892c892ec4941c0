//! The layers a build left out (features `tls`, `websocket`): types with no
//! value, so the transport's code is the same in every build and a layer that
//! is not there can never be reached.

#[cfg(not(all(feature = "tls", feature = "websocket")))]
use bytes::BytesMut;

#[cfg(not(all(feature = "tls", feature = "websocket")))]
use crate::error::TransportError;

/// No TLS in this build: no value of this type exists.
#[cfg(not(feature = "tls"))]
pub(crate) enum TlsLayer {}

#[cfg(not(feature = "tls"))]
impl TlsLayer {
    /// `mqtts://` and `wss://` in a build without TLS: refused.
    pub(crate) fn for_url(
        url: &crate::ServerUrl,
        _: &crate::TransportOptions,
    ) -> Result<TlsLayer, TransportError> {
        Err(TransportError::Unsupported {
            scheme: url.scheme(),
            feature: "tls",
        })
    }
    pub(crate) fn handle_received(&mut self, _: &[u8]) -> Result<(), TransportError> {
        match *self {}
    }
    pub(crate) fn handle_eof(&mut self) -> Result<(), TransportError> {
        match *self {}
    }
    pub(crate) fn read(&mut self, _: &mut BytesMut) -> usize {
        match *self {}
    }
    pub(crate) fn write(&mut self, _: &[u8]) -> Result<(), TransportError> {
        match *self {}
    }
    pub(crate) fn poll_send(&mut self, _: &mut BytesMut) -> usize {
        match *self {}
    }
    pub(crate) fn wants_send(&self) -> bool {
        match *self {}
    }
    pub(crate) fn is_handshaking(&self) -> bool {
        match *self {}
    }
    pub(crate) fn peer_closed(&self) -> bool {
        match *self {}
    }
    pub(crate) fn close(&mut self) {
        match *self {}
    }
    pub(crate) fn alpn_protocol(&self) -> Option<&[u8]> {
        match *self {}
    }
}

/// No WebSocket in this build: no value of this type exists.
#[cfg(not(feature = "websocket"))]
pub(crate) enum WsLayer {}

#[cfg(not(feature = "websocket"))]
impl WsLayer {
    /// `ws://` and `wss://` in a build without WebSockets: refused.
    pub(crate) fn new(
        url: &crate::ServerUrl,
        _: &crate::WsOptions,
    ) -> Result<WsLayer, TransportError> {
        Err(TransportError::Unsupported {
            scheme: url.scheme(),
            feature: "websocket",
        })
    }
    pub(crate) fn handle_received(&mut self, _: &[u8]) -> Result<(), TransportError> {
        match *self {}
    }
    pub(crate) fn read(&mut self, _: &mut BytesMut) -> usize {
        match *self {}
    }
    pub(crate) fn write(&mut self, _: &[u8]) -> Result<(), TransportError> {
        match *self {}
    }
    pub(crate) fn poll_send(&mut self, _: &mut BytesMut) -> Result<usize, TransportError> {
        match *self {}
    }
    pub(crate) fn wants_send(&self) -> bool {
        match *self {}
    }
    pub(crate) fn is_open(&self) -> bool {
        match *self {}
    }
    pub(crate) fn peer_closed(&self) -> bool {
        match *self {}
    }
    pub(crate) fn close(&mut self) -> Result<(), TransportError> {
        match *self {}
    }
}
