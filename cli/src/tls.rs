//! TLS flags: `--cafile`, `--capath`, `--cert`, `--key`, `--tls-version`,
//! `--tls-alpn`, `--tls-use-os-certs`, `--insecure`. Never ignored: a flag
//! whose file cannot be used is an error, and a TLS flag with a plain URL is
//! an error.

use std::sync::Arc;

use clap::Args;
use mqtt_tokio::TlsOptions;
use mqtt_transport::rustls::{
    self,
    client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier},
    client::WebPkiServerVerifier,
    pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer, ServerName, UnixTime},
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

/// The TLS flags.
#[derive(Args, Debug, Clone, Default)]
pub struct TlsArgs {
    /// File of trusted CA certificates (PEM): use TLS, default port 8883.
    #[arg(long, value_name = "FILE")]
    pub cafile: Option<String>,
    /// Directory of trusted CA certificates: every PEM file in it.
    #[arg(long, value_name = "DIR")]
    pub capath: Option<String>,
    /// Client certificate (PEM) for mutual TLS; needs --key.
    #[arg(long, value_name = "FILE")]
    pub cert: Option<String>,
    /// Client private key (PEM) for mutual TLS; needs --cert.
    #[arg(long, value_name = "FILE")]
    pub key: Option<String>,
    /// TLS version: tlsv1.3 or tlsv1.2 (default: either). TLS 1.1 is refused: rustls does not implement it.
    #[arg(long = "tls-version", value_name = "VERSION")]
    pub tls_version: Option<String>,
    /// ALPN protocol to offer (for example mqtt, which some brokers need on port 443).
    #[arg(long = "tls-alpn", value_name = "PROTOCOL")]
    pub tls_alpn: Option<String>,
    /// Trust the operating system's CA certificates (also the default when no --cafile/--capath is given).
    #[arg(long = "tls-use-os-certs")]
    pub tls_use_os_certs: bool,
    /// Do not check that the broker's certificate names its host (the chain is still checked
    /// against the CA). Prints a warning: anyone with a certificate from that CA could pose as the broker.
    #[arg(long)]
    pub insecure: bool,
}

impl TlsArgs {
    /// Whether a flag asks for TLS.
    pub fn wants_tls(&self) -> bool {
        self.cafile.is_some()
            || self.capath.is_some()
            || self.cert.is_some()
            || self.key.is_some()
            || self.tls_version.is_some()
            || self.tls_alpn.is_some()
            || self.tls_use_os_certs
            || self.insecure
    }

    /// The TLS options the flags describe (always built here, so that every
    /// flag takes effect and every file is read now).
    pub fn options(&self, quiet: bool) -> Result<TlsOptions, String> {
        let mut roots = RootCertStore::empty();
        if let Some(file) = &self.cafile {
            add_pem_file(&mut roots, file, "--cafile")?;
        }
        if let Some(dir) = &self.capath {
            let entries =
                std::fs::read_dir(dir).map_err(|e| format!("--capath: cannot read {dir}: {e}"))?;
            let mut found = 0;
            for entry in entries.flatten() {
                let path = entry.path();
                if !path.is_file() {
                    continue;
                }
                let Ok(certs) = CertificateDer::pem_file_iter(&path) else {
                    continue;
                };
                for cert in certs.flatten() {
                    if roots.add(cert).is_ok() {
                        found += 1;
                    }
                }
            }
            if found == 0 {
                return Err(format!("--capath: no CA certificate (PEM) in {dir}"));
            }
        }
        if self.tls_use_os_certs || (self.cafile.is_none() && self.capath.is_none()) {
            let native = rustls_native_certs::load_native_certs();
            for cert in native.certs {
                let _ = roots.add(cert);
            }
            if roots.is_empty() {
                return Err(
                    "no CA certificate: the system trust store is empty; give --cafile or --capath"
                        .into(),
                );
            }
        }
        let versions: &[&'static rustls::SupportedProtocolVersion] =
            match self.tls_version.as_deref() {
                None => rustls::DEFAULT_VERSIONS,
                Some("tlsv1.3") => &[&rustls::version::TLS13],
                Some("tlsv1.2") => &[&rustls::version::TLS12],
                Some(v @ ("tlsv1.1" | "tlsv1")) => {
                    return Err(format!(
                        "--tls-version {v} is not offered: rustls implements TLS 1.2 and 1.3 only"
                    ))
                }
                Some(v) => return Err(format!("unknown --tls-version {v} (tlsv1.3 or tlsv1.2)")),
            };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let roots = Arc::new(roots);
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(versions)
            .map_err(|e| format!("TLS: {e}"))?;
        let builder = if self.insecure {
            if !quiet {
                eprintln!(
                    "Warning: --insecure: the broker's certificate is not checked against its host name \
                     (only against the CA); anyone holding a certificate from that CA can pose as the broker."
                );
            }
            let inner = WebPkiServerVerifier::builder_with_provider(roots.clone(), provider)
                .build()
                .map_err(|e| format!("TLS: {e}"))?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyName(inner)))
        } else {
            builder.with_root_certificates(roots)
        };
        let mut config = match (&self.cert, &self.key) {
            (Some(cert), Some(key)) => {
                let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
                    .map_err(|e| format!("--cert: cannot read {cert}: {e}"))?
                    .collect::<Result<_, _>>()
                    .map_err(|e| format!("--cert: {cert}: {e}"))?;
                if certs.is_empty() {
                    return Err(format!("--cert: no certificate (PEM) in {cert}"));
                }
                let key = PrivateKeyDer::from_pem_file(key).map_err(|e| {
                    format!("--key: cannot read a private key (PEM) from {key}: {e}")
                })?;
                builder
                    .with_client_auth_cert(certs, key)
                    .map_err(|e| format!("--cert/--key: {e}"))?
            }
            (None, None) => builder.with_no_client_auth(),
            _ => return Err("--cert and --key go together".into()),
        };
        if let Some(alpn) = &self.tls_alpn {
            config.alpn_protocols = vec![alpn.as_bytes().to_vec()];
        }
        Ok(TlsOptions::new().rustls_config(Arc::new(config)))
    }
}

fn add_pem_file(roots: &mut RootCertStore, file: &str, flag: &str) -> Result<(), String> {
    let certs = CertificateDer::pem_file_iter(file)
        .map_err(|e| format!("{flag}: cannot read {file}: {e}"))?;
    let mut n = 0;
    for cert in certs {
        let cert = cert.map_err(|e| format!("{flag}: {file}: {e}"))?;
        roots
            .add(cert)
            .map_err(|e| format!("{flag}: {file}: {e}"))?;
        n += 1;
    }
    if n == 0 {
        return Err(format!("{flag}: no certificate (PEM) in {file}"));
    }
    Ok(())
}

/// `--insecure`: the chain is verified as usual; only a certificate that
/// does not name the host is let through.
#[derive(Debug)]
struct AnyName(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for AnyName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}
