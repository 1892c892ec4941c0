//! A minimal MQTT 3.1.1 client over a blocking `std::net::TcpStream`, encoding and
//! decoding with the mqtt-sansio codec: no state machine, no threads, no timers.
//! It is the reference publisher of the subscribe scenarios (run by the parent) and the
//! `raw` client, the floor of the tables.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::num::NonZeroU16;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use mqtt_sansio::codec::{
    decode_ref, encode, ByteStr, Connect, Disconnect, Packet, PacketRef, Properties, PubResponse,
    Publish, ReasonCode, Subscribe, SubscribeFilter, SubscriptionOptions,
};
use mqtt_sansio::{ProtocolVersion, QoS};

const V: ProtocolVersion = ProtocolVersion::V3_1_1;
const MAX: usize = 1 << 20;

/// Bytes written to the socket in one `write_all` at most (a burst of publishes).
const BATCH: usize = 64 * 1024;

/// A connected raw client.
pub struct Raw {
    sock: TcpStream,
    rbuf: Vec<u8>,
    /// Bytes of `rbuf` already decoded.
    at: usize,
    out: BytesMut,
    next_id: u16,
}

fn qos(q: u8) -> QoS {
    match q {
        0 => QoS::AtMostOnce,
        1 => QoS::AtLeastOnce,
        _ => QoS::ExactlyOnce,
    }
}

fn io(what: &str) -> impl Fn(std::io::Error) -> String + '_ {
    move |e| format!("{what}: {e}")
}

