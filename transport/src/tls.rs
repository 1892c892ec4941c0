//! TLS: options, their translation into a rustls `ClientConfig`, and the in-memory TLS layer.

use std::fmt;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::{BufMut, BytesMut};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore};

use crate::error::TransportError;
use crate::transport::take_all;
use crate::{ServerUrl, TransportOptions};

/// Where trusted CA certificates come from.
#[derive(Clone)]
enum RootSource {
    CaFile(PathBuf),
    CaPem(Vec<u8>),
    #[cfg(feature = "native-roots")]
    System,
    #[cfg(feature = "webpki-roots")]
    Webpki,
}

/// The client certificate for mutual TLS.
#[derive(Clone)]
enum ClientAuth {
    Files { cert: PathBuf, key: PathBuf },
    Pem { cert: Vec<u8>, key: Vec<u8> },
}

/// How to set up TLS for `mqtts://` and `wss://`. Server certificates are always verified
/// unless a custom rustls configuration says otherwise.
///
/// Trust anchors: the CA files / PEM given with [`ca_file`](Self::ca_file) and
/// [`ca_pem`](Self::ca_pem), plus the system store (`system_roots()`, feature `native-roots`)
/// and Mozilla's roots (`webpki_roots()`, feature `webpki-roots`) when asked for. With none
/// given, the system store is used (feature `native-roots`, on by default).
///
/// Building the rustls configuration reads the files named here; it happens in
/// [`Transport::new`](crate::Transport::new) (so each reconnect picks up renewed files) or in
/// [`client_config`](Self::client_config).
///
/// ```
/// use mqtt_transport::TlsOptions;
///
/// let tls = TlsOptions::new()
///     .ca_file("/etc/mqtt/ca.crt")
///     .client_cert_files("/etc/mqtt/client.crt", "/etc/mqtt/client.key")
///     .server_name("broker.internal");
/// assert_eq!(tls.server_name_override(), Some("broker.internal"));
/// ```
#[derive(Clone, Default)]
pub struct TlsOptions {
    roots: Vec<RootSource>,
    client_auth: Option<ClientAuth>,
    server_name: Option<String>,
    alpn: Vec<Vec<u8>>,
    custom: Option<Arc<ClientConfig>>,
}

impl fmt::Debug for TlsOptions {
    // Key material never reaches a log: only what kind of source each item is.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let roots: Vec<String> = self
            .roots
            .iter()
            .map(|r| match r {
                RootSource::CaFile(p) => format!("file {}", p.display()),
                RootSource::CaPem(_) => "PEM".to_owned(),
                #[cfg(feature = "native-roots")]
                RootSource::System => "system".to_owned(),
                #[cfg(feature = "webpki-roots")]
                RootSource::Webpki => "webpki-roots".to_owned(),
            })
            .collect();
        f.debug_struct("TlsOptions")
            .field("roots", &roots)
            .field("client_auth", &self.client_auth.is_some())
            .field("server_name", &self.server_name)
            .field("custom_config", &self.custom.is_some())
            .finish()
    }
}

impl TlsOptions {
    /// Default options: verify the server against the system trust store.
    pub fn new() -> TlsOptions {
        TlsOptions::default()
    }

    /// Trusts the CA certificates in a PEM file (one or more certificates).
    #[must_use]
    pub fn ca_file(mut self, path: impl Into<PathBuf>) -> TlsOptions {
        self.roots.push(RootSource::CaFile(path.into()));
        self
    }

    /// Trusts the CA certificates in PEM data.
    #[must_use]
    pub fn ca_pem(mut self, pem: impl Into<Vec<u8>>) -> TlsOptions {
        self.roots.push(RootSource::CaPem(pem.into()));
        self
    }

    /// Also trusts the operating system's store (rustls-native-certs). Only needed together
    /// with [`ca_file`](Self::ca_file) / [`ca_pem`](Self::ca_pem): it is the default otherwise.
    #[cfg(feature = "native-roots")]
    #[must_use]
    pub fn system_roots(mut self) -> TlsOptions {
        self.roots.push(RootSource::System);
        self
    }

    /// Also trusts Mozilla's root program, compiled in (webpki-roots).
    #[cfg(feature = "webpki-roots")]
    #[must_use]
    pub fn webpki_roots(mut self) -> TlsOptions {
        self.roots.push(RootSource::Webpki);
        self
    }

    /// Presents a client certificate (mutual TLS) read from PEM files: the certificate chain
    /// and its private key (PKCS#8, PKCS#1 or SEC1).
    #[must_use]
    pub fn client_cert_files(
        mut self,
        cert: impl Into<PathBuf>,
        key: impl Into<PathBuf>,
    ) -> TlsOptions {
        self.client_auth = Some(ClientAuth::Files {
            cert: cert.into(),
            key: key.into(),
        });
        self
    }

