//! The loopback relay in front of the embedded broker's listeners.
//!
//! rumqttd 0.20 hears of a client's DISCONNECT twice when the client closes
//! its socket soon after it: once for the packet, once for the closed socket.
//! Both remove "connection slot N", and by the second one slot N may belong
//! to a client that connected in between, which rumqttd then drops (the log
//! says `no-connection id N is already gone` only when nobody took the slot;
//! bytebeamio/rumqtt#928 shows the same log). Tests connect in parallel, so an
//! unrelated test lost its connection now and then (about 1 run in 20 of
//! `mqtt-std --test tools`).
//!
//! The relay copies bytes both ways and changes one thing: after a client's
//! DISCONNECT it does not pass the client's close on to rumqttd. It waits for
//! rumqttd to close (which rumqttd does as soon as it has handled the
//! DISCONNECT, and then reports no second disconnection), at most
//! [`LINGER`]. A client that closes without DISCONNECT is passed on at once,
//! so wills and lost-connection handling see what the client did.
//!
//! The relay runs on one thread with a single-threaded tokio runtime (tokio
//! is what rumqttd runs on already).

use std::net::{SocketAddr, TcpListener as StdListener};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};

use crate::error::{Error, Result};
use mqtt_sansio::codec::{check_frame, FrameStatus};

/// How long the relay keeps the broker's side open after a client closed:
/// after a DISCONNECT, at most this long for rumqttd to close it first.
const LINGER: Duration = Duration::from_secs(1);

/// What the relay can see of the bytes a client sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// MQTT packets straight on TCP: the relay follows the fixed headers and
    /// knows whether the last packet was a DISCONNECT.
    Mqtt,
    /// WebSocket frames (masked): the relay cannot see the packets, and
    /// treats every close as one after a DISCONNECT (waits for rumqttd,
    /// at most [`LINGER`]).
    WebSocket,
}

/// One relayed listener: clients connect to `listener`, the relay connects
/// each of them to `upstream`.
pub(crate) struct Route {
    pub(crate) listener: StdListener,
    pub(crate) upstream: SocketAddr,
    pub(crate) framing: Framing,
}

/// Starts the relay thread for `routes`; it lives as long as the process
/// (like rumqttd, which has no shutdown).
pub(crate) fn spawn(routes: Vec<Route>) -> Result<()> {
    for r in &routes {
        r.listener
            .set_nonblocking(true)
            .map_err(|e| Error::io("making the relay's listener non-blocking", e))?;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| Error::io("building the relay's runtime", e))?;
    std::thread::Builder::new()
        .name("mqtt-testkit-relay".into())
        .spawn(move || {
            runtime.block_on(async move {
                let mut accepting = Vec::new();
                for route in routes {
                    match TcpListener::from_std(route.listener) {
                        Ok(listener) => accepting.push(tokio::spawn(accept(
                            listener,
                            route.upstream,
                            route.framing,
                        ))),
                        Err(e) => log::error!("the relay cannot serve a listener: {e}"),
                    }
                }
                for a in accepting {
                    let _ = a.await;
                }
            })
        })
        .map_err(|e| Error::io("spawning the relay thread", e))?;
    Ok(())
}