impl Raw {
    /// Connects to 127.0.0.1:`port` with a clean session and waits for CONNACK.
    pub fn connect(port: u16, client_id: &str) -> Result<Raw, String> {
        let sock = TcpStream::connect(("127.0.0.1", port)).map_err(io("connect"))?;
        sock.set_nodelay(true).map_err(io("set_nodelay"))?;
        let mut raw = Raw {
            sock,
            rbuf: Vec::with_capacity(1 << 16),
            at: 0,
            out: BytesMut::with_capacity(BATCH + 1024),
            next_id: 0,
        };
        let connect = Connect {
            protocol: V,
            clean_start: true,
            keep_alive: 60,
            client_id: ByteStr::from(client_id),
            will: None,
            username: None,
            password: None,
            properties: Properties::default(),
        };
        raw.push(&Packet::Connect(Box::new(connect)))?;
        raw.flush()?;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let mut ok = None;
            raw.each_packet(|p| {
                if let PacketRef::ConnAck(c) = p {
                    ok = Some(c.code);
                }
                Ok(())
            })?;
            match ok {
                Some(ReasonCode::Success) => return Ok(raw),
                Some(code) => return Err(format!("CONNACK refused: {code:?}")),
                None if Instant::now() > deadline => return Err("no CONNACK in 10 s".into()),
                None => {
                    raw.fill(None)?;
                }
            }
        }
    }

    fn id(&mut self) -> NonZeroU16 {
        self.next_id = self.next_id.checked_add(1).unwrap_or(1);
        NonZeroU16::new(self.next_id).expect("next_id is never 0")
    }

    fn push(&mut self, p: &Packet) -> Result<(), String> {
        encode(p, V, MAX, &mut self.out).map_err(|e| format!("encode: {e}"))?;
        Ok(())
    }

    fn flush(&mut self) -> Result<(), String> {
        self.sock.write_all(&self.out).map_err(io("write"))?;
        self.out.clear();
        Ok(())
    }

    /// Reads once (waiting at most `timeout`, forever if `None`). `Ok(false)`: timed out.
    fn fill(&mut self, timeout: Option<Duration>) -> Result<bool, String> {
        if self.at > 0 {
            self.rbuf.drain(..self.at);
            self.at = 0;
        }
        self.sock
            .set_read_timeout(timeout)
            .map_err(io("set_read_timeout"))?;
        let len = self.rbuf.len();
        self.rbuf.resize(len + (1 << 16), 0);
        let r = self.sock.read(&mut self.rbuf[len..]);
        match r {
            Ok(0) => {
                self.rbuf.truncate(len);
                Err("connection closed by the broker".into())
            }
            Ok(n) => {
                self.rbuf.truncate(len + n);
                Ok(true)
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                self.rbuf.truncate(len);
                Ok(false)
            }
            Err(e) => Err(format!("read: {e}")),
        }
    }

    /// Calls `f` on every whole packet buffered, consuming them.
    fn each_packet(
        &mut self,
        mut f: impl FnMut(PacketRef<'_>) -> Result<(), String>,
    ) -> Result<(), String> {
        while let Some((p, len)) =
            decode_ref(&self.rbuf[self.at..], V, MAX).map_err(|e| format!("decode: {e}"))?
        {
            f(p)?;
            self.at += len;
        }
        Ok(())
    }

    fn ack(&mut self, kind: fn(PubResponse) -> Packet, id: NonZeroU16) -> Result<(), String> {
        self.push(&kind(PubResponse {
            packet_id: id,
            reason: ReasonCode::Success,
            properties: Properties::default(),
        }))
    }

    /// Publishes `n` messages at QoS `q` with at most `window` unacknowledged, writing in
    /// bursts of up to 64 KiB. QoS 0 ends with DISCONNECT and waits for the broker to
    /// close, so every message has been read by the broker when this returns.
    pub fn publish(
        &mut self,
        topic: &str,
        payload: Bytes,
        q: u8,
        n: u64,
        window: usize,
    ) -> Result<(), String> {
        let topic = ByteStr::from(topic);
        let mut sent = 0u64;
        let mut done = 0u64;
        while done < n {
            // Fill the window (QoS 0: no window) up to a burst, then write the burst.
            while sent < n && (q == 0 || (sent - done) < window as u64) && self.out.len() < BATCH {
                let packet_id = (q > 0).then(|| self.id());
                self.push(&Packet::Publish(Publish {
                    dup: false,
                    qos: qos(q),
                    retain: false,
                    topic: topic.clone(),
                    packet_id,
                    properties: Properties::default(),
                    payload: payload.clone(),
                }))?;
                sent += 1;
            }
            self.flush()?;
            if q == 0 {
                done = sent;
                continue;
            }
            if sent < n && (sent - done) < window as u64 {
                continue;
            }
            self.fill(Some(Duration::from_secs(30)))?
                .then_some(())
                .ok_or("no acknowledgement in 30 s")?;
            let mut rels = Vec::new();
            self.each_packet(|p| {
                match p {
                    PacketRef::PubAck(_) | PacketRef::PubComp(_) => done += 1,
                    PacketRef::PubRec(r) => rels.push(r.packet_id),
                    _ => {}
                }
                Ok(())
            })?;
            for id in rels {
                self.ack(Packet::PubRel, id)?;
            }
        }
        self.flush()?;
        if q == 0 {
            self.disconnect()?;
        }
        Ok(())
    }

    /// Sends DISCONNECT and waits (up to 30 s) for the broker to close the connection.
    pub fn disconnect(&mut self) -> Result<(), String> {
        self.push(&Packet::Disconnect(Disconnect {
            reason: ReasonCode::Success,
            properties: Properties::default(),
        }))?;
        self.flush()?;
        let _ = self.sock.shutdown(std::net::Shutdown::Write);
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            match self.fill(Some(Duration::from_secs(1))) {
                Ok(_) => self.at = self.rbuf.len(),
                Err(_) => return Ok(()),
            }
        }
        Err("the broker did not close within 30 s of DISCONNECT".into())
    }

    /// `n` sequential QoS 1 publishes, each waiting for its PUBACK; the round-trip times.
    pub fn round_trips(
        &mut self,
        topic: &str,
        payload: Bytes,
        n: u64,
    ) -> Result<Vec<Duration>, String> {
        let topic = ByteStr::from(topic);
        let mut times = Vec::with_capacity(n as usize);
        for _ in 0..n {
            let t = Instant::now();
            let packet_id = Some(self.id());
            self.push(&Packet::Publish(Publish {
                dup: false,
                qos: QoS::AtLeastOnce,
                retain: false,
                topic: topic.clone(),
                packet_id,
                properties: Properties::default(),
                payload: payload.clone(),
            }))?;
            self.flush()?;
            let mut acked = false;
            while !acked {
                self.fill(Some(Duration::from_secs(30)))?
                    .then_some(())
                    .ok_or("no PUBACK in 30 s")?;
                self.each_packet(|p| {
                    acked |= matches!(p, PacketRef::PubAck(a) if Some(a.packet_id) == packet_id);
                    Ok(())
                })?;
            }
            times.push(t.elapsed());
        }
        Ok(times)
    }

    /// Subscribes to `topic` at QoS `q` and waits for SUBACK.
    pub fn subscribe(&mut self, topic: &str, q: u8) -> Result<(), String> {
        let packet_id = self.id();
        self.push(&Packet::Subscribe(Subscribe {
            packet_id,
            filters: vec![SubscribeFilter {
                filter: ByteStr::from(topic),
                options: SubscriptionOptions::new(qos(q)),
            }],
            properties: Properties::default(),
        }))?;
        self.flush()?;
        loop {
            self.fill(Some(Duration::from_secs(10)))?
                .then_some(())
                .ok_or("no SUBACK in 10 s")?;
            let mut ok = false;
            self.each_packet(|p| {
                ok |= matches!(p, PacketRef::SubAck(_));
                Ok(())
            })?;
            if ok {
                return Ok(());
            }
        }
    }

    /// Counts PUBLISHes (acknowledging QoS 1 ones) until `n` arrived, or none arrived for
    /// `silence` (after the first; `first_wait` before it). Returns the count and the
    /// instant of the last one.
    pub fn receive(
        &mut self,
        n: u64,
        first_wait: Duration,
        silence: Duration,
    ) -> Result<(u64, Option<Instant>), String> {
        let mut got = 0u64;
        let mut last = None;
        while got < n {
            let wait = if got == 0 { first_wait } else { silence };
            if !self.fill(Some(wait))? {
                break;
            }
            let mut acks = Vec::new();
            self.each_packet(|p| {
                if let PacketRef::Publish(m) = p {
                    got += 1;
                    if let Some(id) = m.packet_id {
                        acks.push(id);
                    }
                }
                Ok(())
            })?;
            last = Some(Instant::now());
            for id in acks {
                self.ack(Packet::PubAck, id)?;
            }
            self.flush()?;
        }
        Ok((got, last))
    }
}
