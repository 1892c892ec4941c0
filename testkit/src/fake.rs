//! A scripted broker on a loopback port: the test reads the client's packets
//! and writes raw answers, to reach states a real broker will not produce on
//! demand (no PUBACK yet, a refusal, silence, an MQTT 5 AUTH exchange).
//! Blocking, on its own threads: usable from blocking and async tests alike.

use crate::support::WAIT;
use bytes::BytesMut;
use mqtt_sansio::codec::{decode, Packet};
use mqtt_sansio::ProtocolVersion;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc::{self, Receiver};

/// Accepts connections on `127.0.0.1:<ephemeral>`.
pub struct FakeBroker {
    /// `mqtt://127.0.0.1:<port>`.
    pub url: String,
    conns: Receiver<TcpStream>,
}

/// One accepted connection.
pub struct FakeConn {
    /// The connection itself, for raw reads, writes and shutdowns.
    pub stream: TcpStream,
    buf: BytesMut,
    version: ProtocolVersion,
}

impl FakeBroker {
    /// Listens on an ephemeral loopback port and accepts in the background.
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

    /// The next packet, or `None` when the read timeout set on
    /// [`stream`](Self::stream) passes first or the client closed.
    pub fn try_read(&mut self) -> Option<Packet> {
        loop {
            if let Some(p) = decode(&mut self.buf, self.version, 1 << 20).expect("valid packet") {
                return Some(p);
            }
            let mut chunk = [0u8; 4096];
            match self.stream.read(&mut chunk) {
                Ok(0) | Err(_) => return None,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
            }
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

/// An MQTT 5 enhanced-authentication [`Authenticator`] that answers every
/// step with the token `secret` under the method `tok`: what the scripted
/// AUTH exchanges of the adapter tests expect (no broker here implements
/// enhanced authentication).
///
/// [`Authenticator`]: mqtt_sansio::client::Authenticator
pub struct Token;

impl mqtt_sansio::client::Authenticator for Token {
    fn method(&self) -> mqtt_sansio::codec::ByteStr {
        mqtt_sansio::codec::ByteStr::from_static("tok")
    }
    fn start(&mut self) -> Result<Option<bytes::Bytes>, mqtt_sansio::client::AuthFailure> {
        Ok(Some(bytes::Bytes::from_static(b"secret")))
    }
    fn challenge(
        &mut self,
        _data: Option<&bytes::Bytes>,
    ) -> Result<Option<bytes::Bytes>, mqtt_sansio::client::AuthFailure> {
        Ok(Some(bytes::Bytes::from_static(b"secret")))
    }
}

impl FakeConn {
    /// Reads an MQTT 5 CONNECT carrying [`Token`]'s Authentication Method
    /// and accepts it (CONNACK, success, the same method).
    pub fn accept_token_connect(&mut self) {
        match self.read() {
            Packet::Connect(c) => {
                assert_eq!(c.properties.authentication_method.as_deref(), Some("tok"));
                self.version = c.protocol;
            }
            p => panic!("expected CONNECT, got {p:?}"),
        }
        self.write(&[0x20, 0x09, 0, 0, 6, 0x15, 0, 3, b't', b'o', b'k']);
    }

    /// Reads the client's AUTH starting a re-authentication (reason 0x19,
    /// [`Token`]'s data) [MQTT-4.12.1-1].
    pub fn expect_reauthenticate(&mut self) {
        match self.read() {
            Packet::Auth(a) => {
                assert_eq!(a.reason, mqtt_sansio::codec::ReasonCode::ReAuthenticate);
                assert_eq!(
                    a.properties.authentication_data.as_deref(),
                    Some(&b"secret"[..])
                );
            }
            p => panic!("expected AUTH, got {p:?}"),
        }
    }

    /// Ends an AUTH exchange with success: AUTH, reason 0x00, method `tok`,
    /// Reason String `ok`.
    pub fn auth_success(&mut self) {
        self.write(&[
            0xF0, 0x0D, 0, 11, 0x15, 0, 3, b't', b'o', b'k', 0x1F, 0, 2, b'o', b'k',
        ]);
    }
}