async fn accept(listener: TcpListener, upstream: SocketAddr, framing: Framing) {
    loop {
        match listener.accept().await {
            Ok((client, _)) => {
                tokio::spawn(relay(client, upstream, framing));
            }
            // Out of file descriptors and the like: try again shortly.
            Err(e) => {
                log::warn!("the relay could not accept a connection: {e}");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

/// Relays one connection until both sides are closed.
async fn relay(client: TcpStream, upstream: SocketAddr, framing: Framing) {
    // Not serving yet: dropping `client` closes it, as a broker that is not
    // up would.
    let Ok(broker) = TcpStream::connect(upstream).await else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = broker.set_nodelay(true);
    let (client_rx, client_tx) = client.into_split();
    let (broker_rx, mut broker_tx) = broker.into_split();

    let mut down = tokio::spawn(broker_to_client(broker_rx, client_tx));
    let saw_disconnect = client_to_broker(client_rx, &mut broker_tx, framing).await;
    if !saw_disconnect {
        // Pass the client's close on: rumqttd sees it as the client did it.
        let _ = broker_tx.shutdown().await;
    }
    // After a DISCONNECT rumqttd closes first; otherwise it closes after our
    // shutdown. Either way the broker's side is dropped only after that.
    // Past the linger, close the broker's side whatever it does.
    if tokio::time::timeout(LINGER, &mut down).await.is_err() {
        down.abort();
    }
}

/// Copies the client's bytes to the broker until the client closes; returns
/// whether the last packet it sent was a DISCONNECT (always `true` for
/// WebSocket, where the relay cannot tell).
async fn client_to_broker(
    mut from: OwnedReadHalf,
    to: &mut OwnedWriteHalf,
    framing: Framing,
) -> bool {
    let mut headers = Headers::default();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        headers.feed(&buf[..n]);
        if to.write_all(&buf[..n]).await.is_err() {
            // The broker is gone: nothing to protect.
            return false;
        }
    }
    match framing {
        Framing::Mqtt => headers.last_type == Some(DISCONNECT),
        Framing::WebSocket => true,
    }
}

/// Copies the broker's bytes to the client until the broker closes, then
/// half-closes the client's side. Keeps reading (and discarding) when the
/// client is gone: the relay must learn when the broker closes.
async fn broker_to_client(mut from: OwnedReadHalf, mut to: OwnedWriteHalf) {
    let mut buf = vec![0u8; 64 * 1024];
    let mut client_open = true;
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if client_open && to.write_all(&buf[..n]).await.is_err() {
            client_open = false;
        }
    }
    if client_open {
        let _ = to.shutdown().await;
    }
}

/// The MQTT packet type of DISCONNECT.
const DISCONNECT: u8 = 14;

/// Follows the MQTT fixed headers of a byte stream: only the packet types
/// and lengths (read by the codec's [`check_frame`]), never the contents.
#[derive(Debug, Default)]
struct Headers {
    /// Type of the last packet whose fixed header was read.
    last_type: Option<u8>,
    /// Bytes of the current packet still to pass over.
    skip: usize,
    /// The start of a packet whose fixed header is not complete yet (at
    /// most [`MAX_HEADER`] bytes).
    head: Vec<u8>,
    /// Not MQTT (a malformed Remaining Length): no longer followed.
    lost: bool,
}

/// The longest fixed header: one byte and a four-byte Remaining Length.
const MAX_HEADER: usize = 5;

impl Headers {
    fn feed(&mut self, mut bytes: &[u8]) {
        while !self.lost && !bytes.is_empty() {
            if self.skip > 0 {
                let n = self.skip.min(bytes.len());
                self.skip -= n;
                bytes = &bytes[n..];
                continue;
            }
            let take = (MAX_HEADER - self.head.len()).min(bytes.len());
            self.head.extend_from_slice(&bytes[..take]);
            match check_frame(&self.head, usize::MAX) {
                Ok(FrameStatus::Complete { len }) => {
                    // The packet ends inside `head`: the bytes after it
                    // (all from this chunk) start the next one.
                    self.last_type = Some(self.head[0] >> 4);
                    bytes = &bytes[take - (self.head.len() - len)..];
                    self.head.clear();
                }
                // With all of MAX_HEADER in hand the header is complete and
                // `needed` exact; with less, this chunk ended: wait for more.
                Ok(FrameStatus::Incomplete { needed }) => {
                    bytes = &bytes[take..];
                    if self.head.len() == MAX_HEADER {
                        self.last_type = Some(self.head[0] >> 4);
                        self.skip = needed;
                        self.head.clear();
                    }
                }
                Err(_) => {
                    self.last_type = None;
                    self.lost = true;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn last_type(chunks: &[&[u8]]) -> Option<u8> {
        let mut h = Headers::default();
        for c in chunks {
            h.feed(c);
        }
        h.last_type
    }

    #[test]
    fn follows_packets_across_chunks() {
        // CONNECT-like packet of 3 body bytes, then PINGREQ, then DISCONNECT.
        let stream: &[u8] = &[0x10, 3, 1, 2, 3, 0xc0, 0, 0xe0, 0];
        assert_eq!(last_type(&[stream]), Some(DISCONNECT));
        for split in 0..stream.len() {
            let (a, b) = stream.split_at(split);
            assert_eq!(last_type(&[a, b]), Some(DISCONNECT), "split at {split}");
        }
        // A DISCONNECT byte inside a body is not a DISCONNECT.
        assert_eq!(last_type(&[&[0x30, 2, 0xe0, 0]]), Some(3));
    }

    #[test]
    fn multi_byte_lengths_are_skipped_whole() {
        // PUBLISH with a Remaining Length of 200 (0xc8 0x01), then PUBACK-sized packet.
        let mut stream = vec![0x30, 0xc8, 0x01];
        stream.extend(std::iter::repeat_n(0xe0, 200));
        stream.extend([0x40, 2, 0, 1]);
        assert_eq!(last_type(&[&stream]), Some(4));
    }

    #[test]
    fn a_stream_fed_one_byte_at_a_time_is_followed_too() {
        let mut stream = vec![0x30, 0xc8, 0x01];
        stream.extend(std::iter::repeat_n(0xe0, 200));
        stream.extend([0xe0, 0]);
        let chunks: Vec<&[u8]> = stream.chunks(1).collect();
        assert_eq!(last_type(&chunks), Some(DISCONNECT));
        let chunks: Vec<&[u8]> = stream[..stream.len() - 2].chunks(1).collect();
        assert_eq!(last_type(&chunks), Some(3));
    }

    #[test]
    fn a_length_longer_than_four_bytes_stops_following() {
        assert_eq!(last_type(&[&[0xe0, 0xff, 0xff, 0xff, 0xff, 0x01]]), None);
    }
}
