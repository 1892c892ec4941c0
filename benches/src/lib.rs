//! Shared inputs of the criterion benchmarks in `benches/benches/`.
//!
//! Every codec in a benchmark group works on the same bytes: the wire images
//! here are built by hand from the MQTT specification (not by any codec under
//! test), and [`peers`] builds each peer's own packet structs carrying the same
//! content for the encode benchmarks. `tests/fixtures.rs` checks that every
//! codec decodes these bytes to the intended content and that every encoder
//! reproduces them, so the side-by-side numbers compare equal work.
#![warn(missing_docs)]

pub mod harness;
pub mod peers;

/// Topic name of every PUBLISH in the benchmarks.
pub const TOPIC: &str = "sensors/building-1/floor-3/temp";
/// Payload sizes of the PUBLISH QoS 0 benchmarks: 16 B, 256 B, 4 KiB, 64 KiB.
pub const PAYLOAD_SIZES: [usize; 4] = [16, 256, 4096, 65536];
/// Payload size of the QoS 1 PUBLISH and of each packet of the stream.
pub const SMALL: usize = 16;
/// Number of back-to-back PUBLISHes in the stream benchmark.
pub const STREAM_COUNT: usize = 10_000;
/// Packet identifier of the QoS 1 PUBLISH.
pub const QOS1_PID: u16 = 10;
/// Packet identifier of the SUBSCRIBE.
pub const SUBSCRIBE_PID: u16 = 42;
/// CONNECT client identifier.
pub const CLIENT_ID: &str = "bench-client-0001";
/// CONNECT keep alive (seconds).
pub const KEEP_ALIVE: u16 = 60;
/// CONNECT user name.
pub const USERNAME: &str = "bench-user";
/// CONNECT password (UTF-8 so that peers that model it as a string can carry it).
pub const PASSWORD: &str = "correct-horse-battery-staple";
/// Will topic.
pub const WILL_TOPIC: &str = "clients/bench-client-0001/status";
/// Will payload.
pub const WILL_PAYLOAD: &[u8] = b"offline";
/// Will QoS (the will is sent with QoS 1, retain off).
pub const WILL_QOS: u8 = 1;
/// The five SUBSCRIBE filters and their requested QoS.
pub const SUBSCRIBE_FILTERS: [(&str, u8); 5] = [
    ("sensors/+/floor-3/temp", 1),
    ("sensors/building-1/#", 0),
    ("alerts/#", 2),
    ("$SYS/broker/load/#", 0),
    ("home/livingroom/light", 1),
];

/// The wire version a fixture is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire {
    /// MQTT 3.1.1 (protocol level 4).
    V4,
    /// MQTT 5.0 (protocol level 5): every packet carries an empty property list.
    V5,
}

/// A deterministic payload of `n` bytes.
pub fn payload(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i % 251) as u8).collect()
}

fn put_remaining_length(out: &mut Vec<u8>, mut len: usize) {
    loop {
        let mut byte = (len % 128) as u8;
        len /= 128;
        if len > 0 {
            byte |= 0x80;
        }
        out.push(byte);
        if len == 0 {
            break;
        }
    }
}

fn put_str(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(&(s.len() as u16).to_be_bytes());
    out.extend_from_slice(s);
}

fn frame(first: u8, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 5);
    out.push(first);
    put_remaining_length(&mut out, body.len());
    out.extend_from_slice(body);
    out
}

fn publish(wire: Wire, qos: u8, n: usize) -> Vec<u8> {
    let mut body = Vec::with_capacity(n + 40);
    put_str(&mut body, TOPIC.as_bytes());
    if qos > 0 {
        body.extend_from_slice(&QOS1_PID.to_be_bytes());
    }
    if wire == Wire::V5 {
        body.push(0); // property length
    }
    body.extend_from_slice(&payload(n));
    frame(0x30 | (qos << 1), &body)
}

/// PUBLISH QoS 0 to [`TOPIC`] with an `n`-byte [`payload`].
pub fn publish_qos0(wire: Wire, n: usize) -> Vec<u8> {
    publish(wire, 0, n)
}

/// PUBLISH QoS 1 (packet id [`QOS1_PID`]) to [`TOPIC`] with an `n`-byte [`payload`].
pub fn publish_qos1(wire: Wire, n: usize) -> Vec<u8> {
    publish(wire, 1, n)
}

/// `count` copies of [`publish_qos0`]`(wire, n)` back to back in one buffer.
pub fn publish_stream(wire: Wire, count: usize, n: usize) -> Vec<u8> {
    let one = publish_qos0(wire, n);
    let mut out = Vec::with_capacity(one.len() * count);
    for _ in 0..count {
        out.extend_from_slice(&one);
    }
    out
}

