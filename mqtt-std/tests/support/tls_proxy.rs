//! A TLS-terminating proxy on a loopback port, in front of a plain TCP
//! service: gives the tests a `wss://` endpoint (TLS in front of the embedded
//! broker's WebSocket listener), which none of the brokers here offers.

use mqtt_std::TlsOptions;
use mqtt_testkit::TestPki;
use mqtt_transport::rustls;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// The proxy: its port and the TLS options a client needs to trust it.
pub struct TlsProxy {
    pub port: u16,
    pub client_tls: TlsOptions,
}

impl TlsProxy {
    /// Starts accepting on `127.0.0.1:<ephemeral>`, forwarding each
    /// connection's plaintext to `upstream`.
    pub fn start(upstream: SocketAddr) -> TlsProxy {
        let pki = TestPki::generate().unwrap();
        let certs: Vec<CertificateDer<'static>> =
            CertificateDer::pem_slice_iter(pki.server_cert_pem.as_bytes())
                .collect::<Result<_, _>>()
                .unwrap();
        let key = PrivateKeyDer::from_pem_slice(pki.server_key_pem.as_bytes()).unwrap();
        let config = Arc::new(
            rustls::ServerConfig::builder_with_provider(Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap(),
        );
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let config = config.clone();
                std::thread::spawn(move || serve(client, upstream, config));
            }
        });
        TlsProxy {
            port,
            client_tls: TlsOptions::new().ca_pem(pki.ca_cert_pem.clone()),
        }
    }
}

/// Two threads per connection share the TLS state: one moves client bytes
/// upstream, the other upstream bytes to the client. Both block in `read`.
fn serve(client: TcpStream, upstream: SocketAddr, config: Arc<rustls::ServerConfig>) {
    let Ok(up) = TcpStream::connect(upstream) else {
        return;
    };
    let tls = Arc::new(Mutex::new(rustls::ServerConnection::new(config).unwrap()));
    let (mut client_in, mut client_out) = (client.try_clone().unwrap(), client);
    let (mut up_in, mut up_out) = (up.try_clone().unwrap(), up);
    let tls2 = tls.clone();
    let mut client_out2 = client_out.try_clone().unwrap();
    std::thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        loop {
            let n = match up_in.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            let mut t = tls2.lock().unwrap();
            if t.writer().write_all(&buf[..n]).is_err() {
                return;
            }
            while t.wants_write() {
                if t.write_tls(&mut client_out2).is_err() {
                    return;
                }
            }
        }
    });
    let mut buf = [0u8; 16 * 1024];
    loop {
        let n = match client_in.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        let mut t = tls.lock().unwrap();
        let mut slice = &buf[..n];
        while !slice.is_empty() {
            if t.read_tls(&mut slice).is_err() || t.process_new_packets().is_err() {
                return;
            }
        }
        let mut plain = Vec::new();
        let _ = t.reader().read_to_end(&mut plain);
        while t.wants_write() {
            if t.write_tls(&mut client_out).is_err() {
                return;
            }
        }
        drop(t);
        if !plain.is_empty() && up_out.write_all(&plain).is_err() {
            return;
        }
    }
}
