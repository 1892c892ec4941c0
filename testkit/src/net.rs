//! Loopback port helpers shared by the embedded broker and the Mosquitto instance.

use bytes::BytesMut;
use mqtt_sansio::codec::{decode, encode, ByteStr, Connect, Packet, Properties, ProtocolVersion};
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU32, Ordering};
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
    alive: impl FnMut() -> Result<()>,
) -> Result<()> {
    wait_until(what, addr, timeout, alive, || {
        TcpStream::connect_timeout(&addr, Duration::from_millis(500))
            .map(drop)
            .map_err(|e| e.to_string())
    })
}

/// Waits until the broker on `addr` answers an MQTT CONNECT of `version`
/// with a successful CONNACK, for at most `timeout`: a listener can accept
/// TCP before the broker behind it serves MQTT. `alive` as in
/// [`wait_for_port`].
pub(crate) fn wait_for_connack(
    what: &str,
    addr: SocketAddr,
    version: ProtocolVersion,
    timeout: Duration,
    alive: impl FnMut() -> Result<()>,
) -> Result<()> {
    let connect = Packet::Connect(Box::new(Connect {
        protocol: version,
        clean_start: true,
        keep_alive: 5,
        // Its own id: a broker takes a second CONNECT with the same id for
        // the same client, and rumqttd might then drop the second probe.
        client_id: ByteStr::from(format!(
            "ready-probe-{}",
            PROBES.fetch_add(1, Ordering::Relaxed)
        )),
        will: None,
        username: None,
        password: None,
        properties: Properties::default(),
    }));
    let mut packet = BytesMut::new();
    encode(&connect, version, usize::MAX, &mut packet).expect("a CONNECT without options encodes");
    wait_until(what, addr, timeout, alive, || {
        let probe = || -> io::Result<Option<Packet>> {
            let mut s = TcpStream::connect_timeout(&addr, Duration::from_millis(500))?;
            s.set_read_timeout(Some(Duration::from_millis(1000)))?;
            s.write_all(&packet)?;
            let mut received = BytesMut::new();
            let mut chunk = [0u8; 256];
            loop {
                let n = s.read(&mut chunk)?;
                if n == 0 {
                    return Ok(None);
                }
                received.extend_from_slice(&chunk[..n]);
                if let Some(p) = decode(&mut received, version, usize::MAX)
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?
                {
                    return Ok(Some(p));
                }
            }
        };
        match probe() {
            Ok(Some(Packet::ConnAck(a))) if !a.code.is_error() => Ok(()),
            Ok(Some(p)) => Err(format!("the broker answered the probe with {p:?}")),
            Ok(None) => Err("the broker closed the probe's connection".to_owned()),
            Err(e) => Err(e.to_string()),
        }
    })
}

/// Numbers the readiness probes of this process.
static PROBES: AtomicU32 = AtomicU32::new(0);

/// Asks `ready` every 25 ms until it succeeds, for at most `timeout`;
/// `alive` between attempts. On time-out the error says what `ready` last
/// said.
fn wait_until(
    what: &str,
    addr: SocketAddr,
    timeout: Duration,
    mut alive: impl FnMut() -> Result<()>,
    mut ready: impl FnMut() -> std::result::Result<(), String>,
) -> Result<()> {
    let start = Instant::now();
    loop {
        let detail = match ready() {
            Ok(()) => return Ok(()),
            Err(detail) => detail,
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
