//! A subscriber written straight on a socket, independent of every adapter: it counts what
//! the broker delivers, so a test of a publishing client does not rely on the client under
//! test to receive.

use bytes::BytesMut;
use mqtt_sansio::codec::{decode, Packet};
use mqtt_sansio::ProtocolVersion;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// What the subscriber saw.
#[derive(Debug, Default)]
struct Seen {
    /// PUBLISH packets received on the filter.
    total: usize,
    /// Payloads that start with an 8-byte big-endian sequence number: how many times each
    /// number arrived.
    numbers: Vec<u32>,
    distinct: usize,
}

/// A clean-session MQTT 3.1.1 QoS 0 subscriber on its own thread (keep alive off).
///
/// ```no_run
/// let broker = mqtt_testkit::Mosquitto::start()?;
/// let sub = mqtt_testkit::RawSubscriber::start(broker.addr(), "flood/#", 1000);
/// // ... publish payloads starting with u64 sequence numbers 0..1000 ...
/// assert_eq!(sub.wait_distinct(1000, std::time::Duration::from_secs(10)), 1000);
/// # Ok::<(), mqtt_testkit::Error>(())
/// ```
pub struct RawSubscriber {
    seen: Arc<(Mutex<Seen>, Condvar)>,
    stream: TcpStream,
}

impl RawSubscriber {
    /// Connects to `addr`, subscribes to `filter` at QoS 0 and waits for SUBACK; numbers in
    /// payloads are tracked up to `expected` (exclusive).
    ///
    /// # Panics
    /// When the broker cannot be reached or does not answer as MQTT 3.1.1 requires.
    pub fn start(addr: SocketAddr, filter: &str, expected: usize) -> RawSubscriber {
        let mut stream = TcpStream::connect(addr).expect("the raw subscriber connects");
        let _ = stream.set_nodelay(true);
        let id = format!("rawsub{}", std::process::id());
        let mut connect = vec![0x10];
        let body_len = 10 + 2 + id.len();
        connect.push(body_len as u8);
        connect.extend_from_slice(&[0, 4, b'M', b'Q', b'T', b'T', 4, 0x02, 0, 0]);
        connect.extend_from_slice(&(id.len() as u16).to_be_bytes());
        connect.extend_from_slice(id.as_bytes());
        let mut subscribe = vec![0x82];
        let len = 2 + 2 + filter.len() + 1;
        assert!(len < 128, "a short filter");
        subscribe.push(len as u8);
        subscribe.extend_from_slice(&[0, 1]);
        subscribe.extend_from_slice(&(filter.len() as u16).to_be_bytes());
        subscribe.extend_from_slice(filter.as_bytes());
        subscribe.push(0);
        stream.write_all(&connect).expect("CONNECT is written");
        stream.write_all(&subscribe).expect("SUBSCRIBE is written");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("a read timeout");
        let mut buf = BytesMut::new();
        let mut got_suback = false;
        let mut pending = Vec::new();
        while !got_suback {
            let mut chunk = [0u8; 4096];
            let n = stream.read(&mut chunk).expect("the broker answers");
            assert!(n > 0, "the broker closed the raw subscriber's connection");
            buf.extend_from_slice(&chunk[..n]);
            while let Some(p) =
                decode(&mut buf, ProtocolVersion::V3_1_1, 1 << 24).expect("valid packets")
            {
                match p {
                    Packet::SubAck(_) => got_suback = true,
                    p @ Packet::Publish(_) => pending.push(p),
                    _ => {}
                }
            }
        }
        stream.set_read_timeout(None).expect("no read timeout");
        let seen = Arc::new((
            Mutex::new(Seen {
                numbers: vec![0; expected],
                ..Seen::default()
            }),
            Condvar::new(),
        ));
        let reader = stream.try_clone().expect("a second handle on the socket");
        let s = seen.clone();
        std::thread::spawn(move || read_loop(reader, buf, s, pending));
        RawSubscriber { seen, stream }
    }

    /// PUBLISH packets received so far.
    pub fn total(&self) -> usize {
        self.seen.0.lock().unwrap().total
    }

    /// Distinct sequence numbers received so far.
    pub fn distinct(&self) -> usize {
        self.seen.0.lock().unwrap().distinct
    }

    /// How many times each sequence number below `expected` arrived.
    pub fn counts(&self) -> Vec<u32> {
        self.seen.0.lock().unwrap().numbers.clone()
    }

    /// Waits until `n` distinct sequence numbers arrived or `timeout` passed with nothing new;
    /// returns how many distinct numbers arrived.
    pub fn wait_distinct(&self, n: usize, quiet: Duration) -> usize {
        let (lock, cv) = &*self.seen;
        let mut g = lock.lock().unwrap();
        loop {
            if g.distinct >= n {
                return g.distinct;
            }
            let before = g.distinct;
            let deadline = Instant::now() + quiet;
            while g.distinct == before {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return g.distinct;
                }
                g = cv.wait_timeout(g, left).unwrap().0;
            }
        }
    }
}

impl Drop for RawSubscriber {
    fn drop(&mut self) {
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
    }
}

fn read_loop(
    mut stream: TcpStream,
    mut buf: BytesMut,
    seen: Arc<(Mutex<Seen>, Condvar)>,
    pending: Vec<Packet>,
) {
    let count = |packets: &mut Vec<Packet>| {
        if packets.is_empty() {
            return;
        }
        let (lock, cv) = &*seen;
        let mut g = lock.lock().unwrap();
        for p in packets.drain(..) {
            if let Packet::Publish(p) = p {
                g.total += 1;
                if p.payload.len() >= 8 {
                    let n = u64::from_be_bytes(p.payload[..8].try_into().unwrap()) as usize;
                    if let Some(c) = g.numbers.get_mut(n) {
                        *c += 1;
                        if *c == 1 {
                            g.distinct += 1;
                        }
                    }
                }
            }
        }
        cv.notify_all();
    };
    let mut packets = pending;
    count(&mut packets);
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        buf.extend_from_slice(&chunk[..n]);
        loop {
            match decode(&mut buf, ProtocolVersion::V3_1_1, 1 << 24) {
                Ok(Some(p)) => packets.push(p),
                Ok(None) => break,
                Err(_) => return,
            }
        }
        count(&mut packets);
    }
}
