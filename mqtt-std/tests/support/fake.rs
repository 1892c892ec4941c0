//! A scripted broker on a loopback port: the test reads the client's packets
//! and writes raw answers, to reach states a real broker will not produce on
//! demand (no PUBACK yet, a refusal, silence).

use super::WAIT;
use bytes::BytesMut;
use mqtt_sansio::codec::{decode, Packet};
use mqtt_sansio::ProtocolVersion;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc::{self, Receiver};

/// Accepts connections on `127.0.0.1:<ephemeral>`.
pub struct FakeBroker {
    pub url: String,
    conns: Receiver<TcpStream>,
}

/// One accepted connection.
pub struct FakeConn {
    pub stream: TcpStream,
    buf: BytesMut,
    version: ProtocolVersion,
}

impl FakeBroker {
    pub fn start() -> FakeBroker {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("mqtt://{}", listener.local_addr().unwrap());
        let (tx, conns) = mpsc::channel();
        std::thread::spawn(move || {
            for s in listener.incoming() {
                let Ok(s) = s else { return };
                if tx.send(s).is_err() {
                    return;
                }
            }
        });
        FakeBroker { url, conns }
    }

    /// The next connection (fails the test after [`WAIT`]).
    pub fn accept(&self) -> FakeConn {
        let stream = self.conns.recv_timeout(WAIT).expect("the client connects");
        stream.set_read_timeout(Some(WAIT)).unwrap();
        FakeConn {
            stream,
            buf: BytesMut::new(),
            version: ProtocolVersion::V3_1_1,
        }
    }
}

impl FakeConn {
    /// The next packet from the client (fails the test after [`WAIT`]).
    pub fn read(&mut self) -> Packet {
        loop {
            if let Some(p) = decode(&mut self.buf, self.version, 1 << 20).expect("valid packet") {
                return p;
            }
            let mut chunk = [0u8; 4096];
            let n = self
                .stream
                .read(&mut chunk)
                .expect("the client sends within WAIT");
            assert!(n > 0, "the client closed the connection");
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Reads CONNECT and accepts it with CONNACK (session present = 0).
    pub fn accept_connect(&mut self) {
        match self.read() {
            Packet::Connect(c) => self.version = c.protocol,
            p => panic!("expected CONNECT, got {p:?}"),
        }
        self.write(&[0x20, 0x02, 0x00, 0x00]);
    }

    /// Decodes what follows as `version` (after a CONNECT read by hand).
    pub fn set_version(&mut self, version: ProtocolVersion) {
        self.version = version;
    }

    /// Writes raw bytes.
    pub fn write(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap();
    }

    /// Whether the client closed the connection (reads until end of stream,
    /// skipping packets; fails the test after [`WAIT`]).
    pub fn expect_closed(&mut self) {
        let mut chunk = [0u8; 4096];
        loop {
            match self.stream.read(&mut chunk) {
                Ok(0) => return,
                Ok(_) => continue,
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return,
                Err(e) => panic!("expected the client to close, got {e}"),
            }
        }
    }
}