    /// Presents a client certificate (mutual TLS) given as PEM data.
    #[must_use]
    pub fn client_cert_pem(
        mut self,
        cert: impl Into<Vec<u8>>,
        key: impl Into<Vec<u8>>,
    ) -> TlsOptions {
        self.client_auth = Some(ClientAuth::Pem {
            cert: cert.into(),
            key: key.into(),
        });
        self
    }

    /// Verifies the server certificate against this name (DNS name or IP address) instead of
    /// the host of the URL. Also the name sent in SNI.
    #[must_use]
    pub fn server_name(mut self, name: impl Into<String>) -> TlsOptions {
        self.server_name = Some(name.into());
        self
    }

    /// ALPN protocols to offer (for example `mqtt`, which some cloud brokers require on port 443).
    #[must_use]
    pub fn alpn_protocols(mut self, protocols: Vec<Vec<u8>>) -> TlsOptions {
        self.alpn = protocols;
        self
    }

    /// Uses this rustls configuration as is; every other option except
    /// [`server_name`](Self::server_name) is then ignored. The escape hatch for anything the
    /// options do not cover (custom verifiers, session resumption, key logging).
    #[must_use]
    pub fn rustls_config(mut self, config: Arc<ClientConfig>) -> TlsOptions {
        self.custom = Some(config);
        self
    }

    /// The server name set with [`server_name`](Self::server_name), if any.
    pub fn server_name_override(&self) -> Option<&str> {
        self.server_name.as_deref()
    }

    /// Builds the rustls configuration: reads the files, loads the trust anchors and the client
    /// certificate. Uses the `ring` crypto provider and rustls' safe default protocol versions
    /// (TLS 1.2 and 1.3).
    pub fn client_config(&self) -> Result<Arc<ClientConfig>, TlsConfigError> {
        if let Some(custom) = &self.custom {
            return Ok(custom.clone());
        }
        let mut roots = RootCertStore::empty();
        let default_roots = [
            #[cfg(feature = "native-roots")]
            RootSource::System,
        ];
        let sources = if self.roots.is_empty() {
            &default_roots[..]
        } else {
            &self.roots[..]
        };
        if sources.is_empty() {
            return Err(TlsConfigError::NoTrustAnchors);
        }
        for source in sources {
            add_roots(&mut roots, source)?;
        }

        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(TlsConfigError::Rustls)?
            .with_root_certificates(roots);
        let mut config = match &self.client_auth {
            None => builder.with_no_client_auth(),
            Some(auth) => {
                let (certs, key) = load_client_auth(auth)?;
                builder
                    .with_client_auth_cert(certs, key)
                    .map_err(TlsConfigError::ClientCertificate)?
            }
        };
        config.alpn_protocols = self.alpn.clone();
        Ok(Arc::new(config))
    }
}

fn add_roots(store: &mut RootCertStore, source: &RootSource) -> Result<(), TlsConfigError> {
    let add_all =
        |store: &mut RootCertStore, certs: Vec<CertificateDer<'static>>, origin: String| {
            if certs.is_empty() {
                return Err(TlsConfigError::NoCertificates { origin });
            }
            for cert in certs {
                store
                    .add(cert)
                    .map_err(|error| TlsConfigError::InvalidCertificate {
                        origin: origin.clone(),
                        error,
                    })?;
            }
            Ok(())
        };
    match source {
        RootSource::CaFile(path) => {
            let pem = read_file(path)?;
            let origin = path.display().to_string();
            add_all(store, parse_certs(&pem, &origin)?, origin)
        }
        RootSource::CaPem(pem) => {
            let origin = "CA PEM data".to_owned();
            add_all(store, parse_certs(pem, &origin)?, origin)
        }
        #[cfg(feature = "native-roots")]
        RootSource::System => {
            let result = rustls_native_certs::load_native_certs();
            if result.certs.is_empty() {
                return Err(TlsConfigError::SystemRoots {
                    message: match result.errors.first() {
                        Some(e) => e.to_string(),
                        None => "the system trust store is empty".to_owned(),
                    },
                });
            }
            // Unparseable system certificates are skipped: one odd entry in /etc/ssl must
            // not make every TLS connection fail.
            let (_added, _ignored) = store.add_parsable_certificates(result.certs);
            Ok(())
        }
        #[cfg(feature = "webpki-roots")]
        RootSource::Webpki => {
            store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            Ok(())
        }
    }
}

