//! Loopback port helpers shared by the embedded broker and the Mosquitto instance.

use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// Asks the kernel for a free loopback port by binding `127.0.0.1:0`, then releases it.
///
/// There is a short window in which another process could take the port; the brokers' readiness
/// checks would then report [`Error::NotReady`] or the broker's own bind error rather than
/// hang.
pub fn free_loopback_port() -> Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(|e| Error::io("binding 127.0.0.1:0 to pick a free port", e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::io("reading the address of a bound listener", e))?;
    Ok(addr.port())
}

/// True when something accepts TCP connections on `addr` right now.
pub fn is_listening(addr: SocketAddr) -> bool {
    TcpStream::connect_timeout(&addr, Duration::from_millis(300)).is_ok()
}

/// Waits until `addr` accepts a TCP connection, for at most `timeout`.
///
/// `alive` is asked between attempts; when it returns an error (the broker process died) the
/// wait stops with that error.
pub(crate) fn wait_for_port(
    what: &str,
    addr: SocketAddr,
    timeout: Duration,
    mut alive: impl FnMut() -> Result<()>,
) -> Result<()> {
    let start = Instant::now();
    let mut last: io::Error;
    loop {
        match TcpStream::connect_timeout(&addr, Duration::from_millis(500)) {
            Ok(_) => return Ok(()),
            Err(e) => last = e,
        }
        alive()?;
        if start.elapsed() >= timeout {
            return Err(Error::NotReady {
                what: what.to_owned(),
                addr,
                waited: start.elapsed(),
                detail: last.to_string(),
            });
        }
        thread::sleep(Duration::from_millis(25));
    }
}
