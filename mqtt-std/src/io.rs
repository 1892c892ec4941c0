//! The socket threads of one connection: connect, read, write.
//!
//! None of them makes a protocol decision. The connector opens a TCP stream,
//! the reader forwards raw bytes as they arrive (one chunk per turn granted by
//! [`Flow`]), the writer writes what the driver gives it and reports progress.
//! Each tags its reports with the connection generation, so the driver ignores
//! the leftovers of a connection it already abandoned.

use crate::driver::Input;
use crate::flow::{Flow, ReaderTurn};
use bytes::Bytes;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

/// Size of one read; also the most the reader holds before the driver consumed it.
pub(crate) const READ_CHUNK: usize = 16 * 1024;

/// Opens a TCP connection to `host:port` on a thread of its own, so the driver
/// never blocks on DNS or a slow SYN; reports [`Input::Opened`].
pub(crate) fn spawn_connector(
    generation: u64,
    host: String,
    port: u16,
    timeout: Duration,
    tx: Sender<Input>,
) -> io::Result<()> {
    thread::Builder::new()
        .name("mqtt-std-connect".into())
        .spawn(move || {
            let result = open(&host, port, timeout);
            // The driver may be gone (client dropped): nothing to report to.
            let _ = tx.send(Input::Opened(generation, result));
        })
        .map(drop)
}

fn open(host: &str, port: u16, timeout: Duration) -> io::Result<TcpStream> {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let mut last = io::Error::new(
        io::ErrorKind::NotFound,
        "the host name resolved to no address",
    );
    for addr in (host, port).to_socket_addrs()? {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(s) => {
                // MQTT packets are small and latency-bound: no Nagle delay.
                s.set_nodelay(true)?;
                return Ok(s);
            }
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// Reads raw bytes from `stream` and forwards them to the driver, one chunk per turn.
///
/// The returned receiver disconnects when the reader thread ends (after the
/// end of the stream, an error, or its connection being abandoned), so the
/// driver can wait, bounded, for the broker to close a connection.
pub(crate) fn spawn_reader(
    generation: u64,
    mut stream: TcpStream,
    tx: Sender<Input>,
    flow: Arc<Flow>,
) -> io::Result<Receiver<()>> {
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    thread::Builder::new()
        .name("mqtt-std-read".into())
        .spawn(move || {
            // Dropped when this thread ends, whichever way: that is the signal.
            let _done = done_tx;
            let mut buf = vec![0u8; READ_CHUNK];
            loop {
                if flow.reader_turn(generation) == ReaderTurn::Stop {
                    // Abandoned (closed or replaced): read to the end, discarding,
                    // so that a closing connection ends when the broker closes
                    // its side and never with unread bytes (a reset). Bounded by
                    // the read timeout the driver set, or at once after a
                    // shutdown.
                    while matches!(stream.read(&mut buf), Ok(n) if n > 0) {}
                    return;
                }
                match stream.read(&mut buf) {
                    Ok(0) => {
                        flow.reader_gave_up(generation);
                        let _ = tx.send(Input::Closed(generation, None));
                        return;
                    }
                    Ok(n) => {
                        let chunk = Bytes::copy_from_slice(&buf[..n]);
                        if tx.send(Input::Data(generation, chunk)).is_err() {
                            return;
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                        flow.reader_gave_up(generation);
                    }
                    Err(e) => {
                        flow.reader_gave_up(generation);
                        let _ = tx.send(Input::Closed(generation, Some(e)));
                        return;
                    }
                }
            }
        })
        .map(|_| done_rx)
}

/// Writes what the driver sends, in order, and counts the bytes down in
/// `unwritten`; when that falls below `limit` from at or above it (the driver
/// had stopped taking bytes from the core), it wakes the driver with
/// [`Input::Writable`]. When the driver drops its sender, the writer flushes
/// what is left and half-closes the stream (a graceful close: the broker then
/// closes its side and the reader sees the end of the stream).
pub(crate) fn spawn_writer(
    generation: u64,
    mut stream: TcpStream,
    rx: Receiver<Bytes>,
    tx: Sender<Input>,
    unwritten: Arc<AtomicUsize>,
    limit: usize,
) -> io::Result<thread::JoinHandle<()>> {
    thread::Builder::new()
        .name("mqtt-std-write".into())
        .spawn(move || {
            for chunk in rx {
                if let Err(e) = stream.write_all(&chunk) {
                    let _ = tx.send(Input::Closed(generation, Some(e)));
                    return;
                }
                let before = unwritten.fetch_sub(chunk.len(), Ordering::AcqRel);
                if before >= limit
                    && before - chunk.len() < limit
                    && tx.send(Input::Writable).is_err()
                {
                    return;
                }
            }
            let _ = stream.flush();
            let _ = stream.shutdown(Shutdown::Write);
        })
}