/// CONNECT with clean session, keep alive, user name, password and a QoS 1 will.
pub fn connect(wire: Wire) -> Vec<u8> {
    let mut body = Vec::new();
    put_str(&mut body, b"MQTT");
    body.push(match wire {
        Wire::V4 => 4,
        Wire::V5 => 5,
    });
    // user name, password, will QoS 1, will flag, clean session
    body.push(0x80 | 0x40 | (WILL_QOS << 3) | 0x04 | 0x02);
    body.extend_from_slice(&KEEP_ALIVE.to_be_bytes());
    if wire == Wire::V5 {
        body.push(0); // CONNECT properties
    }
    put_str(&mut body, CLIENT_ID.as_bytes());
    if wire == Wire::V5 {
        body.push(0); // will properties
    }
    put_str(&mut body, WILL_TOPIC.as_bytes());
    put_str(&mut body, WILL_PAYLOAD);
    put_str(&mut body, USERNAME.as_bytes());
    put_str(&mut body, PASSWORD.as_bytes());
    frame(0x10, &body)
}

/// SUBSCRIBE (packet id [`SUBSCRIBE_PID`]) with the five [`SUBSCRIBE_FILTERS`].
pub fn subscribe(wire: Wire) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&SUBSCRIBE_PID.to_be_bytes());
    if wire == Wire::V5 {
        body.push(0); // properties
    }
    for (filter, qos) in SUBSCRIBE_FILTERS {
        put_str(&mut body, filter.as_bytes());
        body.push(qos);
    }
    frame(0x82, &body)
}

/// Copies of one packet, each a `BytesMut` cut from a shared buffer: what a
/// decoder sees of a long-lived receive buffer (after its first `split_to`
/// the buffer is in shared mode, so cutting a packet off allocates nothing).
/// Refills with a new buffer of about 512 KiB (8 to 1024 copies) when empty.
pub struct Pool {
    packet: Vec<u8>,
    buf: bytes::BytesMut,
}

impl Pool {
    /// A pool of copies of `packet`.
    pub fn new(packet: &[u8]) -> Pool {
        Pool {
            packet: packet.to_vec(),
            buf: bytes::BytesMut::new(),
        }
    }

    /// Copies per refill: about 512 KiB of input, between 8 and 1024 packets.
    pub fn per_refill(len: usize) -> usize {
        ((512 * 1024) / len).clamp(8, 1024)
    }

    /// The next copy.
    pub fn next_copy(&mut self) -> bytes::BytesMut {
        let len = self.packet.len();
        if self.buf.is_empty() {
            let k = Pool::per_refill(len);
            let mut buf = bytes::BytesMut::with_capacity(len * k);
            for _ in 0..k {
                buf.extend_from_slice(&self.packet);
            }
            self.buf = buf;
        }
        self.buf.split_to(len)
    }
}

/// PUBACK for [`QOS1_PID`] (the short form: success, no properties, in both versions).
pub fn puback() -> Vec<u8> {
    let mut out = vec![0x40, 0x02];
    out.extend_from_slice(&QOS1_PID.to_be_bytes());
    out
}

/// Raises this process's soft `RLIMIT_NOFILE` to its hard limit; returns the new soft limit.
/// Children (clients and Mosquitto) inherit it.
pub fn raise_fd_limit() -> libc::rlim_t {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct we pass.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return 0;
        }
        lim.rlim_cur = lim.rlim_max;
        libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
    }
    lim.rlim_cur
}

/// `Threads:` of `/proc/<pid>/status` (`self` for this process), if readable.
pub fn threads_of(pid: &str) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|v| v.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remaining_length_uses_the_variable_byte_integer_form() {
        // [MQTT-1.5.5] examples: 127 is one byte, 128 is two, 16,384 is three.
        let mut v = Vec::new();
        put_remaining_length(&mut v, 127);
        assert_eq!(v, [0x7f]);
        v.clear();
        put_remaining_length(&mut v, 128);
        assert_eq!(v, [0x80, 0x01]);
        v.clear();
        put_remaining_length(&mut v, 16_384);
        assert_eq!(v, [0x80, 0x80, 0x01]);
    }

    #[test]
    fn publish_qos0_v4_has_the_spec_layout() {
        let p = publish_qos0(Wire::V4, 2);
        let mut expected = vec![0x30, 2 + TOPIC.len() as u8 + 2, 0x00, TOPIC.len() as u8];
        expected.extend_from_slice(TOPIC.as_bytes());
        expected.extend_from_slice(&[0, 1]);
        assert_eq!(p, expected);
    }

    #[test]
    fn stream_is_count_copies_of_one_packet() {
        let one = publish_qos0(Wire::V4, SMALL);
        let s = publish_stream(Wire::V4, 3, SMALL);
        assert_eq!(s.len(), 3 * one.len());
        assert_eq!(&s[one.len()..2 * one.len()], &one[..]);
    }
}
