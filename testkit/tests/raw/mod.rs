//! A deliberately tiny MQTT client made of hand-written bytes, used to check the capability
//! tables against the real brokers independently of the library under development.
#![allow(dead_code)]

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use mqtt_sansio::ProtocolVersion;

/// How long a read waits before the test gives up on an expected packet.
pub const EXPECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a test waits to conclude that a packet will not come.
pub const ABSENCE_WINDOW: Duration = Duration::from_millis(700);

/// A client id unique in this process and across concurrent runs, at most 23 characters
/// (the MQTT 3.1 limit).
pub fn client_id(tag: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let mut id = format!("tk{}{}{}", std::process::id() % 100_000, n, tag);
    id.truncate(23);
    id
}

/// A topic unique to this process.
pub fn topic(name: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    format!("testkit/{}/{}/{}", std::process::id(), n, name)
}

/// `mqtt://host:port` → a socket address.
pub fn addr_of(url: &str) -> SocketAddr {
    let rest = url.split_once("://").expect("URL with scheme").1;
    let authority = rest.split('/').next().unwrap();
    authority
        .to_socket_addrs()
        .expect("resolvable loopback address")
        .next()
        .unwrap()
}

fn put_varint(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let mut byte = (n % 128) as u8;
        n /= 128;
        if n > 0 {
            byte |= 0x80;
        }
        out.push(byte);
        if n == 0 {
            break;
        }
    }
}

fn put_str(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(&(s.len() as u16).to_be_bytes());
    out.extend_from_slice(s);
}

fn packet(first: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![first];
    put_varint(&mut out, body.len());
    out.extend_from_slice(body);
    out
}

/// A will message for CONNECT.
pub struct Will<'a> {
    pub topic: &'a str,
    pub payload: &'a [u8],
    pub qos: u8,
    pub retain: bool,
}

/// A packet as read: first byte and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawPacket {
    pub first: u8,
    pub body: Vec<u8>,
}

impl RawPacket {
    pub fn kind(&self) -> u8 {
        self.first >> 4
    }
}

/// A received PUBLISH.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub topic: String,
    pub payload: Vec<u8>,
    pub qos: u8,
    pub retain: bool,
    pub packet_id: Option<u16>,
}

pub struct RawClient {
    pub stream: TcpStream,
    pub version: ProtocolVersion,
    next_id: u16,
}

/// The outcome of CONNECT: the CONNACK return/reason code, or the connection closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectOutcome {
    Accepted { session_present: bool },
    Refused(u8),
    Closed,
}

impl RawClient {
    /// Opens a TCP connection and sends CONNECT; returns the client and what the broker said.
    pub fn connect(
        url: &str,
        version: ProtocolVersion,
        client_id: &str,
        clean: bool,
        will: Option<Will<'_>>,
    ) -> io::Result<(RawClient, ConnectOutcome)> {
        let stream = TcpStream::connect_timeout(&addr_of(url), EXPECT_TIMEOUT)?;
        stream.set_read_timeout(Some(EXPECT_TIMEOUT))?;
        stream.set_nodelay(true)?;
        let mut client = RawClient {
            stream,
            version,
            next_id: 1,
        };
        let v5 = version.is_v5();
        let mut body = Vec::new();
        match version {
            ProtocolVersion::V3_1 => put_str(&mut body, b"MQIsdp"),
            _ => put_str(&mut body, b"MQTT"),
        }
        body.push(version.level());
        let mut flags = if clean { 0x02 } else { 0x00 };
        if let Some(w) = &will {
            flags |= 0x04 | (w.qos << 3) | if w.retain { 0x20 } else { 0 };
        }
        body.push(flags);
        body.extend_from_slice(&30u16.to_be_bytes()); // keepalive
        if v5 {
            if clean {
                body.push(0);
            } else {
                // Session Expiry Interval (0x11) = 1 hour, so the session outlives the
                // connection, as clean session = 0 does in 3.1.1.
                body.push(5);
                body.push(0x11);
                body.extend_from_slice(&3600u32.to_be_bytes());
            }
        }
        put_str(&mut body, client_id.as_bytes());
        if let Some(w) = &will {
            if v5 {
                body.push(0);
            }
            put_str(&mut body, w.topic.as_bytes());
            put_str(&mut body, w.payload);
        }
        client.stream.write_all(&packet(0x10, &body))?;
        let outcome = match client.read_packet() {
            Ok(p) if p.kind() == 2 && p.body.len() >= 2 => match p.body[1] {
                0 => ConnectOutcome::Accepted {
                    session_present: p.body[0] & 1 == 1,
                },
                code => ConnectOutcome::Refused(code),
            },
            Ok(p) => panic!("expected CONNACK, got {p:?}"),
            Err(e) if is_closed(&e) => ConnectOutcome::Closed,
            Err(e) => return Err(e),
        };
        Ok((client, outcome))
    }

