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

/// Waits until the broker on `addr` answers an MQTT CONNECT (protocol
/// `level` 4 or 5) with a successful CONNACK, for at most `timeout`: a
/// listener can accept TCP before the broker behind it serves MQTT.
pub(crate) fn wait_for_connack(
    what: &str,
    addr: SocketAddr,
    level: u8,
    timeout: Duration,
    mut alive: impl FnMut() -> Result<()>,
) -> Result<()> {
    use std::io::{Read, Write};
    // CONNECT, clean session, keep alive 5 s, client id "ready-probe"; MQTT 5
    // adds an empty property list.
    let mut body = vec![0, 4, b'M', b'Q', b'T', b'T', level, 0x02, 0, 5];
    if level == 5 {
        body.push(0);
    }
    body.extend_from_slice(&[0, 11]);
    body.extend_from_slice(b"ready-probe");
    let mut packet = vec![0x10, body.len() as u8];
    packet.extend_from_slice(&body);
    let probe = || -> io::Result<bool> {
        let mut s = TcpStream::connect_timeout(&addr, Duration::from_millis(500))?;
        s.set_read_timeout(Some(Duration::from_millis(1000)))?;
        s.write_all(&packet)?;
        let mut connack = [0u8; 4];
        s.read_exact(&mut connack)?;
        let _ = s.write_all(&[0xE0, 0x00]); // DISCONNECT
                                            // 0x20: CONNACK; its fourth byte is the return / reason code.
        Ok(connack[0] == 0x20 && connack[3] == 0)
    };
    let start = Instant::now();
    loop {
        let detail = match probe() {
            Ok(true) => return Ok(()),
            Ok(false) => "the CONNACK refused the probe".to_owned(),
            Err(e) => e.to_string(),
        };
        alive()?;
        if start.elapsed() >= timeout {
            return Err(Error::NotReady {
                what: what.to_owned(),
                addr,
                waited: start.elapsed(),
                detail,
            });
        }
        thread::sleep(Duration::from_millis(25));
    }
}