fn read_file(path: &Path) -> Result<Vec<u8>, TlsConfigError> {
    std::fs::read(path).map_err(|e| TlsConfigError::ReadFile {
        path: path.to_owned(),
        kind: e.kind(),
        message: e.to_string(),
    })
}

fn parse_certs(pem: &[u8], origin: &str) -> Result<Vec<CertificateDer<'static>>, TlsConfigError> {
    CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsConfigError::InvalidPem {
            origin: origin.to_owned(),
            message: e.to_string(),
        })
}

fn load_client_auth(
    auth: &ClientAuth,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), TlsConfigError> {
    let (cert_pem, cert_origin, key_pem, key_origin) = match auth {
        ClientAuth::Files { cert, key } => (
            read_file(cert)?,
            cert.display().to_string(),
            read_file(key)?,
            key.display().to_string(),
        ),
        ClientAuth::Pem { cert, key } => (
            cert.clone(),
            "client certificate PEM data".to_owned(),
            key.clone(),
            "client key PEM data".to_owned(),
        ),
    };
    let certs = parse_certs(&cert_pem, &cert_origin)?;
    if certs.is_empty() {
        return Err(TlsConfigError::NoCertificates {
            origin: cert_origin,
        });
    }
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| match e {
        rustls::pki_types::pem::Error::NoItemsFound => TlsConfigError::NoPrivateKey {
            origin: key_origin.clone(),
        },
        // The message of a PEM error never contains key material, only its position/kind.
        other => TlsConfigError::InvalidPem {
            origin: key_origin.clone(),
            message: other.to_string(),
        },
    })?;
    Ok((certs, key))
}

/// Why the TLS options could not be turned into a rustls configuration. The caller's
/// configuration (or files) is at fault.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum TlsConfigError {
    /// A certificate or key file could not be read.
    ReadFile {
        /// The file.
        path: PathBuf,
        /// The I/O error kind.
        kind: io::ErrorKind,
        /// The I/O error message.
        message: String,
    },
    /// PEM data that does not parse.
    InvalidPem {
        /// The file (or "… PEM data").
        origin: String,
        /// What is wrong.
        message: String,
    },
    /// PEM data without any certificate.
    NoCertificates {
        /// The file (or "… PEM data").
        origin: String,
    },
    /// PEM data without a private key.
    NoPrivateKey {
        /// The file (or "… PEM data").
        origin: String,
    },
    /// A CA certificate rustls cannot use as a trust anchor.
    InvalidCertificate {
        /// The file (or "… PEM data").
        origin: String,
        /// rustls' reason.
        error: rustls::Error,
    },
    /// The system trust store could not be loaded, or is empty.
    SystemRoots {
        /// The first error reported while loading it.
        message: String,
    },
    /// No trust anchors at all: no CA given and the `native-roots` feature is off.
    NoTrustAnchors,
    /// The client certificate and key were refused (for example, they do not match).
    ClientCertificate(rustls::Error),
    /// The server name (the URL's host or the override) is not a valid DNS name or IP address.
    InvalidServerName {
        /// The name.
        name: String,
    },
    /// rustls refused the configuration.
    Rustls(rustls::Error),
}

impl fmt::Display for TlsConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsConfigError::ReadFile { path, message, .. } => {
                write!(f, "cannot read {}: {message}", path.display())
            }
            TlsConfigError::InvalidPem { origin, message } => {
                write!(f, "invalid PEM in {origin}: {message}")
            }
            TlsConfigError::NoCertificates { origin } => {
                write!(f, "no certificate found in {origin}")
            }
            TlsConfigError::NoPrivateKey { origin } => write!(f, "no private key found in {origin}"),
            TlsConfigError::InvalidCertificate { origin, error } => {
                write!(f, "unusable CA certificate in {origin}: {error}")
            }
            TlsConfigError::SystemRoots { message } => {
                write!(f, "cannot load the system trust store: {message}")
            }
            TlsConfigError::NoTrustAnchors => f.write_str(
                "no trust anchors: give a CA file or enable the native-roots or webpki-roots feature",
            ),
            TlsConfigError::ClientCertificate(e) => {
                write!(f, "client certificate refused: {e}")
            }
            TlsConfigError::InvalidServerName { name } => {
                write!(f, "invalid TLS server name {name:?}")
            }
            TlsConfigError::Rustls(e) => write!(f, "TLS configuration refused: {e}"),
        }
    }
}

impl std::error::Error for TlsConfigError {}

/// TLS over in-memory buffers: rustls driven with `read_tls` / `process_new_packets` /
/// `write_tls`.
pub(crate) struct TlsLayer {
    conn: ClientConnection,
    /// Decrypted bytes not yet taken by the next layer.
    plaintext: BytesMut,
    /// close_notify received (or the peer closed the socket).
    peer_closed: bool,
}