    /// Connects and asserts that the broker accepted.
    pub fn connect_ok(
        url: &str,
        version: ProtocolVersion,
        client_id: &str,
        clean: bool,
        will: Option<Will<'_>>,
    ) -> (RawClient, bool) {
        let (client, outcome) = RawClient::connect(url, version, client_id, clean, will)
            .unwrap_or_else(|e| panic!("connecting to {url}: {e}"));
        match outcome {
            ConnectOutcome::Accepted { session_present } => (client, session_present),
            other => panic!("{url} refused {version:?} CONNECT: {other:?}"),
        }
    }

    fn packet_id(&mut self) -> u16 {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1).max(1);
        id
    }

    /// Reads one whole packet.
    pub fn read_packet(&mut self) -> io::Result<RawPacket> {
        let mut first = [0u8; 1];
        self.stream.read_exact(&mut first)?;
        self.read_rest(first[0])
    }

    /// Reads the remaining length and body of a packet whose first byte was read.
    fn read_rest(&mut self, first: u8) -> io::Result<RawPacket> {
        let first = [first];
        let mut len = 0usize;
        let mut shift = 0;
        loop {
            let mut b = [0u8; 1];
            self.stream.read_exact(&mut b)?;
            len |= ((b[0] & 0x7f) as usize) << shift;
            if b[0] & 0x80 == 0 {
                break;
            }
            shift += 7;
            if shift > 21 {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "bad varint"));
            }
        }
        let mut body = vec![0u8; len];
        self.stream.read_exact(&mut body)?;
        Ok(RawPacket {
            first: first[0],
            body,
        })
    }

    /// Reads a packet that starts within `window`, or `None` when nothing came. Only the first
    /// byte is awaited with the short window: a packet that has begun is read whole.
    pub fn read_packet_within(&mut self, window: Duration) -> io::Result<Option<RawPacket>> {
        self.stream.set_read_timeout(Some(window))?;
        let mut first = [0u8; 1];
        let r = self.stream.read_exact(&mut first);
        self.stream.set_read_timeout(Some(EXPECT_TIMEOUT))?;
        match r {
            Ok(()) => self.read_rest(first[0]).map(Some),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// SUBSCRIBE to one filter; returns the SUBACK return/reason code.
    pub fn subscribe(&mut self, filter: &str, qos: u8) -> u8 {
        let id = self.packet_id();
        let mut body = id.to_be_bytes().to_vec();
        if self.version.is_v5() {
            body.push(0);
        }
        put_str(&mut body, filter.as_bytes());
        body.push(qos);
        self.stream.write_all(&packet(0x82, &body)).unwrap();
        loop {
            let p = self.read_packet().expect("SUBACK");
            if p.kind() != 9 {
                // A retained or queued message may arrive before SUBACK; ack it and go on.
                self.ack_if_needed(&p);
                continue;
            }
            assert_eq!(&p.body[..2], &id.to_be_bytes(), "SUBACK for our SUBSCRIBE");
            let codes = if self.version.is_v5() {
                let props = p.body[2] as usize;
                &p.body[3 + props..]
            } else {
                &p.body[2..]
            };
            return codes[0];
        }
    }

    /// PUBLISH; for QoS > 0 returns the first answer packet (PUBACK, PUBREC, …) without
    /// completing the flow.
    pub fn publish_raw(
        &mut self,
        topic: &str,
        payload: &[u8],
        qos: u8,
        retain: bool,
    ) -> Option<RawPacket> {
        let mut body = Vec::new();
        put_str(&mut body, topic.as_bytes());
        let id = (qos > 0).then(|| self.packet_id());
        if let Some(id) = id {
            body.extend_from_slice(&id.to_be_bytes());
        }
        if self.version.is_v5() {
            body.push(0);
        }
        body.extend_from_slice(payload);
        let first = 0x30 | (qos << 1) | u8::from(retain);
        self.stream.write_all(&packet(first, &body)).unwrap();
        let id = id?;
        loop {
            let p = self.read_packet().expect("answer to PUBLISH");
            if matches!(p.kind(), 4 | 5) && p.body[..2] == id.to_be_bytes() {
                return Some(p);
            }
            self.ack_if_needed(&p);
        }
    }

    /// PUBLISH and complete the QoS flow (PUBREL/PUBCOMP for QoS 2).
    pub fn publish(&mut self, topic: &str, payload: &[u8], qos: u8, retain: bool) {
        let answer = self.publish_raw(topic, payload, qos, retain);
        if let Some(p) = answer {
            if p.kind() == 5 {
                let mut body = p.body[..2].to_vec();
                if self.version.is_v5() {
                    body.push(0);
                    body.push(0);
                }
                self.stream.write_all(&packet(0x62, &body)).unwrap();
                let comp = self.read_packet().expect("PUBCOMP");
                assert_eq!(comp.kind(), 7, "PUBCOMP after PUBREL, got {comp:?}");
            }
        }
    }

    /// Acknowledges an incoming QoS 1/2 PUBLISH (and answers PUBREL).
    fn ack_if_needed(&mut self, p: &RawPacket) {
        match p.kind() {
            3 => {
                let d = self.parse_publish(p);
                if let Some(id) = d.packet_id {
                    let kind = if d.qos == 1 { 0x40 } else { 0x50 };
                    self.stream
                        .write_all(&packet(kind, &id.to_be_bytes()))
                        .unwrap();
                }
            }
            6 => {
                self.stream.write_all(&packet(0x70, &p.body[..2])).unwrap();
            }
            _ => {}
        }
    }

    fn parse_publish(&self, p: &RawPacket) -> Delivery {
        let qos = (p.first >> 1) & 3;
        let len = u16::from_be_bytes([p.body[0], p.body[1]]) as usize;
        let topic = String::from_utf8(p.body[2..2 + len].to_vec()).unwrap();
        let mut at = 2 + len;
        let packet_id = (qos > 0).then(|| {
            let id = u16::from_be_bytes([p.body[at], p.body[at + 1]]);
            at += 2;
            id
        });
        if self.version.is_v5() {
            let mut props = 0usize;
            let mut shift = 0;
            loop {
                let b = p.body[at];
                at += 1;
                props |= ((b & 0x7f) as usize) << shift;
                shift += 7;
                if b & 0x80 == 0 {
                    break;
                }
            }
            at += props;
        }
        Delivery {
            topic,
            payload: p.body[at..].to_vec(),
            qos,
            retain: p.first & 1 == 1,
            packet_id,
        }
    }

    /// The next PUBLISH within `window` (acknowledged), skipping other packets; `None` if none.
    pub fn next_delivery_within(&mut self, window: Duration) -> Option<Delivery> {
        loop {
            let p = self.read_packet_within(window).expect("reading")?;
            self.ack_if_needed(&p);
            if p.kind() == 3 {
                return Some(self.parse_publish(&p));
            }
        }
    }

    /// The next PUBLISH (acknowledged); panics when none comes within [`EXPECT_TIMEOUT`].
    pub fn expect_delivery(&mut self) -> Delivery {
        self.next_delivery_within(EXPECT_TIMEOUT)
            .expect("a PUBLISH within the timeout")
    }

    /// DISCONNECT, half-close, and wait for the broker to close its side.
    ///
    /// Waiting matters with rumqttd 0.20: it handles a DISCONNECT and the following socket
    /// close as two disconnections of the same connection slot, and a connection accepted in
    /// between (the next test step) can take that slot and be dropped by the second one.
    pub fn disconnect(mut self) {
        let _ = self.stream.write_all(&[0xE0, 0x00]);
        let _ = self.stream.shutdown(std::net::Shutdown::Write);
        let mut sink = [0u8; 256];
        while matches!(self.stream.read(&mut sink), Ok(n) if n > 0) {}
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
    }

    /// Close the connection without DISCONNECT (triggers the will), then wait
    /// (bounded by the read timeout) for the broker to close its side, for the
    /// same reason as [`disconnect`](Self::disconnect).
    pub fn drop_abruptly(mut self) {
        let _ = self.stream.shutdown(std::net::Shutdown::Write);
        let mut sink = [0u8; 256];
        while matches!(self.stream.read(&mut sink), Ok(n) if n > 0) {}
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
    }
}

fn is_closed(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe
    )
}