impl TlsLayer {
    /// The layer for a connection to `url`: builds the rustls configuration
    /// from `options.tls` (reading its files), then the layer.
    pub(crate) fn for_url(
        url: &ServerUrl,
        options: &TransportOptions,
    ) -> Result<TlsLayer, TransportError> {
        let config = options.tls.client_config()?;
        Ok(TlsLayer::new(config, url.host(), &options.tls)?)
    }

    pub(crate) fn new(
        config: Arc<ClientConfig>,
        host: &str,
        options: &TlsOptions,
    ) -> Result<TlsLayer, TlsConfigError> {
        let name = options.server_name.as_deref().unwrap_or(host);
        let server_name = ServerName::try_from(name.to_owned()).map_err(|_| {
            TlsConfigError::InvalidServerName {
                name: name.to_owned(),
            }
        })?;
        let mut conn =
            ClientConnection::new(config, server_name).map_err(TlsConfigError::Rustls)?;
        // Plaintext written before the handshake completes is kept, not refused: the MQTT
        // core bounds what it writes (in-flight window), so nothing here needs a second cap.
        conn.set_buffer_limit(None);
        Ok(TlsLayer {
            conn,
            plaintext: BytesMut::new(),
            peer_closed: false,
        })
    }

    /// Feeds raw bytes from the socket.
    pub(crate) fn handle_received(&mut self, mut data: &[u8]) -> Result<(), TransportError> {
        while !data.is_empty() {
            // `read_tls` takes at most one buffer's worth; it refuses more while decrypted
            // plaintext is pending, hence the drain on every round.
            self.conn
                .read_tls(&mut data)
                .map_err(|e| TransportError::Tls(rustls::Error::General(e.to_string())))?;
            self.process()?;
        }
        Ok(())
    }

    /// The socket reached end of stream.
    pub(crate) fn handle_eof(&mut self) -> Result<(), TransportError> {
        let mut empty: &[u8] = &[];
        // Reading 0 bytes tells rustls the peer is gone; the result (always Ok(0)) says
        // nothing more.
        let _ = self.conn.read_tls(&mut empty);
        self.peer_closed = true;
        self.process()?;
        if self.conn.is_handshaking() {
            return Err(TransportError::TlsHandshakeInterrupted {
                reason: "the server closed the connection".into(),
            });
        }
        Ok(())
    }

    fn process(&mut self) -> Result<(), TransportError> {
        let state = self
            .conn
            .process_new_packets()
            .map_err(TransportError::Tls)?;
        let available = state.plaintext_bytes_to_read();
        if available > 0 {
            let start = self.plaintext.len();
            self.plaintext.resize(start + available, 0);
            let mut filled = 0;
            while filled < available {
                match self
                    .conn
                    .reader()
                    .read(&mut self.plaintext[start + filled..])
                {
                    Ok(0) => break,
                    Ok(n) => filled += n,
                    Err(_) => break,
                }
            }
            self.plaintext.truncate(start + filled);
        }
        if state.peer_has_closed() {
            self.peer_closed = true;
        }
        Ok(())
    }

    /// Moves the decrypted bytes into `out`.
    pub(crate) fn read(&mut self, out: &mut BytesMut) -> usize {
        take_all(&mut self.plaintext, out)
    }

    /// Encrypts application bytes (buffered until the handshake completes).
    pub(crate) fn write(&mut self, data: &[u8]) -> Result<(), TransportError> {
        self.conn
            .writer()
            .write_all(data)
            .map_err(|e| TransportError::Tls(rustls::Error::General(e.to_string())))
    }

    /// Appends the TLS records to send to `out`.
    pub(crate) fn poll_send(&mut self, out: &mut BytesMut) -> usize {
        let before = out.len();
        let mut writer = out.writer();
        while self.conn.wants_write() {
            // Writing into a growable buffer cannot fail or stall.
            match self.conn.write_tls(&mut writer) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
        writer.into_inner().len() - before
    }

    pub(crate) fn wants_send(&self) -> bool {
        self.conn.wants_write()
    }

    pub(crate) fn is_handshaking(&self) -> bool {
        self.conn.is_handshaking()
    }

    pub(crate) fn peer_closed(&self) -> bool {
        self.peer_closed
    }

    pub(crate) fn close(&mut self) {
        self.conn.send_close_notify();
    }

    /// The ALPN protocol the server chose, if any.
    pub(crate) fn alpn_protocol(&self) -> Option<&[u8]> {
        self.conn.alpn_protocol()
    }
}
